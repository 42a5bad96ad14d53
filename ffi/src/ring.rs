//! Descriptor rings in shared memory and bounce-buffer pools for C: the
//! C face of `substrate-shared-ring`, with the same guarantees (every
//! index and descriptor the peer wrote is checked on each read; a
//! producer is told to signal only when the consumer asked).
//!
//! A ring's state lives in a `substrate_ring_t` the caller provides and
//! one of the `_init` functions fills; the shared region holds only what
//! the peer may see. A pool is created on the runtime heap.

use core::mem::{align_of, size_of};
use core::ptr;

use crate::status::*;
use crate::user_mem::{self, Access};
use substrate_shared_ring::{self as ring, RingError};

/// A buffer in a data region: `len` bytes at `offset`, and a word the
/// producer chooses that the ring carries unchanged.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct substrate_ring_desc_t {
    /// Byte offset into the data region.
    pub offset: u64,
    /// Length in bytes.
    pub len: u32,
    /// Carried unchanged.
    pub cookie: u32,
}

/// One end of a ring: opaque storage for the substrate (fill it with
/// `substrate_ring_producer_init` or `substrate_ring_consumer_init`).
#[repr(C)]
pub struct substrate_ring_t {
    /// Storage; not for the caller's use.
    pub opaque: [u64; 6],
}

/// Marks an initialised `substrate_ring_t`.
const RING_MAGIC: u64 = u64::from_le_bytes(*b"sub-ring");

enum End {
    Producer(ring::Producer),
    Consumer(ring::Consumer),
}

#[repr(C)]
struct Stored {
    magic: u64,
    end: End,
}

const _: () = assert!(size_of::<Stored>() <= size_of::<substrate_ring_t>());
const _: () = assert!(align_of::<Stored>() <= align_of::<substrate_ring_t>());

fn error(e: RingError) -> i32 {
    match e {
        RingError::BadRegion => SUBSTRATE_EINVAL,
        RingError::Full => SUBSTRATE_ENOBUFS,
        RingError::Corrupt => SUBSTRATE_EPROTO,
        RingError::OutOfBounds => SUBSTRATE_ERANGE,
        RingError::NotLent => SUBSTRATE_EINVAL,
    }
}

impl From<substrate_ring_desc_t> for ring::Descriptor {
    fn from(d: substrate_ring_desc_t) -> Self {
        ring::Descriptor {
            offset: d.offset,
            len: d.len,
            cookie: d.cookie,
        }
    }
}

impl From<ring::Descriptor> for substrate_ring_desc_t {
    fn from(d: ring::Descriptor) -> Self {
        substrate_ring_desc_t {
            offset: d.offset,
            len: d.len,
            cookie: d.cookie,
        }
    }
}

/// Checks that C may write the `T` at `p` (`SUBSTRATE_EFAULT` if not) and
/// that it is aligned for it (`SUBSTRATE_EINVAL` if not).
fn check_writable<T>(p: *mut T) -> Result<(), i32> {
    user_mem::check(p as *const u8, size_of::<T>(), Access::Write)?;
    if !(p as usize).is_multiple_of(align_of::<T>()) {
        return Err(SUBSTRATE_EINVAL);
    }
    Ok(())
}

/// The descriptor C passed at `d`.
fn read_desc(d: *const substrate_ring_desc_t) -> Result<ring::Descriptor, i32> {
    user_mem::check(
        d as *const u8,
        size_of::<substrate_ring_desc_t>(),
        Access::Read,
    )?;
    // SAFETY: checked readable; any bytes are a valid descriptor.
    Ok(unsafe { d.read_unaligned() }.into())
}

/// Stores `x` (if any) at `d`, which was checked writable with
/// [`check_desc_out`]; 1 if there was one, else 0.
fn write_desc(d: *mut substrate_ring_desc_t, x: Option<ring::Descriptor>) -> i32 {
    match x {
        Some(x) => {
            // SAFETY: checked writable by check_desc_out.
            unsafe { d.write_unaligned(x.into()) };
            1
        }
        None => 0,
    }
}

/// Checks that C may write a descriptor at `d`.
fn check_desc_out(d: *mut substrate_ring_desc_t) -> Result<(), i32> {
    user_mem::check(
        d as *const u8,
        size_of::<substrate_ring_desc_t>(),
        Access::Write,
    )
}

/// The initialised end at `r`.
fn stored<'a>(r: *mut substrate_ring_t) -> Result<&'a mut End, i32> {
    check_writable(r)?;
    let s = r as *mut Stored;
    // SAFETY: the memory is C's and writable (checked); the magic word is
    // read first, and only a `substrate_ring_t` filled by an `_init`
    // function carries it in front of a valid `End`.
    unsafe {
        if ptr::addr_of!((*s).magic).read() != RING_MAGIC {
            return Err(SUBSTRATE_EINVAL);
        }
        Ok(&mut (*s).end)
    }
}

/// Fills `*r` with the end `attach` makes of the region, after checking
/// that C may write both.
fn init(
    r: *mut substrate_ring_t,
    region: *mut u8,
    bytes: usize,
    attach: impl FnOnce() -> Result<End, RingError>,
) -> i32 {
    code((|| {
        check_writable(r)?;
        user_mem::check(region, bytes, Access::Write)?;
        let end = attach().map_err(error)?;
        // SAFETY: `r` was checked writable and aligned above.
        unsafe {
            (r as *mut Stored).write(Stored {
                magic: RING_MAGIC,
                end,
            })
        };
        Ok(())
    })())
}

/// Makes `*r` the producing end of the ring in the `bytes` bytes of shared
/// memory at `region` (64-byte aligned), whose descriptors address a data
/// region of `data_len` bytes. A fresh region is all zeros; a region that
/// already holds a ring is continued. `SUBSTRATE_EINVAL` for a region too
/// small or misaligned, `SUBSTRATE_EPROTO` for one whose state is
/// impossible, `SUBSTRATE_EFAULT` for memory the program does not have.
/// # Safety
/// The pointers are checked against the program's memory
/// (`SUBSTRATE_EFAULT`); beyond that, a region must be shared with the
/// peer only and stay mapped while the ring is used.
#[no_mangle]
pub unsafe extern "C" fn substrate_ring_producer_init(
    r: *mut substrate_ring_t,
    region: *mut u8,
    bytes: usize,
    data_len: u64,
) -> i32 {
    init(r, region, bytes, || {
        // SAFETY: the region is memory the program may write (checked by
        // `init` first); the caller shares it with the consumer only.
        unsafe { ring::Producer::new(region, bytes, data_len) }.map(End::Producer)
    })
}

/// Makes `*r` the consuming end of the ring at `region` (see
/// `substrate_ring_producer_init`); descriptors outside `data_len` bytes
/// are refused.
/// # Safety
/// The pointers are checked against the program's memory
/// (`SUBSTRATE_EFAULT`); beyond that, a region must be shared with the
/// peer only and stay mapped while the ring is used.
#[no_mangle]
pub unsafe extern "C" fn substrate_ring_consumer_init(
    r: *mut substrate_ring_t,
    region: *mut u8,
    bytes: usize,
    data_len: u64,
) -> i32 {
    init(r, region, bytes, || {
        // SAFETY: as for the producer.
        unsafe { ring::Consumer::new(region, bytes, data_len) }.map(End::Consumer)
    })
}

/// Pushes `*d` (producer). Returns 1 if the consumer asked to be woken
/// (signal its notification now), 0 if not; `SUBSTRATE_ENOBUFS` if the
/// ring is full, `SUBSTRATE_ERANGE` if `*d` lies outside the data region,
/// `SUBSTRATE_EPROTO` if the consumer's index is impossible,
/// `SUBSTRATE_EINVAL` for a consumer or an uninitialised ring.
/// # Safety
/// The pointers are checked against the program's memory
/// (`SUBSTRATE_EFAULT`); beyond that, a region must be shared with the
/// peer only and stay mapped while the ring is used.
#[no_mangle]
pub unsafe extern "C" fn substrate_ring_push(
    r: *mut substrate_ring_t,
    d: *const substrate_ring_desc_t,
) -> i32 {
    let result = read_desc(d).and_then(|d| match stored(r)? {
        End::Producer(p) => p
            .push(d)
            .map(|s| (s == ring::Signal::Needed) as i32)
            .map_err(error),
        End::Consumer(_) => Err(SUBSTRATE_EINVAL),
    });
    result.unwrap_or_else(|e| e)
}

/// Takes the next descriptor into `*d` (consumer). Returns 1 if it took
/// one, 0 if the ring is empty; `SUBSTRATE_ERANGE` for a descriptor
/// outside the data region (consumed: call again for the next),
/// `SUBSTRATE_EPROTO` if the producer's index is impossible,
/// `SUBSTRATE_EINVAL` for a producer or an uninitialised ring.
/// # Safety
/// The pointers are checked against the program's memory
/// (`SUBSTRATE_EFAULT`); beyond that, a region must be shared with the
/// peer only and stay mapped while the ring is used.
#[no_mangle]
pub unsafe extern "C" fn substrate_ring_pop(
    r: *mut substrate_ring_t,
    d: *mut substrate_ring_desc_t,
) -> i32 {
    let result = check_desc_out(d).and_then(|()| match stored(r)? {
        End::Consumer(c) => Ok(write_desc(d, c.pop().map_err(error)?)),
        End::Producer(_) => Err(SUBSTRATE_EINVAL),
    });
    result.unwrap_or_else(|e| e)
}

/// Asks the producer to signal after its next push (consumer), before
/// blocking on the channel's notification. Returns 1 if the ring is still
/// empty (block now), 0 if something arrived meanwhile (pop it); errors as
/// for `substrate_ring_pop`.
#[no_mangle]
pub extern "C" fn substrate_ring_want_signal(r: *mut substrate_ring_t) -> i32 {
    let result = stored(r).and_then(|end| match end {
        End::Consumer(c) => c.want_signal().map(|empty| empty as i32).map_err(error),
        End::Producer(_) => Err(SUBSTRATE_EINVAL),
    });
    result.unwrap_or_else(|e| e)
}

/// The number of descriptors the ring holds (either end), or
/// `SUBSTRATE_EINVAL` for an uninitialised ring.
#[no_mangle]
pub extern "C" fn substrate_ring_capacity(r: *mut substrate_ring_t) -> i64 {
    match stored(r) {
        Ok(End::Producer(p)) => p.capacity() as i64,
        Ok(End::Consumer(c)) => c.capacity() as i64,
        Err(e) => e as i64,
    }
}

/// A pool of bounce buffers in a data region (opaque; see
/// `substrate_ring_pool_create`).
pub struct substrate_ring_pool_t {
    magic: u64,
    pool: ring::BufferPool,
}

const POOL_MAGIC: u64 = u64::from_le_bytes(*b"sub-pool");

/// Creates a pool of `data_len / buffer_size` buffers of `buffer_size`
/// bytes (`buffer_size` > 0) on the heap; null if the arguments are bad
/// or memory is short. Only the owner's bookkeeping: nothing of it is in
/// shared memory.
#[no_mangle]
pub extern "C" fn substrate_ring_pool_create(
    data_len: u64,
    buffer_size: u32,
) -> *mut substrate_ring_pool_t {
    if buffer_size == 0 || data_len / (buffer_size as u64) == 0 {
        return ptr::null_mut();
    }
    alloc::boxed::Box::into_raw(alloc::boxed::Box::new(substrate_ring_pool_t {
        magic: POOL_MAGIC,
        pool: ring::BufferPool::new(data_len, buffer_size),
    }))
}

fn pool<'a>(p: *mut substrate_ring_pool_t) -> Result<&'a mut ring::BufferPool, i32> {
    check_writable(p)?;
    // SAFETY: C's writable memory (checked), aligned; only a pool from
    // `substrate_ring_pool_create` carries the magic word before its pool.
    unsafe {
        if ptr::addr_of!((*p).magic).read() != POOL_MAGIC {
            return Err(SUBSTRATE_EINVAL);
        }
        Ok(&mut (*p).pool)
    }
}

/// Lends a buffer: fills `*d` with its offset and whole length (cookie 0)
/// and returns 1, or 0 if none is free; `SUBSTRATE_EINVAL` for a bad pool.
/// # Safety
/// The pointers are checked against the program's memory
/// (`SUBSTRATE_EFAULT`); beyond that, a region must be shared with the
/// peer only and stay mapped while the ring is used.
#[no_mangle]
pub unsafe extern "C" fn substrate_ring_pool_take(
    p: *mut substrate_ring_pool_t,
    d: *mut substrate_ring_desc_t,
) -> i32 {
    let result = check_desc_out(d).and_then(|()| Ok(write_desc(d, pool(p)?.take())));
    result.unwrap_or_else(|e| e)
}

/// Takes back the buffer `*d` names: `SUBSTRATE_EINVAL` if the pool did
/// not lend it (or has it back already), so a peer cannot make two users
/// share one buffer.
/// # Safety
/// The pointers are checked against the program's memory
/// (`SUBSTRATE_EFAULT`); beyond that, a region must be shared with the
/// peer only and stay mapped while the ring is used.
#[no_mangle]
pub unsafe extern "C" fn substrate_ring_pool_give_back(
    p: *mut substrate_ring_pool_t,
    d: *const substrate_ring_desc_t,
) -> i32 {
    code(read_desc(d).and_then(|d| pool(p)?.give_back(&d).map_err(error)))
}

/// Frees a pool (null is ignored); `SUBSTRATE_EINVAL` for a pointer that
/// is not a live pool.
/// # Safety
/// `p` is checked against the program's memory and for a live pool's
/// mark; a pool must not be used after it is destroyed.
#[no_mangle]
pub unsafe extern "C" fn substrate_ring_pool_destroy(p: *mut substrate_ring_pool_t) -> i32 {
    if p.is_null() {
        return SUBSTRATE_OK;
    }
    code(pool(p).map(|_| {
        // SAFETY: a live pool from substrate_ring_pool_create (magic
        // checked); the magic is cleared so a second destroy is refused.
        unsafe {
            (*p).magic = 0;
            drop(alloc::boxed::Box::from_raw(p));
        }
    }))
}
