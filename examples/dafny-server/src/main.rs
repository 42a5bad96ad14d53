//! A verified IPC server: `src/server.dfy`'s `Serve` loop runs on the main
//! thread; its `{:extern}` `Receive` and `Reply` are written here on the
//! substrate's C ABI (`seL4_Recv` and `seL4_Reply` on an endpoint). A Rust
//! client thread calls the endpoint and checks every answer against a
//! model queue.

mod verified {
    include!(concat!(env!("OUT_DIR"), "/dafny.rs"));
}

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use verified::_module::_default as server;

/// `substrate_msginfo_t`.
#[repr(C)]
#[derive(Default)]
struct MsgInfo {
    label: u64,
    badge: u64,
    length: u64,
    extra_caps: u64,
    caps_unwrapped: u64,
}

extern "C" {
    fn substrate_object_alloc(kind: u32, size_bits: u32, out: *mut u64) -> i32;
    fn substrate_ep_recv(ep: u64, msg: *mut u64, max_len: usize, info: *mut MsgInfo) -> i32;
    fn substrate_ep_reply(label: u64, msg: *const u64, len: usize) -> i32;
    #[allow(clippy::too_many_arguments)]
    fn substrate_ep_call(
        ep: u64,
        label: u64,
        msg: *const u64,
        len: usize,
        caps: *const u64,
        ncaps: usize,
        reply: *mut u64,
        reply_max: usize,
        info: *mut MsgInfo,
    ) -> i32;
}

/// `SUBSTRATE_OBJ_ENDPOINT`.
const ENDPOINT_OBJECT: u32 = 2;

/// The server's endpoint capability.
static ENDPOINT: AtomicU64 = AtomicU64::new(0);

// Dafny's names, as the generated code calls them.
#[allow(non_snake_case)]
impl server {
    /// `Receive`: blocks on the endpoint until a client calls; the label
    /// and the first message register (0 if the client sent none).
    pub fn Receive() -> (u64, u64) {
        let mut msg = [0u64; 1];
        let mut info = MsgInfo::default();
        // SAFETY: `msg` holds one word and `info` is writable.
        let r = unsafe {
            substrate_ep_recv(
                ENDPOINT.load(Ordering::Relaxed),
                msg.as_mut_ptr(),
                1,
                &mut info,
            )
        };
        assert_eq!(r, 0, "substrate_ep_recv");
        let arg = if info.length > 0 { msg[0] } else { 0 };
        (info.label, arg)
    }

    /// `Reply`: answers the last caller with a label and one word.
    pub fn Reply(tag: u64, value: u64) {
        let msg = [value];
        // SAFETY: `msg` holds the one word sent.
        let r = unsafe { substrate_ep_reply(tag, msg.as_ptr(), 1) };
        assert_eq!(r, 0, "substrate_ep_reply");
    }
}

/// One request: the reply's label and word.
fn call(ep: u64, label: u64, arg: u64) -> (u64, u64) {
    let msg = [arg];
    let mut reply = [0u64; 1];
    let mut info = MsgInfo::default();
    // SAFETY: the arrays hold one word each and `info` is writable.
    let r = unsafe {
        substrate_ep_call(
            ep,
            label,
            msg.as_ptr(),
            1,
            std::ptr::null(),
            0,
            reply.as_mut_ptr(),
            1,
            &mut info,
        )
    };
    assert_eq!(r, 0, "substrate_ep_call");
    (info.label, reply[0])
}

const CAPACITY: usize = 4;
// The protocol of server.dfy: request labels, then reply labels.
const PUSH: u64 = 1;
const POP: u64 = 2;
const SIZE: u64 = 3;
const STOP: u64 = 9;
const OK: u64 = 0;
const FULL: u64 = 1;
const EMPTY: u64 = 2;

fn client(ep: u64) {
    for v in 1..=4 {
        assert_eq!(call(ep, PUSH, v), (OK, v));
    }
    assert_eq!(call(ep, PUSH, 5), (FULL, 4));
    println!("dafny-server: client: pushed 1..4, queue full at 4 (capacity {CAPACITY})");
    let popped: Vec<u64> = (0..4)
        .map(|_| call(ep, POP, 0))
        .map(|(l, v)| {
            assert_eq!(l, OK);
            v
        })
        .collect();
    assert_eq!(call(ep, POP, 0).0, EMPTY);
    println!("dafny-server: client: popped {popped:?} in order, then empty");
    // Random requests against a model.
    let mut model = VecDeque::new();
    let mut seed: u64 = 7;
    for _ in 0..200 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let value = seed >> 1;
        match (seed >> 60) % 3 {
            0 => {
                let full = model.len() == CAPACITY;
                if !full {
                    model.push_back(value);
                }
                let want = (if full { FULL } else { OK }, model.len() as u64);
                assert_eq!(call(ep, PUSH, value), want);
            }
            1 => match model.pop_front() {
                Some(v) => assert_eq!(call(ep, POP, 0), (OK, v)),
                None => assert_eq!(call(ep, POP, 0).0, EMPTY),
            },
            _ => assert_eq!(call(ep, SIZE, 0), (OK, model.len() as u64)),
        }
    }
    println!("dafny-server: client: 200 mixed requests checked against a model queue");
    let (label, served) = call(ep, STOP, 0);
    assert_eq!(label, OK);
    assert_eq!(served, 4 + 1 + 4 + 1 + 200);
}

fn main() {
    let mut ep = 0;
    // SAFETY: `ep` is writable.
    let r = unsafe { substrate_object_alloc(ENDPOINT_OBJECT, 0, &mut ep) };
    assert_eq!(r, 0, "substrate_object_alloc(endpoint)");
    ENDPOINT.store(ep, Ordering::Relaxed);
    let client = std::thread::spawn(move || client(ep));
    let served = server::Serve(dafny_support::prelude::DafnyInt::from(CAPACITY));
    client.join().expect("the client checked every answer");
    println!("dafny-server: server served {} requests", served.as_ref());
}
