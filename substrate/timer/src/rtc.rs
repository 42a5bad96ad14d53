//! The PC's real-time clock (the MC146818-compatible CMOS clock behind I/O
//! ports `0x70`/`0x71`), read once for the wall clock.
//!
//! [`read`] waits for the clock not to be mid-update (status register A,
//! bit 7), reads seconds to century twice until two reads agree, and
//! decodes BCD or binary and 12- or 24-hour mode (status register B). The
//! clock keeps UTC (QEMU's default, `-rtc base=utc`) and has whole
//! seconds; the century register (0x32) is used when it holds a valid
//! value, else the years are 2000-2099.

use sel4::cap;

/// The first I/O port of the clock: the index register; data at `+ 1`.
pub const RTC_PORT: u16 = 0x70;

fn reg(ports: cap::IoPort, index: u8) -> Option<u8> {
    // Bit 7 of the index keeps NMIs disabled as firmware leaves them.
    ports.out8(RTC_PORT, index | 0x80).ok()?;
    ports.in8(RTC_PORT + 1).ok()
}

/// The clock's registers: second, minute, hour, day, month, year, century.
fn snapshot(ports: cap::IoPort) -> Option<[u8; 7]> {
    // An update takes under 2 ms after the flag rises; bound the wait.
    let mut tries = 0u32;
    while reg(ports, 0x0A)? & 0x80 != 0 {
        tries += 1;
        if tries > 1_000_000 {
            return None;
        }
    }
    Some([
        reg(ports, 0x00)?,
        reg(ports, 0x02)?,
        reg(ports, 0x04)?,
        reg(ports, 0x07)?,
        reg(ports, 0x08)?,
        reg(ports, 0x09)?,
        reg(ports, 0x32)?,
    ])
}

fn from_bcd(v: u8) -> u8 {
    (v >> 4) * 10 + (v & 0x0f)
}

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Seconds since 1970-01-01 00:00 UTC the clock shows, or `None` when it
/// cannot be read or shows no valid date.
pub fn read(ports: cap::IoPort) -> Option<u64> {
    let mut last = snapshot(ports)?;
    let regs = loop {
        let now = snapshot(ports)?;
        if now == last {
            break now;
        }
        last = now;
    };
    let status_b = reg(ports, 0x0B)?;
    let binary = status_b & 0x04 != 0;
    let hours24 = status_b & 0x02 != 0;
    let dec = |v: u8| if binary { v } else { from_bcd(v) };
    let pm = regs[2] & 0x80 != 0;
    let mut hour = dec(regs[2] & 0x7f);
    if !hours24 {
        hour %= 12;
        if pm {
            hour += 12;
        }
    }
    let (sec, min, day, month, year) = (
        dec(regs[0]),
        dec(regs[1]),
        dec(regs[3]),
        dec(regs[4]),
        dec(regs[5]),
    );
    let century = match dec(regs[6]) {
        c @ 19..=99 => c,
        _ => 20,
    };
    if sec > 59
        || min > 59
        || hour > 23
        || !(1..=31).contains(&day)
        || !(1..=12).contains(&month)
        || year > 99
    {
        return None;
    }
    let y = i64::from(century) * 100 + i64::from(year);
    let days = days_from_civil(y, i64::from(month), i64::from(day));
    let secs = days * 86_400 + i64::from(hour) * 3600 + i64::from(min) * 60 + i64::from(sec);
    u64::try_from(secs).ok()
}
