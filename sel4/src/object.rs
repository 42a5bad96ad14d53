//! Object types for `Untyped_Retype` and the rights of capabilities.

use crate::sys;

/// Frame sizes on x86_64.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameSize {
    /// 4 KiB (`seL4_X86_4K`).
    Small,
    /// 2 MiB (`seL4_X86_LargePageObject`).
    Large,
    /// 1 GiB (`seL4_X64_HugePageObject`).
    Huge,
}

impl FrameSize {
    /// log2 of the size in bytes (`seL4_PageBits`, `seL4_LargePageBits`, `seL4_HugePageBits`).
    pub const fn bits(self) -> usize {
        match self {
            FrameSize::Small => sys::seL4_PageBits as usize,
            FrameSize::Large => sys::seL4_LargePageBits as usize,
            FrameSize::Huge => sys::seL4_HugePageBits as usize,
        }
    }
}

/// A kind of object `Untyped_Retype` can create (`seL4_ObjectType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectType {
    /// Untyped memory of `1 << size_bits` bytes (`seL4_UntypedObject`).
    Untyped,
    /// A TCB (`seL4_TCBObject`).
    Tcb,
    /// An endpoint (`seL4_EndpointObject`).
    Endpoint,
    /// A notification (`seL4_NotificationObject`).
    Notification,
    /// A CNode of `1 << size_bits` slots (`seL4_CapTableObject`).
    CNode,
    /// A frame (`seL4_X86_4K`, `seL4_X86_LargePageObject`, `seL4_X64_HugePageObject`).
    Frame(FrameSize),
    /// A page table (`seL4_X86_PageTableObject`).
    PageTable,
    /// A page directory (`seL4_X86_PageDirectoryObject`).
    PageDirectory,
    /// A page-directory-pointer table (`seL4_X86_PDPTObject`).
    Pdpt,
    /// A PML4, an address space root (`seL4_X64_PML4Object`).
    VSpace,
    /// A scheduling context of `1 << size_bits` bytes, at least
    /// `seL4_MinSchedContextBits` (`seL4_SchedContextObject`; MCS kernels).
    /// Its size bounds the number of refills it can hold.
    #[cfg(sel4_mcs)]
    SchedContext,
    /// A reply object (`seL4_ReplyObject`; MCS kernels).
    #[cfg(sel4_mcs)]
    Reply,
}

impl ObjectType {
    /// The kernel's number for this type (`seL4_ObjectType`, from its headers).
    pub fn to_sys(self) -> sys::seL4_Word {
        (match self {
            ObjectType::Untyped => sys::seL4_UntypedObject,
            ObjectType::Tcb => sys::seL4_TCBObject,
            ObjectType::Endpoint => sys::seL4_EndpointObject,
            ObjectType::Notification => sys::seL4_NotificationObject,
            ObjectType::CNode => sys::seL4_CapTableObject,
            ObjectType::Frame(FrameSize::Small) => sys::seL4_X86_4K,
            ObjectType::Frame(FrameSize::Large) => sys::seL4_X86_LargePageObject,
            ObjectType::Frame(FrameSize::Huge) => sys::seL4_X64_HugePageObject,
            ObjectType::PageTable => sys::seL4_X86_PageTableObject,
            ObjectType::PageDirectory => sys::seL4_X86_PageDirectoryObject,
            ObjectType::Pdpt => sys::seL4_X86_PDPTObject,
            ObjectType::VSpace => sys::seL4_X64_PML4Object,
            #[cfg(sel4_mcs)]
            ObjectType::SchedContext => sys::seL4_SchedContextObject,
            #[cfg(sel4_mcs)]
            ObjectType::Reply => sys::seL4_ReplyObject,
        }) as sys::seL4_Word
    }

    /// log2 of the object's size in bytes, for fixed-size objects; for
    /// `Untyped` and `CNode` the size depends on `size_bits` and this returns
    /// the size for the given `size_bits` (a `SchedContext` is at least
    /// `seL4_MinSchedContextBits`).
    pub fn size_bits(self, size_bits: usize) -> usize {
        match self {
            ObjectType::Untyped => size_bits,
            ObjectType::CNode => size_bits + sys::seL4_SlotBits as usize,
            ObjectType::Tcb => sys::seL4_TCBBits as usize,
            ObjectType::Endpoint => sys::seL4_EndpointBits as usize,
            ObjectType::Notification => sys::seL4_NotificationBits as usize,
            ObjectType::Frame(s) => s.bits(),
            ObjectType::PageTable => sys::seL4_PageTableBits as usize,
            ObjectType::PageDirectory => sys::seL4_PageDirBits as usize,
            ObjectType::Pdpt => sys::seL4_PDPTBits as usize,
            ObjectType::VSpace => sys::seL4_PML4Bits as usize,
            #[cfg(sel4_mcs)]
            ObjectType::SchedContext => size_bits.max(sys::seL4_MinSchedContextBits as usize),
            #[cfg(sel4_mcs)]
            ObjectType::Reply => sys::seL4_ReplyBits as usize,
        }
    }
}

impl ObjectType {
    /// The `size_bits` argument `seL4_Untyped_Retype` gets for this type when
    /// the caller asks for `size_bits`: the same, except that a scheduling
    /// context is at least `seL4_MinSchedContextBits`.
    pub fn retype_size_bits(self, size_bits: usize) -> usize {
        match self {
            #[cfg(sel4_mcs)]
            ObjectType::SchedContext => self.size_bits(size_bits),
            _ => size_bits,
        }
    }
}

/// The rights a capability grants (`seL4_CapRights_t`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CapRights {
    /// Read (receive on endpoints).
    pub read: bool,
    /// Write (send on endpoints).
    pub write: bool,
    /// Grant: transfer capabilities over an endpoint.
    pub grant: bool,
    /// Grant reply (kernels that have it; ignored by seL4 5.0).
    pub grant_reply: bool,
}

impl CapRights {
    /// All rights (`seL4_AllRights`).
    pub const fn all() -> Self {
        Self {
            read: true,
            write: true,
            grant: true,
            grant_reply: true,
        }
    }
    /// Read and write, no grant (`seL4_ReadWrite`).
    pub const fn read_write() -> Self {
        Self {
            read: true,
            write: true,
            grant: false,
            grant_reply: false,
        }
    }
    /// Read only (`seL4_CanRead`).
    pub const fn read_only() -> Self {
        Self {
            read: true,
            write: false,
            grant: false,
            grant_reply: false,
        }
    }
    /// Write only (`seL4_CanWrite`).
    pub const fn write_only() -> Self {
        Self {
            read: false,
            write: true,
            grant: false,
            grant_reply: false,
        }
    }

    /// The kernel's bitfield (`seL4_CapRights_t`).
    pub fn to_sys(self) -> sys::seL4_CapRights {
        let mut r = sys::seL4_CapRights::default();
        r.set_capAllowRead(self.read as u64);
        r.set_capAllowWrite(self.write as u64);
        r.set_capAllowGrant(self.grant as u64);
        #[cfg(sel4_has = "seL4_CapRights.capAllowGrantReply")]
        r.set_capAllowGrantReply(self.grant_reply as u64);
        r
    }
}
