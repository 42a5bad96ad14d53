//! Ending the system.

use substrate_rt::ExitStatus;

/// Ends the system with `status`: 0 is success, anything else failure
/// (in a system component: ends the component, which its initializer
/// reports with the status).
/// Prints the runtime's last line (`substrate: exit success`, or
/// `substrate: exit failure (status N)`; not under `sel4-run --quiet`) on
/// the debug console and reports
/// the status through the exit device (`seL4_X86_IOPort_Out32` on QEMU's
/// `isa-debug-exit`; `substrate_rt::exit`). Never returns. C's `_exit`.
#[no_mangle]
pub extern "C" fn substrate_exit(status: i32) -> ! {
    if crate::system::in_component() {
        // A system component ends alone: its parent, the initializer, is
        // told (substrate_component::exit) and reports it.
        substrate_component::exit(status as u32 as sel4::Word)
    }
    // The line comes once the other threads are stopped: nothing they
    // print can follow it.
    // Under `sel4-run --quiet` only the program's own output is shown.
    let quiet = substrate_rt::quiet();
    if status == 0 {
        substrate_rt::exit::exit_with(ExitStatus::Success, || {
            if !quiet {
                sel4::debug_println!("substrate: exit success")
            }
        })
    } else {
        substrate_rt::exit::exit_with(ExitStatus::Failure, || {
            if !quiet {
                sel4::debug_println!("substrate: exit failure (status {status})")
            }
        })
    }
}

/// Prints `abort` and ends the system with failure, like [`substrate_exit`]
/// with a non-zero status. C's `abort`. Never returns.
#[no_mangle]
pub extern "C" fn substrate_abort() -> ! {
    if crate::system::in_component() {
        sel4::debug_println!("abort");
        substrate_component::exit(substrate_component::abi::FAILURE_STATUS)
    }
    substrate_rt::exit::exit_with(ExitStatus::Failure, || {
        sel4::debug_println!("abort");
        if !substrate_rt::quiet() {
            sel4::debug_println!("substrate: exit failure")
        }
    })
}
