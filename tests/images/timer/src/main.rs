//! Checks `substrate-timer` on the real kernel: the calibrated clock; sleeps
//! that end no earlier than asked and not much later; a long sleep taking
//! one PIT interrupt per 54.9 ms; a sleep that really blocks (a thread of
//! lower priority runs meanwhile, which a busy wait would never let it);
//! sleepers with different deadlines waking in deadline order; saturating
//! durations; alarms and their cancellation; and the sleeper pool running
//! out.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use core::time::Duration;
use sel4::{cap, CapRights, ObjectType};
use sel4_object_allocator::ObjectAllocator;
use substrate_root_task::{root_task, sel4};
use substrate_thread::Builder;
use substrate_timer::{Error, Timer, MAX_ARM_NS};

const MS: u64 = 1_000_000;
/// How late a wake-up may come: generous, for a loaded host under QEMU's
/// software emulation.
const SLACK_NS: u64 = 100 * MS;

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

/// `ns` as milliseconds with one decimal.
struct Ms(u64);

impl core::fmt::Display for Ms {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}.{}", self.0 / MS, self.0 % MS / (MS / 10))
    }
}

/// Sleeps `ns` on main and checks the time it took.
fn timed_sleep(timer: &Timer, ns: u64) -> Result<u64, String> {
    let t0 = timer.now_ns();
    timer.sleep_ns(ns).map_err(|e| err("sleep", e))?;
    let slept = timer.now_ns() - t0;
    check(slept >= ns, "a sleep ends no earlier than asked")?;
    check(
        slept < ns + SLACK_NS,
        "a sleep ends soon after its deadline",
    )?;
    Ok(slept)
}

fn short_and_long(timer: &Timer) -> Result<(), String> {
    let slept = timed_sleep(timer, 30 * MS)?;
    sel4::debug_println!("sleep 30 ms: woke after {} ms", Ms(slept));
    let before = timer.interrupts();
    let slept = timed_sleep(timer, 200 * MS)?;
    let interrupts = timer.interrupts() - before;
    // The PIT is armed for at most MAX_ARM_NS at a time.
    check(
        interrupts >= (200 * MS).div_ceil(MAX_ARM_NS),
        "a long sleep re-arms the PIT",
    )?;
    sel4::debug_println!(
        "sleep 200 ms: woke after {} ms, {interrupts} PIT interrupts",
        Ms(slept)
    );
    Ok(())
}

static LOW_COUNT: AtomicU64 = AtomicU64::new(0);
static LOW_STOP: AtomicBool = AtomicBool::new(false);

/// A thread far below main's priority counts while main sleeps: with a busy
/// wait (even one yielding) it would never run.
fn priorities(timer: &Timer, objects: &mut ObjectAllocator) -> Result<(), String> {
    let low = Builder::new()
        .priority(100)
        .name("low")
        .spawn(objects, || {
            while !LOW_STOP.load(Ordering::Relaxed) {
                LOW_COUNT.fetch_add(1, Ordering::Relaxed);
            }
        })
        .map_err(|e| err("spawn", e))?;
    let before = LOW_COUNT.load(Ordering::Relaxed);
    check(before == 0, "the low-priority thread waits while main runs")?;
    timed_sleep(timer, 50 * MS)?;
    let counted = LOW_COUNT.load(Ordering::Relaxed);
    LOW_STOP.store(true, Ordering::Relaxed);
    // Let it see the flag and finish.
    timer.sleep_ns(MS).map_err(|e| err("sleep", e))?;
    low.join().map_err(|e| err("join", e))?;
    check(counted > 0, "the low-priority thread ran while main slept")?;
    sel4::debug_println!(
        "priorities: the low-priority thread counted {counted} times while main slept"
    );
    Ok(())
}

/// Deadlines (ms from the start) of the sleepers, not in order.
const DEADLINES_MS: [u64; 6] = [70, 20, 110, 45, 90, 30];
/// Sleeper indices in the order they woke.
static WOKE: [AtomicUsize; 6] = [const { AtomicUsize::new(usize::MAX) }; 6];
static WOKEN: AtomicUsize = AtomicUsize::new(0);
/// Sleepers that woke before their deadline.
static EARLY: AtomicUsize = AtomicUsize::new(0);

fn order(timer: &'static Timer, objects: &mut ObjectAllocator) -> Result<(), String> {
    // More sleepers than the default pool: make room.
    timer
        .add_sleepers(objects, DEADLINES_MS.len())
        .map_err(|e| err("add_sleepers", e))?;
    // Room for the spawns before the first deadline.
    let start = timer.now_ns() + 50 * MS;
    let mut handles = Vec::new();
    for (i, ms) in DEADLINES_MS.iter().enumerate() {
        let deadline = start + ms * MS;
        let h = Builder::new()
            .spawn(objects, move || -> Result<(), Error> {
                timer.sleep_until(deadline)?;
                if timer.now_ns() < deadline {
                    EARLY.fetch_add(1, Ordering::Relaxed);
                }
                let n = WOKEN.fetch_add(1, Ordering::Relaxed);
                if let Some(slot) = WOKE.get(n) {
                    slot.store(i, Ordering::Relaxed);
                }
                Ok(())
            })
            .map_err(|e| err("spawn", e))?;
        handles.push(h);
    }
    for h in handles {
        h.join()
            .map_err(|e| err("join", e))?
            .map_err(|e| err("sleeper", e))?;
    }
    let woke: Vec<usize> = WOKE.iter().map(|w| w.load(Ordering::Relaxed)).collect();
    let mut expected: Vec<usize> = (0..DEADLINES_MS.len()).collect();
    expected.sort_by_key(|&i| DEADLINES_MS[i]);
    check(
        woke == expected,
        &format!("wake order {woke:?}, want {expected:?}"),
    )?;
    check(EARLY.load(Ordering::Relaxed) == 0, "no sleeper woke early")?;
    sel4::debug_println!(
        "order: {} sleepers woke in deadline order, none early",
        DEADLINES_MS.len()
    );
    Ok(())
}

static FOREVER_WOKE: AtomicUsize = AtomicUsize::new(0);

fn saturation(timer: &'static Timer, objects: &mut ObjectAllocator) -> Result<(), String> {
    timer
        .add_sleepers(objects, 2)
        .map_err(|e| err("add_sleepers", e))?;
    // Never joined: they sleep for good.
    Builder::new()
        .spawn(objects, move || {
            let _ = timer.sleep(Duration::MAX);
            FOREVER_WOKE.fetch_add(1, Ordering::Relaxed);
        })
        .map_err(|e| err("spawn", e))?;
    Builder::new()
        .spawn(objects, move || {
            // A deadline past the clock's end, not a wrapped-around short one.
            let _ = timer.sleep_ns(u64::MAX - timer.now_ns() / 2);
            FOREVER_WOKE.fetch_add(1, Ordering::Relaxed);
        })
        .map_err(|e| err("spawn", e))?;
    timed_sleep(timer, 100 * MS)?;
    check(
        FOREVER_WOKE.load(Ordering::Relaxed) == 0,
        "a saturated sleep does not end",
    )?;
    sel4::debug_println!(
        "saturation: sleeps of Duration::MAX and u64::MAX ns still asleep after 100 ms"
    );
    Ok(())
}

fn no_wait(timer: &Timer) -> Result<(), String> {
    let t0 = timer.now_ns();
    let before = timer.interrupts();
    for _ in 0..100 {
        timer.sleep_until(0).map_err(|e| err("sleep_until", e))?;
        timer
            .sleep_until(timer.now_ns())
            .map_err(|e| err("sleep_until", e))?;
        timer.sleep_ns(0).map_err(|e| err("sleep_ns", e))?;
        timer.sleep(Duration::ZERO).map_err(|e| err("sleep", e))?;
    }
    check(timer.interrupts() == before, "no interrupt was needed")?;
    check(
        timer.now_ns() - t0 < 50 * MS,
        "400 sleeps of nothing are quick",
    )?;
    sel4::debug_println!("no wait: past deadlines and zero durations return at once");
    Ok(())
}

fn alarms(timer: &Timer, objects: &mut ObjectAllocator) -> Result<(), String> {
    let ntfn: cap::Notification = objects
        .allocate(ObjectType::Notification, 0)
        .map_err(|e| err("notification", e))?;
    // A badged copy for the timer: a signal through an unbadged one carries
    // badge 0, which `poll` cannot tell from no signal.
    let slot = objects.alloc_slot().map_err(|e| err("slot", e))?;
    objects
        .slot(slot)
        .mint(&objects.slot(ntfn.cptr()), CapRights::all(), 1)
        .map_err(|e| err("mint", e))?;
    let badged = cap::Notification::from_cptr(slot);
    let t0 = timer.now_ns();
    let alarm = timer
        .signal_at(t0 + 25 * MS, badged)
        .map_err(|e| err("signal_at", e))?;
    let badge = ntfn.wait();
    let waited = timer.now_ns() - t0;
    check(
        waited >= 25 * MS,
        "an alarm fires no earlier than its deadline",
    )?;
    check(waited < 25 * MS + SLACK_NS, "an alarm fires soon after")?;
    check(
        badge == 1,
        "the alarm signals through the badged capability",
    )?;
    check(!timer.cancel(alarm), "a fired alarm cannot be cancelled")?;

    let cancelled = timer
        .signal_at(timer.now_ns() + 10 * MS, badged)
        .map_err(|e| err("signal_at", e))?;
    check(timer.cancel(cancelled), "a pending alarm is cancelled")?;
    check(!timer.cancel(cancelled), "an alarm is cancelled once")?;
    timed_sleep(timer, 30 * MS)?;
    check(ntfn.poll() == 0, "a cancelled alarm does not signal")?;

    // A deadline already past signals at once.
    timer
        .signal_at(0, badged)
        .map_err(|e| err("signal_at", e))?;
    check(ntfn.poll() == 1, "a past deadline signals at once")?;
    sel4::debug_println!(
        "alarm: signalled after {} ms; a cancelled alarm never fires",
        Ms(waited)
    );
    Ok(())
}

/// Takes every notification of the pool with sleepers that never wake, then
/// finds the pool empty.
fn pool(timer: &'static Timer, objects: &mut ObjectAllocator) -> Result<(), String> {
    static REFUSED: AtomicBool = AtomicBool::new(false);
    // Sleepers above main's priority run as soon as they are started and
    // block (or are refused) before main goes on.
    let mut spawned = 0;
    while !REFUSED.load(Ordering::Relaxed) && spawned < 64 {
        Builder::new()
            .priority(sel4::sys::seL4_MaxPrio as u8)
            .stack_size(16 * 1024)
            .spawn(objects, move || {
                if timer.sleep_ns(u64::MAX) == Err(Error::NoNotification) {
                    REFUSED.store(true, Ordering::Relaxed);
                }
            })
            .map_err(|e| err("spawn", e))?;
        spawned += 1;
    }
    check(REFUSED.load(Ordering::Relaxed), "the pool runs out")?;
    check(
        timer.sleep_ns(MS) == Err(Error::NoNotification),
        "an empty pool refuses main too",
    )?;
    timer
        .add_sleepers(objects, 1)
        .map_err(|e| err("add_sleepers", e))?;
    timed_sleep(timer, 5 * MS)?;
    sel4::debug_println!(
        "pool: an empty pool is NoNotification ({} sleepers took it), one more notification lets main sleep",
        spawned - 1
    );
    Ok(())
}

#[root_task]
fn main(bootinfo: &sel4::BootInfo) -> Result<(), String> {
    let mut objects = ObjectAllocator::new(bootinfo);
    let timer = substrate_timer::init(&mut objects).map_err(|e| err("init", e))?;
    check(
        substrate_timer::get().is_some_and(|t| core::ptr::eq(t, timer)),
        "get finds the timer",
    )?;
    sel4::debug_println!("timer: TSC at {} MHz", timer.clock().hz() / 1_000_000);
    check(
        matches!(
            substrate_timer::init(&mut objects),
            Err(Error::AlreadyStarted)
        ),
        "a second init is refused",
    )?;
    sel4::debug_println!("timer: a second init is refused");
    short_and_long(timer)?;
    priorities(timer, &mut objects)?;
    order(timer, &mut objects)?;
    saturation(timer, &mut objects)?;
    no_wait(timer)?;
    alarms(timer, &mut objects)?;
    pool(timer, &mut objects)?;
    Ok(())
}
