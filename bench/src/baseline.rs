//! Hand-written baselines: each is the shortest `syscall` sequence for the
//! operation, with registers loaded directly and nothing else, following the
//! x86_64 seL4 ABI (syscall number in RDX, capability in RDI, message info in
//! RSI, RSP saved in R12 across the call on non-MCS kernels). Syscall numbers
//! come from the generated constants.

use core::arch::asm;
use sel4_sys::{seL4_SysRecv, seL4_SysSend, seL4_SysYield, seL4_Word};

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
