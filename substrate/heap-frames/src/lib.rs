//! Grows a [`FrameHeap`] with frames retyped from untyped memory.
//!
//! [`FrameSource`] is the heap's [`PageSource`]: for each page the heap asks
//! for, it retypes a 4 KiB frame from untyped memory (`seL4_Untyped_Retype`)
//! and maps it read-write at the heap's next address (`seL4_X86_Page_Map`),
//! creating missing paging structures, all through a shared
//! [`ObjectAllocator`]. The kernel zeroes retyped frames, as the heap needs.
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
//! be met in full (too little untyped memory, or fewer free slots than the
//! pages, their page tables and [`FrameSource::keep_slots`] need) maps
//! nothing, so one oversized request does not use up the component's
//! resources; `Vec::try_reserve` and friends then return an error. The heap
//! cannot grow while the component itself holds the allocator's lock (the
//! allocation fails instead of deadlocking), so keep `objects.lock()` short.
#![no_std]

extern crate alloc;

use alloc::boxed::Box;
use core::ops::Range;
use sel4::{cap, CapRights, FrameSize, ObjectType};
use sel4_object_allocator::ObjectAllocator;
use spin::Mutex;

pub use substrate_heap::{FrameHeap, PageSource, SourceError, PAGE_SIZE};

/// A heap region far from the image and from anything the runtime maps:
/// 64 GiB of address space from 64 GiB up.
pub const DEFAULT_REGION: Range<usize> = 0x10_0000_0000..0x20_0000_0000;

/// Free slots a [`FrameSource`] leaves to the component unless told
/// otherwise ([`FrameSource::keep_slots`]).
pub const DEFAULT_KEEP_SLOTS: usize = 64;

/// Bytes covered by one page table on x86_64 (2 MiB).
const PAGE_TABLE_SPAN: usize = 1 << 21;

/// Maps frames retyped from untyped memory into a heap region of `vspace`.
pub struct FrameSource {
    objects: &'static Mutex<ObjectAllocator>,
    vspace: cap::VSpace,
    keep_slots: usize,
}

impl FrameSource {
    /// A source that allocates through `objects` and maps into `vspace`.
    pub fn new(objects: &'static Mutex<ObjectAllocator>, vspace: cap::VSpace) -> Self {
        Self {
            objects,
            vspace,
            keep_slots: DEFAULT_KEEP_SLOTS,
        }
    }

    /// Leaves at least `slots` free CNode slots to the rest of the component.
    pub fn keep_slots(mut self, slots: usize) -> Self {
        self.keep_slots = slots;
        self
    }

    /// Whether `objects` can provide `pages` frames at `vaddr` with their
    /// page tables (and, at worst, a page directory and a PDPT).
    fn can_provide(&self, objects: &ObjectAllocator, vaddr: usize, pages: usize) -> bool {
        let end = vaddr + pages * PAGE_SIZE;
        let tables = (end - 1) / PAGE_TABLE_SPAN - vaddr / PAGE_TABLE_SPAN + 1;
        let objects_needed = pages + tables + 2;
        objects.free_slot_count() >= objects_needed + self.keep_slots
            && objects.free_memory() / PAGE_SIZE >= objects_needed
    }
}

// SAFETY: only pages this source just mapped are reported (the first `n`
// from `vaddr`); frames retyped from untyped memory are zero-filled by the
// kernel and mapped read-write; the caller gives us an unused region.
unsafe impl PageSource for FrameSource {
    /// Retypes and maps `pages` frames from `vaddr` (`seL4_Untyped_Retype`,
    /// `seL4_X86_Page_Map`, and the paging structures' maps where missing).
    fn map_pages(&mut self, vaddr: usize, pages: usize) -> usize {
        // Held by the component (or by us further up the stack): do not wait.
        let Some(mut objects) = self.objects.try_lock() else {
            return 0;
        };
        if pages == 0 || !self.can_provide(&objects, vaddr, pages) {
            return 0;
        }
        for i in 0..pages {
            let Ok(frame) =
                objects.allocate::<sel4::cap_type::Frame>(ObjectType::Frame(FrameSize::Small), 0)
            else {
                return i;
            };
            let at = vaddr + i * PAGE_SIZE;
            if objects
                .map_frame(self.vspace, frame, at, CapRights::read_write())
                .is_err()
            {
                // The frame's memory stays with its untyped; the slot is reused.
                let _ = objects.delete(frame.cptr());
                return i;
            }
        }
        pages
    }
}

/// Makes `heap` grow into `region` of the current thread's VSpace with
/// frames from `objects`, which is returned shared so the component can
/// keep allocating objects with it.
pub fn install<const N: usize>(
    heap: &'static FrameHeap<N>,
    objects: ObjectAllocator,
    region: Range<usize>,
) -> Result<&'static Mutex<ObjectAllocator>, SourceError> {
    let len = region
        .end
        .checked_sub(region.start)
        .ok_or(SourceError::BadRegion)?;
    let objects: &'static Mutex<ObjectAllocator> = Box::leak(Box::new(Mutex::new(objects)));
    let source = Box::leak(Box::new(FrameSource::new(
        objects,
        sel4::init_thread::VSPACE,
    )));
    heap.set_source(region.start, len, source)?;
    Ok(objects)
}
