extern crate std;

use super::*;
use std::boxed::Box;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

const BYTES: usize = RingLayout::bytes(8);
const DATA: u64 = 64 * 1024;

#[repr(C, align(64))]
struct Region([u8; BYTES]);

fn region() -> Box<Region> {
    Box::new(Region([0; BYTES]))
}

fn desc(offset: u64, cookie: u32) -> Descriptor {
    Descriptor {
        offset,
        len: 512,
        cookie,
    }
}

/// xorshift64*: a seeded generator, so failures repeat.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

#[test]
fn layout_takes_the_largest_power_of_two() {
    assert_eq!(
        RingLayout::for_region(BYTES),
        Ok(RingLayout { capacity: 8 })
    );
    assert_eq!(
        RingLayout::for_region(BYTES + 15 * DESC).unwrap().capacity,
        16
    );
    assert_eq!(RingLayout::for_region(4096).unwrap().capacity, 128);
    assert_eq!(
        RingLayout::for_region(SLOTS + DESC),
        Err(RingError::BadRegion)
    );
    assert_eq!(RingLayout::for_region(10), Err(RingError::BadRegion));
}

#[test]
fn fifo_full_and_empty() {
    let mut r = region();
    let base = r.0.as_mut_ptr();
    // SAFETY: the region lives for the test and is 64-byte aligned.
    let (mut p, mut c) = unsafe {
        (
            Producer::new(base, BYTES, DATA).unwrap(),
            Consumer::new(base, BYTES, DATA).unwrap(),
        )
    };
    assert_eq!(c.pop(), Ok(None));
    for i in 0..8 {
        let _ = p.push(desc(i * 512, i as u32)).unwrap();
    }
    assert_eq!(p.push(desc(0, 99)), Err(RingError::Full));
    for i in 0..8 {
        assert_eq!(c.pop(), Ok(Some(desc(i * 512, i as u32))));
    }
    assert_eq!(c.pop(), Ok(None));
    assert_eq!(p.free(), Ok(8));
}

#[test]
fn indices_wrap_around_u32() {
    let mut r = region();
    for word in [HEAD, TAIL] {
        r.0[word..word + 4].copy_from_slice(&(u32::MAX - 2).to_ne_bytes());
    }
    let base = r.0.as_mut_ptr();
    // SAFETY: as above.
    let (mut p, mut c) = unsafe {
        (
            Producer::new(base, BYTES, DATA).unwrap(),
            Consumer::new(base, BYTES, DATA).unwrap(),
        )
    };
    for round in 0..20u32 {
        let _ = p.push(desc(0, round)).unwrap();
        let _ = p.push(desc(512, round + 1000)).unwrap();
        assert_eq!(c.pop(), Ok(Some(desc(0, round))));
        assert_eq!(c.pop(), Ok(Some(desc(512, round + 1000))));
    }
}

#[test]
fn signals_only_when_the_consumer_asked() {
    let mut r = region();
    let base = r.0.as_mut_ptr();
    // SAFETY: as above.
    let (mut p, mut c) = unsafe {
        (
            Producer::new(base, BYTES, DATA).unwrap(),
            Consumer::new(base, BYTES, DATA).unwrap(),
        )
    };
    assert_eq!(p.push(desc(0, 1)), Ok(Signal::NotNeeded));
    // Something is there: the consumer must not block.
    assert_eq!(c.want_signal(), Ok(false));
    assert_eq!(c.pop(), Ok(Some(desc(0, 1))));
    assert_eq!(c.want_signal(), Ok(true));
    assert_eq!(p.push(desc(0, 2)), Ok(Signal::Needed));
    assert_eq!(p.push(desc(0, 3)), Ok(Signal::NotNeeded));
}

#[test]
fn out_of_bounds_descriptors_are_refused_on_both_sides() {
    let mut r = region();
    let base = r.0.as_mut_ptr();
    // SAFETY: as above.
    let (mut p, mut c) = unsafe {
        (
            Producer::new(base, BYTES, DATA).unwrap(),
            Consumer::new(base, BYTES, DATA).unwrap(),
        )
    };
    assert_eq!(p.push(desc(DATA - 100, 0)), Err(RingError::OutOfBounds));
    let huge = Descriptor {
        offset: u64::MAX - 10,
        len: 100,
        cookie: 0,
    };
    assert_eq!(p.push(huge), Err(RingError::OutOfBounds));
    // A peer writes one straight into the slot and bumps the head.
    // SAFETY: slot 0 is inside the region.
    unsafe { (base.add(SLOTS) as *mut Descriptor).write(huge) };
    r.0[HEAD..HEAD + 4].copy_from_slice(&1u32.to_ne_bytes());
    assert_eq!(c.pop(), Err(RingError::OutOfBounds));
    // ... consumed, so the ring goes on.
    assert_eq!(c.pop(), Ok(None));
}

#[test]
fn an_impossible_peer_index_is_reported_not_followed() {
    let mut r = region();
    let base = r.0.as_mut_ptr();
    // SAFETY: as above.
    let mut c = unsafe { Consumer::new(base, BYTES, DATA).unwrap() };
    r.0[HEAD..HEAD + 4].copy_from_slice(&1000u32.to_ne_bytes());
    assert_eq!(c.pop(), Err(RingError::Corrupt));
    assert_eq!(c.len(), Err(RingError::Corrupt));
    // SAFETY: as above.
    assert!(matches!(
        unsafe { Producer::new(base, BYTES, DATA) },
        Err(RingError::Corrupt)
    ));
    // The peer repairs it: we carry on from our own tail.
    r.0[HEAD..HEAD + 4].copy_from_slice(&0u32.to_ne_bytes());
    assert_eq!(c.pop(), Ok(None));
}

#[test]
fn reset_empties_an_impossible_ring_for_both_ends() {
    let mut r = region();
    let base = r.0.as_mut_ptr();
    // SAFETY: as above.
    let mut p = unsafe { Producer::new(base, BYTES, DATA).unwrap() };
    for i in 0..5 {
        assert_eq!(p.push(desc(i * 512, i as u32)), Ok(Signal::NotNeeded));
    }
    r.0[HEAD..HEAD + 4].copy_from_slice(&0x8000_0000u32.to_ne_bytes());
    r.0[WAITING..WAITING + 4].copy_from_slice(&1u32.to_ne_bytes());
    // SAFETY: as above.
    assert!(matches!(
        unsafe { Consumer::new(base, BYTES, DATA) },
        Err(RingError::Corrupt)
    ));
    // SAFETY: as above.
    unsafe { reset(base, BYTES).unwrap() };
    // SAFETY: as above.
    let (mut p, mut c) = unsafe {
        (
            Producer::new(base, BYTES, DATA).unwrap(),
            Consumer::new(base, BYTES, DATA).unwrap(),
        )
    };
    assert_eq!(c.pop(), Ok(None));
    assert_eq!(p.free(), Ok(8));
    // Nobody asked to be signalled since.
    assert_eq!(p.push(desc(0, 9)), Ok(Signal::NotNeeded));
    assert_eq!(c.pop(), Ok(Some(desc(0, 9))));
    // SAFETY: a region too small is refused, nothing written.
    assert_eq!(unsafe { reset(base, 8) }, Err(RingError::BadRegion));
}

/// The honest side against a peer that writes random bytes over the whole
/// ring between operations: never a panic, never a descriptor outside the
/// data region, and its own index only moves by its own operations.
#[test]
fn random_garbage_from_the_peer_never_escapes_the_checks() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut r = region();
    let base = r.0.as_mut_ptr();
    // SAFETY: as above.
    let (mut p, mut c) = unsafe {
        (
            Producer::new(base, BYTES, DATA).unwrap(),
            Consumer::new(base, BYTES, DATA).unwrap(),
        )
    };
    let (mut popped, mut refused) = (0, 0);
    for _ in 0..200_000 {
        // Overwrite a few random bytes, sometimes a whole index with a
        // plausible value.
        for _ in 0..(rng.next() % 4) {
            let at = (rng.next() % BYTES as u64) as usize;
            r.0[at] = rng.next() as u8;
        }
        if rng.next().is_multiple_of(8) {
            let word = [HEAD, TAIL, WAITING][(rng.next() % 3) as usize];
            let v = (c.tail).wrapping_add((rng.next() % 12) as u32);
            r.0[word..word + 4].copy_from_slice(&v.to_ne_bytes());
        }
        let tail_before = c.tail;
        match c.pop() {
            Ok(Some(d)) => {
                assert!(d.offset + d.len as u64 <= DATA, "{d:?} escaped the checks");
                assert_eq!(c.tail, tail_before.wrapping_add(1));
                popped += 1;
            }
            Ok(None) | Err(RingError::Corrupt) => {
                assert_eq!(c.tail, tail_before);
                refused += 1;
            }
            Err(RingError::OutOfBounds) => {
                assert_eq!(c.tail, tail_before.wrapping_add(1));
                refused += 1;
            }
            Err(e) => panic!("unexpected {e:?}"),
        }
        let head_before = p.head;
        match p.push(desc((rng.next() % 64) * 512, 7)) {
            Ok(_) => assert_eq!(p.head, head_before.wrapping_add(1)),
            Err(RingError::Full | RingError::Corrupt) => assert_eq!(p.head, head_before),
            Err(e) => panic!("unexpected {e:?}"),
        }
        let _ = c.want_signal();
    }
    assert!(
        popped > 1000 && refused > 1000,
        "popped {popped}, refused {refused}"
    );
}

/// Two honest sides on two threads move 100,000 descriptors in order
/// while a third thread scribbles on the pad bytes between the indices
/// (memory neither side owns), which must change nothing.
#[test]
fn two_threads_move_everything_in_order() {
    const N: u32 = 100_000;
    let r: &'static mut Region = Box::leak(region());
    let base = r.0.as_mut_ptr() as usize;
    let stop = Arc::new(AtomicBool::new(false));
    let scribbler = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut rng = Rng(42);
            while !stop.load(Ordering::Relaxed) {
                let at = 4 + (rng.next() % 56) as usize;
                // SAFETY: a pad byte of the header, touched by no one else.
                unsafe { ((base + at) as *mut u8).write_volatile(rng.next() as u8) };
            }
        })
    };
    let producer = std::thread::spawn(move || {
        // SAFETY: the region is leaked, so it lives for ever.
        let mut p = unsafe { Producer::new(base as *mut u8, BYTES, DATA).unwrap() };
        let mut i = 0;
        while i < N {
            match p.push(desc((i % 128) as u64 * 512, i)) {
                Ok(_) => i += 1,
                Err(RingError::Full) => std::thread::yield_now(),
                Err(e) => panic!("{e:?}"),
            }
        }
    });
    // SAFETY: as above.
    let mut c = unsafe { Consumer::new(base as *mut u8, BYTES, DATA).unwrap() };
    let mut next = 0;
    while next < N {
        match c.pop().unwrap() {
            Some(d) => {
                assert_eq!(d, desc((next % 128) as u64 * 512, next));
                next += 1;
            }
            None => std::thread::yield_now(),
        }
    }
    producer.join().unwrap();
    stop.store(true, Ordering::Relaxed);
    scribbler.join().unwrap();
}

#[test]
fn the_pool_takes_back_only_what_it_lent() {
    let mut pool = BufferPool::new(4 * 2048, 2048);
    assert_eq!(pool.available(), 4);
    let a = pool.take().unwrap();
    let b = pool.take().unwrap();
    assert_eq!((a.offset, b.offset), (0, 2048));
    assert_eq!(pool.give_back(&a), Ok(()));
    assert_eq!(pool.give_back(&a), Err(RingError::NotLent), "twice");
    let shifted = Descriptor { offset: 100, ..b };
    assert_eq!(pool.give_back(&shifted), Err(RingError::NotLent));
    let beyond = Descriptor {
        offset: 8 * 2048,
        ..b
    };
    assert_eq!(pool.give_back(&beyond), Err(RingError::NotLent));
    let longer = Descriptor { len: 4096, ..b };
    assert_eq!(pool.give_back(&longer), Err(RingError::NotLent));
    assert_eq!(pool.give_back(&Descriptor { len: 10, ..b }), Ok(()));
    while pool.take().is_some() {}
    assert_eq!(pool.available(), 0);
    assert_eq!(BufferPool::new(100, 0).available(), 0);
}
