//! A global allocator for seL4 components.
//!
//! [`StaticHeap`] runs the `dlmalloc` allocator over an arena that is part of
//! the image (`.bss`), so it works before any seL4 object has been created.
//! When the arena is exhausted, allocation returns null to the `GlobalAlloc`
//! caller: `Vec::try_reserve` and friends report an error, and infallible
//! allocations go to the alloc-error handler, which panics with the size that
//! could not be allocated. The allocator's state is never corrupted.
//!
//! ```ignore
//! #[global_allocator]
//! static HEAP: substrate_heap::StaticHeap<{ 1 << 20 }> = substrate_heap::StaticHeap::new();
//! ```
//!
//! [`FrameHeap`] starts the same way on a small arena and then grows into a
//! virtual region whose pages a [`PageSource`] maps on demand (frames
//! retyped from untyped memory, in `substrate-heap-frames`).
//!
//! The heap is protected by a spin lock (`spin` crate), which is correct for
//! any number of threads; components that block for long inside the allocator
//! do not exist, so spinning is cheap.
#![no_std]

use core::alloc::{GlobalAlloc, Layout};
use core::sync::atomic::{AtomicUsize, Ordering};

use dlmalloc::Dlmalloc;

mod arena;
mod frames;
pub use arena::Arena;
use arena::ArenaHeap;
pub use frames::{FrameHeap, PageSource, SourceError, PAGE_SIZE};

/// Blocks handed out by every [`StaticHeap`] in the image and not yet freed.
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// The number of heap blocks currently allocated (allocations minus frees,
/// a reallocation counting as neither) from all [`StaticHeap`]s in the image
/// (normally one: the global allocator). The test harness uses it to find
/// tests that leak.
pub fn live_allocations() -> usize {
    LIVE.load(Ordering::Relaxed)
}

/// Counts `p` as a live block unless it is null; returns it.
pub(crate) fn count_new(p: *mut u8) -> *mut u8 {
    if !p.is_null() {
        LIVE.fetch_add(1, Ordering::Relaxed);
    }
    p
}

/// Counts one block freed.
pub(crate) fn count_free() {
    LIVE.fetch_sub(1, Ordering::Relaxed);
}

/// A `#[global_allocator]` over an `N`-byte arena inside the image.
pub struct StaticHeap<const N: usize> {
    heap: ArenaHeap<N>,
}

impl<const N: usize> StaticHeap<N> {
    /// An empty heap; its arena is attached on first use.
    pub const fn new() -> Self {
        Self {
            heap: ArenaHeap::new(),
        }
    }

    /// The arena size in bytes.
    pub const fn capacity(&self) -> usize {
        N
    }

    fn with<R>(&self, f: impl FnOnce(&mut Dlmalloc<Arena>) -> R) -> R {
        f(&mut self.heap.lock())
    }
}

impl<const N: usize> Default for StaticHeap<N> {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: every method forwards to dlmalloc under the lock with the caller's
// layout, which is exactly dlmalloc's contract.
unsafe impl<const N: usize> GlobalAlloc for StaticHeap<N> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: see impl.
        count_new(self.with(|dl| unsafe { dl.malloc(layout.size(), layout.align()) }))
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: see impl.
        count_new(self.with(|dl| unsafe { dl.calloc(layout.size(), layout.align()) }))
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: see impl; `ptr` came from this allocator with `layout`.
        self.with(|dl| unsafe { dl.free(ptr, layout.size(), layout.align()) });
        count_free();
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: see impl.
        self.with(|dl| unsafe { dl.realloc(ptr, layout.size(), layout.align(), new_size) })
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    #[test]
    fn allocations_succeed_until_the_arena_is_full_then_return_null() {
        static HEAP: StaticHeap<{ 64 * 1024 }> = StaticHeap::new();
        let layout = Layout::from_size_align(1024, 8).unwrap();
        let mut blocks = Vec::new();
        loop {
            // SAFETY: non-zero size layout.
            let p = unsafe { HEAP.alloc(layout) };
            if p.is_null() {
                break;
            }
            // SAFETY: p is a fresh 1024-byte block.
            unsafe { p.write_bytes(0xa5, 1024) };
            blocks.push(p);
            assert!(
                blocks.len() < 64,
                "a 64 KiB arena cannot hold 64 KiB blocks"
            );
        }
        assert!(
            blocks.len() >= 48,
            "most of the arena is usable: {}",
            blocks.len()
        );
        let base = HEAP.heap.arena_start();
        for &p in &blocks {
            let a = p as usize;
            assert!(a >= base && a + 1024 <= base + HEAP.capacity());
        }
        // Freeing makes room again: nothing was lost.
        for p in blocks.drain(..) {
            // SAFETY: allocated above with the same layout.
            unsafe { HEAP.dealloc(p, layout) };
        }
        // SAFETY: non-zero size layout.
        let big = unsafe { HEAP.alloc(Layout::from_size_align(48 * 1024, 16).unwrap()) };
        assert!(!big.is_null());
        assert_eq!(big as usize % 16, 0);
    }

    #[test]
    fn a_request_larger_than_the_arena_returns_null() {
        static HEAP: StaticHeap<8192> = StaticHeap::new();
        // SAFETY: non-zero size layout.
        let p = unsafe { HEAP.alloc(Layout::from_size_align(1 << 20, 8).unwrap()) };
        assert!(p.is_null());
        // SAFETY: non-zero size layout.
        let q = unsafe { HEAP.alloc(Layout::from_size_align(64, 8).unwrap()) };
        assert!(!q.is_null(), "a failed request leaves the heap usable");
    }
}
