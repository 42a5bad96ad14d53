//! Logging with the `log` crate's macros through `substrate-log`: lines
//! `[LEVEL target] message` on the kernel's debug console, a level filter,
//! and the COM1 serial port driven through an I/O port capability.
#![no_std]
#![no_main]

use log::LevelFilter;
use substrate_log::{Output, Serial};
use substrate_root_task::{root_task, sel4};

#[root_task]
fn main(_bootinfo: &sel4::BootInfo) -> Result<(), &'static str> {
    substrate_log::init(LevelFilter::Info).map_err(|_| "a logger was already set")?;
    log::info!("logger ready at level {}", log::max_level());
    log::debug!("this debug line must not appear");
    log::trace!("nor this trace line");
    log::warn!(target: "logging::disk", "{} of {} blocks left", 3, 4);
    log::error!("an error is shown too");

    // The same lines, written to the UART directly.
    // The runtime holds the image's one capability for COM1's ports.
    let com1: Serial = sel4::serial_console().ok_or_else(|| {
        log::error!("no capability for COM1's ports");
        "no COM1"
    })?;
    substrate_log::set_output(Output::Serial(com1));
    log::info!("written to COM1 through an I/O port capability");
    substrate_log::set_output(Output::DebugConsole);
    log::info!("back on the debug console");
    Ok(())
}
