//! The `_start` entry point of a root task.
//!
//! The seL4 kernel enters the initial thread with `RDI` = address of the
//! BootInfo frame and `RSP` = 0. `_start` switches to the image's initial
//! stack (symbols `__substrate_stack` and `__substrate_stack_size`, which the
//! `#[root_task]` attribute defines), zeroes `.bss` between the linker-script
//! symbols `__bss_start` and `__bss_end`, and calls
//! `__substrate_root_task_entry(bootinfo)`, which never returns.

core::arch::global_asm!(
    ".section .text._start, \"ax\", @progbits",
    ".global _start",
    ".type _start, @function",
    "_start:",
    // Keep the BootInfo pointer in a callee-saved register.
    "    mov r12, rdi",
    "    lea rsp, [rip + __substrate_stack]",
    "    add rsp, qword ptr [rip + __substrate_stack_size]",
    "    and rsp, -16",
    // Zero .bss (the kernel's loader zero-fills it too; doing it here keeps
    // the image correct under any loader).
    "    lea rdi, [rip + __bss_start]",
    "    lea rcx, [rip + __bss_end]",
    "    sub rcx, rdi",
    "    xor eax, eax",
    "    cld",
    "    rep stosb",
    "    mov rdi, r12",
    "    xor ebp, ebp",
    "    call __substrate_root_task_entry",
    "    ud2",
    ".size _start, . - _start",
    ".text",
);

/// The initial stack of a root task, placed in the `.substrate.stack` section.
///
/// `#[root_task(stack_size = N)]` defines one as `__substrate_stack`; its
/// size is published as `__substrate_stack_size` for `_start`.
#[repr(C, align(4096))]
pub struct Stack<const N: usize>(pub core::cell::UnsafeCell<[u8; N]>);

// SAFETY: the stack is only ever used as raw memory by the one thread that
// runs on it; Rust code never forms references into it.
unsafe impl<const N: usize> Sync for Stack<N> {}

impl<const N: usize> Stack<N> {
    /// A zeroed stack of `N` bytes.
    pub const fn new() -> Self {
        Self(core::cell::UnsafeCell::new([0; N]))
    }

    /// The address one past the top of the stack (stacks grow down).
    pub fn top(&self) -> usize {
        self.0.get() as usize + N
    }
}

impl<const N: usize> Default for Stack<N> {
    fn default() -> Self {
        Self::new()
    }
}
