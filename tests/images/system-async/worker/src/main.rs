//! worker: an async component. Two tasks sleep 60 ms and 40 ms from the
//! same moment (they must end about 60 ms later, not 100: concurrently),
//! a third echoes three notifications from its peer, and the executor
//! answers the peer's calls while they wait.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU64, Ordering};

use sel4_system_executor::component::{exit, mr, sel4, set_mr, time};
use sel4_system_executor::{notified, serve, sleep_until, spawn, Channel, MessageInfo};

const MS: u64 = 1_000_000;
const PEER: Channel = Channel::new(0);

/// When the 40 ms sleeper woke (0: not yet).
static SHORT_WOKE: AtomicU64 = AtomicU64::new(0);

fn now() -> u64 {
    time::now_ns().expect("the system has a timer")
}

fn fail(what: &str) -> ! {
    sel4::debug_println!("worker: FAILED: {what}");
    exit(1)
}

async fn main() {
    let mut calls = 0;
    serve(move |_channel, msg| {
        calls += 1;
        sel4::debug_println!("worker: call {calls} answered while the tasks wait");
        set_mr(0, mr(0) * 2);
        MessageInfo::new(msg.label(), 0, 1)
    });
    let t0 = now();
    spawn(async move {
        sleep_until(t0 + 60 * MS).await;
        let woke = now();
        let short = SHORT_WOKE.load(Ordering::Relaxed);
        if short == 0 || short > woke {
            fail("the 60 ms sleeper woke before the 40 ms one");
        }
        if woke - t0 >= 100 * MS {
            fail("the sleeps ran one after the other");
        }
        sel4::debug_println!(
            "worker: the 60 ms sleeper woke after {} ms: the sleeps ran at once",
            (woke - t0) / MS
        );
    });
    spawn(async move {
        sleep_until(t0 + 40 * MS).await;
        let woke = now();
        SHORT_WOKE.store(woke, Ordering::Relaxed);
        sel4::debug_println!(
            "worker: the 40 ms sleeper woke first, after {} ms",
            (woke - t0) / MS
        );
    });
    for n in 1..=3 {
        notified(PEER).await;
        PEER.notify().unwrap_or_else(|_| fail("notifying the peer"));
        sel4::debug_println!("worker: echoed notification {n}");
    }
    // The other tasks may still sleep: the executor ends once all are done.
    spawn(async {
        sleep_until(now() + 80 * MS).await;
        sel4::debug_println!("worker: every task finished");
    });
}

sel4_system_executor::component!(main);
