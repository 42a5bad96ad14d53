//! The malloc family, on the heap the Rust side of the program uses too.
//!
//! std's global allocator (`System`) is `malloc`, so every Rust allocation
//! of the program and of the substrate beneath it comes here: one
//! dlmalloc heap ([`FrameHeap`]) that starts on a 256 KiB arena inside the
//! image (for what the runtime allocates before it has set up the kernel
//! objects) and then grows on the program break: the region of
//! `substrate_sbrk` (`substrate-ffi`), which newlib's `malloc` grows for C
//! programs, mapped on demand in 2 MiB frames. A std program has no newlib,
//! so the heap is the break's only user. Running out of memory is a null
//! return (and `ENOMEM`), never a crash here.

use core::ffi::{c_int, c_void};
use core::ptr::null_mut;
use substrate_ffi::sbrk::substrate_sbrk;
use substrate_heap::{FrameHeap, PageSource, PAGE_SIZE};

/// The heap behind `malloc` and std's global allocator.
static HEAP: FrameHeap<{ 256 * 1024 }> = FrameHeap::new();

/// dlmalloc's alignment: what `malloc` guarantees.
const MIN_ALIGN: usize = 16;

/// Maps heap pages by moving the program break (`substrate_sbrk`).
struct ProgramBreak;

// SAFETY: `substrate_sbrk` hands out fresh, zeroed, read-write memory at
// the old break; `map_pages` reports pages only when the break was exactly
// at `vaddr`, so every page reported is mapped there and used by nothing
// else (the heap is the break's one user in a std program).
unsafe impl PageSource for ProgramBreak {
    fn map_pages(&mut self, vaddr: usize, pages: usize) -> usize {
        let Some(bytes) = pages
            .checked_mul(PAGE_SIZE)
            .and_then(|b| isize::try_from(b).ok())
        else {
            return 0;
        };
        let old = substrate_sbrk(0) as usize;
        if old != vaddr {
            // Someone else moved the break: the heap cannot grow there.
            return 0;
        }
        if substrate_sbrk(bytes) as usize == usize::MAX {
            return 0;
        }
        pages
    }

    fn growth_step(&self) -> usize {
        2 << 20
    }
}

/// Lets the heap grow on the program break once the runtime can map frames
/// (until then growths fail and the arena serves). Called by the entry.
pub fn attach_program_break() {
    static mut SOURCE: ProgramBreak = ProgramBreak;
    // SAFETY: called once, before any other thread exists; the source is
    // handed to the heap and never touched here again.
    let source: &'static mut dyn PageSource = unsafe { &mut *core::ptr::addr_of_mut!(SOURCE) };
    let (base, size) = substrate_ffi::sbrk::region();
    let _ = HEAP.set_source(base, size, source);
}

/// Gives the heap's growth lock a notification to sleep on (at start-up,
/// once the runtime can make one): a thread that needs to grow the heap
/// while another does then blocks instead of spinning.
pub fn attach_notification() {
    if let Ok(n) = crate::futex::new_notification() {
        if let Err(n) = HEAP.set_notification(n) {
            crate::futex::delete(n);
        }
    }
}

/// The result of an allocation: `p`, with `errno = ENOMEM` when it is null.
fn checked(p: *mut u8) -> *mut c_void {
    if p.is_null() {
        crate::errno::set(libc::ENOMEM);
    }
    p.cast()
}

/// C `malloc`: `size` bytes aligned to 16, or NULL with `ENOMEM`.
#[no_mangle]
pub extern "C" fn malloc(size: usize) -> *mut c_void {
    checked(HEAP.c_memalign(MIN_ALIGN, size))
}

/// C `calloc`: `n * size` zeroed bytes, or NULL with `ENOMEM` (also when
/// the product overflows).
#[no_mangle]
pub extern "C" fn calloc(n: usize, size: usize) -> *mut c_void {
    let Some(total) = n.checked_mul(size) else {
        crate::errno::set(libc::ENOMEM);
        return null_mut();
    };
    let p = HEAP.c_memalign(MIN_ALIGN, total);
    if !p.is_null() {
        // SAFETY: a fresh block of at least `total` bytes.
        unsafe { p.write_bytes(0, total) };
    }
    checked(p)
}

/// C `realloc`: the block resized (moved if need be) to `size` bytes, its
/// contents kept up to the smaller size; `realloc(NULL, n)` is `malloc(n)`.
/// NULL with `ENOMEM` when memory runs out, `p` then untouched.
///
/// # Safety
/// `p` must be NULL or a live block of this allocator.
#[no_mangle]
pub unsafe extern "C" fn realloc(p: *mut c_void, size: usize) -> *mut c_void {
    // SAFETY: the caller's guarantee.
    checked(unsafe { HEAP.c_realloc(p.cast(), size) })
}

/// C `free`; `free(NULL)` does nothing.
///
/// # Safety
/// `p` must be NULL or a live block of this allocator, not used again.
#[no_mangle]
pub unsafe extern "C" fn free(p: *mut c_void) {
    // SAFETY: the caller's guarantee.
    unsafe { HEAP.c_free(p.cast()) }
}

/// POSIX `posix_memalign`: `size` bytes aligned to `align` in `*out`.
/// Returns 0, `EINVAL` when `align` is not a power of two multiple of
/// `sizeof(void *)`, or `ENOMEM` (`*out` then untouched; `errno` unchanged,
/// as POSIX says).
///
/// # Safety
/// `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn posix_memalign(out: *mut *mut c_void, align: usize, size: usize) -> c_int {
    if !align.is_power_of_two()
        || !align.is_multiple_of(core::mem::size_of::<usize>())
        || out.is_null()
    {
        return libc::EINVAL;
    }
    let p = HEAP.c_memalign(align.max(MIN_ALIGN), size);
    if p.is_null() {
        return libc::ENOMEM;
    }
    // SAFETY: the caller's guarantee.
    unsafe { out.write(p.cast()) };
    0
}

/// C11 `aligned_alloc`: `size` bytes aligned to `align` (a power of two),
/// or NULL with `EINVAL` (bad alignment) or `ENOMEM`.
#[no_mangle]
pub extern "C" fn aligned_alloc(align: usize, size: usize) -> *mut c_void {
    if !align.is_power_of_two() {
        crate::errno::set(libc::EINVAL);
        return null_mut();
    }
    checked(HEAP.c_memalign(align.max(MIN_ALIGN), size))
}

/// glibc's `memalign`: as [`aligned_alloc`].
#[no_mangle]
pub extern "C" fn memalign(align: usize, size: usize) -> *mut c_void {
    aligned_alloc(align, size)
}
