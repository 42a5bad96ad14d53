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
    match substrate_timer::get() {
        Some(t) => t.clock(),
        None if crate::system::in_component() => {
            sel4_system_component::time::clock().unwrap_or(Clock::NOMINAL)
        }
        None => Clock::NOMINAL,
    }
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
/// start-up); in a system component, which sleeps on its alarm
/// (`substrate_system_set_alarm`, which this replaces), `SUBSTRATE_EPERM`
/// if its description does not say `timer = true`; `SUBSTRATE_ENOMEM` if more threads sleep at once than the
/// timer has notifications for and no more can be made (no untyped memory,
/// slots or heap); the kernel's error status (as from the seL4 calls) if
/// programming the PIT fails.
#[no_mangle]
pub extern "C" fn substrate_sleep_until_ns(deadline: u64) -> i32 {
    if crate::system::in_component() {
        return crate::system::sleep_until(deadline);
    }
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

/// Alarms C has set that hold a runtime copy of their notification: the
/// timer's thread signals the copy, so that C deleting or reusing its own
/// slot meanwhile can never make the timer invoke another object. A copy is
/// deleted when its alarm is cancelled, or once it has fired, at the next
/// `substrate_alarm_set` or `substrate_alarm_cancel`.
struct Alarms {
    live: alloc::vec::Vec<(substrate_timer::Alarm, sel4::CPtr)>,
    /// One more than the highest alarm number handed out (0: none yet).
    issued: u64,
}

static ALARMS: substrate_sync::Mutex<Alarms> = substrate_sync::Mutex::new(Alarms {
    live: alloc::vec::Vec::new(),
    issued: 0,
});

/// Gives the alarm table's lock its notification (see `runtime`).
pub(crate) fn set_lock_notification(
    n: sel4::cap::Notification,
) -> Result<(), sel4::cap::Notification> {
    ALARMS.set_notification(n)
}

/// Deletes the copies of alarms that have fired.
fn reap(timer: &substrate_timer::Timer, alarms: &mut Alarms) {
    alarms.live.retain(|&(alarm, copy)| {
        let keep = timer.is_pending(alarm);
        if !keep {
            let _ = with_objects(|o| o.delete(copy).map_err(from_alloc));
        }
        keep
    });
}

/// Sets an alarm: notification `ntfn` is signalled (`seL4_Signal`, with the
/// capability's badge, from the timer's thread) once `substrate_time_ns()`
/// reaches `deadline`; at once if it has passed, never for `UINT64_MAX`.
/// For an event loop that waits on one notification for devices and for its
/// next deadline (the badge tells them apart). The alarm's number goes to
/// `*alarm`, for `substrate_alarm_cancel`. The runtime signals a copy of
/// the capability of its own, so deleting `ntfn` afterwards is safe (the
/// alarm then signals the notification object still).
///
/// Returns `SUBSTRATE_OK`; `SUBSTRATE_EBADCAP` if `ntfn` is not a
/// notification or is a copy made without the write right;
/// `SUBSTRATE_EFAULT` if `alarm` does not point to writable memory of the
/// program; `SUBSTRATE_ENOSYS` if the runtime has no timer;
/// `SUBSTRATE_ENOMEM` if no slot or heap is left for the alarm; the
/// kernel's error status if programming the PIT fails. Nothing is set on
/// an error.
///
/// # Safety
/// `alarm` must be writable.
#[no_mangle]
pub unsafe extern "C" fn substrate_alarm_set(ntfn: u64, deadline: u64, alarm: *mut u64) -> i32 {
    code((|| {
        crate::user_mem::check_obj(alarm, crate::user_mem::Access::Write)?;
        crate::runtime::check_cap(ntfn, crate::runtime::Kind::Notification)?;
        crate::sel4ops::check_rights(ntfn, crate::sel4ops::SUBSTRATE_RIGHT_WRITE, 0)?;
        let timer = substrate_timer::get().ok_or(SUBSTRATE_ENOSYS)?;
        let mut alarms = ALARMS.lock();
        reap(timer, &mut alarms);
        alarms.live.try_reserve(1).map_err(|_| SUBSTRATE_ENOMEM)?;
        let copy = with_objects(|o| o.alloc_slot().map_err(from_alloc))?;
        let made = (|| {
            let src = crate::sel4ops::slot_path(ntfn)?;
            sel4::init_thread::slot(copy as usize)
                .copy(&src, sel4::CapRights::write_only())
                .map_err(from_sel4)?;
            let n = sel4::cap::Notification::from_cptr(copy);
            timer.signal_at(deadline, n).map_err(from_timer)
        })();
        match made {
            Ok(a) => {
                alarms.live.push((a, copy));
                alarms.issued = alarms.issued.max(a.id() + 1);
                // SAFETY: checked above: a writable u64 of the program.
                unsafe { alarm.write(a.id()) };
                Ok(())
            }
            Err(e) => {
                let _ = with_objects(|o| o.delete(copy).map_err(from_alloc));
                Err(e)
            }
        }
    })())
}

/// Takes back alarm `alarm` of `substrate_alarm_set`. Returns 1 if it had
/// not fired (it never will now), 0 if it had already fired (its signal
/// may be pending on the notification) or was cancelled before;
/// `SUBSTRATE_EINVAL` for a number `substrate_alarm_set` never gave;
/// `SUBSTRATE_ENOSYS` without a timer.
#[no_mangle]
pub extern "C" fn substrate_alarm_cancel(alarm: u64) -> i32 {
    let Some(timer) = substrate_timer::get() else {
        return SUBSTRATE_ENOSYS;
    };
    let mut alarms = ALARMS.lock();
    if alarm >= alarms.issued {
        return SUBSTRATE_EINVAL;
    }
    let mut cancelled = 0;
    if let Some(i) = alarms.live.iter().position(|(a, _)| a.id() == alarm) {
        let (a, copy) = alarms.live.swap_remove(i);
        cancelled = i32::from(timer.cancel(a));
        let _ = with_objects(|o| o.delete(copy).map_err(from_alloc));
    }
    reap(timer, &mut alarms);
    cancelled
}

/// The wall clock: the real-time clock's reading at start-up in Unix
/// nanoseconds, and `substrate_time_ns()` at that moment; 0 before the
/// runtime read it or when the clock could not be read.
static WALL: spin::Once<(u64, u64)> = spin::Once::new();

/// Reads the CMOS real-time clock once at start-up (`substrate_timer::rtc`,
/// through I/O ports 0x70-0x71 issued into a slot of the runtime).
pub(crate) fn init_wall_clock(objects: &mut sel4_object_allocator::ObjectAllocator) {
    let Ok(slot) = objects.alloc_slot() else {
        return;
    };
    let port = substrate_timer::rtc::RTC_PORT;
    let Ok(ports) = sel4::issue_io_ports(port, port + 1, &objects.slot(slot)) else {
        objects.free_slot(slot);
        return;
    };
    if let Some(secs) = substrate_timer::rtc::read(ports) {
        let at = substrate_time_ns();
        WALL.call_once(|| (secs.saturating_mul(1_000_000_000), at));
    }
}

/// Nanoseconds since 1970-01-01 00:00 UTC (`CLOCK_REALTIME`): the PC's
/// real-time clock as read at start-up (whole seconds, UTC) advanced by
/// `substrate_time_ns()` since. Where the real-time clock could not be
/// read, nanoseconds since start-up (the epoch is then the boot). Makes no
/// system call.
#[no_mangle]
pub extern "C" fn substrate_realtime_ns() -> u64 {
    let now = substrate_time_ns();
    match WALL.get() {
        Some(&(wall, at)) => wall.saturating_add(now.saturating_sub(at)),
        None => now,
    }
}
