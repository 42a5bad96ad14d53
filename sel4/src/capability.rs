//! Typed capabilities: `Cap<T>` is a capability pointer (`seL4_CPtr`) whose
//! object type `T` is known to the compiler, so only the invocations that
//! object supports can be called on it.

use crate::{sys, CPtr};
use core::fmt;
use core::marker::PhantomData;

/// The object type a capability refers to; implemented by the marker types
/// in [`cap_type`].
pub trait CapType: Copy {
    /// The name seL4 uses for the object's interface (e.g. `seL4_TCB`).
    const NAME: &'static str;
}

/// Marker types, one per kind of seL4 object.
pub mod cap_type {
    macro_rules! cap_types {
        ($($(#[$doc:meta])* $name:ident => $sel4:literal,)*) => {$(
            $(#[$doc])*
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub struct $name;
            impl super::CapType for $name {
                const NAME: &'static str = $sel4;
            }
        )*};
    }
    cap_types! {
        /// Untyped memory (`seL4_Untyped`).
        Untyped => "seL4_Untyped",
        /// A thread control block (`seL4_TCB`).
        Tcb => "seL4_TCB",
        /// An IPC endpoint (`seL4_Endpoint`).
        Endpoint => "seL4_Endpoint",
        /// A notification object (`seL4_Notification`).
        Notification => "seL4_Notification",
        /// A CNode (`seL4_CNode`).
        CNode => "seL4_CNode",
        /// An address space root: on x86_64 a PML4 (`seL4_X64_PML4`).
        VSpace => "seL4_X64_PML4",
        /// A page-directory-pointer table (`seL4_X86_PDPT`).
        Pdpt => "seL4_X86_PDPT",
        /// A page directory (`seL4_X86_PageDirectory`).
        PageDirectory => "seL4_X86_PageDirectory",
        /// A page table (`seL4_X86_PageTable`).
        PageTable => "seL4_X86_PageTable",
        /// A 4 KiB frame (`seL4_X86_Page`, object `seL4_X86_4K`).
        Frame => "seL4_X86_Page",
        /// A 2 MiB frame (`seL4_X86_Page`, object `seL4_X86_LargePageObject`).
        LargeFrame => "seL4_X86_Page",
        /// The IRQ control capability (`seL4_IRQControl`).
        IrqControl => "seL4_IRQControl",
        /// The handler of one interrupt (`seL4_IRQHandler`).
        IrqHandler => "seL4_IRQHandler",
        /// The I/O port control capability (`seL4_X86_IOPortControl`).
        IoPortControl => "seL4_X86_IOPortControl",
        /// A range of x86 I/O ports (`seL4_X86_IOPort`).
        IoPort => "seL4_X86_IOPort",
        /// The ASID control capability (`seL4_X86_ASIDControl`).
        AsidControl => "seL4_X86_ASIDControl",
        /// An ASID pool (`seL4_X86_ASIDPool`).
        AsidPool => "seL4_X86_ASIDPool",
        /// A scheduling context: a budget of CPU time per period (`seL4_SchedContext`, MCS kernels).
        SchedContext => "seL4_SchedContext",
        /// The authority to configure scheduling contexts on one core (`seL4_SchedControl`, MCS kernels).
        SchedControl => "seL4_SchedControl",
        /// A reply object: where the reply to a received call goes (`seL4_Reply`, MCS kernels).
        Reply => "seL4_Reply",
        /// A capability whose type is not known statically.
        Unspecified => "seL4_CPtr",
    }
}

/// A capability to an object of type `T`: a capability pointer in the
/// current thread's CSpace (`seL4_CPtr`) plus its type.
pub struct Cap<T: CapType> {
    cptr: CPtr,
    _type: PhantomData<T>,
}

impl<T: CapType> Cap<T> {
    /// Names the capability at `cptr`, claiming it refers to a `T`. A wrong
    /// claim is caught by the kernel: invocations return
    /// [`crate::Error::InvalidCapability`] or [`crate::Error::IllegalOperation`].
    pub const fn from_cptr(cptr: CPtr) -> Self {
        Self {
            cptr,
            _type: PhantomData,
        }
    }

    /// The capability pointer.
    pub const fn cptr(self) -> CPtr {
        self.cptr
    }

    /// The same capability pointer with another claimed type.
    pub const fn cast<U: CapType>(self) -> Cap<U> {
        Cap::from_cptr(self.cptr)
    }
}

impl<T: CapType> Clone for Cap<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: CapType> Copy for Cap<T> {}
impl<T: CapType> PartialEq for Cap<T> {
    fn eq(&self, other: &Self) -> bool {
        self.cptr == other.cptr
    }
}
impl<T: CapType> Eq for Cap<T> {}
impl<T: CapType> fmt::Debug for Cap<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cap<{}>({})", T::NAME, self.cptr)
    }
}

/// Short names for capabilities of each type (`sel4::cap::Tcb` is `Cap<cap_type::Tcb>`).
pub mod cap {
    use super::{cap_type, Cap};
    /// `Cap<cap_type::Untyped>`.
    pub type Untyped = Cap<cap_type::Untyped>;
    /// `Cap<cap_type::Tcb>`.
    pub type Tcb = Cap<cap_type::Tcb>;
    /// `Cap<cap_type::Endpoint>`.
    pub type Endpoint = Cap<cap_type::Endpoint>;
    /// `Cap<cap_type::Notification>`.
    pub type Notification = Cap<cap_type::Notification>;
    /// `Cap<cap_type::CNode>`.
    pub type CNode = Cap<cap_type::CNode>;
    /// `Cap<cap_type::VSpace>`.
    pub type VSpace = Cap<cap_type::VSpace>;
    /// `Cap<cap_type::Pdpt>`.
    pub type Pdpt = Cap<cap_type::Pdpt>;
    /// `Cap<cap_type::PageDirectory>`.
    pub type PageDirectory = Cap<cap_type::PageDirectory>;
    /// `Cap<cap_type::PageTable>`.
    pub type PageTable = Cap<cap_type::PageTable>;
    /// `Cap<cap_type::Frame>`.
    pub type Frame = Cap<cap_type::Frame>;
    /// `Cap<cap_type::LargeFrame>`.
    pub type LargeFrame = Cap<cap_type::LargeFrame>;
    /// `Cap<cap_type::IrqControl>`.
    pub type IrqControl = Cap<cap_type::IrqControl>;
    /// `Cap<cap_type::IrqHandler>`.
    pub type IrqHandler = Cap<cap_type::IrqHandler>;
    /// `Cap<cap_type::IoPortControl>`.
    pub type IoPortControl = Cap<cap_type::IoPortControl>;
    /// `Cap<cap_type::IoPort>`.
    pub type IoPort = Cap<cap_type::IoPort>;
    /// `Cap<cap_type::AsidControl>`.
    pub type AsidControl = Cap<cap_type::AsidControl>;
    /// `Cap<cap_type::AsidPool>`.
    pub type AsidPool = Cap<cap_type::AsidPool>;
    /// `Cap<cap_type::SchedContext>`.
    pub type SchedContext = Cap<cap_type::SchedContext>;
    /// `Cap<cap_type::SchedControl>`.
    pub type SchedControl = Cap<cap_type::SchedControl>;
    /// `Cap<cap_type::Reply>`.
    pub type Reply = Cap<cap_type::Reply>;
    /// `Cap<cap_type::Unspecified>`.
    pub type Unspecified = Cap<cap_type::Unspecified>;
}

/// The capabilities the kernel places in the initial thread's CNode
/// (`seL4_CapInitThreadTCB`, ... from the kernel's headers).
pub mod init_thread {
    use super::{cap, Cap};
    use crate::{sys, AbsoluteCPtr, CPtr};

    /// The initial thread's TCB (`seL4_CapInitThreadTCB`). Under
    /// `substrate-root-task` this is always the TCB of the thread running
    /// `main`, also where `main` runs on a second TCB (seL4 5.0): the runtime
    /// swaps the two capabilities before `main` starts.
    pub const TCB: cap::Tcb = Cap::from_cptr(sys::seL4_CapInitThreadTCB as CPtr);
    /// The initial thread's CNode (`seL4_CapInitThreadCNode`).
    pub const CNODE: cap::CNode = Cap::from_cptr(sys::seL4_CapInitThreadCNode as CPtr);
    /// The initial thread's VSpace root (`seL4_CapInitThreadVSpace`).
    pub const VSPACE: cap::VSpace = Cap::from_cptr(sys::seL4_CapInitThreadVSpace as CPtr);
    /// IRQ control (`seL4_CapIRQControl`).
    pub const IRQ_CONTROL: cap::IrqControl = Cap::from_cptr(sys::seL4_CapIRQControl as CPtr);
    /// ASID control (`seL4_CapASIDControl`).
    pub const ASID_CONTROL: cap::AsidControl = Cap::from_cptr(sys::seL4_CapASIDControl as CPtr);
    /// The initial thread's ASID pool (`seL4_CapInitThreadASIDPool`).
    pub const ASID_POOL: cap::AsidPool = Cap::from_cptr(sys::seL4_CapInitThreadASIDPool as CPtr);
    /// I/O port control (`seL4_CapIOPortControl`, current kernels).
    #[cfg(sel4_has = "X86_IOPortControl_Issue")]
    pub const IO_PORT_CONTROL: cap::IoPortControl =
        Cap::from_cptr(sys::seL4_CapIOPortControl as CPtr);
    /// The initial thread's IPC buffer frame (`seL4_CapInitThreadIPCBuffer`).
    pub const IPC_BUFFER: cap::Frame = Cap::from_cptr(sys::seL4_CapInitThreadIPCBuffer as CPtr);

    /// The slot `index` of the initial thread's CNode as an absolute address.
    pub fn slot(index: usize) -> AbsoluteCPtr {
        CNODE.absolute(index as CPtr)
    }
}

/// The word width in bits (`seL4_WordBits`), the depth of a full CSpace path.
pub const WORD_BITS: usize = sys::seL4_WordBits as usize;
