//! Time for seL4 components: a monotonic clock, and sleeps and alarms that
//! block instead of spinning.
//!
//! ```ignore
//! let mut objects = ObjectAllocator::new(bootinfo);
//! let timer = substrate_timer::init(&mut objects)?;
//! let t0 = timer.now_ns();
//! timer.sleep(Duration::from_millis(20))?;
//! assert!(timer.now_ns() - t0 >= 20_000_000);
//! ```
//!
//! One timer serves the whole system (the PC has one PIT): [`init`] sets
//! it up once, from a thread with the full maximum controlled priority (a
//! root task's `main`), and [`get`] finds it afterwards, from any thread.
//!
//! # The clock
//!
//! Time is the processor's time-stamp counter (`rdtsc`), in nanoseconds
//! since the processor started: [`Clock::now_ns`], [`Timer::now_ns`].
//! seL4 5.0 does not tell user space the TSC's frequency, so [`init`]
//! measures it ([`Clock::calibrate`]) against the PC's programmable interval
//! timer (PIT, an 8254 counting at [`PIT_HZ`]): channel 2, gated and read
//! through port 0x61, counts down a 10 ms window while the TSC runs. Each
//! port access is a system call of a few microseconds, so the frequency is
//! accurate to well under 1 %. Under QEMU both clocks follow the host's time,
//! or with `-icount` both follow the instruction count.
//!
//! # Sleeping
//!
//! [`Timer::sleep_until`] (and [`Timer::sleep`], [`Timer::sleep_ns`]) put
//! the caller's deadline in a list and block it in `seL4_Wait` on a
//! notification of its own (from a pool, [`Timer::add_sleepers`]). PIT
//! channel 0 is programmed one-shot (mode 0: interrupt on terminal count)
//! for the earliest deadline, at most [`MAX_ARM_NS`] (65535 PIT counts,
//! about 54.9 ms) ahead. Its interrupt (ISA IRQ 0: IOAPIC pin 2, or the PIC's
//! IRQ 0 on kernels built for it; [`sel4::cap::IrqControl::get_isa`]) is
//! delivered to a notification that a thread of the timer's own waits on,
//! at the highest priority ([`DEFAULT_PRIORITY`]). For each interrupt it
//! acknowledges the interrupt (`seL4_IRQHandler_Ack`), signals
//! (`seL4_Signal`) the notification of every entry whose deadline has
//! passed, earliest first, and programs the PIT for the next deadline.
//!
//! No wake-up is lost: the list and the PIT's state are changed only under
//! one lock (a [`substrate_sync::Mutex`], blocking on a notification); a
//! sleeper whose deadline comes before the programmed interrupt reprograms
//! the PIT itself; an interrupt that arrives while the list is being changed
//! waits as a pending signal on the timer thread's notification; and the
//! timer thread acknowledges each interrupt before it reads the clock and
//! reprograms the PIT, so the next one is never masked. A sleeper goes back
//! to sleep if it is woken while its entry is still in the list (a signal
//! that did not come from the timer), so a sleep never ends early.
//!
//! Durations saturate: a deadline at or past the end of the 64-bit
//! nanosecond clock (about 584 years) is [`FOREVER`], a sleep that never
//! ends and never arms the PIT. Nothing here panics on any argument.
//!
//! # Alarms
//!
//! [`Timer::signal_at`] signals a notification the caller owns at a
//! deadline (and [`Timer::cancel`] takes the alarm back): for an event loop
//! that waits on one notification for both device interrupts and its next
//! deadline, with a badge telling them apart.
//!
//! # What the timer takes
//!
//! From the [`ObjectAllocator`] at [`init`]: I/O-port capabilities for the
//! PIT (`0x40..=0x43`) and its gate register (`0x61`) (current kernels issue
//! a port range only once: nothing else may issue these), an IRQ handler
//! for IRQ 0 at [`DEFAULT_VECTOR`], two notifications (the interrupt's and
//! the lock's) plus one per sleeper slot, and a thread
//! ([`substrate_thread`], 16 KiB stack). Later sleepers need
//! [`Timer::add_sleepers`] when more threads sleep at once than there are
//! notifications in the pool.
//!
//! # Limits
//!
//! * The PIT is a 16-bit counter at 1.19 MHz: a sleep longer than 54.9 ms
//!   takes one interrupt per 54.9 ms, and wakes up to a PIT tick (838 ns)
//!   plus the interrupt's latency after its deadline.
//! * The lock is held by sleepers for a few system calls; a low-priority
//!   sleeper preempted while it holds it delays the timer thread (priority
//!   inversion) until it runs again.
#![no_std]

pub mod rtc;

extern crate alloc;

use alloc::vec::Vec;
use core::fmt;
use core::sync::atomic::{AtomicBool, Ordering};
use core::time::Duration;
use sel4::{cap, sys, CPtr, ObjectType, Word};
use sel4_object_allocator::{AllocError, ObjectAllocator};
use substrate_sync::Mutex;
use substrate_thread::SpawnError;

/// The PIT's input clock in Hz: every channel counts down at this rate.
pub const PIT_HZ: u64 = 1_193_182;

/// The largest count the PIT is programmed with (its counter has 16 bits).
pub const PIT_MAX_COUNT: u16 = u16::MAX;

/// The longest the PIT is armed for at once, in nanoseconds:
/// [`PIT_MAX_COUNT`] counts, about 54.9 ms. Longer sleeps re-arm it.
pub const MAX_ARM_NS: u64 = PIT_MAX_COUNT as u64 * NS_PER_S / PIT_HZ;

/// The ISA interrupt of PIT channel 0.
pub const PIT_ISA_IRQ: u8 = 0;

/// The vector [`init`] routes the PIT's interrupt to on IOAPIC kernels: one
/// below the highest ([`cap::IrqControl::MAX_VECTOR`], which
/// `examples/serial-device` and the C console take for COM1), so both fit in
/// one image and stay in the range seL4 5.0 delivers safely (see
/// [`cap::IrqControl::get_ioapic`]).
pub const DEFAULT_VECTOR: Word = cap::IrqControl::MAX_VECTOR - 1;

/// The priority of the timer's thread: `seL4_MaxPrio`, so that it wakes
/// sleepers as soon as the interrupt arrives, whatever else runs.
pub const DEFAULT_PRIORITY: u8 = sys::seL4_MaxPrio as u8;

/// Notifications [`init`] puts in the sleeper pool: this many threads can
/// sleep at once before [`Timer::add_sleepers`] is needed.
pub const DEFAULT_SLEEPERS: usize = 4;

/// The deadline that never comes: a sleep until it blocks for good.
pub const FOREVER: u64 = u64::MAX;

const NS_PER_S: u64 = 1_000_000_000;

/// PIT channel 0's data port, channel 2's, and the mode/command port.
const PIT_CHANNEL0: u16 = 0x40;
const PIT_CHANNEL2: u16 = 0x42;
const PIT_COMMAND: u16 = 0x43;
/// The port-0x61 register: bit 0 gates channel 2, bit 1 drives the speaker
/// from it, bit 5 reads channel 2's output.
const PIT_GATE: u16 = 0x61;
/// Command: channel 0, low then high byte of the count, mode 0 (interrupt on
/// terminal count: the output rises when the count reaches 0, once), binary.
const PIT_CHANNEL0_ONE_SHOT: u8 = 0x30;
/// Command: the same for channel 2.
const PIT_CHANNEL2_ONE_SHOT: u8 = 0xb0;
/// PIT counts in the calibration window (10 ms).
const CALIBRATION_COUNTS: u16 = 11_932;
/// Polls of channel 2's output before the calibration gives up (a PIT that
/// does not count).
const CALIBRATION_POLLS: u64 = 10_000_000;

/// The timer thread's stack.
const THREAD_STACK_SIZE: usize = 16 * 1024;

/// Reads the time-stamp counter (`rdtsc`).
pub fn rdtsc() -> u64 {
    // SAFETY: `rdtsc` only reads the time-stamp counter; user mode may
    // execute it (seL4 leaves CR4.TSD clear).
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// The time-stamp counter with its frequency: a monotonic clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    hz: u64,
}

impl Clock {
    /// A TSC assumed to run at 1 GHz: for code that must give some time
    /// without a calibrated clock. It increases monotonically, but its unit is
    /// only nominal.
    pub const NOMINAL: Clock = Clock { hz: NS_PER_S };

    /// A TSC running at `hz`; `None` for 0.
    pub const fn from_hz(hz: u64) -> Option<Clock> {
        if hz == 0 {
            None
        } else {
            Some(Clock { hz })
        }
    }

    /// Measures the TSC's frequency against PIT channel 2, one-shot over
    /// 10 ms, through I/O-port capabilities for the PIT's ports (`pit`,
    /// covering `0x42` and `0x43`) and the gate register (`gate`, `0x61`)
    /// (`seL4_X86_IOPort_In8`, `seL4_X86_IOPort_Out8`). `None` if a port
    /// access fails or the PIT's output never rises. Leaves the gate
    /// register as it found it, and channel 0 alone.
    pub fn calibrate(pit: cap::IoPort, gate: cap::IoPort) -> Option<Clock> {
        let ctl = gate.in8(PIT_GATE).ok()?;
        // Gate off, speaker off; channel 2 one-shot.
        gate.out8(PIT_GATE, ctl & 0xfc).ok()?;
        pit.out8(PIT_COMMAND, PIT_CHANNEL2_ONE_SHOT).ok()?;
        pit.out8(PIT_CHANNEL2, (CALIBRATION_COUNTS & 0xff) as u8)
            .ok()?;
        pit.out8(PIT_CHANNEL2, (CALIBRATION_COUNTS >> 8) as u8)
            .ok()?;
        // Gate on: the count starts; the output (bit 5) rises at zero.
        gate.out8(PIT_GATE, (ctl & 0xfc) | 1).ok()?;
        let start = rdtsc();
        let mut polls: u64 = 0;
        while gate.in8(PIT_GATE).ok()? & 0x20 == 0 {
            polls += 1;
            if polls > CALIBRATION_POLLS {
                let _ = gate.out8(PIT_GATE, ctl);
                return None;
            }
        }
        let ticks = rdtsc().wrapping_sub(start);
        gate.out8(PIT_GATE, ctl).ok()?;
        let hz = u128::from(ticks) * u128::from(PIT_HZ) / u128::from(CALIBRATION_COUNTS);
        Clock::from_hz(u64::try_from(hz).ok()?)
    }

    /// The TSC's frequency in Hz.
    pub fn hz(self) -> u64 {
        self.hz
    }

    /// `ticks` of the TSC in nanoseconds (saturating at `u64::MAX`).
    pub fn ticks_to_ns(self, ticks: u64) -> u64 {
        let ns = u128::from(ticks) * u128::from(NS_PER_S) / u128::from(self.hz);
        u64::try_from(ns).unwrap_or(u64::MAX)
    }

    /// Nanoseconds since the processor started (`rdtsc`, scaled): never
    /// decreasing, and needing no capability.
    pub fn now_ns(self) -> u64 {
        self.ticks_to_ns(rdtsc())
    }
}

/// What went wrong setting the timer up or using it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// [`init`] was called before (or is running on another thread).
    AlreadyStarted,
    /// No slot or untyped memory for a capability the timer needs.
    Alloc(AllocError),
    /// The heap has no room for the timer's state or its lists.
    OutOfHeap,
    /// The PIT did not count during the calibration.
    Calibration,
    /// The timer's thread could not be started.
    Spawn(SpawnError),
    /// The kernel refused an invocation (issuing ports, the IRQ handler,
    /// programming the PIT).
    Kernel(sel4::Error),
    /// Every notification of the sleeper pool is in use: add some with
    /// [`Timer::add_sleepers`] and try again.
    NoNotification,
}

impl From<AllocError> for Error {
    fn from(e: AllocError) -> Self {
        Error::Alloc(e)
    }
}

impl From<sel4::Error> for Error {
    fn from(e: sel4::Error) -> Self {
        Error::Kernel(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::AlreadyStarted => f.write_str("the timer is already started"),
            Error::Alloc(e) => write!(f, "timer: {e}"),
            Error::OutOfHeap => f.write_str("timer: out of heap"),
            Error::Calibration => f.write_str("timer: the PIT does not count"),
            Error::Spawn(e) => write!(f, "timer thread: {e}"),
            Error::Kernel(e) => write!(f, "timer: kernel error: {e}"),
            Error::NoNotification => f.write_str("timer: no notification free for a sleeper"),
        }
    }
}

/// How [`init_with`] sets the timer up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// The vector of the PIT's interrupt on IOAPIC kernels (see
    /// [`cap::IrqControl::get_ioapic`]); [`DEFAULT_VECTOR`].
    pub vector: Word,
    /// The timer thread's priority; [`DEFAULT_PRIORITY`].
    pub priority: u8,
    /// Notifications for the sleeper pool; [`DEFAULT_SLEEPERS`].
    pub sleepers: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            vector: DEFAULT_VECTOR,
            priority: DEFAULT_PRIORITY,
            sleepers: DEFAULT_SLEEPERS,
        }
    }
}

/// An alarm set with [`Timer::signal_at`], to [`cancel`](Timer::cancel) it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alarm(u64);

impl Alarm {
    /// The alarm's number: alarms are numbered from 0 in the order they are
    /// set, so a number says which of two alarms was set first.
    pub fn id(self) -> u64 {
        self.0
    }
}

/// A deadline in the list: at `deadline`, signal `notification`.
#[derive(Debug, Clone, Copy)]
struct Entry {
    deadline: u64,
    notification: cap::Notification,
    id: u64,
}

/// What the timer's lock guards.
struct State {
    entries: Vec<Entry>,
    /// Free notifications for sleepers.
    pool: Vec<cap::Notification>,
    /// When the PIT's programmed interrupt comes (ns), if it is armed.
    armed: Option<u64>,
    next_id: u64,
    interrupts: u64,
}

impl State {
    /// The index of the entry with the earliest deadline at or before
    /// `limit`.
    fn earliest(&self, limit: u64) -> Option<usize> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.deadline <= limit)
            .min_by_key(|(_, e)| e.deadline)
            .map(|(i, _)| i)
    }

    /// The earliest deadline that will come, if any.
    fn next_deadline(&self) -> Option<u64> {
        self.earliest(FOREVER - 1).map(|i| self.entries[i].deadline)
    }

    fn position(&self, id: u64) -> Option<usize> {
        self.entries.iter().position(|e| e.id == id)
    }

    /// Adds an entry; the caller has reserved room for it.
    fn push(&mut self, deadline: u64, notification: cap::Notification) -> u64 {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        self.entries.push(Entry {
            deadline,
            notification,
            id,
        });
        id
    }
}

/// The system's timer (see the crate documentation): from [`init`] or
/// [`get`].
pub struct Timer {
    clock: Clock,
    pit: cap::IoPort,
    irq: cap::IrqHandler,
    irq_notification: cap::Notification,
    state: Mutex<State>,
}

static STARTED: AtomicBool = AtomicBool::new(false);
static TIMER: spin::Once<&'static Timer> = spin::Once::new();

/// Sets up the system's timer with the default [`Config`] (see
/// [`init_with`]).
pub fn init(objects: &mut ObjectAllocator) -> Result<&'static Timer, Error> {
    init_with(objects, Config::default())
}

/// Sets up the system's timer, once: issues the PIT's I/O ports
/// (`seL4_X86_IOPortControl_Issue`, or a copy of seL4 5.0's port
/// capability), calibrates the TSC ([`Clock::calibrate`]), stops PIT channel
/// 0, takes IRQ 0's handler ([`cap::IrqControl::get_isa`]), binds it to a
/// notification (`seL4_IRQHandler_SetNotification`, `seL4_IRQHandler_Ack`),
/// fills the sleeper pool and starts the timer thread at `config.priority`
/// (which the calling thread must be allowed to give: on seL4 5.0 its own
/// maximum controlled priority counts, so call this from a root task's
/// `main`).
///
/// [`Error::AlreadyStarted`] if it was set up before; on any other error
/// the capabilities made so far are deleted and `init` may be tried again.
pub fn init_with(objects: &mut ObjectAllocator, config: Config) -> Result<&'static Timer, Error> {
    if STARTED.swap(true, Ordering::AcqRel) {
        return Err(Error::AlreadyStarted);
    }
    let mut made = Made::default();
    match start(objects, config, &mut made) {
        Ok(timer) => Ok(*TIMER.call_once(|| timer)),
        Err(e) => {
            made.delete(objects);
            STARTED.store(false, Ordering::Release);
            Err(e)
        }
    }
}

/// The system's timer, once [`init`] has set it up.
pub fn get() -> Option<&'static Timer> {
    TIMER.get().copied()
}

/// Slots filled during start-up, deleted again if it fails.
#[derive(Default)]
struct Made {
    slots: [CPtr; 8],
    count: usize,
    /// The pool's notifications (already in the leaked state or not).
    pool: Vec<CPtr>,
}

impl Made {
    fn add(&mut self, slot: CPtr) {
        if let Some(s) = self.slots.get_mut(self.count) {
            *s = slot;
            self.count += 1;
        }
    }

    fn delete(&mut self, objects: &mut ObjectAllocator) {
        for &slot in self
            .pool
            .iter()
            .chain(self.slots[..self.count].iter().rev())
        {
            let _ = objects.delete(slot);
        }
    }
}

fn issue_ports(
    objects: &mut ObjectAllocator,
    made: &mut Made,
    first: u16,
    last: u16,
) -> Result<cap::IoPort, Error> {
    let slot = objects.alloc_slot()?;
    match sel4::issue_io_ports(first, last, &objects.slot(slot)) {
        Ok(ports) => {
            made.add(slot);
            Ok(ports)
        }
        Err(e) => {
            objects.free_slot(slot);
            Err(e.into())
        }
    }
}

fn notification(objects: &mut ObjectAllocator) -> Result<cap::Notification, AllocError> {
    objects.allocate(ObjectType::Notification, 0)
}

fn start(
    objects: &mut ObjectAllocator,
    config: Config,
    made: &mut Made,
) -> Result<&'static Timer, Error> {
    let pit = issue_ports(objects, made, PIT_CHANNEL0, PIT_COMMAND)?;
    let gate = issue_ports(objects, made, PIT_GATE, PIT_GATE)?;
    let clock = Clock::calibrate(pit, gate).ok_or(Error::Calibration)?;
    // Channel 0 may still run in the mode the firmware or the kernel's boot
    // left it in (periodic): a command without a count stops it.
    pit.out8(PIT_COMMAND, PIT_CHANNEL0_ONE_SHOT)?;

    let irq_slot = objects.alloc_slot()?;
    let irq = match sel4::init_thread::IRQ_CONTROL.get_isa(
        &objects.slot(irq_slot),
        PIT_ISA_IRQ,
        config.vector,
    ) {
        Ok(irq) => irq,
        Err(e) => {
            objects.free_slot(irq_slot);
            return Err(e.into());
        }
    };
    made.add(irq_slot);
    let irq_notification = notification(objects)?;
    made.add(irq_notification.cptr());
    let lock = notification(objects)?;
    made.add(lock.cptr());
    irq.set_notification(irq_notification)?;
    // In case the pin fired (and was masked) before it had a notification.
    irq.ack()?;

    let mut state = State {
        entries: Vec::new(),
        pool: Vec::new(),
        armed: None,
        next_id: 0,
        interrupts: 0,
    };
    reserve(&mut state, config.sleepers)?;
    made.pool
        .try_reserve(config.sleepers)
        .map_err(|_| Error::OutOfHeap)?;
    for _ in 0..config.sleepers {
        let n = notification(objects)?;
        made.pool.push(n.cptr());
        state.pool.push(n);
    }

    let mut cell: Vec<Timer> = Vec::new();
    cell.try_reserve_exact(1).map_err(|_| Error::OutOfHeap)?;
    cell.push(Timer {
        clock,
        pit,
        irq,
        irq_notification,
        state: Mutex::with_notification(state, lock),
    });
    let timer: &'static Timer = &cell.leak()[0];
    // Dropping the handle detaches the thread: it serves for good.
    substrate_thread::Builder::new()
        .stack_size(THREAD_STACK_SIZE)
        .priority(config.priority)
        .name("timer")
        .spawn(objects, move || -> () { timer.serve() })
        .map_err(Error::Spawn)?;
    Ok(timer)
}

/// Makes room in `state` for `n` more sleepers (the pool and the list).
fn reserve(state: &mut State, n: usize) -> Result<(), Error> {
    state.pool.try_reserve(n).map_err(|_| Error::OutOfHeap)?;
    state.entries.try_reserve(n).map_err(|_| Error::OutOfHeap)
}

/// Nanoseconds until `deadline` in PIT counts, rounded up, within
/// 1..=[`PIT_MAX_COUNT`].
fn pit_count(ns: u64) -> u16 {
    let counts = (u128::from(ns) * u128::from(PIT_HZ)).div_ceil(u128::from(NS_PER_S));
    counts.clamp(1, u128::from(PIT_MAX_COUNT)) as u16
}

impl Timer {
    /// The calibrated clock.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Nanoseconds since the processor started ([`Clock::now_ns`]).
    pub fn now_ns(&self) -> u64 {
        self.clock.now_ns()
    }

    /// PIT interrupts the timer thread has handled so far.
    pub fn interrupts(&self) -> u64 {
        self.state.lock().interrupts
    }

    /// Blocks the calling thread until [`now_ns`](Self::now_ns) reaches
    /// `deadline_ns` (returns at once if it has; never for [`FOREVER`]):
    /// `seL4_Wait` on a notification from the sleeper pool, which the timer
    /// thread signals (`seL4_Signal`) after the PIT's interrupt; the PIT is
    /// reprogrammed (`seL4_X86_IOPort_Out8`) if this deadline comes first.
    ///
    /// [`Error::NoNotification`] if the pool is empty (add to it with
    /// [`add_sleepers`](Self::add_sleepers)); [`Error::Kernel`] if
    /// programming the PIT fails. Either way nothing is left behind.
    pub fn sleep_until(&self, deadline_ns: u64) -> Result<(), Error> {
        if deadline_ns <= self.now_ns() {
            return Ok(());
        }
        let (ntfn, id) = {
            let mut st = self.state.lock();
            let Some(ntfn) = st.pool.pop() else {
                return Err(Error::NoNotification);
            };
            if st.entries.try_reserve(1).is_err() {
                st.pool.push(ntfn);
                return Err(Error::OutOfHeap);
            }
            let id = st.push(deadline_ns, ntfn);
            if let Err(e) = self.arm_for(&mut st, deadline_ns) {
                if let Some(i) = st.position(id) {
                    st.entries.swap_remove(i);
                }
                st.pool.push(ntfn);
                return Err(e.into());
            }
            (ntfn, id)
        };
        loop {
            ntfn.wait();
            let mut st = self.state.lock();
            // The timer removes the entry before it signals: still there
            // means a signal from elsewhere; sleep on.
            if st.position(id).is_none() {
                st.pool.push(ntfn);
                return Ok(());
            }
        }
    }

    /// Sleeps for `ns` nanoseconds (see [`sleep_until`](Self::sleep_until));
    /// a duration that takes the deadline past the clock's end sleeps
    /// [`FOREVER`].
    pub fn sleep_ns(&self, ns: u64) -> Result<(), Error> {
        self.sleep_until(self.now_ns().saturating_add(ns))
    }

    /// Sleeps for `duration` (see [`sleep_ns`](Self::sleep_ns)), saturating
    /// in the same way.
    pub fn sleep(&self, duration: Duration) -> Result<(), Error> {
        self.sleep_ns(u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX))
    }

    /// Signals `notification` (`seL4_Signal`) once [`now_ns`](Self::now_ns)
    /// reaches `deadline_ns`, from the timer thread; at once if it already
    /// has, and never for [`FOREVER`]. The notification stays the caller's:
    /// a badged capability makes the signal recognisable among others on the
    /// same notification. [`Error::OutOfHeap`] if the list cannot grow,
    /// [`Error::Kernel`] if programming the PIT fails.
    pub fn signal_at(
        &self,
        deadline_ns: u64,
        notification: cap::Notification,
    ) -> Result<Alarm, Error> {
        let mut st = self.state.lock();
        let id = st.next_id;
        if deadline_ns <= self.now_ns() {
            st.next_id = st.next_id.wrapping_add(1);
            notification.signal();
            return Ok(Alarm(id));
        }
        st.entries.try_reserve(1).map_err(|_| Error::OutOfHeap)?;
        let id = st.push(deadline_ns, notification);
        if let Err(e) = self.arm_for(&mut st, deadline_ns) {
            if let Some(i) = st.position(id) {
                st.entries.swap_remove(i);
            }
            return Err(e.into());
        }
        Ok(Alarm(id))
    }

    /// Whether an alarm of [`signal_at`](Self::signal_at) is still to fire
    /// (neither fired nor cancelled). Once this says `false` the alarm's
    /// signal has been sent: the timer's thread signals under the lock this
    /// takes.
    pub fn is_pending(&self, alarm: Alarm) -> bool {
        self.state.lock().position(alarm.0).is_some()
    }

    /// Takes back an alarm of [`signal_at`](Self::signal_at): `true` if it
    /// had not fired (it never will), `false` if it has (its signal may be
    /// pending on the notification).
    pub fn cancel(&self, alarm: Alarm) -> bool {
        let mut st = self.state.lock();
        match st.position(alarm.0) {
            Some(i) => {
                st.entries.swap_remove(i);
                true
            }
            None => false,
        }
    }

    /// Adds `n` notifications (`seL4_Untyped_Retype`) to the sleeper pool:
    /// `n` more threads can sleep at once. [`Error::Alloc`] or
    /// [`Error::OutOfHeap`] when there is no room; the notifications added
    /// until then stay.
    pub fn add_sleepers(&self, objects: &mut ObjectAllocator, n: usize) -> Result<(), Error> {
        for _ in 0..n {
            let ntfn = notification(objects)?;
            let mut st = self.state.lock();
            if reserve(&mut st, 1).is_err() {
                drop(st);
                let _ = objects.delete(ntfn.cptr());
                return Err(Error::OutOfHeap);
            }
            st.pool.push(ntfn);
        }
        Ok(())
    }

    /// Arms the PIT for `deadline` unless it is [`FOREVER`] or the PIT is
    /// already armed to interrupt no later.
    fn arm_for(&self, st: &mut State, deadline: u64) -> sel4::Result<()> {
        if deadline == FOREVER || st.armed.is_some_and(|at| at <= deadline) {
            return Ok(());
        }
        self.arm(st, deadline, self.now_ns())
    }

    /// Programs PIT channel 0 one-shot for `deadline`, at most
    /// [`MAX_ARM_NS`] from `now` (`seL4_X86_IOPort_Out8`).
    fn arm(&self, st: &mut State, deadline: u64, now: u64) -> sel4::Result<()> {
        let count = pit_count(deadline.saturating_sub(now));
        st.armed = None;
        self.pit.out8(PIT_COMMAND, PIT_CHANNEL0_ONE_SHOT)?;
        self.pit.out8(PIT_CHANNEL0, count as u8)?;
        self.pit.out8(PIT_CHANNEL0, (count >> 8) as u8)?;
        st.armed = Some(now.saturating_add(u64::from(count) * NS_PER_S / PIT_HZ));
        Ok(())
    }

    /// The timer thread: for each interrupt, acknowledge it, wake the
    /// sleepers whose deadline has passed, re-arm for the next one.
    fn serve(&self) -> ! {
        loop {
            self.irq_notification.wait();
            // Unmask first: the interrupt of the count programmed below must
            // not find the pin masked.
            let _ = self.irq.ack();
            let mut st = self.state.lock();
            st.interrupts = st.interrupts.wrapping_add(1);
            st.armed = None;
            let now = self.now_ns();
            while let Some(i) = st.earliest(now) {
                let entry = st.entries.swap_remove(i);
                entry.notification.signal();
            }
            if let Some(next) = st.next_deadline() {
                // Nothing to do about a failure here: the next sleeper that
                // comes along programs the PIT again.
                let _ = self.arm(&mut st, next, now);
            }
        }
    }
}
