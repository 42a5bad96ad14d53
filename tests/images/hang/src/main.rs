//! Never finishes: the runner must stop it at its timeout and fail.
#![no_std]
#![no_main]

use substrate_root_task::{root_task, sel4};

#[root_task]
fn main(_bootinfo: &sel4::BootInfo) {
    sel4::debug_println!("hanging on purpose");
    loop {
        // SAFETY: yielding has no preconditions.
        unsafe { sel4::sys::seL4_Yield() };
    }
}
