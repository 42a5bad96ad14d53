//! Mutexes and condition variables for C.
//!
//! `substrate_mutex_t` wraps a `substrate_sync::Mutex` (an atomic counter
//! plus a notification to sleep on: no system call without contention),
//! and `substrate_cond_t` is a condition variable on a notification of its
//! own. Both are opaque, fixed-size C structs ([`SUBSTRATE_MUTEX_SIZE`],
//! [`SUBSTRATE_COND_SIZE`] bytes) that `*_init` fills in, taking a
//! notification from the runtime's untyped memory, and `*_destroy` gives
//! back. Using one that was not initialised (or was destroyed) returns
//! `SUBSTRATE_EINVAL`: a magic number marks live ones.

use crate::runtime::with_objects;
use crate::status::*;
use crate::thread::substrate_thread_self;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use sel4::{cap, ObjectType};
use substrate_sync::{Mutex, MutexGuard};

/// Size in bytes of `substrate_mutex_t`.
pub const SUBSTRATE_MUTEX_SIZE: usize = 48;
/// Size in bytes of `substrate_cond_t`.
pub const SUBSTRATE_COND_SIZE: usize = 48;

/// A mutex (opaque; initialise with `substrate_mutex_init`).
#[repr(C)]
pub struct substrate_mutex_t {
    opaque: [u64; 6],
}

/// A condition variable (opaque; initialise with `substrate_cond_init`).
#[repr(C)]
pub struct substrate_cond_t {
    opaque: [u64; 6],
}

const MUTEX_MAGIC: u64 = 0x6d75_7465_785f_6f6b;
const COND_MAGIC: u64 = 0x636f_6e64_765f_6f6b;

#[repr(C)]
struct CMutex {
    magic: AtomicU64,
    /// The holder's thread handle + 1; 0 when free.
    owner: AtomicU64,
    /// The holder's guard, kept here between lock and unlock.
    guard: UnsafeCell<Option<MutexGuard<'static, ()>>>,
    inner: Mutex<()>,
}

#[repr(C)]
struct CCond {
    magic: AtomicU64,
    ntfn: AtomicUsize,
    /// Bumped by every signal or broadcast that wakes someone.
    seq: AtomicU64,
    waiters: AtomicUsize,
    /// Wake-ups granted and not yet taken.
    tokens: AtomicUsize,
    /// Guards the counters above (held for a few instructions only).
    busy: AtomicBool,
}

const _: () = assert!(core::mem::size_of::<substrate_mutex_t>() == SUBSTRATE_MUTEX_SIZE);
const _: () = assert!(core::mem::size_of::<substrate_cond_t>() == SUBSTRATE_COND_SIZE);
const _: () = assert!(core::mem::size_of::<CMutex>() <= SUBSTRATE_MUTEX_SIZE);
const _: () = assert!(core::mem::align_of::<CMutex>() <= 8);
const _: () = assert!(core::mem::size_of::<CCond>() <= SUBSTRATE_COND_SIZE);
const _: () = assert!(core::mem::align_of::<CCond>() <= 8);
// `live` reads the magic number as the first word of either.
const _: () = assert!(core::mem::offset_of!(CMutex, magic) == 0);
const _: () = assert!(core::mem::offset_of!(CCond, magic) == 0);

fn me() -> u64 {
    substrate_thread_self() + 1
}

/// Whether `p` can hold a `CMutex` or `CCond` (not null, 8-byte aligned).
fn aligned<T>(p: *mut T) -> bool {
    !p.is_null() && (p as usize).is_multiple_of(8)
}

/// The live object at `p`, whose first field is the magic number `magic`
/// (`CMutex`, `CCond`), or `EINVAL`.
///
/// # Safety
/// `p` must be null or point to memory of the object's size.
unsafe fn live<'a, T>(p: *mut u8, magic: u64) -> Result<&'a T, i32> {
    if !aligned(p) {
        return Err(SUBSTRATE_EINVAL);
    }
    crate::user_mem::check(p, core::mem::size_of::<T>(), crate::user_mem::Access::Write)?;
    // SAFETY: the caller guarantees the memory; the magic number tells
    // whether init filled it in (its first word is an atomic either way).
    let first = unsafe { &*(p as *const AtomicU64) };
    if first.load(Ordering::Acquire) != magic {
        return Err(SUBSTRATE_EINVAL);
    }
    // SAFETY: init wrote a `T` there (the magic number says so).
    Ok(unsafe { &*(p as *const T) })
}

/// Writes a new object made by `make` from a new notification
/// (`seL4_Untyped_Retype`) to `p`: the `*_init` calls.
///
/// # Safety
/// `p` must be null or point to writable memory for a `T` that no thread
/// uses during the call.
unsafe fn init<T>(p: *mut T, magic: u64, make: impl FnOnce(cap::Notification) -> T) -> i32 {
    if !aligned(p) {
        return SUBSTRATE_EINVAL;
    }
    if let Err(e) = crate::user_mem::check_obj(p, crate::user_mem::Access::Write) {
        return e;
    }
    // SAFETY: the caller guarantees the memory; its first word is read as
    // an atomic, as `live` does.
    if unsafe { &*(p as *const AtomicU64) }.load(Ordering::Acquire) == magic {
        // Live already: a second init would lose the first one's state
        // (and its notification) while threads may use it.
        return SUBSTRATE_EBUSY;
    }
    code(new_notification().map(|ntfn| {
        // SAFETY: the caller guarantees the memory is ours to write.
        unsafe { p.write(make(ntfn)) }
    }))
}

/// The live mutex at `m`, or `EINVAL`.
///
/// # Safety
/// `m` must be null or point to a `substrate_mutex_t`.
unsafe fn mutex<'a>(m: *mut substrate_mutex_t) -> Result<&'a CMutex, i32> {
    // SAFETY: the caller's guarantee, passed on; `magic` is CMutex's first field.
    unsafe { live(m.cast(), MUTEX_MAGIC) }
}

impl CMutex {
    /// Records `guard` of this mutex as held by the calling thread.
    fn hold(&self, guard: MutexGuard<'static, ()>) {
        // SAFETY: only the holder touches the guard slot.
        unsafe { *self.guard.get() = Some(guard) };
        self.owner.store(me(), Ordering::Relaxed);
    }

    /// The inner mutex with the lifetime its guard is stored with.
    fn inner(&self) -> &'static Mutex<()> {
        // SAFETY: the C program keeps the mutex alive while it is used, so
        // the guard's borrow does not outlive it.
        unsafe { &*(&self.inner as *const Mutex<()>) }
    }
}

/// Notifications of destroyed mutexes and condition variables, for the next
/// `*_init`: a retyped object's memory is never reclaimed (only a revoke of
/// its whole untyped would), so a program that creates and destroys locks
/// without end (newlib makes one for every `fopen`, even a failing one)
/// would otherwise use up untyped memory. Held for a push or a pop only.
static FREE_NOTIFICATIONS: spin::Mutex<alloc::vec::Vec<sel4::CPtr>> =
    spin::Mutex::new(alloc::vec::Vec::new());

/// A notification for a new mutex or condition variable: a pooled one, its
/// pending signal (if any) taken (`seL4_Poll`), or a new one
/// (`seL4_Untyped_Retype`).
fn new_notification() -> Result<cap::Notification, i32> {
    if crate::system::in_component() {
        // A system component runs one thread and creates no objects: its
        // locks are never contended, and slot 0 means "no notification"
        // (substrate_sync's spin fallback).
        return Ok(cap::Notification::from_cptr(0));
    }
    let pooled = FREE_NOTIFICATIONS.lock().pop();
    match pooled {
        Some(cptr) => {
            let n = cap::Notification::from_cptr(cptr);
            let _ = n.poll();
            Ok(n)
        }
        None => with_objects(|o| o.allocate(ObjectType::Notification, 0).map_err(from_alloc)),
    }
}

/// Gives a destroyed object's notification to the pool (or deletes it if
/// the pool cannot grow).
fn free_notification(cptr: sel4::CPtr) {
    if cptr == 0 {
        return;
    }
    {
        let mut pool = FREE_NOTIFICATIONS.lock();
        if pool.try_reserve(1).is_ok() {
            pool.push(cptr);
            return;
        }
    }
    let _ = with_objects(|o| o.delete(cptr).map_err(from_alloc));
}

/// Initialises the mutex at `m`, unlocked, with a notification for
/// contended waiters: one a destroyed mutex or condition variable gave back,
/// or a new one (`seL4_Untyped_Retype`), so that initialising and destroying
/// without end uses no memory. `SUBSTRATE_EINVAL` for a null or misaligned
/// `m`; `SUBSTRATE_EBUSY` for a mutex that is initialised already (destroy
/// it first); `SUBSTRATE_ENOMEM` when no notification can be made.
/// `SUBSTRATE_EFAULT` for a non-null pointer argument that does not point
/// to memory of the program (see `SUBSTRATE_EFAULT`): nothing is done then.
///
/// # Safety
/// `m` must point to writable memory for a `substrate_mutex_t` that no
/// thread uses during the call.
#[no_mangle]
pub unsafe extern "C" fn substrate_mutex_init(m: *mut substrate_mutex_t) -> i32 {
    // SAFETY: the caller's guarantee, passed on (a CMutex fits the C type).
    unsafe {
        init(m.cast::<CMutex>(), MUTEX_MAGIC, |ntfn| CMutex {
            magic: AtomicU64::new(MUTEX_MAGIC),
            owner: AtomicU64::new(0),
            guard: UnsafeCell::new(None),
            inner: Mutex::with_notification((), ntfn),
        })
    }
}

/// Locks the mutex, sleeping on its notification (`seL4_Wait`) while
/// another thread holds it. `SUBSTRATE_EINVAL` for a mutex that is not
/// initialised; `SUBSTRATE_EDEADLK` if the calling thread holds it already.
/// `SUBSTRATE_EFAULT` for a non-null pointer argument that does not point
/// to memory of the program (see `SUBSTRATE_EFAULT`): nothing is done then.
///
/// # Safety
/// `m` must be null or point to a `substrate_mutex_t`.
#[no_mangle]
pub unsafe extern "C" fn substrate_mutex_lock(m: *mut substrate_mutex_t) -> i32 {
    // SAFETY: the caller's guarantee, passed on.
    code(unsafe { mutex(m) }.and_then(|cm| {
        if cm.owner.load(Ordering::Relaxed) == me() {
            return Err(SUBSTRATE_EDEADLK);
        }
        cm.hold(cm.inner().lock());
        Ok(())
    }))
}

/// Locks the mutex if it is free; `SUBSTRATE_EAGAIN` if it is held (by any
/// thread), `SUBSTRATE_EINVAL` for a mutex that is not initialised.
/// `SUBSTRATE_EFAULT` for a non-null pointer argument that does not point
/// to memory of the program (see `SUBSTRATE_EFAULT`): nothing is done then.
///
/// # Safety
/// `m` must be null or point to a `substrate_mutex_t`.
#[no_mangle]
pub unsafe extern "C" fn substrate_mutex_trylock(m: *mut substrate_mutex_t) -> i32 {
    // SAFETY: the caller's guarantee, passed on.
    code(unsafe { mutex(m) }.and_then(|cm| {
        cm.hold(cm.inner().try_lock().ok_or(SUBSTRATE_EAGAIN)?);
        Ok(())
    }))
}

/// Unlocks the mutex, handing it to a waiting thread (`seL4_Signal`) if
/// there is one. `SUBSTRATE_EINVAL` for a mutex that is not initialised or
/// not held by the calling thread.
/// `SUBSTRATE_EFAULT` for a non-null pointer argument that does not point
/// to memory of the program (see `SUBSTRATE_EFAULT`): nothing is done then.
///
/// # Safety
/// `m` must be null or point to a `substrate_mutex_t`.
#[no_mangle]
pub unsafe extern "C" fn substrate_mutex_unlock(m: *mut substrate_mutex_t) -> i32 {
    // SAFETY: the caller's guarantee, passed on.
    code(unsafe { mutex(m) }.and_then(|cm| {
        if cm.owner.load(Ordering::Relaxed) != me() {
            return Err(SUBSTRATE_EINVAL);
        }
        cm.owner.store(0, Ordering::Relaxed);
        // SAFETY: the calling thread holds the mutex, so the slot is its.
        let guard = unsafe { (*cm.guard.get()).take() };
        drop(guard);
        Ok(())
    }))
}

/// Destroys an unlocked mutex, giving its notification back for the next
/// init. `SUBSTRATE_EBUSY` if it is locked, `SUBSTRATE_EINVAL` if it is not
/// initialised.
/// `SUBSTRATE_EFAULT` for a non-null pointer argument that does not point
/// to memory of the program (see `SUBSTRATE_EFAULT`): nothing is done then.
///
/// # Safety
/// `m` must be null or point to a `substrate_mutex_t` no thread waits on.
#[no_mangle]
pub unsafe extern "C" fn substrate_mutex_destroy(m: *mut substrate_mutex_t) -> i32 {
    // SAFETY: the caller's guarantee, passed on.
    code(unsafe { mutex(m) }.and_then(|cm| {
        if cm.inner.is_locked() {
            return Err(SUBSTRATE_EBUSY);
        }
        cm.magic.store(0, Ordering::Release);
        if let Some(n) = cm.inner.notification() {
            free_notification(n.cptr());
        }
        Ok(())
    }))
}

/// The live condition variable at `c`, or `EINVAL`.
///
/// # Safety
/// `c` must be null or point to a `substrate_cond_t`.
unsafe fn cond<'a>(c: *mut substrate_cond_t) -> Result<&'a CCond, i32> {
    // SAFETY: the caller's guarantee, passed on; `magic` is CCond's first field.
    unsafe { live(c.cast(), COND_MAGIC) }
}

impl CCond {
    fn locked<R>(&self, f: impl FnOnce() -> R) -> R {
        while self
            .busy
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            sel4::yield_now();
        }
        let r = f();
        self.busy.store(false, Ordering::Release);
        r
    }

    fn signal_ntfn(&self) {
        cap::Notification::from_cptr(self.ntfn.load(Ordering::Relaxed) as sel4::CPtr).signal();
    }

    /// Takes a wake-up granted after `seq` was read by this waiter.
    fn take(&self, seq: u64) -> bool {
        self.locked(|| {
            let t = self.tokens.load(Ordering::Relaxed);
            if self.seq.load(Ordering::Relaxed) != seq && t > 0 {
                self.tokens.store(t - 1, Ordering::Relaxed);
                self.waiters.fetch_sub(1, Ordering::Relaxed);
                true
            } else {
                false
            }
        })
    }

    /// Grants up to `n` wake-ups to current waiters; true if any.
    fn grant(&self, n: usize) -> bool {
        self.locked(|| {
            let w = self.waiters.load(Ordering::Relaxed);
            let t = self.tokens.load(Ordering::Relaxed);
            if w > t {
                self.tokens.store(t + n.min(w - t), Ordering::Relaxed);
                self.seq.fetch_add(1, Ordering::Relaxed);
                true
            } else {
                false
            }
        })
    }
}

/// Initialises the condition variable at `c` with a notification of its
/// own. `SUBSTRATE_EINVAL` for a null or misaligned `c`;
/// `SUBSTRATE_EBUSY` for a condition variable that is initialised already
/// (destroy it first); `SUBSTRATE_ENOMEM` when no notification can be made.
/// `SUBSTRATE_EFAULT` for a non-null pointer argument that does not point
/// to memory of the program (see `SUBSTRATE_EFAULT`): nothing is done then.
///
/// # Safety
/// `c` must point to writable memory for a `substrate_cond_t` that no
/// thread uses during the call.
#[no_mangle]
pub unsafe extern "C" fn substrate_cond_init(c: *mut substrate_cond_t) -> i32 {
    // SAFETY: the caller's guarantee, passed on (a CCond fits the C type).
    unsafe {
        init(c.cast::<CCond>(), COND_MAGIC, |ntfn| CCond {
            magic: AtomicU64::new(COND_MAGIC),
            ntfn: AtomicUsize::new(ntfn.cptr() as usize),
            seq: AtomicU64::new(0),
            waiters: AtomicUsize::new(0),
            tokens: AtomicUsize::new(0),
            busy: AtomicBool::new(false),
        })
    }
}

/// Unlocks `m`, waits until `substrate_cond_signal` or `_broadcast` wakes
/// this thread (`seL4_Wait` on the condition's notification), and locks `m`
/// again. As with any condition variable, re-check the predicate in a loop.
/// `SUBSTRATE_EINVAL` if either object is not initialised or the calling
/// thread does not hold `m`.
/// `SUBSTRATE_EFAULT` for a non-null pointer argument that does not point
/// to memory of the program (see `SUBSTRATE_EFAULT`): nothing is done then.
///
/// # Safety
/// `c` and `m` must be null or point to their types.
#[no_mangle]
pub unsafe extern "C" fn substrate_cond_wait(
    c: *mut substrate_cond_t,
    m: *mut substrate_mutex_t,
) -> i32 {
    // SAFETY: the caller's guarantee, passed on.
    let (cc, cm) = match unsafe { (cond(c), mutex(m)) } {
        (Ok(cc), Ok(cm)) => (cc, cm),
        _ => return SUBSTRATE_EINVAL,
    };
    if cm.owner.load(Ordering::Relaxed) != me() {
        return SUBSTRATE_EINVAL;
    }
    let seq = cc.locked(|| {
        cc.waiters.fetch_add(1, Ordering::Relaxed);
        cc.seq.load(Ordering::Relaxed)
    });
    // SAFETY: checked above that `m` is live and held by this thread.
    let r = unsafe { substrate_mutex_unlock(m) };
    if r != SUBSTRATE_OK {
        return r;
    }
    let ntfn = cap::Notification::from_cptr(cc.ntfn.load(Ordering::Relaxed) as sel4::CPtr);
    while !cc.take(seq) {
        ntfn.wait();
        if cc.take(seq) {
            break;
        }
        // Woken for someone else (signals do not count in a notification):
        // pass the wake-up on and let that waiter run.
        if cc.tokens.load(Ordering::Relaxed) > 0 {
            cc.signal_ntfn();
            sel4::yield_now();
        }
    }
    // More wake-ups granted (a broadcast): wake the next waiter.
    if cc.tokens.load(Ordering::Relaxed) > 0 {
        cc.signal_ntfn();
    }
    // SAFETY: as above.
    unsafe { substrate_mutex_lock(m) }
}

/// Wakes one thread waiting on `c` (`seL4_Signal`), if any.
/// `SUBSTRATE_EINVAL` if `c` is not initialised.
/// `SUBSTRATE_EFAULT` for a non-null pointer argument that does not point
/// to memory of the program (see `SUBSTRATE_EFAULT`): nothing is done then.
///
/// # Safety
/// `c` must be null or point to a `substrate_cond_t`.
#[no_mangle]
pub unsafe extern "C" fn substrate_cond_signal(c: *mut substrate_cond_t) -> i32 {
    // SAFETY: the caller's guarantee, passed on.
    code(unsafe { cond(c) }.map(|cc| {
        if cc.grant(1) {
            cc.signal_ntfn();
        }
    }))
}

/// Wakes every thread waiting on `c`. `SUBSTRATE_EINVAL` if `c` is not
/// initialised.
/// `SUBSTRATE_EFAULT` for a non-null pointer argument that does not point
/// to memory of the program (see `SUBSTRATE_EFAULT`): nothing is done then.
///
/// # Safety
/// `c` must be null or point to a `substrate_cond_t`.
#[no_mangle]
pub unsafe extern "C" fn substrate_cond_broadcast(c: *mut substrate_cond_t) -> i32 {
    // SAFETY: the caller's guarantee, passed on.
    code(unsafe { cond(c) }.map(|cc| {
        if cc.grant(usize::MAX) {
            cc.signal_ntfn();
        }
    }))
}

/// Destroys a condition variable nobody waits on, giving its notification
/// back for the next init. `SUBSTRATE_EBUSY` while threads wait,
/// `SUBSTRATE_EINVAL` if it is not initialised.
/// `SUBSTRATE_EFAULT` for a non-null pointer argument that does not point
/// to memory of the program (see `SUBSTRATE_EFAULT`): nothing is done then.
///
/// # Safety
/// `c` must be null or point to a `substrate_cond_t`.
#[no_mangle]
pub unsafe extern "C" fn substrate_cond_destroy(c: *mut substrate_cond_t) -> i32 {
    // SAFETY: the caller's guarantee, passed on.
    code(unsafe { cond(c) }.and_then(|cc| {
        if cc.waiters.load(Ordering::Relaxed) > 0 {
            return Err(SUBSTRATE_EBUSY);
        }
        cc.magic.store(0, Ordering::Release);
        free_notification(cc.ntfn.load(Ordering::Relaxed) as sel4::CPtr);
        Ok(())
    }))
}
