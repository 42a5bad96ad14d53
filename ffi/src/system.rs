//! The C runtime of a component in a system (`system.toml`), in the style
//! of the seL4 Microkit: the Rust runtime's entry points
//! (`sel4-system-component`) as C functions.
//!
//! A C component's `main` is its `init`: it runs first (and may notify and
//! call), then hands its handlers to [`substrate_system_run`], which
//! serves events for ever:
//!
//! ```c
//! static void notified(uint32_t channel) { substrate_system_notify(channel); }
//! static substrate_msg_t protected(uint32_t channel, substrate_msg_t msg) {
//!     substrate_system_set_mr(0, substrate_system_mr(0) * 2);
//!     return (substrate_msg_t){ .label = msg.label, .length = 1 };
//! }
//! int main(void) { return substrate_system_run(notified, protected, NULL); }
//! ```
//!
//! `sel4-cc --component` links it (`libsel4_system_c_component.a`). In a
//! component `malloc` works on the heap the initializer mapped, `printf`
//! prints whole lines through the initializer, `exit` ends the component
//! (the initializer reports its status), and the C ABI's pointer checks
//! accept the memory regions the description maps, with their rights.

use core::ffi::{c_char, c_void};
use core::sync::atomic::{AtomicBool, Ordering};

use sel4::{MessageInfo, Word};
use sel4_system_abi as abi;
use sel4_system_component::{self as component, Channel, ChannelError, Handler};

use crate::status::*;

static IN_COMPONENT: AtomicBool = AtomicBool::new(false);

/// The peer restart counters from before C's `main` (its `init`).
static SEEN: spin::Once<[u64; abi::MAX_CHANNELS]> = spin::Once::new();

/// Whether this program is a system component (its runtime called
/// [`enter_component`]).
pub fn in_component() -> bool {
    IN_COMPONENT.load(Ordering::Acquire)
}

/// Called by the C component runtime before C `main`: checks the system
/// information page, routes the console to the initializer and lets
/// `sbrk` use the heap the initializer mapped. `false` outside a system.
pub fn enter_component() -> bool {
    if !component::start() {
        return false;
    }
    let info = component::info();
    crate::sbrk::use_premapped(info.heap_base as usize, info.heap_size as usize);
    SEEN.call_once(component::restart_counters);
    IN_COMPONENT.store(true, Ordering::Release);
    true
}

/// Whether `range` lies in the component's stack, in one memory region
/// its description maps (writable ones only if `write`), or in its
/// information page (reads only).
pub fn is_region(range: &core::ops::Range<usize>, write: bool) -> bool {
    if !in_component() {
        return false;
    }
    let info = component::info();
    let stack = info.stack_bottom as usize..info.stack_top as usize;
    if stack.start <= range.start && range.end <= stack.end {
        return true;
    }
    let page = abi::INFO_VADDR..abi::INFO_VADDR + 4096;
    if !write && page.start <= range.start && range.end <= page.end {
        return true;
    }
    info.valid_regions().iter().any(|r| {
        let start = r.vaddr as usize;
        let end = start.saturating_add(r.size as usize);
        start <= range.start && range.end <= end && (!write || r.flags & abi::REGION_WRITE != 0)
    })
}

/// A message as C sees it: a label and how many message registers
/// (`substrate_system_mr`) it carries.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct substrate_msg_t {
    /// The label (20 bits on seL4 5.0).
    pub label: u64,
    /// Message registers used, at most 120.
    pub length: u32,
}

/// What a peer's notification (or an interrupt) on `channel` calls.
pub type substrate_notified_fn = Option<unsafe extern "C" fn(channel: u32)>;
/// What a protected call on `channel` calls; its result is the reply.
pub type substrate_protected_fn =
    Option<unsafe extern "C" fn(channel: u32, msg: substrate_msg_t) -> substrate_msg_t>;
/// What a peer's restart (on `channel`) calls.
pub type substrate_peer_restarted_fn = Option<unsafe extern "C" fn(channel: u32)>;

fn to_info(m: substrate_msg_t) -> MessageInfo {
    MessageInfo::try_new(m.label as Word, 0, (m.length as usize).min(120))
        .unwrap_or(MessageInfo::new(0, 0, 0))
}

fn from_info(m: MessageInfo) -> substrate_msg_t {
    substrate_msg_t {
        label: m.label() as u64,
        length: m.length() as u32,
    }
}

struct CHandler {
    notified: substrate_notified_fn,
    protected: substrate_protected_fn,
    peer_restarted: substrate_peer_restarted_fn,
}

impl Handler for CHandler {
    fn notified(&mut self, channel: Channel) {
        if let Some(f) = self.notified {
            // SAFETY: a C function of this signature, given by the program.
            unsafe { f(channel.id() as u32) }
        }
    }

    fn protected(&mut self, channel: Channel, msg: MessageInfo) -> MessageInfo {
        match self.protected {
            // SAFETY: as above.
            Some(f) => to_info(unsafe { f(channel.id() as u32, from_info(msg)) }),
            None => MessageInfo::new(0, 0, 0),
        }
    }

    fn peer_restarted(&mut self, channel: Channel) {
        if let Some(f) = self.peer_restarted {
            // SAFETY: as above.
            unsafe { f(channel.id() as u32) }
        }
    }
}

/// Serves the component's events for ever (the C face of the Rust
/// runtime's event loop): `notified` for a peer's signal or an interrupt,
/// `protected` for a call (its result is the reply), `peer_restarted` when
/// a peer was restarted; any may be NULL. Call it at the end of `main`,
/// which is the component's `init`. Returns only `SUBSTRATE_ENOSYS`,
/// outside a system component.
///
/// # Safety
/// The functions must have these signatures.
#[no_mangle]
pub unsafe extern "C" fn substrate_system_run(
    notified: substrate_notified_fn,
    protected: substrate_protected_fn,
    peer_restarted: substrate_peer_restarted_fn,
) -> i32 {
    if !in_component() {
        return SUBSTRATE_ENOSYS;
    }
    let mut handler = CHandler {
        notified,
        protected,
        peer_restarted,
    };
    let seen = SEEN
        .get()
        .copied()
        .unwrap_or_else(component::restart_counters);
    component::serve(&mut handler, seen)
}

fn timer_error(e: component::time::TimerError) -> i32 {
    match e {
        component::time::TimerError::NotGranted => SUBSTRATE_EPERM,
        component::time::TimerError::Failed => SUBSTRATE_ENOMEM,
    }
}

/// Sets the component's alarm for `deadline_ns` of `substrate_time_ns()`'s
/// clock, replacing the one it had (`UINT64_MAX` cancels it): the event
/// loop reports `SUBSTRATE_SYSTEM_TIMER` once the deadline has passed (at
/// once if it has already). `SUBSTRATE_EPERM` if the description does not
/// say `timer = true`, `SUBSTRATE_ENOMEM` if the initializer could not set
/// it, `SUBSTRATE_ENOSYS` outside a system component.
#[no_mangle]
pub extern "C" fn substrate_system_set_alarm(deadline_ns: u64) -> i32 {
    if !in_component() {
        return SUBSTRATE_ENOSYS;
    }
    let set = if deadline_ns == u64::MAX {
        component::time::cancel_alarm()
    } else {
        component::time::set_alarm(deadline_ns)
    };
    code(set.map_err(timer_error))
}

/// The TSC's frequency in Hz as the initializer measured it, if the
/// system has a timer (some component's description says `timer = true`;
/// `substrate_time_ns` then counts real nanoseconds); 0 otherwise and
/// outside a system component.
#[no_mangle]
pub extern "C" fn substrate_system_tsc_hz() -> u64 {
    if !in_component() {
        return 0;
    }
    component::info().tsc_hz
}

/// `substrate_sleep_until_ns` in a component: blocks on its alarm.
pub(crate) fn sleep_until(deadline_ns: u64) -> i32 {
    code(component::time::sleep_until(deadline_ns).map_err(timer_error))
}

fn channel(id: u32) -> Result<Channel, i32> {
    if !in_component() {
        return Err(SUBSTRATE_ENOSYS);
    }
    u8::try_from(id)
        .ok()
        .filter(|&i| (i as usize) < abi::MAX_CHANNELS)
        .map(Channel::new)
        .ok_or(SUBSTRATE_EINVAL)
}

fn channel_error(e: ChannelError) -> i32 {
    match e {
        ChannelError::NotGranted => SUBSTRATE_EPERM,
        ChannelError::PeerRestarted => SUBSTRATE_EAGAIN,
    }
}

/// Signals the peer of `channel` (`seL4_Signal`). `SUBSTRATE_EPERM` if the
/// description gives no such channel (nothing is sent), `SUBSTRATE_EINVAL`
/// for an id of 24 or more, `SUBSTRATE_ENOSYS` outside a system component.
#[no_mangle]
pub extern "C" fn substrate_system_notify(channel_id: u32) -> i32 {
    code(channel(channel_id).and_then(|c| c.notify().map_err(channel_error)))
}

/// Makes a protected call to the peer of `channel` with `msg` (message
/// registers set with `substrate_system_set_mr`) and stores its reply in
/// `*reply` (if not null). `SUBSTRATE_EAGAIN` if the peer faulted before
/// answering and was restarted (call again), `SUBSTRATE_EPERM` if the
/// description does not let this component call it, `SUBSTRATE_EFAULT`
/// for a `reply` in memory the program does not have (or cannot write),
/// errors as for `substrate_system_notify`.
///
/// # Safety
/// `reply` must be null, or is checked against the program's memory.
#[no_mangle]
pub unsafe extern "C" fn substrate_system_call(
    channel_id: u32,
    msg: substrate_msg_t,
    reply: *mut substrate_msg_t,
) -> i32 {
    if !reply.is_null() {
        if let Err(e) = crate::user_mem::check_obj(reply, crate::user_mem::Access::Write) {
            return e;
        }
    }
    code(channel(channel_id).and_then(|c| {
        let answer = c.call(to_info(msg)).map_err(channel_error)?;
        if !reply.is_null() {
            // SAFETY: checked writable and aligned above.
            unsafe { reply.write(from_info(answer)) };
        }
        Ok(())
    }))
}

/// Message register `i` of the current message (0 for `i` of 120 or more).
#[no_mangle]
pub extern "C" fn substrate_system_mr(i: u32) -> u64 {
    if (i as usize) < 120 {
        component::mr(i as usize)
    } else {
        0
    }
}

/// Sets message register `i` of the next message; `SUBSTRATE_EINVAL` for
/// `i` of 120 or more.
#[no_mangle]
pub extern "C" fn substrate_system_set_mr(i: u32, value: u64) -> i32 {
    if (i as usize) < 120 {
        component::set_mr(i as usize, value);
        SUBSTRATE_OK
    } else {
        SUBSTRATE_EINVAL
    }
}

/// The component's name (a NUL-terminated string on its information
/// page), or NULL outside a system component.
#[no_mangle]
pub extern "C" fn substrate_system_name() -> *const c_char {
    if !in_component() {
        return core::ptr::null();
    }
    // The page's name field is zero-padded and its last byte always 0.
    component::info().name.as_ptr().cast()
}

/// Figures from the kernel's BootInfo as the system's initializer (the
/// root task) received them ([`substrate_system_boot_info`]).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct substrate_boot_info_t {
    /// Untyped capabilities, RAM and device memory.
    pub untypeds: u64,
    /// Those of them that are RAM.
    pub ram_untypeds: u64,
    /// Bytes of untyped RAM.
    pub ram_bytes: u64,
    /// Bytes of device untypeds.
    pub device_bytes: u64,
    /// Empty slots of the root task's CNode.
    pub empty_slots: u64,
    /// Radix of the root task's CNode in bits.
    pub cnode_size_bits: u64,
    /// Frames of the root task's image.
    pub image_frames: u64,
    /// Cores the kernel runs on.
    pub nodes: u64,
}

/// Fills `*out` with the BootInfo figures on the component's information
/// page (`seL4_BootInfo` as the initializer received it). `SUBSTRATE_ENOSYS`
/// outside a system component.
///
/// # Safety
/// `out` points to a writable `substrate_boot_info_t` (checked).
#[no_mangle]
pub unsafe extern "C" fn substrate_system_boot_info(out: *mut substrate_boot_info_t) -> i32 {
    if !in_component() {
        return SUBSTRATE_ENOSYS;
    }
    if out.is_null() {
        return SUBSTRATE_EINVAL;
    }
    if let Err(e) = crate::user_mem::check_obj(out, crate::user_mem::Access::Write) {
        return e;
    }
    let b = component::info().boot;
    let figures = substrate_boot_info_t {
        untypeds: b.untypeds,
        ram_untypeds: b.ram_untypeds,
        ram_bytes: b.ram_bytes,
        device_bytes: b.device_bytes,
        empty_slots: b.empty_slots,
        cnode_size_bits: b.cnode_size_bits,
        image_frames: b.image_frames,
        nodes: b.nodes,
    };
    // SAFETY: checked writable.
    unsafe { out.write(figures) };
    SUBSTRATE_OK
}

/// The kernel's version as its install records it (e.g. `5.0.0`), a
/// NUL-terminated string, or NULL if it does not.
#[no_mangle]
pub extern "C" fn substrate_kernel_version() -> *const c_char {
    static TEXT: spin::Once<Option<[u8; 64]>> = spin::Once::new();
    let text = TEXT.call_once(|| {
        let v = sel4::sys::KERNEL_VERSION?.as_bytes();
        let mut buf = [0u8; 64];
        let n = v.len().min(buf.len() - 1);
        buf[..n].copy_from_slice(&v[..n]);
        Some(buf)
    });
    match text {
        Some(buf) => buf.as_ptr().cast(),
        None => core::ptr::null(),
    }
}

/// How often this component has been restarted (0 outside a system).
#[no_mangle]
pub extern "C" fn substrate_system_restarts() -> u64 {
    if in_component() {
        component::restarts()
    } else {
        0
    }
}

/// How often the peer of `channel` has been restarted (0 for a channel
/// the component does not have, or outside a system).
#[no_mangle]
pub extern "C" fn substrate_system_peer_restarts(channel_id: u32) -> u64 {
    channel(channel_id).map_or(0, |c| c.peer_restarts())
}

/// Finds the memory region called `name` in the component's description:
/// its address in `*base` and size in `*size`. `SUBSTRATE_EINVAL` for a
/// null argument or a region the component does not map,
/// `SUBSTRATE_EFAULT` for a pointer to memory the component does not have
/// (`name` is read only up to its NUL, or its 32nd byte),
/// `SUBSTRATE_ENOSYS` outside a system component.
///
/// # Safety
/// The pointers are checked against the component's memory.
#[no_mangle]
pub unsafe extern "C" fn substrate_system_region(
    name: *const c_char,
    base: *mut *mut c_void,
    size: *mut usize,
) -> i32 {
    if !in_component() {
        return SUBSTRATE_ENOSYS;
    }
    if name.is_null() || base.is_null() || size.is_null() {
        return SUBSTRATE_EINVAL;
    }
    use crate::user_mem::{check, check_obj, Access};
    if let Err(e) = check_obj(base, Access::Write).and_then(|()| check_obj(size, Access::Write)) {
        return e;
    }
    // The name, read a byte at a time as far as the program's memory
    // goes; no region's name is longer than NAME_BYTES - 1.
    let mut wanted = [0u8; abi::NAME_BYTES];
    let mut len = 0;
    loop {
        if len == abi::NAME_BYTES {
            return SUBSTRATE_EINVAL;
        }
        // SAFETY: `name + len` stays within the string being read, which
        // `check` finds in the program's memory before it is read.
        let at = unsafe { name.add(len) }.cast::<u8>();
        if let Err(e) = check(at, 1, Access::Read) {
            return e;
        }
        // SAFETY: checked readable just above.
        let b = unsafe { at.read() };
        if b == 0 {
            break;
        }
        wanted[len] = b;
        len += 1;
    }
    let wanted = &wanted[..len];
    let info = component::info();
    let found = info
        .valid_regions()
        .iter()
        .find(|r| abi::name_str(&r.name).as_bytes() == wanted);
    match found {
        Some(r) => {
            // SAFETY: both checked writable and aligned.
            unsafe {
                base.write(r.vaddr as usize as *mut c_void);
                size.write(r.size as usize);
            }
            SUBSTRATE_OK
        }
        None => SUBSTRATE_EINVAL,
    }
}

/// [`substrate_system_event_t::kind`]: channel bits were signalled.
pub const SUBSTRATE_SYSTEM_NOTIFIED: u32 = 1;
/// [`substrate_system_event_t::kind`]: a protected call; answer it with
/// `substrate_system_reply` before waiting again.
pub const SUBSTRATE_SYSTEM_CALL: u32 = 2;
/// [`substrate_system_event_t::kind`]: the peer of a channel was restarted.
pub const SUBSTRATE_SYSTEM_PEER_RESTARTED: u32 = 3;
/// [`substrate_system_event_t::kind`]: a supervised child faulted.
pub const SUBSTRATE_SYSTEM_FAULT: u32 = 4;
/// [`substrate_system_event_t::kind`]: the alarm of
/// `substrate_system_set_alarm` went off (its deadline has passed).
pub const SUBSTRATE_SYSTEM_TIMER: u32 = 5;

/// One event of a system component (`substrate_system_wait`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct substrate_system_event_t {
    /// `SUBSTRATE_SYSTEM_NOTIFIED`, `_CALL`, `_PEER_RESTARTED` or `_FAULT`.
    pub kind: u32,
    /// The channel of a call or a peer's restart; the child's index for a
    /// fault.
    pub channel: u32,
    /// The channel bits of a notification (bit `id` for channel `id`).
    pub bits: u64,
    /// The message of a call (registers through `substrate_system_mr`).
    pub msg: substrate_msg_t,
}

/// The event source of `substrate_system_wait` (components run one thread).
static EVENTS: spin::Mutex<Option<component::Events>> = spin::Mutex::new(None);

/// Waits for the component's next event and stores it in `*event`, first
/// sending the reply to the call served last (`substrate_system_reply`;
/// label 0 and no words if none was given). The loop of a runtime that
/// does not use `substrate_system_run` (OCaml's main loop).
/// `SUBSTRATE_ENOSYS` outside a system component, `SUBSTRATE_EINVAL` for a
/// null `event`, `SUBSTRATE_EFAULT` for one in memory the component does
/// not have (or cannot write).
///
/// # Safety
/// `event` is checked against the component's memory.
#[no_mangle]
pub unsafe extern "C" fn substrate_system_wait(event: *mut substrate_system_event_t) -> i32 {
    if !in_component() {
        return SUBSTRATE_ENOSYS;
    }
    if event.is_null() {
        return SUBSTRATE_EINVAL;
    }
    if let Err(e) = crate::user_mem::check_obj(event, crate::user_mem::Access::Write) {
        return e;
    }
    let mut events = EVENTS.lock();
    let events = events.get_or_insert_with(|| {
        // The first wait: init (the code before it) has returned.
        component::init_done();
        component::Events::new(
            SEEN.get()
                .copied()
                .unwrap_or_else(component::restart_counters),
        )
    });
    let e = match events.wait() {
        component::Event::Notified(bits) => substrate_system_event_t {
            kind: SUBSTRATE_SYSTEM_NOTIFIED,
            bits,
            ..Default::default()
        },
        component::Event::Call(c, msg) => substrate_system_event_t {
            kind: SUBSTRATE_SYSTEM_CALL,
            channel: c.id() as u32,
            msg: from_info(msg),
            ..Default::default()
        },
        component::Event::PeerRestarted(c) => substrate_system_event_t {
            kind: SUBSTRATE_SYSTEM_PEER_RESTARTED,
            channel: c.id() as u32,
            ..Default::default()
        },
        component::Event::Fault(child, _) => substrate_system_event_t {
            kind: SUBSTRATE_SYSTEM_FAULT,
            channel: child.index() as u32,
            ..Default::default()
        },
        component::Event::Timer => substrate_system_event_t {
            kind: SUBSTRATE_SYSTEM_TIMER,
            ..Default::default()
        },
    };
    // SAFETY: checked writable and aligned above.
    unsafe { event.write(e) };
    SUBSTRATE_OK
}

/// Sets the reply to the call `substrate_system_wait` returned last (sent
/// by the next wait; message registers set with `substrate_system_set_mr`).
/// `SUBSTRATE_ENOSYS` outside a system component.
#[no_mangle]
pub extern "C" fn substrate_system_reply(msg: substrate_msg_t) -> i32 {
    if !in_component() {
        return SUBSTRATE_ENOSYS;
    }
    if let Some(events) = EVENTS.lock().as_mut() {
        events.reply(to_info(msg));
    }
    SUBSTRATE_OK
}
