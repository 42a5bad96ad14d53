//! The futex, `syscall(SYS_futex, ...)`, on seL4 notifications; and the
//! other numbers of `syscall` that std uses.
//!
//! std's `Mutex`, `Condvar`, `RwLock`, `Once` and thread parking on Linux
//! are atomics plus two calls: wait (sleep while the word still holds the
//! expected value) and wake. Here every waiter is an entry in one table,
//! held under a notification mutex: a wait checks the word and enqueues
//! itself under that lock, then blocks (`seL4_Wait`) on its thread's own
//! notification; a wake dequeues waiters of the address, oldest first, and
//! signals their notifications (`seL4_Signal`) under the same lock. A wake
//! that comes between the check and the block is kept by the notification,
//! so no wake-up is lost. A wait with a timeout also asks the timer
//! (`substrate-timer`) to signal the notification at the deadline, and
//! cancels that alarm when woken first. The table lives in one address
//! space, so private and shared futexes are the same.

use crate::pthread::Record;
use alloc::vec::Vec;
use core::ffi::{c_int, c_long};
use core::sync::atomic::{AtomicI32, AtomicU32, Ordering};
use sel4::cap;

/// A thread waiting on a futex.
struct Waiter {
    addr: usize,
    bitset: u32,
    ntfn: cap::Notification,
    /// The waiting thread's record (its identity).
    who: usize,
}
// SAFETY: the fields are plain numbers and a capability pointer.
unsafe impl Send for Waiter {}

/// The waiters, oldest first. A notification mutex: a thread that finds it
/// held sleeps.
static TABLE: substrate_sync::Mutex<Vec<Waiter>> = substrate_sync::Mutex::new(Vec::new());

/// Gives the table's lock its notification (at start-up, from the
/// constructors: [`crate::entry::__libc_init_array`]).
pub fn init() {
    if let Ok(n) = new_notification() {
        if let Err(n) = TABLE.set_notification(n) {
            delete(n);
        }
    }
}

/// A new notification (`seL4_Untyped_Retype` through the runtime's object
/// allocator), for the C library's own waits and locks.
pub(crate) fn new_notification() -> Result<cap::Notification, i32> {
    substrate_ffi::runtime::with_objects(|o| {
        o.allocate(sel4::ObjectType::Notification, 0)
            .map_err(substrate_ffi::status::from_alloc)
    })
}

/// Deletes a notification of [`new_notification`].
pub(crate) fn delete(n: cap::Notification) {
    let _ = substrate_ffi::runtime::with_objects(|o| {
        o.delete(n.cptr())
            .map_err(substrate_ffi::status::from_alloc)
    });
}

/// The notification the calling thread's waits block on, made on first use.
fn notification(record: &Record) -> Option<cap::Notification> {
    let n = record.ntfn.load(Ordering::Relaxed);
    if n != 0 {
        return Some(cap::Notification::from_cptr(n as sel4::CPtr));
    }
    let n = new_notification().ok()?;
    record.ntfn.store(n.cptr() as u64, Ordering::Relaxed);
    Some(n)
}

/// Why a wait returned without a wake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitError {
    /// The word did not hold the expected value (`EAGAIN`).
    Changed,
    /// The deadline passed (`ETIMEDOUT`).
    TimedOut,
    /// No record, notification or table entry could be made (`ENOMEM`).
    NoMemory,
}

impl WaitError {
    fn errno(self) -> c_int {
        match self {
            WaitError::Changed => libc::EAGAIN,
            WaitError::TimedOut => libc::ETIMEDOUT,
            WaitError::NoMemory => libc::ENOMEM,
        }
    }
}

/// Sleeps while `*addr == expected`, until a wake for `addr` whose bitset
/// meets `bitset`, or `deadline` (nanoseconds of `substrate_time_ns`)
/// passes. `Ok` after a wake (or, rarely, a stray signal: as on Linux, the
/// caller re-checks its condition).
///
/// # Safety
/// `addr` must point to a readable, aligned `u32`.
pub unsafe fn wait_on(
    addr: *const u32,
    expected: u32,
    deadline: Option<u64>,
    bitset: u32,
) -> Result<(), WaitError> {
    let record = crate::pthread::current().ok_or(WaitError::NoMemory)?;
    let ntfn = notification(record).ok_or(WaitError::NoMemory)?;
    let who = record as *const Record as usize;
    {
        let mut table = TABLE.lock();
        // SAFETY: the caller's guarantee; read atomically, as the other
        // threads write it.
        if unsafe { (*(addr as *const AtomicU32)).load(Ordering::SeqCst) } != expected {
            return Err(WaitError::Changed);
        }
        table.try_reserve(1).map_err(|_| WaitError::NoMemory)?;
        table.push(Waiter {
            addr: addr as usize,
            bitset,
            ntfn,
            who,
        });
    }
    let timer = substrate_timer::get();
    let alarm = match (deadline, timer) {
        (Some(d), Some(t)) => t.signal_at(d, ntfn).ok(),
        _ => None,
    };
    if deadline.is_none() || alarm.is_some() {
        ntfn.wait();
    } else if let Some(d) = deadline {
        // No timer (or no room for an alarm): wait by yielding until the
        // deadline; a wake signals the notification, which poll sees.
        while substrate_ffi::time::substrate_time_ns() < d && ntfn.poll() == 0 {
            sel4::yield_now();
        }
    }
    // An alarm that fired before it could be cancelled may have left its
    // signal on the notification (or be about to); without one, the only
    // signal was the waker's, which the wait took.
    let stale = match (alarm, timer) {
        (Some(a), Some(t)) => !t.cancel(a),
        _ => false,
    };
    let mut table = TABLE.lock();
    match table.iter().position(|w| w.who == who) {
        Some(i) => {
            // Not woken: the deadline passed (or a stray signal came).
            table.remove(i);
            drop(table);
            match deadline {
                Some(d) if substrate_ffi::time::substrate_time_ns() >= d => {
                    Err(WaitError::TimedOut)
                }
                _ => Ok(()),
            }
        }
        None => {
            // Woken: the waker signalled under the lock, so its signal is
            // in; if an alarm fired too, take what is left so that the
            // next wait does not return at once.
            if stale {
                let _ = ntfn.poll();
            }
            Ok(())
        }
    }
}

/// Wakes up to `n` threads waiting on `addr` whose bitset meets `bitset`,
/// oldest first; returns how many.
pub fn wake_on(addr: *const u32, n: i32, bitset: u32) -> i32 {
    let mut woken = 0;
    let mut table = TABLE.lock();
    let mut i = 0;
    while i < table.len() && woken < n {
        if table[i].addr == addr as usize && table[i].bitset & bitset != 0 {
            let w = table.remove(i);
            w.ntfn.signal();
            woken += 1;
        } else {
            i += 1;
        }
    }
    woken
}

/// [`wait_on`] for an `AtomicI32` (the C library's own locks), without a
/// deadline or a failure the caller could act on (it re-checks and waits
/// again).
pub fn wait(word: &AtomicI32, expected: i32, deadline: Option<u64>) {
    // SAFETY: an `AtomicI32` is an aligned, readable 32-bit word.
    let r = unsafe { wait_on(word.as_ptr().cast(), expected as u32, deadline, u32::MAX) };
    if r == Err(WaitError::NoMemory) {
        sel4::yield_now();
    }
}

/// [`wake_on`] for an `AtomicI32`.
pub fn wake(word: &AtomicI32, n: i32) -> i32 {
    wake_on(word.as_ptr().cast(), n, u32::MAX)
}

/// `SYS_futex`: `FUTEX_WAIT` (relative timeout), `FUTEX_WAIT_BITSET`
/// (absolute timeout on `CLOCK_MONOTONIC`, or `CLOCK_REALTIME` with
/// `FUTEX_CLOCK_REALTIME`), `FUTEX_WAKE` and `FUTEX_WAKE_BITSET`, private
/// or not; the other operations fail with `ENOSYS`.
///
/// # Safety
/// As the Linux call: `uaddr` a readable aligned `u32`, `timeout` NULL or
/// readable.
unsafe fn futex(
    uaddr: *const u32,
    op: c_int,
    val: u32,
    timeout: *const libc::timespec,
    val3: u32,
) -> c_long {
    if uaddr.is_null() || !(uaddr as usize).is_multiple_of(4) {
        return crate::errno::fail_long(libc::EINVAL) as c_long;
    }
    let realtime = op & libc::FUTEX_CLOCK_REALTIME != 0;
    let cmd = op & !(libc::FUTEX_PRIVATE_FLAG | libc::FUTEX_CLOCK_REALTIME);
    let now = substrate_ffi::time::substrate_time_ns;
    match cmd {
        libc::FUTEX_WAIT | libc::FUTEX_WAIT_BITSET => {
            let bitset = if cmd == libc::FUTEX_WAIT {
                u32::MAX
            } else {
                val3
            };
            if bitset == 0 {
                return crate::errno::fail_long(libc::EINVAL) as c_long;
            }
            let deadline = if timeout.is_null() {
                None
            } else {
                // SAFETY: the caller's guarantee.
                let Some(t) = crate::time::duration_ns(unsafe { &*timeout }) else {
                    return crate::errno::fail_long(libc::EINVAL) as c_long;
                };
                Some(if cmd == libc::FUTEX_WAIT {
                    now().saturating_add(t)
                } else if realtime {
                    let rt = substrate_ffi::time::substrate_realtime_ns();
                    now().saturating_add(t.saturating_sub(rt))
                } else {
                    t
                })
            };
            // SAFETY: the caller's guarantee.
            match unsafe { wait_on(uaddr, val, deadline, bitset) } {
                Ok(()) => 0,
                Err(e) => crate::errno::fail_long(e.errno()) as c_long,
            }
        }
        libc::FUTEX_WAKE | libc::FUTEX_WAKE_BITSET => {
            let bitset = if cmd == libc::FUTEX_WAKE {
                u32::MAX
            } else {
                val3
            };
            if bitset == 0 {
                return crate::errno::fail_long(libc::EINVAL) as c_long;
            }
            wake_on(uaddr, val.min(i32::MAX as u32) as i32, bitset) as c_long
        }
        _ => crate::errno::fail_long(libc::ENOSYS) as c_long,
    }
}

/// glibc's `syscall`: the numbers std uses. `SYS_futex` (above),
/// `SYS_getrandom` ([`crate::random`]) and `SYS_gettid`; every other number
/// fails with `ENOSYS`.
///
/// C declares it variadic; on x86_64 a variadic call passes its integer
/// arguments where a call of this seven-argument function expects them
/// (registers, then the stack), so the arguments a number uses are read
/// correctly, and the others are never used.
///
/// # Safety
/// The arguments must be what the Linux call of that number takes.
#[no_mangle]
pub unsafe extern "C" fn syscall(
    n: c_long,
    a1: c_long,
    a2: c_long,
    a3: c_long,
    a4: c_long,
    _a5: c_long,
    a6: c_long,
) -> c_long {
    match n {
        libc::SYS_futex => {
            // SAFETY: the caller's guarantee.
            unsafe {
                futex(
                    a1 as *const u32,
                    a2 as c_int,
                    a3 as u32,
                    a4 as *const libc::timespec,
                    a6 as u32,
                )
            }
        }
        libc::SYS_getrandom => {
            // SAFETY: the caller's guarantee.
            unsafe {
                crate::random::getrandom(a1 as *mut core::ffi::c_void, a2 as usize, a3 as u32)
                    as c_long
            }
        }
        libc::SYS_gettid => crate::unsupported::gettid() as c_long,
        _ => crate::errno::fail_long(libc::ENOSYS) as c_long,
    }
}
