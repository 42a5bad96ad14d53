//! Prints the generated files for an include directory: `dump <include-dir> [file]`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::Path::new(&args[1]);
    let with_headers = dir.join("sel4/sel4.h").exists();
    match sel4_sys_gen::generate_from_include_dir(dir, &sel4_sys_gen::Options { with_headers }) {
        Ok(g) => {
            for (n, t) in &g.files {
                if args.get(2).is_none_or(|f| f == n) {
                    println!("// ===== {n}\n{t}");
                }
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
