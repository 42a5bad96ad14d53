//! The panic handler of a seL4 component.
//!
//! Linking this crate installs a `#[panic_handler]`. There are two strategies:
//!
//! * **abort** (the default, stable Rust): print `panicked at
//!   <file>:<line>:<col>:`, the panic message and a [`backtrace`] of return
//!   addresses on the kernel's debug console, then end the system with
//!   [`substrate_rt::ExitStatus::Failure`] through [`substrate_rt::exit()`].
//!   It never allocates, so it also reports heap exhaustion. A panic while
//!   panicking (e.g. inside a `Display` impl) stops at once instead of
//!   recursing.
//! * **unwind** (the `unwind` feature; nightly Rust and an image built with
//!   `-C panic=unwind`, e.g. `cargo +nightly build --profile unwind`): print
//!   the message and location, then unwind the stack, running destructors,
//!   to the nearest [`catch_unwind`], which returns the [`PanicPayload`]; the
//!   component goes on. A panic nothing catches, a panic while panicking, or
//!   one in a function that cannot unwind ends the system as with abort.
//!
//! Both strategies walk the stack with the `unwinding` crate's unwinder;
//! the image's linker script (`substrate-build`) keeps `.eh_frame` and
//! `.eh_frame_hdr` and names them for it.
//!
//! # Several threads
//!
//! Reports are serialised: the first thread to panic writes its whole
//! report (message, location, backtrace) and ends the system; a thread that
//! panics meanwhile waits (yielding, `seL4_Yield`) instead of writing into
//! that report, and with the abort strategy waits for good, since the first
//! one ends the system. (With the `unwind` strategy the console is held only
//! while the message is written, and again for an uncaught panic's
//! backtrace, so other threads' caught panics go on.) Only a panic on the
//! reporting thread itself counts as a panic while panicking. Threads are
//! told apart by their thread pointer (`fs:0`), so this relies on the
//! runtime having set it, which it does before `main` (only a panic in a
//! root task's start-up code, before the main thread runs, would find no
//! thread pointer and fault). A waiting thread yields only to threads of its
//! own priority: a thread that panics at a higher priority than the
//! reporting one keeps the processor, and the report is not finished.
#![no_std]
#![cfg_attr(
    feature = "unwind",
    feature(core_intrinsics, panic_can_unwind, thread_local),
    allow(internal_features)
)]

#[cfg(feature = "unwind")]
extern crate alloc;

pub mod backtrace;
mod payload;
#[cfg(feature = "unwind")]
mod unwind;

pub use payload::PanicPayload;

use core::panic::{PanicInfo, UnwindSafe};
use core::sync::atomic::{AtomicUsize, Ordering};

/// Whether panics unwind (the `unwind` feature) rather than abort.
pub const UNWINDS: bool = cfg!(feature = "unwind");

/// Prints the report for a panic on the console (`sel4::debug_put_char`: `seL4_DebugPutChar`, or COM1 on kernels without it):
/// `panicked at <file>:<line>:<col>:` and the message on the next line.
pub fn report(info: &PanicInfo<'_>) {
    match info.location() {
        Some(l) => sel4::debug_println!("panicked at {}:{}:{}:", l.file(), l.line(), l.column()),
        None => sel4::debug_println!("panicked:"),
    }
    sel4::debug_println!("{}", info.message());
}

/// Runs `f` and returns its result, or the payload of a panic inside it.
///
/// With the `unwind` feature a panic in `f` unwinds `f`'s frames (running
/// their destructors) and ends here as `Err`; the calling thread goes on.
/// Without it (the abort strategy) a panic in `f` ends the whole system as
/// any panic does, so this always returns `Ok`.
pub fn catch_unwind<R, F: FnOnce() -> R + UnwindSafe>(f: F) -> Result<R, PanicPayload> {
    #[cfg(feature = "unwind")]
    {
        unwind::catch(f)
    }
    #[cfg(not(feature = "unwind"))]
    {
        Ok(f())
    }
}

/// Which thread is writing a panic report: its thread pointer, or 0.
static REPORTER: AtomicUsize = AtomicUsize::new(0);

/// How [`claim_report`] found the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
// Unused in host test builds, which have no panic handler of ours.
#[cfg_attr(test, allow(dead_code))]
enum Claim {
    /// This thread now writes the report.
    Claimed,
    /// This thread was writing a report already: a panic while panicking.
    Nested,
}

/// Takes the console for a panic report. A thread other than the reporter
/// waits (`seL4_Yield`, so a reporter of the same priority runs) until the
/// console is free, which with the abort strategy is never: the reporter
/// ends the system.
#[cfg_attr(test, allow(dead_code))]
fn claim_report() -> Claim {
    let me = substrate_rt::arch::thread_pointer();
    loop {
        match REPORTER.compare_exchange(0, me, Ordering::Acquire, Ordering::Relaxed) {
            Ok(_) => return Claim::Claimed,
            Err(owner) if owner == me => return Claim::Nested,
            Err(_) => sel4::yield_now(),
        }
    }
}

/// Gives the console back after a report whose panic goes on (unwinds).
#[cfg(feature = "unwind")]
#[cfg_attr(test, allow(dead_code))]
fn release_report() {
    REPORTER.store(0, Ordering::Release);
}

/// Ends the system after a panic that will not be caught: a backtrace
/// (from the frame that called into the panic machinery, leaving out the
/// frames up to the panic handler `handler`), then the failure status.
// Unused in host test builds, which have no panic handler of ours.
#[cfg_attr(test, allow(dead_code))]
fn fail(handler: usize) -> ! {
    backtrace::print_after(Some(handler));
    substrate_rt::exit(substrate_rt::ExitStatus::Failure)
}

// Not in host test builds of this crate, which link std's handler.
#[cfg(all(not(test), not(feature = "unwind")))]
mod handler {
    use super::{claim_report, Claim};
    use core::panic::PanicInfo;
    use substrate_rt::ExitStatus;

    #[panic_handler]
    fn panic(info: &PanicInfo<'_>) -> ! {
        // Another thread's report is finished first (and ends the system).
        if claim_report() == Claim::Nested {
            sel4::debug_println!("panicked while panicking");
            substrate_rt::exit(ExitStatus::Failure)
        }
        super::report(info);
        super::fail(panic as *const () as usize)
    }
}
