//! The Rust runtime of a component in a system (`system.toml`), in the
//! style of the seL4 Microkit's protection domains.
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//! use sel4_system_component::{Channel, Handler, MessageInfo};
//!
//! struct Counter(u64);
//!
//! impl Handler for Counter {
//!     fn notified(&mut self, channel: Channel) {
//!         self.0 += 1;
//!         let _ = channel.notify(); // and back
//!     }
//!     fn protected(&mut self, _channel: Channel, msg: MessageInfo) -> MessageInfo {
//!         sel4_system_component::set_mr(0, self.0);
//!         MessageInfo::new(msg.label(), 0, 1)
//!     }
//! }
//!
//! fn init() -> Counter {
//!     Counter(0)
//! }
//!
//! sel4_system_component::component!(init);
//! ```
//!
//! with `build.rs` containing `fn main() { substrate_build::component(); }`.
//!
//! # What a component gets
//!
//! The system initializer starts it with the capabilities its description
//! grants and a read-only [`SystemInfo`] page that says where they are
//! ([`info`]). [`component!`] adds the entry point, a panic handler (the
//! panic is printed and the component exits with status 101) and a global
//! allocator on the heap the initializer mapped (its size is the
//! description's `heap`). It calls `init`, then serves events forever:
//!
//! * a peer's notification on channel `id`, or an interrupt the
//!   description routes to `id`: [`Handler::notified`];
//! * a protected call from the peer of channel `id`: [`Handler::protected`],
//!   whose return value is the reply (message registers through [`mr`]
//!   and [`set_mr`]);
//! * the peer of a channel was restarted after a fault:
//!   [`Handler::peer_restarted`];
//! * the component's alarm went off ([`time::set_alarm`], for a component
//!   whose description says `timer = true`): [`Handler::timer`].
//!
//! A component that serves protected calls waits on its endpoint with its
//! notification bound (one `seL4_Recv` for both); others wait on the
//! notification (`seL4_Wait`). Nothing polls. [`exit`] ends the component.
#![no_std]

use core::sync::atomic::{AtomicU64, Ordering};

use sel4::{cap, Cap, Word};

pub use sel4;
pub use sel4::MessageInfo;
pub use sel4_system_abi as abi;
pub use sel4_system_abi::SystemInfo;
pub use substrate_component::exit;

/// The static arena the heap starts on before `init` runs (the runtime's
/// own start-up allocations fit in it); the rest of the heap is the
/// region the initializer mapped.
pub const ARENA: usize = 16 * 1024;

/// The component's global allocator: dlmalloc on [`ARENA`], then on the
/// heap the initializer mapped at [`abi::HEAP_VADDR`].
pub type Heap = substrate_heap::FrameHeap<ARENA>;

/// The component's [`SystemInfo`] page (mapped read-only by the
/// initializer before the component started).
pub fn info() -> &'static SystemInfo {
    // SAFETY: the initializer maps the page read-only at INFO_VADDR before
    // the thread starts and never unmaps it; it changes only the restart
    // counters, plain integers read as whole words.
    unsafe { &*(abi::INFO_VADDR as *const SystemInfo) }
}

/// The page as a raw pointer, for the counters the initializer changes.
fn page() -> *const SystemInfo {
    abi::INFO_VADDR as *const SystemInfo
}

/// The component's name in the system description.
pub fn name() -> &'static str {
    abi::name_str(&info().name)
}

/// How often this component has been restarted.
pub fn restarts() -> u64 {
    // SAFETY: as in `info`; a volatile read, as the initializer updates it.
    unsafe { core::ptr::addr_of!((*page()).restarts).read_volatile() }
}

/// Message register `i` of the current message (`seL4_GetMR`).
pub fn mr(i: usize) -> Word {
    // SAFETY: components run one thread; the IpcBuffer lives only here.
    unsafe { sel4::IpcBuffer::current() }.msg_regs()[i]
}

/// Sets message register `i` of the next message (`seL4_SetMR`).
pub fn set_mr(i: usize, value: Word) {
    // SAFETY: as in `mr`.
    unsafe { sel4::IpcBuffer::current() }.msg_regs()[i] = value;
}

/// Why a channel operation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelError {
    /// The description gives this component no such channel (or not this
    /// use of it: a call where it may only notify). Nothing was sent.
    NotGranted,
    /// The peer faulted before answering the call and was restarted
    /// ([`abi::PEER_RESTARTED_LABEL`]); calling again reaches its new run.
    PeerRestarted,
}

impl core::fmt::Display for ChannelError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            ChannelError::NotGranted => "the description grants no such channel",
            ChannelError::PeerRestarted => "the peer was restarted before it answered",
        })
    }
}

/// A channel of this component, by its id in the description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Channel(u8);

impl Channel {
    /// Channel `id` (whether the description grants it is checked when it
    /// is used).
    pub const fn new(id: u8) -> Self {
        Channel(id)
    }

    /// Its id.
    pub const fn id(self) -> u8 {
        self.0
    }

    fn entry(self) -> Option<&'static abi::Channel> {
        info()
            .channels
            .get(self.0 as usize)
            .filter(|c| c.flags != 0)
    }

    /// Signals the peer (`seL4_Signal` on the peer's notification, badged
    /// with the peer's id for this channel).
    pub fn notify(self) -> Result<(), ChannelError> {
        let c = self.entry().filter(|c| c.notify_slot != 0);
        let c = c.ok_or(ChannelError::NotGranted)?;
        Cap::<sel4::cap_type::Notification>::from_cptr(c.notify_slot).signal();
        Ok(())
    }

    /// Makes a protected call to the peer (`seL4_Call` on its endpoint,
    /// badged with the peer's id for this channel) and returns its reply;
    /// message registers through [`mr`] and [`set_mr`].
    pub fn call(self, msg: MessageInfo) -> Result<MessageInfo, ChannelError> {
        let c = self.entry().filter(|c| c.flags & abi::CHANNEL_CALLS != 0);
        let c = c.ok_or(ChannelError::NotGranted)?;
        let reply = Cap::<sel4::cap_type::Endpoint>::from_cptr(c.call_slot).call(msg);
        if reply.label() == abi::PEER_RESTARTED_LABEL {
            return Err(ChannelError::PeerRestarted);
        }
        Ok(reply)
    }

    /// Acknowledges the interrupt delivered on this channel, so the next
    /// one can come (`seL4_IRQHandler_Ack`).
    pub fn irq_ack(self) -> Result<(), ChannelError> {
        let irq = info()
            .valid_irqs()
            .iter()
            .find(|q| q.channel == self.0 as u64)
            .ok_or(ChannelError::NotGranted)?;
        Cap::<sel4::cap_type::IrqHandler>::from_cptr(irq.handler_slot)
            .ack()
            .map_err(|_| ChannelError::NotGranted)
    }

    /// How often the peer has been restarted.
    pub fn peer_restarts(self) -> u64 {
        match self.entry() {
            // SAFETY: the page is mapped (see `info`) and `id` is in range
            // (`entry` found it); the initializer updates this counter, so
            // read it afresh through the raw pointer.
            Some(_) => unsafe {
                core::ptr::addr_of!((*page()).channels[self.0 as usize].peer_restarts)
                    .read_volatile()
            },
            None => 0,
        }
    }
}

/// What a component does with its events. Every method has a default:
/// notifications are ignored, calls are answered with label 0 and no
/// words, restarts of peers are ignored.
pub trait Handler {
    /// The peer of `channel` signalled it, or its interrupt arrived.
    fn notified(&mut self, channel: Channel) {
        let _ = channel;
    }

    /// The peer of `channel` made a protected call; the return value is
    /// the reply.
    fn protected(&mut self, channel: Channel, msg: MessageInfo) -> MessageInfo {
        let _ = (channel, msg);
        MessageInfo::new(0, 0, 0)
    }

    /// The peer of `channel` faulted and was restarted from its initial
    /// state (the counter in [`Channel::peer_restarts`] went up).
    fn peer_restarted(&mut self, channel: Channel) {
        let _ = channel;
    }

    /// A component this one supervises (`supervisor = "<this>"` in its
    /// description) faulted; the kernel stopped it. Return what to do:
    /// [`FaultAction::Restart`] asks the initializer to restart it from
    /// its initial state (if its description says `restart = true`), and
    /// the result arrives in [`Handler::restart_result`]. The default stops it.
    fn fault(&mut self, child: Child, fault: sel4::Fault) -> FaultAction {
        let _ = (child, fault);
        FaultAction::Stop
    }

    /// The initializer's answer to a restart this supervisor asked for.
    fn restart_result(&mut self, child: Child, result: Result<(), abi::RestartError>) {
        let _ = (child, result);
    }

    /// The alarm set with [`time::set_alarm`] went off: its deadline has
    /// passed.
    fn timer(&mut self) {}
}

/// What a supervisor does with a child's fault ([`Handler::fault`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultAction {
    /// Leave it stopped.
    Stop,
    /// Restart it from its initial state.
    Restart,
}

/// A component this one supervises, by its index in
/// [`SystemInfo::children`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Child(u8);

impl Child {
    /// Its index among this component's children.
    pub const fn index(self) -> u8 {
        self.0
    }

    /// Its name in the description.
    pub fn name(self) -> &'static str {
        let info = info();
        match info.children[..info.child_count as usize].get(self.0 as usize) {
            Some(c) => abi::name_str(&c.name),
            None => "?",
        }
    }
}

/// Where the heap's pages come from: the initializer mapped all of them
/// before the component started, so "mapping" hands out the next ones.
struct Premapped {
    end: usize,
}

// SAFETY: the pages from HEAP_VADDR to `end` are mapped read-write and
// zeroed by the initializer (fresh frames, zeroed again on a restart),
// used by nothing but this heap, and only ever reported once each (the
// heap asks for the pages after those it has).
unsafe impl substrate_heap::PageSource for Premapped {
    fn map_pages(&mut self, vaddr: usize, pages: usize) -> usize {
        if vaddr >= self.end {
            return 0;
        }
        pages.min((self.end - vaddr) / substrate_heap::PAGE_SIZE)
    }

    fn growth_step(&self) -> usize {
        2 << 20
    }
}

/// What the runtime of a component in any language does first: checks
/// that the component was started by a system initializer (its
/// information page) and routes its console to the initializer. `false`
/// (with a message) outside a system.
pub fn start() -> bool {
    let info = info();
    if info.magic == abi::MAGIC {
        sel4::set_console_sink(Some(console_write));
    }
    if info.magic != abi::MAGIC || info.version != abi::VERSION {
        sel4::debug_println!("component: no system information page; started outside a system?");
        return false;
    }
    true
}

/// The peer restart counters now: [`serve`] reports changes from them.
pub fn restart_counters() -> [u64; abi::MAX_CHANNELS] {
    let mut seen = [0u64; abi::MAX_CHANNELS];
    for (id, s) in seen.iter_mut().enumerate() {
        *s = Channel(id as u8).peer_restarts();
    }
    seen
}

/// Tells the initializer that `init` has returned, then serves events
/// with `handler` for ever (see the crate documentation); `seen` are the
/// restart counters from before `init` ([`restart_counters`]). For the
/// runtimes of other languages (C's `substrate_system_run`).
pub fn serve<H: Handler>(handler: &mut H, seen: [u64; abi::MAX_CHANNELS]) -> ! {
    init_done();
    serve_events(handler, seen)
}

/// Tells the initializer that `init` has returned (`INIT_DONE_LABEL`; it
/// reports the system's start-up cost once every component has): what a
/// runtime does before its first wait for events.
pub fn init_done() {
    substrate_component::endpoint().call(MessageInfo::new(abi::INIT_DONE_LABEL, 0, 0));
}

/// Runs `init` and then the event loop (called by [`component!`]'s entry).
#[doc(hidden)]
pub fn __run<H: Handler>(heap: &'static Heap, init: fn() -> H) -> Word {
    if !prepare(heap) {
        return substrate_component::abi::FAILURE_STATUS;
    }
    // Restarts of peers count from before `init`, which may already have
    // seen a peer fail.
    let seen = restart_counters();
    let mut handler = init();
    serve(&mut handler, seen)
}

/// Runs `main`, a runtime's own loop over [`Events`] (called by the entry
/// of `component!(loop = main)`, e.g. an async executor's), with the
/// restart counters from before it started ([`restart_counters`]); `main`
/// calls [`init_done`] before its first wait.
#[doc(hidden)]
pub fn __run_loop(heap: &'static Heap, main: fn([u64; abi::MAX_CHANNELS]) -> !) -> Word {
    if !prepare(heap) {
        return substrate_component::abi::FAILURE_STATUS;
    }
    main(restart_counters())
}

/// What every entry does first: checks the information page, routes the
/// console, gives the heap the memory the initializer mapped.
fn prepare(heap: &'static Heap) -> bool {
    if !start() {
        return false;
    }
    let info = info();
    if info.heap_size != 0 {
        static mut SOURCE: Premapped = Premapped { end: 0 };
        let base = info.heap_base as usize;
        let size = info.heap_size as usize;
        // SAFETY: `__run` runs once per start, before anything else uses
        // SOURCE; the heap keeps the only reference from here on.
        let source = unsafe {
            let s = &mut *core::ptr::addr_of_mut!(SOURCE);
            s.end = base + size;
            s
        };
        if heap.set_source(base, size, source).is_err() {
            sel4::debug_println!("component {}: its heap region is unusable", name());
            return false;
        }
    }
    true
}

/// The console line being written (components run one thread).
struct Line {
    bytes: [u8; abi::CONSOLE_BYTES],
    len: usize,
}

static mut LINE: Line = Line {
    bytes: [0; abi::CONSOLE_BYTES],
    len: 0,
};

/// The console sink: collects bytes and sends each line (or a full
/// buffer) to the initializer, which prints it whole.
fn console_write(bytes: &[u8]) {
    // SAFETY: a component runs one thread, and nothing here prints (which
    // would re-enter): LINE is only ever borrowed here, once at a time.
    let line = unsafe { &mut *core::ptr::addr_of_mut!(LINE) };
    for &b in bytes {
        line.bytes[line.len] = b;
        line.len += 1;
        if b == b'\n' || line.len == abi::CONSOLE_BYTES {
            send_line(&line.bytes[..line.len]);
            line.len = 0;
        }
    }
}

/// Calls the initializer with one console line ([`abi::CONSOLE_LABEL`]),
/// keeping the message registers it uses as they were, so that printing
/// between receiving a message and reading it changes nothing.
fn send_line(bytes: &[u8]) {
    const WORDS: usize = 1 + abi::CONSOLE_BYTES / 8;
    // SAFETY: components run one thread; the IpcBuffer lives only here.
    let mut ipc = unsafe { sel4::IpcBuffer::current() };
    let mrs = ipc.msg_regs();
    let words = 1 + bytes.len().div_ceil(8);
    let mut saved = [0; WORDS];
    saved[..words].copy_from_slice(&mrs[..words]);
    mrs[0] = bytes.len() as Word;
    for (i, chunk) in bytes.chunks(8).enumerate() {
        let mut word = [0u8; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        mrs[1 + i] = Word::from_le_bytes(word);
    }
    substrate_component::endpoint().call(MessageInfo::new(abi::CONSOLE_LABEL, 0, words));
    ipc.msg_regs()[..words].copy_from_slice(&saved[..words]);
}

/// One event of a component ([`Events::wait`]).
#[derive(Debug, Clone, Copy)]
pub enum Event {
    /// The peer of a channel was restarted (reported before the channel
    /// bits of the same wake-up).
    PeerRestarted(Channel),
    /// Channel bits signalled (bit `id` for channel `id`: a peer's
    /// notification or an interrupt); at least one is set.
    Notified(Word),
    /// A protected call on a channel: answer it with [`Events::reply`]
    /// before the next [`Events::wait`] (an unanswered call is answered
    /// with label 0 and no words then). Message registers through [`mr`].
    Call(Channel, MessageInfo),
    /// A supervised child faulted.
    Fault(Child, sel4::Fault),
    /// The alarm of [`time::set_alarm`] went off (its deadline has passed;
    /// a signal of an alarm since replaced or cancelled is not reported).
    Timer,
}

/// The component's events, one at a time: the event loop for runtimes
/// that do not use [`Handler`] (C's `substrate_system_wait`, OCaml's main
/// loop). It blocks in `seL4_Recv` on the endpoint (notification bound)
/// or `seL4_Wait` on the notification.
pub struct Events {
    seen: [u64; abi::MAX_CHANNELS],
    /// Restarted peers and channel bits not handed out yet.
    queued_restarts: u32,
    queued_bits: Word,
    /// The reply to the current call, if one is being served.
    in_call: bool,
    answer: Option<MessageInfo>,
}

impl Events {
    /// Events from now on; `seen` are the restart counters from before
    /// `init` ([`restart_counters`]).
    pub fn new(seen: [u64; abi::MAX_CHANNELS]) -> Self {
        Events {
            seen,
            queued_restarts: 0,
            queued_bits: 0,
            in_call: false,
            answer: None,
        }
    }

    /// Sets the reply to the current call (sent when the next event is
    /// waited for). Ignored when no call is being served.
    pub fn reply(&mut self, msg: MessageInfo) {
        if self.in_call {
            self.answer = Some(msg);
        }
    }

    /// Waits for the next event, first answering the call served last.
    pub fn wait(&mut self) -> Event {
        loop {
            if self.queued_restarts != 0 {
                let id = self.queued_restarts.trailing_zeros();
                self.queued_restarts &= !(1 << id);
                return Event::PeerRestarted(Channel(id as u8));
            }
            if self.queued_bits != 0 {
                return Event::Notified(core::mem::take(&mut self.queued_bits));
            }
            // What a blocking sleep saw while it waited (time::sleep_until).
            let stashed = STASHED_BITS.swap(0, Ordering::AcqRel);
            let (msg, badge) = if stashed != 0 {
                (MessageInfo::new(0, 0, 0), stashed)
            } else {
                self.receive()
            };
            if badge & abi::FAULT_FLAG != 0 {
                // A child's fault, sent by the kernel; it stays stopped
                // unless restarted (never answered: a restart abandons it).
                let child = Child((badge & 0xff) as u8);
                // SAFETY: components run one thread; the IpcBuffer lives only here.
                let fault = sel4::Fault::new(msg, unsafe { sel4::IpcBuffer::current() }.msg_regs());
                let fault = fault.unwrap_or(sel4::Fault::Other {
                    label: msg.label(),
                    length: msg.length(),
                });
                return Event::Fault(child, fault);
            }
            if badge & abi::CALL_FLAG != 0 {
                self.in_call = true;
                return Event::Call(Channel((badge & 0xff) as u8), msg);
            }
            if badge & (1 << abi::CONTROL_BIT) != 0 {
                for (id, s) in self.seen.iter_mut().enumerate() {
                    let now = Channel(id as u8).peer_restarts();
                    if now != *s {
                        *s = now;
                        self.queued_restarts |= 1 << id;
                    }
                }
            }
            self.queued_bits = badge & ((1 << abi::MAX_CHANNELS) - 1);
            if badge & (1 << abi::TIMER_BIT) != 0 && time::alarm_due() {
                return Event::Timer;
            }
        }
    }

    /// Answers the last call (if any) and receives the next message.
    fn receive(&mut self) -> (MessageInfo, Word) {
        let info = info();
        if info.endpoint_slot == 0 {
            let n: cap::Notification = Cap::from_cptr(info.notification_slot);
            return (MessageInfo::new(0, 0, 0), n.wait());
        }
        let endpoint: cap::Endpoint = Cap::from_cptr(info.endpoint_slot);
        #[cfg(sel4_mcs)]
        let reply = sel4::Reply::new(Cap::from_cptr(info.reply_slot));
        #[cfg(not(sel4_mcs))]
        let reply = sel4::Reply::implicit();
        let answer = if core::mem::take(&mut self.in_call) {
            Some(self.answer.take().unwrap_or(MessageInfo::new(0, 0, 0)))
        } else {
            None
        };
        // A restartable server on a non-MCS kernel keeps each caller's
        // reply capability in its reply slot (seL4_CNode_SaveCaller),
        // where the initializer finds it to answer the caller if this
        // component faults; it answers through that capability.
        #[cfg(not(sel4_mcs))]
        if info.restartable != 0 && info.cnode_slot != 0 {
            if let Some(a) = answer {
                Cap::<sel4::cap_type::Endpoint>::from_cptr(info.reply_slot).send(a);
            }
            let (msg, badge) = endpoint.recv(&reply);
            if badge & abi::CALL_FLAG != 0 {
                let slot = sel4::AbsoluteCPtr {
                    root: Cap::from_cptr(info.cnode_slot),
                    path: info.reply_slot,
                    depth: substrate_component::abi::CNODE_SIZE_BITS,
                };
                let _ = slot.save_caller();
            }
            return (msg, badge);
        }
        match answer {
            Some(a) => endpoint.reply_recv(a, &reply),
            None => endpoint.recv(&reply),
        }
    }
}

/// The event loop of a [`Handler`]: never returns.
fn serve_events<H: Handler>(h: &mut H, seen: [u64; abi::MAX_CHANNELS]) -> ! {
    let mut events = Events::new(seen);
    loop {
        match events.wait() {
            Event::PeerRestarted(channel) => h.peer_restarted(channel),
            Event::Notified(bits) => {
                for id in 0..abi::MAX_CHANNELS {
                    if bits & (1 << id) != 0 {
                        h.notified(Channel(id as u8));
                    }
                }
            }
            Event::Call(channel, msg) => {
                let answer = h.protected(channel, msg);
                events.reply(answer);
            }
            Event::Fault(child, fault) => {
                if h.fault(child, fault) == FaultAction::Restart {
                    let result = restart_child(child);
                    h.restart_result(child, result);
                }
            }
            Event::Timer => h.timer(),
        }
    }
}

/// Notification badge bits a blocking sleep received that were not its
/// alarm, for [`Events::wait`] to hand out.
static STASHED_BITS: AtomicU64 = AtomicU64::new(0);

/// The system's clock and the component's alarm.
///
/// The clock is the time-stamp counter (`rdtsc`, which a component reads
/// itself) at the frequency the initializer measured against the PIT
/// ([`SystemInfo::tsc_hz`]); it exists when some component of the system
/// has `timer = true`. A component with `timer = true` has one alarm
/// ([`set_alarm`](time::set_alarm)): the initializer's timer signals the component's
/// notification once the deadline has passed, which the event loop turns
/// into [`Handler::timer`] ([`Event::Timer`]), and [`sleep_until`](time::sleep_until) blocks
/// on it.
pub mod time {
    use super::*;

    /// The deadline of the alarm set last (`u64::MAX`: none).
    static DEADLINE: AtomicU64 = AtomicU64::new(u64::MAX);

    /// Why an alarm was not set.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum TimerError {
        /// The description does not say `timer = true` for this component.
        NotGranted,
        /// The initializer could not set it (its heap is full, or the
        /// kernel refused to program the PIT).
        Failed,
    }

    impl core::fmt::Display for TimerError {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.write_str(match self {
                TimerError::NotGranted => "the description gives this component no timer",
                TimerError::Failed => "the initializer could not set the alarm",
            })
        }
    }

    /// The system's clock: the TSC at the frequency the initializer
    /// measured, or `None` in a system without a timer.
    pub fn clock() -> Option<substrate_timer::Clock> {
        substrate_timer::Clock::from_hz(info().tsc_hz)
    }

    /// Nanoseconds of the system's clock (since the processor started), or
    /// `None` in a system without a timer.
    pub fn now_ns() -> Option<u64> {
        clock().map(substrate_timer::Clock::now_ns)
    }

    /// Sets the component's alarm for `deadline_ns` ([`now_ns`]'s clock),
    /// replacing the one it had: a call to the initializer
    /// ([`abi::TIMER_LABEL`]). A deadline that has passed goes off at once.
    pub fn set_alarm(deadline_ns: u64) -> Result<(), TimerError> {
        request(deadline_ns.min(u64::MAX - 1))
    }

    /// Cancels the alarm (a signal it sent already is not reported).
    pub fn cancel_alarm() -> Result<(), TimerError> {
        request(u64::MAX)
    }

    fn request(deadline: u64) -> Result<(), TimerError> {
        if info().timer == 0 {
            return Err(TimerError::NotGranted);
        }
        // Message register 0 as it was: an alarm set between receiving a
        // message and reading it changes nothing (as printing does not).
        let saved = mr(0);
        set_mr(0, deadline);
        DEADLINE.store(deadline, Ordering::Release);
        let reply = substrate_component::endpoint().call(MessageInfo::new(abi::TIMER_LABEL, 0, 1));
        set_mr(0, saved);
        match reply.label() {
            0 => Ok(()),
            abi::TIMER_NOT_GRANTED => Err(TimerError::NotGranted),
            _ => {
                DEADLINE.store(u64::MAX, Ordering::Release);
                Err(TimerError::Failed)
            }
        }
    }

    /// Whether the alarm's deadline has passed (its signal is then
    /// reported once; a signal of a replaced alarm is not).
    pub(crate) fn alarm_due() -> bool {
        let deadline = DEADLINE.load(Ordering::Acquire);
        if deadline == u64::MAX || now_ns().is_none_or(|now| now < deadline) {
            return false;
        }
        DEADLINE.store(u64::MAX, Ordering::Release);
        true
    }

    /// Blocks until `deadline_ns` has passed (`seL4_Wait` on the
    /// component's notification, woken by its alarm, which this replaces).
    /// Peers' signals that arrive meanwhile are kept for the event loop;
    /// calls wait on the endpoint until the loop receives them.
    pub fn sleep_until(deadline_ns: u64) -> Result<(), TimerError> {
        set_alarm(deadline_ns)?;
        let n: cap::Notification = Cap::from_cptr(info().notification_slot);
        loop {
            let badge = n.wait();
            let others = badge & !(1 << abi::TIMER_BIT);
            if others != 0 {
                STASHED_BITS.fetch_or(others, Ordering::AcqRel);
            }
            if badge & (1 << abi::TIMER_BIT) != 0 && alarm_due() {
                return Ok(());
            }
        }
    }

    /// Blocks for `ns` nanoseconds ([`sleep_until`]).
    pub fn sleep_ns(ns: u64) -> Result<(), TimerError> {
        let now = now_ns().ok_or(TimerError::NotGranted)?;
        sleep_until(now.saturating_add(ns))
    }
}

/// Asks the initializer to restart child `child` (`RESTART_LABEL` on the
/// parent endpoint; a [`Handler`] returns [`FaultAction::Restart`] for it).
pub fn restart_child(child: Child) -> Result<(), abi::RestartError> {
    set_mr(0, child.0 as Word);
    let reply = substrate_component::endpoint().call(MessageInfo::new(abi::RESTART_LABEL, 0, 1));
    abi::RestartError::from_reply_label(reply.label())
}

/// Defines the component's entry point, global allocator and panic
/// handler around `init`, a `fn() -> impl Handler` (see the crate
/// documentation). `component!(loop = main)` runs `main`, a
/// `fn([u64; abi::MAX_CHANNELS]) -> !`, instead of `init` and the
/// [`Handler`] loop: for a runtime with its own loop over [`Events`] (the
/// async executor, `sel4-system-executor`).
#[macro_export]
macro_rules! component {
    (loop = $main:path) => {
        $crate::component!(@entry |heap| $crate::__run_loop(heap, $main));
    };
    (@entry $run:expr) => {
        const _: () = {
            #[global_allocator]
            static __SEL4_SYSTEM_HEAP: $crate::Heap = $crate::Heap::new();

            #[panic_handler]
            fn __sel4_system_panic(info: &core::panic::PanicInfo<'_>) -> ! {
                $crate::__panic(info)
            }

            #[no_mangle]
            unsafe extern "C" fn _substrate_component_start(
                thread_pointer: usize,
                console: usize,
            ) -> ! {
                // SAFETY: the loader entered here with these arguments.
                unsafe {
                    $crate::__start(thread_pointer, console, |_parent| {
                        ($run)(&__SEL4_SYSTEM_HEAP)
                    })
                }
            }
        };
    };
    ($init:path) => {
        $crate::component!(@entry |heap| $crate::__run(heap, $init));
    };
}

#[doc(hidden)]
pub use substrate_component::__panic;

/// The component runtime's entry (see `substrate_component::__start`).
///
/// # Safety
/// Only the entry point [`component!`] defines calls this.
#[doc(hidden)]
pub unsafe fn __start(thread_pointer: usize, console: usize, main: fn(cap::Endpoint) -> Word) -> ! {
    // SAFETY: passed on from the entry point.
    unsafe { substrate_component::__start(thread_pointer, console, main) }
}
