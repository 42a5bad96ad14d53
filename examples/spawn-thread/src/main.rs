//! A second thread in the root task.
//!
//! The worker thread asks the main thread three questions over an endpoint
//! (`Call`); the main thread answers each (`ReplyRecv`) and learns from the
//! badge who is asking. Both threads then increment a counter under a mutex
//! that sleeps on a notification, the worker signals a notification when it
//! is done, and the main thread joins it and checks its result.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use sel4::{cap, CapRights, MessageInfo, ObjectType, Word};
use sel4_object_allocator::ObjectAllocator;
use substrate_root_task::{root_task, sel4};
use substrate_sync::Mutex;
use substrate_thread::Builder;

/// Incremented by both threads.
static COUNTER: Mutex<u64> = Mutex::new(0);

/// The badge on the worker's endpoint capability.
const WORKER_BADGE: Word = 0x61;

/// Message register 0 of this thread's IPC buffer.
fn mr0() -> Word {
    // SAFETY: the runtime set up this thread's IPC buffer; the reference
    // lives only for this line.
    unsafe { sel4::IpcBuffer::current() }.msg_regs()[0]
}

fn set_mr0(value: Word) {
    // SAFETY: as in mr0.
    unsafe { sel4::IpcBuffer::current() }.msg_regs()[0] = value;
}

fn err(what: &str, e: impl core::fmt::Display) -> String {
    format!("{what}: {e}")
}

#[root_task(heap_size = 1 << 20)]
fn main(bootinfo: &sel4::BootInfo) -> Result<(), String> {
    let mut objects = ObjectAllocator::new(bootinfo);
    let ep: cap::Endpoint = objects
        .allocate(ObjectType::Endpoint, 0)
        .map_err(|e| err("endpoint", e))?;
    let done: cap::Notification = objects
        .allocate(ObjectType::Notification, 0)
        .map_err(|e| err("notification", e))?;
    let lock: cap::Notification = objects
        .allocate(ObjectType::Notification, 0)
        .map_err(|e| err("notification", e))?;
    COUNTER
        .set_notification(lock)
        .map_err(|_| String::from("the mutex already has a notification"))?;

    // The worker's copy of the endpoint capability carries a badge, which the
    // kernel delivers to the receiver with every message sent through it.
    let slot = objects.alloc_slot().map_err(|e| err("slot", e))?;
    objects
        .slot(slot)
        .mint(&objects.slot(ep.cptr()), CapRights::all(), WORKER_BADGE)
        .map_err(|e| err("mint", e))?;
    let worker_ep = cap::Endpoint::from_cptr(slot);

    let worker = Builder::new()
        .name("worker")
        .spawn(&mut objects, move || {
            let mut replies = [0; 3];
            for (n, reply) in (1..).zip(replies.iter_mut()) {
                set_mr0(n);
                worker_ep.call(MessageInfo::new(0, 0, 1));
                *reply = mr0();
            }
            sel4::debug_println!(
                "worker: replies {} {} {}",
                replies[0],
                replies[1],
                replies[2]
            );
            for _ in 0..1000 {
                *COUNTER.lock() += 1;
            }
            done.signal();
            replies.iter().sum::<Word>()
        })
        .map_err(|e| err("spawn", e))?;

    // Serve three requests: wait for the first, answer each while waiting
    // for the next, and answer the last one alone.
    let reply_cap = objects.allocate_reply().map_err(|e| err("reply", e))?;
    let (mut info, mut badge) = ep.recv(&reply_cap);
    for n in 1..=3 {
        if info.length() != 1 || badge != WORKER_BADGE {
            return Err(format!("unexpected message {info:?} from badge {badge:#x}"));
        }
        let request = mr0();
        let answer = request * request;
        sel4::debug_println!("main: request {request} from badge {badge:#x}, replying {answer}");
        set_mr0(answer);
        let reply = MessageInfo::new(0, 0, 1);
        if n < 3 {
            (info, badge) = ep.reply_recv(reply, &reply_cap);
        } else {
            reply_cap.send(reply);
        }
    }

    for _ in 0..1000 {
        *COUNTER.lock() += 1;
    }
    done.wait();
    sel4::debug_println!("main: worker signalled");

    let id = worker.thread().id();
    let sum = worker.join().map_err(|e| err("join", e))?;
    sel4::debug_println!("main: joined worker thread {id}, it returned {sum}");
    let total = *COUNTER.lock();
    sel4::debug_println!("counter: {total} (1000 per thread)");
    if sum != 1 + 4 + 9 || total != 2000 {
        return Err(format!("wrong results: sum {sum}, counter {total}"));
    }
    Ok(())
}
