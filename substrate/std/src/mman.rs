//! Anonymous memory mappings: `mmap`, `munmap`, `mprotect`, with frames of
//! their own.
//!
//! Each mapping takes fresh virtual addresses in a region of its own
//! ([`REGION`], far from the heap and the image) and 4 KiB frames retyped
//! from untyped memory (or reused from an earlier `munmap`, zeroed again),
//! mapped there (`seL4_X86_Page_Map`). Protections are real:
//! `mprotect(PROT_NONE)` unmaps the pages (`seL4_X86_Page_Unmap`), so an
//! access faults, and `PROT_READ` maps them read-only; the frames keep
//! their contents meanwhile. `munmap` unmaps the frames and keeps them for
//! later mappings (retyped memory goes back to its untyped only with a
//! revoke of the whole untyped). std maps the alternate signal stack of
//! each thread this way, with a `PROT_NONE` guard page below it. File
//! mappings fail with `ENODEV` (there are no files).

use alloc::vec::Vec;
use core::ffi::{c_int, c_void};
use core::ops::Range;
use sel4::{cap, init_thread, CapRights, FrameSize, ObjectType};
use substrate_ffi::runtime::with_objects;
use substrate_ffi::status::from_alloc;

const PAGE: usize = 4096;

/// The virtual addresses of the mappings: 64 GiB from 512 GiB up (the
/// program break's region ends at 320 GiB; threads and the image are far
/// below).
pub const REGION: Range<usize> = 0x80_0000_0000..0x90_0000_0000;

/// One mapping: its pages' frames and protections.
struct Mapping {
    start: usize,
    /// One frame per page (a capability pointer).
    frames: Vec<u64>,
    /// Each page's protection (`PROT_*`).
    prot: Vec<c_int>,
}

struct State {
    /// The next unused address of [`REGION`].
    next: usize,
    mappings: Vec<Mapping>,
    /// Frames of unmapped mappings, for reuse.
    free: Vec<u64>,
}

/// A notification mutex would need a notification before the first
/// mapping; mappings are rare and short, so a spin lock serves.
static STATE: spin::Mutex<State> = spin::Mutex::new(State {
    next: REGION.start,
    mappings: Vec::new(),
    free: Vec::new(),
});

/// Maps (or, for `PROT_NONE`, leaves unmapped) frame `f` at `vaddr`.
fn map_page(f: u64, vaddr: usize, prot: c_int) -> Result<(), c_int> {
    if prot & (libc::PROT_READ | libc::PROT_WRITE | libc::PROT_EXEC) == 0 {
        return Ok(());
    }
    let rights = if prot & libc::PROT_WRITE != 0 {
        CapRights::read_write()
    } else {
        CapRights::read_only()
    };
    let frame = cap::Frame::from_cptr(f as sel4::CPtr);
    with_objects(|o| {
        o.map_frame_sized(init_thread::VSPACE, frame, FrameSize::Small, vaddr, rights)
            .map_err(from_alloc)
    })
    .map_err(|_| libc::ENOMEM)
}

fn unmap_page(f: u64, prot: c_int) {
    if prot & (libc::PROT_READ | libc::PROT_WRITE | libc::PROT_EXEC) != 0 {
        let _ = cap::Frame::from_cptr(f as sel4::CPtr).unmap();
    }
}

/// A frame for a new page: a reused one (zeroed through its new mapping by
/// the caller) or a fresh one (zeroed by the kernel), and whether it needs
/// zeroing.
fn take_frame(state: &mut State) -> Result<(u64, bool), c_int> {
    if let Some(f) = state.free.pop() {
        return Ok((f, true));
    }
    with_objects(|o| {
        o.allocate(ObjectType::Frame(FrameSize::Small), 0)
            .map(|f: cap::Frame| f.cptr() as u64)
            .map_err(from_alloc)
    })
    .map(|f| (f, false))
    .map_err(|_| libc::ENOMEM)
}

/// Creates an anonymous mapping of `len` bytes with protection `prot`.
fn map_anonymous(len: usize, prot: c_int) -> Result<usize, c_int> {
    let pages = len.div_ceil(PAGE);
    let mut state = STATE.lock();
    let start = state.next;
    let end = start
        .checked_add(pages * PAGE)
        .filter(|&e| e <= REGION.end)
        .ok_or(libc::ENOMEM)?;
    let mut m = Mapping {
        start,
        frames: Vec::new(),
        prot: Vec::new(),
    };
    if m.frames.try_reserve_exact(pages).is_err()
        || m.prot.try_reserve_exact(pages).is_err()
        || state.mappings.try_reserve(1).is_err()
        || state.free.try_reserve(pages).is_err()
    {
        return Err(libc::ENOMEM);
    }
    let rw = libc::PROT_READ | libc::PROT_WRITE;
    for i in 0..pages {
        let vaddr = start + i * PAGE;
        let made = take_frame(&mut state).and_then(|(f, dirty)| {
            // Mapped writable first so that a reused frame can be zeroed.
            match map_page(f, vaddr, rw) {
                Ok(()) => Ok((f, dirty)),
                Err(e) => {
                    state.free.push(f);
                    Err(e)
                }
            }
        });
        match made {
            Ok((f, dirty)) => {
                if dirty {
                    // SAFETY: the page was just mapped writable, and nothing
                    // else refers to it.
                    unsafe { (vaddr as *mut u8).write_bytes(0, PAGE) };
                }
                if prot != rw {
                    unmap_page(f, rw);
                    if let Err(e) = map_page(f, vaddr, prot) {
                        state.free.push(f);
                        release(&mut state, &m);
                        return Err(e);
                    }
                }
                m.frames.push(f);
                m.prot.push(prot);
            }
            Err(e) => {
                release(&mut state, &m);
                return Err(e);
            }
        }
    }
    state.next = end;
    state.mappings.push(m);
    Ok(start)
}

/// Unmaps every page of `m` and keeps the frames for reuse.
fn release(state: &mut State, m: &Mapping) {
    for (&f, &p) in m.frames.iter().zip(&m.prot) {
        unmap_page(f, p);
        state.free.push(f);
    }
}

/// POSIX `mmap`: anonymous private (or shared: one address space)
/// mappings at an address of the C library's choice; `addr` is only a
/// hint, and `MAP_FIXED` fails with `EINVAL`. `ENODEV` for file
/// mappings, `ENOMEM` when frames, slots or addresses run out.
/// `MAP_FAILED` (and errno) on failure.
#[no_mangle]
pub extern "C" fn mmap(
    _addr: *mut c_void,
    len: usize,
    prot: c_int,
    flags: c_int,
    fd: c_int,
    _off: i64,
) -> *mut c_void {
    let result = if flags & libc::MAP_ANONYMOUS == 0 || fd != -1 {
        Err(libc::ENODEV)
    } else if flags & libc::MAP_FIXED != 0 || len == 0 {
        Err(libc::EINVAL)
    } else {
        map_anonymous(len, prot)
    };
    match result {
        Ok(a) => a as *mut c_void,
        Err(e) => {
            crate::errno::set(e);
            libc::MAP_FAILED
        }
    }
}

/// glibc's `mmap64`: [`mmap`].
#[no_mangle]
pub extern "C" fn mmap64(
    addr: *mut c_void,
    len: usize,
    prot: c_int,
    flags: c_int,
    fd: c_int,
    off: i64,
) -> *mut c_void {
    mmap(addr, len, prot, flags, fd, off)
}

/// POSIX `munmap` of a whole mapping from [`mmap`]; `EINVAL` for anything
/// else (part of a mapping is not supported).
///
/// # Safety
/// Nothing may use the mapping afterwards.
#[no_mangle]
pub unsafe extern "C" fn munmap(addr: *mut c_void, len: usize) -> c_int {
    let mut state = STATE.lock();
    let pages = len.div_ceil(PAGE);
    let Some(i) = state
        .mappings
        .iter()
        .position(|m| m.start == addr as usize && m.frames.len() == pages)
    else {
        return crate::errno::fail(libc::EINVAL);
    };
    let m = state.mappings.swap_remove(i);
    release(&mut state, &m);
    0
}

/// POSIX `mprotect` of pages of a mapping from [`mmap`]: `PROT_NONE`
/// unmaps them (accesses fault), `PROT_READ` maps them read-only,
/// `PROT_READ | PROT_WRITE` read-write; contents are kept. `ENOMEM` for an
/// address outside the mappings, `EINVAL` for an unaligned one.
///
/// # Safety
/// Nothing may rely on access to pages made inaccessible.
#[no_mangle]
pub unsafe extern "C" fn mprotect(addr: *mut c_void, len: usize, prot: c_int) -> c_int {
    let a = addr as usize;
    if !a.is_multiple_of(PAGE) {
        return crate::errno::fail(libc::EINVAL);
    }
    let pages = len.div_ceil(PAGE);
    let mut state = STATE.lock();
    let Some(m) = state
        .mappings
        .iter_mut()
        .find(|m| a >= m.start && a + pages * PAGE <= m.start + m.frames.len() * PAGE)
    else {
        return crate::errno::fail(libc::ENOMEM);
    };
    let first = (a - m.start) / PAGE;
    for i in first..first + pages {
        if m.prot[i] == prot {
            continue;
        }
        unmap_page(m.frames[i], m.prot[i]);
        let vaddr = m.start + i * PAGE;
        if let Err(e) = map_page(m.frames[i], vaddr, prot) {
            m.prot[i] = libc::PROT_NONE;
            return crate::errno::fail(e);
        }
        m.prot[i] = prot;
    }
    0
}
