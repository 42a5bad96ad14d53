//! std threads on seL4: every lock, channel and join below rests on the
//! std personality's threads and futex.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::thread;

fn main() {
    // A pool of workers taking jobs from one channel and sending results on another.
    let (jobs_tx, jobs_rx) = mpsc::channel::<Vec<u64>>();
    let jobs_rx = Arc::new(Mutex::new(jobs_rx));
    let (results_tx, results_rx) = mpsc::channel::<u64>();
    let workers: Vec<_> = (0..4)
        .map(|i| {
            let jobs = Arc::clone(&jobs_rx);
            let results = results_tx.clone();
            thread::Builder::new()
                .name(format!("worker-{i}"))
                .spawn(move || loop {
                    let job = jobs.lock().unwrap().recv();
                    match job {
                        Ok(numbers) => results.send(numbers.iter().sum()).unwrap(),
                        Err(_) => break,
                    }
                })
                .unwrap()
        })
        .collect();
    drop(results_tx);
    let numbers: Vec<u64> = (1..=1000).collect();
    for chunk in numbers.chunks(100) {
        jobs_tx.send(chunk.to_vec()).unwrap();
    }
    drop(jobs_tx);
    let total: u64 = results_rx.iter().sum();
    for w in workers {
        w.join().unwrap();
    }
    println!("std-threads: pool of 4 workers summed 1..=1000 in 10 jobs: {total}");

    // A condition variable: the waiter sleeps until the third signal sets `ready`.
    let state = Arc::new((Mutex::new((0, false)), Condvar::new()));
    let waiter = {
        let state = Arc::clone(&state);
        thread::spawn(move || {
            let (lock, cvar) = &*state;
            let guard = cvar
                .wait_while(lock.lock().unwrap(), |(_, ready)| !*ready)
                .unwrap();
            guard.0
        })
    };
    for _ in 0..3 {
        let (lock, cvar) = &*state;
        let mut s = lock.lock().unwrap();
        s.0 += 1;
        s.1 = s.0 == 3;
        cvar.notify_one();
    }
    println!(
        "std-threads: condvar: the waiter saw ready after {} signals",
        waiter.join().unwrap()
    );

    // Scoped threads borrowing from the stack.
    let counter = AtomicUsize::new(0);
    thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for _ in 0..1000 {
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    println!(
        "std-threads: scope: 8 threads counted {}",
        counter.load(Ordering::Relaxed)
    );

    // A worker that panics: std prints its message, join returns the payload.
    let failed = thread::Builder::new()
        .name("worker-panics".into())
        .spawn(|| -> () { panic!("deliberate panic in a worker") })
        .unwrap()
        .join();
    let payload = failed.expect_err("the worker panicked");
    let message = payload.downcast_ref::<&str>().copied().unwrap_or("?");
    println!("std-threads: join caught the panic: {message:?}");
}
