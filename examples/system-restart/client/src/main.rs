//! `client`: sends five requests to the server, retrying one the server
//! lost by faulting, then waits to be told that the server came back.
#![no_std]
#![no_main]

use sel4_system_component::{exit, mr, sel4, set_mr, Channel, ChannelError, Handler, MessageInfo};

/// The client's end of the channel to the server.
const SERVER: Channel = Channel::new(0);

/// Label of a request: "open a session for the number in MR 0".
const OPEN: u64 = 1;

struct Client;

fn init() -> Client {
    for n in 1..=5 {
        loop {
            set_mr(0, n);
            match SERVER.call(MessageInfo::new(OPEN, 0, 1)) {
                Ok(reply) if reply.label() == OPEN && reply.length() == 2 => {
                    sel4::debug_println!(
                        "client: request {n} answered: {n} is session {} of 3",
                        mr(0)
                    );
                    if mr(1) != n {
                        panic!("client: the server answered another request");
                    }
                    break;
                }
                Ok(reply) => panic!("client: unexpected reply label {}", reply.label()),
                Err(e @ ChannelError::PeerRestarted) => {
                    sel4::debug_println!("client: request {n} was lost: {e}; retrying");
                }
                Err(e) => panic!("client: {e}"),
            }
        }
    }
    Client
}

impl Handler for Client {
    fn peer_restarted(&mut self, channel: Channel) {
        let restarts = channel.peer_restarts();
        sel4::debug_println!("client: the server came back after {restarts} restart");
        exit(if restarts == 1 { 0 } else { 1 });
    }
}

sel4_system_component::component!(init);
