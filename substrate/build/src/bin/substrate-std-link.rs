//! Prints the link of a std program on seL4 as JSON, for tools that cannot
//! use a build script (`tools/cargo-sel4`, which links a crate's unmodified
//! test binaries): `substrate-std-link <target dir>` builds the std
//! personality there and prints
//! `{"link_args": [...], "search_dir": "..."}` (see
//! `substrate_build::std_link`). Exit status 1 with a one-line error.
fn main() {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: substrate-std-link <target dir>");
        std::process::exit(2);
    };
    match substrate_build::std_link::prepare(std::path::Path::new(&dir)) {
        Ok(link) => {
            let json = serde_json::json!({
                "link_args": link.link_args,
                "search_dir": link.search_dir,
            });
            println!("{json}");
        }
        Err(e) => {
            eprintln!("substrate-std-link: {e}");
            std::process::exit(1);
        }
    }
}
