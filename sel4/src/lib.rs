//! A typed Rust API for seL4, over the generated raw bindings in `sel4-sys`.
//!
//! * [`Cap<T>`]: typed capabilities, with invocations as methods
//!   (`Cap<Untyped>::retype`, `AbsoluteCPtr::copy`, `Cap<Tcb>::resume`, ...),
//!   each naming the seL4 call it wraps;
//! * [`Error`]: seL4's error codes as a Rust enum; invocations return `Result`.
//! * [`BootInfo`]: the initial thread's view of the system (free slots,
//!   untyped memory), from the kernel's `seL4_BootInfo`.
//! * [`debug_print!`] / [`debug_println!`]: the console: the kernel's debug
//!   console (`seL4_DebugPutChar`) when the kernel is built with printing,
//!   else the serial port the runtime registered ([`set_serial_console`],
//!   a [`SerialPort`] on COM1).
//! * [`Fault`]: fault messages from a fault endpoint, decoded ([`mod@fault`]).
//! * [`Reply`]: the right to answer a received call, the same in code for
//!   MCS kernels (a reply object) and others (the thread's reply slot);
//!   on MCS kernels also scheduling contexts (`SchedParams`,
//!   `cap::SchedControl::configure`, `cap::SchedContext`, `cap::Tcb::set_sched_params`).
#![no_std]

pub use sel4_sys as sys;

mod bootinfo;
mod capability;
mod debug;
mod error;
pub mod fault;
mod invocations;
mod ipc;
mod object;
#[cfg(sel4_mcs)]
mod sched;
pub mod serial;

pub use bootinfo::{BootInfo, SlotRegion, UntypedDesc};
pub use capability::{cap, cap_type, init_thread, Cap, CapType, WORD_BITS};
pub use debug::{
    debug_put_char, device_put_char, serial_console, set_console_sink, set_serial_console,
    DebugWriter,
};
pub use error::{Error, Result};
pub use fault::Fault;
pub use invocations::{
    isa_ioapic_pin, issue_io_ports, AbsoluteCPtr, BadgeArg, GuardArg, UserContext, VmAttributes,
    VM_DEFAULT,
};
pub use ipc::{yield_now, Badge, IpcBuffer, MessageInfo, Reply, BADGE_BITS, MAX_BADGE};
pub use object::{CapRights, FrameSize, ObjectType};
#[cfg(sel4_mcs)]
pub use sched::SchedParams;
pub use serial::SerialPort;

/// A machine word on this architecture (`seL4_Word`).
pub type Word = sys::seL4_Word;

/// An index into a thread's capability space (`seL4_CPtr`).
pub type CPtr = sys::seL4_CPtr;
