//! An async executor for a component of a system (`system.toml`).
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//! use sel4_system_executor::{notified, sleep_ns, spawn, Channel};
//!
//! async fn main() {
//!     spawn(async {
//!         loop {
//!             notified(Channel::new(0)).await; // a peer's signal
//!             let _ = Channel::new(0).notify();
//!         }
//!     });
//!     sleep_ns(10_000_000).await;            // the system's timer
//! }
//!
//! sel4_system_executor::component!(main);
//! ```
//!
//! Tasks are `core::future` futures on one thread (a component has one),
//! spawned with [`spawn`]; the component's `main` is the first. The
//! executor polls the tasks that were woken; when none is left to poll it
//! sets the component's alarm for the earliest sleeper
//! (`sel4_system_component::time`) and blocks in the component's event
//! loop ([`Events`]: `seL4_Recv` on its
//! endpoint with the notification bound, or `seL4_Wait`), so an idle
//! component is blocked in the kernel, never polling. An event wakes the
//! tasks that wait for it:
//!
//! * a channel's notification (a peer's signal, or an interrupt the
//!   description routes to the channel): [`notified`]; a signal that
//!   arrives while no task waits for it is kept for the next wait;
//! * the system's timer: [`sleep_until`], [`sleep_ns`] (the description
//!   says `timer = true`);
//! * a peer's restart: [`peer_restarted`] (kept, as a signal is, for the
//!   next wait);
//! * protected calls are answered by the function given to [`serve`], one
//!   at a time, between polls (a call's reply must be sent before the next
//!   wait).
//!
//! `main` returning does not end the component while other tasks run;
//! [`component!`] exits with status 0 once every task has finished (a
//! server that only answers calls awaits `core::future::pending()`).
#![no_std]

extern crate alloc;

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

pub use sel4_system_component::{self as component, Channel, MessageInfo};
use sel4_system_component::{abi, time, Event, Events};

/// A task: a boxed future.
type Task = Pin<Box<dyn Future<Output = ()>>>;

/// The function answering protected calls ([`serve`]).
type Server = Box<dyn FnMut(Channel, MessageInfo) -> MessageInfo>;

/// What tasks and the event loop share. A component runs one thread; the
/// lock is only ever taken for short moments, never across a poll.
struct Reactor {
    /// Tasks woken and not polled yet, by index.
    ready: VecDeque<usize>,
    /// Tasks spawned and not polled yet.
    spawned: Vec<Task>,
    /// Who waits for each channel's notification.
    channel_waiters: [Vec<Waker>; abi::MAX_CHANNELS],
    /// Notifications that came while nobody waited (bit `id`).
    pending: u32,
    /// Who waits for each channel's peer to be restarted.
    restart_waiters: [Vec<Waker>; abi::MAX_CHANNELS],
    /// Restarts that no wait has taken yet (bit `id`).
    restarted: u32,
    /// Sleepers by (deadline, sequence number).
    timers: BTreeMap<(u64, u64), Waker>,
    next_timer: u64,
    server: Option<Server>,
}

impl Reactor {
    const fn new() -> Self {
        Reactor {
            ready: VecDeque::new(),
            spawned: Vec::new(),
            channel_waiters: [const { Vec::new() }; abi::MAX_CHANNELS],
            pending: 0,
            restart_waiters: [const { Vec::new() }; abi::MAX_CHANNELS],
            restarted: 0,
            timers: BTreeMap::new(),
            next_timer: 0,
            server: None,
        }
    }
}

// SAFETY: a component runs one thread: the tasks and servers (which need
// not be `Send`) are created, polled, called and dropped on it alone; the
// mutex only keeps a waker called from inside a poll from aliasing the
// executor's own borrow.
unsafe impl Send for Reactor {}

static REACTOR: spin::Mutex<Reactor> = spin::Mutex::new(Reactor::new());

/// Adds `waker` to `list` unless a waker of the same task is there.
fn register(list: &mut Vec<Waker>, waker: &Waker) {
    if !list.iter().any(|w| w.will_wake(waker)) {
        list.push(waker.clone());
    }
}

static WAKEUPS: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

/// How often the executor has blocked in the component's event loop and
/// been woken (by a notification, a call, a restart or the timer).
pub fn wakeups() -> u64 {
    WAKEUPS.load(core::sync::atomic::Ordering::Relaxed)
}

/// Starts `future` as a task of its own (polled from the next round on).
pub fn spawn(future: impl Future<Output = ()> + 'static) {
    REACTOR.lock().spawned.push(Box::pin(future));
}

/// Answers protected calls with `f` from now on (its result is the reply;
/// message registers through `sel4_system_component::{mr, set_mr}`).
/// Calls that come before a server is set are answered with label 0.
pub fn serve(f: impl FnMut(Channel, MessageInfo) -> MessageInfo + 'static) {
    REACTOR.lock().server = Some(Box::new(f));
}

/// Resolves at the next notification on `channel`, or at once if one came
/// that no wait has taken yet. One notification resolves one wait (as a
/// seL4 notification wakes one waiter): with several tasks waiting on a
/// channel, the first polled takes it and the others wait on.
pub fn notified(channel: Channel) -> Notified {
    Notified { channel }
}

/// The future of [`notified`].
#[derive(Debug)]
pub struct Notified {
    channel: Channel,
}

impl Future for Notified {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let id = self.channel.id() as usize;
        if id >= abi::MAX_CHANNELS {
            // No such channel: nothing will ever signal it.
            return Poll::Pending;
        }
        let mut r = REACTOR.lock();
        if r.pending & (1 << id) != 0 {
            r.pending &= !(1 << id);
            return Poll::Ready(());
        }
        register(&mut r.channel_waiters[id], cx.waker());
        Poll::Pending
    }
}

/// Resolves at the next restart of the peer of `channel` after a fault,
/// or at once if one came that no wait has taken yet (a restart while the
/// task was busy elsewhere is not lost). One restart resolves one wait.
pub fn peer_restarted(channel: Channel) -> PeerRestarted {
    PeerRestarted { channel }
}

/// The future of [`peer_restarted`].
#[derive(Debug)]
pub struct PeerRestarted {
    channel: Channel,
}

impl Future for PeerRestarted {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let id = self.channel.id() as usize;
        if id >= abi::MAX_CHANNELS {
            return Poll::Pending;
        }
        let mut r = REACTOR.lock();
        if r.restarted & (1 << id) != 0 {
            r.restarted &= !(1 << id);
            return Poll::Ready(());
        }
        register(&mut r.restart_waiters[id], cx.waker());
        Poll::Pending
    }
}

/// Resolves once the system's clock (`time::now_ns`) reaches
/// `deadline_ns`. In a system without a timer, or in a component whose
/// description does not say `timer = true`, it never resolves (the
/// executor says so once it would have to block for it).
pub fn sleep_until(deadline_ns: u64) -> Sleep {
    Sleep {
        deadline: deadline_ns,
        key: None,
    }
}

/// [`sleep_until`] `ns` nanoseconds from now.
pub fn sleep_ns(ns: u64) -> Sleep {
    let now = time::now_ns().unwrap_or(0);
    sleep_until(now.saturating_add(ns))
}

/// The future of [`sleep_until`].
#[derive(Debug)]
pub struct Sleep {
    deadline: u64,
    key: Option<(u64, u64)>,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let now = time::now_ns();
        let mut r = REACTOR.lock();
        if now.is_some_and(|now| now >= self.deadline) {
            if let Some(key) = self.key.take() {
                r.timers.remove(&key);
            }
            return Poll::Ready(());
        }
        let key = match self.key {
            Some(key) => key,
            None => {
                let key = (self.deadline, r.next_timer);
                r.next_timer += 1;
                self.key = Some(key);
                key
            }
        };
        r.timers.insert(key, cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            REACTOR.lock().timers.remove(&key);
        }
    }
}

/// Which of two futures of [`race`] finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Either<A, B> {
    /// The first, with its output.
    First(A),
    /// The second, with its output.
    Second(B),
}

/// Waits for whichever of `a` and `b` finishes first (`a` if both are
/// ready), dropping the other: e.g. a channel's notification or a
/// timeout, `race(notified(ch), sleep_ns(ns))`.
pub fn race<A: Future + Unpin, B: Future + Unpin>(a: A, b: B) -> Race<A, B> {
    Race(a, b)
}

/// The future of [`race`].
#[derive(Debug)]
pub struct Race<A, B>(A, B);

impl<A: Future + Unpin, B: Future + Unpin> Future for Race<A, B> {
    type Output = Either<A::Output, B::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Poll::Ready(a) = Pin::new(&mut self.0).poll(cx) {
            return Poll::Ready(Either::First(a));
        }
        if let Poll::Ready(b) = Pin::new(&mut self.1).poll(cx) {
            return Poll::Ready(Either::Second(b));
        }
        Poll::Pending
    }
}

/// Gives the other ready tasks a turn.
pub fn yield_now() -> YieldNow {
    YieldNow(false)
}

/// The future of [`yield_now`].
#[derive(Debug)]
pub struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if core::mem::replace(&mut self.0, true) {
            return Poll::Ready(());
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

// A waker is a task's index; waking queues it.
const VTABLE: RawWakerVTable = RawWakerVTable::new(clone_waker, wake, wake, drop_waker);

fn raw_waker(task: usize) -> RawWaker {
    RawWaker::new(task as *const (), &VTABLE)
}

fn clone_waker(data: *const ()) -> RawWaker {
    raw_waker(data as usize)
}

fn wake(data: *const ()) {
    let task = data as usize;
    let mut r = REACTOR.lock();
    if !r.ready.contains(&task) {
        r.ready.push_back(task);
    }
}

fn drop_waker(_: *const ()) {}

fn waker(task: usize) -> Waker {
    // SAFETY: the vtable's functions only copy the index and queue it,
    // which is valid for any index (a finished task's is skipped).
    unsafe { Waker::from_raw(raw_waker(task)) }
}

/// The executor's loop: polls woken tasks, then blocks for the
/// component's next event; returns once every task has finished.
fn run(seen: [u64; abi::MAX_CHANNELS]) {
    let mut tasks: Vec<Option<Task>> = Vec::new();
    let mut live = 0usize;
    let mut events: Option<Events> = None;
    let mut armed = u64::MAX;
    let mut warned = false;
    loop {
        // Poll what is ready, newly spawned tasks first.
        loop {
            let spawned = core::mem::take(&mut REACTOR.lock().spawned);
            for t in spawned {
                let i = tasks.iter().position(Option::is_none).unwrap_or_else(|| {
                    tasks.push(None);
                    tasks.len() - 1
                });
                tasks[i] = Some(t);
                live += 1;
                REACTOR.lock().ready.push_back(i);
            }
            let Some(i) = REACTOR.lock().ready.pop_front() else {
                break;
            };
            let Some(task) = tasks.get_mut(i).and_then(Option::as_mut) else {
                continue;
            };
            let w = waker(i);
            if task.as_mut().poll(&mut Context::from_waker(&w)).is_ready() {
                tasks[i] = None;
                live -= 1;
            }
        }
        if live == 0 {
            return;
        }
        // Nothing to poll: arm the alarm for the earliest sleeper, block.
        let earliest = REACTOR.lock().timers.keys().next().map(|&(d, _)| d);
        if let Some(deadline) = earliest {
            if deadline != armed {
                match time::set_alarm(deadline) {
                    Ok(()) => armed = deadline,
                    Err(e) if !warned => {
                        warned = true;
                        sel4_system_component::sel4::debug_println!(
                            "{}: a task sleeps, but {e}",
                            component::name()
                        );
                    }
                    Err(_) => {}
                }
            }
        }
        let events = events.get_or_insert_with(|| {
            component::init_done();
            Events::new(seen)
        });
        let event = events.wait();
        WAKEUPS.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
        match event {
            Event::Notified(bits) => {
                let mut r = REACTOR.lock();
                for id in 0..abi::MAX_CHANNELS {
                    if bits & (1 << id) == 0 {
                        continue;
                    }
                    // The signal stays pending until a waiter takes it:
                    // the first one polled.
                    r.pending |= 1 << id;
                    let waiters = core::mem::take(&mut r.channel_waiters[id]);
                    drop(r);
                    waiters.into_iter().for_each(Waker::wake);
                    r = REACTOR.lock();
                }
            }
            Event::Call(channel, msg) => {
                let server = REACTOR.lock().server.take();
                let reply = match server {
                    Some(mut f) => {
                        let reply = f(channel, msg);
                        let mut r = REACTOR.lock();
                        if r.server.is_none() {
                            r.server = Some(f);
                        }
                        reply
                    }
                    None => MessageInfo::new(0, 0, 0),
                };
                events.reply(reply);
            }
            Event::PeerRestarted(channel) => {
                let id = channel.id() as usize;
                let waiters = {
                    let mut r = REACTOR.lock();
                    // Kept until a wait takes it, as a notification is.
                    r.restarted |= 1 << id;
                    core::mem::take(&mut r.restart_waiters[id])
                };
                waiters.into_iter().for_each(Waker::wake);
            }
            Event::Timer => armed = u64::MAX,
            Event::Fault(_, _) => {}
        }
        // Sleepers whose deadline has passed.
        if let Some(now) = time::now_ns() {
            let due: Vec<Waker> = {
                let r = REACTOR.lock();
                r.timers
                    .range(..(now.saturating_add(1), 0))
                    .map(|(_, w)| w.clone())
                    .collect()
            };
            due.into_iter().for_each(Waker::wake);
        }
    }
}

/// Runs `main` as the component's first task and the executor until every
/// task has finished, then exits with status 0 (the entry of
/// [`component!`]).
#[doc(hidden)]
pub fn __run<F: Future<Output = ()> + 'static>(
    seen: [u64; abi::MAX_CHANNELS],
    main: fn() -> F,
) -> ! {
    spawn(main());
    run(seen);
    component::exit(0)
}

/// Defines the component's entry around `main`, an `async fn main()`:
/// the executor runs it and the tasks it spawns (see the crate
/// documentation), with the heap and panic handler of
/// `sel4_system_component::component!`.
#[macro_export]
macro_rules! component {
    ($main:path) => {
        fn __sel4_system_executor_main(seen: [u64; $crate::component::abi::MAX_CHANNELS]) -> ! {
            $crate::__run(seen, $main)
        }
        $crate::component::component!(loop = __sel4_system_executor_main);
    };
}
