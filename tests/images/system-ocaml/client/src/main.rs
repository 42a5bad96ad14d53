//! The Rust client of the `ocaml` test system: one call to the OCaml
//! server, then three notifications, each echoed.
#![no_std]
#![no_main]

use sel4_system_component::{exit, mr, sel4, set_mr, Channel, Handler, MessageInfo};

const SERVER: Channel = Channel::new(0);

struct Client {
    echoes: u32,
}

fn init() -> Client {
    for (i, v) in [1, 2, 3].into_iter().enumerate() {
        set_mr(i, v);
    }
    let reply = SERVER
        .call(MessageInfo::new(1, 0, 3))
        .expect("the client may call the server");
    sel4::debug_println!("client: the OCaml server answered {}", mr(0));
    assert_eq!((reply.label(), mr(0)), (1, 12));
    SERVER.notify().expect("the client may notify the server");
    Client { echoes: 0 }
}

impl Handler for Client {
    fn notified(&mut self, _channel: Channel) {
        self.echoes += 1;
        if self.echoes == 3 {
            sel4::debug_println!("client: 3 notifications echoed by the OCaml server");
            exit(0);
        }
        SERVER.notify().expect("the client may notify the server");
    }
}

sel4_system_component::component!(init);
