//! The child component of the `spawn-task` example (see
//! `examples/spawn-task`): it asks its parent for a mode, then talks, faults
//! or panics. Its only capability is the endpoint `main` receives.
#![no_std]
#![no_main]

extern crate alloc;

#[path = "../../spawn-task/src/protocol.rs"]
mod protocol;

use alloc::string::String;
use core::fmt::Write;
use core::sync::atomic::{AtomicU64, Ordering};
use protocol::*;
use substrate_component::{component, sel4};

/// Counts starts, in `.data` (its initial value is not zero): a child
/// restarted from its initial state counts from 1000 again.
static STARTS: AtomicU64 = AtomicU64::new(FIRST_START - 1);

#[component(heap_size = 64 * 1024)]
fn main(parent: sel4::cap::Endpoint) -> Result<(), &'static str> {
    // SAFETY: this thread holds no other IpcBuffer.
    let mut ipc = unsafe { sel4::IpcBuffer::current() };
    ipc.msg_regs()[0] = STARTS.fetch_add(1, Ordering::Relaxed) + 1;
    parent.call(sel4::MessageInfo::new(HELLO, 0, 1));
    let (mode, id) = (ipc.msg_regs()[0], ipc.msg_regs()[1]);
    match mode {
        MODE_TALK => {
            for n in 1..=PINGS {
                ipc.msg_regs()[0] = n;
                let reply = parent.call(sel4::MessageInfo::new(PING, 0, 1));
                if reply.label() != PONG || ipc.msg_regs()[0] != n {
                    return Err("wrong pong");
                }
                // Formatted on the heap, to show the component's allocator works.
                let mut line = String::new();
                let _ = write!(line, "child {id}: received pong {n}");
                sel4::debug_println!("{line}");
            }
            Ok(())
        }
        MODE_FAULT => {
            sel4::debug_println!("child {id}: reading address 0");
            let value: u64;
            // SAFETY: deliberately reads the unmapped page 0; the kernel
            // stops this thread with a VM fault, so execution never goes on.
            unsafe { core::arch::asm!("mov {}, qword ptr [{}]", out(reg) value, in(reg) 0usize) };
            sel4::debug_println!("child {id}: read {value} from address 0?");
            Err("reading address 0 did not fault")
        }
        MODE_OVERFLOW => {
            sel4::debug_println!("child {id}: recursing");
            let _ = recurse(0);
            Err("the stack did not overflow")
        }
        MODE_PANIC => panic!("child {id} panics on purpose"),
        _ => Err("unknown mode"),
    }
}

/// Uses a page of stack per call, forever.
#[allow(unconditional_recursion)]
fn recurse(depth: usize) -> usize {
    let frame = core::hint::black_box([depth as u8; 4096]);
    recurse(depth + 1) + frame[depth % 4096] as usize
}
