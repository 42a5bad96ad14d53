//! The program break for a C library's `sbrk` (newlib's `malloc` grows its
//! heap through it).
//!
//! The break moves within one contiguous virtual region reserved for it,
//! [`SUBSTRATE_SBRK_BASE`] .. `+ SUBSTRATE_SBRK_SIZE` (the size chosen when
//! the library is built: environment variable `SUBSTRATE_FFI_SBRK_SIZE`,
//! default 128 MiB). Memory behind it is mapped on demand, in 2 MiB frames
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
    crate::runtime::config(option_env!("SUBSTRATE_FFI_SBRK_SIZE"), 128 << 20)
        .next_multiple_of(LARGE);
/// Where the `sbrk` region starts (64 GiB, far above the image).
pub const SUBSTRATE_SBRK_BASE: usize = 0x10_0000_0000;

const LARGE: usize = 1 << sel4::sys::seL4_LargePageBits;

/// The break and how much of the region is mapped, both as offsets.
struct Break {
    brk: usize,
    mapped: usize,
}

static BREAK: spin::Mutex<Break> = spin::Mutex::new(Break { brk: 0, mapped: 0 });

/// Maps one 2 MiB frame at `vaddr`, creating the page directory and PDPT
/// that cover it when they are missing.
fn map_large(objects: &mut ObjectAllocator, vaddr: usize) -> Result<(), AllocError> {
    let frame: cap::Frame = objects.allocate(ObjectType::Frame(FrameSize::Large), 0)?;
    let vspace = init_thread::VSPACE;
    let map = || frame.map(vspace, vaddr, CapRights::read_write(), sel4::VM_DEFAULT);
    for _ in 0..3 {
        match map() {
            Ok(()) => return Ok(()),
            Err(sel4::Error::FailedLookup) => {}
            Err(e) => {
                let _ = objects.delete(frame.cptr());
                return Err(e.into());
            }
        }
        // A level is missing: a page directory, or the PDPT above it.
        let pd: cap::PageDirectory = objects.allocate(ObjectType::PageDirectory, 0)?;
        match pd.map(vspace, vaddr, sel4::VM_DEFAULT) {
            Ok(()) => continue,
            Err(sel4::Error::FailedLookup) => {
                let pdpt: cap::Pdpt = objects.allocate(ObjectType::Pdpt, 0)?;
                pdpt.map(vspace, vaddr, sel4::VM_DEFAULT)?;
                pd.map(vspace, vaddr, sel4::VM_DEFAULT)?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    map().map_err(|e| {
        let _ = objects.delete(frame.cptr());
        e.into()
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
    }
    b.brk = new;
    (SUBSTRATE_SBRK_BASE + old) as *mut c_void
}
