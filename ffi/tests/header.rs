//! Host tests of `ffi/include/substrate.h`: the committed copy equals what
//! cbindgen generates from `ffi/src` now (with `ffi/cbindgen.toml`, as
//! `ffi/build.rs` does), and it compiles cleanly as C99, C11 and C++17.
//!
//! `SUBSTRATE_FFI_BLESS=1 cargo test -p substrate-ffi-header --test header`
//! rewrites the committed copy.

use std::process::Command;
use std::sync::OnceLock;
use substrate_ffi_header::committed_header as committed_path;

/// The header as cbindgen generates it from the crate now (`build.rs`).
fn generated() -> &'static str {
    static HEADER: OnceLock<String> = OnceLock::new();
    HEADER.get_or_init(|| {
        let path = concat!(env!("OUT_DIR"), "/substrate.h");
        std::fs::read_to_string(path).expect("build.rs wrote the generated header")
    })
}

#[test]
fn committed_header_matches_cbindgen() {
    let path = committed_path();
    if std::env::var_os("SUBSTRATE_FFI_BLESS").is_some() {
        std::fs::write(&path, generated()).expect("write include/substrate.h");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated(),
        "header drifted: ffi/include/substrate.h differs from what cbindgen generates from \
         ffi/src; run `SUBSTRATE_FFI_BLESS=1 cargo test -p substrate-ffi-header --test header` and \
         commit the result"
    );
}

/// Compiles the header alone with `compiler` and `args`, warnings as errors.
fn compiles(compiler: &str, args: &[&str]) {
    let out = Command::new(compiler)
        .args(args)
        .args(["-Wall", "-Wextra", "-Werror", "-pedantic", "-fsyntax-only"])
        .arg(committed_path())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {compiler}: {e}"));
    assert!(
        out.status.success(),
        "{compiler} {args:?} rejects substrate.h:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn header_compiles_as_c99() {
    compiles("gcc", &["-std=c99", "-x", "c"]);
}

#[test]
fn header_compiles_as_c11() {
    compiles("gcc", &["-std=c11", "-x", "c"]);
}

#[test]
fn header_compiles_as_cxx17() {
    compiles("g++", &["-std=c++17", "-x", "c++"]);
}

#[test]
fn header_declares_the_contract() {
    for name in [
        "#define SUBSTRATE_ABI_VERSION 2",
        "#define SUBSTRATE_OK 0",
        "#define SUBSTRATE_EINVAL -22",
        "#define SUBSTRATE_ENOMEM -12",
        "#define SUBSTRATE_ENOSYS -88",
        "#define SUBSTRATE_EDEADLK -45",
        "#define SUBSTRATE_EFAULT -14",
        "#define SUBSTRATE_ESEL4_DELETE_FIRST -1008",
        "#define SUBSTRATE_EBADCAP -9",
        "#define SUBSTRATE_EAGAIN -11",
        "uint32_t substrate_abi_version(void);",
        "void substrate_exit(int32_t status) SUBSTRATE_NORETURN;",
        "void substrate_abort(void) SUBSTRATE_NORETURN;",
        "void *substrate_malloc(size_t size);",
        "void *substrate_sbrk(ptrdiff_t increment);",
        "uint64_t substrate_time_ns(void);",
        "int32_t substrate_sleep_ns(uint64_t ns);",
        "int32_t substrate_sleep_until_ns(uint64_t deadline);",
    ] {
        assert!(generated().contains(name), "substrate.h lacks `{name}`");
    }
}
