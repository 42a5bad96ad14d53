//! Signals: seL4 has none, so none is ever delivered.
//!
//! A fault (a bad access, a stack overflow into a guard page) goes to the
//! runtime's fault handler instead, which prints it and ends the image
//! with failure. The calls still work as bookkeeping, because std and
//! libtest make them at start-up and treat failures as fatal: `sigaction`
//! and `signal` record and report dispositions, `sigaltstack` records the
//! alternate stack, and the mask calls keep a mask. `raise` and `kill` of
//! the image itself end it as the default action would (failure); `pause`
//! blocks for good.

use core::ffi::c_int;
use core::sync::atomic::{AtomicUsize, Ordering};
use libc::{sigaction as SigAction, sighandler_t, sigset_t, stack_t};

/// The highest signal number (`_NSIG - 1`).
const MAX_SIGNAL: usize = 64;

/// Each signal's recorded disposition (`sa_sigaction`, `sa_flags`).
static HANDLERS: [AtomicUsize; MAX_SIGNAL + 1] = [const { AtomicUsize::new(0) }; MAX_SIGNAL + 1];
static FLAGS: [AtomicUsize; MAX_SIGNAL + 1] = [const { AtomicUsize::new(0) }; MAX_SIGNAL + 1];

/// The recorded alternate stack (`ss_sp`, `ss_size`; 0 size: none).
static ALT_SP: AtomicUsize = AtomicUsize::new(0);
static ALT_SIZE: AtomicUsize = AtomicUsize::new(0);

/// A component's alternate signal stack (see [`use_static_altstack`]).
#[cfg(feature = "component")]
static mut COMPONENT_ALTSTACK: [u8; libc::SIGSTKSZ] = [0; libc::SIGSTKSZ];

/// Records an area of the image's `.bss` as the alternate signal stack,
/// before `main` (a system component's entry calls it). std's start-up
/// maps an alternate stack with `mmap` and a guard page below it only when
/// none is recorded; a component has no untyped memory to map one from,
/// and, signals never being delivered, the stack is never switched to.
#[cfg(feature = "component")]
pub fn use_static_altstack() {
    let sp = core::ptr::addr_of_mut!(COMPONENT_ALTSTACK) as usize;
    ALT_SP.store(sp, Ordering::Relaxed);
    ALT_SIZE.store(libc::SIGSTKSZ, Ordering::Release);
}

fn valid(sig: c_int) -> bool {
    sig >= 1 && sig as usize <= MAX_SIGNAL
}

/// POSIX `sigaction`: reports the recorded disposition in `*old` and
/// records `*new` (`SIGKILL` and `SIGSTOP` cannot be changed: `EINVAL`).
/// A handler is never called (see the module documentation).
///
/// # Safety
/// `new` NULL or readable, `old` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn sigaction(
    sig: c_int,
    new: *const SigAction,
    old: *mut SigAction,
) -> c_int {
    if !valid(sig) || (!new.is_null() && (sig == libc::SIGKILL || sig == libc::SIGSTOP)) {
        return crate::errno::fail(libc::EINVAL);
    }
    let i = sig as usize;
    if !old.is_null() {
        // SAFETY: all-zero is a valid `sigaction`; `old` is the caller's.
        unsafe {
            let mut a: SigAction = core::mem::zeroed();
            a.sa_sigaction = HANDLERS[i].load(Ordering::Acquire);
            a.sa_flags = FLAGS[i].load(Ordering::Relaxed) as c_int;
            old.write(a);
        }
    }
    if !new.is_null() {
        // SAFETY: the caller's guarantee.
        let a = unsafe { &*new };
        FLAGS[i].store(a.sa_flags as usize, Ordering::Relaxed);
        HANDLERS[i].store(a.sa_sigaction, Ordering::Release);
    }
    0
}

/// C `signal`: records `handler`, returns the previous one (`SIG_ERR` with
/// `EINVAL` for an invalid signal, `SIGKILL` or `SIGSTOP`).
#[no_mangle]
pub extern "C" fn signal(sig: c_int, handler: sighandler_t) -> sighandler_t {
    if !valid(sig) || sig == libc::SIGKILL || sig == libc::SIGSTOP {
        crate::errno::set(libc::EINVAL);
        return libc::SIG_ERR;
    }
    HANDLERS[sig as usize].swap(handler, Ordering::AcqRel)
}

/// POSIX `sigaltstack`: reports and records the alternate signal stack
/// (`SS_DISABLE` while none is recorded). It is never switched to.
///
/// # Safety
/// `new` NULL or readable, `old` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn sigaltstack(new: *const stack_t, old: *mut stack_t) -> c_int {
    if !old.is_null() {
        let size = ALT_SIZE.load(Ordering::Acquire);
        // SAFETY: the caller's guarantee.
        unsafe {
            old.write(stack_t {
                ss_sp: ALT_SP.load(Ordering::Relaxed) as *mut core::ffi::c_void,
                ss_flags: if size == 0 { libc::SS_DISABLE } else { 0 },
                ss_size: size,
            })
        };
    }
    if !new.is_null() {
        // SAFETY: the caller's guarantee.
        let s = unsafe { &*new };
        if s.ss_flags & libc::SS_DISABLE != 0 {
            ALT_SIZE.store(0, Ordering::Release);
        } else if s.ss_size < libc::MINSIGSTKSZ {
            return crate::errno::fail(libc::ENOMEM);
        } else {
            ALT_SP.store(s.ss_sp as usize, Ordering::Relaxed);
            ALT_SIZE.store(s.ss_size, Ordering::Release);
        }
    }
    0
}

/// The signal mask (one for the image: no signal arrives anyway).
static MASK: AtomicUsize = AtomicUsize::new(0);

/// POSIX `pthread_sigmask` (and `sigprocmask`): keeps and reports a mask.
/// Returns the error number itself.
///
/// # Safety
/// `set` NULL or readable, `old` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pthread_sigmask(
    how: c_int,
    set: *const sigset_t,
    old: *mut sigset_t,
) -> c_int {
    let cur = MASK.load(Ordering::Acquire);
    if !old.is_null() {
        // SAFETY: all-zero is an empty set; the first word holds signals 1-64.
        unsafe {
            let mut s: sigset_t = core::mem::zeroed();
            (&mut s as *mut sigset_t as *mut usize).write(cur);
            old.write(s);
        }
    }
    if !set.is_null() {
        // SAFETY: the caller's guarantee.
        let bits = unsafe { (set as *const usize).read() };
        let new = match how {
            libc::SIG_BLOCK => cur | bits,
            libc::SIG_UNBLOCK => cur & !bits,
            libc::SIG_SETMASK => bits,
            _ => return libc::EINVAL,
        };
        MASK.store(new, Ordering::Release);
    }
    0
}

/// See [`pthread_sigmask`]; -1 with errno on failure.
///
/// # Safety
/// As [`pthread_sigmask`].
#[no_mangle]
pub unsafe extern "C" fn sigprocmask(
    how: c_int,
    set: *const sigset_t,
    old: *mut sigset_t,
) -> c_int {
    // SAFETY: the caller's guarantee.
    match unsafe { pthread_sigmask(how, set, old) } {
        0 => 0,
        e => crate::errno::fail(e),
    }
}

/// `sigemptyset`.
///
/// # Safety
/// `set` must be writable.
#[no_mangle]
pub unsafe extern "C" fn sigemptyset(set: *mut sigset_t) -> c_int {
    // SAFETY: the caller's guarantee.
    unsafe { set.write(core::mem::zeroed()) };
    0
}

/// `sigaddset`.
///
/// # Safety
/// `set` must be writable.
#[no_mangle]
pub unsafe extern "C" fn sigaddset(set: *mut sigset_t, sig: c_int) -> c_int {
    if !valid(sig) {
        return crate::errno::fail(libc::EINVAL);
    }
    // SAFETY: the caller's guarantee; signals 1-64 are the first word's bits.
    unsafe { *(set as *mut usize) |= 1 << (sig - 1) };
    0
}

/// `raise`: the image's default action for a signal sent to itself: ends
/// it with failure (std's `abort` path never comes here; this is for C
/// code and crates that raise).
#[no_mangle]
pub extern "C" fn raise(sig: c_int) -> c_int {
    if !valid(sig) {
        return crate::errno::fail(libc::EINVAL);
    }
    sel4::debug_println!("substrate-std: signal {sig} raised; no signal handlers run on seL4");
    substrate_ffi::exit::substrate_exit(128 + sig)
}

/// POSIX `kill`: the image is process 1; a signal to it is [`raise`], to
/// any other `ESRCH`.
#[no_mangle]
pub extern "C" fn kill(pid: libc::pid_t, sig: c_int) -> c_int {
    if pid != 1 && pid != 0 {
        return crate::errno::fail(libc::ESRCH);
    }
    if sig == 0 {
        return 0;
    }
    raise(sig)
}

/// POSIX `pause`: waits for a signal, which never comes: blocks the thread
/// for good (`seL4_Wait` on a notification nobody signals).
#[no_mangle]
pub extern "C" fn pause() -> c_int {
    loop {
        let _ = substrate_ffi::time::substrate_sleep_until_ns(u64::MAX);
        sel4::yield_now();
    }
}
