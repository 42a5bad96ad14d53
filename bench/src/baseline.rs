//! Hand-written baselines: each is the shortest `syscall` sequence for the
//! operation, with registers loaded directly and nothing else, following the
//! x86_64 seL4 ABI (syscall number in RDX, capability in RDI, message info in
//! RSI, MR0 in R10; RSP saved across the call in R12, or in R14 on MCS
//! kernels, where R12 carries the reply object). Syscall numbers come from
//! the generated constants.

use core::arch::asm;
use sel4_sys::{seL4_SysCall, seL4_SysReplyRecv, seL4_SysSend, seL4_SysYield, seL4_Word};

/// A `syscall` with RSP saved in the register the kernel preserves for this
/// configuration; the operands follow.
macro_rules! raw_syscall {
    ($($operands:tt)*) => {
        asm!(
            #[cfg(not(sel4_mcs))]
            "mov r12, rsp",
            #[cfg(sel4_mcs)]
            "mov r14, rsp",
            "syscall",
            #[cfg(not(sel4_mcs))]
            "mov rsp, r12",
            #[cfg(sel4_mcs)]
            "mov rsp, r14",
            $($operands)*
            out("rcx") _, out("r11") _,
            #[cfg(not(sel4_mcs))]
            out("r12") _,
            #[cfg(sel4_mcs)]
            out("r14") _,
        )
    };
}

/// The receive system call that takes no reply object: `Recv` on non-MCS
/// kernels, `Wait` on MCS kernels.
#[cfg(not(sel4_mcs))]
const WAIT: isize = sel4_sys::seL4_SysRecv;
#[cfg(sel4_mcs)]
const WAIT: isize = sel4_sys::seL4_SysWait;

/// `seL4_Yield`.
#[inline(always)]
pub fn yield_() {
    // SAFETY: Yield takes no arguments; RCX, R11 and the RSP save register
    // are declared clobbered and RSP is restored.
    unsafe {
        raw_syscall!(in("rdx") seL4_SysYield,);
    }
}

/// `seL4_Signal`: a Send with an empty message to a notification.
#[inline(always)]
pub fn signal(ntfn: seL4_Word) {
    // SAFETY: as for yield_; the message info 0 is a valid empty message.
    unsafe {
        raw_syscall!(in("rdx") seL4_SysSend, in("rdi") ntfn, in("rsi") 0u64,);
    }
}

/// `seL4_Wait` on a notification; returns the badge.
#[inline(always)]
pub fn wait(ntfn: seL4_Word) -> seL4_Word {
    let badge: seL4_Word;
    // SAFETY: as for yield_; the receive returns the badge in RDI, the info
    // in RSI and MR0..MR3 in R10, R8, R9, R15, all declared as outputs.
    unsafe {
        raw_syscall!(
            in("rdx") WAIT, inout("rdi") ntfn => badge, out("rsi") _,
            out("r10") _, out("r8") _, out("r9") _, out("r15") _,
        );
    }
    badge
}

/// `seL4_Call` with one message register (MR0 in R10); returns the reply's
/// message info.
#[inline(always)]
pub fn call(ep: seL4_Word, info: seL4_Word) -> seL4_Word {
    let out: seL4_Word;
    // SAFETY: as for yield_; every register the kernel writes on return
    // (badge, info, MR0..MR3) is declared as an output.
    unsafe {
        raw_syscall!(
            in("rdx") seL4_SysCall, inout("rdi") ep => _, inout("rsi") info => out,
            inout("r10") 0u64 => _, out("r8") _, out("r9") _, out("r15") _,
        );
    }
    out
}

/// `seL4_Recv` on an endpoint with the reply object `reply` (MCS kernels;
/// ignored elsewhere), ignoring the message.
#[inline(always)]
pub fn recv(ep: seL4_Word, reply: seL4_Word) {
    #[cfg(not(sel4_mcs))]
    let _ = reply;
    // SAFETY: as for wait; on MCS kernels R12 carries the reply object.
    unsafe {
        raw_syscall!(
            in("rdx") sel4_sys::seL4_SysRecv, inout("rdi") ep => _, out("rsi") _,
            out("r10") _, out("r8") _, out("r9") _, out("r15") _,
            #[cfg(sel4_mcs)]
            in("r12") reply,
        );
    }
}

/// `seL4_ReplyRecv` echoing an empty one-word reply through `reply` (MCS
/// kernels; the thread's reply slot elsewhere), ignoring the next message.
#[inline(always)]
pub fn reply_recv(ep: seL4_Word, reply: seL4_Word) {
    #[cfg(not(sel4_mcs))]
    let _ = reply;
    // SAFETY: as for call; on MCS kernels R12 carries the reply object.
    unsafe {
        raw_syscall!(
            in("rdx") seL4_SysReplyRecv, inout("rdi") ep => _, inout("rsi") 1u64 => _,
            inout("r10") 0u64 => _, out("r8") _, out("r9") _, out("r15") _,
            #[cfg(sel4_mcs)]
            in("r12") reply,
        );
    }
}
