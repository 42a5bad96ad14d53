//! `server`: opens a session per request in a table with room for three.
//! The fourth request finds the table full and, a deliberate bug, reads
//! address 0: a VM fault. The description says `restart = true`, so the
//! initializer starts it again from its initial state, with an empty table.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use sel4_system_component::{mr, restarts, sel4, set_mr, Channel, Handler, MessageInfo};

/// Sessions the table has room for.
const SESSIONS: usize = 3;

struct Server {
    /// The numbers of the open sessions (on the heap, which a restart zeroes).
    sessions: Vec<u64>,
}

fn init() -> Server {
    sel4::debug_println!("server: started (restart {})", restarts());
    Server {
        sessions: Vec::with_capacity(SESSIONS),
    }
}

impl Handler for Server {
    fn protected(&mut self, _channel: Channel, msg: MessageInfo) -> MessageInfo {
        let n = mr(0);
        if msg.label() != 1 || msg.length() != 1 {
            return MessageInfo::new(0, 0, 0);
        }
        if self.sessions.len() == SESSIONS {
            sel4::debug_println!("server: no session left for request {n}");
            fault();
        }
        self.sessions.push(n);
        set_mr(0, self.sessions.len() as u64);
        set_mr(1, n);
        MessageInfo::new(1, 0, 2)
    }
}

/// The bug: reads address 0, which is never mapped.
fn fault() -> ! {
    // SAFETY: deliberately reads the unmapped page 0; the kernel stops the
    // thread with a VM fault and reports it to the initializer, so
    // execution never goes on.
    unsafe { core::arch::asm!("mov {0}, qword ptr [{0}]", in(reg) 0usize, options(noreturn)) }
}

sel4_system_component::component!(init);
