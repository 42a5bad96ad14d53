//! Checks `substrate-thread` and `substrate-sync` on the real kernel: faults
//! are reported by join while main carries on, a stack overflow hits the
//! guard page, many threads count exactly under both kinds of mutex, joined
//! threads' resources are reused, and running out of memory during a spawn
//! is an error.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use sel4::{cap, sys, Fault, ObjectType};
use sel4_object_allocator::{AllocError, ObjectAllocator};
use substrate_root_task::{root_task, sel4};
use substrate_sync::Mutex;
use substrate_thread::{Builder, JoinError, SpawnError};

/// Counted under a mutex that sleeps on a notification.
static SLEEPING: Mutex<u64> = Mutex::new(0);
/// Counted under a mutex that never gets a notification (spin fallback).
static SPINNING: Mutex<u64> = Mutex::new(0);
/// How often a locker found the mutex held.
static CONTENDED: AtomicUsize = AtomicUsize::new(0);

fn check(cond: bool, what: &str) -> Result<(), String> {
    if cond {
        Ok(())
    } else {
        Err(format!("check failed: {what}"))
    }
}

fn err(what: &str, e: impl core::fmt::Display) -> String {
    format!("{what}: {e}")
}

/// Reads the word at address 0, which is not mapped. Written in assembly
/// because a null dereference in Rust is undefined behaviour, not a fault.
fn read_null() -> u64 {
    let value: u64;
    // SAFETY: the load faults; the kernel stops this thread and reports the
    // fault to its fault endpoint. No Rust-visible memory is touched.
    unsafe {
        core::arch::asm!(
            "mov {v}, qword ptr [{p}]",
            p = in(reg) 0usize,
            v = out(reg) value,
            options(nostack, readonly)
        )
    };
    value
}

/// Recurses with 1 KiB frames until the stack runs out.
fn recurse(depth: usize) -> usize {
    let mut frame = [0u8; 1024];
    frame[depth % 1024] = depth as u8;
    core::hint::black_box(&mut frame);
    if depth == usize::MAX {
        return 0;
    }
    recurse(depth + 1) + frame[depth % 1024] as usize
}

/// Adds 1 to the counter `n` times as read, yield, write, which loses
/// updates unless the mutex excludes the other threads.
fn count(mutex: &'static Mutex<u64>, n: usize) -> usize {
    for i in 0..n {
        let mut guard = match mutex.try_lock() {
            Some(g) => g,
            None => {
                CONTENDED.fetch_add(1, Ordering::Relaxed);
                mutex.lock()
            }
        };
        let value = *guard;
        if i % 8 == 0 {
            sel4::yield_now();
        }
        *guard = value + 1;
    }
    n
}

/// Runs `threads` threads that each count `n` times under `mutex`.
fn count_in_threads(
    objects: &mut ObjectAllocator,
    mutex: &'static Mutex<u64>,
    threads: usize,
    n: usize,
) -> Result<u64, String> {
    CONTENDED.store(0, Ordering::Relaxed);
    let mut handles = Vec::new();
    for _ in 0..threads {
        let h = substrate_thread::spawn(objects, move || count(mutex, n))
            .map_err(|e| err("spawn counter", e))?;
        handles.push(h);
    }
    let mut counted = 0;
    for h in handles {
        counted += h.join().map_err(|e| err("join counter", e))?;
    }
    check(counted == threads * n, "every thread counted")?;
    check(
        CONTENDED.load(Ordering::Relaxed) > 0,
        "the threads competed for the mutex",
    )?;
    Ok(*mutex.lock())
}

/// Two mutexes that share one notification (a mistake the crate documents).
static SHARED_A: Mutex<u32> = Mutex::new(0);
static SHARED_B: Mutex<u32> = Mutex::new(0);
/// Set while main holds `SHARED_B`.
static MAIN_HOLDS_B: AtomicBool = AtomicBool::new(false);
/// Set by a thread that got `SHARED_B` while main held it.
static EXCLUSION_BROKEN: AtomicBool = AtomicBool::new(false);
/// How many of the two waiters have started.
static WAITERS_STARTED: AtomicUsize = AtomicUsize::new(0);

/// A signal meant for one mutex's waiter wakes a waiter of the other: that
/// must cost a retry, never let two threads hold the same mutex. Main holds
/// both; thread 1 waits for B, then thread 2 for A (the notification's queue
/// is first-in first-out); unlocking A signals the notification, which wakes
/// thread 1, the waiter of B, while main still holds B.
fn shared_notification(objects: &mut ObjectAllocator) -> Result<(), String> {
    let ntfn: cap::Notification = objects
        .allocate(ObjectType::Notification, 0)
        .map_err(|e| err("notification", e))?;
    for m in [&SHARED_A, &SHARED_B] {
        m.set_notification(ntfn)
            .map_err(|_| String::from("mutex had a notification"))?;
    }
    let a = SHARED_A.lock();
    let b = SHARED_B.lock();
    MAIN_HOLDS_B.store(true, Ordering::SeqCst);
    let waiter = |m: &'static Mutex<u32>| {
        move || {
            WAITERS_STARTED.fetch_add(1, Ordering::SeqCst);
            let mut g = m.lock();
            if core::ptr::eq(m, &SHARED_B) && MAIN_HOLDS_B.load(Ordering::SeqCst) {
                EXCLUSION_BROKEN.store(true, Ordering::SeqCst);
            }
            *g += 1;
        }
    };
    let wait_started = |n: usize| {
        // Same priority as main: yielding lets the new thread run until it
        // blocks on the notification.
        while WAITERS_STARTED.load(Ordering::SeqCst) < n {
            sel4::yield_now();
        }
        for _ in 0..10 {
            sel4::yield_now();
        }
    };
    let t1 = substrate_thread::spawn(objects, waiter(&SHARED_B)).map_err(|e| err("spawn", e))?;
    wait_started(1);
    let t2 = substrate_thread::spawn(objects, waiter(&SHARED_A)).map_err(|e| err("spawn", e))?;
    wait_started(2);
    drop(a);
    for _ in 0..10 {
        sel4::yield_now();
    }
    MAIN_HOLDS_B.store(false, Ordering::SeqCst);
    drop(b);
    t1.join().map_err(|e| err("join waiter of B", e))?;
    t2.join().map_err(|e| err("join waiter of A", e))?;
    check(
        !EXCLUSION_BROKEN.load(Ordering::SeqCst),
        "a stray wake-up does not hand over a held mutex",
    )?;
    check(
        *SHARED_A.lock() == 1 && *SHARED_B.lock() == 1,
        "both waiters got their mutex",
    )
}

/// Allocates untyped objects, largest first, until not even one of
/// `1 << min_bits` bytes fits anywhere.
fn exhaust_memory(objects: &mut ObjectAllocator, min_bits: usize) -> Result<(), String> {
    let mut bits = 26;
    loop {
        match objects.allocate::<sel4::cap_type::Untyped>(ObjectType::Untyped, bits) {
            Ok(_) => {}
            Err(AllocError::OutOfMemory) if bits > min_bits => bits -= 1,
            Err(AllocError::OutOfMemory) => return Ok(()),
            Err(e) => return Err(err("exhausting memory", e)),
        }
    }
}

#[root_task]
fn main(bootinfo: &sel4::BootInfo) -> Result<(), String> {
    let mut objects = ObjectAllocator::new(bootinfo);

    // Per-thread data: set on spawned threads, absent on main.
    let h = substrate_thread::spawn(&mut objects, || {
        let me = substrate_thread::current().map(|t| t.id());
        (me, !substrate_tls::thread_data().is_null())
    })
    .map_err(|e| err("spawn", e))?;
    let id = h.thread().id();
    let (me, has_data) = h.join().map_err(|e| err("join", e))?;
    check(me == Some(id) && has_data, "current() on a thread")?;
    check(substrate_thread::current().is_none(), "current() on main")?;
    sel4::debug_println!("thread {id} knows itself; main has no thread record");

    // A thread that reads address 0 faults; join reports it.
    let h = substrate_thread::spawn(&mut objects, read_null).map_err(|e| err("spawn", e))?;
    match h.join() {
        Err(JoinError::Faulted(fault)) => {
            check(
                fault.label() == sys::seL4_Fault_VMFault as sel4::Word,
                "VM fault label",
            )?;
            check(
                matches!(fault, Fault::VmFault(v) if v.addr == 0 && !v.prefetch),
                "fault at address 0",
            )?;
            sel4::debug_println!("null read: {fault}");
        }
        other => return Err(format!("null read joined as {other:?}")),
    }
    let h = substrate_thread::spawn(&mut objects, || 7u32).map_err(|e| err("spawn", e))?;
    let seven = h.join().map_err(|e| err("join", e))?;
    check(seven == 7, "result after a fault")?;
    sel4::debug_println!("main carries on: thread returned {seven}");

    // A stack overflow faults in the guard page below the stack.
    let h = Builder::new()
        .stack_size(16 * 1024)
        .name("overflow")
        .spawn(&mut objects, || recurse(0))
        .map_err(|e| err("spawn", e))?;
    let guard = h.stack_guard();
    check(
        guard.end == h.stack().start,
        "guard page right below the stack",
    )?;
    match h.join() {
        Err(JoinError::Faulted(Fault::VmFault(v))) if guard.contains(&(v.addr as usize)) => {
            sel4::debug_println!(
                "stack overflow: VMFault at address {:#x} in the guard page {:#x}..{:#x}",
                v.addr,
                guard.start,
                guard.end
            );
        }
        other => return Err(format!("stack overflow joined as {other:?}")),
    }

    // Many threads under the notification mutex, then under the spin fallback.
    let ntfn: cap::Notification = objects
        .allocate(ObjectType::Notification, 0)
        .map_err(|e| err("notification", e))?;
    SLEEPING
        .set_notification(ntfn)
        .map_err(|_| String::from("mutex had a notification"))?;
    check(
        SLEEPING.set_notification(ntfn).is_err(),
        "only one notification",
    )?;
    let total = count_in_threads(&mut objects, &SLEEPING, 8, 1000)?;
    check(total == 8000, "exact total under the notification mutex")?;
    sel4::debug_println!("notification mutex: 8 threads x 1000 = {total}");
    let total = count_in_threads(&mut objects, &SPINNING, 4, 500)?;
    check(total == 2000, "exact total under the spin mutex")?;
    sel4::debug_println!("spin mutex: 4 threads x 500 = {total}");
    shared_notification(&mut objects)?;
    sel4::debug_println!("shared notification: a stray wake-up is a retry, not a hand-over");

    // Joined threads' objects are reused: no slots or memory are taken.
    let (slots, memory) = (objects.free_slot_count(), objects.free_memory());
    let mut handles = Vec::new();
    for i in 0..8u64 {
        handles.push(
            substrate_thread::spawn(&mut objects, move || i * i).map_err(|e| err("spawn", e))?,
        );
    }
    check(
        objects.free_slot_count() == slots && objects.free_memory() == memory,
        "spawning reused threads allocates nothing",
    )?;
    let mut sum = 0;
    for h in handles {
        sum += h.join().map_err(|e| err("join", e))?;
    }
    check(sum == 140, "reused threads' results")?;
    sel4::debug_println!("reuse: spawned 8 threads with no new objects");

    // Out of memory half-way through a spawn: leave less than 64 KiB free in
    // each untyped, then ask for a stack larger than all that is left.
    exhaust_memory(&mut objects, 16)?;
    let slots = objects.free_slot_count();
    let stack = objects.free_memory() + 64 * 1024;
    match Builder::new().stack_size(stack).spawn(&mut objects, || 0) {
        Err(SpawnError::Alloc(AllocError::OutOfMemory)) => {}
        other => return Err(format!("huge spawn gave {:?}", other.map(|_| ()))),
    }
    // The frames made before memory ran out were deleted and their slots
    // returned; only paging structures for the new stack region (at most a
    // page table, directory and PDPT) stay.
    check(
        slots - objects.free_slot_count() <= 3,
        "a failed spawn returns its slots",
    )?;
    // Nothing left at all: the very first object of a new thread fails.
    exhaust_memory(&mut objects, sys::seL4_MinUntypedBits as usize)?;
    let slots = objects.free_slot_count();
    match Builder::new()
        .stack_size(8 * 1024)
        .spawn(&mut objects, || 0)
    {
        Err(SpawnError::Alloc(AllocError::OutOfMemory)) => {}
        other => return Err(format!("spawn without memory gave {:?}", other.map(|_| ()))),
    }
    check(objects.free_slot_count() == slots, "no slots leaked")?;
    sel4::debug_println!("out of memory: spawn failed with OutOfMemory, no slots leaked");

    // A pooled thread needs no new memory.
    let h = substrate_thread::spawn(&mut objects, || 99).map_err(|e| err("spawn", e))?;
    check(h.join() == Ok(99), "reused thread after out of memory")?;
    sel4::debug_println!("after out of memory: a reused thread still runs");
    Ok(())
}
