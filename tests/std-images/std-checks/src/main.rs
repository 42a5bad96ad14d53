//! What std programs rely on, checked on seL4: each line names a check and
//! what std returned; any surprise prints FAILED.
use std::cell::Cell;
use std::io::ErrorKind;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn check(ok: bool, what: &str) {
    if !ok {
        println!("std-checks: FAILED {what}");
    }
}

fn kind<T>(r: std::io::Result<T>) -> Option<ErrorKind> {
    r.err().map(|e| e.kind())
}

extern "C" {
    fn pthread_self() -> usize;
    fn pthread_getattr_np(t: usize, attr: *mut [u64; 7]) -> i32;
    fn pthread_attr_getstack(attr: *const [u64; 7], addr: *mut usize, size: *mut usize) -> i32;
}

/// The calling thread's stack size, as the C library reports it.
fn stack_size() -> usize {
    let (mut attr, mut addr, mut size) = ([0u64; 7], 0, 0);
    // SAFETY: a pthread_attr_t is 56 bytes; the pointers are valid.
    unsafe {
        assert_eq!(pthread_getattr_np(pthread_self(), &mut attr), 0);
        assert_eq!(pthread_attr_getstack(&attr, &mut addr, &mut size), 0);
    }
    check(addr != 0, "stack address");
    size
}

static DROPPED: AtomicUsize = AtomicUsize::new(0);

struct CountsDrop(Cell<u32>);
impl Drop for CountsDrop {
    fn drop(&mut self) {
        DROPPED.fetch_add(1, Ordering::SeqCst);
    }
}

thread_local! {
    static LOCAL: CountsDrop = const { CountsDrop(Cell::new(0)) };
}

fn main() {
    // No files, processes or sockets: errors, not crashes.
    let open = kind(std::fs::File::open("/etc/hostname"));
    check(open == Some(ErrorKind::NotFound), "open");
    println!("std-checks: open: {:?}", open.unwrap());
    let create = kind(std::fs::File::create("/tmp/x"));
    println!("std-checks: create: {:?}", create.unwrap());
    println!(
        "std-checks: read_dir: {:?}",
        kind(std::fs::read_dir("/")).unwrap()
    );
    let spawn = kind(std::process::Command::new("ls").spawn());
    println!("std-checks: spawn: {:?}", spawn.unwrap());
    let connect = kind(std::net::TcpStream::connect("127.0.0.1:80"));
    println!("std-checks: connect: {:?}", connect.unwrap());
    println!(
        "std-checks: current_dir: {:?}",
        kind(std::env::current_dir()).unwrap()
    );
    let errors = [
        kind(std::fs::remove_file("/x")),
        kind(std::fs::remove_dir_all("/x")),
        kind(std::fs::create_dir_all("/x/y")),
        kind(std::fs::copy("/a", "/b")),
        kind(std::fs::rename("/a", "/b")),
        kind(std::fs::hard_link("/a", "/b")),
        kind(std::os::unix::fs::symlink("/a", "/b")),
        kind(std::fs::canonicalize("/a")),
        kind(std::fs::metadata("/a")),
        kind(std::fs::write("/a", b"x")),
        kind(std::fs::set_permissions(
            "/a",
            std::os::unix::fs::PermissionsExt::from_mode(0o644),
        )),
        kind(std::net::TcpListener::bind("127.0.0.1:0")),
        kind(std::net::UdpSocket::bind("127.0.0.1:0")),
        kind(std::os::unix::net::UnixStream::connect("/s")),
        kind(std::process::Command::new("x").output()),
        kind(std::env::current_exe()),
        kind(std::env::set_current_dir("/")),
    ];
    let all = errors.iter().all(|e| e.is_some());
    check(all, "fs, net and process calls");
    println!(
        "std-checks: {} fs, net and process calls returned errors: {all}",
        errors.len()
    );

    // The stack build.rs asked for, and std's default for a thread.
    let spawned = std::thread::spawn(stack_size).join().unwrap();
    println!(
        "std-checks: main stack {} MiB, thread stack {} MiB",
        stack_size() >> 20,
        spawned >> 20
    );

    // The boot command line.
    println!(
        "std-checks: args {:?}",
        std::env::args().collect::<Vec<_>>()
    );
    println!(
        "std-checks: var STD_CHECKS = {:?}",
        std::env::var("STD_CHECKS")
    );
    // SAFETY: no other thread runs yet.
    unsafe { std::env::set_var("STD_SET", "1") };
    let set = std::env::var("STD_SET");
    // SAFETY: as above.
    unsafe { std::env::remove_var("STD_SET") };
    println!(
        "std-checks: set_var then var = {set:?}, removed = {:?}",
        std::env::var("STD_SET")
    );

    // Clocks and a blocking sleep.
    let wall = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    println!("std-checks: wall clock {wall} s");
    let t = Instant::now();
    std::thread::sleep(Duration::from_millis(100));
    let ms = t.elapsed().as_millis();
    println!(
        "std-checks: sleep 100 ms took {ms} ms (at least 100: {})",
        ms >= 100
    );
    check((100..2000).contains(&ms), "sleep");
    let n = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    println!("std-checks: parallelism {n}");

    // A panic hook and catch_unwind.
    let seen = Arc::new(Mutex::new(String::new()));
    let hook_seen = Arc::clone(&seen);
    std::panic::set_hook(Box::new(move |info| {
        *hook_seen.lock().unwrap() = info
            .payload()
            .downcast_ref::<&str>()
            .unwrap_or(&"?")
            .to_string();
    }));
    let caught = std::panic::catch_unwind(|| panic!("caught"));
    let _ = std::panic::take_hook();
    println!(
        "std-checks: hook saw {:?}; catch_unwind: {}",
        seen.lock().unwrap(),
        if caught.is_err() { "Err" } else { "Ok" }
    );

    // A contended mutex.
    let counter = Arc::new(Mutex::new(0u64));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let c = Arc::clone(&counter);
            std::thread::spawn(move || {
                for _ in 0..20000 {
                    *c.lock().unwrap() += 1;
                    if c.lock().unwrap().is_multiple_of(1000) {
                        std::thread::yield_now();
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let total = *counter.lock().unwrap();
    println!("std-checks: contended mutex: 4 x 20000 = {total}");
    check(total == 80000, "mutex");

    // A condvar wait that times out, then a ping-pong through two condvars.
    let pair = (Mutex::new(false), Condvar::new());
    let t = Instant::now();
    let (_guard, timeout) = pair
        .1
        .wait_timeout(pair.0.lock().unwrap(), Duration::from_millis(50))
        .unwrap();
    println!(
        "std-checks: wait_timeout timed out: {} after at least 50 ms: {}",
        timeout.timed_out(),
        t.elapsed() >= Duration::from_millis(50)
    );
    let state = Arc::new((Mutex::new(0u32), Condvar::new()));
    let other = {
        let state = Arc::clone(&state);
        std::thread::spawn(move || {
            let (lock, cv) = &*state;
            let mut turn = lock.lock().unwrap();
            while *turn < 2000 {
                while *turn % 2 == 0 {
                    turn = cv.wait(turn).unwrap();
                }
                *turn += 1;
                cv.notify_one();
            }
        })
    };
    {
        let (lock, cv) = &*state;
        let mut turn = lock.lock().unwrap();
        while *turn < 2000 {
            *turn += 1;
            cv.notify_one();
            while *turn % 2 == 1 {
                turn = cv.wait(turn).unwrap();
            }
        }
    }
    other.join().unwrap();
    println!(
        "std-checks: ping-pong {} rounds",
        *state.0.lock().unwrap() / 2
    );

    // Thread-local destructors run when each thread ends.
    let threads: Vec<_> = (0..4)
        .map(|i| std::thread::spawn(move || LOCAL.with(|l| l.0.set(i))))
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    println!(
        "std-checks: thread locals dropped: {}",
        DROPPED.load(Ordering::SeqCst)
    );
    println!("std-checks: all passed");
}
