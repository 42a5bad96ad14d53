//! Raw seL4 bindings, generated at build time from a kernel install prefix.
//!
//! The build script reads `$SEL4_PREFIX/libsel4/include` (interface XML, bitfield
//! files, `gen_config.json`, C headers) through the `sel4-sys-gen` crate; every number,
//! label and layout below comes from those files, so the same source serves seL4 5.0
//! and current kernels, MCS or not. Names follow libsel4's C API:
//!
//! * [`config`]: the kernel configuration, one const per `gen_config.json` key
//!   (`config::KERNEL_MCS`, `config::PRINTING`, `config::ROOT_CNODE_SIZE_BITS`, ...);
//!   `bool` for booleans, `u64` for numbers, `&str` for other strings.
//! * `seL4_Sys*`: syscall numbers; [`invocation_label`]: invocation labels.
//! * One `unsafe fn` per object method, named like libsel4's stubs
//!   (`seL4_Untyped_Retype`, `seL4_CNode_Copy`, `seL4_X86_Page_Map`, ...), returning
//!   [`seL4_Error`] or a `seL4_<Iface>_<Method>_t` struct when the method has outputs.
//! * Bitfield types (`seL4_MessageInfo`, `seL4_CapRights`, `seL4_Fault`, ...).
//! * C structures and constants through bindgen (`seL4_BootInfo`, `seL4_IPCBuffer`,
//!   `seL4_UserContext`, `seL4_NoError`, `seL4_UntypedObject`, ...).
//! * System calls (`seL4_Call`, `seL4_Send`, `seL4_Recv`, ...; MCS variants with a reply
//!   capability when the kernel is MCS, chosen at build time through `cfg(sel4_mcs)`),
//!   debug syscalls the kernel provides, and IPC buffer access (`seL4_GetMR`, ...).
//!
//! # The thread pointer contract
//!
//! The IPC buffer of the current thread is found through the thread pointer: the
//! runtime stores its address in the word at offset [`IPC_BUFFER_TP_OFFSET`] of the
//! thread control block that the FS segment base points to. The runtime writes that
//! word when it creates a thread; sel4-sys only reads it ([`seL4_GetIPCBuffer`]).
//!
//! # Build configuration
//!
//! `SEL4_PREFIX` must name a seL4 install prefix. The build script publishes, through
//! `links = "sel4"`, `DEP_SEL4_PREFIX`, `DEP_SEL4_INCLUDE`, `DEP_SEL4_MCS` (`1`/`0`),
//! `DEP_SEL4_SEL4_ARCH`, `DEP_SEL4_WORD_SIZE` and `DEP_SEL4_CONFIG_JSON` (the merged
//! configuration as JSON) to dependents' build scripts.

#![no_std]
#![allow(non_camel_case_types, non_snake_case, non_upper_case_globals)]

#[cfg(not(target_arch = "x86_64"))]
compile_error!("sel4-sys supports x86_64 only");

#[allow(unused_imports, dead_code, clippy::all, rustdoc::all)]
mod bindings {
    use super::*;
    include!(concat!(env!("OUT_DIR"), "/bindings.rs"));
}
pub use bindings::*;

#[allow(dead_code, clippy::all, rustdoc::all)]
mod bitfields {
    include!(concat!(env!("OUT_DIR"), "/bitfield.rs"));
}
pub use bitfields::*;

/// The kernel configuration: every key of `kernel/gen_config.json` and
/// `sel4/gen_config.json`, without the `CONFIG_` prefix.
pub mod config {
    include!(concat!(env!("OUT_DIR"), "/config.rs"));
}

#[allow(clippy::all)]
mod syscall_numbers {
    include!(concat!(env!("OUT_DIR"), "/syscalls.rs"));
}
pub use syscall_numbers::*;

/// Invocation labels, numbered as libsel4 numbers them for this kernel configuration.
#[allow(clippy::all)]
pub mod invocation_label {
    include!(concat!(env!("OUT_DIR"), "/invocation_labels.rs"));
}

#[allow(unused_imports, unused_mut, clippy::all, rustdoc::all)]
mod invocations {
    use super::*;
    include!(concat!(env!("OUT_DIR"), "/invocations.rs"));
}
pub use invocations::*;

include!(concat!(env!("OUT_DIR"), "/version.rs"));

mod arch;
pub use arch::*;

mod ipc_buffer;
pub use ipc_buffer::*;

mod syscalls;
pub use syscalls::*;
