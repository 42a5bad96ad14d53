//! Status codes returned by the C ABI.
//!
//! The values are negative Linux errno numbers (`errno = -status`), so a C
//! library's system-call glue maps them without a table. Kernel errors that
//! have no errno of their own are `SUBSTRATE_ESEL4_BASE - seL4_Error`.

use sel4::sys;

/// Success.
pub const SUBSTRATE_OK: i32 = 0;
/// A bad argument: null pointer, bad length or alignment, unknown flag (`EINVAL`).
pub const SUBSTRATE_EINVAL: i32 = -22;
/// Out of memory: heap, untyped memory or capability slots (`ENOMEM`).
pub const SUBSTRATE_ENOMEM: i32 = -12;
/// Not implemented on this kernel or configuration (`ENOSYS`).
pub const SUBSTRATE_ENOSYS: i32 = -38;
/// A capability of the wrong type, or an empty slot (`EBADF`'s number).
pub const SUBSTRATE_EBADCAP: i32 = -9;
/// Try again: the resource is busy (`EAGAIN`), e.g. a mutex already held.
pub const SUBSTRATE_EAGAIN: i32 = -11;
/// Base of kernel errors without an errno: the code is
/// `SUBSTRATE_ESEL4_BASE - seL4_Error` (e.g. `seL4_RangeError` = 4 gives -1004).
pub const SUBSTRATE_ESEL4_BASE: i32 = -1000;

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
