//! Checks the `substrate-test` harness itself: one test of each outcome.
//! The run must end in failure, listing each test's result.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::boxed::Box;
use alloc::vec::Vec;
use substrate_root_task::{root_task, sel4, ExitStatus};
use substrate_test::{ensure_eq, TestContext};

#[substrate_test::test]
fn passes(ctx: &mut TestContext) -> substrate_test::Result {
    let ep: sel4::cap::Endpoint = ctx.objects().allocate(sel4::ObjectType::Endpoint, 0)?;
    ensure_eq!(ep.cptr() == 0, false);
    Ok(())
}

#[substrate_test::test]
fn returns_an_error() -> substrate_test::Result {
    let answer = 42;
    ensure_eq!(answer, 43);
    Ok(())
}

#[substrate_test::test]
fn leaks_a_box() {
    core::mem::forget(Box::new(7u64));
}

#[substrate_test::test]
fn frees_what_it_allocates(ctx: &mut TestContext) -> substrate_test::Result {
    let v: Vec<u64> = (0..1000).collect();
    ensure_eq!(v.iter().sum::<u64>(), 499_500);
    // Freeing a slot grows the allocator's free list: not a leak.
    let slots: Vec<_> = (0..20).map(|_| ctx.objects().alloc_slot()).collect();
    for s in slots {
        ctx.objects().free_slot(s?);
    }
    Ok(())
}

#[substrate_test::test]
fn panics() {
    let n = core::hint::black_box(7);
    panic!("boom {n}");
}

#[root_task(heap_size = 1 << 20)]
fn main(bootinfo: &sel4::BootInfo) -> ExitStatus {
    substrate_test::run(bootinfo)
}
