//! A TCP/IP stack for a component: smoltcp's interface on a
//! [`QueueDevice`], its address from DHCP or the caller, and TCP listeners
//! and connections named by small integers (so that C, through the
//! system's C layer, and OCaml name them too).
//!
//! Nothing here blocks: every operation says when it would, and the
//! component blocks (its executor or main loop) until the driver's signal
//! or [`Stack::poll_delay_ns`], then calls [`Stack::poll`] again.

use alloc::collections::VecDeque;
use alloc::vec;
use alloc::vec::Vec;
use core::task::Waker;

use sel4_net_queue::QueueError;
use sel4_system_component::Channel;
use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet};
use smoltcp::socket::{dhcpv4, tcp};
use smoltcp::time::Duration;
use smoltcp::wire::{EthernetAddress, HardwareAddress, IpCidr, IpEndpoint, Ipv4Address, Ipv4Cidr};

use crate::{now, QueueDevice};

/// Where the interface's IPv4 address comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addressing {
    /// Asked of a DHCP server on the link (QEMU's user network has one).
    Dhcp,
    /// Given: the address with its prefix, and the default router if any.
    Static {
        /// The interface's address, e.g. `10.0.2.15/24`.
        address: Ipv4Cidr,
        /// The default route's router.
        router: Option<Ipv4Address>,
    },
}

/// Sizes of the stack's TCP sockets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// TCP sockets at most, listening and connected together; a listener
    /// stops accepting (new connections are refused) while they are used up.
    pub sockets: usize,
    /// Bytes of each socket's receive buffer (its advertised window).
    pub rx_buffer: usize,
    /// Bytes of each socket's transmit buffer.
    pub tx_buffer: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            sockets: 32,
            rx_buffer: 8 * 1024,
            tx_buffer: 16 * 1024,
        }
    }
}

/// What an operation could not do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetError {
    /// The device's queues are broken (the driver wrote impossible ring
    /// state again after they were started over): the stack passes no
    /// frames until the driver's restart ([`Stack::driver_restarted`]).
    Device(QueueError),
    /// The driver did not answer the call that attaches to its queues.
    NoDriver,
    /// No such listener or connection (closed, or never opened).
    BadHandle,
    /// The port is 0, or already has a listener.
    BadPort,
    /// Every socket is in use.
    NoSockets,
    /// The connection was reset or closed by the peer for sending, or
    /// timed out.
    Closed,
}

impl core::fmt::Display for NetError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            NetError::Device(e) => write!(f, "the driver's queues are broken: {e:?}"),
            NetError::NoDriver => f.write_str("the driver did not answer"),
            NetError::BadHandle => f.write_str("no such listener or connection"),
            NetError::BadPort => f.write_str("port 0, or one that already has a listener"),
            NetError::NoSockets => f.write_str("every socket is in use"),
            NetError::Closed => f.write_str("the connection is closed"),
        }
    }
}

/// A listener's number.
pub type ListenerId = u32;
/// A connection's number.
pub type ConnId = u32;

struct Listener {
    port: u16,
    backlog: usize,
    /// Sockets in `Listen`, or in the middle of a handshake.
    pending: Vec<SocketHandle>,
    /// Established connections not yet accepted.
    ready: VecDeque<SocketHandle>,
    waker: Option<Waker>,
}

/// Puts `value` in the first free place of `table` (or a new one at its
/// end): its number.
fn put<T>(table: &mut Vec<Option<T>>, value: T) -> usize {
    match table.iter().position(Option::is_none) {
        Some(i) => {
            table[i] = Some(value);
            i
        }
        None => {
            table.push(Some(value));
            table.len() - 1
        }
    }
}

/// The stack (see the module documentation).
pub struct Stack {
    dev: QueueDevice,
    iface: Interface,
    sockets: SocketSet<'static>,
    limits: Limits,
    dhcp: Option<SocketHandle>,
    address: Option<Ipv4Cidr>,
    listeners: Vec<Option<Listener>>,
    conns: Vec<Option<SocketHandle>>,
    /// Connections closed by their owner, kept until their goodbye is sent.
    closing: Vec<SocketHandle>,
    address_waker: Option<Waker>,
    /// The queues were started over since the driver's last (re)start.
    reset: bool,
    /// They are broken until the driver's restart (and it was said).
    stuck: bool,
}

impl Stack {
    /// Attaches to the driver on `driver` (its MAC address call and the
    /// queues) and starts the interface: with DHCP it has no address until
    /// the server's answer ([`Stack::address`]).
    pub fn new(driver: Channel, addressing: Addressing, limits: Limits) -> Result<Self, NetError> {
        let mut dev = QueueDevice::attach(driver).map_err(|e| match e {
            QueueError::NoRegion(_) | QueueError::NoAnswer => NetError::NoDriver,
            e => NetError::Device(e),
        })?;
        let config = Config::new(HardwareAddress::Ethernet(EthernetAddress(dev.mac())));
        let iface = Interface::new(config, &mut dev, now());
        let mut stack = Stack {
            dev,
            iface,
            sockets: SocketSet::new(vec![]),
            limits,
            dhcp: None,
            address: None,
            listeners: Vec::new(),
            conns: Vec::new(),
            closing: Vec::new(),
            address_waker: None,
            reset: false,
            stuck: false,
        };
        match addressing {
            Addressing::Dhcp => stack.dhcp = Some(stack.sockets.add(dhcpv4::Socket::new())),
            Addressing::Static { address, router } => stack.configure(Some((address, router))),
        }
        Ok(stack)
    }

    /// The device's MAC address.
    pub fn mac(&self) -> [u8; 6] {
        self.dev.mac()
    }

    /// The interface's address, once it has one.
    pub fn address(&self) -> Option<Ipv4Cidr> {
        self.address
    }

    /// `waker` is woken when the interface gets (or loses) its address.
    pub fn register_address_waker(&mut self, waker: &Waker) {
        self.address_waker = Some(waker.clone());
    }

    fn configure(&mut self, config: Option<(Ipv4Cidr, Option<Ipv4Address>)>) {
        self.address = config.map(|(a, _)| a);
        self.iface.update_ip_addrs(|addrs| {
            addrs.clear();
            if let Some((a, _)) = config {
                let _ = addrs.push(IpCidr::Ipv4(a));
            }
        });
        self.iface.routes_mut().remove_default_ipv4_route();
        if let Some((_, Some(router))) = config {
            let _ = self.iface.routes_mut().add_default_ipv4_route(router);
        }
        if let Some(w) = self.address_waker.take() {
            w.wake();
        }
    }

    /// Moves frames both ways, runs TCP's and DHCP's timers, and moves
    /// listeners' established connections to their accept queues. Wakers
    /// registered for what changed are woken.
    ///
    /// If the driver wrote impossible ring state, the queues are started
    /// over with it (`QueueDevice::reset`) and the connections go on; if
    /// it does so again before its next restart, the error is
    /// [`NetError::Device`] until [`Stack::driver_restarted`] (keep
    /// polling and blocking as usual meanwhile: nothing is lost but
    /// frames).
    pub fn poll(&mut self) -> Result<(), NetError> {
        self.iface.poll(now(), &mut self.dev, &mut self.sockets);
        if let Some(e) = self.dev.error() {
            if self.reset {
                if !self.stuck {
                    self.stuck = true;
                    say(format_args!(
                        "the driver's queues hold an impossible state again ({e:?}); waiting for its restart"
                    ));
                }
                return Err(NetError::Device(e));
            }
            self.reset = true;
            say(format_args!(
                "the driver's queues hold an impossible state ({e:?}); starting them over"
            ));
            if let Err(e) = self.dev.reset() {
                self.stuck = true;
                say(format_args!(
                    "the driver did not start its queues over ({e:?}); waiting for its restart"
                ));
                return Err(NetError::Device(e));
            }
        }
        if let Some(h) = self.dhcp {
            let event = self
                .sockets
                .get_mut::<dhcpv4::Socket>(h)
                .poll()
                .map(|e| match e {
                    dhcpv4::Event::Configured(c) => Some((c.address, c.router)),
                    dhcpv4::Event::Deconfigured => None,
                });
            if let Some(config) = event {
                self.configure(config);
            }
        }
        self.tend_listeners();
        // Closed connections whose goodbye is sent give their socket back.
        let sockets = &mut self.sockets;
        self.closing.retain(|&h| {
            let state = sockets.get::<tcp::Socket>(h).state();
            let done = matches!(state, tcp::State::Closed | tcp::State::TimeWait);
            if done {
                sockets.remove(h);
            }
            !done
        });
        Ok(())
    }

    fn tend_listeners(&mut self) {
        for i in 0..self.listeners.len() {
            let Some(mut l) = self.listeners[i].take() else {
                continue;
            };
            let mut woke = false;
            let sockets = &mut self.sockets;
            l.pending.retain(|&h| {
                let s = sockets.get_mut::<tcp::Socket>(h);
                match s.state() {
                    tcp::State::Listen | tcp::State::SynReceived => true,
                    tcp::State::Closed => {
                        // Reset during the handshake: listen again.
                        let _ = s.listen(l.port);
                        true
                    }
                    _ => {
                        l.ready.push_back(h);
                        woke = true;
                        false
                    }
                }
            });
            // Keep `backlog` sockets listening while sockets are left.
            let listening = l
                .pending
                .iter()
                .filter(|&&h| self.sockets.get::<tcp::Socket>(h).state() == tcp::State::Listen)
                .count();
            for _ in listening..l.backlog {
                match self.tcp_socket() {
                    Some(mut s) => {
                        if s.listen(l.port).is_ok() {
                            l.pending.push(self.sockets.add(s));
                        }
                    }
                    None => break,
                }
            }
            if woke {
                if let Some(w) = l.waker.take() {
                    w.wake();
                }
            }
            self.listeners[i] = Some(l);
        }
    }

    /// A fresh TCP socket, if the limit allows one more.
    fn tcp_socket(&self) -> Option<tcp::Socket<'static>> {
        let used = self.sockets.iter().count() - self.dhcp.is_some() as usize;
        if used >= self.limits.sockets {
            return None;
        }
        let rx = tcp::SocketBuffer::new(vec![0; self.limits.rx_buffer]);
        let tx = tcp::SocketBuffer::new(vec![0; self.limits.tx_buffer]);
        let mut s = tcp::Socket::new(rx, tx);
        // Answers are written whole: no need to hold back small segments.
        s.set_nagle_enabled(false);
        s.set_timeout(Some(Duration::from_secs(120)));
        Some(s)
    }

    /// Nanoseconds until the stack needs [`Stack::poll`] again without a
    /// frame arriving (a retransmission, DHCP); `None`: not until a frame
    /// comes or the component does something (nor while the queues are
    /// broken until the driver's restart: no frame could move).
    pub fn poll_delay_ns(&mut self) -> Option<u64> {
        if self.stuck {
            return None;
        }
        self.iface
            .poll_delay(now(), &self.sockets)
            .map(|d| d.total_micros().saturating_mul(1000))
    }

    /// Before blocking: asks the driver to signal the next frame; `false`
    /// if one came meanwhile (poll again instead).
    pub fn want_signal(&mut self) -> bool {
        self.dev.want_receive_signal()
    }

    /// After the driver was restarted: starts the queues over with it (the
    /// restarted driver waits for that call), and says on the console
    /// that the connections go on. An error (also said): the driver did
    /// not answer (it was restarted again, say); the device passes no
    /// frames until the next restart.
    pub fn driver_restarted(&mut self) -> Result<(), NetError> {
        self.reset = false;
        self.stuck = false;
        let result = self.dev.reset().map_err(NetError::Device);
        match result {
            Ok(()) => say(format_args!(
                "the driver was restarted; the connections go on"
            )),
            Err(e) => say(format_args!("the driver was restarted, and {e}")),
        }
        result
    }

    /// Listens on TCP `port` with `backlog` sockets waiting for handshakes.
    pub fn listen(&mut self, port: u16, backlog: usize) -> Result<ListenerId, NetError> {
        if port == 0 || self.listeners.iter().flatten().any(|l| l.port == port) {
            return Err(NetError::BadPort);
        }
        let l = Listener {
            port,
            backlog: backlog.max(1),
            pending: Vec::new(),
            ready: VecDeque::new(),
            waker: None,
        };
        let id = put(&mut self.listeners, l);
        self.tend_listeners();
        if self.listeners[id]
            .as_ref()
            .is_some_and(|l| l.pending.is_empty())
        {
            self.listeners[id] = None;
            return Err(NetError::NoSockets);
        }
        Ok(id as ListenerId)
    }

    fn listener(&mut self, id: ListenerId) -> Result<&mut Listener, NetError> {
        self.listeners
            .get_mut(id as usize)
            .and_then(Option::as_mut)
            .ok_or(NetError::BadHandle)
    }

    /// The next established connection on the listener; `Ok(None)` if
    /// none is waiting (`waker`, if given, is woken when one is).
    pub fn accept(
        &mut self,
        id: ListenerId,
        waker: Option<&Waker>,
    ) -> Result<Option<ConnId>, NetError> {
        let l = self.listener(id)?;
        let Some(h) = l.ready.pop_front() else {
            if let Some(w) = waker {
                l.waker = Some(w.clone());
            }
            return Ok(None);
        };
        let id = put(&mut self.conns, h);
        Ok(Some(id as ConnId))
    }

    /// Stops listening; connections already accepted stay.
    pub fn close_listener(&mut self, id: ListenerId) -> Result<(), NetError> {
        let l = self.listener(id)?;
        let handles: Vec<SocketHandle> = l.pending.drain(..).chain(l.ready.drain(..)).collect();
        for h in handles {
            self.sockets.get_mut::<tcp::Socket>(h).abort();
            self.closing.push(h);
        }
        self.listeners[id as usize] = None;
        Ok(())
    }

    fn socket(&mut self, id: ConnId) -> Result<&mut tcp::Socket<'static>, NetError> {
        let h = self
            .conns
            .get(id as usize)
            .copied()
            .flatten()
            .ok_or(NetError::BadHandle)?;
        Ok(self.sockets.get_mut::<tcp::Socket>(h))
    }

    /// The peer's address and port.
    pub fn remote(&mut self, id: ConnId) -> Result<Option<IpEndpoint>, NetError> {
        Ok(self.socket(id)?.remote_endpoint())
    }

    /// Bytes received into `buf`: `Ok(Some(0))` once the peer has closed
    /// its side and everything was read (for a non-empty `buf`),
    /// `Ok(None)` if nothing came yet (`waker`, if given, is woken when
    /// something does).
    pub fn recv(
        &mut self,
        id: ConnId,
        buf: &mut [u8],
        waker: Option<&Waker>,
    ) -> Result<Option<usize>, NetError> {
        let s = self.socket(id)?;
        match s.recv_slice(buf) {
            Ok(0) if !buf.is_empty() => {
                if !s.may_recv() && !s.is_active() {
                    return Err(NetError::Closed);
                }
                if let Some(w) = waker {
                    s.register_recv_waker(w);
                }
                Ok(None)
            }
            Ok(n) => Ok(Some(n)),
            Err(tcp::RecvError::Finished) => Ok(Some(0)),
            Err(tcp::RecvError::InvalidState) => Err(NetError::Closed),
        }
    }

    /// Bytes of `buf` queued for sending: `Ok(None)` if the transmit
    /// buffer is full (`waker`, if given, is woken when there is room).
    pub fn send(
        &mut self,
        id: ConnId,
        buf: &[u8],
        waker: Option<&Waker>,
    ) -> Result<Option<usize>, NetError> {
        let s = self.socket(id)?;
        if !s.may_send() {
            return Err(NetError::Closed);
        }
        match s.send_slice(buf) {
            Ok(0) if !buf.is_empty() => {
                if let Some(w) = waker {
                    s.register_send_waker(w);
                }
                Ok(None)
            }
            Ok(n) => Ok(Some(n)),
            Err(tcp::SendError::InvalidState) => Err(NetError::Closed),
        }
    }

    /// Whether everything sent has been acknowledged; if not, `waker` (if
    /// given) is woken as acknowledgements come.
    pub fn flushed(&mut self, id: ConnId, waker: Option<&Waker>) -> Result<bool, NetError> {
        let s = self.socket(id)?;
        let done = s.send_queue() == 0 || !s.is_active();
        if !done {
            if let Some(w) = waker {
                s.register_send_waker(w);
            }
        }
        Ok(done)
    }

    /// Closes the connection: what was queued is still sent, then a FIN;
    /// the number is free at once, the socket once the peer has answered.
    pub fn close(&mut self, id: ConnId) -> Result<(), NetError> {
        self.socket(id)?.close();
        self.release(id);
        Ok(())
    }

    /// Resets the connection (an RST; nothing queued is sent).
    pub fn abort(&mut self, id: ConnId) -> Result<(), NetError> {
        self.socket(id)?.abort();
        self.release(id);
        Ok(())
    }

    fn release(&mut self, id: ConnId) {
        if let Some(h) = self.conns[id as usize].take() {
            self.closing.push(h);
        }
    }
}

/// A line on the console, after the component's name.
fn say(what: core::fmt::Arguments) {
    sel4_system_component::sel4::debug_println!("{}: {what}", sel4_system_component::name());
}
