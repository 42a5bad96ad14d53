//! Translates a program printed by `dafny /rprint:FILE /printMode:NoGhost`
//! to Rust: `cargo run -p dafny-backend --example translate FILE [ROOT]`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: translate PRINTED.dfy [ROOT]");
        std::process::exit(2);
    };
    let source = std::fs::read_to_string(path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(2);
    });
    let options = dafny_backend::Options {
        root: args.get(2).cloned().unwrap_or_else(|| "crate".into()),
        source_name: path.clone(),
    };
    match dafny_backend::translate(&source, &options) {
        Ok(rust) => print!("{rust}"),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
