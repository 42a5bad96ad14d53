//! Monotonic time from the processor's time-stamp counter.
//!
//! seL4 5.0 does not tell user space the TSC frequency, so it is measured
//! once, on the first call, against the PC's programmable interval timer
//! (PIT channel 2, 1.193182 MHz, gated and read through port 0x61; ports
//! reached through I/O-port capabilities issued to the root task). The
//! measurement window is 10 ms of PIT time; each port access is a system
//! call of a few microseconds, so the frequency is accurate to well under
//! 1% (under QEMU without `-icount` both clocks follow the host's time). If
//! the ports cannot be issued, a nominal 1 GHz is assumed and a warning is
//! printed: time then still increases monotonically, but its unit is wrong.

use crate::runtime;

/// The PIT's input clock in Hz.
const PIT_HZ: u64 = 1_193_182;
/// PIT counts in the calibration window (10 ms).
const PIT_COUNTS: u16 = 11_932;
/// Fallback frequency when the PIT cannot be used.
const NOMINAL_HZ: u64 = 1_000_000_000;

static TSC_HZ: spin::Once<u64> = spin::Once::new();

fn rdtsc() -> u64 {
    // SAFETY: `rdtsc` reads the time-stamp counter; user mode may execute it
    // (the kernel leaves CR4.TSD clear).
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Measures the TSC frequency against PIT channel 2 (mode 0, one-shot).
fn calibrate() -> Option<u64> {
    let (pit, gate) = runtime::pit_ports()?;
    let ctl = gate.in8(0x61).ok()?;
    // Gate off, speaker off; channel 2, low then high byte, mode 0, binary.
    gate.out8(0x61, ctl & 0xfc).ok()?;
    pit.out8(0x43, 0xb0).ok()?;
    pit.out8(0x42, (PIT_COUNTS & 0xff) as u8).ok()?;
    pit.out8(0x42, (PIT_COUNTS >> 8) as u8).ok()?;
    // Gate on: the count starts; OUT2 (port 0x61 bit 5) rises at zero.
    gate.out8(0x61, (ctl & 0xfc) | 1).ok()?;
    let start = rdtsc();
    let mut polls: u64 = 0;
    while gate.in8(0x61).ok()? & 0x20 == 0 {
        polls += 1;
        if polls > 10_000_000 {
            return None;
        }
    }
    let ticks = rdtsc().wrapping_sub(start);
    gate.out8(0x61, ctl).ok()?;
    let hz = u128::from(ticks) * u128::from(PIT_HZ) / u128::from(PIT_COUNTS);
    u64::try_from(hz).ok().filter(|&hz| hz > 0)
}

fn tsc_hz() -> u64 {
    *TSC_HZ.call_once(|| {
        calibrate().unwrap_or_else(|| {
            sel4::debug_println!("substrate_time_ns: PIT unavailable; assuming a 1 GHz TSC");
            NOMINAL_HZ
        })
    })
}

/// Nanoseconds since the processor started, monotonic (never decreasing),
/// from the TSC (`rdtsc`) scaled by its measured frequency. The first call
/// measures the frequency (about 10 ms). Needs no capabilities afterwards.
#[no_mangle]
pub extern "C" fn substrate_time_ns() -> u64 {
    let hz = tsc_hz();
    let ns = u128::from(rdtsc()) * 1_000_000_000 / u128::from(hz);
    u64::try_from(ns).unwrap_or(u64::MAX)
}

/// The measured TSC frequency in Hz (measuring it on first use).
#[no_mangle]
pub extern "C" fn substrate_tsc_hz() -> u64 {
    tsc_hz()
}
