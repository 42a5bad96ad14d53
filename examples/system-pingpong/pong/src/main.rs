//! `pong`: answers ping's calls (a square, or how many notifications it
//! got) and notifies ping back when ping notifies it.
#![no_std]
#![no_main]

use sel4_system_component::{mr, sel4, set_mr, Channel, Handler, MessageInfo};

/// pong's end of the channel from ping.
const PING: Channel = Channel::new(3);

struct Pong {
    notifications: u64,
}

fn init() -> Pong {
    Pong { notifications: 0 }
}

impl Handler for Pong {
    fn notified(&mut self, channel: Channel) {
        self.notifications += 1;
        sel4::debug_println!(
            "pong: ping notified me ({} notification)",
            self.notifications
        );
        channel.notify().expect("pong may notify ping");
    }

    fn protected(&mut self, channel: Channel, msg: MessageInfo) -> MessageInfo {
        assert_eq!(channel, PING);
        match msg.label() {
            1 => {
                let n = mr(0);
                set_mr(0, n * n);
                MessageInfo::new(1, 0, 1)
            }
            2 => {
                set_mr(0, self.notifications);
                MessageInfo::new(2, 0, 1)
            }
            _ => MessageInfo::new(0, 0, 0),
        }
    }
}

sel4_system_component::component!(init);
