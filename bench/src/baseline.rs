//! Hand-written baselines: each is the shortest `syscall` sequence for the
//! operation, with registers loaded directly and nothing else, following the
//! x86_64 seL4 ABI (syscall number in RDX, capability in RDI, message info in
//! RSI, RSP saved in R12 across the call on non-MCS kernels). Syscall numbers
//! come from the generated constants.

use core::arch::asm;
use sel4_sys::{
    seL4_SysCall, seL4_SysRecv, seL4_SysReplyRecv, seL4_SysSend, seL4_SysYield, seL4_Word,
};

/// `seL4_Yield`.
#[inline(always)]
pub fn yield_() {
    // SAFETY: Yield takes no arguments; RCX/R11/R12 are declared clobbered
    // and RSP is restored from R12.
    unsafe {
        asm!("mov r12, rsp", "syscall", "mov rsp, r12",
            in("rdx") seL4_SysYield,
            out("rcx") _, out("r11") _, out("r12") _);
    }
}

/// `seL4_Signal`: a Send with an empty message to a notification.
#[inline(always)]
pub fn signal(ntfn: seL4_Word) {
    // SAFETY: as for yield_; the message info 0 is a valid empty message.
    unsafe {
        asm!("mov r12, rsp", "syscall", "mov rsp, r12",
            in("rdx") seL4_SysSend, in("rdi") ntfn, in("rsi") 0u64,
            out("rcx") _, out("r11") _, out("r12") _);
    }
}

/// `seL4_Wait` on a notification: a Recv; returns the badge.
#[inline(always)]
pub fn wait(ntfn: seL4_Word) -> seL4_Word {
    let badge: seL4_Word;
    // SAFETY: as for yield_; Recv returns badge in RDI, info in RSI and
    // MR0..MR3 in R10, R8, R9, R15, all declared as outputs.
    unsafe {
        asm!("mov r12, rsp", "syscall", "mov rsp, r12",
            in("rdx") seL4_SysRecv, inout("rdi") ntfn => badge, out("rsi") _,
            out("r10") _, out("r8") _, out("r9") _, out("r15") _,
            out("rcx") _, out("r11") _, out("r12") _);
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
        asm!("mov r12, rsp", "syscall", "mov rsp, r12",
            in("rdx") seL4_SysCall, inout("rdi") ep => _, inout("rsi") info => out,
            inout("r10") 0u64 => _, out("r8") _, out("r9") _, out("r15") _,
            out("rcx") _, out("r11") _, out("r12") _);
    }
    out
}

/// `seL4_Recv` on an endpoint, ignoring the message.
#[inline(always)]
pub fn recv(ep: seL4_Word) {
    wait(ep);
}

/// `seL4_ReplyRecv` echoing an empty one-word reply, ignoring the next message.
#[inline(always)]
pub fn reply_recv(ep: seL4_Word) {
    // SAFETY: as for call.
    unsafe {
        asm!("mov r12, rsp", "syscall", "mov rsp, r12",
            in("rdx") seL4_SysReplyRecv, inout("rdi") ep => _, inout("rsi") 1u64 => _,
            inout("r10") 0u64 => _, out("r8") _, out("r9") _, out("r15") _,
            out("rcx") _, out("r11") _, out("r12") _);
    }
}
