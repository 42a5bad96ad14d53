//! Panics after printing a line: the image must end with a failure status
//! and the panic message and location on the console.
#![no_std]
#![no_main]

use substrate_root_task::{root_task, sel4};

#[root_task]
fn main(_bootinfo: &sel4::BootInfo) {
    sel4::debug_println!("about to panic");
    let answer = core::hint::black_box(41) + 1;
    panic!("deliberate panic, answer = {answer}");
}
