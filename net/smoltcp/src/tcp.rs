//! The [`Stack`] for async tasks on `sel4-system-executor`.
//!
//! ```ignore
//! let net = Net::new(Stack::new(DRIVER, Addressing::Dhcp, Limits::default())?);
//! spawn(net.clone().run(DRIVER));           // frames, timers, the driver's restarts
//! let listener = net.listen(80, 4)?;
//! loop {
//!     let mut conn = listener.accept().await?;
//!     spawn(async move { /* conn.read(..).await, conn.write_all(..).await */ });
//! }
//! ```
//!
//! [`Net::run`] is the task that moves frames: it polls the stack, then
//! blocks until the driver signals, smoltcp's next timeout, or a task did
//! something the stack must act on (sent, read, closed). The tasks using
//! connections wait on smoltcp's wakers; nothing polls.

use alloc::rc::Rc;
use core::cell::{Cell, RefCell};
use core::future::poll_fn;
use core::task::{Poll, Waker};

use sel4_system_executor::{notified, peer_restarted, race, sleep_ns, yield_now, Channel, Either};
use smoltcp::wire::{IpEndpoint, Ipv4Cidr};

use crate::stack::{ConnId, ListenerId, NetError, Stack};

struct Shared {
    stack: RefCell<Stack>,
    /// A task asked the stack to be polled.
    kicked: Cell<bool>,
    poller: RefCell<Option<Waker>>,
}

/// A [`Stack`] shared by the component's tasks.
#[derive(Clone)]
pub struct Net(Rc<Shared>);

impl Net {
    /// Shares `stack`; spawn [`Net::run`] to move its frames.
    pub fn new(stack: Stack) -> Net {
        Net(Rc::new(Shared {
            stack: RefCell::new(stack),
            kicked: Cell::new(false),
            poller: RefCell::new(None),
        }))
    }

    /// Runs `f` on the stack. Not to be awaited across: the stack is
    /// borrowed for the call alone.
    pub fn with<R>(&self, f: impl FnOnce(&mut Stack) -> R) -> R {
        f(&mut self.0.stack.borrow_mut())
    }

    /// Has [`Net::run`] poll the stack soon.
    fn kick(&self) {
        self.0.kicked.set(true);
        if let Some(w) = self.0.poller.borrow_mut().take() {
            w.wake();
        }
    }

    /// The task moving the stack's frames, for a driver on `driver`; it
    /// never ends. The stack starts the driver's queues over when the
    /// driver writes impossible ring state or is restarted ([`Stack::poll`],
    /// [`Stack::driver_restarted`]); while they are broken, this task
    /// blocks until the driver's restart (TCP's timers only wake it).
    pub async fn run(self, driver: Channel) -> core::convert::Infallible {
        loop {
            self.0.kicked.set(false);
            // An error (the queues broken until the driver's restart) has
            // been said on the console by the stack; the loop goes on.
            let _ = self.with(Stack::poll);
            // Let the tasks it woke run before the next poll.
            yield_now().await;
            if self.0.kicked.get() || !self.with(Stack::want_signal) {
                continue;
            }
            let delay = self.with(Stack::poll_delay_ns).unwrap_or(u64::MAX);
            let kicked = poll_fn(|cx| {
                if self.0.kicked.get() {
                    return Poll::Ready(());
                }
                *self.0.poller.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            });
            let woke = race(
                race(notified(driver), peer_restarted(driver)),
                race(sleep_ns(delay), core::pin::pin!(kicked)),
            )
            .await;
            if let Either::First(Either::Second(())) = woke {
                // The stack says how it went on the console.
                let _ = self.with(Stack::driver_restarted);
            }
        }
    }

    /// The interface's address, once it has one (DHCP's answer).
    pub async fn address(&self) -> Ipv4Cidr {
        poll_fn(|cx| {
            self.with(|s| match s.address() {
                Some(a) => Poll::Ready(a),
                None => {
                    s.register_address_waker(cx.waker());
                    Poll::Pending
                }
            })
        })
        .await
    }

    /// Listens on TCP `port` with `backlog` sockets ready for handshakes.
    pub fn listen(&self, port: u16, backlog: usize) -> Result<TcpListener, NetError> {
        let id = self.with(|s| s.listen(port, backlog))?;
        self.kick();
        Ok(TcpListener {
            net: self.clone(),
            id,
        })
    }
}

/// A stack operation's answer as a poll: `Ok(None)` (it would block; it
/// registered the waker) is pending.
fn until_ready<T>(r: Result<Option<T>, NetError>) -> Poll<Result<T, NetError>> {
    match r {
        Ok(Some(v)) => Poll::Ready(Ok(v)),
        Ok(None) => Poll::Pending,
        Err(e) => Poll::Ready(Err(e)),
    }
}

/// A listening port.
pub struct TcpListener {
    net: Net,
    id: ListenerId,
}

impl TcpListener {
    /// The next connection made to the port.
    pub async fn accept(&self) -> Result<TcpStream, NetError> {
        let id = poll_fn(|cx| until_ready(self.net.with(|s| s.accept(self.id, Some(cx.waker())))))
            .await?;
        // Its place in the backlog is filled at the next poll.
        self.net.kick();
        Ok(TcpStream {
            net: self.net.clone(),
            id,
            open: true,
        })
    }
}

impl Drop for TcpListener {
    fn drop(&mut self) {
        let _ = self.net.with(|s| s.close_listener(self.id));
        self.net.kick();
    }
}

/// A TCP connection; dropping it closes it ([`TcpStream::close`]).
pub struct TcpStream {
    net: Net,
    id: ConnId,
    open: bool,
}

impl TcpStream {
    /// The peer's address and port.
    pub fn remote(&self) -> Option<IpEndpoint> {
        self.net.with(|s| s.remote(self.id)).ok().flatten()
    }

    /// Bytes received into `buf`; 0 once the peer has closed its side.
    pub async fn read(&mut self, buf: &mut [u8]) -> Result<usize, NetError> {
        let n =
            poll_fn(|cx| until_ready(self.net.with(|s| s.recv(self.id, buf, Some(cx.waker())))))
                .await?;
        // The window opened: the stack may have to say so.
        self.net.kick();
        Ok(n)
    }

    /// Queues all of `buf` for sending, waiting for room as needed.
    pub async fn write_all(&mut self, mut buf: &[u8]) -> Result<(), NetError> {
        while !buf.is_empty() {
            let n = poll_fn(|cx| {
                until_ready(self.net.with(|s| s.send(self.id, buf, Some(cx.waker()))))
            })
            .await?;
            buf = &buf[n..];
            self.net.kick();
        }
        Ok(())
    }

    /// Closes the connection after what was queued is sent.
    pub fn close(mut self) {
        self.shut();
    }

    fn shut(&mut self) {
        if core::mem::replace(&mut self.open, false) {
            let _ = self.net.with(|s| s.close(self.id));
            self.net.kick();
        }
    }
}

impl Drop for TcpStream {
    fn drop(&mut self) {
        self.shut();
    }
}
