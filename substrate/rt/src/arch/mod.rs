//! Architecture-specific pieces: reading and setting the thread pointer, and
//! the exit device. Only x86_64 exists today; other architectures add a
//! module here with the same functions.

#[cfg(target_arch = "x86_64")]
mod x86_64;
#[cfg(target_arch = "x86_64")]
pub use x86_64::*;
