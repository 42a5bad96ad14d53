//! The lowest layer of the sel4-substrate runtime.
//!
//! * [`start`]: the `_start` entry point of a root task: it switches to the
//!   image's initial stack, zeroes `.bss` and calls the runtime's Rust entry.
//! * [`tls`]: thread-local storage blocks built from the image's `PT_TLS`
//!   template (x86_64 variant II) and the per-thread control block the thread
//!   pointer (FS base) points to (the `substrate-tls` crate).
//! * [`mem`]: `memcpy`, `memmove`, `memset`, `memcmp` and `bcmp`, which the
//!   host target's `compiler_builtins` does not export to a freestanding link.
//! * [`mod@exit`]: ending the system with a status QEMU reports.
//!
//! Nothing here allocates; the crate needs only `core`, `sel4-sys` and `substrate-tls`.
#![no_std]

pub mod arch;
pub mod exit;
pub mod mem;
pub mod start;

/// Thread-local storage blocks and the thread control block: the
/// `substrate-tls` crate, re-exported so `substrate_rt::tls::*` paths work.
pub use substrate_tls as tls;

pub use exit::{exit, ExitStatus};

/// The personality routine the host target's `core` refers to even when
/// panics abort. Never called: with `panic = "abort"` no unwinding happens.
/// Left out with the `external-personality` feature, when a real one is linked.
#[cfg(not(any(test, feature = "external-personality")))]
#[no_mangle]
extern "C" fn rust_eh_personality() {}

/// Referenced by the host target's precompiled `alloc` (built to unwind).
/// With `panic = "abort"` no unwinding starts, so reaching it is a bug; it
/// stops the thread with an invalid instruction, which the kernel reports.
/// Left out with the `external-unwinder` feature, when a real unwinder is linked.
#[cfg(not(any(test, feature = "external-unwinder")))]
#[no_mangle]
extern "C" fn _Unwind_Resume() -> ! {
    // SAFETY: `ud2` raises an invalid-opcode fault and does not return.
    unsafe { core::arch::asm!("ud2", options(noreturn)) }
}
