//! Ending the system.

use substrate_rt::ExitStatus;

/// Ends the system with `status`: 0 is success, anything else failure.
/// Prints the runtime's last line (`substrate: exit success`, or
/// `substrate: exit failure (status N)`) on the debug console and reports
/// the status through the exit device (`seL4_X86_IOPort_Out32` on QEMU's
/// `isa-debug-exit`; `substrate_rt::exit`). Never returns. C's `_exit`.
#[no_mangle]
pub extern "C" fn substrate_exit(status: i32) -> ! {
    if status == 0 {
        sel4::debug_println!("substrate: exit success");
        substrate_rt::exit(ExitStatus::Success)
    } else {
        sel4::debug_println!("substrate: exit failure (status {status})");
        substrate_rt::exit(ExitStatus::Failure)
    }
}

/// Prints `abort` and ends the system with failure, like [`substrate_exit`]
/// with a non-zero status. C's `abort`. Never returns.
#[no_mangle]
pub extern "C" fn substrate_abort() -> ! {
    sel4::debug_println!("abort");
    sel4::debug_println!("substrate: exit failure");
    substrate_rt::exit(ExitStatus::Failure)
}
