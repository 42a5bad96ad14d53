//! The console: the kernel's debug console (`seL4_DebugPutChar`) on kernels
//! built with printing, otherwise the serial port the runtime registered
//! with [`set_serial_console`] (COM1 through an I/O port capability).
//!
//! Release kernels (upstream's default, a verification build) have no debug
//! console; with the serial fallback `debug_println!` and everything built
//! on [`debug_put_char`] still reach the same wire, COM1, which the kernel
//! itself prints to where it prints at all.

use crate::capability::Cap;
use crate::serial::SerialPort;
use crate::CPtr;
use core::fmt;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// The registered serial console: the port capability's slot in the low 48
/// bits, the UART's base port above; 0 for none. One word, so a reader on
/// any thread sees a whole registration.
static SERIAL_CONSOLE: AtomicU64 = AtomicU64::new(0);

/// Registers `port` as the serial console: where [`debug_put_char`] writes
/// on kernels without a debug console, and what [`serial_console`] returns
/// to code that needs the console's UART (input, a log backend). The
/// runtime calls this at start-up with COM1; `None` unregisters. A
/// capability pointer above 48 bits cannot be registered (none is, in a
/// CNode addressed by slot number) and is ignored.
pub fn set_serial_console(port: Option<SerialPort>) {
    let word = match port {
        Some(p) if p.ports().cptr() >> 48 == 0 => p.ports().cptr() | (p.base() as u64) << 48,
        Some(_) => return,
        None => 0,
    };
    SERIAL_CONSOLE.store(word, Ordering::Release);
}

/// The serial console registered with [`set_serial_console`], if any.
pub fn serial_console() -> Option<SerialPort> {
    let word = SERIAL_CONSOLE.load(Ordering::Acquire);
    (word != 0).then(|| {
        SerialPort::new(
            Cap::from_cptr((word & ((1 << 48) - 1)) as CPtr),
            (word >> 48) as u16,
        )
    })
}

/// The registered console sink ([`set_console_sink`]): a `fn(&[u8])` as a
/// word, 0 for none.
static CONSOLE_SINK: AtomicUsize = AtomicUsize::new(0);

/// Sends everything written to the console to `sink` instead of the
/// kernel's debug console or the serial port: what a component does whose
/// console is a service (a system's components write whole lines through
/// the initializer, so the lines of several components never mix).
/// `None` restores the default.
pub fn set_console_sink(sink: Option<fn(&[u8])>) {
    CONSOLE_SINK.store(sink.map_or(0, |f| f as usize), Ordering::Release);
}

fn console_sink() -> Option<fn(&[u8])> {
    let word = CONSOLE_SINK.load(Ordering::Acquire);
    // SAFETY: a non-zero word was stored from a `fn(&[u8])` by
    // `set_console_sink`, so it is a valid pointer to such a function.
    (word != 0).then(|| unsafe { core::mem::transmute::<usize, fn(&[u8])>(word) })
}

/// Writes one byte to the console: the sink registered with
/// [`set_console_sink`] if there is one, else the kernel's debug console
/// (`seL4_DebugPutChar`) where the kernel has one, otherwise the registered
/// serial console (a `\n` as `\r\n`); dropped when there is neither.
#[inline]
pub fn debug_put_char(c: u8) {
    if let Some(sink) = console_sink() {
        return sink(&[c]);
    }
    device_put_char(c);
}

/// Writes one byte to the kernel's debug console or the serial console,
/// bypassing any sink: what a console service itself writes with.
#[inline]
pub fn device_put_char(c: u8) {
    #[cfg(sel4_printing)]
    // SAFETY: DebugPutChar takes no pointers and has no preconditions.
    unsafe {
        crate::sys::seL4_DebugPutChar(c as _)
    };
    #[cfg(not(sel4_printing))]
    if let Some(port) = serial_console() {
        let _ = port.write_text_byte(c);
    }
}

/// A [`fmt::Write`] sink for the console; `debug_print!` uses it.
#[derive(Default, Clone, Copy)]
pub struct DebugWriter;

impl fmt::Write for DebugWriter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        match console_sink() {
            Some(sink) => sink(s.as_bytes()),
            None => s.bytes().for_each(device_put_char),
        }
        Ok(())
    }
}

/// Prints to the console ([`debug_put_char`]), like `print!`.
#[macro_export]
macro_rules! debug_print {
    ($($arg:tt)*) => {{
        let _ = core::fmt::Write::write_fmt(&mut $crate::DebugWriter, format_args!($($arg)*));
    }};
}

/// Prints a line to the console ([`debug_put_char`]), like `println!`.
#[macro_export]
macro_rules! debug_println {
    () => { $crate::debug_print!("\n") };
    ($($arg:tt)*) => {{
        $crate::debug_print!($($arg)*);
        $crate::debug_print!("\n");
    }};
}
