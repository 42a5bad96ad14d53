//! Time and sleeping: the C face of `substrate-timer`.
//!
//! The runtime sets the timer up at start-up ([`substrate_timer::init`]):
//! the TSC calibrated against the PIT (10 ms), and PIT channel 0's
//! interrupt delivered to the timer's thread, which wakes sleepers. If that
//! fails (a warning is printed), time comes from the TSC at a nominal 1 GHz
//! ([`substrate_timer::Clock::NOMINAL`]: monotonic, but its unit is wrong)
//! and sleeping returns `SUBSTRATE_ENOSYS`.

use crate::runtime::with_objects;
use crate::status::*;
use substrate_timer::{Clock, Error};

/// The timer's clock, or the nominal one without a timer.
fn clock() -> Clock {
    substrate_timer::get().map_or(Clock::NOMINAL, |t| t.clock())
}

/// Nanoseconds since the processor started, monotonic (never decreasing),
/// from the TSC (`rdtsc`) scaled by its frequency as measured against the
/// PIT at start-up. Makes no system call.
#[no_mangle]
pub extern "C" fn substrate_time_ns() -> u64 {
    clock().now_ns()
}

/// The TSC's frequency in Hz, as measured at start-up (1000000000, nominal,
/// if the timer could not be set up).
#[no_mangle]
pub extern "C" fn substrate_tsc_hz() -> u64 {
    clock().hz()
}

/// The status for a timer error.
fn from_timer(e: Error) -> i32 {
    match e {
        Error::Alloc(e) => from_alloc(e),
        Error::Kernel(e) => from_sel4(e),
        Error::OutOfHeap | Error::NoNotification => SUBSTRATE_ENOMEM,
        Error::AlreadyStarted | Error::Calibration | Error::Spawn(_) => SUBSTRATE_ENOSYS,
    }
}

/// Blocks the calling thread until `substrate_time_ns()` reaches `deadline`
/// (in its nanoseconds): `seL4_Wait` on a notification that the timer's
/// thread signals after the PIT's interrupt; no busy waiting, other threads
/// (of any priority) run meanwhile. Returns at once if the deadline has
/// passed; never returns for `UINT64_MAX`.
///
/// Returns `SUBSTRATE_OK` once the deadline has passed;
/// `SUBSTRATE_ENOSYS` if the runtime has no timer (it printed why at
/// start-up); `SUBSTRATE_ENOMEM` if more threads sleep at once than the
/// timer has notifications for and no more can be made (no untyped memory,
/// slots or heap); the kernel's error status (as from the seL4 calls) if
/// programming the PIT fails.
#[no_mangle]
pub extern "C" fn substrate_sleep_until_ns(deadline: u64) -> i32 {
    let Some(timer) = substrate_timer::get() else {
        return SUBSTRATE_ENOSYS;
    };
    loop {
        match timer.sleep_until(deadline) {
            Ok(()) => return SUBSTRATE_OK,
            // More threads sleep at once than the pool has notifications
            // for: make one more and try again.
            Err(Error::NoNotification) => {
                let grown =
                    with_objects(|objects| timer.add_sleepers(objects, 1).map_err(from_timer));
                if let Err(status) = grown {
                    return status;
                }
            }
            Err(e) => return from_timer(e),
        }
    }
}

/// Blocks the calling thread for `ns` nanoseconds of `substrate_time_ns()`
/// (see `substrate_sleep_until_ns`, whose statuses it returns). A duration
/// that takes the deadline past the end of the 64-bit clock (about 584 years
/// after start-up) sleeps forever; 0 returns at once.
#[no_mangle]
pub extern "C" fn substrate_sleep_ns(ns: u64) -> i32 {
    if ns == 0 {
        return SUBSTRATE_OK;
    }
    substrate_sleep_until_ns(clock().now_ns().saturating_add(ns))
}
