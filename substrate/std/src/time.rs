//! Clocks and sleeps: `clock_gettime`, `clock_getres`, `gettimeofday`,
//! `nanosleep`, `clock_nanosleep`, on the substrate's clock and timer
//! (`substrate_time_ns`, `substrate_realtime_ns`, `substrate_sleep_ns`).

use core::ffi::c_int;
use libc::{clockid_t, timespec};
use substrate_ffi::time::{substrate_realtime_ns, substrate_sleep_until_ns, substrate_time_ns};

const NS: u64 = 1_000_000_000;

fn to_timespec(ns: u64) -> timespec {
    timespec {
        tv_sec: (ns / NS) as libc::time_t,
        tv_nsec: (ns % NS) as libc::c_long,
    }
}

/// The reading of `clock` in nanoseconds (see [`clock_gettime`]).
fn now(clock: clockid_t) -> Option<u64> {
    match clock {
        libc::CLOCK_MONOTONIC
        | libc::CLOCK_MONOTONIC_RAW
        | libc::CLOCK_MONOTONIC_COARSE
        | libc::CLOCK_BOOTTIME => Some(substrate_time_ns()),
        libc::CLOCK_REALTIME | libc::CLOCK_REALTIME_COARSE => Some(substrate_realtime_ns()),
        _ => None,
    }
}

/// POSIX `clock_gettime`: the monotonic clocks (and `CLOCK_BOOTTIME`) are
/// nanoseconds since the processor started (the TSC), the real-time ones
/// the wall clock (the CMOS real-time clock read at start-up, advanced by
/// the TSC). `EINVAL` for the CPU-time clocks, which the substrate does not
/// keep, and unknown ids; `EFAULT` for a NULL `ts`. Makes no system call.
///
/// # Safety
/// `ts` must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn clock_gettime(clock: clockid_t, ts: *mut timespec) -> c_int {
    let Some(ns) = now(clock) else {
        return crate::errno::fail(libc::EINVAL);
    };
    if ts.is_null() {
        return crate::errno::fail(libc::EFAULT);
    }
    // SAFETY: the caller's guarantee.
    unsafe { ts.write(to_timespec(ns)) };
    0
}

/// POSIX `clock_getres`: 1 ns for the clocks of `clock_gettime`.
///
/// # Safety
/// `ts` must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn clock_getres(clock: clockid_t, ts: *mut timespec) -> c_int {
    if now(clock).is_none() {
        return crate::errno::fail(libc::EINVAL);
    }
    if !ts.is_null() {
        // SAFETY: the caller's guarantee.
        unsafe { ts.write(to_timespec(1)) };
    }
    0
}

/// `gettimeofday`: the wall clock in microseconds (`tz` is ignored).
///
/// # Safety
/// `tv` must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn gettimeofday(
    tv: *mut libc::timeval,
    _tz: *mut core::ffi::c_void,
) -> c_int {
    if !tv.is_null() {
        let ns = substrate_realtime_ns();
        // SAFETY: the caller's guarantee.
        unsafe {
            tv.write(libc::timeval {
                tv_sec: (ns / NS) as libc::time_t,
                tv_usec: (ns % NS / 1000) as libc::suseconds_t,
            })
        };
    }
    0
}

/// A `timespec` as nanoseconds; `None` if invalid (negative, or
/// `tv_nsec` out of range).
pub(crate) fn duration_ns(ts: &timespec) -> Option<u64> {
    if ts.tv_sec < 0 || !(0..NS as libc::c_long).contains(&ts.tv_nsec) {
        return None;
    }
    Some(
        (ts.tv_sec as u64)
            .saturating_mul(NS)
            .saturating_add(ts.tv_nsec as u64),
    )
}

/// Sleeps until `deadline` of `substrate_time_ns` (blocking on the timer:
/// `substrate_sleep_until_ns`); the errno on failure (`ENOSYS` without a
/// timer, `ENOMEM`).
fn sleep_until(deadline: u64) -> Result<(), c_int> {
    match substrate_sleep_until_ns(deadline) {
        substrate_ffi::SUBSTRATE_OK => Ok(()),
        status => Err(crate::errno::from_status(status)),
    }
}

/// POSIX `nanosleep`: blocks the calling thread for `req` (other threads
/// run meanwhile; no busy waiting). Never interrupted (no signals), so
/// `rem` is never written. `EINVAL` for an invalid `req`.
///
/// # Safety
/// `req` must be readable.
#[no_mangle]
pub unsafe extern "C" fn nanosleep(req: *const timespec, _rem: *mut timespec) -> c_int {
    if req.is_null() {
        return crate::errno::fail(libc::EFAULT);
    }
    // SAFETY: the caller's guarantee.
    let Some(ns) = duration_ns(unsafe { &*req }) else {
        return crate::errno::fail(libc::EINVAL);
    };
    match sleep_until(substrate_time_ns().saturating_add(ns)) {
        Ok(()) => 0,
        Err(e) => crate::errno::fail(e),
    }
}

/// POSIX `clock_nanosleep`: a relative sleep, or with `TIMER_ABSTIME`
/// until `req` on `clock` (monotonic or real time). Returns the error
/// number itself, as POSIX says.
///
/// # Safety
/// `req` must be readable.
#[no_mangle]
pub unsafe extern "C" fn clock_nanosleep(
    clock: clockid_t,
    flags: c_int,
    req: *const timespec,
    _rem: *mut timespec,
) -> c_int {
    let Some(now_ns) = now(clock) else {
        return libc::EINVAL;
    };
    if req.is_null() {
        return libc::EFAULT;
    }
    // SAFETY: the caller's guarantee.
    let Some(ns) = duration_ns(unsafe { &*req }) else {
        return libc::EINVAL;
    };
    let wait = if flags & libc::TIMER_ABSTIME != 0 {
        ns.saturating_sub(now_ns)
    } else {
        ns
    };
    match sleep_until(substrate_time_ns().saturating_add(wait)) {
        Ok(()) => 0,
        Err(e) => e,
    }
}
