//! Generates `substrate.h` from `ffi/src` with cbindgen (and
//! `ffi/cbindgen.toml`, as `ffi/build.rs` does) into `OUT_DIR`, for the
//! drift test. A build dependency rather than a dev-dependency: the
//! features of cbindgen's dependencies (std in `bitflags`, through
//! `rustix`) then never reach the `no_std` components that a workspace
//! build with `--all-targets` compiles in the same resolution.

use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("ffi/tests has a parent")
        .to_path_buf();
    println!("cargo:rerun-if-changed={}", dir.join("src").display());
    println!(
        "cargo:rerun-if-changed={}",
        dir.join("cbindgen.toml").display()
    );
    let out = Path::new(&std::env::var_os("OUT_DIR").expect("set by cargo")).join("substrate.h");
    let config =
        cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("ffi/cbindgen.toml parses");
    cbindgen::Builder::new()
        .with_crate(&dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates substrate.h")
        .write_to_file(out);
}
