//! The `_start` entry point of a root task.
//!
//! The seL4 kernel enters the initial thread with `RDI` = address of the
//! BootInfo frame and `RSP` = 0. `_start` records the time-stamp counter
//! ([`start_tsc`]), switches to the image's initial
//! stack (symbols `__substrate_stack` and `__substrate_stack_size`, which the
//! `#[root_task]` attribute defines) and calls
//! `__substrate_root_task_entry(bootinfo)`, which never returns. `.bss` (the
//! heap arena among it) is not cleared here: the kernel's ELF loader
//! zero-fills every segment beyond its file bytes (`elf_load` in seL4 5.0
//! and current kernels), so clearing it again would only cost time.

// Weak, like the runtime's other definitions (see the crate's root): in a
// host test binary of a crate that depends on this one, the C library's
// `_start` (Scrt1.o) wins without a duplicate-symbol error, however the
// compiler splits this crate into object files. In an image it is the
// only definition, and the linker script's `ENTRY(_start)` pulls it in.
core::arch::global_asm!(
    ".section .text._start, \"ax\", @progbits",
    ".weak _start",
    ".type _start, @function",
    "_start:",
    // Keep the BootInfo pointer in a callee-saved register.
    "    mov r12, rdi",
    // The time-stamp counter at entry, for start-up measurements.
    "    rdtsc",
    "    shl rdx, 32",
    "    or rax, rdx",
    "    mov qword ptr [rip + {start_tsc}], rax",
    "    lea rsp, [rip + __substrate_stack]",
    "    add rsp, qword ptr [rip + __substrate_stack_size]",
    "    and rsp, -16",
    // .bss is already zero: the kernel's ELF loader zero-fills every
    // segment beyond its file size (`elf_load`, seL4 5.0 and current).
    "    mov rdi, r12",
    "    xor ebp, ebp",
    "    call __substrate_root_task_entry",
    "    ud2",
    ".size _start, . - _start",
    ".text",
    start_tsc = sym START_TSC,
);

/// The time-stamp counter when the kernel entered `_start`, written there
/// before anything else runs.
static START_TSC: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

/// The time-stamp counter's value when the root task was entered at
/// `_start` (under QEMU's `-icount`, a count of instructions): the base for
/// measuring start-up (`make bench`).
pub fn start_tsc() -> u64 {
    START_TSC.load(core::sync::atomic::Ordering::Relaxed)
}

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
