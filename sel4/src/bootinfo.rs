//! The initial thread's BootInfo (`seL4_BootInfo`).

use crate::sys;
use core::ops::Range;

/// A range of slots in the initial thread's CNode (`seL4_SlotRegion`).
pub type SlotRegion = Range<usize>;

/// The BootInfo frame the kernel passes to the initial thread
/// (`seL4_BootInfo`). Its layout comes from the kernel's headers (packed on
/// seL4 5.0, naturally aligned on current kernels); accessors copy fields out
/// so both layouts work.
///
/// Slots that the runtime takes from the empty region for itself (see
/// [`BootInfo::reserve_empty_slots`]) no longer appear in [`BootInfo::empty`].
pub struct BootInfo {
    raw: &'static sys::seL4_BootInfo,
    first_empty: usize,
}

/// Description of one untyped capability in BootInfo (`seL4_UntypedDesc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UntypedDesc {
    /// Physical address of the region.
    pub paddr: usize,
    /// The region is `1 << size_bits` bytes.
    pub size_bits: u8,
    /// Device memory (MMIO), not RAM.
    pub is_device: bool,
}

impl UntypedDesc {
    /// Size of the region in bytes.
    pub fn size(&self) -> usize {
        1usize << self.size_bits
    }
}

fn region(r: sys::seL4_SlotRegion) -> SlotRegion {
    r.start as usize..r.end as usize
}

impl BootInfo {
    /// Views the kernel's BootInfo frame.
    ///
    /// # Safety
    /// `ptr` must point to the BootInfo frame the kernel mapped for the
    /// initial thread; it stays mapped for the life of the thread.
    pub unsafe fn from_ptr(ptr: *const sys::seL4_BootInfo) -> BootInfo {
        // SAFETY: the caller guarantees a valid, permanently mapped frame.
        let raw = unsafe { &*ptr };
        BootInfo {
            raw,
            first_empty: raw.empty.start as usize,
        }
    }

    /// The raw `seL4_BootInfo`.
    pub fn raw(&self) -> &'static sys::seL4_BootInfo {
        self.raw
    }

    /// Takes `n` slots from the start of the empty region, which
    /// [`BootInfo::empty`] no longer reports; `None` if fewer are left.
    pub fn reserve_empty_slots(&mut self, n: usize) -> Option<SlotRegion> {
        let free = self.empty();
        if free.len() < n {
            return None;
        }
        self.first_empty += n;
        Some(free.start..free.start + n)
    }

    /// The initial thread's IPC buffer (`seL4_BootInfo.ipcBuffer`).
    pub fn ipc_buffer(&self) -> *mut sys::seL4_IPCBuffer {
        self.raw.ipcBuffer
    }

    /// Empty slots in the initial CNode (`seL4_BootInfo.empty`).
    pub fn empty(&self) -> SlotRegion {
        self.first_empty..self.raw.empty.end as usize
    }

    /// Slots holding untyped capabilities (`seL4_BootInfo.untyped`); the
    /// n-th slot is described by `untyped_list()[n]`.
    pub fn untyped(&self) -> SlotRegion {
        region(self.raw.untyped)
    }

    /// Slots holding the frames of the initial thread's image (`userImageFrames`).
    pub fn user_image_frames(&self) -> SlotRegion {
        region(self.raw.userImageFrames)
    }

    /// Slots holding the scheduling-control capabilities, one per core
    /// (`seL4_BootInfo.schedcontrol`; MCS kernels, empty elsewhere).
    pub fn sched_control(&self) -> SlotRegion {
        #[cfg(sel4_mcs)]
        return region(self.raw.schedcontrol);
        #[cfg(not(sel4_mcs))]
        return 0..0;
    }

    /// Radix of the initial thread's CNode in bits (`initThreadCNodeSizeBits`).
    pub fn cnode_size_bits(&self) -> usize {
        self.raw.initThreadCNodeSizeBits as usize
    }

    /// The descriptions of the untyped capabilities (`seL4_BootInfo.untypedList`).
    pub fn untyped_list(&self) -> impl ExactSizeIterator<Item = UntypedDesc> + '_ {
        let n = self.untyped().len();
        // Read whole descriptors by value: on packed layouts the fields are
        // unaligned, so no references into the list are formed.
        let list = core::ptr::addr_of!(self.raw.untypedList) as *const sys::seL4_UntypedDesc;
        (0..n).map(move |i| {
            // SAFETY: the kernel fills `untyped().len()` entries, within the array.
            let d = unsafe { list.add(i).read_unaligned() };
            UntypedDesc {
                paddr: d.paddr as usize,
                size_bits: d.sizeBits,
                is_device: d.isDevice != 0,
            }
        })
    }

    /// Total bytes of untyped RAM (device untypeds excluded).
    pub fn free_memory(&self) -> usize {
        self.untyped_list()
            .filter(|u| !u.is_device)
            .map(|u| u.size())
            .sum()
    }
}
