//! Checks `FrameHeap` + `substrate-heap-frames` on the real kernel: the
//! global allocator grows far beyond its static arena with frames retyped
//! from untyped memory, running out is an allocation error (not a crash, and
//! the component keeps slots for its own objects), and freed memory is
//! reused without mapping more.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use sel4::{cap, ObjectType};
use sel4_object_allocator::ObjectAllocator;
use substrate_heap_frames::{FrameHeap, DEFAULT_REGION};
use substrate_root_task::{root_task, sel4};

const ARENA: usize = 256 * 1024;
const MIB: usize = 1024 * 1024;
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

#[root_task(global_allocator = false)]
fn main(bootinfo: &sel4::BootInfo) -> Result<(), String> {
    let objects =
        substrate_heap_frames::install(&HEAP, ObjectAllocator::new(bootinfo), DEFAULT_REGION)
            .map_err(|e| format!("install: {e}"))?;

    // Grow: 8 MiB of Vecs, 32 times the arena.
    let mut blocks = Vec::new();
    for tag in 0..8 {
        blocks.push(block(tag)?);
    }
    for (tag, b) in blocks.iter().enumerate() {
        check(intact(b, tag as u64), "block contents")?;
        check(in_region(b), "block in the heap region")?;
    }
    let mapped = HEAP.mapped_bytes();
    check(mapped >= 8 * MIB, "8 MiB mapped")?;
    sel4::debug_println!(
        "8 MiB of Vecs check out; {} KiB mapped beyond a {} KiB arena",
        mapped / 1024,
        ARENA / 1024
    );

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
    let extra = blocks.len() - 8;
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
