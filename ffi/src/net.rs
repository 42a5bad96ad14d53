//! TCP/IP for a system component in C (and OCaml's C stubs): the stack of
//! `sel4-net-smoltcp` ([`Stack`]: smoltcp over a network driver
//! component's frame queues) as C functions, one stack per component.
//!
//! ```c
//! substrate_net_config_t cfg = { .channel = 0 };      /* DHCP */
//! substrate_net_start(&cfg);
//! int32_t l = substrate_net_listen(80, 8);
//! for (;;) {
//!     substrate_net_poll();
//!     int32_t c = substrate_net_accept(l);           /* SUBSTRATE_EAGAIN: none yet */
//!     ...
//!     uint64_t deadline;
//!     if (substrate_net_prepare_wait(&deadline) == 1)
//!         /* block: the driver's channel, or the alarm at deadline */;
//! }
//! ```
//!
//! Outside a system component every function returns `SUBSTRATE_ENOSYS`
//! at once; before [`substrate_net_start`] succeeded, `SUBSTRATE_EINVAL`.
//! Nothing blocks: an operation that would returns `SUBSTRATE_EAGAIN`, and
//! the component blocks in its own loop (`substrate_system_wait`) until the
//! driver's channel is signalled or the deadline
//! [`substrate_net_prepare_wait`] gives, then polls again. Connections and
//! listeners are small non-negative numbers.
//!
//! The stack's memory (its sockets' buffers) comes from the top of the
//! component's heap, taken once when it starts; `malloc` keeps the rest.

use core::sync::atomic::{AtomicBool, Ordering};

use sel4_net_smoltcp::stack::{Addressing, Limits, NetError, Stack};
use sel4_system_component::{time, Channel};
use smoltcp::wire::{Ipv4Address, Ipv4Cidr};

use crate::status::*;
use crate::user_mem::{check, check_obj, Access};

/// A broken pipe: sending on a connection the peer closed or reset
/// (`EPIPE`, 32).
pub const SUBSTRATE_EPIPE: i32 = -32;
/// The connection was reset by the peer, or timed out (`ECONNRESET`, 104).
pub const SUBSTRATE_ECONNRESET: i32 = -104;
/// The port has a listener already (`EADDRINUSE`, 112).
pub const SUBSTRATE_EADDRINUSE: i32 = -112;
/// The interface has no address yet (DHCP has not answered) (`ENOTCONN`, 128).
pub const SUBSTRATE_ENOTCONN: i32 = -128;

/// How [`substrate_net_start`] sets the stack up.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct substrate_net_config_t {
    /// The channel to the network driver component (`sel4-net-queue`'s
    /// regions are mapped by the description).
    pub channel: u32,
    /// The interface's IPv4 address, `a.b.c.d` as `a << 24 | b << 16 | c
    /// << 8 | d`; 0: ask DHCP.
    pub address: u32,
    /// With `address`: the prefix length (0..=32).
    pub prefix_len: u32,
    /// With `address`: the default router, or 0 for none.
    pub router: u32,
    /// TCP sockets at most, listening and connected (0: 32).
    pub sockets: u32,
    /// Bytes of each socket's receive buffer (0: 8 KiB).
    pub rx_buffer: u32,
    /// Bytes of each socket's transmit buffer (0: 16 KiB).
    pub tx_buffer: u32,
}

/// The component's stack.
struct Net(Stack);

// SAFETY: a system component runs one thread, which alone calls the C
// ABI's network functions; the mutex only guards against re-entry.
unsafe impl Send for Net {}

static NET: spin::Mutex<Option<Net>> = spin::Mutex::new(None);
/// Whether the stack's memory was taken from the heap (once).
static GROWN: AtomicBool = AtomicBool::new(false);

/// The hook that gives the runtime's allocator more memory (set by the
/// component runtime, `sel4-system-c-component`): `(start, bytes)`, once.
static GROW_HEAP: spin::Once<fn(usize, usize) -> bool> = spin::Once::new();

/// Lets [`substrate_net_start`] give the runtime's allocator the memory it
/// takes from the top of the heap (`grow(start, bytes)` adds that range).
pub fn set_heap_growth(grow: fn(usize, usize) -> bool) {
    GROW_HEAP.call_once(|| grow);
}

fn status(e: NetError) -> i32 {
    match e {
        NetError::Device(_) | NetError::NoDriver => SUBSTRATE_EPROTO,
        NetError::BadHandle => SUBSTRATE_EINVAL,
        NetError::BadPort => SUBSTRATE_EADDRINUSE,
        NetError::NoSockets => SUBSTRATE_ENOBUFS,
        NetError::Closed => SUBSTRATE_ECONNRESET,
    }
}

/// `SUBSTRATE_ENOSYS` outside a system component: every function refuses
/// at once there, whatever its arguments.
fn guard() -> Result<(), i32> {
    if crate::system::in_component() {
        Ok(())
    } else {
        Err(SUBSTRATE_ENOSYS)
    }
}

fn with<R>(f: impl FnOnce(&mut Stack) -> Result<R, i32>) -> Result<R, i32> {
    let mut net = NET.try_lock().ok_or(SUBSTRATE_EBUSY)?;
    match net.as_mut() {
        Some(n) => f(&mut n.0),
        None => Err(SUBSTRATE_EINVAL),
    }
}

/// A listener's or connection's number as C passes it: `SUBSTRATE_EINVAL`
/// if negative.
fn number(n: i32) -> Result<u32, i32> {
    u32::try_from(n).map_err(|_| SUBSTRATE_EINVAL)
}

fn ipv4(a: u32) -> Ipv4Address {
    Ipv4Address::from_bits(a)
}

/// Starts the stack on the driver of `config->channel`: asks it for the
/// MAC address and attaches to the frame queues; with `address` 0 it asks
/// DHCP (see [`substrate_net_address`]). Its memory (`sockets` times both
/// buffers, and a quarter more) is taken from the top of the component's
/// heap. `SUBSTRATE_ENOSYS` outside a system component, `SUBSTRATE_EBUSY`
/// if started already, `SUBSTRATE_EINVAL` for a bad configuration,
/// `SUBSTRATE_ENOMEM` if the heap has not that much room,
/// `SUBSTRATE_EPROTO` if the driver does not answer or its queues are
/// missing.
///
/// # Safety
/// `config` points to a readable `substrate_net_config_t` (checked).
#[no_mangle]
pub unsafe extern "C" fn substrate_net_start(config: *const substrate_net_config_t) -> i32 {
    if let Err(e) = guard() {
        return e;
    }
    if config.is_null() {
        return SUBSTRATE_EINVAL;
    }
    if let Err(e) = check_obj(config, Access::Read) {
        return e;
    }
    // SAFETY: checked readable; plain integers.
    let c = unsafe { config.read() };
    let or = |v: u32, d: usize| if v == 0 { d } else { v as usize };
    let limits = Limits {
        sockets: or(c.sockets, 32),
        rx_buffer: or(c.rx_buffer, 8 * 1024),
        tx_buffer: or(c.tx_buffer, 16 * 1024),
    };
    if limits.sockets > 1024 || limits.rx_buffer > 1 << 20 || limits.tx_buffer > 1 << 20 {
        return SUBSTRATE_EINVAL;
    }
    let addressing = if c.address == 0 {
        Addressing::Dhcp
    } else {
        if c.prefix_len > 32 {
            return SUBSTRATE_EINVAL;
        }
        Addressing::Static {
            address: Ipv4Cidr::new(ipv4(c.address), c.prefix_len as u8),
            router: (c.router != 0).then(|| ipv4(c.router)),
        }
    };
    if c.channel as usize >= sel4_system_component::abi::MAX_CHANNELS {
        return SUBSTRATE_EINVAL;
    }
    let Some(mut net) = NET.try_lock() else {
        return SUBSTRATE_EBUSY;
    };
    if net.is_some() {
        return SUBSTRATE_EBUSY;
    }
    // The memory is taken once (the allocator grows once); a start that
    // failed for another reason may be tried again.
    if !GROWN.load(Ordering::Acquire) {
        let buffers = limits.sockets * (limits.rx_buffer + limits.tx_buffer);
        let bytes = (buffers + buffers / 4 + (64 << 10)).next_multiple_of(4096);
        let grown = match (GROW_HEAP.get(), crate::sbrk::reserve_top(bytes)) {
            (Some(grow), Some(start)) => grow(start, bytes),
            _ => false,
        };
        if !grown {
            return SUBSTRATE_ENOMEM;
        }
        GROWN.store(true, Ordering::Release);
    }
    match Stack::new(Channel::new(c.channel as u8), addressing, limits) {
        Ok(s) => {
            *net = Some(Net(s));
            SUBSTRATE_OK
        }
        Err(e) => status(e),
    }
}

/// Moves frames both ways and runs the stack's timers (call it after the
/// driver's signal, the deadline, or an operation). When the driver wrote
/// impossible ring state, the stack starts its queues over and the
/// connections go on; `SUBSTRATE_EPROTO` if it does so again before its
/// next restart: the stack then passes no frames until
/// [`substrate_net_driver_restarted`] (keep polling and blocking as
/// usual; nothing but frames is lost).
#[no_mangle]
pub extern "C" fn substrate_net_poll() -> i32 {
    if let Err(e) = guard() {
        return e;
    }
    match with(|s| s.poll().map_err(status)) {
        Ok(()) => SUBSTRATE_OK,
        Err(e) => e,
    }
}

/// Before the component blocks: 1 if it may block until the driver's
/// channel is signalled or the system's clock reaches `*deadline_ns`
/// (`UINT64_MAX`: no deadline); 0 if it must poll again first (a frame
/// came meanwhile, or a timer is due).
///
/// # Safety
/// `deadline_ns` points to a writable `uint64_t` (checked).
#[no_mangle]
pub unsafe extern "C" fn substrate_net_prepare_wait(deadline_ns: *mut u64) -> i32 {
    if let Err(e) = guard() {
        return e;
    }
    if deadline_ns.is_null() {
        return SUBSTRATE_EINVAL;
    }
    if let Err(e) = check_obj(deadline_ns, Access::Write) {
        return e;
    }
    let r = with(|s| {
        if !s.want_signal() {
            return Ok(None);
        }
        Ok(match s.poll_delay_ns() {
            Some(0) => None,
            Some(d) => Some(time::now_ns().unwrap_or(0).saturating_add(d)),
            None => Some(u64::MAX),
        })
    });
    match r {
        Ok(Some(d)) => {
            // SAFETY: checked writable.
            unsafe { deadline_ns.write(d) };
            1
        }
        Ok(None) => 0,
        Err(e) => e,
    }
}

/// After the driver component was restarted: starts its queues over with
/// it (a protected call; the restarted driver waits for it), and the
/// connections go on; the stack says on the console how it went.
/// `SUBSTRATE_EPROTO` if the driver did not answer (it
/// was restarted again before it did): no frames pass until the next
/// restart.
#[no_mangle]
pub extern "C" fn substrate_net_driver_restarted() -> i32 {
    if let Err(e) = guard() {
        return e;
    }
    match with(|s| s.driver_restarted().map_err(status)) {
        Ok(()) => SUBSTRATE_OK,
        Err(e) => e,
    }
}

/// The interface's address and prefix length (as in
/// `substrate_net_config_t`); `SUBSTRATE_ENOTCONN` while it has none.
///
/// # Safety
/// Both point to writable `uint32_t`s (checked).
#[no_mangle]
pub unsafe extern "C" fn substrate_net_address(address: *mut u32, prefix_len: *mut u32) -> i32 {
    if let Err(e) = guard() {
        return e;
    }
    if address.is_null() || prefix_len.is_null() {
        return SUBSTRATE_EINVAL;
    }
    if let Err(e) = check_obj(address, Access::Write).and(check_obj(prefix_len, Access::Write)) {
        return e;
    }
    match with(|s| s.address().ok_or(SUBSTRATE_ENOTCONN)) {
        Ok(a) => {
            // SAFETY: checked writable.
            unsafe {
                address.write(a.address().to_bits());
                prefix_len.write(a.prefix_len() as u32);
            }
            SUBSTRATE_OK
        }
        Err(e) => e,
    }
}

/// Listens on TCP `port` with `backlog` sockets ready for handshakes (more
/// simultaneous connection attempts are refused): the listener's number,
/// or `SUBSTRATE_EADDRINUSE` (a listener on the port, or port 0),
/// `SUBSTRATE_ENOBUFS` (no socket left).
#[no_mangle]
pub extern "C" fn substrate_net_listen(port: u16, backlog: u32) -> i32 {
    if let Err(e) = guard() {
        return e;
    }
    match with(|s| s.listen(port, backlog as usize).map_err(status)) {
        Ok(id) => i32::try_from(id).unwrap_or(SUBSTRATE_ENOBUFS),
        Err(e) => e,
    }
}

/// The next connection made to the listener: its number, or
/// `SUBSTRATE_EAGAIN` if none is waiting.
#[no_mangle]
pub extern "C" fn substrate_net_accept(listener: i32) -> i32 {
    if let Err(e) = guard() {
        return e;
    }
    match number(listener).and_then(|l| with(|s| s.accept(l, None).map_err(status))) {
        Ok(Some(c)) => i32::try_from(c).unwrap_or(SUBSTRATE_ENOBUFS),
        Ok(None) => SUBSTRATE_EAGAIN,
        Err(e) => e,
    }
}

/// Stops listening (connections accepted stay open).
#[no_mangle]
pub extern "C" fn substrate_net_close_listener(listener: i32) -> i32 {
    if let Err(e) = guard() {
        return e;
    }
    match number(listener).and_then(|l| with(|s| s.close_listener(l).map_err(status))) {
        Ok(()) => SUBSTRATE_OK,
        Err(e) => e,
    }
}

/// Receives up to `len` bytes into `buf`: how many, 0 once the peer has
/// closed its side and everything was read, `SUBSTRATE_EAGAIN` if nothing
/// came yet, `SUBSTRATE_ECONNRESET` if the connection was reset.
///
/// # Safety
/// `buf` has `len` writable bytes (checked).
#[no_mangle]
pub unsafe extern "C" fn substrate_net_recv(conn: i32, buf: *mut u8, len: usize) -> i64 {
    if let Err(e) = guard() {
        return e as i64;
    }
    let r = number(conn).and_then(|c| {
        if len == 0 || buf.is_null() {
            return Err(SUBSTRATE_EINVAL);
        }
        check(buf, len, Access::Write)?;
        // SAFETY: checked: `len` writable bytes of the program's memory.
        let bytes = unsafe { core::slice::from_raw_parts_mut(buf, len) };
        with(|s| s.recv(c, bytes, None).map_err(status))
    });
    match r {
        Ok(Some(n)) => n as i64,
        Ok(None) => SUBSTRATE_EAGAIN as i64,
        Err(e) => e as i64,
    }
}

/// Queues up to `len` bytes of `buf` for sending: how many,
/// `SUBSTRATE_EAGAIN` if the transmit buffer is full, `SUBSTRATE_EPIPE`
/// if the connection cannot send any more (closed or reset).
///
/// # Safety
/// `buf` has `len` readable bytes (checked).
#[no_mangle]
pub unsafe extern "C" fn substrate_net_send(conn: i32, buf: *const u8, len: usize) -> i64 {
    if let Err(e) = guard() {
        return e as i64;
    }
    let r = number(conn).and_then(|c| {
        if len == 0 || buf.is_null() {
            return Err(SUBSTRATE_EINVAL);
        }
        check(buf, len, Access::Read)?;
        // SAFETY: checked: `len` readable bytes of the program's memory.
        let bytes = unsafe { core::slice::from_raw_parts(buf, len) };
        with(|s| {
            s.send(c, bytes, None).map_err(|e| match e {
                NetError::Closed => SUBSTRATE_EPIPE,
                e => status(e),
            })
        })
    });
    match r {
        Ok(Some(n)) => n as i64,
        Ok(None) => SUBSTRATE_EAGAIN as i64,
        Err(e) => e as i64,
    }
}

/// Closes the connection: what was queued is still sent, then a FIN. The
/// number is free at once.
#[no_mangle]
pub extern "C" fn substrate_net_close(conn: i32) -> i32 {
    if let Err(e) = guard() {
        return e;
    }
    match number(conn).and_then(|c| with(|s| s.close(c).map_err(status))) {
        Ok(()) => SUBSTRATE_OK,
        Err(e) => e,
    }
}

/// Resets the connection (nothing queued is sent). The number is free at
/// once.
#[no_mangle]
pub extern "C" fn substrate_net_abort(conn: i32) -> i32 {
    if let Err(e) = guard() {
        return e;
    }
    match number(conn).and_then(|c| with(|s| s.abort(c).map_err(status))) {
        Ok(()) => SUBSTRATE_OK,
        Err(e) => e,
    }
}
