//! The std personality: what the host target's precompiled `std` needs
//! from a C library, on the substrate.
//!
//! A `std` program for `x86_64-unknown-linux-gnu`, linked static and
//! non-PIE with the substrate's start files and linker script
//! (`substrate_build::std_program`, or `tools/cargo-sel4` for a crate's
//! tests), calls a small, known set of C functions: glibc's, with glibc's
//! ABI for the types it passes (as the `libc` crate defines them). This
//! crate defines them on the substrate, so the precompiled `std`,
//! `panic_unwind` and libtest run on seL4 unchanged, on stable Rust:
//!
//! | area | functions | on the substrate |
//! |---|---|---|
//! | memory | `malloc`, `calloc`, `realloc`, `free`, `posix_memalign`, `aligned_alloc`, `memalign` ([`malloc`]); `mmap`, `munmap`, `mprotect` ([`mman`]) | dlmalloc over the program break (`substrate_sbrk`); anonymous mappings of their own frames, `PROT_NONE` unmapping them |
//! | threads | `pthread_create`, `_join`, `_detach`, `_self`, attributes, keys, `pthread_getattr_np`, names, mutexes, `pthread_once`, `__cxa_thread_atexit_impl`, `sched_yield` ([`pthread`]) | `substrate_ffi::thread`: threads of `substrate-thread` |
//! | futex | `syscall(SYS_futex, ...)` ([`futex`]) | a wait queue per address, each waiter blocking on its thread's notification |
//! | time | `clock_gettime`, `nanosleep`, `clock_nanosleep`, `gettimeofday` ([`time`]) | `substrate_time_ns`, `substrate_realtime_ns`, the timer's sleeps |
//! | console | `write`, `writev`, `read`, `readv`, `poll`, `isatty`, `fcntl`, `fstat` on descriptors 0-2 ([`io`]) | `substrate_console_write` and `_read` |
//! | environment | `getenv`, `environ`, arguments ([`mod@env`]) | the boot command line (`substrate-cmdline`) |
//! | exit | `exit`, `_exit`, `abort`, `atexit`, `__cxa_atexit` ([`exit`]) | `substrate_exit`, `substrate_abort` |
//! | math | `log2`, `pow`, `sin`, `cbrt`, `lgamma_r`, ... and their `f32` twins ([`math`]) | the `libm` crate |
//! | entropy | `getrandom`, `syscall(SYS_getrandom, ...)` ([`random`]) | `RDRAND`, or without it the TSC mixed by a PRNG (not cryptographic) |
//! | unwinder | `dl_iterate_phdr`, `_dl_find_object` ([`unwind`]) | the image's own program headers and `.eh_frame_hdr`; gcc's `libgcc_eh.a` supplies `_Unwind_*` |
//! | the rest | files, processes, sockets, signals, users ([`unsupported`], [`signal`]) | the error a program can handle (`ENOENT`, `ENOSYS`, `EBADF`, ...) |
//!
//! The services behind them are the substrate's own, the ones newlib's
//! system calls (c-newlib) use too: threads, time, the console and the
//! program break are `substrate-ffi`'s, not copies.
//!
//! The image enters through the runtime of `substrate-ffi` ([`entry`]): it
//! runs the constructors (`.init_array`, with `argc`, `argv` and `envp` as
//! glibc passes them: that is how `std::env::args` learns the command
//! line), then the `main` rustc generates for the program, then [`exit`]
//! with its result. A panic in `main` ends the image with std's own
//! message and a failure status.
#![no_std]
// A host test build (`clippy --all-targets`) links std, whose panic handler
// clashes with the one substrate-ffi's dependencies carry there: the crate
// is empty in it.
#![cfg(not(test))]
// The C ABI names its types the C way.
#![allow(non_camel_case_types)]
// `seL4_Word` is `u64` on x86_64 but not on every seL4 target: keep the casts.
#![allow(clippy::unnecessary_cast)]

extern crate alloc;

pub mod entry;
pub mod env;
pub mod errno;
pub mod exit;
pub mod futex;
pub mod io;
pub mod malloc;
pub mod math;
pub mod mman;
pub mod pthread;
pub mod random;
pub mod signal;
pub mod time;
pub mod unsupported;
pub mod unwind;
