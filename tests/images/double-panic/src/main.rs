//! Two threads panic at the same time: the panic handler must let the first
//! finish its report (message, location, backtrace) and end the system with
//! a failure status, while the second waits instead of reporting a panic
//! inside a panic.
//!
//! The panic message's `Display` yields half-way, so the other thread, at
//! the same priority, runs and panics while the first report is being
//! written.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use core::fmt;
use core::sync::atomic::{AtomicUsize, Ordering};
use sel4_object_allocator::ObjectAllocator;
use substrate_root_task::{root_task, sel4};

/// Threads that have reached the panic.
static READY: AtomicUsize = AtomicUsize::new(0);

/// A panic message whose formatting yields between its halves.
struct Slow(u32);

impl fmt::Display for Slow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "thread {}: first half", self.0)?;
        for _ in 0..10 {
            sel4::yield_now();
        }
        f.write_str(", second half")
    }
}

fn panicker(n: u32) -> impl FnOnce() + Send + 'static {
    move || {
        READY.fetch_add(1, Ordering::SeqCst);
        while READY.load(Ordering::SeqCst) < 2 {
            sel4::yield_now();
        }
        panic!("{}", Slow(n));
    }
}

#[root_task]
fn main(bootinfo: &sel4::BootInfo) -> Result<(), String> {
    let mut objects = ObjectAllocator::new(bootinfo);
    sel4::debug_println!("two threads about to panic");
    let a = substrate_thread::spawn(&mut objects, panicker(1)).map_err(|e| format!("{e}"))?;
    let b = substrate_thread::spawn(&mut objects, panicker(2)).map_err(|e| format!("{e}"))?;
    // Either panic ends the system; these joins never return.
    let ra = a.join();
    let rb = b.join();
    Err(format!("the threads ended: {ra:?}, {rb:?}"))
}
