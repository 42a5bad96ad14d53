//! `getrandom`: random bytes for std's `HashMap` keys and for crates such
//! as `rand`'s `OsRng`.
//!
//! The entropy: the processor's `RDRAND` where it has one (CPUID leaf 1,
//! ECX bit 30; QEMU's `-cpu max`, and current Intel and AMD processors),
//! which is a hardware random number generator. Without `RDRAND` the bytes
//! come from a SplitMix64 generator seeded from the TSC and advanced on
//! every call: well-distributed and different on every boot, but **not
//! cryptographically secure**: a program that needs secrets must check
//! that `RDRAND` is present.

use core::ffi::c_void;
use core::sync::atomic::{AtomicU64, Ordering};

/// Whether the processor has `RDRAND` (CPUID.1:ECX.RDRAND\[bit 30\]).
fn has_rdrand() -> bool {
    let r = core::arch::x86_64::__cpuid(1);
    r.ecx & (1 << 30) != 0
}

/// One word from `RDRAND`, retried as Intel advises (it can fail briefly
/// under load); `None` if it keeps failing.
fn rdrand() -> Option<u64> {
    for _ in 0..10 {
        let v: u64;
        let ok: u8;
        // SAFETY: only called when CPUID reports RDRAND.
        unsafe {
            core::arch::asm!("rdrand {v}", "setc {ok}", v = out(reg) v, ok = out(reg_byte) ok, options(nomem, nostack));
        }
        if ok != 0 {
            return Some(v);
        }
    }
    None
}

/// The SplitMix64 state of the fallback generator.
static STATE: AtomicU64 = AtomicU64::new(0);

/// One word of the fallback generator (see the module documentation).
fn splitmix() -> u64 {
    let tsc = substrate_timer::rdtsc();
    let mut z = STATE
        .fetch_add(0x9e37_79b9_7f4a_7c15 ^ (tsc << 1), Ordering::Relaxed)
        .wrapping_add(tsc);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Fills `buf` with random bytes (see the module documentation).
pub fn fill(buf: &mut [u8]) {
    let hw = has_rdrand();
    for chunk in buf.chunks_mut(8) {
        let w = if hw {
            rdrand().unwrap_or_else(splitmix)
        } else {
            splitmix()
        };
        chunk.copy_from_slice(&w.to_ne_bytes()[..chunk.len()]);
    }
}

/// glibc's `getrandom`: fills `len` bytes at `buf` (see the module
/// documentation for the entropy) and returns `len`; never blocks, for any
/// `flags`. `EFAULT` for a NULL `buf` with a non-zero `len`.
///
/// # Safety
/// `buf` must be writable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn getrandom(buf: *mut c_void, len: usize, _flags: u32) -> isize {
    if len == 0 {
        return 0;
    }
    if buf.is_null() {
        return crate::errno::fail_long(libc::EFAULT);
    }
    // SAFETY: the caller's guarantee.
    fill(unsafe { core::slice::from_raw_parts_mut(buf.cast(), len) });
    len.min(isize::MAX as usize) as isize
}

/// `getentropy`: [`getrandom`] for at most 256 bytes (`EIO` above).
///
/// # Safety
/// `buf` must be writable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn getentropy(buf: *mut c_void, len: usize) -> core::ffi::c_int {
    if len > 256 {
        return crate::errno::fail(libc::EIO);
    }
    // SAFETY: the caller's guarantee.
    if unsafe { getrandom(buf, len, 0) } < 0 {
        -1
    } else {
        0
    }
}
