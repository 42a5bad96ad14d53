//! `witness`: shows the rest of the system keeps working while the probe
//! is stopped and restarted. For its start and each restart of the probe
//! it writes a value into the shared region and calls the server, which
//! reads it back from its own read-only mapping.
#![no_std]
#![no_main]

use sel4_system_component::{exit, mr, sel4, set_mr, Channel, Handler, MessageInfo};

/// The witness's end of the probe's channel.
const PROBE: Channel = Channel::new(1);
/// Its end of the channel to the server.
const SERVER: Channel = Channel::new(2);
/// Where the shared region is mapped in the witness (read-write).
const SHARED: *mut u64 = 0x1_2345_6000 as *mut u64;

struct Witness {
    calls: u64,
    restarts_seen: u64,
}

impl Witness {
    /// One round: a value through shared memory, checked by the server.
    fn round(&mut self) {
        self.calls += 1;
        let value = 0x5eed_0000 + self.calls;
        // SAFETY: the initializer mapped the region here, read-write, for
        // this component; the server only reads it.
        unsafe { SHARED.write_volatile(value) };
        set_mr(0, value);
        let reply = SERVER
            .call(MessageInfo::new(1, 0, 1))
            .expect("the witness may call the server");
        if reply.label() != 1 || mr(0) != value {
            panic!("the server read {:#x}, not {value:#x}", mr(0));
        }
    }
}

fn init() -> Witness {
    let mut w = Witness {
        calls: 0,
        restarts_seen: 0,
    };
    w.round();
    w
}

impl Handler for Witness {
    fn peer_restarted(&mut self, channel: Channel) {
        while self.restarts_seen < channel.peer_restarts() {
            self.restarts_seen += 1;
            self.round();
        }
    }

    fn notified(&mut self, channel: Channel) {
        if channel != PROBE {
            return;
        }
        sel4::debug_println!(
            "witness: the probe was restarted {} times; the server answered {} calls, shared memory intact",
            PROBE.peer_restarts(),
            self.calls
        );
        exit(0);
    }
}

sel4_system_component::component!(init);
