//! Checks `FrameHeap` + `substrate-heap-frames` on the real kernel: the
//! global allocator grows far beyond its static arena with frames retyped
//! from untyped memory, running out is an allocation error (not a crash, and
//! the component keeps slots and memory for its own objects), and freed
//! memory is reused without mapping more. The heap grows mostly in 2 MiB
//! frames: 64 MiB cost a few dozen CNode slots, where 4 KiB frames would
//! need more slots than the root CNode has.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};
use sel4::{cap, ObjectType};
use sel4_object_allocator::{AllocError, ObjectAllocator};
use substrate_heap_frames::{FrameHeap, DEFAULT_REGION};
use substrate_root_task::{root_task, sel4};

const ARENA: usize = 256 * 1024;
const MIB: usize = 1024 * 1024;
/// Untyped memory left to the heap.
const LEAVE: usize = 160 * MIB;
const WORDS_PER_MIB: usize = MIB / core::mem::size_of::<u64>();

#[global_allocator]
static HEAP: FrameHeap<ARENA> = FrameHeap::new();

fn check(cond: bool, what: &str) -> Result<(), String> {
    if cond {
        Ok(())
    } else {
        Err(format!("check failed: {what}"))
    }
}

/// A MiB of words that tell which block (`tag`) and which word they are.
fn block(tag: u64) -> Result<Vec<u64>, String> {
    let mut v = Vec::new();
    v.try_reserve_exact(WORDS_PER_MIB)
        .map_err(|e| format!("block {tag}: {e}"))?;
    v.extend((0..WORDS_PER_MIB as u64).map(|i| tag << 32 | i));
    Ok(v)
}

fn intact(v: &[u64], tag: u64) -> bool {
    v.len() == WORDS_PER_MIB
        && v.iter()
            .enumerate()
            .all(|(i, &w)| w == tag << 32 | i as u64)
}

fn in_region(v: &[u64]) -> bool {
    DEFAULT_REGION.contains(&(v.as_ptr() as usize))
}

/// Two threads need the heap to grow while the main thread holds the
/// object allocator the heap grows with: the first waits for the
/// allocator inside its growth, the second for the first's growth. Both
/// allocations must succeed once the allocator is free again; neither may
/// fail because the lock it needed was busy.
fn contended_growth(
    objects: &'static substrate_sync::Mutex<ObjectAllocator>,
) -> Result<(), String> {
    static STARTED: AtomicUsize = AtomicUsize::new(0);
    let grow = || {
        STARTED.fetch_add(1, Ordering::SeqCst);
        let mut v: Vec<u8> = Vec::new();
        v.try_reserve_exact(4 * MIB).is_ok()
    };
    let mut guard = objects.lock();
    let a = substrate_thread::spawn(&mut guard, grow).map_err(|e| format!("spawn: {e}"))?;
    let b = substrate_thread::spawn(&mut guard, grow).map_err(|e| format!("spawn: {e}"))?;
    // Both are on their way into the heap; give them time to get stuck
    // behind the held allocator, then let go of it.
    while STARTED.load(Ordering::SeqCst) < 2 {
        sel4::yield_now();
    }
    for _ in 0..200 {
        sel4::yield_now();
    }
    drop(guard);
    let (a, b) = (a.join(), b.join());
    check(
        a == Ok(true) && b == Ok(true),
        "growths behind a busy lock succeed",
    )?;
    sel4::debug_println!("two growths waited for a busy allocator and succeeded");
    Ok(())
}

#[root_task(global_allocator = false)]
fn main(bootinfo: &sel4::BootInfo) -> Result<(), String> {
    // Set all but some 160 MiB of the machine's memory aside, so that the
    // heap runs out in seconds (memory runs out before slots now).
    let mut objects = ObjectAllocator::new(bootinfo);
    let mut bits = 26;
    while bits >= 21 {
        if objects.free_memory() < LEAVE + (1 << bits) {
            bits -= 1;
            continue;
        }
        match objects.allocate::<sel4::cap_type::Untyped>(ObjectType::Untyped, bits) {
            Ok(_) => {}
            Err(AllocError::OutOfMemory) => bits -= 1,
            Err(e) => return Err(format!("setting memory aside: {e}")),
        }
    }
    let objects = substrate_heap_frames::install(&HEAP, objects, DEFAULT_REGION)
        .map_err(|e| format!("install: {e}"))?;

    // Grow: 64 MiB of Vecs, 256 times the arena, more than 4 KiB frames
    // could map with the root CNode's slots.
    const GROWN: usize = 64;
    let slots_before = objects.lock().free_slot_count();
    let mut blocks = Vec::new();
    blocks
        .try_reserve(4096)
        .map_err(|e| format!("block list: {e}"))?;
    for tag in 0..GROWN as u64 {
        blocks.push(block(tag)?);
    }
    let slots_used = slots_before - objects.lock().free_slot_count();
    check(slots_used < 100, "64 MiB take fewer than 100 slots")?;
    for (tag, b) in blocks.iter().enumerate() {
        check(intact(b, tag as u64), "block contents")?;
        check(in_region(b), "block in the heap region")?;
    }
    let mapped = HEAP.mapped_bytes();
    check(mapped >= GROWN * MIB, "64 MiB mapped")?;
    sel4::debug_println!(
        "{GROWN} MiB of Vecs check out; {} KiB mapped beyond a {} KiB arena with {slots_used} slots",
        mapped / 1024,
        ARENA / 1024
    );

    contended_growth(objects)?;
    let mapped = HEAP.mapped_bytes();

    // More than the machine has: refused without taking anything.
    let mut huge: Vec<u8> = Vec::new();
    check(huge.try_reserve(1 << 32).is_err(), "4 GiB is refused")?;
    check(HEAP.mapped_bytes() == mapped, "nothing mapped for it")?;
    sel4::debug_println!("an oversized request maps nothing");

    // Exhaust: a MiB at a time until the frames or slots run out.
    let err = loop {
        match block(blocks.len() as u64) {
            Ok(b) => blocks.push(b),
            Err(e) => break e,
        }
        check(blocks.len() < 4096, "the heap runs out")?;
    };
    let extra = blocks.len() - GROWN;
    sel4::debug_println!("exhausted after {extra} MiB more: {err}");
    for (tag, b) in blocks.iter().enumerate() {
        check(intact(b, tag as u64), "contents after exhaustion")?;
    }

    // The source left slots to the component.
    let ep: Result<cap::Endpoint, _> = objects.lock().allocate(ObjectType::Endpoint, 0);
    check(ep.is_ok(), "an endpoint after exhaustion")?;
    sel4::debug_println!("the component still allocates objects");

    // Free everything and use the memory again: no new frames needed.
    let total = blocks.len();
    let mapped = HEAP.mapped_bytes();
    blocks.clear();
    blocks.shrink_to_fit();
    for tag in 0..total as u64 {
        blocks.push(block(tag + 1000)?);
    }
    for (tag, b) in blocks.iter().enumerate() {
        check(intact(b, tag as u64 + 1000), "reallocated contents")?;
    }
    check(HEAP.mapped_bytes() == mapped, "no new frames")?;
    sel4::debug_println!("freed and reallocated {total} MiB without new frames");
    Ok(())
}
