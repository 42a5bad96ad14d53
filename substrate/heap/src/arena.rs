//! What [`StaticHeap`](crate::StaticHeap) and [`FrameHeap`](crate::FrameHeap)
//! share: dlmalloc behind a spin lock, drawing from an arena inside the image
//! and, for a `FrameHeap`, from the mapped part of a region after it.

use core::cell::{Cell, UnsafeCell};
use core::mem::MaybeUninit;
use core::ops::{Deref, DerefMut};
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
///
/// Every byte of a new `ArenaHeap` is zero (the arena, the unlocked lock,
/// the "not yet set up" flag and dlmalloc's state storage), so a `static`
/// of it lands in `.bss`: the image carries no copy of the arena and the
/// kernel's loader only zero-fills it. dlmalloc's own initial state is not
/// all zeros (its granularity), so it is written on first use, under the lock.
pub(crate) struct ArenaHeap<const N: usize> {
    bytes: ArenaBytes<N>,
    /// Guards `state`; holds whether `state` has been set up.
    lock: spin::Mutex<bool>,
    state: UnsafeCell<MaybeUninit<Dlmalloc<Arena>>>,
}

// SAFETY: the arena bytes are only handed out through dlmalloc, and the
// state is only touched, under the lock.
unsafe impl<const N: usize> Sync for ArenaHeap<N> {}

/// The locked dlmalloc of an [`ArenaHeap`].
pub(crate) struct ArenaGuard<'a> {
    _lock: spin::MutexGuard<'a, bool>,
    dlmalloc: &'a mut Dlmalloc<Arena>,
}

impl Deref for ArenaGuard<'_> {
    type Target = Dlmalloc<Arena>;
    fn deref(&self) -> &Dlmalloc<Arena> {
        self.dlmalloc
    }
}

impl DerefMut for ArenaGuard<'_> {
    fn deref_mut(&mut self) -> &mut Dlmalloc<Arena> {
        self.dlmalloc
    }
}

impl<const N: usize> ArenaHeap<N> {
    /// An empty heap, all zero bytes; dlmalloc is set up on first use.
    pub(crate) const fn new() -> Self {
        Self {
            bytes: ArenaBytes(UnsafeCell::new([0; N])),
            lock: spin::Mutex::new(false),
            state: UnsafeCell::new(MaybeUninit::zeroed()),
        }
    }

    /// Locks dlmalloc, setting it up with the arena on first use.
    pub(crate) fn lock(&self) -> ArenaGuard<'_> {
        let mut ready = self.lock.lock();
        // SAFETY: the lock is held, so this is the only reference to the
        // state; it is written before it is first read.
        let state = unsafe { &mut *self.state.get() };
        if !*ready {
            let mut dlmalloc = Dlmalloc::new_with_allocator(Arena {
                base: self.bytes.0.get().cast(),
                len: N,
                handed_out: Cell::new(false),
                claimed: Cell::new(0),
                mapped: 0,
            });
            // dlmalloc asks its source for at least 64 KiB by default;
            // asking for page multiples makes the whole of a small arena usable.
            let page_granularity = dlmalloc.set_granularity(PAGE_SIZE);
            debug_assert!(page_granularity);
            state.write(dlmalloc);
            *ready = true;
        }
        ArenaGuard {
            _lock: ready,
            // SAFETY: initialised above or by an earlier call.
            dlmalloc: unsafe { state.assume_init_mut() },
        }
    }

    /// The arena's first byte.
    #[cfg(test)]
    pub(crate) fn arena_start(&self) -> usize {
        self.bytes.0.get() as usize
    }
}
