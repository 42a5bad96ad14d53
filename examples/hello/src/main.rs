//! The default demo: a root task that greets, reports what the kernel gave
//! it, and uses the heap.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use substrate_root_task::{root_task, sel4};

#[root_task(heap_size = 1 << 20)]
fn main(bootinfo: &sel4::BootInfo) -> Result<(), String> {
    sel4::debug_println!("Hello from Rust on seL4!");
    match sel4::sys::KERNEL_VERSION {
        Some(v) => sel4::debug_println!("kernel: seL4 {v}"),
        None => sel4::debug_println!("kernel: seL4 (version not recorded in its install)"),
    }

    let untyped = bootinfo.untyped_list().filter(|u| !u.is_device).count();
    let free = bootinfo.free_memory();
    sel4::debug_println!(
        "untyped RAM regions: {untyped}, free memory: {} KiB",
        free / 1024
    );

    let squares: Vec<u64> = (1..=10).map(|n| n * n).collect();
    let mut text = String::from("squares:");
    for s in &squares {
        text.push_str(&alloc::format!(" {s}"));
    }
    sel4::debug_println!("{text}");
    if squares.iter().sum::<u64>() != 385 || !text.ends_with(" 100") {
        return Err(String::from("heap data is not what was written"));
    }
    Ok(())
}
