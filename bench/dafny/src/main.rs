//! `dafny-bench N`: N rounds of the verified queue's `Push` and `Pop`
//! (examples/dafny-server/src/queue.dfy, compiled to Rust), keeping it
//! half full; prints the loop's nanoseconds, which under QEMU's
//! `-icount shift=0` are its instructions.

mod verified {
    include!(concat!(env!("OUT_DIR"), "/dafny.rs"));
}

use dafny_support::prelude::{rd, DafnyInt};
use std::hint::black_box;
use std::time::Instant;
use verified::_module::Queue;

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .expect("usage: dafny-bench N");
    let q = Queue::_allocate();
    rd!(q)._ctor(DafnyInt::from(64));
    for v in 0..32 {
        assert!(rd!(q).Push(v));
    }
    let start = Instant::now();
    let mut sum = 0u64;
    for v in 0..n {
        assert!(rd!(q).Push(black_box(v)));
        let (ok, x) = rd!(q).Pop();
        assert!(ok);
        sum = sum.wrapping_add(x);
    }
    let ns = start.elapsed().as_nanos();
    println!("bench queue {n}: {ns} ns (sum {sum})");
}
