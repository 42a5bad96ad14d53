//! Descriptor rings in memory shared between two components, and a pool of
//! bounce buffers in a shared data region.
//!
//! A ring is one single-producer, single-consumer queue of [`Descriptor`]s
//! (offset and length into a data region, and a cookie) in a shared
//! region laid out as [`RingLayout`] describes. A pair of rings, one of
//! free buffers going one way and one of used buffers coming back, is the
//! usual shape of a driver's interface to its client.
//!
//! # The peer is not trusted
//!
//! Everything in shared memory may be garbage written by a faulty or
//! malicious peer at any moment, so:
//!
//! * each side keeps its own index privately and only *publishes* it; it
//!   never reads it back from shared memory;
//! * the peer's index is read once per operation and checked: the number
//!   of entries it implies must be at most the capacity, else the ring is
//!   reported [`RingError::Corrupt`];
//! * a descriptor is copied out of shared memory with one volatile read
//!   and its range checked against the data region (`offset + len <=
//!   data_len`, without overflow) before it is handed out
//!   ([`RingError::OutOfBounds`]);
//! * the capacity is derived from the region's size on each side, never
//!   read from the region;
//! * [`BufferPool`] hands out fixed-size buffers and takes back only
//!   offsets it lent and has not had back ([`RingError::NotLent`]), so a
//!   peer cannot make two users share a buffer.
//!
//! An error leaves this side's state unchanged; what to do with a peer that
//! corrupts its rings (stop using it, ask for it to be restarted, or
//! [`reset`] the rings with it) is the caller's decision.
//!
//! # Notifications on transitions only
//!
//! A consumer that finds its ring empty calls [`Consumer::want_signal`]
//! before it blocks (on the seL4 notification of its channel) and blocks
//! only if that reports the ring still empty. A producer's
//! [`Producer::push`] returns [`Signal::Needed`] exactly when a consumer
//! asked since the last signal; the producer then signals the channel. A
//! stream of pushes to a consumer that keeps up costs no system calls.
#![no_std]

extern crate alloc;

use alloc::vec::Vec;
use core::sync::atomic::{fence, AtomicU32, Ordering};

/// A buffer in the data region: `len` bytes at `offset`, and a word the
/// producer chooses (a request id, say) that the ring carries unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(C)]
pub struct Descriptor {
    /// Byte offset into the data region.
    pub offset: u64,
    /// Length in bytes.
    pub len: u32,
    /// Carried unchanged.
    pub cookie: u32,
}

/// What went wrong; the side that got it is unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RingError {
    /// The region is too small for a header and two descriptors, or not
    /// aligned to 64 bytes.
    BadRegion,
    /// The ring is full (producer).
    Full,
    /// The peer's index implies more entries than the ring holds.
    Corrupt,
    /// A descriptor names bytes outside the data region.
    OutOfBounds,
    /// A buffer given back to a [`BufferPool`] that it did not lend, or
    /// already had back, or whose offset is not a buffer's.
    NotLent,
}

impl core::fmt::Display for RingError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            RingError::BadRegion => "region too small or misaligned for a ring",
            RingError::Full => "ring full",
            RingError::Corrupt => "peer's ring index is impossible",
            RingError::OutOfBounds => "descriptor outside the data region",
            RingError::NotLent => "buffer was not lent by this pool",
        })
    }
}

/// Whether the producer must signal the consumer after a push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum Signal {
    /// The consumer asked to be woken: signal its notification.
    Needed,
    /// No signal needed.
    NotNeeded,
}

/// The layout of a ring in its region (`#[repr(C)]`, shared with C):
///
/// ```text
/// offset 0    u32 head     (written by the producer: entries pushed, wrapping)
/// offset 64   u32 tail     (written by the consumer: entries popped, wrapping)
/// offset 128  u32 waiting  (1: the consumer asked to be signalled)
/// offset 192  Descriptor[capacity]   (16 bytes each)
/// ```
///
/// `capacity` is the largest power of two whose descriptors fit the region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RingLayout {
    /// Number of descriptors.
    pub capacity: u32,
}

const HEAD: usize = 0;
const TAIL: usize = 64;
const WAITING: usize = 128;
const SLOTS: usize = 192;
const DESC: usize = core::mem::size_of::<Descriptor>();

impl RingLayout {
    /// The layout of a ring in a region of `bytes` bytes.
    pub fn for_region(bytes: usize) -> Result<Self, RingError> {
        let slots = bytes.checked_sub(SLOTS).ok_or(RingError::BadRegion)? / DESC;
        let slots = slots.min(1 << 31);
        if slots < 2 {
            return Err(RingError::BadRegion);
        }
        let capacity = 1u32 << (usize::BITS - 1 - slots.leading_zeros());
        Ok(RingLayout { capacity })
    }

    /// Bytes a ring of `capacity` descriptors needs.
    pub const fn bytes(capacity: u32) -> usize {
        SLOTS + capacity as usize * DESC
    }
}

/// What both ends share: the region's address and layout.
struct Shared {
    base: *mut u8,
    capacity: u32,
}

// SAFETY: the region is shared memory accessed only through atomics and
// volatile copies; a `Shared` may move to another thread of the component.
unsafe impl Send for Shared {}

impl Shared {
    /// # Safety
    /// `base..base + bytes` is mapped, readable and writable for the
    /// lifetime of the value, 64-byte aligned.
    unsafe fn new(base: *mut u8, bytes: usize) -> Result<Self, RingError> {
        if base.is_null() || !(base as usize).is_multiple_of(64) {
            return Err(RingError::BadRegion);
        }
        let RingLayout { capacity } = RingLayout::for_region(bytes)?;
        Ok(Shared { base, capacity })
    }

    fn word(&self, offset: usize) -> &AtomicU32 {
        // SAFETY: offset is one of HEAD, TAIL, WAITING, inside the region
        // (checked by `new`), 4-byte aligned; AtomicU32 has u32's layout,
        // and shared memory is only accessed atomically here.
        unsafe { &*(self.base.add(offset) as *const AtomicU32) }
    }

    fn slot(&self, index: u32) -> *mut Descriptor {
        let i = (index & (self.capacity - 1)) as usize;
        // SAFETY: i < capacity, whose descriptors fit the region.
        unsafe { self.base.add(SLOTS + i * DESC) as *mut Descriptor }
    }

    /// Entries between `tail` and `head`, if that is possible.
    fn count(&self, head: u32, tail: u32) -> Result<u32, RingError> {
        let n = head.wrapping_sub(tail);
        if n > self.capacity {
            Err(RingError::Corrupt)
        } else {
            Ok(n)
        }
    }
}

/// Empties the ring in `bytes` bytes at `base`: its head, tail and
/// waiting flag become 0, as in a fresh region. Ends attached before it
/// must attach again ([`Producer::new`], [`Consumer::new`]); the protocol
/// above the ring sees to it that neither end uses the ring meanwhile.
/// This is how two components start over after one of them wrote an
/// impossible state, or was restarted.
///
/// # Safety
/// `base..base + bytes` is mapped read-write, 64-byte aligned.
pub unsafe fn reset(base: *mut u8, bytes: usize) -> Result<(), RingError> {
    // SAFETY: the caller's contract.
    let ring = unsafe { Shared::new(base, bytes)? };
    for word in [HEAD, TAIL, WAITING] {
        ring.word(word).store(0, Ordering::Release);
    }
    Ok(())
}

/// The producing end of a ring.
pub struct Producer {
    ring: Shared,
    /// Entries pushed (our index; never read back from shared memory).
    head: u32,
    data_len: u64,
}

impl Producer {
    /// Attaches to the ring in `bytes` bytes at `base`, whose descriptors
    /// address a data region of `data_len` bytes. The ring continues from
    /// the head it holds (zero in a fresh region), so a restarted producer
    /// carries on; an impossible state is [`RingError::Corrupt`].
    ///
    /// # Safety
    /// `base..base + bytes` is mapped read-write for the producer's
    /// lifetime, 64-byte aligned, and shared only with the consumer.
    pub unsafe fn new(base: *mut u8, bytes: usize, data_len: u64) -> Result<Self, RingError> {
        // SAFETY: the caller's contract.
        let ring = unsafe { Shared::new(base, bytes)? };
        let head = ring.word(HEAD).load(Ordering::Relaxed);
        ring.count(head, ring.word(TAIL).load(Ordering::Acquire))?;
        Ok(Producer {
            ring,
            head,
            data_len,
        })
    }

    /// The number of descriptors the ring holds.
    pub fn capacity(&self) -> u32 {
        self.ring.capacity
    }

    /// Free entries now.
    pub fn free(&self) -> Result<u32, RingError> {
        let tail = self.ring.word(TAIL).load(Ordering::Acquire);
        Ok(self.ring.capacity - self.ring.count(self.head, tail)?)
    }

    /// Pushes `d` (checked against the data region first) and publishes it.
    pub fn push(&mut self, d: Descriptor) -> Result<Signal, RingError> {
        check_bounds(&d, self.data_len)?;
        if self.free()? == 0 {
            return Err(RingError::Full);
        }
        // SAFETY: the slot is inside the region; the consumer does not
        // read it until the head below says so.
        unsafe { self.ring.slot(self.head).write_volatile(d) };
        self.head = self.head.wrapping_add(1);
        self.ring.word(HEAD).store(self.head, Ordering::Release);
        // Publish the head before reading the consumer's request, which it
        // made before re-checking the head (see Consumer::want_signal).
        fence(Ordering::SeqCst);
        if self.ring.word(WAITING).swap(0, Ordering::AcqRel) != 0 {
            Ok(Signal::Needed)
        } else {
            Ok(Signal::NotNeeded)
        }
    }
}

/// The consuming end of a ring.
pub struct Consumer {
    ring: Shared,
    /// Entries popped (our index; never read back from shared memory).
    tail: u32,
    data_len: u64,
}

impl Consumer {
    /// Attaches to the ring in `bytes` bytes at `base`, whose descriptors
    /// must lie in a data region of `data_len` bytes; continues from the
    /// tail the ring holds.
    ///
    /// # Safety
    /// As for [`Producer::new`].
    pub unsafe fn new(base: *mut u8, bytes: usize, data_len: u64) -> Result<Self, RingError> {
        // SAFETY: the caller's contract.
        let ring = unsafe { Shared::new(base, bytes)? };
        let tail = ring.word(TAIL).load(Ordering::Relaxed);
        ring.count(ring.word(HEAD).load(Ordering::Acquire), tail)?;
        Ok(Consumer {
            ring,
            tail,
            data_len,
        })
    }

    /// The number of descriptors the ring holds.
    pub fn capacity(&self) -> u32 {
        self.ring.capacity
    }

    /// Entries waiting now.
    pub fn len(&self) -> Result<u32, RingError> {
        self.ring
            .count(self.ring.word(HEAD).load(Ordering::Acquire), self.tail)
    }

    /// Whether no entry is waiting.
    pub fn is_empty(&self) -> Result<bool, RingError> {
        Ok(self.len()? == 0)
    }

    /// Takes the next descriptor, if any, checked against the data region.
    /// A descriptor out of bounds is consumed and reported, so one bad
    /// entry cannot wedge the ring.
    pub fn pop(&mut self) -> Result<Option<Descriptor>, RingError> {
        if self.len()? == 0 {
            return Ok(None);
        }
        // SAFETY: the slot is inside the region; one volatile copy, so the
        // checks below apply to exactly what is returned.
        let d = unsafe { self.ring.slot(self.tail).read_volatile() };
        self.tail = self.tail.wrapping_add(1);
        self.ring.word(TAIL).store(self.tail, Ordering::Release);
        check_bounds(&d, self.data_len)?;
        Ok(Some(d))
    }

    /// Asks the producer to signal after its next push. Returns `true` if
    /// the ring is empty after asking (then block on the channel's
    /// notification), `false` if something arrived meanwhile (pop it).
    pub fn want_signal(&self) -> Result<bool, RingError> {
        self.ring.word(WAITING).store(1, Ordering::Release);
        fence(Ordering::SeqCst);
        self.is_empty()
    }
}

fn check_bounds(d: &Descriptor, data_len: u64) -> Result<(), RingError> {
    match d.offset.checked_add(d.len as u64) {
        Some(end) if end <= data_len => Ok(()),
        _ => Err(RingError::OutOfBounds),
    }
}

/// Fixed-size bounce buffers in a shared data region, lent out as
/// [`Descriptor`]s and taken back only if lent. Its bookkeeping is private
/// to the owning component (nothing of it is in shared memory).
pub struct BufferPool {
    buffer_size: u32,
    lent: Vec<bool>,
    free: Vec<u32>,
}

impl BufferPool {
    /// A pool of `data_len / buffer_size` buffers (`buffer_size` > 0).
    pub fn new(data_len: u64, buffer_size: u32) -> Self {
        let count = data_len
            .checked_div(buffer_size as u64)
            .unwrap_or(0)
            .min(u32::MAX as u64) as u32;
        BufferPool {
            buffer_size,
            lent: alloc::vec![false; count as usize],
            free: (0..count).rev().collect(),
        }
    }

    /// Buffers not lent out.
    pub fn available(&self) -> usize {
        self.free.len()
    }

    /// Lends a buffer: a descriptor of its whole size, cookie 0.
    pub fn take(&mut self) -> Option<Descriptor> {
        let i = self.free.pop()?;
        self.lent[i as usize] = true;
        Some(Descriptor {
            offset: i as u64 * self.buffer_size as u64,
            len: self.buffer_size,
            cookie: 0,
        })
    }

    /// Takes back the buffer a descriptor names (any length up to the
    /// buffer's; its offset must be a lent buffer's).
    pub fn give_back(&mut self, d: &Descriptor) -> Result<(), RingError> {
        let size = self.buffer_size as u64;
        if size == 0 || !d.offset.is_multiple_of(size) || d.len as u64 > size {
            return Err(RingError::NotLent);
        }
        let i = d.offset / size;
        match self.lent.get_mut(i as usize) {
            Some(lent) if *lent => {
                *lent = false;
                self.free.push(i as u32);
                Ok(())
            }
            _ => Err(RingError::NotLent),
        }
    }
}

#[cfg(test)]
mod tests;
