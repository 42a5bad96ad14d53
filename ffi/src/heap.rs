//! C's allocation functions over the image's Rust global allocator.
//!
//! Rust's allocator needs the layout of a block to free it; C's `free`
//! passes only the pointer. Each block therefore carries a 16-byte header
//! right before the pointer handed to C, holding the requested size and the
//! alignment. The header is only believed for a pointer that is a live
//! block: the allocator keeps the addresses of the blocks it handed to C
//! and not yet got back (`LIVE`), and `free` or `realloc` of any other
//! pointer (not from this allocator, inside a block, freed already, a
//! block's old address after `realloc` moved it) is reported on the console
//! and ignored, so that the heap is never corrupted by it. What no
//! allocator can tell: a block freed and then handed out again has the same
//! address as before, so freeing the old pointer a second time frees the
//! new block.

use crate::status::*;
use alloc::alloc::{alloc, alloc_zeroed, dealloc, realloc, Layout};
use alloc::vec::Vec;
use core::ffi::c_void;
use core::ptr::{self, null_mut};

/// Bytes of the header before each block (also the minimum alignment).
const HEADER: usize = 16;
/// Marks a live header.
const MAGIC: u32 = 0x5ab5_7a7e;
/// The page size of `substrate_pages_alloc` (`seL4_PageBits`).
pub const SUBSTRATE_PAGE_SIZE: usize = 4096;
const _: () = assert!(SUBSTRATE_PAGE_SIZE == 1 << sel4::sys::seL4_PageBits);

#[repr(C)]
struct Header {
    size: usize,
    align: u32,
    magic: u32,
}

/// The layout of the whole block (header space + `size`) for alignment
/// `align` (a power of two, at least `HEADER`), and the offset of the user
/// pointer in it.
fn block_layout(size: usize, align: usize) -> Option<(Layout, usize)> {
    let offset = align.max(HEADER);
    let total = size.checked_add(offset)?;
    Some((Layout::from_size_align(total, offset).ok()?, offset))
}

/// The addresses of the live C blocks, sorted: what `free` and `realloc`
/// check a pointer against. Held for a search and an insertion or removal
/// only (no system call; its own growth comes from the global allocator,
/// which does not take this lock). A `Vec` with `try_reserve`, so that a
/// full heap is a failed allocation, not an abort.
static LIVE: spin::Mutex<Vec<usize>> = spin::Mutex::new(Vec::new());

/// Whether `p` is a live block (its index in [`LIVE`] if so).
fn live_index(live: &[usize], p: usize) -> Result<usize, usize> {
    live.binary_search(&p)
}

/// Allocates a block of `size` bytes aligned to `align` (power of two).
fn allocate(size: usize, align: usize, zeroed: bool) -> *mut c_void {
    let mut live = LIVE.lock();
    if live.try_reserve(1).is_err() {
        return null_mut();
    }
    let user = allocate_unrecorded(size, align, zeroed);
    if !user.is_null() {
        if let Err(i) = live_index(&live, user as usize) {
            live.insert(i, user as usize);
        }
    }
    user
}

/// [`allocate`] without recording the block.
fn allocate_unrecorded(size: usize, align: usize, zeroed: bool) -> *mut c_void {
    let align = align.max(HEADER);
    let Ok(align32) = u32::try_from(align) else {
        return null_mut();
    };
    let Some((layout, offset)) = block_layout(size, align) else {
        return null_mut();
    };
    // SAFETY: the layout's size is at least HEADER, so non-zero.
    let base = unsafe {
        if zeroed {
            alloc_zeroed(layout)
        } else {
            alloc(layout)
        }
    };
    if base.is_null() {
        return null_mut();
    }
    // SAFETY: `offset` <= layout size, and the header's 16 bytes lie between
    // `base` and the user pointer; both are suitably aligned.
    unsafe {
        let user = base.add(offset);
        (user.sub(HEADER) as *mut Header).write(Header {
            size,
            align: align32,
            magic: MAGIC,
        });
        user as *mut c_void
    }
}

/// Reads the header of the live C block `p` (checked against [`LIVE`]
/// first, so that nothing is read through another pointer); `None` (after
/// printing a report) for a pointer that is not a live block.
fn header(live: &[usize], p: *mut c_void, what: &str) -> Option<(usize, usize)> {
    if live_index(live, p as usize).is_err() {
        sel4::debug_println!("{what}: invalid pointer or double free {p:p} ignored");
        return None;
    }
    // SAFETY: `p` is a live block, which `allocate` gave a header.
    let h = unsafe { ptr::read((p as *mut u8).sub(HEADER) as *const Header) };
    if h.magic != MAGIC || !(h.align as usize).is_power_of_two() {
        sel4::debug_println!("{what}: invalid pointer or double free {p:p} ignored");
        return None;
    }
    Some((h.size, h.align as usize))
}

/// C `malloc`: `size` bytes aligned to 16, or NULL when the heap cannot
/// satisfy the request. `malloc(0)` returns a unique pointer that can be
/// freed. Allocates from the image's global allocator (`StaticHeap`).
#[no_mangle]
pub extern "C" fn substrate_malloc(size: usize) -> *mut c_void {
    allocate(size, HEADER, false)
}

/// C `calloc`: `n * size` zeroed bytes, or NULL when the product overflows
/// or the heap cannot satisfy the request.
#[no_mangle]
pub extern "C" fn substrate_calloc(n: usize, size: usize) -> *mut c_void {
    match n.checked_mul(size) {
        Some(total) => allocate(total, HEADER, true),
        None => null_mut(),
    }
}

/// C `aligned_alloc`: `size` bytes aligned to `align`, or NULL when `align`
/// is not a power of two (C's invalid alignment; errno `EINVAL`) or memory
/// runs out. Any `size` is accepted (C17 dropped the multiple-of-`align`
/// rule); alignments below 16 give 16.
#[no_mangle]
pub extern "C" fn substrate_aligned_alloc(align: usize, size: usize) -> *mut c_void {
    if !align.is_power_of_two() {
        return null_mut();
    }
    allocate(size, align, false)
}

/// C `free`: releases a block from `substrate_malloc`, `_calloc`, `_realloc`
/// or `_aligned_alloc`. `free(NULL)` does nothing. A pointer that is not a
/// live block (from elsewhere, inside a block, freed before, the old
/// address of a block `realloc` moved) is reported on the console and
/// ignored; the heap is untouched.
///
/// # Safety
/// `p` must be NULL or a pointer returned by one of those functions (any
/// other pointer is detected, see the module documentation).
#[no_mangle]
pub unsafe extern "C" fn substrate_free(p: *mut c_void) {
    if p.is_null() {
        return;
    }
    let mut live = LIVE.lock();
    let Some((size, align)) = header(&live, p, "substrate_free") else {
        return;
    };
    let Some((layout, offset)) = block_layout(size, align) else {
        return;
    };
    if let Ok(i) = live_index(&live, p as usize) {
        live.remove(i);
    }
    // SAFETY: the header describes the block as it was allocated; the magic
    // is cleared so a second free is detected.
    unsafe {
        let h = (p as *mut u8).sub(HEADER) as *mut Header;
        (*h).magic = 0;
        dealloc((p as *mut u8).sub(offset), layout);
    }
}

/// C `realloc`: resizes a block, keeping its contents up to the smaller
/// size. `realloc(NULL, n)` is `malloc(n)`; `realloc(p, 0)` returns a
/// minimal block (like `malloc(0)`) and releases `p`. On failure returns
/// NULL and leaves `p` untouched. A `p` that is not a live block is
/// reported and gives NULL, as for `substrate_free`.
///
/// # Safety
/// `p` must be NULL or a live block from this allocator.
#[no_mangle]
pub unsafe extern "C" fn substrate_realloc(p: *mut c_void, size: usize) -> *mut c_void {
    if p.is_null() {
        return substrate_malloc(size);
    }
    let mut live = LIVE.lock();
    let Some((old_size, align)) = header(&live, p, "substrate_realloc") else {
        return null_mut();
    };
    let (Some((old_layout, offset)), Some((new_layout, _))) =
        (block_layout(old_size, align), block_layout(size, align))
    else {
        return null_mut();
    };
    // SAFETY: `old_layout` is the block's layout; the new size is non-zero
    // and was checked to fit a Layout with the same alignment.
    let base = unsafe { realloc((p as *mut u8).sub(offset), old_layout, new_layout.size()) };
    if base.is_null() {
        return null_mut();
    }
    // SAFETY: the block now spans the new layout; the header keeps its place.
    let user = unsafe {
        let user = base.add(offset);
        (*(user.sub(HEADER) as *mut Header)).size = size;
        user
    };
    // The old address goes, the new one comes: the list does not grow, so
    // this cannot fail.
    if let Ok(i) = live_index(&live, p as usize) {
        live.remove(i);
    }
    if let Err(i) = live_index(&live, user as usize) {
        live.insert(i, user as usize);
    }
    user as *mut c_void
}

/// Live page allocations: (address, pages). A `Vec` with `try_reserve`
/// rather than a map so that running out of heap is an error, not an abort.
static PAGES: substrate_sync::Mutex<Vec<(usize, usize)>> = substrate_sync::Mutex::new(Vec::new());

/// Gives the page allocations' lock (a notification mutex: held across
/// maps) its notification (see `runtime`).
pub(crate) fn set_lock_notification(
    n: sel4::cap::Notification,
) -> Result<(), sel4::cap::Notification> {
    PAGES.set_notification(n)
}

/// Allocates `npages` zeroed pages of `SUBSTRATE_PAGE_SIZE` bytes, aligned to
/// a page, from the heap. NULL when `npages` is 0 or too large, or memory
/// runs out.
#[no_mangle]
pub extern "C" fn substrate_pages_alloc(npages: usize) -> *mut c_void {
    if npages == 0 {
        return null_mut();
    }
    let Some(size) = npages.checked_mul(SUBSTRATE_PAGE_SIZE) else {
        return null_mut();
    };
    let Ok(layout) = Layout::from_size_align(size, SUBSTRATE_PAGE_SIZE) else {
        return null_mut();
    };
    let mut pages = PAGES.lock();
    if pages.try_reserve(1).is_err() {
        return null_mut();
    }
    // SAFETY: the layout has a non-zero size.
    let p = unsafe { alloc_zeroed(layout) };
    if !p.is_null() {
        pages.push((p as usize, npages));
    }
    p as *mut c_void
}

/// Frees pages from [`substrate_pages_alloc`]. `SUBSTRATE_EINVAL` when `p`
/// is NULL or not a live page allocation (never allocated, freed already)
/// or `npages` differs from the allocation's count; nothing is freed then.
///
/// # Safety
/// No pointer into the pages may be used after a successful call.
#[no_mangle]
pub unsafe extern "C" fn substrate_pages_free(p: *mut c_void, npages: usize) -> i32 {
    if p.is_null() {
        return SUBSTRATE_EINVAL;
    }
    let mut pages = PAGES.lock();
    let Some(i) = pages
        .iter()
        .position(|&(a, n)| a == p as usize && n == npages)
    else {
        return SUBSTRATE_EINVAL;
    };
    pages.swap_remove(i);
    // The allocation succeeded with this layout, so it is valid.
    let Some(Ok(layout)) = npages
        .checked_mul(SUBSTRATE_PAGE_SIZE)
        .map(|size| Layout::from_size_align(size, SUBSTRATE_PAGE_SIZE))
    else {
        return SUBSTRATE_EINVAL;
    };
    // SAFETY: `p` was allocated with `layout` and is freed once (removed above).
    unsafe { dealloc(p as *mut u8, layout) };
    SUBSTRATE_OK
}
