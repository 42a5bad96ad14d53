//! `server`: answers the witness's calls with the word it reads from the
//! shared region, mapped read-only here.
#![no_std]
#![no_main]

use sel4_system_component::{mr, set_mr, Channel, Handler, MessageInfo};

/// Where the shared region is mapped in the server (read-only).
const SHARED: *const u64 = 0x2_0000_0000 as *const u64;

struct Server;

fn init() -> Server {
    Server
}

impl Handler for Server {
    fn protected(&mut self, _channel: Channel, _msg: MessageInfo) -> MessageInfo {
        // SAFETY: the initializer mapped the region here for this component.
        let value = unsafe { SHARED.read_volatile() };
        let label = if value == mr(0) { 1 } else { 2 };
        set_mr(0, value);
        MessageInfo::new(label, 0, 1)
    }
}

sel4_system_component::component!(init);
