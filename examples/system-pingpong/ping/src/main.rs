//! `ping`: calls pong three times, notifies it, and when pong notifies
//! back asks how many notifications it counted, then exits.
#![no_std]
#![no_main]

use sel4_system_component::{exit, mr, sel4, set_mr, Channel, Handler, MessageInfo};

/// ping's end of the channel to pong.
const PONG: Channel = Channel::new(0);

/// Labels of the calls pong serves.
const SQUARE: u64 = 1;
const COUNT: u64 = 2;

struct Ping;

fn init() -> Ping {
    for n in 1..=3 {
        set_mr(0, n);
        match PONG.call(MessageInfo::new(SQUARE, 0, 1)) {
            Ok(_) => sel4::debug_println!("ping: {n} squared is {}", mr(0)),
            Err(e) => panic!("ping: calling pong failed: {e}"),
        }
    }
    PONG.notify().expect("ping may notify pong");
    Ping
}

impl Handler for Ping {
    fn notified(&mut self, channel: Channel) {
        assert_eq!(channel, PONG);
        let count = PONG
            .call(MessageInfo::new(COUNT, 0, 0))
            .map(|_| mr(0))
            .expect("ping may call pong");
        sel4::debug_println!("ping: pong notified back; it counted {count} notification");
        exit(if count == 1 { 0 } else { 1 });
    }
}

sel4_system_component::component!(init);
