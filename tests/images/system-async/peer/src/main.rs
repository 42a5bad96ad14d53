//! peer: calls the async worker twice and has three notifications echoed.
#![no_std]
#![no_main]

use sel4_system_component::{exit, mr, sel4, set_mr, Channel, Handler, MessageInfo};

const WORKER: Channel = Channel::new(0);

struct Peer {
    echoed: u32,
}

fn fail(what: &str) -> ! {
    sel4::debug_println!("peer: FAILED: {what}");
    exit(1)
}

fn init() -> Peer {
    for k in 1..=2 {
        set_mr(0, 21 * k);
        let reply = WORKER
            .call(MessageInfo::new(7, 0, 1))
            .unwrap_or_else(|_| fail("calling the worker"));
        if reply.label() != 7 || mr(0) != 42 * k {
            fail("a wrong answer");
        }
    }
    WORKER.notify().unwrap_or_else(|_| fail("notifying"));
    Peer { echoed: 0 }
}

impl Handler for Peer {
    fn notified(&mut self, _channel: Channel) {
        self.echoed += 1;
        if self.echoed == 3 {
            sel4::debug_println!("peer: 3 notifications echoed, 2 calls answered");
            exit(0)
        }
        WORKER.notify().unwrap_or_else(|_| fail("notifying"));
    }
}

sel4_system_component::component!(init);
