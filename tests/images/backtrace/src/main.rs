//! The backtrace of the abort strategy, checked from inside: a walk started
//! three calls below `main` must report a frame in each of those functions,
//! innermost first, with each address inside the function the call-frame
//! information says it is in.
#![no_std]
#![no_main]

use core::hint::black_box;
use substrate_panic::backtrace::{self, MAX_FRAMES};
use substrate_root_task::{root_task, sel4};

type Frames = ([usize; MAX_FRAMES], usize);

#[inline(never)]
fn innermost(frames: &mut Frames) -> usize {
    let (addrs, n) = frames;
    *n = backtrace::trace(|ip| {
        addrs[*n] = ip;
        *n += 1;
    });
    black_box(1)
}

#[inline(never)]
fn outer(frames: &mut Frames) -> usize {
    innermost(black_box(frames)) + 1
}

#[inline(never)]
fn outermost(frames: &mut Frames) -> usize {
    outer(black_box(frames)) + 1
}

#[root_task]
fn main(_bootinfo: &sel4::BootInfo) -> Result<(), &'static str> {
    let mut frames: Frames = ([0; MAX_FRAMES], 0);
    black_box(outermost(&mut frames));
    let (addrs, n) = (&frames.0[..frames.1], frames.1);
    sel4::debug_println!("frames: {n}");
    let starts: [usize; MAX_FRAMES] = core::array::from_fn(|i| {
        addrs
            .get(i)
            .and_then(|&a| backtrace::function_start(a))
            .unwrap_or(0)
    });
    for (addr, start) in addrs.iter().zip(starts) {
        sel4::debug_println!("  {addr:#x} in the function at {start:#x}");
    }
    // The first frame is `trace` itself; the callers follow in order.
    let want = [
        innermost as *const () as usize,
        outer as *const () as usize,
        outermost as *const () as usize,
        main as *const () as usize,
    ];
    let first = starts
        .iter()
        .position(|&s| s == want[0])
        .ok_or("no frame in innermost")?;
    if starts.get(first..first + want.len()) != Some(&want[..]) {
        return Err("the callers of innermost are not the next frames");
    }
    sel4::debug_println!("innermost, outer, outermost, main: found in order");
    backtrace::print();
    Ok(())
}
