//! Invocations as methods on typed capabilities. Each method names the
//! seL4 call it wraps and maps the kernel's error code to [`crate::Error`].
//!
//! A few arguments changed type between kernel versions (a badge was a
//! `seL4_CapData_t` in seL4 5.0 and is a word today); the private traits
//! [`BadgeArg`] and [`GuardArg`] build whichever type the kernel's
//! interface files declare, so the same code serves every version.

use crate::capability::{cap, init_thread, Cap, CapType, WORD_BITS};
use crate::object::{CapRights, ObjectType};
use crate::{sys, CPtr, Error, Result, Word};

/// A capability slot named from a CNode: the CNode, an index into the
/// CSpace rooted there, and the number of bits of the index to resolve
/// (the `root`/`index`/`depth` triple of CNode invocations).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbsoluteCPtr {
    /// The CNode the path is resolved from.
    pub root: cap::CNode,
    /// The path (slot index for a single-level CSpace).
    pub path: CPtr,
    /// Bits of `path` to resolve.
    pub depth: usize,
}

impl<T: CapType> Cap<T> {
    /// Names this capability's own slot in the CSpace rooted at `root` with a
    /// full-word path: valid when the capability lives in the current
    /// thread's CSpace and `root` is that CSpace's root.
    pub fn absolute_in(self, root: cap::CNode) -> AbsoluteCPtr {
        AbsoluteCPtr {
            root,
            path: self.cptr(),
            depth: WORD_BITS,
        }
    }
}

impl cap::CNode {
    /// Names the slot `path` resolved from this CNode with a full-word depth.
    pub const fn absolute(self, path: CPtr) -> AbsoluteCPtr {
        AbsoluteCPtr {
            root: self,
            path,
            depth: WORD_BITS,
        }
    }
}

/// Builds a badge argument of whatever type the kernel's `CNode_Mint` takes.
pub trait BadgeArg {
    /// The badge `badge` in this representation.
    fn badge(badge: Word) -> Self;
}

impl BadgeArg for Word {
    fn badge(badge: Word) -> Self {
        badge
    }
}

#[cfg(sel4_has = "seL4_CapData")]
impl BadgeArg for sys::seL4_CapData {
    fn badge(badge: Word) -> Self {
        sys::seL4_CapData::Badge_new(badge)
    }
}

/// Builds a CNode guard argument of whatever type the kernel's TCB
/// invocations take (`cspace_root_data`).
pub trait GuardArg {
    /// A guard of `guard_size` bits with value `guard`.
    fn guard(guard: Word, guard_size: Word) -> Self;
}

#[cfg(sel4_has = "seL4_CNode_CapData")]
impl GuardArg for Word {
    fn guard(guard: Word, guard_size: Word) -> Self {
        sys::seL4_CNode_CapData::new(guard, guard_size).words[0]
    }
}

#[cfg(sel4_has = "seL4_CapData")]
impl GuardArg for sys::seL4_CapData {
    fn guard(guard: Word, guard_size: Word) -> Self {
        sys::seL4_CapData::Guard_new(guard, guard_size)
    }
}

/// The `cspace_root_data` argument of TCB invocations for a guard of
/// `guard_size` bits with value `guard`. Zero root data means "leave the
/// capability as it is"; a guard word with size 0 would not be zero on
/// seL4 5.0, so size 0 gives the zero value.
pub(crate) fn root_data<G: GuardArg + Default>(guard: Word, guard_size: Word) -> G {
    if guard_size == 0 {
        G::default()
    } else {
        G::guard(guard, guard_size)
    }
}

fn check(code: sys::seL4_Error) -> Result<()> {
    Error::check(code)
}

/// Calls the CNode invocation `$f` that takes a destination and a source slot
/// (`seL4_CNode_Copy`, `_Mint`, `_Move`): the `root`/`index`/`depth` triples of
/// the [`AbsoluteCPtr`]s `$dest` and `$src`, then the remaining arguments.
macro_rules! dest_src_invocation {
    ($f:path, $dest:expr, $src:expr $(, $arg:expr)* $(,)?) => {
        $f(
            $dest.root.cptr(),
            $dest.path,
            $dest.depth as _,
            $src.root.cptr(),
            $src.path,
            $src.depth as _,
            $($arg),*
        )
    };
}

impl AbsoluteCPtr {
    /// Copies the capability at `src` into this (empty) slot with `rights`
    /// (`seL4_CNode_Copy`).
    pub fn copy(&self, src: &AbsoluteCPtr, rights: CapRights) -> Result<()> {
        // SAFETY: the invocation takes no pointers; bad arguments return errors.
        check(unsafe { dest_src_invocation!(sys::seL4_CNode_Copy, self, src, rights.to_sys()) })
    }

    /// Copies the capability at `src` into this slot with `rights` and a
    /// `badge` (endpoints, notifications) (`seL4_CNode_Mint`).
    /// [`Error::InvalidArgument`], without invoking the kernel, for a badge
    /// above [`crate::MAX_BADGE`] (which the kernel would truncate).
    pub fn mint(&self, src: &AbsoluteCPtr, rights: CapRights, badge: Word) -> Result<()> {
        // The bits above the badge field must be clear (no bits are above
        // it where the badge is a whole word).
        if badge
            .checked_shr(crate::BADGE_BITS)
            .is_some_and(|high| high != 0)
        {
            return Err(Error::InvalidArgument);
        }
        // SAFETY: as for copy.
        check(unsafe {
            dest_src_invocation!(
                sys::seL4_CNode_Mint,
                self,
                src,
                rights.to_sys(),
                BadgeArg::badge(badge),
            )
        })
    }

    /// Moves the capability at `src` into this slot (`seL4_CNode_Move`).
    pub fn move_from(&self, src: &AbsoluteCPtr) -> Result<()> {
        // SAFETY: as for copy.
        check(unsafe { dest_src_invocation!(sys::seL4_CNode_Move, self, src) })
    }

    /// Deletes the capability in this slot (`seL4_CNode_Delete`). Deleting the
    /// last capability to a mapped frame unmaps it.
    ///
    /// # Memory safety
    ///
    /// This function is safe because the kernel checks every argument, but it
    /// changes what memory is visible in an address space. Used on the
    /// current thread's VSpace, taking away or replacing a frame that backs
    /// live data (the image, a stack, the heap, the IPC buffer) faults on the
    /// next access or shows other contents under existing references; the
    /// caller must only do this to memory nothing else refers to.
    pub fn delete(&self) -> Result<()> {
        // SAFETY: as for copy.
        check(unsafe { sys::seL4_CNode_Delete(self.root.cptr(), self.path, self.depth as _) })
    }

    /// Moves the calling thread's reply capability (the one its last
    /// `seL4_Recv` of a call left in its TCB) into this empty slot
    /// (`seL4_CNode_SaveCaller`, non-MCS kernels); `seL4_Send` on the
    /// saved capability then answers the caller.
    #[cfg(not(sel4_mcs))]
    pub fn save_caller(&self) -> Result<()> {
        // SAFETY: registers only; the kernel checks every argument.
        check(unsafe { sys::seL4_CNode_SaveCaller(self.root.cptr(), self.path, self.depth as _) })
    }

    /// Deletes every capability derived from the one in this slot
    /// (`seL4_CNode_Revoke`); derived frame capabilities that are mapped get
    /// unmapped.
    ///
    /// # Memory safety
    ///
    /// This function is safe because the kernel checks every argument, but it
    /// changes what memory is visible in an address space. Used on the
    /// current thread's VSpace, taking away or replacing a frame that backs
    /// live data (the image, a stack, the heap, the IPC buffer) faults on the
    /// next access or shows other contents under existing references; the
    /// caller must only do this to memory nothing else refers to.
    pub fn revoke(&self) -> Result<()> {
        // SAFETY: as for copy.
        check(unsafe { sys::seL4_CNode_Revoke(self.root.cptr(), self.path, self.depth as _) })
    }
}

impl cap::Untyped {
    /// Creates `count` objects of `object` type from this untyped and puts
    /// capabilities to them in consecutive slots starting at `dest_offset` of
    /// the CNode at `dest` (`seL4_Untyped_Retype`). `size_bits` sizes
    /// variable-sized objects (untyped, CNodes, scheduling contexts: at least
    /// `seL4_MinSchedContextBits`) and is ignored otherwise.
    pub fn retype(
        self,
        object: ObjectType,
        size_bits: usize,
        dest: &AbsoluteCPtr,
        dest_offset: usize,
        count: usize,
    ) -> Result<()> {
        // SAFETY: the invocation takes no pointers; bad arguments return errors.
        check(unsafe {
            sys::seL4_Untyped_Retype(
                self.cptr(),
                object.to_sys() as _,
                object.retype_size_bits(size_bits) as _,
                dest.root.cptr(),
                dest.path,
                dest.depth as _,
                dest_offset as _,
                count as _,
            )
        })
    }
}

/// The general-purpose registers of a thread (`seL4_UserContext`).
pub type UserContext = sys::seL4_UserContext;

/// Words in a [`UserContext`]: the `count` that reads or writes all of them.
const USER_CONTEXT_WORDS: usize =
    core::mem::size_of::<UserContext>() / core::mem::size_of::<Word>();

impl cap::Tcb {
    /// Reads the thread's registers (`seL4_TCB_ReadRegisters`), suspending
    /// it first when `suspend` is set.
    pub fn read_registers(self, suspend: bool) -> Result<UserContext> {
        // SAFETY: seL4_UserContext is plain data; all-zero is valid.
        let mut regs: UserContext = unsafe { core::mem::zeroed() };
        // SAFETY: `regs` is a valid seL4_UserContext the stub fills in.
        check(unsafe {
            sys::seL4_TCB_ReadRegisters(
                self.cptr(),
                suspend as _,
                0,
                USER_CONTEXT_WORDS as _,
                &mut regs,
            )
        })?;
        Ok(regs)
    }

    /// Writes the thread's registers (`seL4_TCB_WriteRegisters`), resuming
    /// it afterwards when `resume` is set.
    pub fn write_registers(self, resume: bool, regs: &UserContext) -> Result<()> {
        // SAFETY: `regs` is a valid seL4_UserContext the stub reads.
        check(unsafe {
            sys::seL4_TCB_WriteRegisters(self.cptr(), resume as _, 0, USER_CONTEXT_WORDS as _, regs)
        })
    }

    /// Makes the thread runnable (`seL4_TCB_Resume`).
    pub fn resume(self) -> Result<()> {
        // SAFETY: no pointers.
        check(unsafe { sys::seL4_TCB_Resume(self.cptr()) })
    }

    /// Stops the thread (`seL4_TCB_Suspend`).
    pub fn suspend(self) -> Result<()> {
        // SAFETY: no pointers.
        check(unsafe { sys::seL4_TCB_Suspend(self.cptr()) })
    }

    /// Sets the thread's IPC buffer: its address in the thread's VSpace and
    /// the frame that backs it (`seL4_TCB_SetIPCBuffer`).
    pub fn set_ipc_buffer(self, address: usize, frame: cap::Frame) -> Result<()> {
        // SAFETY: no pointers.
        check(unsafe { sys::seL4_TCB_SetIPCBuffer(self.cptr(), address as _, frame.cptr()) })
    }

    /// Sets the thread's fault endpoint, CSpace root (with a guard of
    /// `guard_size` bits) and VSpace root (`seL4_TCB_SetSpace`). On seL4 5.0
    /// `fault_ep` is resolved in the thread's new CSpace; on current non-MCS
    /// kernels likewise.
    pub fn set_space(
        self,
        fault_ep: CPtr,
        cspace: cap::CNode,
        guard: Word,
        guard_size: Word,
        vspace: cap::VSpace,
    ) -> Result<()> {
        // SAFETY: no pointers.
        check(unsafe {
            sys::seL4_TCB_SetSpace(
                self.cptr(),
                fault_ep as _,
                cspace.cptr(),
                root_data(guard, guard_size),
                vspace.cptr(),
                Default::default(),
            )
        })
    }

    /// Sets the thread's priority (`seL4_TCB_SetPriority`); `authority` is the
    /// TCB whose maximum controlled priority permits it (kernels that take
    /// one; seL4 5.0 checks the caller's instead).
    pub fn set_priority(self, authority: cap::Tcb, priority: Word) -> Result<()> {
        // SAFETY: no pointers.
        #[cfg(sel4_has = "TCB_SetPriority.authority")]
        let code =
            unsafe { sys::seL4_TCB_SetPriority(self.cptr(), authority.cptr(), priority as _) };
        // SAFETY: no pointers.
        #[cfg(not(sel4_has = "TCB_SetPriority.authority"))]
        let code = {
            let _ = authority;
            unsafe { sys::seL4_TCB_SetPriority(self.cptr(), priority as _) }
        };
        check(code)
    }

    /// Sets the thread's maximum controlled priority
    /// (`seL4_TCB_SetMCPriority`); `authority` is the TCB whose maximum
    /// controlled priority permits it (kernels that take one; seL4 5.0
    /// checks the caller's instead).
    pub fn set_mc_priority(self, authority: cap::Tcb, mcp: Word) -> Result<()> {
        // SAFETY: no pointers.
        #[cfg(sel4_has = "TCB_SetMCPriority.authority")]
        let code = unsafe { sys::seL4_TCB_SetMCPriority(self.cptr(), authority.cptr(), mcp as _) };
        // SAFETY: no pointers.
        #[cfg(not(sel4_has = "TCB_SetMCPriority.authority"))]
        let code = {
            let _ = authority;
            unsafe { sys::seL4_TCB_SetMCPriority(self.cptr(), mcp as _) }
        };
        check(code)
    }

    /// Binds a notification to the thread, so waiting on an endpoint also
    /// returns for signals (`seL4_TCB_BindNotification`).
    pub fn bind_notification(self, notification: cap::Notification) -> Result<()> {
        // SAFETY: no pointers.
        check(unsafe { sys::seL4_TCB_BindNotification(self.cptr(), notification.cptr()) })
    }

    /// Unbinds the thread's notification (`seL4_TCB_UnbindNotification`).
    pub fn unbind_notification(self) -> Result<()> {
        // SAFETY: no pointers.
        check(unsafe { sys::seL4_TCB_UnbindNotification(self.cptr()) })
    }
}

/// VM attributes for mappings (`seL4_X86_VMAttributes`).
pub type VmAttributes = sys::seL4_X86_VMAttributes;

/// The default attributes (`seL4_X86_Default_VMAttributes`).
pub const VM_DEFAULT: VmAttributes = sys::seL4_X86_Default_VMAttributes;

impl cap::Frame {
    /// Maps the frame at `vaddr` in `vspace` (`seL4_X86_Page_Map`). seL4 5.0
    /// refuses (`DeleteFirst`) to replace an existing mapping; current
    /// kernels document the same but replace an existing 4 KiB mapping
    /// without an error. Mapping a frame that is already mapped elsewhere
    /// through another capability aliases its memory.
    ///
    /// # Memory safety
    ///
    /// This function is safe because the kernel checks every argument, but it
    /// changes what memory is visible in an address space. Used on the
    /// current thread's VSpace, taking away or replacing a frame that backs
    /// live data (the image, a stack, the heap, the IPC buffer) faults on the
    /// next access or shows other contents under existing references; the
    /// caller must only do this to memory nothing else refers to.
    pub fn map(
        self,
        vspace: cap::VSpace,
        vaddr: usize,
        rights: CapRights,
        attrs: VmAttributes,
    ) -> Result<()> {
        // SAFETY: no pointers.
        check(unsafe {
            sys::seL4_X86_Page_Map(
                self.cptr(),
                vspace.cptr(),
                vaddr as _,
                rights.to_sys(),
                attrs,
            )
        })
    }

    /// Unmaps the frame (`seL4_X86_Page_Unmap`).
    ///
    /// # Memory safety
    ///
    /// This function is safe because the kernel checks every argument, but it
    /// changes what memory is visible in an address space. Used on the
    /// current thread's VSpace, taking away or replacing a frame that backs
    /// live data (the image, a stack, the heap, the IPC buffer) faults on the
    /// next access or shows other contents under existing references; the
    /// caller must only do this to memory nothing else refers to.
    pub fn unmap(self) -> Result<()> {
        // SAFETY: no pointers.
        check(unsafe { sys::seL4_X86_Page_Unmap(self.cptr()) })
    }

    /// The frame's physical address (`seL4_X86_Page_GetAddress`).
    pub fn physical_address(self) -> Result<usize> {
        // SAFETY: no pointers.
        let r = unsafe { sys::seL4_X86_Page_GetAddress(self.cptr()) };
        check(r.error)?;
        Ok(r.paddr as usize)
    }
}

macro_rules! paging_structure_map {
    ($ty:ty, $call:ident, $doc:literal) => {
        impl $ty {
            #[doc = $doc]
            pub fn map(self, vspace: cap::VSpace, vaddr: usize, attrs: VmAttributes) -> Result<()> {
                // SAFETY: no pointers.
                check(unsafe { sys::$call(self.cptr(), vspace.cptr(), vaddr as _, attrs) })
            }
        }
    };
}

paging_structure_map!(
    cap::PageTable,
    seL4_X86_PageTable_Map,
    "Maps the page table covering `vaddr` (`seL4_X86_PageTable_Map`)."
);
paging_structure_map!(
    cap::PageDirectory,
    seL4_X86_PageDirectory_Map,
    "Maps the page directory covering `vaddr` (`seL4_X86_PageDirectory_Map`)."
);
paging_structure_map!(
    cap::Pdpt,
    seL4_X86_PDPT_Map,
    "Maps the PDPT covering `vaddr` (`seL4_X86_PDPT_Map`)."
);

macro_rules! paging_structure_unmap {
    ($ty:ty, $call:ident, $doc:literal) => {
        impl $ty {
            #[doc = $doc]
            ///
            /// # Memory safety
            ///
            /// Safe because the kernel checks the arguments, but every frame
            /// mapped through this structure disappears from the address space
            /// with it: do not unmap structures that cover live data of the
            /// current thread's VSpace (see [`cap::Frame::unmap`]).
            pub fn unmap(self) -> Result<()> {
                // SAFETY: no pointers.
                check(unsafe { sys::$call(self.cptr()) })
            }
        }
    };
}

paging_structure_unmap!(
    cap::PageTable,
    seL4_X86_PageTable_Unmap,
    "Unmaps the page table (`seL4_X86_PageTable_Unmap`); the kernel refuses with \
     `RevokeFirst` while other capabilities to it exist (seL4 5.0)."
);
paging_structure_unmap!(
    cap::PageDirectory,
    seL4_X86_PageDirectory_Unmap,
    "Unmaps the page directory (`seL4_X86_PageDirectory_Unmap`); the kernel refuses \
     with `RevokeFirst` while other capabilities to it exist."
);
paging_structure_unmap!(
    cap::Pdpt,
    seL4_X86_PDPT_Unmap,
    "Unmaps the PDPT (`seL4_X86_PDPT_Unmap`); the kernel refuses with `RevokeFirst` \
     while other capabilities to it exist."
);

/// Places a capability for the x86 I/O ports `first..=last` in `dest`.
///
/// Current kernels issue one through `seL4_X86_IOPortControl_Issue` on the
/// initial thread's I/O port control capability. seL4 5.0 has no port
/// control; its initial thread holds one capability for all ports
/// (`seL4_CapIOPort`), which is copied into `dest` instead.
pub fn issue_io_ports(first: u16, last: u16, dest: &AbsoluteCPtr) -> Result<cap::IoPort> {
    #[cfg(sel4_has = "X86_IOPortControl_Issue")]
    {
        init_thread::IO_PORT_CONTROL.issue(first, last, dest)
    }
    #[cfg(not(sel4_has = "X86_IOPortControl_Issue"))]
    {
        let _ = (first, last);
        dest.copy(
            &init_thread::slot(sys::seL4_CapIOPort as usize),
            CapRights::all(),
        )?;
        Ok(Cap::from_cptr(dest.path))
    }
}

#[cfg(sel4_has = "X86_IOPortControl_Issue")]
impl cap::IoPortControl {
    /// Issues a capability to the I/O ports `first..=last` into `dest`
    /// (`seL4_X86_IOPortControl_Issue`).
    pub fn issue(self, first: u16, last: u16, dest: &AbsoluteCPtr) -> Result<cap::IoPort> {
        // SAFETY: no pointers.
        check(unsafe {
            sys::seL4_X86_IOPortControl_Issue(
                self.cptr(),
                first as _,
                last as _,
                dest.root.cptr(),
                dest.path,
                dest.depth as _,
            )
        })?;
        Ok(Cap::from_cptr(dest.path))
    }
}

impl cap::IoPort {
    /// Reads a byte from `port` (`seL4_X86_IOPort_In8`).
    pub fn in8(self, port: u16) -> Result<u8> {
        // SAFETY: no pointers.
        let r = unsafe { sys::seL4_X86_IOPort_In8(self.cptr(), port as _) };
        check(r.error)?;
        Ok(r.result as u8)
    }

    /// Writes a byte to `port` (`seL4_X86_IOPort_Out8`).
    pub fn out8(self, port: u16, value: u8) -> Result<()> {
        // SAFETY: no pointers.
        check(unsafe { sys::seL4_X86_IOPort_Out8(self.cptr(), port as _, value as _) })
    }

    /// Reads a 16-bit word from `port` (`seL4_X86_IOPort_In16`).
    pub fn in16(self, port: u16) -> Result<u16> {
        // SAFETY: no pointers.
        let r = unsafe { sys::seL4_X86_IOPort_In16(self.cptr(), port as _) };
        check(r.error)?;
        Ok(r.result as u16)
    }

    /// Writes a 16-bit word to `port` (`seL4_X86_IOPort_Out16`).
    pub fn out16(self, port: u16, value: u16) -> Result<()> {
        // SAFETY: no pointers.
        check(unsafe { sys::seL4_X86_IOPort_Out16(self.cptr(), port as _, value as _) })
    }

    /// Reads a 32-bit word from `port` (`seL4_X86_IOPort_In32`).
    pub fn in32(self, port: u16) -> Result<u32> {
        // SAFETY: no pointers.
        let r = unsafe { sys::seL4_X86_IOPort_In32(self.cptr(), port as _) };
        check(r.error)?;
        Ok(r.result as u32)
    }

    /// Writes a 32-bit word to `port` (`seL4_X86_IOPort_Out32`).
    pub fn out32(self, port: u16, value: u32) -> Result<()> {
        // SAFETY: no pointers.
        check(unsafe { sys::seL4_X86_IOPort_Out32(self.cptr(), port as _, value as _) })
    }
}

impl cap::IrqControl {
    /// The highest `vector` [`get_ioapic`](Self::get_ioapic) accepts.
    ///
    /// libsel4's `VECTOR_MAX` counts two vectors the kernel keeps for itself:
    /// hardware vectors 156 and 157 (its IOMMU's and its timer's, just above
    /// the user range that ends at 155 in the kernel's `interrupt_t`, in 5.0
    /// and current kernels alike), so it answers `RangeError` for the top two.
    pub const MAX_VECTOR: Word = sys::VECTOR_MAX as Word - 2;

    /// Issues a handler for IOAPIC `pin` delivered at `vector` into `dest`
    /// (`seL4_IRQControl_GetIOAPIC`).
    ///
    /// `vector` counts from `VECTOR_MIN` (0) to [`Self::MAX_VECTOR`]; the
    /// kernel programs the IOAPIC with hardware vector `IRQ_OFFSET + vector`
    /// (`sys::IRQ_OFFSET`, 0x30: above the exceptions and the legacy PIC's 16
    /// vectors).
    ///
    /// On seL4 5.0 (x86_64, one core) prefer high vectors, e.g.
    /// [`Self::MAX_VECTOR`]: after an interrupt nested inside the kernel, 5.0
    /// runs on a stack it wrongly assumes page-aligned, which overwrites the
    /// IDT entries of hardware vectors below 0x46 in the embedded kernel
    /// (`vector` < 22); the next delivery at such a vector raises a
    /// general-protection fault. `tools/kernel/README.md` has the details.
    /// Low vectors are not rejected here: which entries are hit depends on the
    /// kernel build's memory layout, and a kernel without the bug has none.
    #[allow(clippy::too_many_arguments)]
    pub fn get_ioapic(
        self,
        dest: &AbsoluteCPtr,
        ioapic: Word,
        pin: Word,
        level_triggered: bool,
        active_low: bool,
        vector: Word,
    ) -> Result<cap::IrqHandler> {
        // SAFETY: no pointers.
        check(unsafe {
            sys::seL4_IRQControl_GetIOAPIC(
                self.cptr(),
                dest.root.cptr(),
                dest.path,
                dest.depth as _,
                ioapic,
                pin,
                level_triggered as _,
                active_low as _,
                vector,
            )
        })?;
        Ok(Cap::from_cptr(dest.path))
    }
}

/// The IOAPIC pin (global system interrupt) that ISA interrupt `isa_irq`
/// arrives on in a PC: the same number, except ISA IRQ 0 (the PIT), which
/// the interrupt source override of the ACPI tables of QEMU's machines and
/// of nearly every PC routes to pin 2.
pub const fn isa_ioapic_pin(isa_irq: u8) -> Word {
    match isa_irq {
        0 => 2,
        irq => irq as Word,
    }
}

impl cap::IrqControl {
    /// Issues a handler for interrupt `irq` into `dest`
    /// (`seL4_IRQControl_Get`). On x86 this is the legacy path: kernels
    /// built for the 8259 PIC (`sel4_config = "IRQ_PIC"`) take ISA IRQs 0
    /// to 15 here; IOAPIC kernels refuse it (`IllegalOperation`) and need
    /// [`get_ioapic`](Self::get_ioapic) instead.
    pub fn get(self, dest: &AbsoluteCPtr, irq: Word) -> Result<cap::IrqHandler> {
        // SAFETY: no pointers.
        check(unsafe {
            sys::seL4_IRQControl_Get(
                self.cptr(),
                irq as _,
                dest.root.cptr(),
                dest.path,
                dest.depth as _,
            )
        })?;
        Ok(Cap::from_cptr(dest.path))
    }

    /// Issues a handler for ISA interrupt `isa_irq` of a PC (0 the PIT, 4
    /// COM1, ...) into `dest`, through the interrupt controller the kernel
    /// is built for: on IOAPIC kernels (`sel4_config = "IRQ_IOAPIC"`)
    /// `seL4_IRQControl_GetIOAPIC` on IOAPIC 0, pin
    /// [`isa_ioapic_pin`]`(isa_irq)`, edge-triggered and active high (how ISA
    /// devices signal), delivered at `vector` (see
    /// [`get_ioapic`](Self::get_ioapic) for which vectors to use); on PIC
    /// kernels `seL4_IRQControl_Get(isa_irq)`, where `vector` is unused.
    pub fn get_isa(
        self,
        dest: &AbsoluteCPtr,
        isa_irq: u8,
        vector: Word,
    ) -> Result<cap::IrqHandler> {
        #[cfg(sel4_config = "IRQ_PIC")]
        {
            let _ = vector;
            self.get(dest, isa_irq as Word)
        }
        #[cfg(not(sel4_config = "IRQ_PIC"))]
        {
            self.get_ioapic(dest, 0, isa_ioapic_pin(isa_irq), false, false, vector)
        }
    }
}

impl cap::IrqHandler {
    /// Acknowledges the interrupt so it can be delivered again (`seL4_IRQHandler_Ack`).
    pub fn ack(self) -> Result<()> {
        // SAFETY: no pointers.
        check(unsafe { sys::seL4_IRQHandler_Ack(self.cptr()) })
    }

    /// Delivers the interrupt as a signal on `notification` (`seL4_IRQHandler_SetNotification`).
    pub fn set_notification(self, notification: cap::Notification) -> Result<()> {
        // SAFETY: no pointers.
        check(unsafe { sys::seL4_IRQHandler_SetNotification(self.cptr(), notification.cptr()) })
    }

    /// Stops delivering the interrupt (`seL4_IRQHandler_Clear`).
    pub fn clear(self) -> Result<()> {
        // SAFETY: no pointers.
        check(unsafe { sys::seL4_IRQHandler_Clear(self.cptr()) })
    }
}

impl cap::AsidPool {
    /// Assigns an ASID from the pool to `vspace` (`seL4_X86_ASIDPool_Assign`).
    pub fn assign(self, vspace: cap::VSpace) -> Result<()> {
        // SAFETY: no pointers.
        check(unsafe { sys::seL4_X86_ASIDPool_Assign(self.cptr(), vspace.cptr()) })
    }
}

#[cfg(sel4_syscall = "DebugCapIdentify")]
impl<T: CapType> Cap<T> {
    /// The kernel's internal type number of the capability in this slot, 0
    /// for an empty slot (`seL4_DebugCapIdentify`, debug kernels only). The
    /// numbers are the kernel's `cap_tag` values and differ between versions:
    /// compare them with each other, not with constants.
    pub fn debug_identify(self) -> u32 {
        // SAFETY: the system call takes no pointers; any cptr is accepted.
        unsafe { sys::seL4_DebugCapIdentify(self.cptr()) }
    }
}
