//! x86_64: the thread pointer is the FS base; the exit device is QEMU's
//! `isa-debug-exit` on an I/O port.

use core::arch::global_asm;
use sel4_sys::{seL4_UserContext, seL4_Word};

/// The I/O port of QEMU's `isa-debug-exit` device (`-device isa-debug-exit,iobase=0xf4`).
pub const EXIT_PORT: u16 = 0xf4;

pub use substrate_tls::thread_pointer;

/// A function a thread continues in once its thread pointer is set.
pub type Continuation = extern "C" fn(usize) -> !;

// Where a thread starts whose registers were written with
// [`continuation_context`]: R12 holds the argument, R13 the continuation,
// R14 the thread pointer; the kernel loaded RSP with the stack top.
global_asm!(
    ".global __substrate_resume",
    ".type __substrate_resume, @function",
    "__substrate_resume:",
    "    mov rdi, r12",
    "    mov rsi, r14",
    "    mov rdx, r13",
    "    and rsp, -16",
    "    xor ebp, ebp",
    "    call {entry}",
    "    ud2",
    ".size __substrate_resume, . - __substrate_resume",
    entry = sym thread_entry,
);

extern "C" {
    fn __substrate_resume();
}

/// First Rust code of a thread started through [`continuation_context`].
extern "C" fn thread_entry(arg: usize, tp: usize, cont: Continuation) -> ! {
    #[cfg(sel4_tls_self)]
    // SAFETY: the context's creator guarantees `tp` is an initialised control block.
    unsafe {
        set_own_thread_pointer(tp)
    };
    // Without the syscall the kernel already loaded FS from the context.
    let _ = tp;
    cont(arg)
}

/// The registers that start a thread in `cont(arg)` on the stack whose top is
/// `stack_top`, with thread pointer `tp`; write them with
/// `seL4_TCB_WriteRegisters`.
///
/// The thread pointer is set the way the kernel allows, chosen from its
/// interface files and configuration (`cfg(sel4_tls_self)`): where a thread
/// can set its own (`set_own_thread_pointer`) the new thread does so
/// before `cont` runs; older kernels (seL4 5.0) load FS from the context's
/// `tls_base` register.
pub fn continuation_context(
    tp: usize,
    stack_top: usize,
    arg: usize,
    cont: Continuation,
) -> seL4_UserContext {
    // SAFETY: seL4_UserContext is plain old data; all-zero is valid.
    let mut regs: seL4_UserContext = unsafe { core::mem::zeroed() };
    regs.rip = __substrate_resume as *const () as seL4_Word;
    regs.rsp = stack_top as seL4_Word;
    regs.rflags = 0x200; // interrupts enabled; the kernel sanitises the rest
    regs.r12 = arg as seL4_Word;
    regs.r13 = cont as *const () as seL4_Word;
    regs.r14 = tp as seL4_Word;
    #[cfg(not(sel4_tls_self))]
    {
        regs.tls_base = tp as seL4_Word;
    }
    regs
}

/// Number of words in a [`seL4_UserContext`], the `count` of
/// `seL4_TCB_WriteRegisters` that writes all of them.
pub const USER_CONTEXT_WORDS: usize =
    core::mem::size_of::<seL4_UserContext>() / core::mem::size_of::<seL4_Word>();

// Switches to a fresh stack and calls the continuation.
global_asm!(
    ".global __substrate_switch_stack",
    ".type __substrate_switch_stack, @function",
    "__substrate_switch_stack:",
    // rdi = arg, rsi = continuation, rdx = stack top
    "    mov rsp, rdx",
    "    and rsp, -16",
    "    xor ebp, ebp",
    "    call rsi",
    "    ud2",
    ".size __substrate_switch_stack, . - __substrate_switch_stack",
);

extern "C" {
    fn __substrate_switch_stack(arg: usize, cont: Continuation, stack_top: usize) -> !;
}

/// Sets the calling thread's own thread pointer (the FS base): with the
/// `seL4_SetTLSBase` system call where the kernel has it, else with the
/// `wrfsbase` instruction, which kernels configured with `FSGSBASE_INST`
/// let user code execute (and save and restore per thread). Only such
/// kernels (`cfg(sel4_tls_self)`) let a thread set its own; on others a
/// thread must be started with [`continuation_context`] by another.
///
/// # Safety
/// `tp` must point to an initialised [`crate::tls::ThreadControlBlock`]
/// that stays valid while the thread runs; code that has TLS references of
/// the old thread pointer must not run afterwards.
#[cfg(sel4_tls_self)]
#[inline]
pub unsafe fn set_own_thread_pointer(tp: usize) {
    // SAFETY: the syscall changes only this thread's FS base.
    #[cfg(sel4_syscall = "SetTLSBase")]
    unsafe {
        sel4_sys::seL4_SetTLSBase(tp as seL4_Word)
    };
    // SAFETY: the kernel enables FSGSBASE for user code in this
    // configuration; the instruction changes only this thread's FS base.
    #[cfg(not(sel4_syscall = "SetTLSBase"))]
    unsafe {
        core::arch::asm!("wrfsbase {}", in(reg) tp, options(nostack, preserves_flags))
    };
}

/// Sets the calling thread's own thread pointer ([`set_own_thread_pointer`])
/// and continues in `cont(arg)` on the stack whose top is `stack_top`;
/// frames on the old stack are abandoned.
///
/// # Safety
/// `tp` must point to an initialised [`crate::tls::ThreadControlBlock`];
/// `stack_top` must be the top of a stack nothing else uses.
#[cfg(sel4_tls_self)]
pub unsafe fn set_own_thread_pointer_and_continue(
    tp: usize,
    stack_top: usize,
    arg: usize,
    cont: Continuation,
) -> ! {
    // SAFETY: the caller guarantees `tp` and the stack.
    unsafe {
        set_own_thread_pointer(tp);
        __substrate_switch_stack(arg, cont, stack_top)
    }
}
