//! Threads for C, on `substrate-thread`.
//!
//! A C thread is a `substrate-thread` thread running `entry(arg)`; its
//! handle (`substrate_thread_t`) is the thread's number. Joining waits for
//! the entry function's result; a thread that faulted instead is reported on
//! the console (`fault: ...`, with the address and instruction) and its join
//! returns `SUBSTRATE_EFAULT`.

use crate::runtime::{with_objects, SUBSTRATE_STACK_SIZE};
use crate::status::*;
use alloc::vec::Vec;
use core::ffi::c_void;
use core::sync::atomic::{AtomicBool, Ordering};
use substrate_thread::{Builder, JoinError, JoinHandle};

/// A thread handle: the thread's number (never 0).
pub type substrate_thread_t = u64;

/// A C thread's entry function.
pub type substrate_thread_entry_t = Option<unsafe extern "C" fn(*mut c_void) -> *mut c_void>;

/// A pointer moved to another thread (the C program answers for what it
/// points to).
struct SendPtr(*mut c_void);
// SAFETY: the pointer is only handed back to C, which owns the data.
unsafe impl Send for SendPtr {}

/// Threads created and not yet joined.
/// A notification mutex: held across the spawn's system calls.
static THREADS: substrate_sync::Mutex<Vec<(u64, JoinHandle<SendPtr>)>> =
    substrate_sync::Mutex::new(Vec::new());

/// Gives the thread table's lock its notification (see `runtime`).
pub(crate) fn set_lock_notification(
    n: sel4::cap::Notification,
) -> Result<(), sel4::cap::Notification> {
    THREADS.set_notification(n)
}

/// Per-thread data of C threads, by thread number (0: the initial `main`).
static DATA: spin::Mutex<Vec<(u64, usize)>> = spin::Mutex::new(Vec::new());

fn current_id() -> u64 {
    substrate_thread::current().map_or(0, |t| t.id())
}

/// Prints the report for a fault that stopped a thread:
/// `fault: VM fault at address 0x0 (ip 0x...)` for a memory fault.
pub fn report_fault(fault: &sel4::Fault) {
    match (fault, fault.addr(), fault.ip()) {
        (sel4::Fault::VmFault(_), Some(addr), Some(ip)) => {
            sel4::debug_println!("fault: VM fault at address {addr:#x} (ip {ip:#x})")
        }
        _ => sel4::debug_println!("fault: {fault}"),
    }
}

/// Starts a thread running `entry(arg)` (`substrate_thread::Builder::spawn`:
/// a new TCB, stack of the build's `SUBSTRATE_FFI_STACK_SIZE` with a guard
/// page, IPC buffer and TLS block) and stores its handle in `*out`.
/// `SUBSTRATE_EINVAL` for a null `out` or `entry`; `SUBSTRATE_ENOMEM` when
/// memory, slots or address space run out; `SUBSTRATE_ENOSYS` on kernels
/// the thread layer does not support (MCS). A fault stops only the new
/// thread and is reported by `substrate_thread_join`.
/// `SUBSTRATE_EFAULT` for a non-null pointer argument that does not point
/// to memory of the program (see `SUBSTRATE_EFAULT`): nothing is done then.
///
/// # Safety
/// `out` must be writable; `entry` must be safe to call with `arg` on
/// another thread.
#[no_mangle]
pub unsafe extern "C" fn substrate_thread_create(
    out: *mut substrate_thread_t,
    entry: substrate_thread_entry_t,
    arg: *mut c_void,
) -> i32 {
    let Some(entry) = entry else {
        return SUBSTRATE_EINVAL;
    };
    if out.is_null() {
        return SUBSTRATE_EINVAL;
    }
    if let Err(e) = crate::user_mem::check_obj(out, crate::user_mem::Access::Write) {
        return e;
    }
    // SAFETY: the caller vouched for calling `entry(arg)` on another thread.
    match unsafe { create(entry, arg, SUBSTRATE_STACK_SIZE, "c-thread") } {
        Ok(id) => {
            // SAFETY: checked non-null; the caller guarantees it is writable.
            unsafe { out.write(id) };
            SUBSTRATE_OK
        }
        Err(e) => e,
    }
}

/// What `substrate_thread_create` does, for a C library in Rust (the std
/// personality's `pthread_create`): starts a thread named `name` running
/// `entry(arg)` on a stack of `stack_size` bytes (rounded up as
/// `substrate_thread::Builder::stack_size` does) and returns its handle,
/// to be joined with `substrate_thread_join` or given up with [`detach`].
/// The statuses of `substrate_thread_create`.
///
/// # Safety
/// `entry` must be safe to call with `arg` on another thread.
pub unsafe fn create(
    entry: unsafe extern "C" fn(*mut c_void) -> *mut c_void,
    arg: *mut c_void,
    stack_size: usize,
    name: &'static str,
) -> Result<substrate_thread_t, i32> {
    reap_detached();
    let mut threads = THREADS.lock();
    if threads.try_reserve(1).is_err() {
        return Err(SUBSTRATE_ENOMEM);
    }
    let arg = SendPtr(arg);
    let spawned = with_objects(|objects| {
        Builder::new()
            .stack_size(stack_size)
            .name(name)
            .spawn(objects, move || {
                let arg = arg;
                // SAFETY: the caller vouched for calling `entry(arg)` here.
                SendPtr(unsafe { entry(arg.0) })
            })
            .map_err(|e| match e {
                substrate_thread::SpawnError::Unsupported => SUBSTRATE_ENOSYS,
                substrate_thread::SpawnError::Kernel(e) => from_sel4(e),
                _ => SUBSTRATE_ENOMEM,
            })
    })?;
    let id = spawned.thread().id();
    threads.push((id, spawned));
    Ok(id)
}

/// What a detached thread leaves behind: its number, the flag its last act
/// sets, and what to call once it has been joined.
struct Detached {
    id: u64,
    done: *const AtomicBool,
    reaped: unsafe fn(*const AtomicBool),
}
// SAFETY: `done` points to an atomic the detaching caller keeps alive until
// `reaped` is called, from whichever thread reaps.
unsafe impl Send for Detached {}

/// Threads given up with [`detach`] whose entry function has not been seen
/// to return.
static DETACHED: substrate_sync::Mutex<Vec<Detached>> = substrate_sync::Mutex::new(Vec::new());

/// Gives up the handle of thread `thread` (pthread's detach): nobody will
/// join it. `done` must be set (with release ordering) by the thread itself
/// as the very last thing its entry function does; from then on its
/// resources (TCB, stack, IPC buffer) go back to the pool at the next
/// [`create`] or [`detach`], as a join would have returned them, and
/// `reaped(done)` is called after that join (to free what holds the flag).
/// `SUBSTRATE_EINVAL` for a handle that is unknown, joined or detached
/// already; `SUBSTRATE_ENOMEM` if the list of detached threads cannot grow
/// (the handle is kept).
///
/// # Safety
/// `done` must stay valid until `reaped(done)` is called.
pub unsafe fn detach(
    thread: substrate_thread_t,
    done: *const AtomicBool,
    reaped: unsafe fn(*const AtomicBool),
) -> i32 {
    if !THREADS.lock().iter().any(|(id, _)| *id == thread) {
        return SUBSTRATE_EINVAL;
    }
    {
        let mut detached = DETACHED.lock();
        if detached.iter().any(|d| d.id == thread) {
            return SUBSTRATE_EINVAL;
        }
        if detached.try_reserve(1).is_err() {
            return SUBSTRATE_ENOMEM;
        }
        detached.push(Detached {
            id: thread,
            done,
            reaped,
        });
    }
    reap_detached();
    SUBSTRATE_OK
}

/// Joins the detached threads that have finished (their join returns at
/// once: the completion message follows the flag) and calls their
/// `reaped`.
fn reap_detached() {
    let finished: Vec<Detached> = {
        let mut detached = DETACHED.lock();
        let mut finished = Vec::new();
        if finished.try_reserve(detached.len()).is_err() {
            return;
        }
        let mut i = 0;
        while i < detached.len() {
            // SAFETY: valid until reaped (the detaching caller's guarantee).
            if unsafe { (*detached[i].done).load(Ordering::Acquire) } {
                finished.push(detached.swap_remove(i));
            } else {
                i += 1;
            }
        }
        finished
    };
    for d in finished {
        // SAFETY: a null result pointer is never written.
        let _ = unsafe { substrate_thread_join(d.id, core::ptr::null_mut()) };
        // SAFETY: called once, after the thread has ended.
        unsafe { (d.reaped)(d.done) };
    }
}

/// Waits for thread `thread` to end (`seL4_Recv` on its endpoint) and
/// stores its entry function's result in `*result` (if not null). The
/// handle is used up. `SUBSTRATE_EINVAL` for a handle that is unknown or
/// joined already; `SUBSTRATE_EDEADLK` for the calling thread's own handle
/// (which stays joinable by others); `SUBSTRATE_EFAULT` if the thread
/// faulted (the fault is printed; the thread is suspended).
/// `SUBSTRATE_EFAULT` for a non-null pointer argument that does not point
/// to memory of the program (see `SUBSTRATE_EFAULT`): nothing is done then.
///
/// # Safety
/// `result` must be null or writable.
#[no_mangle]
pub unsafe extern "C" fn substrate_thread_join(
    thread: substrate_thread_t,
    result: *mut *mut c_void,
) -> i32 {
    // A thread waiting for its own end would wait forever.
    if thread == current_id() {
        return crate::SUBSTRATE_EDEADLK;
    }
    if !result.is_null() {
        if let Err(e) = crate::user_mem::check_obj(result, crate::user_mem::Access::Write) {
            return e;
        }
    }
    let handle = {
        let mut threads = THREADS.lock();
        match threads.iter().position(|(id, _)| *id == thread) {
            Some(i) => threads.swap_remove(i).1,
            None => return SUBSTRATE_EINVAL,
        }
    };
    let outcome = handle.join();
    // Only now: until it ended, the thread could still set its data.
    DATA.lock().retain(|(id, _)| *id != thread);
    match outcome {
        Ok(value) => {
            if !result.is_null() {
                // SAFETY: the caller guarantees a non-null `result` is writable.
                unsafe { result.write(value.0) };
            }
            SUBSTRATE_OK
        }
        Err(JoinError::Faulted(fault)) => {
            report_fault(&fault);
            SUBSTRATE_EFAULT
        }
        Err(JoinError::NoResult) => SUBSTRATE_EFAULT,
    }
}

/// The calling thread's handle: non-zero on every thread the C program runs
/// on (its `main` runs on a thread the runtime created; that handle cannot
/// be joined); 0 only on the runtime's initial thread.
#[no_mangle]
pub extern "C" fn substrate_thread_self() -> substrate_thread_t {
    current_id()
}

/// Gives up the rest of the time slice (`seL4_Yield`).
#[no_mangle]
pub extern "C" fn substrate_thread_yield() {
    sel4::yield_now()
}

/// The calling thread's data pointer, set by `substrate_thread_set_data`
/// (NULL if never set). A C library keeps its per-thread state here.
#[no_mangle]
pub extern "C" fn substrate_thread_self_data() -> *mut c_void {
    let id = current_id();
    DATA.lock()
        .iter()
        .find(|(t, _)| *t == id)
        .map_or(core::ptr::null_mut(), |&(_, p)| p as *mut c_void)
}

/// Sets the calling thread's data pointer (see
/// `substrate_thread_self_data`). `SUBSTRATE_ENOMEM` if the table cannot
/// grow.
#[no_mangle]
pub extern "C" fn substrate_thread_set_data(data: *mut c_void) -> i32 {
    let id = current_id();
    let mut table = DATA.lock();
    if let Some(entry) = table.iter_mut().find(|(t, _)| *t == id) {
        entry.1 = data as usize;
        return SUBSTRATE_OK;
    }
    if table.try_reserve(1).is_err() {
        return SUBSTRATE_ENOMEM;
    }
    table.push((id, data as usize));
    SUBSTRATE_OK
}
