//! Grows a [`FrameHeap`] with frames retyped from untyped memory.
//!
//! [`FrameSource`] is the heap's [`PageSource`]: for each growth it retypes
//! frames from untyped memory (`seL4_Untyped_Retype`) and maps them
//! read-write at the heap's next addresses (`seL4_X86_Page_Map`), creating
//! missing paging structures, all through a shared [`ObjectAllocator`]. The
//! kernel zeroes retyped frames, as the heap needs.
//!
//! Every frame takes a slot of the allocator's CNode, and the root CNode
//! has only a few thousand, so the source maps 2 MiB frames wherever a
//! growth covers a whole 2 MiB-aligned block (with a page directory and no
//! page table) and asks the heap to grow in 2 MiB steps
//! ([`PageSource::growth_step`]). 4 KiB frames fill the rest: the part of a
//! growth before the first 2 MiB boundary and after the last, and the
//! blocks for which no untyped has 2 MiB left. 64 MiB of heap then costs
//! some 35 slots instead of 16 000.
//!
//! ```ignore
//! #[global_allocator]
//! static HEAP: FrameHeap<{ 256 * 1024 }> = FrameHeap::new();
//!
//! #[root_task(global_allocator = false)]
//! fn main(bootinfo: &sel4::BootInfo) -> Result<(), AllocError> {
//!     let objects = substrate_heap_frames::install(&HEAP, ObjectAllocator::new(bootinfo), DEFAULT_REGION)?;
//!     // The heap now grows on demand; `objects` still serves the component:
//!     let ep: sel4::cap::Endpoint = objects.lock().allocate(ObjectType::Endpoint, 0)?;
//!     Ok(())
//! }
//! ```
//!
//! Running out is an allocation failure, not a crash: a growth that cannot
//! be met in full (too little untyped memory beyond
//! [`FrameSource::keep_memory`], or fewer free slots than the frames, their
//! paging structures and [`FrameSource::keep_slots`] need) maps nothing, so
//! one oversized request does not use up the component's resources;
//! `Vec::try_reserve` and friends then return an error. The allocator's
//! lock is a notification mutex ([`substrate_sync::Mutex`], as is the heap's
//! growth lock): an allocation that needs a growth while another thread
//! holds it sleeps until it is free, and fails only when the allocating
//! thread holds it itself (the allocation cannot wait for itself), so keep
//! `objects.lock()` short and allocate outside it.
#![no_std]

extern crate alloc;

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::ops::Range;
use sel4::{cap, CapRights, FrameSize, ObjectType};
use sel4_object_allocator::ObjectAllocator;
use substrate_sync::Mutex;

pub use substrate_heap::{FrameHeap, PageSource, SourceError, PAGE_SIZE};

/// A heap region far from the image and from anything the runtime maps:
/// 64 GiB of address space from 64 GiB up.
pub const DEFAULT_REGION: Range<usize> = 0x10_0000_0000..0x20_0000_0000;

/// Free slots a [`FrameSource`] leaves to the component unless told
/// otherwise ([`FrameSource::keep_slots`]).
pub const DEFAULT_KEEP_SLOTS: usize = 64;

/// Bytes of untyped memory a [`FrameSource`] leaves to the component unless
/// told otherwise ([`FrameSource::keep_memory`]).
pub const DEFAULT_KEEP_MEMORY: usize = 256 * 1024;

/// Bytes in a large frame, the span of one page table (2 MiB).
const LARGE: usize = 1 << FrameSize::Large.bits();
/// Bytes covered by one page directory (1 GiB) and one PDPT (512 GiB).
const PD_SPAN: usize = 1 << 30;
const PDPT_SPAN: usize = 1 << 39;

/// Maps frames retyped from untyped memory into a heap region of `vspace`.
pub struct FrameSource {
    objects: &'static Mutex<ObjectAllocator>,
    vspace: cap::VSpace,
    keep_slots: usize,
    keep_memory: usize,
}

/// How one growth `[start, end)` splits: 4 KiB frames for `[start, a)` and
/// `[b, end)`, 2 MiB-aligned blocks in `[a, b)`, of which the first
/// `large` get 2 MiB frames and the others 4 KiB frames.
#[derive(Debug, Clone, Copy)]
struct Plan {
    start: usize,
    a: usize,
    b: usize,
    end: usize,
    large: usize,
}

impl Plan {
    fn new(start: usize, end: usize) -> Self {
        let a = start.next_multiple_of(LARGE).min(end);
        let b = (end & !(LARGE - 1)).max(a);
        Plan {
            start,
            a,
            b,
            end,
            large: 0,
        }
    }

    fn blocks(&self) -> usize {
        (self.b - self.a) / LARGE
    }

    /// 4 KiB frames.
    fn small_frames(&self) -> usize {
        (self.a - self.start + self.end - self.b) / PAGE_SIZE
            + (self.blocks() - self.large) * (LARGE / PAGE_SIZE)
    }

    /// Paging structures it may have to create (all one page each): a page
    /// table per 2 MiB with 4 KiB frames, a page directory per GiB and a
    /// PDPT per 512 GiB touched.
    fn structures(&self) -> usize {
        let tables = usize::from(self.a > self.start)
            + usize::from(self.end > self.b)
            + (self.blocks() - self.large);
        let spans = |span: usize| (self.end - 1) / span - self.start / span + 1;
        tables + spans(PD_SPAN) + spans(PDPT_SPAN)
    }
}

impl FrameSource {
    /// A source that allocates through `objects` and maps into `vspace`.
    pub fn new(objects: &'static Mutex<ObjectAllocator>, vspace: cap::VSpace) -> Self {
        Self {
            objects,
            vspace,
            keep_slots: DEFAULT_KEEP_SLOTS,
            keep_memory: DEFAULT_KEEP_MEMORY,
        }
    }

    /// Leaves at least `slots` free CNode slots to the rest of the component.
    pub fn keep_slots(mut self, slots: usize) -> Self {
        self.keep_slots = slots;
        self
    }

    /// Leaves at least `bytes` of untyped memory to the rest of the component.
    pub fn keep_memory(mut self, bytes: usize) -> Self {
        self.keep_memory = bytes;
        self
    }

    /// Whether `objects` can provide what `plan` needs, leaving the kept
    /// slots and memory (as far as the allocator knows the untypeds), when
    /// `retype` of its 2 MiB frames are still to be retyped.
    fn can_provide(&self, objects: &ObjectAllocator, plan: &Plan, retype: usize) -> bool {
        let pages = plan.small_frames() + plan.structures();
        let slots = retype + pages;
        let (large, pages_left) = objects.capacity(FrameSize::Large.bits(), retype);
        large == retype
            && objects.free_slot_count() >= slots + self.keep_slots
            && pages_left >= pages + self.keep_memory.div_ceil(PAGE_SIZE)
    }

    /// Retypes and maps a 4 KiB frame at `at`.
    fn map_small(&self, objects: &mut ObjectAllocator, at: usize) -> bool {
        let Ok(frame) =
            objects.allocate::<sel4::cap_type::Frame>(ObjectType::Frame(FrameSize::Small), 0)
        else {
            return false;
        };
        if objects
            .map_frame(self.vspace, frame, at, CapRights::read_write())
            .is_err()
        {
            // The frame's memory stays with its untyped; the slot is reused.
            let _ = objects.delete(frame.cptr());
            return false;
        }
        true
    }

    /// Maps `plan` and returns the end of what it mapped.
    fn map(&self, objects: &mut ObjectAllocator, plan: &Plan) -> usize {
        // The 2 MiB frames are retyped before any 4 KiB object of this
        // growth, as `capacity` assumed: a page retyped in between could
        // cost a large frame its aligned room in an untyped.
        let mut large: Vec<cap::Frame> = Vec::new();
        // No room on the heap for the list (it is growing because it is
        // full): 4 KiB frames only, if the slots allow.
        if large.try_reserve_exact(plan.large).is_ok() {
            for _ in 0..plan.large {
                match objects.allocate(ObjectType::Frame(FrameSize::Large), 0) {
                    Ok(frame) => large.push(frame),
                    Err(_) => break,
                }
            }
        }
        let plan = &Plan {
            large: large.len(),
            ..*plan
        };
        // The kernel had less room than the allocator thought (or the list
        // did not fit): plan again with the frames there are, or give up
        // without mapping anything.
        if !self.can_provide(objects, plan, 0) {
            for frame in large {
                // Their memory stays with the untypeds; the slots are reused.
                let _ = objects.delete(frame.cptr());
            }
            return plan.start;
        }
        let mut large = large.into_iter();
        let mut at = plan.start;
        while at < plan.end {
            let block = at >= plan.a && at < plan.b;
            if block && at.is_multiple_of(LARGE) {
                if let Some(frame) = large.next() {
                    let r = objects.map_frame_sized(
                        self.vspace,
                        frame,
                        FrameSize::Large,
                        at,
                        CapRights::read_write(),
                    );
                    if r.is_err() {
                        let _ = objects.delete(frame.cptr());
                        break;
                    }
                    at += LARGE;
                    continue;
                }
            }
            if !self.map_small(objects, at) {
                break;
            }
            at += PAGE_SIZE;
        }
        // Left over only when mapping failed part-way.
        for frame in large {
            let _ = objects.delete(frame.cptr());
        }
        at
    }
}

// SAFETY: only pages this source just mapped are reported (the first `n`
// from `vaddr`); frames retyped from untyped memory are zero-filled by the
// kernel and mapped read-write; the caller gives us an unused region.
unsafe impl PageSource for FrameSource {
    /// Retypes and maps frames for `pages` pages from `vaddr`
    /// (`seL4_Untyped_Retype`, `seL4_X86_Page_Map`, and the paging
    /// structures' maps where missing): 2 MiB frames for the 2 MiB-aligned
    /// blocks while untypeds have room for them, 4 KiB frames elsewhere.
    fn map_pages(&mut self, vaddr: usize, pages: usize) -> usize {
        // Held by another thread: wait for it. Held by this thread (the
        // component allocates inside `objects.lock()`, or we are further up
        // the stack): waiting would never end.
        let Some(mut objects) = self.objects.lock_unless_held() else {
            return 0;
        };
        let Some(end) = pages
            .checked_mul(PAGE_SIZE)
            .and_then(|bytes| vaddr.checked_add(bytes))
        else {
            return 0;
        };
        if pages == 0 {
            return 0;
        }
        let mut plan = Plan::new(vaddr, end);
        plan.large = objects.capacity(FrameSize::Large.bits(), plan.blocks()).0;
        if !self.can_provide(&objects, &plan, plan.large) {
            return 0;
        }
        (self.map(&mut objects, &plan) - vaddr) / PAGE_SIZE
    }

    /// 2 MiB: a growth that ends on a 2 MiB boundary leaves the next one
    /// whole blocks for large frames.
    fn growth_step(&self) -> usize {
        LARGE
    }
}

/// Makes `heap` grow into `region` of the current thread's VSpace with
/// frames from `objects`, which is returned shared so the component can
/// keep allocating objects with it.
pub fn install<const N: usize>(
    heap: &'static FrameHeap<N>,
    mut objects: ObjectAllocator,
    region: Range<usize>,
) -> Result<&'static Mutex<ObjectAllocator>, SourceError> {
    let len = region
        .end
        .checked_sub(region.start)
        .ok_or(SourceError::BadRegion)?;
    // Contended lockers of the allocator and of the heap's growth sleep on
    // these (without them they would spin).
    let ntfn = |o: &mut ObjectAllocator| -> Result<cap::Notification, _> {
        o.allocate(ObjectType::Notification, 0)
    };
    let (lock_ntfn, growth_ntfn) = (ntfn(&mut objects), ntfn(&mut objects));
    let objects: &'static Mutex<ObjectAllocator> = Box::leak(Box::new(Mutex::new(objects)));
    if let Ok(n) = lock_ntfn {
        let _ = objects.set_notification(n);
    }
    if let Ok(n) = growth_ntfn {
        let _ = heap.set_notification(n);
    }
    let source = Box::leak(Box::new(FrameSource::new(
        objects,
        sel4::init_thread::VSPACE,
    )));
    heap.set_source(region.start, len, source)?;
    Ok(objects)
}
