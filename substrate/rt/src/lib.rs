//! The lowest layer of the sel4-substrate runtime.
//!
//! * [`start`]: the `_start` entry point of a root task: it switches to the
//!   image's initial stack (`.bss` is zero from the kernel's loader) and calls the runtime's Rust entry.
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

/// The boot command line the runner writes into the image
/// (`substrate-cmdline`).
pub use substrate_cmdline as cmdline;
/// Thread-local storage blocks and the thread control block: the
/// `substrate-tls` crate, re-exported so `substrate_rt::tls::*` paths work.
pub use substrate_tls as tls;

/// Whether the runtime keeps its own lines off the console (its last line,
/// `substrate: exit ...`) because the image was booted with
/// `sel4-run --quiet`, which shows only what the program writes.
pub fn quiet() -> bool {
    substrate_cmdline::quiet()
}

pub use exit::{exit, ExitStatus};

// The two symbols below are **weak** (defined in `global_asm!`, because
// stable Rust cannot mark a function weak), like the `mem*` names: a real
// definition linked into the same binary wins without a duplicate-symbol
// error. That is `std`'s in a host test binary of a crate that depends on
// this one (e.g. `substrate-loader`'s ELF-parsing tests), or the `unwinding`
// crate's (the `external-*` features leave these out altogether).

// `rust_eh_personality`: the personality routine the host target's `core`
// refers to even when panics abort. Never called: with `panic = "abort"` no
// unwinding happens, so it just returns.
#[cfg(not(any(test, feature = "external-personality")))]
core::arch::global_asm!(
    ".section .text.rust_eh_personality,\"ax\",@progbits",
    ".weak rust_eh_personality",
    ".type rust_eh_personality,@function",
    "rust_eh_personality:",
    "    ret",
    ".size rust_eh_personality, . - rust_eh_personality",
    ".text",
);

// `_Unwind_Resume`: referenced by the host target's precompiled `alloc`
// (built to unwind). With `panic = "abort"` no unwinding starts, so reaching
// it is a bug; it stops the thread with an invalid instruction (`ud2`),
// which the kernel reports.
#[cfg(not(any(test, feature = "external-unwinder")))]
core::arch::global_asm!(
    ".section .text._Unwind_Resume,\"ax\",@progbits",
    ".weak _Unwind_Resume",
    ".type _Unwind_Resume,@function",
    "_Unwind_Resume:",
    "    ud2",
    ".size _Unwind_Resume, . - _Unwind_Resume",
    ".text",
);
