//! x86_64 system call primitives (`syscall` instruction).
//!
//! ABI (seL4 5.0 and current kernels): syscall number in RDX; RDI = capability in /
//! badge out; RSI = message info; MR0..MR3 in R10, R8, R9, R15; on MCS kernels R12
//! carries the reply capability and R13 the destination of `NBSendRecv`. RCX and R11
//! are clobbered, and the kernel returns with RSP = 0, so RSP is saved in a register
//! the kernel restores: R12 on non-MCS kernels; R14 on MCS kernels, where R12 and R13
//! carry arguments. (RBX, which libsel4 uses, cannot be named in Rust `asm!`.)
//!
//! These functions take the syscall number as an argument; the libsel4-named wrappers
//! pass the generated `seL4_Sys*` constants.

use crate::seL4_Word;

/// The stack-saving `syscall` sequence; see the module documentation. The
/// operands are `asm!` operands, optionally preceded by `mrs: <dir> [m0, m1,
/// m2, m3],`, which passes MR0..MR3 in their registers with the operand
/// direction `<dir>` (`in`, `out` or `inout`).
macro_rules! sel4_syscall {
    (mrs: $dir:ident [$m0:expr, $m1:expr, $m2:expr, $m3:expr], $($operands:tt)*) => {
        sel4_syscall!(
            $($operands)*
            $dir("r10") $m0,
            $dir("r8") $m1,
            $dir("r9") $m2,
            $dir("r15") $m3,
        )
    };
    ($($operands:tt)*) => {
        core::arch::asm!(
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
            #[cfg(not(sel4_mcs))]
            out("r12") _,
            #[cfg(sel4_mcs)]
            out("r14") _,
            out("rcx") _,
            out("r11") _,
        )
    };
}

/// Message registers passed in CPU registers (`seL4_FastMessageRegisters`).
pub const FAST_MESSAGE_REGISTERS: usize = 4;

/// A send-type syscall with four message registers (libsel4's `x64_sys_send`).
///
/// # Safety
///
/// Performs a system call; `sys` and the arguments must make sense for the kernel.
#[inline(always)]
pub unsafe fn sys_send(sys: isize, dest: seL4_Word, info: seL4_Word, mrs: [seL4_Word; 4]) {
    // SAFETY: the kernel preserves every register but RCX, R11 and RSP; RSP is restored
    // from the save register, the others are declared clobbered.
    unsafe {
        sel4_syscall!(
            mrs: in [mrs[0], mrs[1], mrs[2], mrs[3]],
            in("rdx") sys,
            in("rdi") dest,
            in("rsi") info,
        );
    }
}

/// The non-MCS `Reply` syscall (libsel4's `x64_sys_reply`).
///
/// # Safety
///
/// As for [`sys_send`].
#[cfg(not(sel4_mcs))]
#[inline(always)]
pub unsafe fn sys_reply(sys: isize, info: seL4_Word, mrs: [seL4_Word; 4]) {
    // SAFETY: as in `sys_send`.
    unsafe {
        sel4_syscall!(
            mrs: in [mrs[0], mrs[1], mrs[2], mrs[3]],
            in("rdx") sys,
            in("rsi") info,
        );
    }
}

/// A send without message registers (libsel4's `x64_sys_send_null`).
///
/// # Safety
///
/// As for [`sys_send`].
#[inline(always)]
pub unsafe fn sys_send_null(sys: isize, dest: seL4_Word, info: seL4_Word) {
    // SAFETY: as in `sys_send`.
    unsafe {
        sel4_syscall!(in("rdx") sys, in("rdi") dest, in("rsi") info,);
    }
}

/// A receive-type syscall (libsel4's `x64_sys_recv`). Returns `(badge, info, mrs)`.
/// `reply` is the reply capability on MCS kernels and ignored otherwise.
///
/// # Safety
///
/// As for [`sys_send`].
#[inline(always)]
pub unsafe fn sys_recv(
    sys: isize,
    src: seL4_Word,
    reply: seL4_Word,
) -> (seL4_Word, seL4_Word, [seL4_Word; 4]) {
    let (badge, info, m0, m1, m2, m3);
    #[cfg(not(sel4_mcs))]
    let _ = reply;
    // SAFETY: as in `sys_send`.
    unsafe {
        sel4_syscall!(
            mrs: out [m0, m1, m2, m3],
            in("rdx") sys,
            inout("rdi") src => badge,
            out("rsi") info,
            #[cfg(sel4_mcs)]
            in("r12") reply,
        );
    }
    (badge, info, [m0, m1, m2, m3])
}

/// A send-then-receive syscall (libsel4's `x64_sys_send_recv`). Returns
/// `(badge_or_dest, info, mrs)`. `reply` is the reply capability on MCS kernels and
/// ignored otherwise.
///
/// # Safety
///
/// As for [`sys_send`].
#[inline(always)]
pub unsafe fn sys_send_recv(
    sys: isize,
    dest: seL4_Word,
    info: seL4_Word,
    mrs: [seL4_Word; 4],
    reply: seL4_Word,
) -> (seL4_Word, seL4_Word, [seL4_Word; 4]) {
    let (badge, out_info);
    let [mut m0, mut m1, mut m2, mut m3] = mrs;
    #[cfg(not(sel4_mcs))]
    let _ = reply;
    // SAFETY: as in `sys_send`.
    unsafe {
        sel4_syscall!(
            mrs: inout [m0, m1, m2, m3],
            in("rdx") sys,
            inout("rdi") dest => badge,
            inout("rsi") info => out_info,
            #[cfg(sel4_mcs)]
            in("r12") reply,
        );
    }
    (badge, out_info, [m0, m1, m2, m3])
}

/// The MCS non-blocking send then receive (libsel4's `x64_sys_nbsend_recv`): sends to
/// `dest` (in R13), receives on `src`. Returns `(badge, info, mrs)`.
///
/// # Safety
///
/// As for [`sys_send`].
#[cfg(sel4_mcs)]
#[inline(always)]
pub unsafe fn sys_nbsend_recv(
    sys: isize,
    dest: seL4_Word,
    src: seL4_Word,
    info: seL4_Word,
    mrs: [seL4_Word; 4],
    reply: seL4_Word,
) -> (seL4_Word, seL4_Word, [seL4_Word; 4]) {
    let (badge, out_info);
    let [mut m0, mut m1, mut m2, mut m3] = mrs;
    // SAFETY: as in `sys_send`.
    unsafe {
        sel4_syscall!(
            mrs: inout [m0, m1, m2, m3],
            in("rdx") sys,
            inout("rdi") src => badge,
            inout("rsi") info => out_info,
            in("r12") reply,
            in("r13") dest,
        );
    }
    (badge, out_info, [m0, m1, m2, m3])
}

/// A syscall with no arguments but its number (libsel4's `x64_sys_null`).
///
/// # Safety
///
/// As for [`sys_send`].
#[inline(always)]
pub unsafe fn sys_null(sys: isize) {
    // SAFETY: as in `sys_send`; RSI and RDI are declared clobbered like libsel4 does.
    unsafe {
        sel4_syscall!(in("rdx") sys, out("rsi") _, out("rdi") _,);
    }
}
