//! `errno`: one per thread, in the thread's record ([`crate::pthread`]).

use core::ffi::c_int;
use core::sync::atomic::{AtomicI32, Ordering};

/// The `errno` of code that runs before its thread has a record, or when
/// the record cannot be made (the heap is full).
static FALLBACK: AtomicI32 = AtomicI32::new(0);

/// glibc's `__errno_location`: the address of the calling thread's `errno`.
#[no_mangle]
pub extern "C" fn __errno_location() -> *mut c_int {
    match crate::pthread::current() {
        Some(record) => record.errno.as_ptr(),
        None => FALLBACK.as_ptr(),
    }
}

/// Sets the calling thread's `errno`.
pub fn set(e: c_int) {
    // SAFETY: `__errno_location` gives this thread's errno, an `AtomicI32`.
    unsafe { (*(__errno_location() as *const AtomicI32)).store(e, Ordering::Relaxed) }
}

/// The calling thread's `errno`.
pub fn get() -> c_int {
    // SAFETY: as in `set`.
    unsafe { (*(__errno_location() as *const AtomicI32)).load(Ordering::Relaxed) }
}

/// Sets `errno` to `e` and gives -1, the failure value of most calls.
pub fn fail(e: c_int) -> c_int {
    set(e);
    -1
}

/// [`fail`] for the calls that return `ssize_t` or `long`.
pub fn fail_long(e: c_int) -> isize {
    set(e);
    -1
}

/// The errno for a substrate status (`SUBSTRATE_E*` are negative errno
/// values).
pub fn from_status(status: impl Into<i64>) -> c_int {
    let s = status.into();
    if (-4095..0).contains(&s) {
        (-s) as c_int
    } else {
        libc::EIO
    }
}
