//! The program break for a C library's `sbrk` (newlib's `malloc` grows its
//! heap through it).
//!
//! The break moves within one contiguous virtual region reserved for it,
//! [`SUBSTRATE_SBRK_BASE`] .. `+ SUBSTRATE_SBRK_SIZE` (the size chosen when
//! the library is built: environment variable `SUBSTRATE_FFI_SBRK_SIZE`,
//! default 256 GiB of address space, so that the heap grows until the
//! machine's memory runs out, not to a fixed cap). Memory behind it is mapped on demand, in 2 MiB frames
//! retyped from untyped memory (`seL4_Untyped_Retype`,
//! `seL4_X86_Page_Map`), so a large region costs neither image size nor
//! capability slots until it is used. Fresh frames are zeroed by the
//! kernel. Memory given back with a negative increment stays mapped and
//! keeps its contents.

use crate::runtime::with_objects;
use core::ffi::c_void;
use sel4::{cap, init_thread, CapRights, FrameSize, ObjectType};
use sel4_object_allocator::{AllocError, ObjectAllocator};

/// Size of the `sbrk` region in bytes (a multiple of 2 MiB).
pub const SUBSTRATE_SBRK_SIZE: usize =
    crate::runtime::config(option_env!("SUBSTRATE_FFI_SBRK_SIZE"), 256 << 30)
        .next_multiple_of(LARGE);
/// Where the `sbrk` region starts (64 GiB, far above the image).
pub const SUBSTRATE_SBRK_BASE: usize = 0x10_0000_0000;

const LARGE: usize = 1 << sel4::sys::seL4_LargePageBits;

/// The break and how much of the region is mapped, both as offsets.
struct Break {
    brk: usize,
    mapped: usize,
    /// Bytes at the top of a premapped region taken by [`reserve_top`]:
    /// the break stays below them.
    reserved: usize,
}

/// Bytes of the region mapped so far (also in [`Break::mapped`]), readable
/// without the lock: for [`mapped_range`].
static MAPPED: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

/// In a system component: the heap the initializer mapped (start, size),
/// within which the break moves without mapping anything; (0, 0) in a
/// root task.
static PREMAPPED: spin::Once<(usize, usize)> = spin::Once::new();

/// Makes the break move within `base .. base + size`, memory mapped
/// read-write already (a system component's heap). Once, before the first
/// `sbrk`.
pub(crate) fn use_premapped(base: usize, size: usize) {
    PREMAPPED.call_once(|| (base, size));
}

/// The whole region the break moves in (start, size): the heap the
/// initializer mapped in a system component, else the reserved range at
/// [`SUBSTRATE_SBRK_BASE`].
pub fn region() -> (usize, usize) {
    PREMAPPED
        .get()
        .copied()
        .unwrap_or((SUBSTRATE_SBRK_BASE, SUBSTRATE_SBRK_SIZE))
}

/// The part of the `sbrk` region mapped so far (read-write memory).
pub fn mapped_range() -> core::ops::Range<usize> {
    if let Some(&(base, size)) = PREMAPPED.get() {
        return base..base + size;
    }
    let mapped = MAPPED.load(core::sync::atomic::Ordering::Acquire);
    SUBSTRATE_SBRK_BASE..SUBSTRATE_SBRK_BASE + mapped
}

/// Held across the maps of a growth: a notification mutex.
static BREAK: substrate_sync::Mutex<Break> = substrate_sync::Mutex::new(Break {
    brk: 0,
    mapped: 0,
    reserved: 0,
});

/// In a system component: takes `bytes` (a multiple of 4 KiB) from the top
/// of the heap the initializer mapped, for the runtime's own allocator
/// (the network stack's buffers), if the break is below them; their start.
/// The break never grows into them afterwards. `None` outside a component,
/// or if the heap has not that much room left above the break.
pub(crate) fn reserve_top(bytes: usize) -> Option<usize> {
    let &(base, size) = PREMAPPED.get()?;
    let mut b = BREAK.lock();
    let reserved = b.reserved.checked_add(bytes)?;
    if !bytes.is_multiple_of(4096) || b.brk.checked_add(reserved)? > size {
        return None;
    }
    b.reserved = reserved;
    Some(base + size - reserved)
}

/// Gives the break's lock its notification (see `runtime`).
pub(crate) fn set_lock_notification(n: cap::Notification) -> Result<(), cap::Notification> {
    BREAK.set_notification(n)
}

/// Maps a new 2 MiB frame at `vaddr` (`seL4_X86_Page_Map`), creating the
/// paging structures it needs (`ObjectAllocator::map_frame_sized`); on
/// failure the frame is deleted again.
fn map_large(objects: &mut ObjectAllocator, vaddr: usize) -> Result<(), AllocError> {
    let frame: cap::Frame = objects.allocate(ObjectType::Frame(FrameSize::Large), 0)?;
    let (vspace, rw) = (init_thread::VSPACE, CapRights::read_write());
    objects
        .map_frame_sized(vspace, frame, FrameSize::Large, vaddr, rw)
        .inspect_err(|_| {
            let _ = objects.delete(frame.cptr());
        })
}

/// C `sbrk`: moves the program break by `increment` bytes (negative values
/// give memory back) and returns the old break. Returns `(void *)-1` and
/// changes nothing when the break would leave the region or no memory can
/// be mapped for it. Safe to call from several threads.
#[no_mangle]
pub extern "C" fn substrate_sbrk(increment: isize) -> *mut c_void {
    const FAIL: *mut c_void = usize::MAX as *mut c_void;
    let mut b = BREAK.lock();
    let old = b.brk;
    if let Some(&(base, size)) = PREMAPPED.get() {
        let limit = size - b.reserved;
        return match old.checked_add_signed(increment).filter(|&n| n <= limit) {
            Some(new) => {
                b.brk = new;
                (base + old) as *mut c_void
            }
            None => FAIL,
        };
    }
    let Some(new) = old
        .checked_add_signed(increment)
        .filter(|&n| n <= SUBSTRATE_SBRK_SIZE)
    else {
        return FAIL;
    };
    while b.mapped < new {
        let at = SUBSTRATE_SBRK_BASE + b.mapped;
        if with_objects(|o| map_large(o, at).map_err(crate::status::from_alloc)).is_err() {
            return FAIL;
        }
        b.mapped += LARGE;
        MAPPED.store(b.mapped, core::sync::atomic::Ordering::Release);
    }
    b.brk = new;
    (SUBSTRATE_SBRK_BASE + old) as *mut c_void
}
