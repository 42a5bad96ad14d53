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

/// The function that stops the image's other threads (see
/// [`set_stop_threads`]); 0 for none.
static STOP_THREADS: AtomicUsize = AtomicUsize::new(0);

/// Registers `stop`, which [`exit`] calls to stop every thread of the image
/// but the caller when the exit device does not end the machine: it
/// suspends them and returns the caller's own TCB, or `None` when the caller
/// is the initial thread (the one [`set_exit_caps`] named). The thread
/// layer registers it when it starts its first thread.
pub fn set_stop_threads(stop: fn() -> Option<seL4_CPtr>) {
    STOP_THREADS.store(stop as usize, Ordering::Release);
}

/// Ends the system with `status`, from any thread: reports the status to the
/// exit device, then (where there is none, and the machine goes on) stops
/// every thread of the image (`seL4_TCB_Suspend`): the others first, through
/// the function [`set_stop_threads`] registered, then the initial thread,
/// then the caller. Never returns. [`exit_with`] with no last words.
pub fn exit(status: ExitStatus) -> ! {
    exit_with(status, || {})
}

/// Ends the system with `status` as [`exit`] does, calling `last_words`
/// (the runtime's last line on the console) once every other thread is
/// stopped and before the exit device ends the machine: nothing another
/// thread prints can follow it. Never returns.
pub fn exit_with(status: ExitStatus, last_words: impl FnOnce()) -> ! {
    let initial = OWN_TCB.load(Ordering::Relaxed) as seL4_CPtr;
    let stop = STOP_THREADS.load(Ordering::Acquire);
    let own = if stop == 0 {
        None
    } else {
        // SAFETY: only `set_stop_threads` stores here, and it stores a
        // `fn() -> Option<seL4_CPtr>`.
        let stop: fn() -> Option<seL4_CPtr> = unsafe { core::mem::transmute(stop) };
        stop()
    };
    if own.is_some() && initial != 0 {
        // SAFETY: suspending a thread has no memory effects on this one.
        unsafe { sel4_sys::seL4_TCB_Suspend(initial) };
    }
    last_words();
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
    let me = own.unwrap_or(initial);
    loop {
        if me != 0 {
            // SAFETY: suspending our own thread has no memory effects.
            unsafe { sel4_sys::seL4_TCB_Suspend(me) };
        }
        core::hint::spin_loop();
    }
}
