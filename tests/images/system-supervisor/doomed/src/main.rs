//! `doomed`: faults at once; its description does not allow a restart.
#![no_std]
#![no_main]

use sel4_system_component::Handler;

struct Doomed;

fn init() -> Doomed {
    // SAFETY: deliberately reads the unmapped page 0: a VM fault, which
    // the kernel reports to the watchdog; execution never goes on.
    unsafe { core::arch::asm!("mov {0}, qword ptr [{0}]", in(reg) 0usize, options(noreturn)) }
}

impl Handler for Doomed {}

sel4_system_component::component!(init);
