//! The runtime of a seL4 root task.
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//! use substrate_root_task::{root_task, sel4};
//!
//! #[root_task(stack_size = 64 * 1024, heap_size = 1 << 20)]
//! fn main(bootinfo: &sel4::BootInfo) {
//!     sel4::debug_println!("{} untyped regions", bootinfo.untyped().len());
//! }
//! ```
//!
//! `#[root_task]` defines the initial stack and the heap (a
//! [`StaticHeap`] of `heap_size` bytes as the `#[global_allocator]`) and
//! links the panic handler (`substrate-panic`; feature `panic-handler`, on by
//! default: a std program leaves it to std). With
//! `#[root_task(global_allocator = false)]` the image brings its own
//! `#[global_allocator]` instead, e.g. a `substrate_heap::FrameHeap` that
//! grows with frames from untyped memory (`substrate-heap-frames`); it must
//! serve a few small allocations before `main` from memory of its own. At
//! start-up the runtime:
//!
//! 1. enters at `_start` (`substrate-rt`), switches to the stack (`.bss` comes zero-filled from the kernel's loader);
//! 2. builds the main thread's TLS block from the image's `PT_TLS` template,
//!    with the IPC buffer pointer in its thread control block, and sets the
//!    thread pointer the way the kernel allows: itself where it can
//!    (`seL4_SetTLSBase`, or `wrfsbase` on x86 kernels built with
//!    `FSGSBASE_INST`), otherwise by starting `main` on a second TCB whose
//!    registers carry the TLS base (see [`main_thread_tcb`]). Either way
//!    `main` finds its own TCB at `seL4_CapInitThreadTCB`
//!    ([`sel4::init_thread::TCB`]), as on any root task;
//! 3. issues itself I/O-port capabilities for the exit device and for COM1
//!    in the first empty slots (which [`sel4::BootInfo::empty`] then no
//!    longer reports), and registers COM1 as the serial console
//!    ([`sel4::set_serial_console`]): the console of kernels without a debug
//!    console, and the one COM1 capability of the image (current kernels
//!    issue a port range only once), for whatever else needs the UART
//!    ([`sel4::serial_console`]);
//! 4. calls `main`; its result (`()`, `Result<(), E: Debug>`, or an
//!    [`ExitStatus`]) becomes the exit status, reported with a last line
//!    `substrate: exit success` / `substrate: exit failure`.
//!
//! The build script of a root-task binary calls `substrate_build::root_task()`.
#![no_std]

extern crate alloc;

use alloc::boxed::Box;

pub use sel4;
pub use substrate_heap::StaticHeap;
pub use substrate_root_task_macros::root_task;
pub use substrate_rt::start::Stack;
pub use substrate_rt::{exit, ExitStatus};

// Linked for its #[panic_handler] (not into host test builds, which have
// std's, nor without the `panic-handler` feature: a std program's).
#[cfg(all(not(test), feature = "panic-handler"))]
use substrate_panic as _;

use sel4::sys;
use substrate_rt::tls::TlsImage;

/// The priority `main` runs at: `seL4_MaxPrio - 1`, with the full maximum
/// controlled priority, so it can give threads any priority up to its own
/// and one above.
pub const MAIN_PRIORITY: sel4::Word = sys::seL4_MaxPrio as sel4::Word - 1;

/// Stack size when `#[root_task]` names none: 256 KiB.
pub const DEFAULT_STACK_SIZE: usize = 256 * 1024;
/// Heap size when `#[root_task]` names none: 4 MiB.
pub const DEFAULT_HEAP_SIZE: usize = 4 * 1024 * 1024;

/// What `main` may return; turned into the system's [`ExitStatus`].
pub trait Termination {
    /// Reports `self` (printing an error if it is one) as an exit status.
    fn report(self) -> ExitStatus;
}

impl Termination for () {
    fn report(self) -> ExitStatus {
        ExitStatus::Success
    }
}

impl Termination for ExitStatus {
    fn report(self) -> ExitStatus {
        self
    }
}

impl<E: core::fmt::Debug> Termination for Result<(), E> {
    fn report(self) -> ExitStatus {
        match self {
            Ok(()) => ExitStatus::Success,
            Err(e) => {
                sel4::debug_println!("error: {e:?}");
                ExitStatus::Failure
            }
        }
    }
}

extern "Rust" {
    // Defined by #[root_task]: calls the user's main.
    fn __substrate_main(bootinfo: &sel4::BootInfo) -> ExitStatus;
}

extern "C" {
    static __substrate_stack: u8;
    static __substrate_stack_size: usize;
}

fn stack_top() -> usize {
    // SAFETY: both symbols are defined by #[root_task]; only the stack's
    // address and the size value are read.
    unsafe { core::ptr::addr_of!(__substrate_stack) as usize + __substrate_stack_size }
}

/// The TCB of the thread that runs `main`: always the capability in
/// `seL4_CapInitThreadTCB` ([`sel4::init_thread::TCB`]).
///
/// On kernels where a thread can set its own thread pointer
/// (`seL4_SetTLSBase`, or `wrfsbase` with `FSGSBASE_INST`) that is the initial thread's TCB. On older kernels
/// (seL4 5.0) the runtime starts `main` on a second TCB, retyped from the
/// first untyped that fits into the first empty slot, at priority
/// `seL4_MaxPrio - 1` with the full maximum controlled priority, and swaps
/// the two capabilities (`seL4_CNode_Rotate`), so code that treats
/// `seL4_CapInitThreadTCB` as its own thread (suspending, binding a
/// notification, setting its priority) acts on the thread running `main`.
/// The initial thread, suspended for good, keeps its TCB in the reserved
/// slot (which [`sel4::BootInfo::empty`] no longer reports).
pub fn main_thread_tcb() -> sel4::cap::Tcb {
    sel4::init_thread::TCB
}

/// Called by `_start` with the BootInfo pointer, on the initial stack.
///
/// # Safety
/// Only `_start` calls this, once, with the kernel's BootInfo pointer.
#[doc(hidden)]
#[no_mangle]
pub unsafe extern "C" fn __substrate_root_task_entry(bootinfo: *const sys::seL4_BootInfo) -> ! {
    // SAFETY: the kernel passed the BootInfo frame's address.
    let bi = unsafe { sel4::BootInfo::from_ptr(bootinfo) };
    let ipc_buffer = bi.ipc_buffer();
    let image = TlsImage::current();
    let layout = image.block_layout();
    // SAFETY: the layout has a non-zero size (it holds the control block).
    let block = unsafe { alloc::alloc::alloc(layout) };
    if block.is_null() {
        sel4::debug_println!(
            "substrate: no heap for the TLS block ({} bytes)",
            layout.size()
        );
        halt(ipc_buffer, sys::seL4_CapInitThreadTCB as _);
    }
    // SAFETY: `block` spans `layout`.
    let tp = unsafe { image.init_block(block, ipc_buffer) } as usize;
    // What the initial thread hands to the main thread.
    let start = Box::new(bi);

    #[cfg(sel4_tls_self)]
    // SAFETY: `tp` is initialised; the initial stack is reused from its top
    // (nothing on it is needed after this call).
    unsafe {
        substrate_rt::arch::set_own_thread_pointer_and_continue(
            tp,
            stack_top(),
            Box::into_raw(start) as usize,
            main_thread,
        )
    }

    #[cfg(not(sel4_tls_self))]
    {
        let mut start = start;
        let mut own_tcb = sys::seL4_CapInitThreadTCB as sys::seL4_CPtr;
        match start_main_thread(&mut start, ipc_buffer) {
            Ok(initial) => {
                own_tcb = initial;
                let arg = Box::into_raw(start) as usize;
                // The main thread runs below our priority: it starts once we stop.
                // SAFETY: nothing in this thread runs after it is suspended.
                if let Err(e) = start_thread(ipc_buffer, main_thread_tcb().cptr(), tp, arg) {
                    sel4::debug_println!("substrate: cannot start the main thread: {e}");
                }
            }
            Err(e) => sel4::debug_println!("substrate: cannot create the main thread: {e}"),
        }
        halt(ipc_buffer, own_tcb)
    }
}

/// Creates and configures the TCB that runs `main` on kernels where a thread
/// cannot set its own thread pointer, then swaps it into
/// `seL4_CapInitThreadTCB` (see [`main_thread_tcb`]). Returns the slot the
/// initial thread's TCB capability moved to. Runs before the thread pointer
/// exists, so every invocation passes the IPC buffer explicitly.
#[cfg(not(sel4_tls_self))]
fn start_main_thread(
    bi: &mut sel4::BootInfo,
    ipc: *mut sys::seL4_IPCBuffer,
) -> sel4::Result<sys::seL4_CPtr> {
    use sys::with_ipc_buffer as w;
    let tcb_bits = sys::seL4_TCBBits as u8;
    let untyped = bi
        .untyped_list()
        .position(|u| !u.is_device && u.size_bits >= tcb_bits)
        .ok_or(sel4::Error::NotEnoughMemory)?;
    let untyped = (bi.untyped().start + untyped) as sys::seL4_CPtr;
    let slot = bi
        .reserve_empty_slots(1)
        .ok_or(sel4::Error::RangeError)?
        .start;
    let cnode = sys::seL4_CapInitThreadCNode as sys::seL4_CPtr;
    let max_prio = sys::seL4_MaxPrio as sys::seL4_Word;
    // SAFETY: these invocations take no pointers besides the IPC buffer,
    // which is this thread's; bad arguments come back as errors.
    unsafe {
        sel4::Error::check(w::seL4_Untyped_Retype(
            ipc,
            untyped,
            sys::seL4_TCBObject as _,
            0,
            cnode,
            0,
            0,
            slot as _,
            1,
        ))?;
        let tcb = slot as sys::seL4_CPtr;
        sel4::Error::check(w::seL4_TCB_SetSpace(
            ipc,
            tcb,
            0,
            cnode,
            Default::default(),
            sys::seL4_CapInitThreadVSpace as _,
            Default::default(),
        ))?;
        sel4::Error::check(w::seL4_TCB_SetIPCBuffer(
            ipc,
            tcb,
            ipc as sys::seL4_Word,
            sys::seL4_CapInitThreadIPCBuffer as _,
        ))?;
        sel4::Error::check(w::seL4_TCB_SetMCPriority(ipc, tcb, max_prio as _))?;
        sel4::Error::check(w::seL4_TCB_SetPriority(ipc, tcb, MAIN_PRIORITY as _))?;
        // Swap the two TCB capabilities: with the source and destination the
        // same slot, `Rotate` moves the initial thread's capability into the
        // pivot slot and the new one into `seL4_CapInitThreadTCB`.
        let init_tcb = sys::seL4_CapInitThreadTCB as sys::seL4_Word;
        let depth = sys::seL4_WordBits as u8;
        sel4::Error::check(w::seL4_CNode_Rotate(
            ipc,
            cnode,
            init_tcb,
            depth,
            Default::default(),
            cnode,
            slot as _,
            depth,
            Default::default(),
            cnode,
            init_tcb,
            depth,
        ))?;
        Ok(tcb)
    }
}

/// Writes the main thread's registers so it starts in `main_thread(arg)`.
#[cfg(not(sel4_tls_self))]
fn start_thread(
    ipc: *mut sys::seL4_IPCBuffer,
    tcb: sys::seL4_CPtr,
    tp: usize,
    arg: usize,
) -> sel4::Result<()> {
    let regs = substrate_rt::arch::continuation_context(tp, stack_top(), arg, main_thread);
    let count = substrate_rt::arch::USER_CONTEXT_WORDS as sys::seL4_Word;
    // SAFETY: `regs` is a valid context; the IPC buffer is this thread's.
    sel4::Error::check(unsafe {
        sys::with_ipc_buffer::seL4_TCB_WriteRegisters(ipc, tcb, 1, 0, count, &regs)
    })
}

extern "C" fn main_thread(arg: usize) -> ! {
    // SAFETY: `arg` is the Box the initial thread leaked for us.
    let mut bootinfo = *unsafe { Box::from_raw(arg as *mut sel4::BootInfo) };
    let port_cap = match issue_exit_port(&mut bootinfo) {
        Ok(cap) => cap,
        Err(e) => {
            sel4::debug_println!("substrate: no exit port capability ({e}); exit will suspend");
            0
        }
    };
    substrate_rt::exit::set_exit_caps(port_cap, main_thread_tcb().cptr());
    // `main` runs at `seL4_MaxPrio - 1` on every kernel, the priority of
    // threads spawned with the defaults: the initial thread starts at
    // `seL4_MaxPrio` (its maximum controlled priority stays there).
    #[cfg(sel4_tls_self)]
    if let Err(e) = main_thread_tcb().set_priority(main_thread_tcb(), MAIN_PRIORITY) {
        sel4::debug_println!("substrate: cannot set main's priority ({e})");
    }
    match issue_console_port(&mut bootinfo) {
        Ok(port) => sel4::set_serial_console(Some(port)),
        Err(e) => sel4::debug_println!("substrate: no COM1 capability ({e})"),
    }
    // SAFETY: defined by #[root_task] with this signature.
    let status = unsafe { __substrate_main(&bootinfo) };
    substrate_rt::exit::exit_with(status, || {
        if !substrate_rt::quiet() {
            sel4::debug_println!(
                "substrate: exit {}",
                if status == ExitStatus::Success {
                    "success"
                } else {
                    "failure"
                }
            )
        }
    })
}

/// Issues an I/O-port capability for the exit device into the first empty slot.
fn issue_exit_port(bi: &mut sel4::BootInfo) -> sel4::Result<sys::seL4_CPtr> {
    let port = substrate_rt::arch::EXIT_PORT;
    let cap = sel4::issue_io_ports(port, port + 3, &reserve_slot(bi)?)?;
    Ok(cap.cptr())
}

/// Takes the first empty slot for the runtime (BootInfo no longer reports it).
fn reserve_slot(bi: &mut sel4::BootInfo) -> sel4::Result<sel4::AbsoluteCPtr> {
    let slot = bi
        .reserve_empty_slots(1)
        .ok_or(sel4::Error::NotEnoughMemory)?
        .start;
    Ok(sel4::init_thread::slot(slot))
}

/// Issues an I/O-port capability for COM1 into the first empty slot; on a
/// kernel without a debug console also programs the UART, which the kernel
/// then has not set up.
fn issue_console_port(bi: &mut sel4::BootInfo) -> sel4::Result<sel4::SerialPort> {
    let port = sel4::SerialPort::issue_com1(&reserve_slot(bi)?)?;
    #[cfg(not(sel4_printing))]
    port.init()?;
    Ok(port)
}

/// Stops the initial thread, whose TCB capability is `own_tcb`, for good;
/// usable before the thread pointer is set, so the IPC buffer is passed
/// explicitly.
fn halt(ipc_buffer: *mut sys::seL4_IPCBuffer, own_tcb: sys::seL4_CPtr) -> ! {
    loop {
        // SAFETY: suspending our own thread has no memory effects.
        unsafe { sys::with_ipc_buffer::seL4_TCB_Suspend(ipc_buffer, own_tcb) };
    }
}
