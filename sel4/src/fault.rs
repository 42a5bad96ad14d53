//! Decoding fault messages.
//!
//! When a thread faults, the kernel sends a message on the thread's fault
//! endpoint on its behalf: the message label is the fault type (the tags of
//! the kernel's `seL4_Fault` bitfield union: `seL4_Fault_VMFault`, ...), and
//! the message registers hold the fault's data at the positions the kernel's
//! headers name (`seL4_VMFault_IP`, `seL4_VMFault_Addr`, ...). [`Fault`]
//! turns such a message into a typed value; every number comes from
//! `sel4-sys`, so the decoding follows the kernel it was built against.
//!
//! ```ignore
//! let (info, _badge) = fault_ep.recv();
//! // SAFETY: nothing else holds this thread's IPC buffer.
//! let mut ipc = unsafe { sel4::IpcBuffer::current() };
//! if let Some(fault) = sel4::Fault::new(info, ipc.msg_regs()) {
//!     sel4::debug_println!("{fault}");
//! }
//! ```

use crate::{sys, MessageInfo, Word};
use core::fmt;

/// A virtual-memory fault (`seL4_Fault_VMFault`): an access to an address
/// with no mapping, or one the mapping's rights do not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VmFault {
    /// The faulting instruction (`seL4_VMFault_IP`).
    pub ip: Word,
    /// The address accessed (`seL4_VMFault_Addr`). seL4 5.0 on x86_64
    /// reports only its low 32 bits (the kernel's `handleVMFault` keeps the
    /// address in a `uint32_t`); current kernels report all of it.
    pub addr: Word,
    /// Whether the fault was an instruction fetch (`seL4_VMFault_PrefetchFault`).
    pub prefetch: bool,
    /// The architecture's fault status (`seL4_VMFault_FSR`; on x86 the page
    /// fault error code: bit 0 present, bit 1 write, bit 2 user, bit 4 fetch).
    pub fsr: Word,
}

/// A capability fault (`seL4_Fault_CapFault`): a capability lookup that
/// failed during an IPC the thread performed without a valid capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapFault {
    /// The faulting instruction (`seL4_CapFault_IP`).
    pub ip: Word,
    /// The capability address that failed (`seL4_CapFault_Addr`).
    pub addr: Word,
    /// Whether the fault happened in the receive phase (`seL4_CapFault_InRecvPhase`).
    pub in_recv_phase: bool,
    /// The kind of lookup failure (`seL4_CapFault_LookupFailureType`, a `seL4_LookupFailureType`).
    pub lookup_failure_type: Word,
}

/// A system call the kernel does not know (`seL4_Fault_UnknownSyscall`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownSyscall {
    /// The instruction after the system call (`seL4_UnknownSyscall_FaultIP`).
    pub ip: Word,
    /// The stack pointer (`seL4_UnknownSyscall_SP`).
    pub sp: Word,
    /// The flags register (`seL4_UnknownSyscall_FLAGS`).
    pub flags: Word,
    /// The system call number (`seL4_UnknownSyscall_Syscall`).
    pub syscall: Word,
}

/// A processor exception other than a page fault, e.g. a division by zero or
/// an invalid instruction (`seL4_Fault_UserException`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserException {
    /// The faulting instruction (`seL4_UserException_FaultIP`).
    pub ip: Word,
    /// The stack pointer (`seL4_UserException_SP`).
    pub sp: Word,
    /// The flags register (`seL4_UserException_FLAGS`).
    pub flags: Word,
    /// The exception vector (`seL4_UserException_Number`; 0 divide error, 6 invalid opcode, ...).
    pub number: Word,
    /// The exception's error code (`seL4_UserException_Code`).
    pub code: Word,
}

/// A scheduling context ran out of budget while its thread had a timeout
/// fault handler (`seL4_Fault_Timeout`, MCS kernels): sent on the thread's
/// timeout endpoint (`seL4_TCB_SetTimeoutEndpoint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeout {
    /// The badge of the scheduling context (`seL4_Timeout_Data`, set by
    /// `seL4_SchedControl_Configure*`).
    pub data: Word,
    /// Microseconds the context consumed since it was last asked
    /// (`seL4_Timeout_Consumed`).
    pub consumed: u64,
}

/// A fault message, decoded (see the [module documentation](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `seL4_Fault_VMFault`.
    VmFault(VmFault),
    /// `seL4_Fault_CapFault`.
    CapFault(CapFault),
    /// `seL4_Fault_UnknownSyscall`.
    UnknownSyscall(UnknownSyscall),
    /// `seL4_Fault_UserException`.
    UserException(UserException),
    /// `seL4_Fault_Timeout` (MCS kernels).
    #[cfg(sel4_mcs)]
    Timeout(Timeout),
    /// A fault type this crate does not decode (e.g. a VM exit):
    /// its label and the number of message registers it came with.
    Other {
        /// The message label (the fault type).
        label: Word,
        /// The message length in registers.
        length: usize,
    },
}

/// Message register `i`, or `None` if the message has fewer.
fn mr(msg: &[Word], length: usize, i: impl TryInto<usize>) -> Option<Word> {
    let i = i.try_into().ok()?;
    if i < length {
        msg.get(i).copied()
    } else {
        None
    }
}

impl Fault {
    /// Decodes the fault message with message info `info` and message
    /// registers `msg` (the receiver's IPC buffer message registers, e.g.
    /// [`crate::IpcBuffer::msg_regs`], after `seL4_Recv` stored MR0..MR3
    /// there).
    ///
    /// Returns `None` when the label is not a fault type
    /// (`seL4_Fault_NullFault`, i.e. an ordinary message with label 0) or a
    /// known fault's message is shorter than the kernel's layout for it.
    pub fn new(info: MessageInfo, msg: &[Word]) -> Option<Fault> {
        let label = info.label();
        let n = info.length();
        // The tags' integer type is whatever the bitfield generator chose.
        #[allow(non_upper_case_globals, clippy::unnecessary_cast)]
        let fault = match label as u64 {
            sys::seL4_Fault_NullFault => return None,
            sys::seL4_Fault_VMFault => Fault::VmFault(VmFault {
                ip: mr(msg, n, sys::seL4_VMFault_IP)?,
                addr: mr(msg, n, sys::seL4_VMFault_Addr)?,
                prefetch: mr(msg, n, sys::seL4_VMFault_PrefetchFault)? != 0,
                fsr: mr(msg, n, sys::seL4_VMFault_FSR)?,
            }),
            sys::seL4_Fault_CapFault => Fault::CapFault(CapFault {
                ip: mr(msg, n, sys::seL4_CapFault_IP)?,
                addr: mr(msg, n, sys::seL4_CapFault_Addr)?,
                in_recv_phase: mr(msg, n, sys::seL4_CapFault_InRecvPhase)? != 0,
                lookup_failure_type: mr(msg, n, sys::seL4_CapFault_LookupFailureType)?,
            }),
            sys::seL4_Fault_UnknownSyscall => Fault::UnknownSyscall(UnknownSyscall {
                ip: mr(msg, n, sys::seL4_UnknownSyscall_FaultIP)?,
                sp: mr(msg, n, sys::seL4_UnknownSyscall_SP)?,
                flags: mr(msg, n, sys::seL4_UnknownSyscall_FLAGS)?,
                syscall: mr(msg, n, sys::seL4_UnknownSyscall_Syscall)?,
            }),
            sys::seL4_Fault_UserException => Fault::UserException(UserException {
                ip: mr(msg, n, sys::seL4_UserException_FaultIP)?,
                sp: mr(msg, n, sys::seL4_UserException_SP)?,
                flags: mr(msg, n, sys::seL4_UserException_FLAGS)?,
                number: mr(msg, n, sys::seL4_UserException_Number)?,
                code: mr(msg, n, sys::seL4_UserException_Code)?,
            }),
            #[cfg(sel4_mcs)]
            sys::seL4_Fault_Timeout => Fault::Timeout(Timeout {
                data: mr(msg, n, sys::seL4_Timeout_Data)?,
                consumed: mr(msg, n, sys::seL4_Timeout_Consumed)? as u64,
            }),
            _ => Fault::Other { label, length: n },
        };
        Some(fault)
    }

    /// The message label this fault arrived with (the fault type: the
    /// kernel's `seL4_Fault_*` tag).
    pub fn label(&self) -> Word {
        // The tags' integer type is whatever the bitfield generator chose.
        #[allow(clippy::unnecessary_cast)]
        let tag = match self {
            Fault::VmFault(_) => sys::seL4_Fault_VMFault,
            Fault::CapFault(_) => sys::seL4_Fault_CapFault,
            Fault::UnknownSyscall(_) => sys::seL4_Fault_UnknownSyscall,
            Fault::UserException(_) => sys::seL4_Fault_UserException,
            #[cfg(sel4_mcs)]
            Fault::Timeout(_) => sys::seL4_Fault_Timeout,
            Fault::Other { label, .. } => return *label,
        } as Word;
        tag
    }

    /// The kernel's name for the fault type (`"VMFault"`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Fault::VmFault(_) => "VMFault",
            Fault::CapFault(_) => "CapFault",
            Fault::UnknownSyscall(_) => "UnknownSyscall",
            Fault::UserException(_) => "UserException",
            #[cfg(sel4_mcs)]
            Fault::Timeout(_) => "Timeout",
            Fault::Other { .. } => "unknown fault",
        }
    }

    /// The faulting instruction's address, where the fault type has one.
    pub fn ip(&self) -> Option<Word> {
        match self {
            Fault::VmFault(f) => Some(f.ip),
            Fault::CapFault(f) => Some(f.ip),
            Fault::UnknownSyscall(f) => Some(f.ip),
            Fault::UserException(f) => Some(f.ip),
            _ => None,
        }
    }

    /// The address the fault is about: the data or instruction address of a
    /// VM fault, the capability address of a capability fault.
    pub fn addr(&self) -> Option<Word> {
        match self {
            Fault::VmFault(f) => Some(f.addr),
            Fault::CapFault(f) => Some(f.addr),
            _ => None,
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::VmFault(v) => write!(
                f,
                "VMFault at address {:#x} (ip {:#x}, {}, fsr {:#x})",
                v.addr,
                v.ip,
                if v.prefetch { "fetch" } else { "data" },
                v.fsr
            ),
            Fault::CapFault(c) => write!(
                f,
                "CapFault on cptr {:#x} (ip {:#x}, lookup failure {})",
                c.addr, c.ip, c.lookup_failure_type
            ),
            Fault::UnknownSyscall(u) => {
                write!(f, "UnknownSyscall {} (ip {:#x})", u.syscall as i64, u.ip)
            }
            Fault::UserException(u) => write!(
                f,
                "UserException vector {} code {:#x} (ip {:#x})",
                u.number, u.code, u.ip
            ),
            #[cfg(sel4_mcs)]
            Fault::Timeout(t) => write!(
                f,
                "Timeout of scheduling context with badge {:#x} ({} us consumed)",
                t.data, t.consumed
            ),
            Fault::Other { label, length } => {
                write!(f, "fault with label {label} and {length} message registers")
            }
        }
    }
}
