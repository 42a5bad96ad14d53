//! seL4 error codes as a Rust type.

use crate::sys;
use core::fmt;

/// An error returned by a seL4 invocation (`seL4_Error`), one variant per
/// code the kernel defines. The numeric values come from the kernel's headers
/// through `sel4-sys`; nothing here depends on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// `seL4_InvalidArgument`: an argument is out of its legal set.
    InvalidArgument,
    /// `seL4_InvalidCapability`: a capability argument is of the wrong type or has the wrong rights.
    InvalidCapability,
    /// `seL4_IllegalOperation`: the operation is not allowed on this object or in this state.
    IllegalOperation,
    /// `seL4_RangeError`: an argument is outside the allowed range.
    RangeError,
    /// `seL4_AlignmentError`: an address or size is not suitably aligned.
    AlignmentError,
    /// `seL4_FailedLookup`: a capability address could not be resolved (e.g. an empty slot).
    FailedLookup,
    /// `seL4_TruncatedMessage`: the message had too few arguments or capabilities.
    TruncatedMessage,
    /// `seL4_DeleteFirst`: the destination slot is not empty.
    DeleteFirst,
    /// `seL4_RevokeFirst`: the object has derived capabilities that must be revoked first.
    RevokeFirst,
    /// `seL4_NotEnoughMemory`: the untyped region has too little free memory.
    NotEnoughMemory,
    /// A code this crate does not know (from a newer kernel).
    Unknown(u32),
}

/// `core::result::Result` with [`Error`].
pub type Result<T> = core::result::Result<T, Error>;

impl Error {
    /// Maps the error code of an invocation's reply (`seL4_Error`) to
    /// `Ok(())` for `seL4_NoError` and to the matching [`Error`] otherwise.
    pub fn check(code: sys::seL4_Error) -> Result<()> {
        #[allow(non_upper_case_globals)]
        let e = match code {
            sys::seL4_NoError => return Ok(()),
            sys::seL4_InvalidArgument => Error::InvalidArgument,
            sys::seL4_InvalidCapability => Error::InvalidCapability,
            sys::seL4_IllegalOperation => Error::IllegalOperation,
            sys::seL4_RangeError => Error::RangeError,
            sys::seL4_AlignmentError => Error::AlignmentError,
            sys::seL4_FailedLookup => Error::FailedLookup,
            sys::seL4_TruncatedMessage => Error::TruncatedMessage,
            sys::seL4_DeleteFirst => Error::DeleteFirst,
            sys::seL4_RevokeFirst => Error::RevokeFirst,
            sys::seL4_NotEnoughMemory => Error::NotEnoughMemory,
            // seL4_Error's integer type is whatever the C enum is.
            #[allow(clippy::unnecessary_cast)]
            other => Error::Unknown(other as u32),
        };
        Err(e)
    }

    /// The kernel's name for this error.
    pub fn name(&self) -> &'static str {
        match self {
            Error::InvalidArgument => "seL4_InvalidArgument",
            Error::InvalidCapability => "seL4_InvalidCapability",
            Error::IllegalOperation => "seL4_IllegalOperation",
            Error::RangeError => "seL4_RangeError",
            Error::AlignmentError => "seL4_AlignmentError",
            Error::FailedLookup => "seL4_FailedLookup",
            Error::TruncatedMessage => "seL4_TruncatedMessage",
            Error::DeleteFirst => "seL4_DeleteFirst",
            Error::RevokeFirst => "seL4_RevokeFirst",
            Error::NotEnoughMemory => "seL4_NotEnoughMemory",
            Error::Unknown(_) => "unknown seL4 error",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Unknown(code) => write!(f, "unknown seL4 error {code}"),
            e => f.write_str(e.name()),
        }
    }
}
