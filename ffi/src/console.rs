//! The console: output through `sel4::debug_put_char` (the kernel's debug
//! console, or COM1 on kernels without one), input from COM1 polled
//! through the runtime's I/O-port capability (`sel4::serial_console`).

use crate::status::*;

/// Writes `len` bytes from `buf` to the console, one `seL4_DebugPutChar`
/// per byte, or on a kernel built without printing to COM1 through the
/// runtime's I/O-port capability. Returns the number
/// of bytes written (`len`), or `SUBSTRATE_EINVAL` if `buf` is null while
/// `len` is not 0, or `len` exceeds `INTPTR_MAX`; `SUBSTRATE_EFAULT` if
/// `buf .. buf + len` is not readable memory of the program (nothing is
/// written then).
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
    if let Err(e) = crate::user_mem::check(buf, len, crate::user_mem::Access::Read) {
        return e as isize;
    }
    // SAFETY: checked to be the program's memory (and the caller
    // guarantees `len` readable bytes at `buf`).
    let bytes = unsafe { core::slice::from_raw_parts(buf, len) };
    bytes.iter().copied().for_each(sel4::debug_put_char);
    n
}

/// Reads up to `len` bytes typed on the console (COM1, polled with
/// `seL4_X86_IOPort_In8`; the processor is yielded with `seL4_Yield` while
/// nothing has arrived). Blocks until at least one byte is there, then
/// returns what is available, stopping after a newline or when `buf` is
/// full. Returns the number of bytes read; 0 when there is no input source
/// (the runtime holds no I/O-port capability for COM1) or `len` is 0;
/// `SUBSTRATE_EINVAL` for a null `buf` with a non-zero `len` or a `len`
/// above `INTPTR_MAX`; `SUBSTRATE_EFAULT` if `buf .. buf + len` is not
/// writable memory of the program; the kernel's error status (as from the seL4 calls)
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
    if let Err(e) = crate::user_mem::check(buf, len, crate::user_mem::Access::Write) {
        return e as isize;
    }
    let Some(port) = sel4::serial_console() else {
        return 0;
    };
    // SAFETY: the caller guarantees `len` writable bytes at `buf`.
    let out = unsafe { core::slice::from_raw_parts_mut(buf, len) };
    let mut n = 0;
    while n < out.len() {
        let byte = match port.read_byte() {
            Ok(Some(byte)) => byte,
            Ok(None) if n == 0 => {
                sel4::yield_now();
                continue;
            }
            Ok(None) => break,
            Err(e) if n == 0 => return from_sel4(e) as isize,
            Err(_) => break,
        };
        out[n] = byte;
        n += 1;
        if byte == b'\n' || byte == b'\r' {
            break;
        }
    }
    n as isize
}
