//! The Rust client of the `c` test system: calls the C server, shares a
//! text buffer with it, feeds it a descriptor ring, and waits for its
//! notification.
#![no_std]
#![no_main]

use sel4_system_component::{exit, mr, sel4, set_mr, Channel, Handler, MessageInfo};
use substrate_shared_ring::{Descriptor, Producer};

const SERVER: Channel = Channel::new(0);
const TEXT: *mut u8 = 0x1_0000_0000 as *mut u8;
const RING: *mut u8 = 0x1_0001_0000 as *mut u8;
const DATA: *mut u8 = 0x1_0002_0000 as *mut u8;
const DATA_LEN: u64 = 16 * 1024;

struct Client;

fn call(label: u64, length: usize) -> MessageInfo {
    SERVER
        .call(MessageInfo::new(label, 0, length))
        .expect("the client may call the server")
}

fn init() -> Client {
    for (i, v) in [1, 2, 3, 4].into_iter().enumerate() {
        set_mr(i, v);
    }
    call(1, 4);
    sel4::debug_println!("client: the C server summed 1+2+3+4 = {}", mr(0));
    assert_eq!(mr(0), 10);

    let words = b"hello from rust\0";
    for (i, &b) in words.iter().enumerate() {
        // SAFETY: the text region is mapped read-write here (system.toml).
        unsafe { TEXT.add(i).write_volatile(b) };
    }
    call(2, 0);
    let n = mr(0) as usize;
    // SAFETY: as above; the server wrote `n` bytes in place.
    let back: [u8; 15] = core::array::from_fn(|i| unsafe { TEXT.add(i).read_volatile() });
    let back = core::str::from_utf8(&back).unwrap_or("?");
    sel4::debug_println!("client: the C server made it \"{back}\" ({n} bytes)");
    assert_eq!((back, n), ("HELLO FROM RUST", 15));

    // SAFETY: the ring region is mapped read-write here and in the server only.
    let mut ring = unsafe { Producer::new(RING, 4096, DATA_LEN) }.expect("the ring");
    let mut bytes = 0;
    for k in 0..50u32 {
        let len = 1 + k * 5;
        for i in 0..len as usize {
            // SAFETY: the data region is mapped read-write here; non-zero bytes.
            unsafe {
                DATA.add(k as usize * 256 + i)
                    .write_volatile(1 + (i % 200) as u8)
            };
        }
        bytes += len as u64;
        let _ = ring
            .push(Descriptor {
                offset: k as u64 * 256,
                len,
                cookie: k,
            })
            .expect("room in the ring");
    }
    call(3, 0);
    sel4::debug_println!(
        "client: the C server took {} buffers from the ring and counted {} bytes",
        mr(0),
        mr(1)
    );
    assert_eq!((mr(0), mr(1)), (50, bytes));
    SERVER.notify().expect("the client may notify the server");
    Client
}

impl Handler for Client {
    fn notified(&mut self, channel: Channel) {
        assert_eq!(channel, SERVER);
        sel4::debug_println!("client: the C server notified back");
        exit(0);
    }
}

sel4_system_component::component!(init);
