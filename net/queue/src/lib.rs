//! The Ethernet frame queues between a network driver component and its
//! client.
//!
//! Both map five regions of shared memory (names in the description):
//!
//! | region | ring | producer | what |
//! |---|---|---|---|
//! | `rx-free` | descriptors | client | empty buffers the driver may fill with received frames |
//! | `rx-used` | descriptors | driver | those buffers, filled (`len`: the frame's length) |
//! | `tx` | descriptors | client | frames to send |
//! | `tx-done` | descriptors | driver | their buffers, sent (or dropped), back |
//! | `data` | bytes | | the buffers, [`BUFFER_SIZE`] bytes each, lent by the client |
//!
//! and one channel, a notification each way, signalled only on the rings'
//! transitions (`substrate-shared-ring`'s `want_signal`), on which the
//! client also calls the driver ([`ATTACH_LABEL`]). The client owns
//! the buffers ([`BufferPool`]) and takes back only what it lent; the
//! driver writes a frame only into a buffer the client offered and within
//! its length, and reads only within the data region. Neither trusts what
//! the other wrote: a bad index or descriptor is an error of the call
//! ([`QueueError`]), never a fault.
//!
//! # Starting over
//!
//! The driver touches the rings only after the client's [`ATTACH_LABEL`]
//! call, and on each such call it empties all four and attaches to them
//! afresh ([`DriverQueues::attach`]) before it answers. The client calls
//! it when it starts, when the driver was restarted, and when it found the
//! rings in an impossible state; once the answer is back it attaches too
//! ([`ClientQueues::attach`]: every buffer is its own again). While the
//! client waits for the answer neither side uses the rings, so no frame is
//! half moved; the frames the rings held are dropped, as a link drops
//! them, and TCP sends its segments again.
#![no_std]

extern crate alloc;

use sel4_system_component::{info, mr, Channel, ChannelError, MessageInfo};
pub use substrate_shared_ring::Signal;
use substrate_shared_ring::{BufferPool, Consumer, Descriptor, Producer, RingError};

/// Bytes of each buffer in the data region: an Ethernet frame (at most
/// [`MAX_FRAME`] bytes) fits.
pub const BUFFER_SIZE: u32 = 2048;

/// The largest frame the queues carry: 1514 bytes (a 1500-byte payload and
/// the 14-byte header; no FCS).
pub const MAX_FRAME: usize = 1514;

/// The label of the client's protected call to the driver that (re)starts
/// the queues (see [Starting over](crate#starting-over)): the driver
/// empties the rings and attaches to them, then replies with the label 0
/// and the device's MAC address in message register 0 (byte `i` of the
/// address in bits `8 i ..`).
pub const ATTACH_LABEL: u64 = 1;

/// A MAC address, shown as `52:54:00:12:34:56`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mac(pub [u8; 6]);

impl core::fmt::Display for Mac {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let m = &self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }
}

/// The MAC address in a [`ATTACH_LABEL`] reply's message register.
pub fn mac_from_word(word: u64) -> [u8; 6] {
    core::array::from_fn(|i| (word >> (8 * i)) as u8)
}

/// A MAC address as a [`ATTACH_LABEL`] reply's message register.
pub fn mac_to_word(mac: &[u8; 6]) -> u64 {
    mac.iter()
        .enumerate()
        .fold(0, |w, (i, &b)| w | (b as u64) << (8 * i))
}

/// The regions' names.
pub const RX_FREE: &str = "rx-free";
/// See [`RX_FREE`].
pub const RX_USED: &str = "rx-used";
/// See [`RX_FREE`].
pub const TX: &str = "tx";
/// See [`RX_FREE`].
pub const TX_DONE: &str = "tx-done";
/// See [`RX_FREE`].
pub const DATA: &str = "data";

/// What went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueError {
    /// The component does not map the region of that name (read-write).
    NoRegion(&'static str),
    /// A ring's shared state is impossible, or a descriptor is outside the
    /// data region or not a buffer the client lent.
    Ring(RingError),
    /// No buffer to put a frame in (the client offered none, or all of its
    /// transmit buffers are out); the frame was not queued.
    NoBuffer,
    /// The frame is longer than [`MAX_FRAME`] or than its buffer.
    TooLong,
    /// The driver did not answer the [`ATTACH_LABEL`] call: the channel
    /// grants no calls, the driver refused, or it was restarted before it
    /// answered, again and again.
    NoAnswer,
}

impl From<RingError> for QueueError {
    fn from(e: RingError) -> Self {
        QueueError::Ring(e)
    }
}

/// A region the component maps read-write, by name.
fn region(name: &'static str) -> Result<(*mut u8, usize), QueueError> {
    info()
        .writable_region(name)
        .map(|r| (r.vaddr as usize as *mut u8, r.size as usize))
        .ok_or(QueueError::NoRegion(name))
}

fn producer(name: &'static str, data_len: u64) -> Result<Producer, QueueError> {
    let (base, size) = region(name)?;
    // SAFETY: the region is mapped read-write for the component's lifetime
    // and page-aligned; the peer is the ring's only other user.
    Ok(unsafe { Producer::new(base, size, data_len) }?)
}

fn consumer(name: &'static str, data_len: u64) -> Result<Consumer, QueueError> {
    let (base, size) = region(name)?;
    // SAFETY: as in `producer`.
    Ok(unsafe { Consumer::new(base, size, data_len) }?)
}

/// The data region.
struct Data {
    base: *mut u8,
    len: u64,
}

impl Data {
    fn attach() -> Result<Self, QueueError> {
        let (base, len) = region(DATA)?;
        Ok(Data {
            base,
            len: len as u64,
        })
    }

    /// The bytes a descriptor names (the rings checked it lies inside).
    ///
    /// # Safety
    /// `d` was checked against the data region's length (every descriptor
    /// a ring hands out is), and nothing else uses those bytes meanwhile
    /// on this side.
    unsafe fn bytes(&mut self, d: &Descriptor) -> &mut [u8] {
        // SAFETY: in bounds by the caller's guarantee; the region is mapped
        // read-write here. The peer may write it concurrently: the bytes
        // are only copied, never trusted.
        unsafe { core::slice::from_raw_parts_mut(self.base.add(d.offset as usize), d.len as usize) }
    }
}

/// The driver's side.
pub struct DriverQueues {
    rx_free: Consumer,
    rx_used: Producer,
    tx: Consumer,
    tx_done: Producer,
    data: Data,
}

impl DriverQueues {
    /// Empties the four rings and attaches to the five regions: what the
    /// driver does on the client's [`ATTACH_LABEL`] call, before it
    /// answers (and only then).
    pub fn attach() -> Result<Self, QueueError> {
        let data = Data::attach()?;
        for name in [RX_FREE, RX_USED, TX, TX_DONE] {
            let (base, size) = region(name)?;
            // SAFETY: the region is mapped read-write and page-aligned;
            // the client waits for the answer to its call meanwhile.
            unsafe { substrate_shared_ring::reset(base, size) }?;
        }
        Ok(DriverQueues {
            rx_free: consumer(RX_FREE, data.len)?,
            rx_used: producer(RX_USED, data.len)?,
            tx: consumer(TX, data.len)?,
            tx_done: producer(TX_DONE, data.len)?,
            data,
        })
    }

    /// Copies a received frame into the next buffer the client offered and
    /// hands it over; [`Signal::Needed`] means signal the client now.
    /// [`QueueError::NoBuffer`] if it offered none (the frame is dropped).
    pub fn deliver(&mut self, frame: &[u8]) -> Result<Signal, QueueError> {
        if frame.len() > MAX_FRAME {
            return Err(QueueError::TooLong);
        }
        let Some(mut d) = self.rx_free.pop()? else {
            return Err(QueueError::NoBuffer);
        };
        if frame.len() > d.len as usize {
            // A buffer shorter than a frame: the client's mistake, which
            // costs it the buffer (it stays lent), not the driver anything.
            return Err(QueueError::TooLong);
        }
        // SAFETY: the ring checked `d` against the data region.
        let buffer = unsafe { self.data.bytes(&d) };
        buffer[..frame.len()].copy_from_slice(frame);
        d.len = frame.len() as u32;
        Ok(self.rx_used.push(d)?)
    }

    /// The next frame the client queued, given to `send` (which copies it
    /// out: the client can change the buffer meanwhile; a frame longer than
    /// [`MAX_FRAME`] is not given, `result` is then `None`); its buffer then
    /// goes back. `None` if there is none.
    pub fn transmit<R>(
        &mut self,
        send: impl FnOnce(&[u8]) -> R,
    ) -> Result<Option<Transmitted<R>>, QueueError> {
        let Some(d) = self.tx.pop()? else {
            return Ok(None);
        };
        let result = if d.len as usize <= MAX_FRAME {
            // SAFETY: the ring checked `d` against the data region.
            Some(send(unsafe { self.data.bytes(&d) }))
        } else {
            None
        };
        let signal = self.tx_done.push(d)?;
        Ok(Some(Transmitted { result, signal }))
    }

    /// Before blocking: asks the client to signal its next frame to send;
    /// `false` if one came meanwhile (handle it instead).
    pub fn want_transmit_signal(&self) -> Result<bool, QueueError> {
        Ok(self.tx.want_signal()?)
    }
}

/// What [`DriverQueues::transmit`] did with a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transmitted<R> {
    /// What `send` returned; `None` if the frame was too long to send.
    pub result: Option<R>,
    /// [`Signal::Needed`]: signal the client (its buffer is back).
    pub signal: Signal,
}

/// The client's side.
pub struct ClientQueues {
    mac: [u8; 6],
    rx_free: Producer,
    rx_used: Consumer,
    tx: Producer,
    tx_done: Consumer,
    data: Data,
    pool: BufferPool,
}

impl ClientQueues {
    /// Calls the driver on `driver` ([`ATTACH_LABEL`]: it empties the
    /// rings), then attaches to the five regions and offers the driver
    /// half of the buffers for received frames (the other half is for
    /// sending); every buffer is this side's at first. A driver restarted
    /// before it answered is called again (three times at most).
    ///
    /// The call blocks until the driver answers: a driver that never does
    /// (and never faults, which answers for it) keeps the client waiting.
    pub fn attach(driver: Channel) -> Result<Self, QueueError> {
        let mut tries = 0;
        loop {
            match driver.call(MessageInfo::new(ATTACH_LABEL, 0, 0)) {
                Err(ChannelError::PeerRestarted) if tries < 2 => tries += 1,
                Ok(r) if r.label() == 0 && r.length() >= 1 => break,
                _ => return Err(QueueError::NoAnswer),
            }
        }
        let mac = mac_from_word(mr(0));
        let data = Data::attach()?;
        let mut q = ClientQueues {
            mac,
            rx_free: producer(RX_FREE, data.len)?,
            rx_used: consumer(RX_USED, data.len)?,
            tx: producer(TX, data.len)?,
            tx_done: consumer(TX_DONE, data.len)?,
            pool: BufferPool::new(data.len, BUFFER_SIZE),
            data,
        };
        let offer = (q.pool.available() / 2).min(q.rx_free.capacity() as usize);
        for _ in 0..offer {
            let d = q.pool.take().ok_or(QueueError::NoBuffer)?;
            // The driver looks for offers when a frame arrives; it does not
            // wait for them.
            let _ = q.rx_free.push(d)?;
        }
        Ok(q)
    }

    /// The device's MAC address, from the driver's answer.
    pub fn mac(&self) -> [u8; 6] {
        self.mac
    }

    /// The next received frame, given to `f`; its buffer is then offered
    /// to the driver again ([`Signal::Needed`]: signal the driver). `None`
    /// if none came. A descriptor that is not a buffer this side lent is
    /// [`QueueError::Ring`] (`NotLent`).
    pub fn receive<R>(
        &mut self,
        f: impl FnOnce(&[u8]) -> R,
    ) -> Result<Option<(R, Signal)>, QueueError> {
        let Some(d) = self.rx_used.pop()? else {
            return Ok(None);
        };
        self.pool.give_back(&d)?;
        // SAFETY: the ring checked `d` against the data region, and the
        // pool that it is one of this side's buffers, now back.
        let r = f(unsafe { self.data.bytes(&d) });
        let again = self.pool.take().ok_or(QueueError::NoBuffer)?;
        Ok(Some((r, self.rx_free.push(again)?)))
    }

    /// Queues a frame of `len` bytes that `fill` writes; [`Signal::Needed`]:
    /// signal the driver. [`QueueError::NoBuffer`] while every transmit
    /// buffer is out.
    pub fn send(&mut self, len: usize, fill: impl FnOnce(&mut [u8])) -> Result<Signal, QueueError> {
        if len > MAX_FRAME {
            return Err(QueueError::TooLong);
        }
        self.reclaim()?;
        let mut d = self.pool.take().ok_or(QueueError::NoBuffer)?;
        // SAFETY: a buffer of the pool, inside the data region, this side's.
        fill(&mut unsafe { self.data.bytes(&d) }[..len]);
        d.len = len as u32;
        Ok(self.tx.push(d)?)
    }

    /// Whether a frame can be queued now ([`ClientQueues::send`] would
    /// find a buffer), after taking back the buffers the driver sent.
    pub fn can_send(&mut self) -> Result<bool, QueueError> {
        self.reclaim()?;
        Ok(self.pool.available() > 0)
    }

    /// Takes back the buffers of frames the driver has sent.
    fn reclaim(&mut self) -> Result<(), QueueError> {
        while let Some(d) = self.tx_done.pop()? {
            self.pool.give_back(&d)?;
        }
        Ok(())
    }

    /// Before blocking: asks the driver to signal its next received frame
    /// and, while every transmit buffer is out, the next one it gives back;
    /// `false` if one came meanwhile.
    pub fn want_receive_signal(&self) -> Result<bool, QueueError> {
        if !self.rx_used.want_signal()? {
            return Ok(false);
        }
        Ok(self.pool.available() > 0 || self.tx_done.want_signal()?)
    }
}
