//! Micro-benchmarks of the substrate on a real seL4 kernel.
//!
//! Run with `make bench`, which boots this image under QEMU with `-icount`
//! so that the time-stamp counter advances with the number of executed
//! guest instructions: the counts repeat from run to run. Every operation is
//! measured twice in the same image: through our API and through a
//! hand-written baseline (inline `syscall` sequences with the registers
//! loaded directly, or the global allocator called directly instead of
//! through `Box`). The
//! table reports both and their ratio; 1.00 means the API is zero-cost.
#![no_std]
#![no_main]

extern crate alloc;

mod baseline;

use alloc::boxed::Box;
use core::alloc::Layout;
use core::hint::black_box;
use sel4::{cap, ObjectType};
use sel4_object_allocator::{AllocError, ObjectAllocator};
use substrate_root_task::{root_task, sel4};

const ITERATIONS: u64 = 2000;

/// Reads the time-stamp counter (instructions under `-icount`).
fn rdtsc() -> u64 {
    // SAFETY: rdtsc only reads the counter.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Average counter ticks per iteration of `f`, after a warm-up round.
fn measure(mut f: impl FnMut()) -> u64 {
    for _ in 0..ITERATIONS / 10 {
        f();
    }
    let start = rdtsc();
    for _ in 0..ITERATIONS {
        f();
    }
    (rdtsc() - start) / ITERATIONS
}

fn row(name: &str, typed: u64, baseline: u64) {
    let ratio_x100 = typed * 100 / baseline.max(1);
    sel4::debug_println!(
        "| {name:<30} | {typed:>8} | {baseline:>8} | {}.{:02} |",
        ratio_x100 / 100,
        ratio_x100 % 100
    );
}

#[root_task(heap_size = 1 << 20)]
fn main(bootinfo: &sel4::BootInfo) -> Result<(), AllocError> {
    let mut objects = ObjectAllocator::new(bootinfo);
    let ntfn: cap::Notification = objects.allocate(ObjectType::Notification, 0)?;

    sel4::debug_println!(
        "benchmark: {ITERATIONS} iterations each, counts are TSC ticks per operation"
    );
    sel4::debug_println!("| operation                      |    typed | baseline | ratio |");
    sel4::debug_println!("|--------------------------------|----------|----------|-------|");

    let typed = measure(sel4::yield_now);
    let base = measure(baseline::yield_);
    row("null syscall (Yield)", typed, base);

    let typed = measure(|| {
        ntfn.signal();
        black_box(ntfn.wait());
    });
    let base = measure(|| {
        baseline::signal(ntfn.cptr());
        black_box(baseline::wait(ntfn.cptr()));
    });
    row("notification signal + wait", typed, base);

    let typed = measure(|| drop(black_box(Box::new(black_box(42u64)))));
    let layout = Layout::new::<u64>();
    let base = measure(|| {
        // SAFETY: a non-zero layout; the block is freed with the same layout.
        unsafe {
            let p = alloc::alloc::alloc(layout);
            black_box(p);
            alloc::alloc::dealloc(p, layout);
        }
    });
    row("heap alloc + free (8 bytes)", typed, base);

    // IPC round trip: Call from this thread, ReplyRecv in a server thread.
    let ep_typed: cap::Endpoint = objects.allocate(ObjectType::Endpoint, 0)?;
    let ep_base: cap::Endpoint = objects.allocate(ObjectType::Endpoint, 0)?;
    let spawn_err = |_| AllocError::Kernel(sel4::Error::IllegalOperation);
    let reply_typed = objects.allocate_reply()?;
    let reply_base = objects.allocate_reply()?;
    substrate_thread::spawn(&mut objects, move || {
        let (mut msg, _) = ep_typed.recv(&reply_typed);
        let mut mrs = [0; 4];
        loop {
            (msg, _, mrs) = ep_typed.reply_recv_with_mrs(msg, mrs, &reply_typed);
        }
    })
    .map_err(spawn_err)?;
    substrate_thread::spawn(&mut objects, move || {
        baseline::recv(ep_base.cptr(), reply_base.cptr());
        loop {
            baseline::reply_recv(ep_base.cptr(), reply_base.cptr());
        }
    })
    .map_err(spawn_err)?;
    let info = sel4::MessageInfo::new(0, 0, 1);
    let typed = measure(|| {
        black_box(ep_typed.call(info));
    });
    let base = measure(|| {
        black_box(baseline::call(ep_base.cptr(), info.0.words[0]));
    });
    row("IPC round trip, call", typed, base);
    let typed = measure(|| {
        black_box(ep_typed.call_with_mrs(info, [0; 4]));
    });
    row("IPC round trip, call_with_mrs", typed, base);
    Ok(())
}
