//! `worker`: faults on its first two starts, then tells the watchdog it
//! is done.
#![no_std]
#![no_main]

use sel4_system_component::{restarts, sel4, Channel, Handler};

struct Worker;

fn init() -> Worker {
    let start = restarts();
    if start < 2 {
        sel4::debug_println!("worker: start {start}");
        // SAFETY: deliberately reads the unmapped page 0: a VM fault, which
        // the kernel reports to the watchdog; execution never goes on.
        unsafe { core::arch::asm!("mov {0}, qword ptr [{0}]", in(reg) 0usize, options(noreturn)) }
    }
    sel4::debug_println!("worker: start {start}: done");
    Channel::new(0)
        .notify()
        .expect("the worker may notify the watchdog");
    Worker
}

impl Handler for Worker {}

sel4_system_component::component!(init);
