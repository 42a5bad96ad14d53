//! What a caught panic hands back.

#[cfg(feature = "unwind")]
use alloc::{boxed::Box, string::String};
#[cfg(feature = "unwind")]
use core::any::Any;

/// The payload of a panic that [`crate::catch_unwind`] caught.
///
/// With the `unwind` feature it holds the panic's message; without it no
/// panic is ever caught, so no value of this type exists.
pub struct PanicPayload {
    #[cfg(feature = "unwind")]
    pub(crate) inner: Box<dyn Any + Send>,
    #[cfg(not(feature = "unwind"))]
    never: Never,
}

#[cfg(not(feature = "unwind"))]
enum Never {}

impl PanicPayload {
    /// The panic's message (what `panic!` formatted), if the payload is one.
    pub fn message(&self) -> Option<&str> {
        #[cfg(feature = "unwind")]
        {
            if let Some(s) = self.inner.downcast_ref::<String>() {
                return Some(s);
            }
            self.inner.downcast_ref::<&'static str>().copied()
        }
        #[cfg(not(feature = "unwind"))]
        match self.never {}
    }
}

impl core::fmt::Debug for PanicPayload {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.message() {
            Some(m) => f.debug_tuple("PanicPayload").field(&m).finish(),
            None => f.write_str("PanicPayload(..)"),
        }
    }
}
