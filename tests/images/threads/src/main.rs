//! Checks `substrate-thread` and `substrate-sync` on the real kernel: faults
//! are reported by join while main carries on, a stack overflow hits the
//! guard page, many threads count exactly under both kinds of mutex, joined
//! threads' resources are reused only in the VSpace they were made for, a
//! failed spawn returns its address range, running out of heap during a
//! spawn is an error that takes nothing, and running out of memory during a
//! spawn is an error.
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

/// Recurses `depth` times with 1 KiB frames; returns `depth`.
fn recurse_to(depth: usize) -> usize {
    let mut frame = [0u8; 1024];
    frame[depth % 1024] = 1;
    core::hint::black_box(&mut frame);
    if depth == 0 {
        return 0;
    }
    recurse_to(depth - 1) + frame[depth % 1024] as usize
}

/// A stack of 2 MiB or more is mapped in 2 MiB frames: its size is rounded
/// up to them, it starts on a 2 MiB boundary above 2 MiB - 4 KiB of guard,
/// it holds 3 MiB of frames, and an overflow faults in its guard.
fn large_stacks(objects: &mut ObjectAllocator) -> Result<(), String> {
    const MIB: usize = 1 << 20;
    let h = Builder::new()
        .stack_size(3 * MIB)
        .name("large-stack")
        .spawn(objects, || recurse_to(3 * 1024))
        .map_err(|e| err("spawn with a 3 MiB stack", e))?;
    let (stack, guard) = (h.stack(), h.stack_guard());
    check(
        stack.len() == 4 * MIB,
        "a 3 MiB stack is rounded up to 4 MiB",
    )?;
    check(
        stack.start % (2 * MIB) == 0,
        "a large stack starts on a 2 MiB boundary",
    )?;
    check(
        guard.end == stack.start && guard.len() == 2 * MIB - PAGE,
        "2 MiB - 4 KiB of guard below a large stack",
    )?;
    check(
        h.join() == Ok(3 * 1024),
        "3 MiB of recursion on a 4 MiB stack",
    )?;
    let h = Builder::new()
        .stack_size(2 * MIB)
        .name("large-overflow")
        .spawn(objects, || recurse(0))
        .map_err(|e| err("spawn with a 2 MiB stack", e))?;
    let guard = h.stack_guard();
    match h.join() {
        Err(JoinError::Faulted(Fault::VmFault(v))) if guard.contains(&(v.addr as usize)) => {}
        other => return Err(format!("large stack overflow joined as {other:?}")),
    }
    sel4::debug_println!(
        "large stacks: 3 MiB of recursion on 2 MiB frames; an overflow faults in the guard"
    );
    Ok(())
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

/// Bytes in a page.
const PAGE: usize = 4096;

/// A second, empty VSpace: a PML4 with an ASID from the initial pool and
/// nothing mapped. A thread started in it faults on its first instruction.
fn empty_vspace(objects: &mut ObjectAllocator) -> Result<cap::VSpace, String> {
    let vspace: cap::VSpace = objects
        .allocate(ObjectType::VSpace, 0)
        .map_err(|e| err("PML4", e))?;
    sel4::init_thread::ASID_POOL
        .assign(vspace)
        .map_err(|e| err("ASID", e))?;
    Ok(vspace)
}

/// Spawns `f` with `builder` and joins it.
fn run<T: Send + 'static>(
    objects: &mut ObjectAllocator,
    builder: Builder,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<Result<T, JoinError>, String> {
    let h = builder.spawn(objects, f).map_err(|e| err("spawn", e))?;
    Ok(h.join())
}

/// Whether a join reports an instruction fetch fault (a thread started in a
/// VSpace without the image): a VM fault at the instruction pointer. (seL4
/// on x86 never sets the fault message's prefetch flag.)
fn fetch_fault<T>(joined: &Result<T, JoinError>) -> bool {
    matches!(joined, Err(JoinError::Faulted(Fault::VmFault(v))) if v.addr == v.ip)
}

/// Pooled resources stay in the VSpace they were made for, both ways.
/// Runs `f` on `n` threads at once (all alive together, so that they take
/// `n` different thread resources, all of the pool's when it has no more),
/// and gives their results.
fn at_once<T: Send + 'static>(
    objects: &mut ObjectAllocator,
    n: usize,
    f: fn() -> T,
) -> Result<Vec<T>, String> {
    static GO: AtomicUsize = AtomicUsize::new(0);
    let round = GO.load(Ordering::SeqCst) + 1;
    let mut handles = Vec::new();
    for _ in 0..n {
        handles.push(
            substrate_thread::spawn(objects, move || {
                while GO.load(Ordering::SeqCst) < round {
                    sel4::yield_now();
                }
                f()
            })
            .map_err(|e| err("spawn", e))?,
        );
    }
    GO.store(round, Ordering::SeqCst);
    handles
        .into_iter()
        .map(|h| h.join().map_err(|e| err("join", e)))
        .collect()
}

/// A thread reusing a joined thread's resources starts with a clean IPC
/// buffer: no message registers and no capability receive path of the
/// thread before it (which would let capabilities land in a slot the new
/// thread never chose).
fn clean_ipc_buffers(objects: &mut ObjectAllocator) -> Result<(), String> {
    const THREADS: usize = 32;
    at_once(objects, THREADS, || {
        // SAFETY: this thread's own IPC buffer; no other reference to it.
        let mut ipc = unsafe { sel4::IpcBuffer::current() };
        ipc.set_receive_path(sel4::init_thread::CNODE, 1234, sel4::WORD_BITS);
        ipc.msg_regs()[..4].fill(0xdead);
    })?;
    let clean = at_once(objects, THREADS, || {
        // SAFETY: as above.
        let mut ipc = unsafe { sel4::IpcBuffer::current() };
        let regs_clean = ipc.msg_regs()[..4].iter().all(|&w| w == 0);
        // SAFETY: the runtime set this thread's IPC buffer.
        let b = unsafe { &*sel4::sys::seL4_GetIPCBuffer() };
        regs_clean && b.receiveCNode == 0 && b.receiveIndex == 0 && b.receiveDepth == 0
    })?;
    check(
        clean.iter().all(|&c| c),
        "reused threads start with a clean IPC buffer",
    )?;
    sel4::debug_println!(
        "reuse: {THREADS} threads on pooled resources start with clean IPC buffers"
    );
    Ok(())
}

fn pool_per_vspace(objects: &mut ObjectAllocator) -> Result<(), String> {
    let other = empty_vspace(objects)?;
    // The pool holds joined threads with the default stack size, all in
    // the initial VSpace; none may serve a thread meant for `other`.
    let joined = run(objects, Builder::new().vspace(other), || 1u32)?;
    check(
        fetch_fault(&joined),
        "a thread in the empty VSpace faults (not a pooled thread of another VSpace)",
    )?;
    // A stack size only `other` has in the pool: the initial VSpace's
    // thread must get new resources, not the pooled ones of `other`.
    let size = 20 * 1024;
    let joined = run(
        objects,
        Builder::new().vspace(other).stack_size(size),
        || 2u32,
    )?;
    check(
        fetch_fault(&joined),
        "the 20 KiB thread in the empty VSpace faults",
    )?;
    let joined = run(objects, Builder::new().stack_size(size), || 3u32)?;
    check(
        joined == Ok(3),
        "a 20 KiB thread in the initial VSpace runs (not on pooled resources of another VSpace)",
    )?;
    sel4::debug_println!("pool per VSpace: no thread ran on another VSpace's resources");
    Ok(())
}

/// A spawn that fails after reserving its part of [`THREAD_REGION`] gives
/// it back: the next new thread's region starts where the last one ended.
///
/// [`THREAD_REGION`]: substrate_thread::THREAD_REGION
fn region_returned(objects: &mut ObjectAllocator) -> Result<(), String> {
    // New stack sizes each time, so nothing comes from the pool.
    let a = Builder::new()
        .stack_size(24 * 1024)
        .spawn(objects, || 1u32)
        .map_err(|e| err("spawn", e))?;
    let end = a.stack().end;
    check(a.join() == Ok(1), "first thread")?;
    // An empty slot is no VSpace: mapping the IPC buffer fails.
    let bogus: cap::VSpace =
        sel4::Cap::from_cptr(objects.alloc_slot().map_err(|e| err("slot", e))?);
    match Builder::new()
        .stack_size(28 * 1024)
        .vspace(bogus)
        .spawn(objects, || 2u32)
    {
        Err(SpawnError::Alloc(_)) => {}
        other => return Err(format!("spawn in no VSpace gave {:?}", other.map(|_| ()))),
    }
    let c = Builder::new()
        .stack_size(32 * 1024)
        .spawn(objects, || 3u32)
        .map_err(|e| err("spawn", e))?;
    // Its IPC buffer page at `end`, then its guard page.
    let guard = c.stack_guard();
    check(c.join() == Ok(3), "thread after the failed spawn")?;
    check(
        guard.start == end + PAGE,
        "the failed spawn's address range was given back",
    )?;
    sel4::debug_println!("failed spawn: its address range was reused by the next thread");
    Ok(())
}

/// Allocates heap chunks, largest first, until not even one byte fits; the
/// chunks are returned so the caller decides when to free them.
fn exhaust_heap() -> Result<Vec<Vec<u8>>, String> {
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    chunks
        .try_reserve_exact(1024)
        .map_err(|_| String::from("no heap for the chunk list"))?;
    let mut size = 1 << 20;
    while size > 0 {
        if chunks.len() == chunks.capacity() {
            return Err(String::from("heap not exhausted with 1024 chunks"));
        }
        let mut chunk = Vec::new();
        if chunk.try_reserve_exact(size).is_ok() {
            chunks.push(chunk);
        } else {
            size /= 2;
        }
    }
    Ok(chunks)
}

/// Out of heap: spawning fails with `OutOfHeap`, taking no slots, objects
/// or address range; with the heap back, spawning works.
fn out_of_heap(objects: &mut ObjectAllocator) -> Result<(), String> {
    let before = Builder::new()
        .stack_size(40 * 1024)
        .spawn(objects, || 1u32)
        .map_err(|e| err("spawn", e))?;
    let end = before.stack().end;
    check(before.join() == Ok(1), "thread before the heap runs out")?;

    let chunks = exhaust_heap()?;
    let (slots, memory) = (objects.free_slot_count(), objects.free_memory());
    // A new thread (nothing pooled with this stack size) ...
    let fresh = Builder::new().stack_size(44 * 1024).spawn(objects, || 2u32);
    // ... and a pooled one both need heap.
    let pooled = substrate_thread::spawn(objects, || 3u32);
    let (slots_after, memory_after) = (objects.free_slot_count(), objects.free_memory());
    drop(chunks);
    match (fresh, pooled) {
        (Err(SpawnError::OutOfHeap), Err(SpawnError::OutOfHeap)) => {}
        (a, b) => {
            return Err(format!(
                "spawn without heap gave {:?} and {:?}",
                a.map(|_| ()),
                b.map(|_| ())
            ))
        }
    }
    check(
        slots_after == slots && memory_after == memory,
        "a spawn without heap takes no slots or objects",
    )?;

    let h = Builder::new()
        .stack_size(44 * 1024)
        .spawn(objects, || 4u32)
        .map_err(|e| err("spawn after the heap is back", e))?;
    let guard = h.stack_guard();
    check(h.join() == Ok(4), "new thread after the heap is back")?;
    check(
        guard.start == end + PAGE,
        "a spawn without heap takes no address range",
    )?;
    let joined = run(objects, Builder::new(), || 5u32)?;
    check(joined == Ok(5), "pooled thread after the heap is back")?;
    sel4::debug_println!(
        "out of heap: spawn failed with OutOfHeap, took nothing; works again after"
    );
    Ok(())
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

    large_stacks(&mut objects)?;

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

    clean_ipc_buffers(&mut objects)?;

    pool_per_vspace(&mut objects)?;
    region_returned(&mut objects)?;
    out_of_heap(&mut objects)?;

    // Out of memory half-way through a spawn: leave less than 64 KiB free in
    // each untyped, then ask for a stack larger than all that is left.
    exhaust_memory(&mut objects, 16)?;
    let slots = objects.free_slot_count();
    // Above every stack size in this test, so that no joined thread's
    // resources are reused (with no memory left at all, 64 KiB would be the
    // default stack a pooled thread has).
    let stack = objects.free_memory() + 128 * 1024;
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
