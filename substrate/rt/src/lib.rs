//! The lowest layer of the sel4-substrate runtime.
//!
//! * [`start`]: the `_start` entry point of a root task: it switches to the
//!   image's initial stack, zeroes `.bss` and calls the runtime's Rust entry.
//! * [`tls`]: thread-local storage blocks built from the image's `PT_TLS`
//!   template (x86_64 variant II) and the per-thread control block the thread
//!   pointer (FS base) points to.
//! * [`mem`]: `memcpy`, `memmove`, `memset`, `memcmp` and `bcmp`, which the
//!   host target's `compiler_builtins` does not export to a freestanding link.
//! * [`mod@exit`]: ending the system with a status QEMU reports.
//!
//! Nothing here allocates; the crate needs only `core` and `sel4-sys`.
#![no_std]

pub mod arch;
pub mod exit;
pub mod mem;
pub mod start;
pub mod tls;

pub use exit::{exit, ExitStatus};

/// The personality routine the host target's `core` refers to even when
/// panics abort. Never called: with `panic = "abort"` no unwinding happens.
#[cfg(not(test))]
#[no_mangle]
extern "C" fn rust_eh_personality() {}

/// Referenced by the host target's precompiled `alloc` (built to unwind).
/// With `panic = "abort"` no unwinding starts, so reaching it is a bug; it
/// stops the thread with an invalid instruction, which the kernel reports.
#[cfg(not(test))]
#[no_mangle]
extern "C" fn _Unwind_Resume() -> ! {
    // SAFETY: `ud2` raises an invalid-opcode fault and does not return.
    unsafe { core::arch::asm!("ud2", options(noreturn)) }
}
