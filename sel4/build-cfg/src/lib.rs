//! Kernel-dependent cfgs for crates above `sel4-sys`.
//!
//! `sel4-sys` has `links = "sel4"` and publishes what it learned from the
//! kernel's files as build-script metadata, which cargo passes to the build
//! scripts of crates that depend on it directly (`DEP_SEL4_*`): list
//! `sel4-sys` among your `[dependencies]` even if you use it through `sel4`. Call
//! [`emit`] from such a crate's `build.rs` to get:
//!
//! * `sel4_syscall = "<Name>"` for every system call the kernel has
//!   (e.g. `#[cfg(sel4_syscall = "SetTLSBase")]`);
//! * `sel4_printing` when the kernel has `DebugPutChar`;
//! * `sel4_mcs` for kernels with the MCS scheduler;
//! * `sel4_has = "<feature>"` for every invocation the kernel's interface
//!   files define (`"TCB_SetTLSBase"`), each of its parameters
//!   (`"TCB_SetPriority.authority"`), every bitfield type (`"seL4_CapData"`)
//!   and each of its fields or union members
//!   (`"seL4_CapRights.capAllowGrantReply"`), and every error the interface
//!   documents for an invocation (`"X86_Page_Map.error.InvalidArgument"`;
//!   seL4 5.0's interface files document none). Code that must compile against
//!   several kernel versions branches on these instead of on version numbers;
//! * `sel4_config = "<KEY>"` for every option of the kernel's configuration
//!   that is on (`"PRINTING"`, `"SET_TLS_BASE_SELF"`), and
//!   `sel4_config = "<KEY>=<value>"` for string options
//!   (`"KERNEL_FSGS_BASE=inst"`), keys without `CONFIG_`;
//! * `sel4_tls_self` when a thread can set its own thread pointer: the
//!   kernel has the `SetTLSBase` system call, or (x86) lets user code write
//!   the FS base with `wrfsbase` (`FSGSBASE_INST`). Elsewhere (seL4 5.0)
//!   another thread sets it through the TCB's registers.

/// Prints the `cargo::rustc-cfg` and `cargo::rustc-check-cfg` lines.
pub fn emit() {
    println!("cargo::rustc-check-cfg=cfg(sel4_mcs)");
    println!("cargo::rustc-check-cfg=cfg(sel4_printing)");
    println!("cargo::rustc-check-cfg=cfg(sel4_tls_self)");
    let syscalls = std::env::var("DEP_SEL4_SYSCALLS").unwrap_or_default();
    let names: Vec<&str> = syscalls.split(',').filter(|s| !s.is_empty()).collect();
    // Any value is legitimate: code names syscalls and features of other
    // kernel versions too, in the branch that does not apply to this one.
    println!("cargo::rustc-check-cfg=cfg(sel4_syscall, values(any()))");
    for name in &names {
        println!("cargo::rustc-cfg=sel4_syscall=\"{name}\"");
    }
    if names.contains(&"DebugPutChar") {
        println!("cargo::rustc-cfg=sel4_printing");
    }
    let features = std::env::var("DEP_SEL4_FEATURES").unwrap_or_default();
    let features: Vec<&str> = features.split(',').filter(|s| !s.is_empty()).collect();
    println!("cargo::rustc-check-cfg=cfg(sel4_has, values(any()))");
    for f in &features {
        println!("cargo::rustc-cfg=sel4_has=\"{f}\"");
    }
    let config = std::env::var("DEP_SEL4_CONFIG").unwrap_or_default();
    println!("cargo::rustc-check-cfg=cfg(sel4_config, values(any()))");
    let config: Vec<&str> = config.split(',').filter(|s| !s.is_empty()).collect();
    for c in &config {
        println!("cargo::rustc-cfg=sel4_config=\"{c}\"");
    }
    if names.contains(&"SetTLSBase") || config.contains(&"FSGSBASE_INST") {
        println!("cargo::rustc-cfg=sel4_tls_self");
    }
    if std::env::var("DEP_SEL4_MCS").as_deref() == Ok("1") {
        println!("cargo::rustc-cfg=sel4_mcs");
    }
    println!("cargo:rerun-if-env-changed=DEP_SEL4_SYSCALLS");
    println!("cargo:rerun-if-env-changed=DEP_SEL4_MCS");
    println!("cargo:rerun-if-env-changed=DEP_SEL4_FEATURES");
    println!("cargo:rerun-if-env-changed=DEP_SEL4_CONFIG");
}
