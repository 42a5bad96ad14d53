//! The console: output through the kernel's debug console, input from the
//! first serial port (COM1) polled through an I/O-port capability.

use crate::runtime;
use crate::status::*;

/// COM1's first I/O port (receive buffer register).
const COM1: u16 = 0x3f8;
/// Line status register; bit 0: a received byte is waiting.
const LSR: u16 = COM1 + 5;

/// Writes `len` bytes from `buf` to the console, one `seL4_DebugPutChar`
/// per byte (dropped on a kernel built without printing). Returns the number
/// of bytes written (`len`), or `SUBSTRATE_EINVAL` if `buf` is null while
/// `len` is not 0, or `len` exceeds `INTPTR_MAX`.
///
/// # Safety
/// `buf` must be readable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn substrate_console_write(buf: *const u8, len: usize) -> isize {
    let Ok(n) = isize::try_from(len) else {
        return SUBSTRATE_EINVAL as isize;
    };
    if len == 0 {
        return 0;
    }
    if buf.is_null() {
        return SUBSTRATE_EINVAL as isize;
    }
    // SAFETY: the caller guarantees `len` readable bytes at `buf`.
    let bytes = unsafe { core::slice::from_raw_parts(buf, len) };
    bytes.iter().copied().for_each(sel4::debug_put_char);
    n
}

/// Reads up to `len` bytes typed on the console (COM1, polled with
/// `seL4_X86_IOPort_In8`; the processor is yielded with `seL4_Yield` while
/// nothing has arrived). Blocks until at least one byte is there, then
/// returns what is available, stopping after a newline or when `buf` is
/// full. Returns the number of bytes read; 0 when there is no input source
/// (the serial port's I/O-port capability cannot be issued) or `len` is 0;
/// `SUBSTRATE_EINVAL` for a null `buf` with a non-zero `len` or a `len`
/// above `INTPTR_MAX`; the kernel's error status (as from the seL4 calls)
/// if reading the port fails before any byte arrived.
///
/// # Safety
/// `buf` must be writable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn substrate_console_read(buf: *mut u8, len: usize) -> isize {
    if isize::try_from(len).is_err() {
        return SUBSTRATE_EINVAL as isize;
    }
    if len == 0 {
        return 0;
    }
    if buf.is_null() {
        return SUBSTRATE_EINVAL as isize;
    }
    let Some(port) = runtime::serial_port() else {
        return 0;
    };
    // SAFETY: the caller guarantees `len` writable bytes at `buf`.
    let out = unsafe { core::slice::from_raw_parts_mut(buf, len) };
    let mut n = 0;
    while n < out.len() {
        match port.in8(LSR) {
            Ok(status) if status & 1 != 0 => {}
            Ok(_) if n == 0 => {
                sel4::yield_now();
                continue;
            }
            Ok(_) => break,
            Err(e) => {
                if n == 0 {
                    return from_sel4(e) as isize;
                }
                break;
            }
        }
        let Ok(byte) = port.in8(COM1) else { break };
        out[n] = byte;
        n += 1;
        if byte == b'\n' || byte == b'\r' {
            break;
        }
    }
    n as isize
}
