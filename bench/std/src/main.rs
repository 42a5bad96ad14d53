//! std on seL4 against the substrate's own primitives, in one image.
//!
//! `make bench` boots this under QEMU's `-icount`, so the time-stamp
//! counter counts guest instructions and the figures repeat. Each row is
//! std's operation (on the std personality: malloc, pthreads, the futex)
//! and the substrate's equivalent through its C ABI (`substrate.h`: the
//! notification mutex, notifications, threads), and their ratio.
use std::hint::black_box;
use std::sync::{mpsc, Arc, Mutex};
use std::thread;

/// `substrate_mutex_t` (48 opaque bytes, 8-aligned).
#[repr(C, align(8))]
struct SubstrateMutex([u8; 48]);

extern "C" {
    fn substrate_mutex_init(m: *mut SubstrateMutex) -> i32;
    fn substrate_mutex_lock(m: *mut SubstrateMutex) -> i32;
    fn substrate_mutex_unlock(m: *mut SubstrateMutex) -> i32;
    fn substrate_object_alloc(kind: u32, size_bits: u32, out: *mut u64) -> i32;
    fn substrate_ntfn_signal(ntfn: u64) -> i32;
    fn substrate_ntfn_wait(ntfn: u64, badge: *mut u64) -> i32;
    fn substrate_thread_create(
        out: *mut u64,
        entry: unsafe extern "C" fn(*mut std::ffi::c_void) -> *mut std::ffi::c_void,
        arg: *mut std::ffi::c_void,
    ) -> i32;
    fn substrate_thread_join(t: u64, result: *mut *mut std::ffi::c_void) -> i32;
}

/// `SUBSTRATE_OBJ_NOTIFICATION`.
const NOTIFICATION: u32 = 3;

fn rdtsc() -> u64 {
    // SAFETY: reads the time-stamp counter.
    unsafe { std::arch::x86_64::_rdtsc() }
}

/// Average ticks (instructions under -icount) of `f` over `n` calls, after
/// a tenth as many to warm up.
fn measure(n: u64, mut f: impl FnMut()) -> u64 {
    for _ in 0..n / 10 {
        f();
    }
    let t = rdtsc();
    for _ in 0..n {
        f();
    }
    (rdtsc() - t) / n
}

fn row(name: &str, std_ticks: u64, substrate: u64) {
    println!(
        "| {name} | {std_ticks} | {substrate} | {:.2} |",
        std_ticks as f64 / substrate as f64
    );
}

fn notification() -> u64 {
    let mut n = 0;
    // SAFETY: `n` is writable.
    assert_eq!(
        unsafe { substrate_object_alloc(NOTIFICATION, 0, &mut n) },
        0
    );
    n
}

/// Ticks per hand-off of two threads passing the turn back and forth
/// through two notifications (`seL4_Signal` / `seL4_Wait`).
fn notification_handoff(rounds: u64) -> u64 {
    let (a, b) = (notification(), notification());
    let peer = thread::spawn(move || {
        for _ in 0..rounds {
            // SAFETY: a null badge pointer is allowed.
            unsafe { substrate_ntfn_wait(a, std::ptr::null_mut()) };
            unsafe { substrate_ntfn_signal(b) };
        }
    });
    let t = rdtsc();
    for _ in 0..rounds {
        // SAFETY: as above.
        unsafe { substrate_ntfn_signal(a) };
        unsafe { substrate_ntfn_wait(b, std::ptr::null_mut()) };
    }
    let ticks = (rdtsc() - t) / (2 * rounds);
    peer.join().unwrap();
    ticks
}

/// The same ping-pong with `seL4_Signal` and `seL4_Wait` called directly
/// (the typed `sel4` crate: no argument checks).
fn direct_handoff(rounds: u64) -> u64 {
    use sel4::cap::Notification;
    let (a, b) = (notification(), notification());
    let (na, nb) = (
        Notification::from_cptr(a as sel4::CPtr),
        Notification::from_cptr(b as sel4::CPtr),
    );
    let peer = thread::spawn(move || {
        for _ in 0..rounds {
            na.wait();
            nb.signal();
        }
    });
    let t = rdtsc();
    for _ in 0..rounds {
        na.signal();
        nb.wait();
    }
    let ticks = (rdtsc() - t) / (2 * rounds);
    peer.join().unwrap();
    ticks
}

/// Ticks per hand-off through std's thread parking (the futex: wake, then
/// wait), the same ping-pong as `notification_handoff`.
fn futex_handoff(rounds: u64) -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    let turn = Arc::new(AtomicU64::new(0));
    let main = thread::current();
    let peer = {
        let turn = Arc::clone(&turn);
        thread::spawn(move || {
            for i in 0..rounds {
                while turn.load(Ordering::Acquire) != 2 * i + 1 {
                    thread::park();
                }
                turn.store(2 * i + 2, Ordering::Release);
                main.unpark();
            }
        })
    };
    let t = rdtsc();
    for i in 0..rounds {
        turn.store(2 * i + 1, Ordering::Release);
        peer.thread().unpark();
        while turn.load(Ordering::Acquire) != 2 * i + 2 {
            thread::park();
        }
    }
    let ticks = (rdtsc() - t) / (2 * rounds);
    peer.join().unwrap();
    ticks
}

unsafe extern "C" fn nothing(_: *mut std::ffi::c_void) -> *mut std::ffi::c_void {
    std::ptr::null_mut()
}

fn main() {
    println!(
        "std-bench: instructions per operation (QEMU -icount), std on seL4 against the substrate"
    );
    println!("| operation | std | substrate | std / substrate |");
    println!("|---|---|---|---|");

    let m = Mutex::new(0u64);
    let std_lock = measure(20000, || *black_box(&m).lock().unwrap() += 1);
    let mut sm = SubstrateMutex([0; 48]);
    // SAFETY: `sm` is a fresh, writable substrate_mutex_t.
    assert_eq!(unsafe { substrate_mutex_init(&mut sm) }, 0);
    let sub_lock = measure(20000, || {
        // SAFETY: initialised above; locked and unlocked by this thread.
        unsafe {
            substrate_mutex_lock(black_box(&mut sm));
            substrate_mutex_unlock(&mut sm);
        }
    });
    row(
        "Mutex lock + unlock, uncontended: std / substrate_mutex_*",
        std_lock,
        sub_lock,
    );

    let futex = futex_handoff(2000);
    let direct = direct_handoff(2000);
    let ntfn = notification_handoff(2000);
    row("hand-off: futex / seL4_Signal + seL4_Wait", futex, direct);
    row("hand-off: futex / C ABI notification calls", futex, ntfn);

    let std_spawn = measure(200, || thread::spawn(|| ()).join().unwrap());
    let sub_spawn = measure(200, || {
        let mut t = 0;
        // SAFETY: `nothing` ignores its argument.
        unsafe {
            assert_eq!(
                substrate_thread_create(&mut t, nothing, std::ptr::null_mut()),
                0
            );
            substrate_thread_join(t, std::ptr::null_mut());
        }
    });
    row("thread spawn + join", std_spawn, sub_spawn);

    let (to_tx, to_rx) = mpsc::channel::<u64>();
    let (back_tx, back_rx) = mpsc::channel::<u64>();
    let echo = thread::spawn(move || {
        for v in to_rx {
            back_tx.send(v + 1).unwrap();
        }
    });
    let std_rt = measure(2000, || {
        to_tx.send(1).unwrap();
        black_box(back_rx.recv().unwrap());
    });
    drop(to_tx);
    echo.join().unwrap();
    row(
        "mpsc round trip (send, reply) / two direct hand-offs",
        std_rt,
        2 * direct,
    );
    println!("std-bench: done");
}
