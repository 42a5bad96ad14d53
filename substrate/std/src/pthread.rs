//! POSIX threads on the substrate's threads (`substrate_ffi::thread`).
//!
//! A `pthread_t` is the address of the thread's [`Record`]: its `errno`,
//! its values of the keys, its thread-local destructors, its name, its
//! futex notification. The record of a thread is found through the thread
//! control block (`substrate_tls::libc_data`, `fs:56`); threads this module
//! did not start (`main`, which the runtime starts) get one on first use.
//! Mutexes and `pthread_once` rest on the futex ([`crate::futex`]).

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::ffi::{c_char, c_int, c_void, CStr};
use core::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, AtomicUsize, Ordering};
use libc::{pthread_attr_t, pthread_key_t, pthread_mutex_t, pthread_mutexattr_t, pthread_t};

/// Keys a program can create (glibc's `PTHREAD_KEYS_MAX` is 1024; std and
/// libgcc use a handful).
pub const KEYS_MAX: usize = 128;
/// Rounds of key destructors at thread exit (`PTHREAD_DESTRUCTOR_ITERATIONS`).
const DESTRUCTOR_ROUNDS: usize = 4;
/// The stack of a thread whose attributes name none: 2 MiB (std always
/// names one: 2 MiB unless `RUST_MIN_STACK` or `Builder::stack_size` say
/// otherwise).
pub const DEFAULT_STACK_SIZE: usize = 2 << 20;
/// The smallest stack `pthread_attr_setstacksize` takes (`PTHREAD_STACK_MIN`).
pub const STACK_MIN: usize = 16384;

/// A thread-local destructor of `__cxa_thread_atexit_impl`.
type Dtor = unsafe extern "C" fn(*mut c_void);

/// What the C library keeps per thread. `repr(C)`: `done` must be the first
/// field (a detached thread's reaper frees the record through it).
#[repr(C)]
pub struct Record {
    /// Set by the thread as its last act (read by a detached thread's
    /// reaper, `substrate_ffi::thread::detach`). The first field: the
    /// reaper gets its address back.
    done: AtomicBool,
    /// The thread's `errno`.
    pub errno: AtomicI32,
    /// The substrate thread's number (0: not started by `pthread_create`).
    id: AtomicU64,
    /// `pthread_create`'s start routine and argument.
    start: Option<unsafe extern "C" fn(*mut c_void) -> *mut c_void>,
    arg: usize,
    /// Whether `pthread_detach` gave the thread up.
    detached: AtomicBool,
    /// The notification the thread's futex waits block on (0: none yet).
    pub(crate) ntfn: AtomicU64,
    /// The thread's values of the keys.
    specific: [AtomicUsize; KEYS_MAX],
    /// `__cxa_thread_atexit_impl`'s destructors, run in reverse at exit.
    dtors: spin::Mutex<Vec<(Dtor, usize)>>,
    /// `pthread_setname_np`'s name, NUL-terminated.
    name: spin::Mutex<[u8; 16]>,
    /// The stack and its guard, recorded by the thread itself.
    stack: spin::Mutex<Option<(core::ops::Range<usize>, core::ops::Range<usize>)>>,
}

impl Record {
    fn new(start: Option<unsafe extern "C" fn(*mut c_void) -> *mut c_void>, arg: usize) -> Self {
        Record {
            done: AtomicBool::new(false),
            errno: AtomicI32::new(0),
            id: AtomicU64::new(0),
            start,
            arg,
            detached: AtomicBool::new(false),
            ntfn: AtomicU64::new(0),
            specific: [const { AtomicUsize::new(0) }; KEYS_MAX],
            dtors: spin::Mutex::new(Vec::new()),
            name: spin::Mutex::new([0; 16]),
            stack: spin::Mutex::new(substrate_thread::current_stack()),
        }
    }
}

impl Drop for Record {
    fn drop(&mut self) {
        let n = *self.ntfn.get_mut();
        if n != 0 {
            crate::futex::delete(sel4::cap::Notification::from_cptr(n as sel4::CPtr));
        }
    }
}

/// Moves `value` into a new heap box, or gives it back when the heap is full
/// (`Box::new` would abort).
fn try_box<T>(value: T) -> Option<Box<T>> {
    let layout = core::alloc::Layout::new::<T>();
    // SAFETY: `Record` has a non-zero size.
    let p = unsafe { alloc::alloc::alloc(layout) } as *mut T;
    if p.is_null() {
        return None;
    }
    // SAFETY: freshly allocated for a `T`; the box takes ownership.
    unsafe {
        p.write(value);
        Some(Box::from_raw(p))
    }
}

/// Marks a thread whose record is being made (an allocation inside may ask
/// for `errno`).
const MAKING: usize = 1;

/// The calling thread's record, made on first use for threads this module
/// did not start; `None` while it is being made or when the heap is full.
pub fn current() -> Option<&'static Record> {
    let p = substrate_tls::libc_data() as usize;
    if p == MAKING {
        return None;
    }
    if p != 0 {
        // SAFETY: the field holds this thread's record, which lives as long
        // as the thread.
        return Some(unsafe { &*(p as *const Record) });
    }
    // SAFETY: the thread pointer is set on every thread that runs C code.
    unsafe { substrate_tls::set_libc_data(MAKING as *mut ()) };
    let record = try_box(Record::new(None, 0)).map(Box::leak);
    let p = record
        .as_deref()
        .map_or(core::ptr::null(), |r| r as *const Record);
    // SAFETY: as above.
    unsafe { substrate_tls::set_libc_data(p as *mut ()) };
    record.map(|r| &*r)
}

/// Where the record of `t` is: `t` itself (a `pthread_t` is its address).
fn record_of(t: pthread_t) -> Option<&'static Record> {
    // SAFETY: a `pthread_t` the program got from `pthread_create` or
    // `pthread_self` is a live record (POSIX leaves any other undefined).
    (t != 0).then(|| unsafe { &*(t as *const Record) })
}

/// The attributes inside a `pthread_attr_t` (56 opaque bytes in glibc).
#[repr(C)]
struct Attr {
    magic: u32,
    detached: u32,
    stack_size: usize,
    guard_size: usize,
    stack_addr: usize,
}
const ATTR_MAGIC: u32 = 0x7a77_a77e;
const _: () = assert!(core::mem::size_of::<Attr>() <= core::mem::size_of::<pthread_attr_t>());

fn attr_mut(a: *mut pthread_attr_t) -> Option<&'static mut Attr> {
    // SAFETY: a non-null `pthread_attr_t` is 56 writable bytes, 8-aligned.
    (!a.is_null()).then(|| unsafe { &mut *(a as *mut Attr) })
}

fn attr_ref(a: *const pthread_attr_t) -> Option<&'static Attr> {
    // SAFETY: as in `attr_mut`; checked to be initialised by the magic.
    (!a.is_null())
        .then(|| unsafe { &*(a as *const Attr) })
        .filter(|a| a.magic == ATTR_MAGIC)
}

/// `pthread_attr_init`: default attributes (joinable, 2 MiB of stack, one
/// guard page).
#[no_mangle]
pub extern "C" fn pthread_attr_init(a: *mut pthread_attr_t) -> c_int {
    let Some(a) = attr_mut(a) else {
        return libc::EINVAL;
    };
    *a = Attr {
        magic: ATTR_MAGIC,
        detached: 0,
        stack_size: DEFAULT_STACK_SIZE,
        guard_size: 4096,
        stack_addr: 0,
    };
    0
}

/// `pthread_attr_destroy`.
#[no_mangle]
pub extern "C" fn pthread_attr_destroy(a: *mut pthread_attr_t) -> c_int {
    match attr_mut(a) {
        Some(a) if a.magic == ATTR_MAGIC => {
            a.magic = 0;
            0
        }
        _ => libc::EINVAL,
    }
}

/// `pthread_attr_setstacksize`: `EINVAL` below `PTHREAD_STACK_MIN`.
#[no_mangle]
pub extern "C" fn pthread_attr_setstacksize(a: *mut pthread_attr_t, size: usize) -> c_int {
    match attr_mut(a) {
        Some(a) if a.magic == ATTR_MAGIC && size >= STACK_MIN => {
            a.stack_size = size;
            0
        }
        _ => libc::EINVAL,
    }
}

/// Writes `field(attributes)` to `out`: 0, or `EINVAL` for attributes that
/// are not initialised or a NULL `out`.
///
/// # Safety
/// `out` must be NULL or writable.
unsafe fn read_attr(
    a: *const pthread_attr_t,
    out: *mut usize,
    field: impl Fn(&Attr) -> usize,
) -> c_int {
    match attr_ref(a) {
        Some(a) if !out.is_null() => {
            // SAFETY: the caller's guarantee.
            unsafe { out.write(field(a)) };
            0
        }
        _ => libc::EINVAL,
    }
}

/// `pthread_attr_getstacksize`.
///
/// # Safety
/// `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn pthread_attr_getstacksize(
    a: *const pthread_attr_t,
    out: *mut usize,
) -> c_int {
    // SAFETY: the caller's guarantee.
    unsafe { read_attr(a, out, |a| a.stack_size) }
}

/// `pthread_attr_getguardsize`: the unmapped guard below the stack.
///
/// # Safety
/// `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn pthread_attr_getguardsize(
    a: *const pthread_attr_t,
    out: *mut usize,
) -> c_int {
    // SAFETY: the caller's guarantee.
    unsafe { read_attr(a, out, |a| a.guard_size) }
}

/// `pthread_attr_getstack`: the lowest address and the size of the stack
/// (filled in by `pthread_getattr_np`).
///
/// # Safety
/// `addr` and `size` must be writable.
#[no_mangle]
pub unsafe extern "C" fn pthread_attr_getstack(
    a: *const pthread_attr_t,
    addr: *mut *mut c_void,
    size: *mut usize,
) -> c_int {
    match attr_ref(a) {
        Some(a) if !addr.is_null() && !size.is_null() => {
            // SAFETY: the caller's guarantee.
            unsafe {
                addr.write(a.stack_addr as *mut c_void);
                size.write(a.stack_size);
            }
            0
        }
        _ => libc::EINVAL,
    }
}

/// `pthread_attr_setdetachstate`.
#[no_mangle]
pub extern "C" fn pthread_attr_setdetachstate(a: *mut pthread_attr_t, state: c_int) -> c_int {
    match attr_mut(a) {
        Some(a)
            if a.magic == ATTR_MAGIC
                && (state == libc::PTHREAD_CREATE_JOINABLE
                    || state == libc::PTHREAD_CREATE_DETACHED) =>
        {
            a.detached = u32::from(state == libc::PTHREAD_CREATE_DETACHED);
            0
        }
        _ => libc::EINVAL,
    }
}

/// glibc's `pthread_getattr_np`: attributes describing thread `t` as it
/// runs: its stack (lowest address, size) and the unmapped guard below it.
/// `ESRCH` for a thread whose stack the substrate did not make (the
/// runtime's initial thread).
#[no_mangle]
pub extern "C" fn pthread_getattr_np(t: pthread_t, a: *mut pthread_attr_t) -> c_int {
    let Some(record) = record_of(t) else {
        return libc::ESRCH;
    };
    let Some((stack, guard)) = record.stack.lock().clone() else {
        return libc::ESRCH;
    };
    let r = pthread_attr_init(a);
    if r != 0 {
        return r;
    }
    let Some(attr) = attr_mut(a) else {
        return libc::EINVAL;
    };
    attr.stack_addr = stack.start;
    attr.stack_size = stack.end - stack.start;
    attr.guard_size = guard.end - guard.start;
    attr.detached = u32::from(record.detached.load(Ordering::Relaxed));
    0
}

/// Runs a new thread: records itself, calls the start routine, runs the
/// thread's destructors, and sets `done` last.
unsafe extern "C" fn trampoline(arg: *mut c_void) -> *mut c_void {
    let record = arg as *const Record;
    // SAFETY: `pthread_create` passes the new thread's record, which lives
    // until it is joined or reaped (after `done`).
    unsafe {
        *(*record).stack.lock() = substrate_thread::current_stack();
        substrate_tls::set_libc_data(record as *mut ());
        let start = (*record).start.expect("pthread_create checked the routine");
        let result = start((*record).arg as *mut c_void);
        run_thread_destructors();
        (*record).done.store(true, Ordering::Release);
        result
    }
}

/// Frees the record of a detached thread once it has been reaped.
unsafe fn reaped(done: *const AtomicBool) {
    // SAFETY: `done` is the first field of a boxed record (see `Record`),
    // whose thread has ended.
    drop(unsafe { Box::from_raw(done as *mut Record) });
}

/// `pthread_create`: starts `start(arg)` on a new thread
/// (`substrate_ffi::thread::create`: a TCB, a stack of the attributes'
/// size with an unmapped guard below it, an IPC buffer and a TLS block).
/// `EAGAIN` when memory, slots or address space run out, `EINVAL` for a
/// null routine, `ENOSYS` where the kernel's threads are not supported.
///
/// # Safety
/// `out` must be writable; `start(arg)` must be safe to run on another
/// thread.
#[no_mangle]
pub unsafe extern "C" fn pthread_create(
    out: *mut pthread_t,
    attr: *const pthread_attr_t,
    start: Option<unsafe extern "C" fn(*mut c_void) -> *mut c_void>,
    arg: *mut c_void,
) -> c_int {
    if out.is_null() || start.is_none() {
        return libc::EINVAL;
    }
    let (stack_size, detached) = attr_ref(attr).map_or((DEFAULT_STACK_SIZE, false), |a| {
        (a.stack_size, a.detached != 0)
    });
    let Some(record) = try_box(Record::new(start, arg as usize)) else {
        return libc::EAGAIN;
    };
    *record.stack.lock() = None;
    let record = Box::into_raw(record);
    // SAFETY: the trampoline gets the record, which outlives the thread.
    match unsafe { substrate_ffi::thread::create(trampoline, record.cast(), stack_size, "pthread") }
    {
        Ok(id) => {
            // SAFETY: the record stays until the thread is joined or reaped.
            unsafe { (*record).id.store(id, Ordering::Release) };
            // SAFETY: the caller's guarantee.
            unsafe { out.write(record as pthread_t) };
            if detached {
                let _ = pthread_detach(record as pthread_t);
            }
            0
        }
        Err(status) => {
            // SAFETY: the thread was not started; nothing else has the record.
            drop(unsafe { Box::from_raw(record) });
            if status == substrate_ffi::SUBSTRATE_ENOSYS {
                libc::ENOSYS
            } else {
                libc::EAGAIN
            }
        }
    }
}

/// `pthread_join`: waits for thread `t` to end (`substrate_thread_join`)
/// and stores its result in `*out` (if not null). `EDEADLK` for the calling
/// thread, `EINVAL` for a thread that is not joinable (detached, joined
/// already, or not started by `pthread_create`).
///
/// # Safety
/// `t` must be a thread of `pthread_create`; `out` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pthread_join(t: pthread_t, out: *mut *mut c_void) -> c_int {
    let Some(record) = record_of(t) else {
        return libc::ESRCH;
    };
    if current().is_some_and(|c| core::ptr::eq(c, record)) {
        return libc::EDEADLK;
    }
    let id = record.id.load(Ordering::Acquire);
    if id == 0 || record.detached.load(Ordering::Acquire) {
        return libc::EINVAL;
    }
    let mut result = core::ptr::null_mut();
    // SAFETY: `result` is writable.
    let status = unsafe { substrate_ffi::thread::substrate_thread_join(id, &mut result) };
    if status != substrate_ffi::SUBSTRATE_OK {
        return if status == substrate_ffi::SUBSTRATE_EINVAL {
            libc::EINVAL
        } else {
            // The thread faulted (the runtime printed the fault).
            libc::ESRCH
        };
    }
    // SAFETY: the thread has ended; the record was boxed by `pthread_create`.
    drop(unsafe { Box::from_raw(t as *mut Record) });
    if !out.is_null() {
        // SAFETY: the caller's guarantee.
        unsafe { out.write(result) };
    }
    0
}

/// `pthread_detach`: nobody will join thread `t`; its resources go back
/// once it has ended. `EINVAL` for a thread that is not joinable.
#[no_mangle]
pub extern "C" fn pthread_detach(t: pthread_t) -> c_int {
    let Some(record) = record_of(t) else {
        return libc::ESRCH;
    };
    let id = record.id.load(Ordering::Acquire);
    if id == 0 || record.detached.swap(true, Ordering::AcqRel) {
        return libc::EINVAL;
    }
    // SAFETY: the record (and with it `done`) lives until `reaped` frees it.
    match unsafe { substrate_ffi::thread::detach(id, &record.done, reaped) } {
        substrate_ffi::SUBSTRATE_OK => 0,
        _ => {
            record.detached.store(false, Ordering::Release);
            libc::EINVAL
        }
    }
}

/// `pthread_self`: the calling thread (its record's address; 0 only when
/// no record can be made, the heap being full).
#[no_mangle]
pub extern "C" fn pthread_self() -> pthread_t {
    current().map_or(0, |r| r as *const Record as pthread_t)
}

/// `pthread_equal`.
#[no_mangle]
pub extern "C" fn pthread_equal(a: pthread_t, b: pthread_t) -> c_int {
    c_int::from(a == b)
}

/// glibc's `pthread_setname_np`: names thread `t` (at most 15 bytes, else
/// `ERANGE`); std names its threads so.
///
/// # Safety
/// `name` must be a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn pthread_setname_np(t: pthread_t, name: *const c_char) -> c_int {
    let Some(record) = record_of(t) else {
        return libc::ESRCH;
    };
    if name.is_null() {
        return libc::EINVAL;
    }
    // SAFETY: the caller's guarantee.
    let bytes = unsafe { CStr::from_ptr(name) }.to_bytes();
    if bytes.len() > 15 {
        return libc::ERANGE;
    }
    let mut buf = [0u8; 16];
    buf[..bytes.len()].copy_from_slice(bytes);
    *record.name.lock() = buf;
    0
}

/// glibc's `pthread_getname_np`: the name `pthread_setname_np` gave, or an
/// empty string. `ERANGE` if it does not fit `len`.
///
/// # Safety
/// `buf` must be writable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn pthread_getname_np(t: pthread_t, buf: *mut c_char, len: usize) -> c_int {
    let Some(record) = record_of(t) else {
        return libc::ESRCH;
    };
    let name = *record.name.lock();
    let n = name.iter().position(|&b| b == 0).unwrap_or(15);
    if buf.is_null() || len <= n {
        return libc::ERANGE;
    }
    // SAFETY: the caller's guarantee; `n + 1 <= len`.
    unsafe { core::ptr::copy_nonoverlapping(name.as_ptr(), buf.cast(), n + 1) };
    0
}

/// `sched_yield`: gives up the rest of the time slice (`seL4_Yield`).
#[no_mangle]
pub extern "C" fn sched_yield() -> c_int {
    sel4::yield_now();
    0
}

/// Destructors of the keys (0: no destructor); `IN_USE` marks a key taken.
static KEY_DTORS: [AtomicUsize; KEYS_MAX] = [const { AtomicUsize::new(0) }; KEYS_MAX];
static KEY_USED: [AtomicBool; KEYS_MAX] = [const { AtomicBool::new(false) }; KEYS_MAX];

/// `pthread_key_create`: a new key, its value NULL in every thread, with
/// `dtor` run on a thread's non-NULL value when the thread ends. `EAGAIN`
/// when all 128 keys are taken.
///
/// # Safety
/// `key` must be writable.
#[no_mangle]
pub unsafe extern "C" fn pthread_key_create(key: *mut pthread_key_t, dtor: Option<Dtor>) -> c_int {
    if key.is_null() {
        return libc::EINVAL;
    }
    for (i, used) in KEY_USED.iter().enumerate() {
        if !used.swap(true, Ordering::AcqRel) {
            KEY_DTORS[i].store(dtor.map_or(0, |d| d as usize), Ordering::Release);
            // SAFETY: the caller's guarantee.
            unsafe { key.write(i as pthread_key_t) };
            return 0;
        }
    }
    libc::EAGAIN
}

/// glibc's internal name of `pthread_key_create`, which libgcc's unwinder
/// looks for to know that the program has threads.
///
/// # Safety
/// As `pthread_key_create`.
#[no_mangle]
pub unsafe extern "C" fn __pthread_key_create(
    key: *mut pthread_key_t,
    dtor: Option<Dtor>,
) -> c_int {
    // SAFETY: the caller's guarantee.
    unsafe { pthread_key_create(key, dtor) }
}

/// `pthread_key_delete`: frees the key (its values are not destroyed).
#[no_mangle]
pub extern "C" fn pthread_key_delete(key: pthread_key_t) -> c_int {
    match KEY_USED.get(key as usize) {
        Some(used) if used.load(Ordering::Acquire) => {
            KEY_DTORS[key as usize].store(0, Ordering::Release);
            used.store(false, Ordering::Release);
            0
        }
        _ => libc::EINVAL,
    }
}

/// `pthread_getspecific`: the calling thread's value of `key`.
#[no_mangle]
pub extern "C" fn pthread_getspecific(key: pthread_key_t) -> *mut c_void {
    match (current(), KEY_USED.get(key as usize)) {
        (Some(r), Some(_)) => r.specific[key as usize].load(Ordering::Relaxed) as *mut c_void,
        _ => core::ptr::null_mut(),
    }
}

/// `pthread_setspecific`: sets the calling thread's value of `key`.
/// `EINVAL` for a key never created, `ENOMEM` if the thread has no record.
#[no_mangle]
pub extern "C" fn pthread_setspecific(key: pthread_key_t, value: *const c_void) -> c_int {
    match KEY_USED.get(key as usize) {
        Some(used) if used.load(Ordering::Acquire) => match current() {
            Some(r) => {
                r.specific[key as usize].store(value as usize, Ordering::Relaxed);
                0
            }
            None => libc::ENOMEM,
        },
        _ => libc::EINVAL,
    }
}

/// glibc's `__cxa_thread_atexit_impl`: `dtor(obj)` runs when the calling
/// thread ends (or at `exit`, for the thread that calls it), after the
/// ones registered later. std registers its thread-locals' destructors so.
///
/// # Safety
/// `dtor(obj)` must be safe to call on this thread at its end.
#[no_mangle]
pub unsafe extern "C" fn __cxa_thread_atexit_impl(
    dtor: Option<Dtor>,
    obj: *mut c_void,
    _dso: *mut c_void,
) -> c_int {
    let (Some(dtor), Some(r)) = (dtor, current()) else {
        return -1;
    };
    let mut dtors = r.dtors.lock();
    if dtors.try_reserve(1).is_err() {
        return -1;
    }
    dtors.push((dtor, obj as usize));
    0
}

/// Runs the calling thread's thread-local destructors (newest first, also
/// those they register), then the key destructors for its non-NULL values,
/// for up to four rounds: what a thread's end and `exit` do.
pub fn run_thread_destructors() {
    let Some(r) = current() else { return };
    loop {
        let Some((dtor, obj)) = r.dtors.lock().pop() else {
            break;
        };
        // SAFETY: registered for this thread by `__cxa_thread_atexit_impl`.
        unsafe { dtor(obj as *mut c_void) };
    }
    for _ in 0..DESTRUCTOR_ROUNDS {
        let mut ran = false;
        for (i, value) in r.specific.iter().enumerate() {
            let dtor = KEY_DTORS[i].load(Ordering::Acquire);
            let v = value.load(Ordering::Relaxed);
            if dtor != 0 && v != 0 && KEY_USED[i].load(Ordering::Acquire) {
                value.store(0, Ordering::Relaxed);
                // SAFETY: a destructor given to `pthread_key_create`.
                unsafe { core::mem::transmute::<usize, Dtor>(dtor)(v as *mut c_void) };
                ran = true;
            }
        }
        if !ran {
            break;
        }
    }
}

/// The state word of a mutex: the first `int` of `pthread_mutex_t` (all
/// zero is `PTHREAD_MUTEX_INITIALIZER`, an unlocked normal mutex).
/// 0 unlocked, 1 locked, 2 locked with waiters.
struct MutexWords {
    state: AtomicI32,
    /// `PTHREAD_MUTEX_RECURSIVE` or another kind.
    kind: AtomicI32,
    /// The recursive owner (a `pthread_t`) and its count.
    owner: AtomicUsize,
    count: AtomicUsize,
}
const _: () =
    assert!(core::mem::size_of::<MutexWords>() <= core::mem::size_of::<pthread_mutex_t>());

fn mutex(m: *mut pthread_mutex_t) -> Option<&'static MutexWords> {
    // SAFETY: a non-null `pthread_mutex_t` is 40 bytes, 8-aligned, and
    // every word of it is accessed atomically here.
    (!m.is_null()).then(|| unsafe { &*(m as *const MutexWords) })
}

/// `pthread_mutex_init`: unlocked; recursive if the attributes say so.
///
/// # Safety
/// `m` must point to a `pthread_mutex_t`; `a` be NULL or initialised.
#[no_mangle]
pub unsafe extern "C" fn pthread_mutex_init(
    m: *mut pthread_mutex_t,
    a: *const pthread_mutexattr_t,
) -> c_int {
    let Some(w) = mutex(m) else {
        return libc::EINVAL;
    };
    // SAFETY: the caller's guarantee; the kind is the attribute's first int.
    let kind = if a.is_null() {
        0
    } else {
        unsafe { *(a as *const c_int) }
    };
    w.state.store(0, Ordering::Relaxed);
    w.kind.store(kind, Ordering::Relaxed);
    w.owner.store(0, Ordering::Relaxed);
    w.count.store(0, Ordering::Release);
    0
}

/// `pthread_mutex_destroy`: `EBUSY` while locked.
#[no_mangle]
pub extern "C" fn pthread_mutex_destroy(m: *mut pthread_mutex_t) -> c_int {
    match mutex(m) {
        Some(w) if w.state.load(Ordering::Relaxed) != 0 => libc::EBUSY,
        Some(_) => 0,
        None => libc::EINVAL,
    }
}

/// `pthread_mutex_lock`: sleeps on the futex while another thread holds
/// the mutex; a recursive mutex counts its owner's locks.
#[no_mangle]
pub extern "C" fn pthread_mutex_lock(m: *mut pthread_mutex_t) -> c_int {
    let Some(w) = mutex(m) else {
        return libc::EINVAL;
    };
    let me = pthread_self() as usize;
    let recursive = w.kind.load(Ordering::Relaxed) == libc::PTHREAD_MUTEX_RECURSIVE;
    if recursive && w.owner.load(Ordering::Relaxed) == me {
        w.count.fetch_add(1, Ordering::Relaxed);
        return 0;
    }
    if w.state
        .compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed)
        .is_err()
    {
        while w.state.swap(2, Ordering::Acquire) != 0 {
            crate::futex::wait(&w.state, 2, None);
        }
    }
    if recursive {
        w.owner.store(me, Ordering::Relaxed);
        w.count.store(1, Ordering::Relaxed);
    }
    0
}

/// `pthread_mutex_trylock`: `EBUSY` if held.
#[no_mangle]
pub extern "C" fn pthread_mutex_trylock(m: *mut pthread_mutex_t) -> c_int {
    let Some(w) = mutex(m) else {
        return libc::EINVAL;
    };
    let me = pthread_self() as usize;
    let recursive = w.kind.load(Ordering::Relaxed) == libc::PTHREAD_MUTEX_RECURSIVE;
    if recursive && w.owner.load(Ordering::Relaxed) == me {
        w.count.fetch_add(1, Ordering::Relaxed);
        return 0;
    }
    if w.state
        .compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed)
        .is_err()
    {
        return libc::EBUSY;
    }
    if recursive {
        w.owner.store(me, Ordering::Relaxed);
        w.count.store(1, Ordering::Relaxed);
    }
    0
}

/// `pthread_mutex_unlock`: wakes one waiter if there are any.
#[no_mangle]
pub extern "C" fn pthread_mutex_unlock(m: *mut pthread_mutex_t) -> c_int {
    let Some(w) = mutex(m) else {
        return libc::EINVAL;
    };
    if w.kind.load(Ordering::Relaxed) == libc::PTHREAD_MUTEX_RECURSIVE {
        if w.owner.load(Ordering::Relaxed) != pthread_self() as usize {
            return libc::EPERM;
        }
        if w.count.fetch_sub(1, Ordering::Relaxed) > 1 {
            return 0;
        }
        w.owner.store(0, Ordering::Relaxed);
    }
    if w.state.swap(0, Ordering::Release) == 2 {
        crate::futex::wake(&w.state, 1);
    }
    0
}

/// `pthread_mutexattr_init`: a normal mutex.
///
/// # Safety
/// `a` must point to a `pthread_mutexattr_t`.
#[no_mangle]
pub unsafe extern "C" fn pthread_mutexattr_init(a: *mut pthread_mutexattr_t) -> c_int {
    if a.is_null() {
        return libc::EINVAL;
    }
    // SAFETY: the caller's guarantee; the kind is its first int.
    unsafe { (a as *mut c_int).write(libc::PTHREAD_MUTEX_NORMAL) };
    0
}

/// `pthread_mutexattr_settype`: normal, error-checking (treated as normal)
/// or recursive.
///
/// # Safety
/// `a` must point to an initialised `pthread_mutexattr_t`.
#[no_mangle]
pub unsafe extern "C" fn pthread_mutexattr_settype(
    a: *mut pthread_mutexattr_t,
    kind: c_int,
) -> c_int {
    if a.is_null() || !(0..=3).contains(&kind) {
        return libc::EINVAL;
    }
    // SAFETY: the caller's guarantee.
    unsafe { (a as *mut c_int).write(kind) };
    0
}

/// `pthread_mutexattr_destroy`.
#[no_mangle]
pub extern "C" fn pthread_mutexattr_destroy(_a: *mut pthread_mutexattr_t) -> c_int {
    0
}

/// `pthread_once`: runs `f` once; threads that come while it runs wait
/// for it (on the futex).
///
/// # Safety
/// `once` must point to a `pthread_once_t` (`PTHREAD_ONCE_INIT`, 0).
#[no_mangle]
pub unsafe extern "C" fn pthread_once(
    once: *mut libc::pthread_once_t,
    f: Option<extern "C" fn()>,
) -> c_int {
    let Some(f) = f else { return libc::EINVAL };
    if once.is_null() {
        return libc::EINVAL;
    }
    // SAFETY: a `pthread_once_t` is an aligned int, accessed atomically.
    let state = unsafe { &*(once as *const AtomicI32) };
    const RUNNING: i32 = 1;
    const DONE: i32 = 2;
    loop {
        match state.compare_exchange(0, RUNNING, Ordering::Acquire, Ordering::Acquire) {
            Ok(_) => {
                f();
                state.store(DONE, Ordering::Release);
                crate::futex::wake(state, i32::MAX);
                return 0;
            }
            Err(DONE) => return 0,
            Err(s) => crate::futex::wait(state, s, None),
        }
    }
}
