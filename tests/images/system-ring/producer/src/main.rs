//! `producer`: lends buffers of the shared data region to the consumer
//! through the request ring (each filled with a pattern its cookie
//! determines) and takes them back from the response ring. Then it plays
//! a malicious peer: it writes random bytes over the request ring, again
//! and again, and checks that the consumer still answers.
#![no_std]
#![no_main]

use sel4_system_component::{exit, mr, sel4, Channel, Handler, MessageInfo};
use substrate_shared_ring::{BufferPool, Consumer, Producer, Signal};

const CONSUMER: Channel = Channel::new(0);
const REQUESTS: usize = 0x1_0000_0000;
const RESPONSES: usize = 0x1_0001_0000;
const DATA: usize = 0x1_0010_0000;
const RING_BYTES: usize = 4096;
const DATA_LEN: u64 = 64 * 1024;
const BUFFER: u32 = 1024;
const TOTAL: u32 = 2000;
const GARBAGE_ROUNDS: u32 = 200;
/// Call labels the consumer serves.
const REPORT: u64 = 1;
const CHECK: u64 = 2;

/// The byte at `i` of the buffer with `cookie` (the consumer computes the same).
fn pattern(cookie: u32, i: usize) -> u8 {
    (cookie as u8).wrapping_mul(31).wrapping_add(i as u8)
}

struct Sender {
    requests: Producer,
    responses: Consumer,
    pool: BufferPool,
    sent: u32,
    returned: u32,
}

fn init() -> Sender {
    // SAFETY: the initializer mapped these regions here, read-write, for
    // this component and the consumer only (system.toml).
    let (requests, responses) = unsafe {
        (
            Producer::new(REQUESTS as *mut u8, RING_BYTES, DATA_LEN),
            Consumer::new(RESPONSES as *mut u8, RING_BYTES, DATA_LEN),
        )
    };
    let mut s = Sender {
        requests: requests.expect("the request ring"),
        responses: responses.expect("the response ring"),
        pool: BufferPool::new(DATA_LEN, BUFFER),
        sent: 0,
        returned: 0,
    };
    s.pump();
    s
}

impl Sender {
    /// Takes back what came back, sends what it can, and returns when it
    /// must wait for the consumer (or finishes).
    fn pump(&mut self) {
        loop {
            while let Some(d) = self.responses.pop().expect("the consumer's response ring") {
                self.pool
                    .give_back(&d)
                    .expect("the consumer returns only what it was lent");
                self.returned += 1;
            }
            let mut signal = false;
            while self.sent < TOTAL {
                let Some(mut d) = self.pool.take() else { break };
                d.len = 1 + self.sent % BUFFER;
                d.cookie = self.sent;
                let base = (DATA + d.offset as usize) as *mut u8;
                for i in 0..d.len as usize {
                    // SAFETY: the pool lends buffers inside the data region,
                    // mapped read-write here; the consumer only reads it.
                    unsafe { base.add(i).write_volatile(pattern(d.cookie, i)) };
                }
                signal |=
                    self.requests.push(d).expect("room for every lent buffer") == Signal::Needed;
                self.sent += 1;
            }
            if signal {
                CONSUMER
                    .notify()
                    .expect("the producer may notify the consumer");
            }
            if self.returned == TOTAL {
                self.finish();
            }
            if self
                .responses
                .want_signal()
                .expect("the consumer's response ring")
            {
                return;
            }
        }
    }

    fn finish(&mut self) -> ! {
        let (intact, refused) = report();
        if intact != TOTAL as u64 || refused != 0 {
            sel4::debug_println!(
                "producer: the consumer counted {intact} intact, {refused} refused"
            );
            exit(1);
        }
        sel4::debug_println!("producer: {TOTAL} buffers sent and returned, every payload intact");
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        // The consumer's tail: it has taken every buffer sent so far.
        let mut tail = TOTAL;
        for round in 0..GARBAGE_ROUNDS {
            for w in 0..RING_BYTES / 8 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                // SAFETY: the request ring's region, mapped read-write here.
                unsafe { (REQUESTS as *mut u64).add(w).write_volatile(seed) };
            }
            if round % 2 == 1 {
                // Every other round a plausible head, so that the consumer
                // reads up to a ring's worth of random descriptors.
                let head = tail.wrapping_add(1 + (seed % 128) as u32);
                // SAFETY: as above: the head word at offset 0.
                unsafe { (REQUESTS as *mut u32).write_volatile(head) };
            }
            let _ = CONSUMER.notify();
            CONSUMER
                .call(MessageInfo::new(CHECK, 0, 0))
                .expect("the consumer answers");
            if round % 2 == 1 {
                // It popped those descriptors and published its tail
                // (offset 64) after the garbage was written.
                // SAFETY: the request ring's region, mapped here.
                tail = unsafe { ((REQUESTS + 64) as *const u32).read_volatile() };
            }
        }
        let (intact, refused) = report();
        sel4::debug_println!(
            "producer: after {GARBAGE_ROUNDS} rounds of garbage the consumer still answers ({intact} intact, {refused} refused)"
        );
        exit(if refused > 0 && mr(2) == 0 { 0 } else { 1 })
    }
}

/// The consumer's counts: intact buffers and refused ones.
fn report() -> (u64, u64) {
    CONSUMER
        .call(MessageInfo::new(REPORT, 0, 0))
        .expect("the consumer answers");
    (mr(0), mr(1))
}

impl Handler for Sender {
    fn notified(&mut self, _channel: Channel) {
        self.pump();
    }
}

sel4_system_component::component!(init);
