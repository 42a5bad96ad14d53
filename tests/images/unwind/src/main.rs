//! Panics unwind (substrate-panic's `unwind` feature): a panic several
//! frames deep is caught by `catch_unwind`, the values living on the unwound
//! frames are dropped, and the component goes on, catching a second and a
//! third panic the same way.
//!
//! Build: `cargo +nightly build --profile unwind --features unwind -p test-unwind`.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicUsize, Ordering};
use substrate_root_task::{root_task, sel4};

/// Counts its drops, so the test sees destructors run during unwinding.
struct Guard(&'static AtomicUsize);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

static DROPS: AtomicUsize = AtomicUsize::new(0);

/// Recurses `depth` frames, each holding a `Guard`, then panics.
#[inline(never)]
fn nest(depth: usize) -> usize {
    let _guard = Guard(&DROPS);
    if depth == 0 {
        panic!("first panic, depth {}", core::hint::black_box(3));
    }
    nest(core::hint::black_box(depth - 1)) + 1
}

#[derive(Debug)]
enum Failure {
    NoUnwindFeature,
    NotCaught,
    NoMessage,
    WrongMessage,
    WrongDrops,
    WrongResult,
}

/// Catches a panic from `f` and returns its message.
fn caught<R>(f: impl FnOnce() -> R + core::panic::UnwindSafe) -> Result<&'static str, Failure> {
    let payload = match substrate_panic::catch_unwind(f) {
        Ok(_) => return Err(Failure::NotCaught),
        Err(p) => p,
    };
    let message = payload.message().ok_or(Failure::NoMessage)?;
    // Leak the message so the caller can keep it: a test image, a few bytes.
    Ok(alloc::string::String::from(message).leak())
}

extern crate alloc;

#[root_task]
fn main(_bootinfo: &sel4::BootInfo) -> Result<(), Failure> {
    if !substrate_panic::UNWINDS {
        sel4::debug_println!("unwind: built without the `unwind` feature");
        return Err(Failure::NoUnwindFeature);
    }

    // A panic 3 frames below the closure: the 4 guards on the unwound frames drop.
    DROPS.store(0, Ordering::SeqCst);
    let message = caught(|| nest(3))?;
    let drops = DROPS.load(Ordering::SeqCst);
    sel4::debug_println!("caught: {message}; {drops} guards dropped");
    if message != "first panic, depth 3" {
        return Err(Failure::WrongMessage);
    }
    if drops != 4 {
        return Err(Failure::WrongDrops);
    }

    // A guard in the closure's frame drops; one outside the closure does not.
    DROPS.store(0, Ordering::SeqCst);
    let outside = Guard(&DROPS);
    let message = caught(|| {
        let _inside = Guard(&DROPS);
        if core::hint::black_box(true) {
            panic!("second panic");
        }
    })?;
    let drops = DROPS.load(Ordering::SeqCst);
    sel4::debug_println!("caught: {message}; {drops} guards dropped");
    if message != "second panic" {
        return Err(Failure::WrongMessage);
    }
    if drops != 1 {
        return Err(Failure::WrongDrops);
    }
    drop(outside);

    // Without a panic the closure's value comes back.
    match substrate_panic::catch_unwind(|| core::hint::black_box(6) * 7) {
        Ok(42) => {}
        _ => return Err(Failure::WrongResult),
    }

    // A panic from core (an index out of bounds) after the earlier ones:
    // the handler's state was reset by each catch.
    let table = [1u8, 2, 3];
    let message = caught(|| table[core::hint::black_box(5)])?;
    sel4::debug_println!("a later panic is still caught: {message}");
    if !message.contains("index out of bounds") {
        return Err(Failure::WrongMessage);
    }

    sel4::debug_println!("unwind: all checks passed");
    Ok(())
}
