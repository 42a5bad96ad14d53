//! Build-script helper for sel4-substrate root tasks.
//!
//! Call [`root_task`] from a binary crate's `build.rs`. It writes the
//! substrate linker script into `OUT_DIR` and passes the link arguments a
//! seL4 root-task image needs on the host target `x86_64-unknown-linux-gnu`:
//! no C start files or libraries, a static non-PIE executable (the kernel's
//! ELF loader applies no relocations), linked at a fixed address with one
//! contiguous loadable segment.

use std::path::PathBuf;

/// The linker script every root-task image is linked with.
pub const LINKER_SCRIPT: &str = include_str!("root-task.ld");

/// Emits the `cargo:` directives that link this package's binaries as seL4
/// root-task images. Only binaries are affected, so the package's own host
/// unit tests still link normally.
pub fn root_task() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR is set by cargo"));
    let script = out.join("substrate-root-task.ld");
    if let Err(e) = std::fs::write(&script, LINKER_SCRIPT) {
        println!("cargo::error=cannot write {}: {e}", script.display());
        return;
    }
    for arg in [
        "-nostartfiles",
        "-nostdlib",
        "-static",
        "-no-pie",
        "-Wl,--gc-sections",
        "-Wl,--build-id=none",
        "-Wl,-z,norelro",
        "-Wl,-z,noexecstack",
    ] {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
    println!("cargo:rustc-link-arg-bins=-Wl,-T,{}", script.display());
    println!("cargo:rerun-if-changed=build.rs");
}
