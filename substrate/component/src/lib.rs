//! The runtime of a seL4 child component: a program that a parent (usually
//! the root task) loads with `substrate-loader` into an address space and a
//! capability space of its own.
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//! use substrate_component::{component, sel4};
//!
//! #[component(heap_size = 64 * 1024)]
//! fn main(parent: sel4::cap::Endpoint) {
//!     let reply = parent.call(sel4::MessageInfo::new(1, 0, 0));
//!     sel4::debug_println!("parent replied with label {}", reply.label());
//! }
//! ```
//!
//! with `build.rs` containing `fn main() { substrate_build::component(); }`.
//!
//! # What the component gets
//!
//! The contract between loader and component is the [`abi`] module; in short:
//!
//! * The loader maps the image's `PT_LOAD` segments (file bytes copied, the
//!   rest, `.bss` included, zero), a stack with an unmapped guard page below
//!   it, an IPC buffer frame and a TLS block built from the image's `PT_TLS`
//!   template, with the thread control block (`substrate-tls` layout: self
//!   pointer at `fs:0`, IPC buffer pointer at `fs:16`) filled in.
//! * The thread starts at [`abi::ENTRY_SYMBOL`] as if called with two
//!   arguments, the thread pointer (`RDI`) and the console's slot or 0
//!   (`RSI`), on a 16-byte aligned stack. On
//!   kernels where a thread cannot set its own thread pointer (seL4 5.0)
//!   the loader has already loaded it through the TCB's `tls_base`
//!   register; elsewhere the entry code sets it itself (`seL4_SetTLSBase`,
//!   or `wrfsbase` on x86 kernels built with `FSGSBASE_INST`), before any
//!   code that touches thread-local state.
//! * The CSpace holds one capability the component may use: a badged
//!   endpoint to the parent at [`abi::ENDPOINT_SLOT`], which `main` receives.
//!   (On non-MCS kernels the fault endpoint, a badged copy of the parent's,
//!   sits at [`abi::FAULT_ENDPOINT_SLOT`] too, because the kernel looks it up
//!   in the faulting thread's CSpace.) On kernels without a debug console,
//!   [`abi::CONSOLE_SLOT`] holds a copy of the parent's COM1 capability,
//!   the component's console. Nothing else: no untyped memory, no TCB, no
//!   VSpace capability.
//!
//! # What `#[component]` adds
//!
//! * the entry point, which sets the thread pointer where needed and calls `main`;
//! * a `#[global_allocator]`: a [`StaticHeap`] of `heap_size` bytes (default
//!   [`DEFAULT_HEAP_SIZE`]) in `.bss`;
//! * a `#[panic_handler]` that prints the panic on the debug console and
//!   exits with [`abi::PANIC_STATUS`].
//!
//! `main` returns `()`, `Result<(), E: Debug>` or a status word (see
//! [`Termination`]); the component then [`exit`]s: it calls the parent with
//! label [`abi::EXIT_LABEL`] and the status in message register 0, and never
//! runs again unless the parent replies (then it reports the exit again).
#![no_std]

use sel4::{cap, Cap, MessageInfo, Word};

pub use sel4;
pub use substrate_component_macros::component;
pub use substrate_heap::StaticHeap;

// Linked for `mem*`, `rust_eh_personality` and `_Unwind_Resume`, which the
// freestanding link needs (nothing here calls into it).
use substrate_rt as _;

/// Heap size when `#[component]` names none: 64 KiB. The heap is part of
/// `.bss`, so each page of it costs the loader a frame.
pub const DEFAULT_HEAP_SIZE: usize = 64 * 1024;

/// The start-up contract between `substrate-loader` and a component.
pub mod abi {
    use sel4::{CPtr, Word};

    /// The symbol the thread starts at (the ELF entry point; the component
    /// linker script of `substrate_build::component` names it). It is entered
    /// like an `extern "C" fn(thread_pointer: usize, console: usize) -> !`
    /// that was just called: `RDI` = the thread pointer, `RSI` =
    /// [`CONSOLE_SLOT`] or 0, `RSP` = stack top - 8.
    pub const ENTRY_SYMBOL: &str = "_substrate_component_start";

    /// log2 of the number of slots of the component's CNode. The loader sets
    /// a guard of `64 - CNODE_SIZE_BITS` zero bits, so a capability pointer
    /// is simply the slot number.
    pub const CNODE_SIZE_BITS: usize = 8;

    /// Slot of the badged endpoint to the parent.
    pub const ENDPOINT_SLOT: CPtr = 1;

    /// Slot of the badged fault endpoint (non-MCS kernels look the fault
    /// endpoint up in the faulting thread's own CSpace). Not for the
    /// component's own use.
    pub const FAULT_ENDPOINT_SLOT: CPtr = 2;

    /// Slot of a capability for COM1's I/O ports, on kernels without a
    /// debug console where the parent has one: the component's console
    /// (`sel4::set_serial_console`). The entry point gets this slot number
    /// in `RSI` when the loader filled it, else 0.
    pub const CONSOLE_SLOT: CPtr = 3;

    /// Label of the message that reports the component's exit; the status
    /// is message register 0. (Labels are 20 bits wide on seL4 5.0.)
    pub const EXIT_LABEL: Word = 0xe417;

    /// Exit status of a `main` that returned `()` or `Ok(())`.
    pub const SUCCESS_STATUS: Word = 0;

    /// Exit status of a `main` that returned an error.
    pub const FAILURE_STATUS: Word = 1;

    /// Exit status of a component that panicked.
    pub const PANIC_STATUS: Word = 101;
}

/// What a component's `main` may return; turned into its exit status.
pub trait Termination {
    /// The exit status (printing the error first if `self` is one).
    fn status(self) -> Word;
}

impl Termination for () {
    fn status(self) -> Word {
        abi::SUCCESS_STATUS
    }
}

impl Termination for Word {
    fn status(self) -> Word {
        self
    }
}

impl<E: core::fmt::Debug> Termination for Result<(), E> {
    fn status(self) -> Word {
        match self {
            Ok(()) => abi::SUCCESS_STATUS,
            Err(e) => {
                sel4::debug_println!("error: {e:?}");
                abi::FAILURE_STATUS
            }
        }
    }
}

/// The endpoint to the parent ([`abi::ENDPOINT_SLOT`]).
pub fn endpoint() -> cap::Endpoint {
    Cap::from_cptr(abi::ENDPOINT_SLOT)
}

/// Ends the component: calls the parent with [`abi::EXIT_LABEL`] and
/// `status` in message register 0 (`seL4_Call`). The parent normally
/// destroys or suspends the component without replying; a reply makes the
/// component report its exit again.
pub fn exit(status: Word) -> ! {
    loop {
        // SAFETY: the loader set up this thread's IPC buffer and thread
        // pointer; no other IpcBuffer is alive in a function that never returns.
        let mut ipc = unsafe { sel4::IpcBuffer::current() };
        ipc.msg_regs()[0] = status;
        endpoint().call(MessageInfo::new(abi::EXIT_LABEL, 0, 1));
    }
}

/// Called by the entry point `#[component]` defines.
///
/// # Safety
/// Only the entry point calls this, once, with the thread pointer and the
/// console slot the loader passed in `RDI` and `RSI`.
#[doc(hidden)]
pub unsafe fn __start(thread_pointer: usize, console: usize, main: fn(cap::Endpoint) -> Word) -> ! {
    #[cfg(sel4_tls_self)]
    // SAFETY: the loader built an initialised control block at this address.
    unsafe {
        substrate_rt::arch::set_own_thread_pointer(thread_pointer)
    };
    // Where a thread cannot, the loader loaded FS through `tls_base`.
    let _ = thread_pointer;
    if console != 0 {
        sel4::set_serial_console(Some(sel4::SerialPort::new(
            Cap::from_cptr(console as sel4::CPtr),
            sel4::serial::COM1,
        )));
    }
    exit(main(endpoint()))
}

/// The panic handler `#[component]` installs: prints the panic and exits
/// with [`abi::PANIC_STATUS`]. A panic while panicking (in a `Display` impl,
/// or in [`exit`] itself) stops the thread with an invalid instruction
/// instead, which the parent sees as a user-exception fault.
#[doc(hidden)]
pub fn __panic(info: &core::panic::PanicInfo<'_>) -> ! {
    use core::sync::atomic::{AtomicBool, Ordering};
    static PANICKING: AtomicBool = AtomicBool::new(false);
    if PANICKING.swap(true, Ordering::Relaxed) {
        sel4::debug_println!("component panicked while panicking");
        // SAFETY: `ud2` raises an invalid-opcode fault and does not return;
        // the kernel stops the thread and reports it to the fault endpoint.
        unsafe { core::arch::asm!("ud2", options(noreturn)) }
    }
    match info.location() {
        Some(l) => sel4::debug_println!(
            "component panicked at {}:{}:{}:",
            l.file(),
            l.line(),
            l.column()
        ),
        None => sel4::debug_println!("component panicked:"),
    }
    sel4::debug_println!("{}", info.message());
    exit(abi::PANIC_STATUS)
}
