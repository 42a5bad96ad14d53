//! Ending the system with a status the runner can read.
//!
//! Under QEMU the root task writes to the `isa-debug-exit` device's I/O port
//! (through an I/O-port capability issued at start-up); QEMU then exits with
//! status `(value << 1) | 1`. Without the device the write does nothing and the
//! thread suspends itself, leaving the runner's timeout to end the run.

use core::sync::atomic::{AtomicUsize, Ordering};
use sel4_sys::seL4_CPtr;

/// How a system ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Everything the image set out to do succeeded.
    Success,
    /// Something failed (a panic, a failed test, an error from `main`).
    Failure,
}

impl ExitStatus {
    /// The value written to the exit port; QEMU exits with `(v << 1) | 1`,
    /// i.e. 33 for success and 35 for failure (see `tools/runner`).
    pub const fn port_value(self) -> u32 {
        match self {
            ExitStatus::Success => 0x10,
            ExitStatus::Failure => 0x11,
        }
    }
}

static EXIT_PORT_CAP: AtomicUsize = AtomicUsize::new(0);
static OWN_TCB: AtomicUsize = AtomicUsize::new(0);

/// Registers the capabilities [`exit`] uses: an I/O-port capability covering
/// [`crate::arch::EXIT_PORT`] (or 0 for none) and the thread's own TCB, which
/// is suspended if the exit device does not stop the machine.
pub fn set_exit_caps(exit_port: seL4_CPtr, own_tcb: seL4_CPtr) {
    EXIT_PORT_CAP.store(exit_port as usize, Ordering::Relaxed);
    OWN_TCB.store(own_tcb as usize, Ordering::Relaxed);
}

/// Ends the system with `status`. Never returns.
pub fn exit(status: ExitStatus) -> ! {
    let port = EXIT_PORT_CAP.load(Ordering::Relaxed) as seL4_CPtr;
    if port != 0 {
        // SAFETY: the invocation takes no pointers; a bad cap returns an error.
        unsafe {
            sel4_sys::seL4_X86_IOPort_Out32(
                port,
                crate::arch::EXIT_PORT as _,
                status.port_value() as _,
            );
        }
    }
    let tcb = OWN_TCB.load(Ordering::Relaxed) as seL4_CPtr;
    loop {
        if tcb != 0 {
            // SAFETY: suspending our own thread has no memory effects.
            unsafe { sel4_sys::seL4_TCB_Suspend(tcb) };
        }
        core::hint::spin_loop();
    }
}
