//! Object allocation for a component that owns untyped memory and a range of
//! free CNode slots, typically the root task.
//!
//! ```ignore
//! let mut objects = ObjectAllocator::new(bootinfo);
//! let ep: sel4::cap::Endpoint = objects.allocate(sel4::ObjectType::Endpoint, 0)?;
//! let frame: sel4::cap::Frame = objects.allocate(sel4::ObjectType::Frame(FrameSize::Small), 0)?;
//! objects.map_frame(sel4::init_thread::VSPACE, frame, 0x8000_0000, CapRights::read_write())?;
//! let large: sel4::cap::Frame = objects.allocate(sel4::ObjectType::Frame(FrameSize::Large), 0)?;
//! objects.map_frame_sized(sel4::init_thread::VSPACE, large, FrameSize::Large, 0x8020_0000, CapRights::read_write())?;
//! ```
//!
//! * Slots come from the BootInfo's empty region, lowest first; freed slots
//!   are reused.
//! * Objects are retyped from the smallest RAM untyped that still has room
//!   (the allocator tracks each untyped's watermark the way the kernel does:
//!   every object is aligned to its own size). If the kernel reports
//!   `NotEnoughMemory` anyway (its watermark is ahead because something else
//!   retyped from that untyped), the allocator only learns that less than
//!   the object's size is left there: it moves its watermark accordingly and
//!   tries the next untyped, and smaller objects still go to the first one.
//!   Where none has room by that count, the kernel is asked of each
//!   untyped: one whose children were all deleted starts again from its
//!   beginning, which the allocator cannot see coming.
//! * Running out gives [`AllocError::OutOfSlots`] or
//!   [`AllocError::OutOfMemory`]; a kernel refusal gives
//!   [`AllocError::Kernel`]. The slot of a failed allocation is returned to
//!   the free list: nothing leaks.
#![no_std]

extern crate alloc;

use alloc::vec::Vec;
use core::fmt;
use sel4::{
    cap, init_thread, sys, AbsoluteCPtr, CPtr, Cap, CapRights, CapType, FrameSize, ObjectType,
};

/// Why an allocation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllocError {
    /// No free CNode slot is left.
    OutOfSlots,
    /// No untyped region has room for the object.
    OutOfMemory,
    /// The kernel refused an invocation (e.g. an invalid object size).
    Kernel(sel4::Error),
}

impl From<sel4::Error> for AllocError {
    fn from(e: sel4::Error) -> Self {
        AllocError::Kernel(e)
    }
}

impl fmt::Display for AllocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AllocError::OutOfSlots => f.write_str("out of CNode slots"),
            AllocError::OutOfMemory => f.write_str("out of untyped memory"),
            AllocError::Kernel(e) => write!(f, "kernel error: {e}"),
        }
    }
}

/// How many occupied slots [`ObjectAllocator::allocate`] skips before it
/// gives up with `DeleteFirst`.
const OCCUPIED_RETRIES: usize = 64;

/// One untyped region the allocator draws from.
#[derive(Debug, Clone, Copy)]
struct Untyped {
    cap: cap::Untyped,
    size_bits: u8,
    /// Bytes used so far, as the kernel counts them (objects aligned to their size).
    used: usize,
    full: bool,
}

impl Untyped {
    fn size(&self) -> usize {
        1usize << self.size_bits
    }

    /// Offset where an object of `1 << bits` bytes would go, if it fits.
    fn fit(&self, bits: usize) -> Option<usize> {
        if self.full || bits > self.size_bits as usize {
            return None;
        }
        let at = self.used.next_multiple_of(1 << bits);
        (at + (1 << bits) <= self.size()).then_some(at)
    }
}

/// Allocates slots and objects in the current thread's CSpace (the initial
/// thread's CNode, addressed with full-word depth).
pub struct ObjectAllocator {
    cnode: cap::CNode,
    /// The first core's scheduling control (MCS kernels).
    #[cfg(sel4_mcs)]
    sched_control: CPtr,
    next_slot: usize,
    end_slot: usize,
    free_slots: Vec<usize>,
    untypeds: Vec<Untyped>,
    created: usize,
}

impl ObjectAllocator {
    /// Takes over the BootInfo's empty slots and its RAM untypeds (device
    /// untypeds are left alone). Slots the runtime reserved are not included.
    pub fn new(bootinfo: &sel4::BootInfo) -> Self {
        let first = bootinfo.untyped().start;
        let mut untypeds: Vec<Untyped> = bootinfo
            .untyped_list()
            .enumerate()
            .filter(|(_, d)| !d.is_device)
            .map(|(i, d)| Untyped {
                cap: Cap::from_cptr((first + i) as CPtr),
                size_bits: d.size_bits,
                used: 0,
                full: false,
            })
            .collect();
        untypeds.sort_by_key(|u| u.size_bits);
        let empty = bootinfo.empty();
        Self {
            cnode: init_thread::CNODE,
            #[cfg(sel4_mcs)]
            sched_control: bootinfo.sched_control().start as CPtr,
            next_slot: empty.start,
            end_slot: empty.end,
            free_slots: Vec::new(),
            untypeds,
            created: 0,
        }
    }

    /// The scheduling-control capability of the first core, from BootInfo
    /// (`seL4_BootInfo.schedcontrol`; MCS kernels): what configures the
    /// scheduling contexts of new threads.
    #[cfg(sel4_mcs)]
    pub fn sched_control(&self) -> cap::SchedControl {
        Cap::from_cptr(self.sched_control)
    }

    /// A reply object for a thread that receives calls ([`sel4::Reply`]):
    /// on MCS kernels a new `seL4_ReplyObject`, elsewhere the thread's own
    /// reply slot, which costs nothing.
    pub fn allocate_reply(&mut self) -> Result<sel4::Reply, AllocError> {
        #[cfg(sel4_mcs)]
        return Ok(sel4::Reply::new(self.allocate(ObjectType::Reply, 0)?));
        #[cfg(not(sel4_mcs))]
        return Ok(sel4::Reply::implicit());
    }

    /// How many kernel objects this allocator has created
    /// (`seL4_Untyped_Retype` calls that succeeded, paging structures
    /// included).
    pub fn objects_created(&self) -> usize {
        self.created
    }

    /// The CNode slots are allocated in.
    pub fn cnode(&self) -> cap::CNode {
        self.cnode
    }

    /// The absolute address of `slot` in that CNode.
    pub fn slot(&self, slot: CPtr) -> AbsoluteCPtr {
        self.cnode.absolute(slot)
    }

    /// An empty slot.
    pub fn alloc_slot(&mut self) -> Result<CPtr, AllocError> {
        if let Some(s) = self.free_slots.pop() {
            return Ok(s as CPtr);
        }
        if self.next_slot >= self.end_slot {
            return Err(AllocError::OutOfSlots);
        }
        self.next_slot += 1;
        Ok((self.next_slot - 1) as CPtr)
    }

    /// `count` consecutive empty slots (for a retype of several objects, or
    /// to hand a range to someone else), taken from the slots never used
    /// yet; [`AllocError::OutOfSlots`] if fewer than `count` are left there.
    /// Give them back one by one with [`ObjectAllocator::free_slot`].
    pub fn alloc_slot_range(&mut self, count: usize) -> Result<core::ops::Range<CPtr>, AllocError> {
        let end = self
            .next_slot
            .checked_add(count)
            .filter(|&end| end <= self.end_slot && count > 0)
            .ok_or(AllocError::OutOfSlots)?;
        let start = self.next_slot;
        self.next_slot = end;
        Ok(start as CPtr..end as CPtr)
    }

    /// Returns a slot to the allocator. The caller must have emptied it
    /// (deleted the capability it held). If the free list cannot grow (the
    /// heap is full) the slot is dropped instead of aborting: it is lost,
    /// never handed out twice.
    pub fn free_slot(&mut self, slot: CPtr) {
        if self.free_slots.try_reserve(1).is_ok() {
            self.free_slots.push(slot as usize);
        }
    }

    /// Free slots left.
    pub fn free_slot_count(&self) -> usize {
        self.end_slot - self.next_slot + self.free_slots.len()
    }

    /// Untyped RAM not yet handed out, in bytes.
    pub fn free_memory(&self) -> usize {
        self.untypeds
            .iter()
            .filter(|u| !u.full)
            .map(|u| u.size() - u.used.min(u.size()))
            .sum()
    }

    /// Places `count` objects of `1 << bits` bytes on paper the way
    /// [`ObjectAllocator::allocate`] would (smallest untyped with room first,
    /// each object aligned to its size) and returns how many of them fit and
    /// how many page-sized objects (`seL4_PageBits`: 4 KiB frames and paging
    /// structures) would still fit in the memory left after them. Nothing is
    /// retyped. The kernel may have less room than this (see the crate
    /// docs: its watermark can be ahead of the allocator's), and more only
    /// in an untyped whose children were all deleted.
    pub fn capacity(&self, bits: usize, count: usize) -> (usize, usize) {
        let page_bits = sys::seL4_PageBits as usize;
        let (mut placed, mut pages) = (0, 0);
        for u in self.untypeds.iter().filter(|u| !u.full) {
            let mut used = u.used;
            if bits <= u.size_bits as usize && placed < count {
                let at = used.next_multiple_of(1 << bits);
                let room = u.size().saturating_sub(at) >> bits;
                let n = room.min(count - placed);
                if n > 0 {
                    placed += n;
                    used = at + (n << bits);
                }
            }
            pages += u
                .size()
                .saturating_sub(used.next_multiple_of(1 << page_bits))
                >> page_bits;
        }
        (placed, pages)
    }

    /// Creates one object of `object` type (`size_bits` for untyped and
    /// CNodes) and returns a capability to it (`seL4_Untyped_Retype`).
    pub fn allocate<T: CapType>(
        &mut self,
        object: ObjectType,
        size_bits: usize,
    ) -> Result<Cap<T>, AllocError> {
        // A slot that turns out to be occupied (someone with access to the
        // CNode wrote into a slot this allocator believed free) is dropped,
        // not handed out again, and the next one is tried.
        for _ in 0..OCCUPIED_RETRIES {
            let slot = self.alloc_slot()?;
            match self.retype_into(object, size_bits, slot) {
                Ok(()) => {
                    self.created += 1;
                    return Ok(Cap::from_cptr(slot));
                }
                Err(AllocError::Kernel(sel4::Error::DeleteFirst)) => continue,
                Err(e) => {
                    self.free_slot(slot);
                    return Err(e);
                }
            }
        }
        Err(AllocError::Kernel(sel4::Error::DeleteFirst))
    }

    fn retype_into(
        &mut self,
        object: ObjectType,
        size_bits: usize,
        slot: CPtr,
    ) -> Result<(), AllocError> {
        let bits = object.size_bits(size_bits);
        let dest = self.cnode.absolute(0);
        // A depth-0 path names the CNode itself as the destination directory.
        let dir = AbsoluteCPtr { depth: 0, ..dest };
        loop {
            // Smallest untyped with room (the list is sorted by size).
            let Some((u, at)) = self
                .untypeds
                .iter_mut()
                .find_map(|u| u.fit(bits).map(|at| (u, at)))
            else {
                return self.retype_into_reset(object, size_bits, slot, &dir);
            };
            match u.cap.retype(object, size_bits, &dir, slot as usize, 1) {
                Ok(()) => {
                    u.used = at + (1 << bits);
                    return Ok(());
                }
                // The kernel's watermark is ahead of ours (someone else
                // retyped from this untyped: on seL4 5.0 the runtime takes
                // its main thread's TCB from the first untyped). All we learn
                // is that fewer than `1 << bits` bytes are left, so move our
                // watermark just past `size - (1 << bits)`: smaller objects
                // are still tried here, and each refusal moves it further.
                Err(sel4::Error::NotEnoughMemory) => {
                    u.used = u.used.max(u.size() - (1 << bits) + 1);
                    u.full = u.used >= u.size();
                }
                Err(e) => return Err(AllocError::Kernel(e)),
            }
        }
    }

    /// The last resort of [`Self::retype_into`] when no untyped has room by
    /// the allocator's count: asks the kernel of every untyped large enough.
    /// The kernel's watermark can be behind the allocator's: an untyped
    /// whose children were all deleted (through any capability, by anyone)
    /// starts again from its beginning on the next retype. On success all
    /// the allocator can say of the new watermark is that it is at least
    /// the object's size; a watermark that is behind only costs refusals,
    /// which move it on.
    fn retype_into_reset(
        &mut self,
        object: ObjectType,
        size_bits: usize,
        slot: CPtr,
        dir: &AbsoluteCPtr,
    ) -> Result<(), AllocError> {
        let bits = object.size_bits(size_bits);
        for u in self
            .untypeds
            .iter_mut()
            .filter(|u| bits <= u.size_bits as usize)
        {
            match u.cap.retype(object, size_bits, dir, slot as usize, 1) {
                Ok(()) => {
                    u.used = 1 << bits;
                    u.full = u.used >= u.size();
                    return Ok(());
                }
                Err(sel4::Error::NotEnoughMemory) => {}
                Err(e) => return Err(AllocError::Kernel(e)),
            }
        }
        Err(AllocError::OutOfMemory)
    }

    /// Deletes the capability in `slot` and frees the slot. The object's
    /// memory is not reused (untyped memory is reclaimed only by revoking the
    /// whole untyped).
    pub fn delete(&mut self, slot: CPtr) -> Result<(), AllocError> {
        self.cnode.absolute(slot).delete()?;
        self.free_slot(slot);
        Ok(())
    }

    /// Maps the 4 KiB `frame` at `vaddr` in `vspace` (`seL4_X86_Page_Map`),
    /// creating the page table, page directory and PDPT that cover `vaddr`
    /// when they are missing: [`ObjectAllocator::map_frame_sized`] with
    /// [`FrameSize::Small`]. Use that for 2 MiB and 1 GiB frames.
    pub fn map_frame(
        &mut self,
        vspace: cap::VSpace,
        frame: cap::Frame,
        vaddr: usize,
        rights: CapRights,
    ) -> Result<(), AllocError> {
        self.map_frame_sized(vspace, frame, FrameSize::Small, vaddr, rights)
    }

    /// Maps `frame`, a frame of `size`, at `vaddr` in `vspace`
    /// (`seL4_X86_Page_Map`), creating the missing paging structures its
    /// size needs and no others: page table, page directory and PDPT for a
    /// 4 KiB frame; page directory and PDPT for a 2 MiB frame (it takes a
    /// page directory entry: a page table there would block it); a PDPT for
    /// a 1 GiB frame.
    ///
    /// `vaddr` must be aligned to `size`: otherwise
    /// `AllocError::Kernel(AlignmentError)` and nothing is done. If the
    /// frame cannot be mapped after structures were created for it, those
    /// structures are unmapped and deleted again (`seL4_CNode_Delete`; their
    /// memory stays with its untyped) and the kernel's error is returned, so
    /// a failed call leaves the address space as it found it.
    ///
    /// The kernel does not tell a frame's size, so `size` is the caller's
    /// claim, and it only decides which structures are created: a claim
    /// that does not match the frame ends in an error with nothing left
    /// behind (a 4 KiB frame claimed larger finds no page table: the
    /// kernel's `FailedLookup`; a 2 MiB frame claimed 4 KiB finds the page
    /// table just created for it: `DeleteFirst`). Where everything the frame
    /// needs already exists, the first `seL4_X86_Page_Map` succeeds whatever
    /// the claim: the kernel maps the frame by its real size.
    pub fn map_frame_sized(
        &mut self,
        vspace: cap::VSpace,
        frame: cap::Frame,
        size: FrameSize,
        vaddr: usize,
        rights: CapRights,
    ) -> Result<(), AllocError> {
        if !vaddr.is_multiple_of(1 << size.bits()) {
            return Err(AllocError::Kernel(sel4::Error::AlignmentError));
        }
        match frame.map(vspace, vaddr, rights, sel4::VM_DEFAULT) {
            Err(sel4::Error::FailedLookup) => {}
            other => return Ok(other?),
        }
        let level = match size {
            FrameSize::Small => Level::PageTable,
            FrameSize::Large => Level::PageDirectory,
            FrameSize::Huge => Level::Pdpt,
        };
        let mut created = Created::default();
        let r = self
            .ensure_level(vspace, vaddr, level, &mut created)
            .and_then(|()| Ok(frame.map(vspace, vaddr, rights, sel4::VM_DEFAULT)?));
        if r.is_err() {
            // Lowest level first; deleting the last capability to a mapped
            // paging structure unmaps it, the explicit unmap says so.
            for slot in created.slots.iter().rev().flatten() {
                let _ = self.unmap_structure(*slot);
                let _ = self.delete(slot.0);
            }
        }
        r
    }

    fn unmap_structure(&self, (slot, level): (CPtr, Level)) -> sel4::Result<()> {
        let cap = cap::Unspecified::from_cptr(slot);
        match level {
            Level::PageTable => cap.cast::<sel4::cap_type::PageTable>().unmap(),
            Level::PageDirectory => cap.cast::<sel4::cap_type::PageDirectory>().unmap(),
            Level::Pdpt => cap.cast::<sel4::cap_type::Pdpt>().unmap(),
        }
    }

    /// Makes sure a page table (and the page directory and PDPT above it)
    /// covers `vaddr` in `vspace`, creating only the missing ones
    /// (`seL4_X86_PageTable_Map`, `seL4_X86_PageDirectory_Map`,
    /// `seL4_X86_PDPT_Map`).
    pub fn map_paging_structures(
        &mut self,
        vspace: cap::VSpace,
        vaddr: usize,
    ) -> Result<(), AllocError> {
        self.ensure_level(vspace, vaddr, Level::PageTable, &mut Created::default())
    }

    fn ensure_level(
        &mut self,
        vspace: cap::VSpace,
        vaddr: usize,
        level: Level,
        created: &mut Created,
    ) -> Result<(), AllocError> {
        let object = match level {
            Level::PageTable => ObjectType::PageTable,
            Level::PageDirectory => ObjectType::PageDirectory,
            Level::Pdpt => ObjectType::Pdpt,
        };
        let cap: cap::Unspecified = self.allocate(object, 0)?;
        loop {
            let r = match level {
                Level::PageTable => {
                    cap.cast::<sel4::cap_type::PageTable>()
                        .map(vspace, vaddr, sel4::VM_DEFAULT)
                }
                Level::PageDirectory => {
                    cap.cast::<sel4::cap_type::PageDirectory>()
                        .map(vspace, vaddr, sel4::VM_DEFAULT)
                }
                Level::Pdpt => {
                    cap.cast::<sel4::cap_type::Pdpt>()
                        .map(vspace, vaddr, sel4::VM_DEFAULT)
                }
            };
            match (r, level.parent()) {
                (Ok(()), _) => {
                    created.push(cap.cptr(), level);
                    return Ok(());
                }
                // The level above is missing: create it, then try again.
                (Err(sel4::Error::FailedLookup), Some(parent)) => {
                    if let Err(e) = self.ensure_level(vspace, vaddr, parent, created) {
                        self.delete(cap.cptr())?;
                        return Err(e);
                    }
                }
                // Already there after all: this one is not needed.
                (Err(sel4::Error::DeleteFirst), _) => return self.delete(cap.cptr()),
                (Err(e), _) => {
                    self.delete(cap.cptr())?;
                    return Err(AllocError::Kernel(e));
                }
            }
        }
    }
}

/// The paging structures one mapping created, in the order they were
/// mapped (at most one per level; a fixed array because the heap may be
/// growing through this very call).
#[derive(Default)]
struct Created {
    slots: [Option<(CPtr, Level)>; 3],
}

impl Created {
    fn push(&mut self, slot: CPtr, level: Level) {
        if let Some(free) = self.slots.iter_mut().find(|s| s.is_none()) {
            *free = Some((slot, level));
        }
    }
}

/// A level of the x86_64 paging hierarchy below the PML4.
#[derive(Debug, Clone, Copy)]
enum Level {
    PageTable,
    PageDirectory,
    Pdpt,
}

impl Level {
    fn parent(self) -> Option<Level> {
        match self {
            Level::PageTable => Some(Level::PageDirectory),
            Level::PageDirectory => Some(Level::Pdpt),
            Level::Pdpt => None,
        }
    }
}
