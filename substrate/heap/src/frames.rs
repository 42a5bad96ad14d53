//! [`FrameHeap`]: dlmalloc over a virtual region that is backed by memory
//! mapped on demand.
//!
//! The heap starts on a small arena inside the image (so the runtime can
//! allocate before any seL4 object exists) and, once it has been given a
//! [`PageSource`] and a virtual region, grows by asking the source to map
//! more pages at the end of what is already mapped. The source is what knows
//! about seL4 (`substrate-heap-frames` retypes frames from untyped memory and
//! maps them); this module knows only addresses, so it is tested on the host.
//!
//! Growth runs *outside* dlmalloc's lock: the source may itself allocate
//! (bookkeeping in an object allocator) and is then served from the memory
//! the heap already has. An allocation that needs to grow the heap while a
//! growth is in progress (on this thread, from inside the source, or on
//! another thread) fails with null rather than waiting, because waiting for
//! one's own growth would never end. When the source runs out (no memory, no
//! slots), the allocation returns null and the heap is unchanged apart from
//! any pages that were mapped, which later allocations use.

use core::alloc::{GlobalAlloc, Layout};
use core::fmt;
use core::ptr;
use core::sync::atomic::{AtomicUsize, Ordering};

use dlmalloc::Dlmalloc;

use crate::arena::{Arena, ArenaHeap};

/// The size of the pages a [`PageSource`] maps, in bytes.
pub const PAGE_SIZE: usize = 4096;

/// Smallest growth step: fewer, larger steps keep the heap's segments few.
const MIN_GROWTH: usize = 16 * PAGE_SIZE;

/// Maps memory for a [`FrameHeap`] on demand.
///
/// # Safety
/// `map_pages` must report exactly the pages it mapped: the first `n`
/// pages from `vaddr`, each readable, writable and filled with zeros, used
/// by nothing else for as long as the heap exists.
pub unsafe trait PageSource: Send {
    /// Maps `pages` pages of [`PAGE_SIZE`] bytes at `vaddr`, `vaddr +
    /// PAGE_SIZE`, ..., stopping at the first failure, and returns how many
    /// it mapped. Returning fewer than asked (or 0) is how a source reports
    /// that it ran out.
    fn map_pages(&mut self, vaddr: usize, pages: usize) -> usize;

    /// The step, in bytes, in which this source maps most cheaply (a power
    /// of two, at least [`PAGE_SIZE`]; `substrate-heap-frames` says 2 MiB,
    /// the size of a large frame). The heap ends each growth on a multiple
    /// of it where the region has room, and asks again for only what the
    /// allocation needs if the source maps nothing of the rounded request.
    /// [`PAGE_SIZE`] unless overridden: no rounding.
    fn growth_step(&self) -> usize {
        PAGE_SIZE
    }
}

/// Why [`FrameHeap::set_source`] refused a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceError {
    /// The heap already has a source.
    AlreadySet,
    /// The region is empty, not page-aligned, or wraps around.
    BadRegion,
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SourceError::AlreadySet => "the heap already has a page source",
            SourceError::BadRegion => "the heap region is empty, unaligned or wraps around",
        })
    }
}

/// The source and the part of the region it has mapped so far.
struct Growth {
    source: &'static mut dyn PageSource,
    end: usize,
    limit: usize,
}

/// A `#[global_allocator]` that starts on an `N`-byte arena inside the image
/// and then grows into a virtual region mapped page by page by a
/// [`PageSource`] (see the module docs).
///
/// ```ignore
/// #[global_allocator]
/// static HEAP: FrameHeap<{ 64 * 1024 }> = FrameHeap::new();
/// // later, once frames can be created:
/// HEAP.set_source(0x10_0000_0000, 1 << 30, Box::leak(Box::new(source)))?;
/// ```
pub struct FrameHeap<const N: usize> {
    heap: ArenaHeap<N>,
    /// Held across the page source's system calls: a notification mutex
    /// (give it a notification with [`FrameHeap::set_notification`]).
    growth: substrate_sync::Mutex<Option<Growth>>,
    region_start: AtomicUsize,
    mapped_end: AtomicUsize,
}

impl<const N: usize> FrameHeap<N> {
    /// A heap with only its static arena; see [`FrameHeap::set_source`].
    pub const fn new() -> Self {
        Self {
            heap: ArenaHeap::new(),
            growth: substrate_sync::Mutex::new(None),
            region_start: AtomicUsize::new(0),
            mapped_end: AtomicUsize::new(0),
        }
    }

    /// Lets the heap grow into `len` bytes of virtual address space from
    /// `start`, mapped on demand by `source`. The region must be
    /// page-aligned, unused, and is the heap's from now on.
    pub fn set_source(
        &self,
        start: usize,
        len: usize,
        source: &'static mut dyn PageSource,
    ) -> Result<(), SourceError> {
        let limit = start.checked_add(len).ok_or(SourceError::BadRegion)?;
        if start == 0 || len == 0 || (start | len) & (PAGE_SIZE - 1) != 0 {
            return Err(SourceError::BadRegion);
        }
        let mut growth = self.growth.lock();
        if growth.is_some() {
            return Err(SourceError::AlreadySet);
        }
        // Publish the (empty) mapped range before the region is claimable.
        self.region_start.store(start, Ordering::Relaxed);
        self.mapped_end.store(start, Ordering::Release);
        self.heap.lock().allocator_mut().claimed.set(start);
        *growth = Some(Growth {
            source,
            end: start,
            limit,
        });
        Ok(())
    }

    /// Gives the lock around growth a notification, so that a thread
    /// waiting for another's growth sleeps (`seL4_Wait`) instead of spinning
    /// (which at a higher priority than the growing thread never ends).
    /// Fails, giving the capability back, if it has one already.
    pub fn set_notification(
        &self,
        notification: sel4::cap::Notification,
    ) -> Result<(), sel4::cap::Notification> {
        self.growth.set_notification(notification)
    }

    /// The size of the static arena in bytes.
    pub const fn arena_capacity(&self) -> usize {
        N
    }

    /// Bytes of the region mapped so far (0 before [`FrameHeap::set_source`]).
    pub fn mapped_bytes(&self) -> usize {
        self.mapped_end.load(Ordering::Acquire) - self.region_start.load(Ordering::Relaxed)
    }

    fn with<R>(&self, f: impl FnOnce(&mut Dlmalloc<Arena>) -> R) -> R {
        let mut dl = self.heap.lock();
        dl.allocator_mut().mapped = self.mapped_end.load(Ordering::Acquire);
        f(&mut dl)
    }

    /// Tries `f` until it succeeds or the heap cannot grow for `layout`.
    fn growing(
        &self,
        layout: Layout,
        mut f: impl FnMut(&mut Dlmalloc<Arena>) -> *mut u8,
    ) -> *mut u8 {
        loop {
            let p = self.with(&mut f);
            if !p.is_null() || !self.grow(layout) {
                return p;
            }
        }
    }

    /// Maps enough pages for `layout` (plus dlmalloc's bookkeeping) at the
    /// end of the region. False when nothing could be mapped.
    fn grow(&self, layout: Layout) -> bool {
        // A growth under way in another thread: wait for it (this
        // allocation may fit afterwards, and failing it would be spurious).
        // One under way in this thread (the page source allocates): the
        // nested allocation makes do with what is mapped, as waiting would
        // never end.
        let seen = self.mapped_end.load(Ordering::Acquire);
        let Some(mut guard) = self.growth.lock_unless_held() else {
            return false;
        };
        // Another thread grew the heap while this one waited: try that first.
        if self.mapped_end.load(Ordering::Acquire) != seen {
            return true;
        }
        let Some(growth) = guard.as_mut() else {
            return false;
        };
        // dlmalloc wants the request, its alignment slack and a few words
        // of segment bookkeeping (well under a page).
        let Some(bytes) = layout
            .size()
            .checked_add(layout.align())
            .and_then(|b| b.checked_add(PAGE_SIZE))
            .map(|b| b.max(MIN_GROWTH))
        else {
            return false;
        };
        let room = (growth.limit - growth.end) / PAGE_SIZE;
        let pages = bytes.div_ceil(PAGE_SIZE).min(room);
        if pages == 0 {
            return false;
        }
        let mut mapped = 0;
        // Rounded up to the source's step, where the region has room.
        let step = growth.source.growth_step();
        if step > PAGE_SIZE && step.is_power_of_two() {
            let want = growth.end + pages * PAGE_SIZE;
            let rounded = want
                .checked_next_multiple_of(step)
                .map_or(want, |r| r.min(growth.limit));
            if rounded > want {
                let more = (rounded - growth.end) / PAGE_SIZE;
                mapped = growth.source.map_pages(growth.end, more).min(more);
            }
        }
        if mapped == 0 {
            mapped = growth.source.map_pages(growth.end, pages).min(pages);
        }
        growth.end += mapped * PAGE_SIZE;
        self.mapped_end.store(growth.end, Ordering::Release);
        mapped > 0
    }
}

/// C's allocation functions on a [`FrameHeap`], for a C library whose
/// `malloc` shares the heap with Rust (the std personality): no layout is
/// needed to free or resize a block, and the heap grows as for Rust.
impl<const N: usize> FrameHeap<N> {
    /// C `memalign`: `size` bytes (at least one) aligned to `align`, a
    /// power of two (16 or less gives dlmalloc's 16), or null when memory
    /// runs out or `align` is no power of two.
    pub fn c_memalign(&self, align: usize, size: usize) -> *mut u8 {
        let Ok(layout) = Layout::from_size_align(size.max(1), align) else {
            return ptr::null_mut();
        };
        // SAFETY: `align` is a power of two (checked by the layout).
        self.growing(layout, |dl| unsafe { dl.c_memalign(align, size) })
    }

    /// C `realloc` of a block from this heap (null: [`FrameHeap::c_memalign`]
    /// with 16): the block moved or resized to `size` bytes, aligned to 16;
    /// null when memory runs out, `ptr` then left as it was.
    ///
    /// # Safety
    /// `ptr` must be null or a live block of this heap.
    pub unsafe fn c_realloc(&self, ptr: *mut u8, size: usize) -> *mut u8 {
        let Ok(layout) = Layout::from_size_align(size.max(1), 16) else {
            return ptr::null_mut();
        };
        // SAFETY: the caller's guarantee; a failed realloc leaves `ptr`
        // intact, so it can be retried after growing.
        self.growing(layout, |dl| unsafe { dl.c_realloc(ptr, size) })
    }

    /// C `free` of a block from this heap; null does nothing.
    ///
    /// # Safety
    /// `ptr` must be null or a live block of this heap, not used again.
    pub unsafe fn c_free(&self, ptr: *mut u8) {
        // SAFETY: the caller's guarantee.
        self.with(|dl| unsafe { dl.c_free(ptr) })
    }
}

impl<const N: usize> Default for FrameHeap<N> {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: every method forwards to dlmalloc under its lock with the caller's
// layout, which is exactly dlmalloc's contract; growth only adds memory.
unsafe impl<const N: usize> GlobalAlloc for FrameHeap<N> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: see impl.
        self.growing(layout, |dl| unsafe {
            dl.malloc(layout.size(), layout.align())
        })
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: see impl.
        self.growing(layout, |dl| unsafe {
            dl.calloc(layout.size(), layout.align())
        })
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: see impl; `ptr` came from this allocator with `layout`.
        self.with(|dl| unsafe { dl.free(ptr, layout.size(), layout.align()) })
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let Ok(new) = Layout::from_size_align(new_size, layout.align()) else {
            return ptr::null_mut();
        };
        // SAFETY: see impl; a failed dlmalloc realloc leaves `ptr` intact, so
        // it can be retried after growing.
        self.growing(new, |dl| unsafe {
            dl.realloc(ptr, layout.size(), layout.align(), new_size)
        })
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::boxed::Box;
    use std::vec::Vec;

    /// Pretends to map pages of a host buffer, up to a budget of pages, and
    /// records every call.
    struct Budget {
        base: usize,
        len: usize,
        pages_left: usize,
        /// (vaddr, pages granted) of every call.
        calls: Vec<(usize, usize)>,
        /// Allocates from this heap while "mapping", as an object allocator would.
        reenter: Option<&'static FrameHeap<8192>>,
        /// Whether the small and the large re-entrant allocation succeeded.
        reentered: Vec<[bool; 2]>,
        /// `growth_step` in pages (1: none).
        step_pages: usize,
        /// Maps nothing when the budget cannot meet a call in full.
        all_or_nothing: bool,
    }

    // SAFETY: the pages are a leaked, zeroed host buffer used by nothing
    // else; only pages inside it are reported.
    unsafe impl PageSource for Budget {
        fn map_pages(&mut self, vaddr: usize, pages: usize) -> usize {
            if let Some(heap) = self.reenter {
                // A small block fits the memory the heap has; a large one
                // would need the growth that is running.
                let outcome = [64, 64 * 1024].map(|size| {
                    let l = Layout::from_size_align(size, 8).unwrap();
                    // SAFETY: non-zero layout; freed right away.
                    unsafe {
                        let p = heap.alloc(l);
                        if !p.is_null() {
                            heap.dealloc(p, l);
                        }
                        !p.is_null()
                    }
                });
                self.reentered.push(outcome);
            }
            assert!(vaddr >= self.base && vaddr + pages * PAGE_SIZE <= self.base + self.len);
            let n = if self.all_or_nothing && pages > self.pages_left {
                0
            } else {
                pages.min(self.pages_left)
            };
            self.pages_left -= n;
            self.calls.push((vaddr, n));
            n
        }

        fn growth_step(&self) -> usize {
            self.step_pages * PAGE_SIZE
        }
    }

    /// A page-aligned, zeroed host region of `pages` pages.
    fn region(pages: usize) -> usize {
        let layout = Layout::from_size_align(pages * PAGE_SIZE, PAGE_SIZE).unwrap();
        // SAFETY: non-zero layout; leaked for the test's lifetime.
        let p = unsafe { std::alloc::alloc_zeroed(layout) };
        assert!(!p.is_null());
        p as usize
    }

    fn source(base: usize, len: usize, pages_left: usize) -> &'static mut Budget {
        Box::leak(Box::new(Budget {
            base,
            len,
            pages_left,
            calls: Vec::new(),
            reenter: None,
            reentered: Vec::new(),
            step_pages: 1,
            all_or_nothing: false,
        }))
    }

    #[test]
    fn grows_beyond_the_arena_into_the_region_until_the_source_runs_out() {
        static HEAP: FrameHeap<8192> = FrameHeap::new();
        let (pages, budget) = (1024, 512);
        let base = region(pages);
        let src = source(base, pages * PAGE_SIZE, budget);
        let src_ptr: *const Budget = src;
        HEAP.set_source(base, pages * PAGE_SIZE, src).unwrap();
        assert_eq!(
            HEAP.set_source(base, PAGE_SIZE, source(base, 0, 0)),
            Err(SourceError::AlreadySet)
        );

        let layout = Layout::from_size_align(100 * 1024, 16).unwrap();
        let mut blocks = Vec::new();
        loop {
            // SAFETY: non-zero layout.
            let p = unsafe { HEAP.alloc(layout) };
            if p.is_null() {
                break;
            }
            // SAFETY: p is a fresh block of layout.size() bytes.
            unsafe { p.write_bytes(blocks.len() as u8, layout.size()) };
            blocks.push(p);
            assert!(blocks.len() <= 2 * 1024 * 1024 / layout.size());
        }
        // The budget (2 MiB) is used almost whole, in the region, in order.
        assert!(blocks.len() >= 19, "{} blocks", blocks.len());
        assert_eq!(HEAP.mapped_bytes(), budget * PAGE_SIZE);
        for (i, &p) in blocks.iter().enumerate() {
            let a = p as usize;
            assert!(a >= base && a + layout.size() <= base + budget * PAGE_SIZE);
            // SAFETY: allocated above; contents intact.
            assert!(unsafe { core::slice::from_raw_parts(p, layout.size()) }
                .iter()
                .all(|&b| b == i as u8));
        }
        // SAFETY: the source outlives the test (leaked); no call is running.
        let calls = unsafe { &(*src_ptr).calls };
        let mut end = base;
        for &(vaddr, granted) in calls.iter() {
            assert_eq!(vaddr, end, "growth is contiguous");
            end += granted * PAGE_SIZE;
        }
        assert_eq!(end, base + budget * PAGE_SIZE);

        // Freeing makes the memory usable again, without more mapping.
        let before = calls.len();
        for p in blocks.drain(..) {
            // SAFETY: allocated above with `layout`.
            unsafe { HEAP.dealloc(p, layout) };
        }
        let big = Layout::from_size_align(1024 * 1024, 4096).unwrap();
        // SAFETY: non-zero layout.
        let p = unsafe { HEAP.alloc_zeroed(big) };
        assert!(!p.is_null());
        assert_eq!(p as usize % 4096, 0);
        // SAFETY: 1 MiB zeroed block.
        assert!(unsafe { core::slice::from_raw_parts(p, big.size()) }
            .iter()
            .all(|&b| b == 0));
        // SAFETY: as above.
        let calls = unsafe { &(*src_ptr).calls };
        assert!(calls.len() <= before + 1);
    }

    #[test]
    fn without_a_source_only_the_arena_is_used() {
        static HEAP: FrameHeap<8192> = FrameHeap::new();
        // SAFETY: non-zero layouts.
        unsafe {
            let p = HEAP.alloc(Layout::from_size_align(4096, 8).unwrap());
            assert!(!p.is_null());
            let a = p as usize;
            let arena = HEAP.heap.arena_start();
            assert!(a >= arena && a < arena + 8192);
            assert!(HEAP
                .alloc(Layout::from_size_align(16 * 1024, 8).unwrap())
                .is_null());
        }
        assert_eq!(HEAP.mapped_bytes(), 0);
    }

    #[test]
    fn bad_regions_are_refused() {
        static HEAP: FrameHeap<8192> = FrameHeap::new();
        for (start, len) in [(0, PAGE_SIZE), (PAGE_SIZE, 0), (PAGE_SIZE + 1, PAGE_SIZE)] {
            assert_eq!(
                HEAP.set_source(start, len, source(0, 0, 0)),
                Err(SourceError::BadRegion)
            );
        }
        assert_eq!(
            HEAP.set_source(usize::MAX - PAGE_SIZE + 1, 2 * PAGE_SIZE, source(0, 0, 0)),
            Err(SourceError::BadRegion)
        );
    }

    #[test]
    fn a_source_that_allocates_while_mapping_does_not_deadlock() {
        static HEAP: FrameHeap<8192> = FrameHeap::new();
        let base = region(64);
        let src = source(base, 64 * PAGE_SIZE, 64);
        src.reenter = Some(&HEAP);
        let src_ptr: *const Budget = src;
        HEAP.set_source(base, 64 * PAGE_SIZE, src).unwrap();
        let layout = Layout::from_size_align(128 * 1024, 8).unwrap();
        // SAFETY: non-zero layout.
        let p = unsafe { HEAP.alloc(layout) };
        assert!(!p.is_null());
        assert!(p as usize >= base);
        // SAFETY: the source is leaked; no call is running.
        assert_eq!(unsafe { &(*src_ptr).reentered }[..], [[true, false]]);
        // A request larger than the region fails cleanly; the heap stays usable.
        // SAFETY: non-zero layout.
        assert!(unsafe { HEAP.alloc(Layout::from_size_align(1 << 20, 8).unwrap()) }.is_null());
        // SAFETY: non-zero layout.
        assert!(!unsafe { HEAP.alloc(Layout::from_size_align(64, 8).unwrap()) }.is_null());
    }

    #[test]
    fn growth_is_rounded_to_the_source_step_and_falls_back_to_the_exact_need() {
        static HEAP: FrameHeap<8192> = FrameHeap::new();
        let step = 32;
        // The region starts half a step into a step-aligned buffer.
        let base = region(5 * step) + step / 2 * PAGE_SIZE;
        let base = base.next_multiple_of(step * PAGE_SIZE) - step / 2 * PAGE_SIZE;
        let len = 4 * step * PAGE_SIZE;
        // Enough for the first growth rounded (48 pages) and the second
        // one exact (42 pages), not for the second one rounded (48).
        let src = source(base, len, 90);
        src.step_pages = step;
        src.all_or_nothing = true;
        let src_ptr: *const Budget = src;
        HEAP.set_source(base, len, src).unwrap();
        let layout = Layout::from_size_align(40 * PAGE_SIZE, 8).unwrap();
        // SAFETY: non-zero layouts; the blocks stay allocated.
        let (a, b) = unsafe { (HEAP.alloc(layout), HEAP.alloc(layout)) };
        assert!(!a.is_null() && !b.is_null());
        // SAFETY: the source is leaked; no call is running.
        let calls = unsafe { &(*src_ptr).calls };
        // First growth: 42 pages from half a step before a boundary, rounded
        // up to the boundary after next.
        assert_eq!(calls[0], (base, step / 2 + step));
        assert_eq!((base + calls[0].1 * PAGE_SIZE) % (step * PAGE_SIZE), 0);
        // The rounded second growth does not fit the budget: the heap asks
        // again for just what it needs.
        let end = base + calls[0].1 * PAGE_SIZE;
        assert_eq!(calls[1..], [(end, 0), (end, 42)], "{calls:?}");
        assert_eq!(HEAP.mapped_bytes(), 90 * PAGE_SIZE);
    }
}
