//! What [`StaticHeap`](crate::StaticHeap) and [`FrameHeap`](crate::FrameHeap)
//! share: dlmalloc behind a spin lock, drawing from an arena inside the image
//! and, for a `FrameHeap`, from the mapped part of a region after it.

use core::cell::{Cell, UnsafeCell};
use core::ptr;

use dlmalloc::Dlmalloc;

use crate::PAGE_SIZE;

/// The memory source dlmalloc draws from: first the heap's fixed arena,
/// handed out whole, once; then (a [`FrameHeap`](crate::FrameHeap) with a
/// page source) the mapped part of its region, handed out in pieces as it
/// gets mapped. dlmalloc asks its source for more memory only when its free
/// lists cannot satisfy a request; a request the source cannot meet fails
/// with null.
pub struct Arena {
    base: *mut u8,
    len: usize,
    handed_out: Cell<bool>,
    /// Region memory below this address belongs to dlmalloc (0: no region).
    pub(crate) claimed: Cell<usize>,
    /// End of the mapped part of the region; refreshed before every call.
    pub(crate) mapped: usize,
}

// SAFETY: the arena is only touched under the heap's lock.
unsafe impl Send for Arena {}

// SAFETY: `alloc` hands out the arena once and region memory that is mapped
// and not handed out before, each range exactly once; nothing is released or
// remapped, which the trait permits by returning false/null.
unsafe impl dlmalloc::Allocator for Arena {
    fn alloc(&self, size: usize) -> (*mut u8, usize, u32) {
        if !self.handed_out.get() && !self.base.is_null() && size <= self.len {
            self.handed_out.set(true);
            return (self.base, self.len, 0);
        }
        let claimed = self.claimed.get();
        let available = self.mapped - claimed;
        if claimed == 0 || available < size {
            return (ptr::null_mut(), 0, 0);
        }
        self.claimed.set(self.mapped);
        (claimed as *mut u8, available, 0)
    }

    fn remap(&self, _: *mut u8, _: usize, _: usize, _: bool) -> *mut u8 {
        ptr::null_mut()
    }

    fn free_part(&self, _: *mut u8, _: usize, _: usize) -> bool {
        false
    }

    fn free(&self, _: *mut u8, _: usize) -> bool {
        false
    }

    fn can_release_part(&self, _: u32) -> bool {
        false
    }

    fn allocates_zeros(&self) -> bool {
        // The arena is in .bss, which is zero when the image starts; a
        // PageSource maps zero-filled pages.
        true
    }

    fn page_size(&self) -> usize {
        PAGE_SIZE
    }
}

#[repr(C, align(4096))]
struct ArenaBytes<const N: usize>(UnsafeCell<[u8; N]>);

/// dlmalloc over an `N`-byte arena inside the image, behind a spin lock.
pub(crate) struct ArenaHeap<const N: usize> {
    bytes: ArenaBytes<N>,
    dlmalloc: spin::Mutex<Dlmalloc<Arena>>,
}

// SAFETY: the arena bytes are only handed out through dlmalloc under the lock.
unsafe impl<const N: usize> Sync for ArenaHeap<N> {}

impl<const N: usize> ArenaHeap<N> {
    /// An empty heap; its arena is attached on first use.
    pub(crate) const fn new() -> Self {
        let mut dlmalloc = Dlmalloc::new_with_allocator(Arena {
            base: ptr::null_mut(),
            len: N,
            handed_out: Cell::new(false),
            claimed: Cell::new(0),
            mapped: 0,
        });
        // dlmalloc asks its source for at least 64 KiB by default; asking
        // for page multiples makes the whole of a small arena usable.
        assert!(dlmalloc.set_granularity(PAGE_SIZE));
        Self {
            bytes: ArenaBytes(UnsafeCell::new([0; N])),
            dlmalloc: spin::Mutex::new(dlmalloc),
        }
    }

    /// Locks dlmalloc, with the arena attached.
    pub(crate) fn lock(&self) -> spin::MutexGuard<'_, Dlmalloc<Arena>> {
        let mut dl = self.dlmalloc.lock();
        let arena = dl.allocator_mut();
        if arena.base.is_null() {
            arena.base = self.bytes.0.get().cast();
        }
        dl
    }

    /// The arena's first byte.
    #[cfg(test)]
    pub(crate) fn arena_start(&self) -> usize {
        self.bytes.0.get() as usize
    }
}
