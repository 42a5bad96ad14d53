//! Synchronisation between the threads of a seL4 component.
//!
//! [`Mutex`] is a futex-like lock: a counter in memory plus an seL4
//! notification object to sleep on. Locking and unlocking an uncontended
//! mutex is one atomic instruction each, no system call. A thread that finds
//! the mutex held marks it contended and blocks in `seL4_Wait` on the
//! notification; the unlocking thread of a contended mutex wakes one waiter
//! with `seL4_Signal`, which then tries to take the lock again.
//!
//! A wake-up is only a hint, never a hand-over: the woken thread takes the
//! lock only if it finds it free. So a signal the mutex did not send (a
//! notification shared with another mutex or signalled by other code, by
//! mistake) costs a retry, or at worst a thread that sleeps until the next
//! unlock, but never lets two threads hold the lock at once.
//!
//! Until a notification is attached (a mutex in a `static` is built by the
//! `const fn` [`Mutex::new`] before any capability exists), contended
//! lockers spin, relaxing with the `spin` crate's strategy and then giving up
//! their time slice with `seL4_Yield`. That is fine between threads of equal
//! priority, which the kernel's timer round-robins; a higher-priority thread
//! spinning for a lock a lower-priority thread holds would spin forever, so
//! attach a notification ([`Mutex::set_notification`] or
//! [`Mutex::with_notification`]) as soon as there is one.
//!
//! ```ignore
//! static COUNTER: Mutex<u64> = Mutex::new(0);
//! let ntfn: sel4::cap::Notification = objects.allocate(sel4::ObjectType::Notification, 0)?;
//! COUNTER.set_notification(ntfn).expect("first notification");
//! *COUNTER.lock() += 1;
//! ```
//!
//! Each mutex needs a notification of its own: a signal on a shared one could
//! wake a waiter of another mutex.
//!
//! No counting semaphore is offered: an seL4 notification does not count
//! signals (signals sent while nobody waits merge into one pending signal),
//! so several waiters released at once could lose a wake-up. The mutex needs
//! no count: every thread that goes to sleep first marks the mutex
//! contended, every thread that takes it after waking marks it contended
//! again, and the unlock of a contended mutex always signals, so as long as
//! anyone sleeps some unlock will wake one of them.
#![no_std]

use core::cell::UnsafeCell;
use core::fmt;
use core::ops::{Deref, DerefMut};
use core::sync::atomic::{AtomicUsize, Ordering};
use sel4::{cap, sys, CPtr};
use spin::relax::RelaxStrategy;

/// A mutual-exclusion lock on an seL4 notification (see the crate
/// documentation).
pub struct Mutex<T: ?Sized> {
    /// [`UNLOCKED`], [`LOCKED`] or [`CONTENDED`].
    count: AtomicUsize,
    /// The notification's capability pointer; 0 (`seL4_CapNull`) for none yet.
    notification: AtomicUsize,
    /// The holder's thread pointer (`substrate_tls::thread_pointer`), 0
    /// while nobody holds the mutex: what [`Mutex::lock_unless_held`] asks.
    owner: AtomicUsize,
    data: UnsafeCell<T>,
}

// SAFETY: the mutex hands out access to `data` to one thread at a time, so
// sharing it between threads only requires that `T` may move between them.
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}
// SAFETY: as above; the mutex owns its `T`.
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}

/// Proof that the current thread holds a [`Mutex`]; gives access to the data
/// and unlocks the mutex when dropped.
pub struct MutexGuard<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
}

// SAFETY: a guard only gives `&T` to whoever shares it.
unsafe impl<T: ?Sized + Sync> Sync for MutexGuard<'_, T> {}

/// [`Mutex::count`]: nobody holds the mutex.
const UNLOCKED: usize = 0;
/// [`Mutex::count`]: held, and no thread sleeps on the notification.
const LOCKED: usize = 1;
/// [`Mutex::count`]: held, and threads may sleep on the notification, so the
/// unlock signals it.
const CONTENDED: usize = 2;

/// Spins this many times before yielding the processor in the spin fallback.
const SPINS_BEFORE_YIELD: u32 = 64;

impl<T> Mutex<T> {
    /// An unlocked mutex without a notification: contended lockers spin until
    /// [`set_notification`](Self::set_notification) gives it one.
    pub const fn new(value: T) -> Self {
        Self {
            count: AtomicUsize::new(0),
            notification: AtomicUsize::new(0),
            owner: AtomicUsize::new(0),
            data: UnsafeCell::new(value),
        }
    }

    /// An unlocked mutex whose contended lockers sleep on `notification`
    /// (`seL4_Wait`) and are woken by `seL4_Signal` on it. The notification
    /// should be used by nothing else (stray signals cost retries and
    /// wake-ups, not mutual exclusion; see the crate documentation).
    pub const fn with_notification(value: T, notification: cap::Notification) -> Self {
        Self {
            count: AtomicUsize::new(0),
            notification: AtomicUsize::new(notification.cptr() as usize),
            owner: AtomicUsize::new(0),
            data: UnsafeCell::new(value),
        }
    }

    /// The protected value, taking the mutex apart.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Gives the mutex a notification to sleep on, from now on. Fails (giving
    /// the capability back) if it already has one or `notification` is the
    /// null capability. The notification should be used by nothing else.
    pub fn set_notification(
        &self,
        notification: cap::Notification,
    ) -> Result<(), cap::Notification> {
        let cptr = notification.cptr() as usize;
        if cptr == 0 {
            return Err(notification);
        }
        self.notification
            .compare_exchange(0, cptr, Ordering::AcqRel, Ordering::Acquire)
            .map(|_| ())
            .map_err(|_| notification)
    }

    /// The notification the mutex sleeps on, if it has one.
    pub fn notification(&self) -> Option<cap::Notification> {
        match self.notification.load(Ordering::Acquire) {
            0 => None,
            n => Some(cap::Notification::from_cptr(n as CPtr)),
        }
    }

    /// Locks the mutex, blocking (`seL4_Wait` on the notification, or
    /// spinning without one) while another thread holds it. Not reentrant:
    /// locking a mutex the current thread holds blocks forever.
    pub fn lock(&self) -> MutexGuard<'_, T> {
        if self
            .count
            .compare_exchange(UNLOCKED, LOCKED, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            self.lock_contended();
        }
        self.acquired()
    }

    /// Locks the mutex if no thread holds it; never blocks and makes no
    /// system call.
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        self.count
            .compare_exchange(UNLOCKED, LOCKED, Ordering::Acquire, Ordering::Relaxed)
            .ok()
            .map(|_| self.acquired())
    }

    /// Locks the mutex as [`Mutex::lock`] does, waiting for another thread
    /// to release it, but gives `None` at once if the calling thread holds
    /// it already (where `lock` would wait forever): for code that can be
    /// reached again from inside its own critical section, such as a heap
    /// that grows through an allocator that allocates.
    pub fn lock_unless_held(&self) -> Option<MutexGuard<'_, T>> {
        if self.held_by_current_thread() {
            return None;
        }
        Some(self.lock())
    }

    /// Whether the calling thread holds the mutex.
    pub fn held_by_current_thread(&self) -> bool {
        self.owner.load(Ordering::Relaxed) == substrate_tls::thread_pointer() && self.is_locked()
    }

    /// The guard for a mutex just acquired: records the holder.
    fn acquired(&self) -> MutexGuard<'_, T> {
        self.owner
            .store(substrate_tls::thread_pointer(), Ordering::Relaxed);
        MutexGuard { mutex: self }
    }

    /// Whether some thread holds the mutex (a snapshot, for diagnostics).
    pub fn is_locked(&self) -> bool {
        self.count.load(Ordering::Relaxed) != UNLOCKED
    }

    /// The protected value, through exclusive access to the mutex itself.
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    #[cold]
    fn lock_contended(&self) {
        let mut spins = 0u32;
        loop {
            let ntfn = self.notification.load(Ordering::Acquire);
            if ntfn != 0 {
                // Mark the mutex contended, so its unlock signals; if it was
                // free in the meantime, it is ours (still marked contended:
                // another thread may sleep on it).
                if self.count.swap(CONTENDED, Ordering::Acquire) == UNLOCKED {
                    return;
                }
                // SAFETY: a null badge pointer is allowed; the
                // notification capability was given to this mutex.
                unsafe { sys::seL4_Wait(ntfn as CPtr, core::ptr::null_mut()) };
                // Woken: the lock is not handed over; try again.
                continue;
            }
            // No notification yet: spin for the lock.
            if self
                .count
                .compare_exchange_weak(UNLOCKED, LOCKED, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
            {
                return;
            }
            if spins < SPINS_BEFORE_YIELD {
                spins += 1;
                spin::relax::Spin::relax();
            } else {
                // Let a thread of the same priority (perhaps the holder) run.
                sel4::yield_now();
            }
        }
    }

    fn unlock(&self) {
        self.owner.store(0, Ordering::Relaxed);
        // Contended: some thread may sleep on the notification; wake one.
        // Only lockers that saw a notification mark the mutex contended, so
        // there is one.
        if self.count.swap(UNLOCKED, Ordering::Release) == CONTENDED {
            let ntfn = self.notification.load(Ordering::Acquire);
            if ntfn != 0 {
                // SAFETY: the notification capability was given to this mutex.
                unsafe { sys::seL4_Signal(ntfn as CPtr) };
            }
        }
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Some(guard) => d.field("data", &&*guard),
            None => d.field("data", &format_args!("<locked>")),
        };
        d.field("notification", &self.notification()).finish()
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard proves this thread holds the lock.
        unsafe { &*self.mutex.data.get() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard proves this thread holds the lock, exclusively.
        unsafe { &mut *self.mutex.data.get() }
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.mutex.unlock();
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
