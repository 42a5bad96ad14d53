//! The console: output through `sel4::debug_put_char` (the kernel's debug
//! console, or COM1 on kernels without one), input from COM1 through the
//! runtime's I/O-port capability (`sel4::serial_console`), waiting for its
//! receive interrupt while nothing has arrived.

use crate::runtime::with_objects;
use crate::status::*;
use sel4::{cap, ObjectType, SerialPort};
use substrate_sync::Mutex;

/// The vector of COM1's interrupt on IOAPIC kernels: the highest, as in
/// `examples/serial-device` (the timer takes the one below it).
const RX_VECTOR: sel4::Word = cap::IrqControl::MAX_VECTOR;

/// COM1's receive interrupt, delivered to a notification.
#[derive(Debug, Clone, Copy)]
struct Rx {
    irq: cap::IrqHandler,
    notification: cap::Notification,
}

/// Held by the reading thread, one at a time. `None` until the first read
/// sets up COM1's interrupt; then `Some(None)` if that failed (reads then
/// poll, sleeping between polls).
static READER: Mutex<Option<Option<Rx>>> = Mutex::new(None);

/// Held by the writing thread for the whole of one write, so that what two
/// threads write at once comes out one write after the other, never mixed
/// byte by byte.
static WRITER: Mutex<()> = Mutex::new(());

/// Gives the reader lock a notification to block on (at start-up); fails,
/// giving it back, if the lock has one.
pub fn set_lock_notification(ntfn: cap::Notification) -> Result<(), cap::Notification> {
    READER.set_notification(ntfn)
}

/// Gives the writer lock a notification to block on (at start-up); fails,
/// giving it back, if the lock has one.
pub fn set_writer_notification(ntfn: cap::Notification) -> Result<(), cap::Notification> {
    WRITER.set_notification(ntfn)
}

/// Takes COM1's interrupt (ISA IRQ 4, `seL4_IRQControl_GetIOAPIC` or the
/// PIC's `seL4_IRQControl_Get`), binds it to a new notification
/// (`seL4_IRQHandler_SetNotification`, `seL4_IRQHandler_Ack`) and enables
/// the UART's receive interrupt. `None` if any of it fails (nothing is kept)
/// or the console is not COM1.
fn set_up_rx(port: SerialPort) -> Option<Rx> {
    if port.base() != sel4::serial::COM1 {
        return None;
    }
    with_objects(|objects| {
        let slot = objects.alloc_slot().map_err(from_alloc)?;
        let irq = match sel4::init_thread::IRQ_CONTROL.get_isa(
            &objects.slot(slot),
            sel4::serial::COM1_ISA_IRQ,
            RX_VECTOR,
        ) {
            Ok(irq) => irq,
            Err(e) => {
                objects.free_slot(slot);
                return Err(from_sel4(e));
            }
        };
        let bound = objects
            .allocate(ObjectType::Notification, 0)
            .map_err(from_alloc)
            .and_then(|notification: cap::Notification| {
                let rx = Rx { irq, notification };
                let r = irq
                    .set_notification(notification)
                    .and_then(|()| irq.ack())
                    .and_then(|()| port.enable_rx_interrupt());
                match r {
                    Ok(()) => Ok(rx),
                    Err(e) => {
                        let _ = objects.delete(notification.cptr());
                        Err(from_sel4(e))
                    }
                }
            });
        if bound.is_err() {
            let _ = port.disable_interrupts();
            let _ = objects.delete(slot);
        }
        bound
    })
    .ok()
}

/// Moves what COM1 holds into `out`, stopping after a newline or when `out`
/// is full: the number of bytes, or the kernel's error if reading the port
/// fails before any byte.
fn read_available(port: SerialPort, out: &mut [u8]) -> Result<usize, i32> {
    let mut n = 0;
    while n < out.len() {
        let byte = match port.read_byte() {
            Ok(Some(byte)) => byte,
            Ok(None) => break,
            Err(e) if n == 0 => return Err(from_sel4(e)),
            Err(_) => break,
        };
        out[n] = byte;
        n += 1;
        if byte == b'\n' || byte == b'\r' {
            break;
        }
    }
    Ok(n)
}

/// How long a read without COM1's interrupt sleeps between polls.
const POLL_NS: u64 = 10_000_000;

/// Reads up to `len` bytes typed on the console (COM1, read with
/// `seL4_X86_IOPort_In8`). Blocks until at least one byte is there, then
/// returns what is available, stopping after a newline or when `buf` is
/// full. While nothing has arrived the thread waits (`seL4_Wait`) for
/// COM1's receive interrupt (ISA IRQ 4, taken on the first read and
/// acknowledged with `seL4_IRQHandler_Ack` after each one), or, if the
/// interrupt cannot be had, sleeps 10 ms between polls
/// (`substrate_sleep_ns`). One thread reads at a time; others wait for it.
///
/// Returns the number of bytes read; 0 when there is no input source (the
/// runtime holds no I/O-port capability for COM1) or `len` is 0;
/// `SUBSTRATE_EINVAL` for a null `buf` with a non-zero `len` or a `len`
/// above `INTPTR_MAX`; `SUBSTRATE_EFAULT` if `buf .. buf + len` is not
/// writable memory of the program; the kernel's error status (as from the
/// seL4 calls) if reading the port fails before any byte arrived.
///
/// # Safety
/// `buf` must be writable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn substrate_console_read(buf: *mut u8, len: usize) -> isize {
    match check_buffer(buf, len, crate::user_mem::Access::Write) {
        Ok(true) => {}
        Ok(false) => return 0,
        Err(status) => return status,
    }
    let Some(port) = sel4::serial_console() else {
        return 0;
    };
    // SAFETY: checked to be the program's memory (and the caller
    // guarantees `len` writable bytes at `buf`).
    let out = unsafe { core::slice::from_raw_parts_mut(buf, len) };
    let mut reader = READER.lock();
    let rx = *reader.get_or_insert_with(|| set_up_rx(port));
    loop {
        // Empty the receiver before waiting: bytes that are already there
        // raise no new edge.
        match read_available(port, out) {
            Ok(0) => {}
            Ok(n) => return n as isize,
            Err(status) => return status as isize,
        }
        match rx {
            Some(rx) => {
                rx.notification.wait();
                // Unmask before reading: a byte arriving after the last read
                // then raises a fresh edge.
                let _ = rx.irq.ack();
            }
            None => {
                if crate::time::substrate_sleep_ns(POLL_NS) != SUBSTRATE_OK {
                    sel4::yield_now();
                }
            }
        }
    }
}

/// Writes `len` bytes from `buf` to the console, one `seL4_DebugPutChar`
/// per byte, or on a kernel built without printing to COM1 through the
/// runtime's I/O-port capability. One write is never mixed with another
/// thread's: writers take turns, a whole write each. Returns the number
/// of bytes written (`len`), or `SUBSTRATE_EINVAL` if `buf` is null while
/// `len` is not 0, or `len` exceeds `INTPTR_MAX`; `SUBSTRATE_EFAULT` if
/// `buf .. buf + len` is not readable memory of the program (nothing is
/// written then).
///
/// # Safety
/// `buf` must be readable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn substrate_console_write(buf: *const u8, len: usize) -> isize {
    match check_buffer(buf, len, crate::user_mem::Access::Read) {
        Ok(true) => {}
        Ok(false) => return 0,
        Err(status) => return status,
    }
    // SAFETY: checked to be the program's memory (and the caller
    // guarantees `len` readable bytes at `buf`).
    let bytes = unsafe { core::slice::from_raw_parts(buf, len) };
    // `None` only if this thread is inside a write already (it cannot be,
    // short of a fault handler writing): then it writes at once.
    let _turn = WRITER.lock_unless_held();
    bytes.iter().copied().for_each(sel4::debug_put_char);
    // At most `INTPTR_MAX` (checked).
    len as isize
}

/// The checks both console calls make of their buffer: `SUBSTRATE_EINVAL`
/// for a `len` above `INTPTR_MAX` or a null `buf` with a non-zero `len`,
/// `SUBSTRATE_EFAULT` for memory that is not the program's (as `isize`
/// statuses). `Ok(false)` for an empty buffer (nothing to do).
fn check_buffer(
    buf: *const u8,
    len: usize,
    access: crate::user_mem::Access,
) -> Result<bool, isize> {
    if isize::try_from(len).is_err() {
        return Err(SUBSTRATE_EINVAL as isize);
    }
    if len == 0 {
        return Ok(false);
    }
    if buf.is_null() {
        return Err(SUBSTRATE_EINVAL as isize);
    }
    crate::user_mem::check(buf, len, access).map_err(|e| e as isize)?;
    Ok(true)
}
