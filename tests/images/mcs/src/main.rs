//! What MCS kernels add, shown on one: scheduling contexts bound CPU time.
//!
//! * Throttling: two threads spin at the same priority, one with 1 ms of
//!   budget every 20 ms, the other with the full default budget. When the
//!   full-budget one has done its share of work, the kernel's accounting
//!   (`seL4_SchedContext_Consumed`) must show that the 1/20 thread ran but
//!   got no more than about its twentieth, while the other kept running.
//! * Timeout faults: a thread with 1 ms of budget every 100 ms and a timeout
//!   endpoint spins; once its budget is gone the kernel sends a timeout
//!   fault on that endpoint, which main receives and decodes.
//!
//! The boot suite runs this image on MCS kernels only.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::string::String;
use substrate_root_task::{root_task, sel4};

#[cfg(sel4_mcs)]
#[root_task(heap_size = 1 << 20)]
fn main(bootinfo: &sel4::BootInfo) -> Result<(), String> {
    let mut objects = sel4_object_allocator::ObjectAllocator::new(bootinfo);
    mcs::throttling(&mut objects)?;
    mcs::timeout_fault(&mut objects)
}

#[cfg(not(sel4_mcs))]
#[root_task]
fn main(_bootinfo: &sel4::BootInfo) -> Result<(), String> {
    Err(String::from("test-mcs needs an MCS kernel"))
}

#[cfg(sel4_mcs)]
mod mcs {
    use super::*;
    use alloc::format;
    use core::hint::black_box;
    use core::sync::atomic::{AtomicU64, Ordering};
    use sel4::{cap, Fault, ObjectType};
    use sel4_object_allocator::ObjectAllocator;
    use substrate_thread::Builder;

    /// Below main's priority: the spinning threads run only while main waits.
    const PRIORITY: u8 = 100;

    fn err(what: &str, e: impl core::fmt::Display) -> String {
        format!("{what}: {e}")
    }

    pub fn throttling(objects: &mut ObjectAllocator) -> Result<(), String> {
        static SPINS: AtomicU64 = AtomicU64::new(0);
        let done: cap::Notification = objects
            .allocate(ObjectType::Notification, 0)
            .map_err(|e| err("notification", e))?;
        let limited = Builder::new()
            .priority(PRIORITY)
            .budget(1_000, 20_000)
            .spawn(objects, || loop {
                SPINS.fetch_add(1, Ordering::Relaxed);
            })
            .map_err(|e| err("spawn the 1/20 thread", e))?;
        let full = Builder::new()
            .priority(PRIORITY)
            .spawn(objects, move || {
                for i in 0..10_000_000u64 {
                    black_box(i);
                }
                done.signal();
            })
            .map_err(|e| err("spawn the full-budget thread", e))?;
        done.wait();
        let consumed = |h: Option<cap::SchedContext>| {
            h.ok_or_else(|| String::from("no scheduling context"))?
                .consumed()
                .map_err(|e| err("SchedContext_Consumed", e))
        };
        let limited_us = consumed(limited.sched_context())?;
        let full_us = consumed(full.sched_context())?;
        limited
            .thread()
            .tcb()
            .suspend()
            .map_err(|e| err("suspend", e))?;
        drop(limited);
        full.join().map_err(|e| err("join", e))?;
        sel4::debug_println!(
            "throttled: the 1/20 thread got {limited_us} us, the full-budget thread {full_us} us"
        );
        if SPINS.load(Ordering::Relaxed) == 0 || limited_us == 0 {
            return Err(String::from("the 1/20 thread never ran"));
        }
        if full_us < 50_000 {
            return Err(format!("too short a run to tell ({full_us} us)"));
        }
        // 1 ms of every 20 ms is 5 %; allow for the periods' edges.
        if limited_us * 100 > (limited_us + full_us) * 10 {
            return Err(String::from("the 1/20 thread was not throttled"));
        }
        Ok(())
    }

    pub fn timeout_fault(objects: &mut ObjectAllocator) -> Result<(), String> {
        let timeouts: cap::Endpoint = objects
            .allocate(ObjectType::Endpoint, 0)
            .map_err(|e| err("endpoint", e))?;
        let reply = objects.allocate_reply().map_err(|e| err("reply", e))?;
        let spinner = Builder::new()
            .priority(PRIORITY)
            .budget(1_000, 100_000)
            .spawn(objects, || loop {
                black_box(0);
            })
            .map_err(|e| err("spawn", e))?;
        // It has not run yet: main has the higher priority.
        let tcb = spinner.thread().tcb();
        tcb.set_timeout_endpoint(timeouts)
            .map_err(|e| err("TCB_SetTimeoutEndpoint", e))?;
        let (info, _) = timeouts.recv(&reply);
        // SAFETY: this thread's IPC buffer; no other IpcBuffer is alive.
        let mut ipc = unsafe { sel4::IpcBuffer::current() };
        let fault = Fault::new(info, ipc.msg_regs());
        tcb.suspend().map_err(|e| err("suspend", e))?;
        drop(spinner);
        match fault {
            Some(f @ Fault::Timeout(t)) if t.data == 0 && t.consumed > 0 => {
                sel4::debug_println!("timeout fault: {f}");
                Ok(())
            }
            other => Err(format!("expected a timeout fault, got {other:?}")),
        }
    }
}
