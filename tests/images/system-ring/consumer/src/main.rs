//! `consumer`: takes buffers from the request ring, checks each payload
//! against the pattern its cookie names and returns it on the response
//! ring. Whatever the producer writes into the rings, it reads only inside
//! the data region (mapped read-only here) and keeps serving.
#![no_std]
#![no_main]

use sel4_system_component::{sel4, set_mr, Channel, Handler, MessageInfo};
use substrate_shared_ring::{Consumer, Producer, RingError, Signal};

const PRODUCER: Channel = Channel::new(0);
const REQUESTS: usize = 0x2_0000_0000;
const RESPONSES: usize = 0x2_0001_0000;
const DATA: usize = 0x2_0010_0000;
const RING_BYTES: usize = 4096;
const DATA_LEN: u64 = 64 * 1024;

fn pattern(cookie: u32, i: usize) -> u8 {
    (cookie as u8).wrapping_mul(31).wrapping_add(i as u8)
}

struct Receiver {
    requests: Consumer,
    responses: Producer,
    intact: u64,
    refused: u64,
    /// Descriptors that named bytes outside the data region and got past
    /// the ring's checks: must stay 0.
    escaped: u64,
}

fn init() -> Receiver {
    // SAFETY: the initializer mapped these regions here, read-write, for
    // this component and the producer only (system.toml).
    let (requests, responses) = unsafe {
        (
            Consumer::new(REQUESTS as *mut u8, RING_BYTES, DATA_LEN),
            Producer::new(RESPONSES as *mut u8, RING_BYTES, DATA_LEN),
        )
    };
    let mut r = Receiver {
        requests: requests.expect("the request ring"),
        responses: responses.expect("the response ring"),
        intact: 0,
        refused: 0,
        escaped: 0,
    };
    // What arrived before this start, and the request to be signalled
    // before the first wait (a producer signals only when asked).
    r.drain();
    r
}

impl Receiver {
    fn drain(&mut self) {
        let mut signal = false;
        loop {
            match self.requests.pop() {
                Ok(Some(d)) => {
                    let end = d.offset.checked_add(d.len as u64);
                    if end.is_none_or(|e| e > DATA_LEN) {
                        self.escaped += 1;
                        continue;
                    }
                    let base = (DATA + d.offset as usize) as *const u8;
                    // SAFETY: offset + len is inside the data region (checked
                    // by the ring and above), mapped read-only here.
                    let ok = (0..d.len as usize)
                        .all(|i| unsafe { base.add(i).read_volatile() } == pattern(d.cookie, i));
                    if !ok {
                        self.refused += 1;
                        continue;
                    }
                    self.intact += 1;
                    match self.responses.push(d) {
                        Ok(s) => signal |= s == Signal::Needed,
                        Err(_) => self.refused += 1,
                    }
                }
                Ok(None) => match self.requests.want_signal() {
                    Ok(true) => break,
                    Ok(false) => {}
                    Err(_) => {
                        self.refused += 1;
                        break;
                    }
                },
                // A bad descriptor was consumed: go on with the next.
                Err(RingError::OutOfBounds) => self.refused += 1,
                // An impossible index: nothing in the ring can be trusted.
                Err(_) => {
                    self.refused += 1;
                    break;
                }
            }
        }
        if signal {
            let _ = PRODUCER.notify();
        }
    }
}

impl Handler for Receiver {
    fn notified(&mut self, _channel: Channel) {
        self.drain();
    }

    fn protected(&mut self, _channel: Channel, msg: MessageInfo) -> MessageInfo {
        self.drain();
        if msg.label() == 1 && self.refused > 0 && self.escaped == 0 {
            sel4::debug_println!(
                "consumer: refused {} bad rings or descriptors, read only inside the data region",
                self.refused
            );
        }
        set_mr(0, self.intact);
        set_mr(1, self.refused);
        set_mr(2, self.escaped);
        MessageInfo::new(msg.label(), 0, 3)
    }
}

sel4_system_component::component!(init);
