//! client: attaches to the driver's queues (its answer gives the MAC
//! address), then sends ARP requests for QEMU's gateway (10.0.2.2) and
//! DNS server (10.0.2.3) through them, one at a time, each time blocking
//! until the driver signals a received frame.
#![no_std]
#![no_main]

use sel4_net_queue::{ClientQueues, Mac, Signal};
use sel4_system_component::{exit, sel4, Channel, Handler};

const DRIVER: Channel = Channel::new(0);
const OUR_IP: [u8; 4] = [10, 0, 2, 15];
/// Whom to ask, in order.
const TARGETS: [[u8; 4]; 3] = [[10, 0, 2, 2], [10, 0, 2, 3], [10, 0, 2, 2]];

struct Client {
    queues: ClientQueues,
    mac: [u8; 6],
    next: usize,
}

fn fail(what: &str) -> ! {
    sel4::debug_println!("client: FAILED: {what}");
    exit(1)
}

fn signal(s: Signal) {
    if s == Signal::Needed {
        let _ = DRIVER.notify();
    }
}

impl Client {
    fn ask(&mut self) {
        let target = TARGETS[self.next];
        let mac = self.mac;
        let s = self
            .queues
            .send(42, |f| {
                f[0..6].copy_from_slice(&[0xff; 6]);
                f[6..12].copy_from_slice(&mac);
                f[12..14].copy_from_slice(&[0x08, 0x06]);
                f[14..22].copy_from_slice(&[0, 1, 0x08, 0, 6, 4, 0, 1]);
                f[22..28].copy_from_slice(&mac);
                f[28..32].copy_from_slice(&OUR_IP);
                f[32..38].copy_from_slice(&[0; 6]);
                f[38..42].copy_from_slice(&target);
            })
            .unwrap_or_else(|_| fail("queueing a frame"));
        signal(s);
    }
}

fn init() -> Client {
    let queues = ClientQueues::attach(DRIVER).unwrap_or_else(|_| fail("attaching to the queues"));
    let mac = queues.mac();
    sel4::debug_println!("client: the driver says the MAC is {}", Mac(mac));
    let mut c = Client {
        queues,
        mac,
        next: 0,
    };
    c.ask();
    // Before blocking: ask the driver to signal the first frame.
    if !c.queues.want_receive_signal().unwrap_or(true) {
        c.notified(DRIVER);
    }
    c
}

impl Handler for Client {
    fn notified(&mut self, _channel: Channel) {
        loop {
            let got = self
                .queues
                .receive(|frame| self_reply(frame, TARGETS[self.next]))
                .unwrap_or_else(|_| fail("the driver's queue is corrupt"));
            match got {
                Some((reply, s)) => {
                    signal(s);
                    if let Some(m) = reply {
                        let t = TARGETS[self.next];
                        self.next += 1;
                        sel4::debug_println!(
                            "client: ARP reply {}: {}.{}.{}.{} is at {}",
                            self.next,
                            t[0],
                            t[1],
                            t[2],
                            t[3],
                            Mac(m)
                        );
                        if self.next == TARGETS.len() {
                            exit(0)
                        }
                        self.ask();
                    }
                }
                None => {
                    if self.queues.want_receive_signal().unwrap_or(true) {
                        return;
                    }
                }
            }
        }
    }
}

/// The sender's MAC if `frame` is the ARP reply from `target` to us.
fn self_reply(frame: &[u8], target: [u8; 4]) -> Option<[u8; 6]> {
    let reply = frame.len() >= 42
        && frame[12..14] == [0x08, 0x06]
        && frame[20..22] == [0, 2]
        && frame[28..32] == target
        && frame[38..42] == OUR_IP;
    reply.then(|| frame[22..28].try_into().expect("six bytes"))
}

sel4_system_component::component!(init);
