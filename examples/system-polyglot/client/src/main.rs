//! client (Rust): sends four batches of buffers to the C checksum server
//! through the shared ring, computes each batch's checksum itself and
//! compares it with the server's, which also says how many batches the
//! OCaml journal has noted. Before each batch it reserves the batch's bytes
//! from the verified Dafny quota, whose answers it checks against its own
//! count; a fifth batch must be refused.
#![no_std]
#![no_main]

use sel4_system_component::{exit, mr, sel4, set_mr, Channel, Handler, MessageInfo};
use substrate_shared_ring::{BufferPool, Descriptor, Producer};

const CHECKSUM: Channel = Channel::new(0);
const QUOTA: Channel = Channel::new(1);
/// The quota's limit (quota.dfy), its request and its answers.
const QUOTA_LIMIT: u64 = 30000;
const RESERVE: u64 = 1;
const GRANTED: u64 = 1;
const DENIED: u64 = 2;
const RING: *mut u8 = 0x1_0000_0000 as *mut u8;
const DATA: *mut u8 = 0x1_0010_0000 as *mut u8;
const DATA_LEN: u64 = 64 * 1024;
const BUFFER: u32 = 1024;
const BATCHES: u64 = 4;
const PER_BATCH: u32 = 16;

struct Client {
    ring: Producer,
    pool: BufferPool,
}

/// The checksum the C server computes (Adler-32's sums, over the batch).
fn checksum(bufs: &[Descriptor]) -> u64 {
    let (mut a, mut b) = (1u64, 0u64);
    for d in bufs {
        for i in 0..d.len as usize {
            // SAFETY: the data region is mapped read-write here, and the
            // descriptor is one this client filled.
            let byte = unsafe { DATA.add(d.offset as usize + i).read_volatile() } as u64;
            a = (a + byte) % 65521;
            b = (b + a) % 65521;
        }
    }
    b << 16 | a
}

fn init() -> Client {
    // SAFETY: the ring region is mapped read-write here and in the
    // checksum server only (system.toml).
    let ring = unsafe { Producer::new(RING, 4096, DATA_LEN) }.expect("the ring");
    Client {
        ring,
        pool: BufferPool::new(DATA_LEN, BUFFER),
    }
}

impl Handler for Client {
    /// The checksum server is ready: send the batches.
    fn notified(&mut self, _channel: Channel) {
        self.run()
    }
}

/// The bytes of batch `batch` (buffer `k` holds `200 + 25 k + batch`).
fn batch_bytes(batch: u64) -> u64 {
    (0..PER_BATCH as u64).map(|k| 200 + 25 * k + batch).sum()
}

/// Asks the quota for `bytes`, `granted` bytes having been granted so
/// far, and checks its answer (`want`: GRANTED or DENIED) and what it says
/// is left against the client's own count; returns what is left.
fn reserve(bytes: u64, granted: u64, want: u64) -> u64 {
    set_mr(0, bytes);
    let reply = QUOTA
        .call(MessageInfo::new(RESERVE, 0, 1))
        .expect("the client may call the quota");
    let left = mr(0);
    let now = if want == GRANTED {
        granted + bytes
    } else {
        granted
    };
    if reply.label() != want || left != QUOTA_LIMIT - now {
        sel4::debug_println!(
            "client (Rust): FAILED: the quota answered {} to {bytes} bytes ({left} left)",
            reply.label()
        );
        exit(1);
    }
    left
}

impl Client {
    fn run(&mut self) -> ! {
        let (ring, pool) = (&mut self.ring, &mut self.pool);
        let mut granted = 0;
        for batch in 1..=BATCHES {
            let bytes = batch_bytes(batch);
            let left = reserve(bytes, granted, GRANTED);
            granted += bytes;
            sel4::debug_println!(
                "client (Rust): batch {batch}: the Dafny quota granted {bytes} bytes, {left} left"
            );
            let mut sent = [Descriptor::default(); PER_BATCH as usize];
            for (k, slot) in sent.iter_mut().enumerate() {
                let mut d = pool.take().expect("a free buffer");
                d.len = 200 + 25 * k as u32 + batch as u32;
                for i in 0..d.len as usize {
                    let byte = (i as u64 * 7 + batch * 13 + k as u64) as u8;
                    // SAFETY: a buffer of the pool, inside the data region.
                    unsafe { DATA.add(d.offset as usize + i).write_volatile(byte) };
                }
                let _ = ring.push(d).expect("room in the ring");
                *slot = d;
            }
            let reply = CHECKSUM
                .call(MessageInfo::new(1, 0, 0))
                .expect("the client may call the checksum server");
            let (theirs, noted) = (mr(0), mr(1));
            if reply.label() != 1 || theirs != checksum(&sent) || noted != batch {
                sel4::debug_println!(
                    "client (Rust): batch {batch}: FAILED (checksum {theirs:#x}, {noted} noted)"
                );
                exit(1);
            }
            let plural = if batch == 1 { "batch" } else { "batches" };
            sel4::debug_println!(
            "client (Rust): batch {batch}: the C checksum matches, the OCaml journal has {noted} {plural}"
        );
            for d in &sent {
                pool.give_back(d).expect("a buffer this client lent");
            }
        }
        let bytes = batch_bytes(BATCHES + 1);
        let left = reserve(bytes, granted, DENIED);
        sel4::debug_println!(
            "client (Rust): the Dafny quota refused a fifth batch of {bytes} bytes ({left} left)"
        );
        exit(0)
    }
}

sel4_system_component::component!(init);
