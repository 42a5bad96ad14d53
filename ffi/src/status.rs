//! Status codes returned by the C ABI.
//!
//! The values are negative errno numbers **of newlib**, the C library the
//! guests link (`errno = -status`; newlib's numbers are not Linux's: its
//! `ENOSYS` is 88, its `EDEADLK` 45), so a C library's system-call glue
//! maps them without a table; `c-newlib/syscalls.c` checks every one of
//! them against newlib's `<errno.h>` when it is compiled. Kernel errors
//! that have no errno of their own are `SUBSTRATE_ESEL4_BASE - seL4_Error`,
//! each exported by name (`SUBSTRATE_ESEL4_DELETE_FIRST`, ...).

use sel4::sys;

/// Success.
pub const SUBSTRATE_OK: i32 = 0;
/// A bad argument: null pointer, bad length or alignment, unknown flag, a
/// value too wide for its kernel field (`EINVAL`, 22).
pub const SUBSTRATE_EINVAL: i32 = -22;
/// Out of memory: heap, untyped memory or capability slots (`ENOMEM`, 12).
pub const SUBSTRATE_ENOMEM: i32 = -12;
/// Not implemented on this kernel or configuration, or the runtime has
/// not started (`ENOSYS`, 88 in newlib).
pub const SUBSTRATE_ENOSYS: i32 = -88;
/// A capability argument C cannot use (`EBADF`'s number, 9): of the wrong
/// type, an empty slot, or a slot that is not one of C's own (the
/// runtime's capabilities; see `substrate_cnode_delete`).
pub const SUBSTRATE_EBADCAP: i32 = -9;
/// Try again: the resource is busy (`EAGAIN`, 11), e.g. a mutex already held.
pub const SUBSTRATE_EAGAIN: i32 = -11;
/// A bad address (`EFAULT`, 14): a pointer that does not point into
/// memory the program can use as the call needs (unmapped, in the kernel's
/// half), or, from `substrate_thread_join`, a thread that faulted.
pub const SUBSTRATE_EFAULT: i32 = -14;
/// The object is in use (`EBUSY`, 16): e.g. initialising a mutex that is
/// initialised already, destroying one that is held.
pub const SUBSTRATE_EBUSY: i32 = -16;
/// The calling thread would wait for itself (`EDEADLK`, 45 in newlib): it
/// holds the mutex already, or joins its own handle.
pub const SUBSTRATE_EDEADLK: i32 = -45;
/// A slot or address that C may not use: outside the ranges the runtime
/// gives C (`EPERM`, 1), e.g. the runtime's own capability slots.
pub const SUBSTRATE_EPERM: i32 = -1;
/// The peer's side of a shared ring is impossible (`EPROTO`, 71 in
/// newlib): its index implies more entries than the ring holds.
pub const SUBSTRATE_EPROTO: i32 = -71;
/// A descriptor names bytes outside its data region (`ERANGE`, 34); it was
/// consumed, so the next one can be read.
pub const SUBSTRATE_ERANGE: i32 = -34;
/// No room: a full ring (`ENOBUFS`, 105 in newlib).
pub const SUBSTRATE_ENOBUFS: i32 = -105;
/// Base of kernel errors without an errno: the code is
/// `SUBSTRATE_ESEL4_BASE - seL4_Error` (e.g. `seL4_RangeError` = 4 gives -1004).
pub const SUBSTRATE_ESEL4_BASE: i32 = -1000;
/// `SUBSTRATE_ESEL4_BASE - seL4_InvalidArgument`.
pub const SUBSTRATE_ESEL4_INVALID_ARGUMENT: i32 = -1001;
/// `SUBSTRATE_ESEL4_BASE - seL4_InvalidCapability` (reported as
/// `SUBSTRATE_EBADCAP` where the capability is the caller's argument).
pub const SUBSTRATE_ESEL4_INVALID_CAPABILITY: i32 = -1002;
/// `SUBSTRATE_ESEL4_BASE - seL4_IllegalOperation`.
pub const SUBSTRATE_ESEL4_ILLEGAL_OPERATION: i32 = -1003;
/// `SUBSTRATE_ESEL4_BASE - seL4_RangeError`.
pub const SUBSTRATE_ESEL4_RANGE_ERROR: i32 = -1004;
/// `SUBSTRATE_ESEL4_BASE - seL4_AlignmentError`.
pub const SUBSTRATE_ESEL4_ALIGNMENT_ERROR: i32 = -1005;
/// `SUBSTRATE_ESEL4_BASE - seL4_FailedLookup` (reported as
/// `SUBSTRATE_EBADCAP` where the lookup is of the caller's argument).
pub const SUBSTRATE_ESEL4_FAILED_LOOKUP: i32 = -1006;
/// `SUBSTRATE_ESEL4_BASE - seL4_TruncatedMessage`.
pub const SUBSTRATE_ESEL4_TRUNCATED_MESSAGE: i32 = -1007;
/// `SUBSTRATE_ESEL4_BASE - seL4_DeleteFirst`: the destination slot or
/// address is occupied.
pub const SUBSTRATE_ESEL4_DELETE_FIRST: i32 = -1008;
/// `SUBSTRATE_ESEL4_BASE - seL4_RevokeFirst`.
pub const SUBSTRATE_ESEL4_REVOKE_FIRST: i32 = -1009;

// The names above are the kernel's numbers (stable since seL4's first
// release, but checked against the kernel being built for).
const _: () = {
    assert!(SUBSTRATE_ESEL4_INVALID_ARGUMENT == -1000 - sys::seL4_InvalidArgument as i32);
    assert!(SUBSTRATE_ESEL4_INVALID_CAPABILITY == -1000 - sys::seL4_InvalidCapability as i32);
    assert!(SUBSTRATE_ESEL4_ILLEGAL_OPERATION == -1000 - sys::seL4_IllegalOperation as i32);
    assert!(SUBSTRATE_ESEL4_RANGE_ERROR == -1000 - sys::seL4_RangeError as i32);
    assert!(SUBSTRATE_ESEL4_ALIGNMENT_ERROR == -1000 - sys::seL4_AlignmentError as i32);
    assert!(SUBSTRATE_ESEL4_FAILED_LOOKUP == -1000 - sys::seL4_FailedLookup as i32);
    assert!(SUBSTRATE_ESEL4_TRUNCATED_MESSAGE == -1000 - sys::seL4_TruncatedMessage as i32);
    assert!(SUBSTRATE_ESEL4_DELETE_FIRST == -1000 - sys::seL4_DeleteFirst as i32);
    assert!(SUBSTRATE_ESEL4_REVOKE_FIRST == -1000 - sys::seL4_RevokeFirst as i32);
};

/// The kernel's number for `e` (`seL4_Error`).
fn sel4_code(e: sel4::Error) -> u32 {
    #[allow(clippy::unnecessary_cast)]
    let code = match e {
        sel4::Error::InvalidArgument => sys::seL4_InvalidArgument as u32,
        sel4::Error::InvalidCapability => sys::seL4_InvalidCapability as u32,
        sel4::Error::IllegalOperation => sys::seL4_IllegalOperation as u32,
        sel4::Error::RangeError => sys::seL4_RangeError as u32,
        sel4::Error::AlignmentError => sys::seL4_AlignmentError as u32,
        sel4::Error::FailedLookup => sys::seL4_FailedLookup as u32,
        sel4::Error::TruncatedMessage => sys::seL4_TruncatedMessage as u32,
        sel4::Error::DeleteFirst => sys::seL4_DeleteFirst as u32,
        sel4::Error::RevokeFirst => sys::seL4_RevokeFirst as u32,
        sel4::Error::NotEnoughMemory => sys::seL4_NotEnoughMemory as u32,
        sel4::Error::Unknown(c) => c,
    };
    code
}

/// The status for a kernel error: `seL4_InvalidCapability` and
/// `seL4_FailedLookup` are [`SUBSTRATE_EBADCAP`], `seL4_NotEnoughMemory` is
/// [`SUBSTRATE_ENOMEM`], anything else `SUBSTRATE_ESEL4_BASE - code`.
pub fn from_sel4(e: sel4::Error) -> i32 {
    match e {
        sel4::Error::InvalidCapability | sel4::Error::FailedLookup => SUBSTRATE_EBADCAP,
        sel4::Error::NotEnoughMemory => SUBSTRATE_ENOMEM,
        other => kernel_error(other),
    }
}

/// `SUBSTRATE_ESEL4_BASE - seL4_Error` for any kernel error, also for those
/// [`from_sel4`] gives an errno (for a caller whose own checks already rule
/// out the errno's meaning).
pub fn kernel_error(e: sel4::Error) -> i32 {
    let code = i32::try_from(sel4_code(e)).unwrap_or(i32::MAX - 1000);
    SUBSTRATE_ESEL4_BASE.saturating_sub(code)
}

/// The status for an object-allocator error.
pub fn from_alloc(e: sel4_object_allocator::AllocError) -> i32 {
    match e {
        sel4_object_allocator::AllocError::OutOfSlots
        | sel4_object_allocator::AllocError::OutOfMemory => SUBSTRATE_ENOMEM,
        sel4_object_allocator::AllocError::Kernel(e) => from_sel4(e),
    }
}

/// The status of a result whose error is already a status:
/// [`SUBSTRATE_OK`] for `Ok`.
pub fn code(r: Result<(), i32>) -> i32 {
    r.err().unwrap_or(SUBSTRATE_OK)
}

/// The status of a kernel result.
pub fn status(r: sel4::Result<()>) -> i32 {
    match r {
        Ok(()) => SUBSTRATE_OK,
        Err(e) => from_sel4(e),
    }
}
