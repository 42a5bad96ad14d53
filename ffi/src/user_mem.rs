//! Checks of the pointers C hands to the C ABI.
//!
//! A C program can pass any address. Before the C ABI reads or writes
//! through a pointer it checks that the whole range lies in memory the
//! program has mapped for that use, and returns `SUBSTRATE_EFAULT`
//! otherwise, so that a bad pointer is an error for the caller and not a
//! fault of the runtime's code. The runtime knows every region it maps:
//!
//! * the image (code, data, `.bss`: the heap, the initial stack, TLS
//!   blocks), from the linker script's `__image_start` .. `__image_end`,
//!   mapped read-write as one segment;
//! * the stacks and IPC buffers of the threads `substrate-thread` runs
//!   ([`substrate_thread::is_thread_memory`]);
//! * the part of the `sbrk` region mapped so far ([`crate::sbrk`]);
//! * the frames C mapped through `substrate_frame_map`, read-only or
//!   read-write as it mapped them ([`crate::sel4ops`]);
//! * in a system component, its stack and the memory regions its
//!   description maps, with their rights ([`crate::system`]).
//!
//! Anything else (null, the kernel's half, unmapped holes, guard pages, a
//! range that wraps around) is refused. The check covers the C ABI's own
//! accesses only: what C does with a pointer is C's business.

use crate::status::SUBSTRATE_EFAULT;
use core::ops::Range;
use substrate_ffi_checks::{byte_range, within};

/// What the C ABI does through a pointer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reads it.
    Read,
    /// Writes it (and may read it).
    Write,
}

/// The image's extent, from the linker script.
fn image() -> Range<usize> {
    extern "C" {
        static __image_start: u8;
        static __image_end: u8;
    }
    // Only the symbols' addresses are taken (no access); the linker script
    // defines both for every image.
    (&raw const __image_start) as usize..(&raw const __image_end) as usize
}

/// Checks that C memory `p .. p + len` can be accessed as `access` by the
/// C ABI: `SUBSTRATE_EFAULT` if not. A zero length needs no memory (any
/// pointer passes, as with `memcpy` of nothing, and is not dereferenced).
pub fn check(p: *const u8, len: usize, access: Access) -> Result<(), i32> {
    if len == 0 {
        return Ok(());
    }
    let range = byte_range(p as usize, len).ok_or(SUBSTRATE_EFAULT)?;
    if within(&range, &[image(), crate::sbrk::mapped_range()])
        || crate::system::is_region(&range, access == Access::Write)
        || substrate_thread::is_thread_memory(range.clone())
        || crate::sel4ops::is_c_mapped(&range, access == Access::Write)
    {
        Ok(())
    } else {
        Err(SUBSTRATE_EFAULT)
    }
}

/// [`check`] for one `T` at `p`, which must also be aligned for it
/// (`SUBSTRATE_EFAULT` if not, or if it is null).
pub fn check_obj<T>(p: *const T, access: Access) -> Result<(), i32> {
    if p.is_null() || !(p as usize).is_multiple_of(core::mem::align_of::<T>()) {
        return Err(SUBSTRATE_EFAULT);
    }
    check(p.cast(), core::mem::size_of::<T>(), access)
}

/// [`check`] for `n` values of `T` at `p` (aligned for `T`).
pub fn check_slice<T>(p: *const T, n: usize, access: Access) -> Result<(), i32> {
    if n > 0 && !(p as usize).is_multiple_of(core::mem::align_of::<T>()) {
        return Err(SUBSTRATE_EFAULT);
    }
    let bytes = n
        .checked_mul(core::mem::size_of::<T>())
        .ok_or(SUBSTRATE_EFAULT)?;
    check(p.cast(), bytes, access)
}
