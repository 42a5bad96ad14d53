//! Micro-benchmarks of the substrate on a real seL4 kernel.
//!
//! Run with `make bench`, which boots this image under QEMU with `-icount`
//! so that the time-stamp counter advances with the number of executed
//! guest instructions: the counts repeat from run to run. Every operation is
//! measured three times in the same image: through our typed API, through a
//! hand-written baseline (inline `syscall` sequences with the registers
//! loaded directly, or the global allocator called directly instead of
//! through `Box`), and in C against the kernel's own libsel4
//! (`c/libsel4_bench.c`). The table reports all three and the ratio of
//! typed Rust to C libsel4; at most 1.00 means the typed API costs no more
//! than libsel4. First comes the start-up cost: ticks from the kernel's
//! entry into `_start` to the first line of `main`.
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

// The C libsel4 versions (c/libsel4_bench.c).
extern "C" {
    fn bench_c_thread_init(ipc_buffer: *mut sel4::sys::seL4_IPCBuffer);
    fn bench_c_yield();
    fn bench_c_signal_wait(ntfn: sel4::CPtr) -> sel4::Word;
    fn bench_c_call(ep: sel4::CPtr) -> sel4::Word;
    fn bench_c_server(ep: sel4::CPtr, reply: sel4::CPtr) -> !;
}

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

/// One table row; `c` is `None` where the operation is not a libsel4 one.
fn row(name: &str, typed: u64, baseline: u64, c: Option<u64>) {
    let (c_text, ratio) = match c {
        Some(c) => {
            let r = typed * 100 / c.max(1);
            (
                alloc::format!("{c}"),
                alloc::format!("{}.{:02}", r / 100, r % 100),
            )
        }
        None => ("-".into(), "-".into()),
    };
    sel4::debug_println!("| {name:<30} | {typed:>8} | {baseline:>8} | {c_text:>9} | {ratio:>7} |");
}

#[root_task(heap_size = 1 << 20)]
fn main(bootinfo: &sel4::BootInfo) -> Result<(), AllocError> {
    let startup = rdtsc() - substrate_rt::start::start_tsc();
    let mut objects = ObjectAllocator::new(bootinfo);
    let ntfn: cap::Notification = objects.allocate(ObjectType::Notification, 0)?;
    // SAFETY: main's IPC buffer, set up by the runtime.
    unsafe { bench_c_thread_init(sel4::sys::seL4_GetIPCBuffer()) };

    sel4::debug_println!("benchmark: start-up, _start to main: {startup} ticks");
    sel4::debug_println!(
        "benchmark: {ITERATIONS} iterations each, counts are TSC ticks per operation"
    );
    sel4::debug_println!(
        "| operation                      |    typed |      asm | C libsel4 | typed/C |"
    );
    sel4::debug_println!(
        "|--------------------------------|----------|----------|-----------|---------|"
    );

    let typed = measure(sel4::yield_now);
    let base = measure(baseline::yield_);
    // SAFETY: a system call without arguments.
    let c = measure(|| unsafe { bench_c_yield() });
    row("null syscall (Yield)", typed, base, Some(c));

    let typed = measure(|| {
        ntfn.signal();
        black_box(ntfn.wait());
    });
    let base = measure(|| {
        baseline::signal(ntfn.cptr());
        black_box(baseline::wait(ntfn.cptr()));
    });
    // SAFETY: our notification; the IPC buffer is set for C.
    let c = measure(|| {
        black_box(unsafe { bench_c_signal_wait(ntfn.cptr()) });
    });
    row("notification signal + wait", typed, base, Some(c));

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
    row("heap alloc + free (8 bytes)", typed, base, None);

    // IPC round trip: Call from this thread, ReplyRecv in a server thread
    // (one server per variant, each with its own reply object).
    let ep_typed: cap::Endpoint = objects.allocate(ObjectType::Endpoint, 0)?;
    let ep_base: cap::Endpoint = objects.allocate(ObjectType::Endpoint, 0)?;
    let ep_c: cap::Endpoint = objects.allocate(ObjectType::Endpoint, 0)?;
    let reply_typed = objects.allocate_reply()?;
    let reply_base = objects.allocate_reply()?;
    let reply_c = objects.allocate_reply()?;
    let spawn_err = |_| AllocError::Kernel(sel4::Error::IllegalOperation);
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
    substrate_thread::spawn(&mut objects, move || {
        // SAFETY: this thread's IPC buffer; the server never returns.
        unsafe {
            bench_c_thread_init(sel4::sys::seL4_GetIPCBuffer());
            bench_c_server(ep_c.cptr(), reply_c.cptr())
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
    // SAFETY: our endpoint, served by the C server thread.
    let c = measure(|| {
        black_box(unsafe { bench_c_call(ep_c.cptr()) });
    });
    row("IPC round trip, call", typed, base, Some(c));
    let typed = measure(|| {
        black_box(ep_typed.call_with_mrs(info, [0; 4]));
    });
    row("IPC round trip, call_with_mrs", typed, base, Some(c));
    Ok(())
}
