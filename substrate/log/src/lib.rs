//! A [`log`] backend for seL4 components.
//!
//! ```ignore
//! substrate_log::init(log::LevelFilter::Info).unwrap();
//! log::info!("started");            // [INFO my_crate] started
//! log::debug!("not shown");         // below the level: dropped
//! ```
//!
//! Each record becomes one line, `[LEVEL target] message`, written to the
//! console (`sel4::debug_println!`'s: the kernel's debug console, or COM1
//! on kernels without one), to a 16550 serial port through an I/O port
//! capability (`seL4_X86_IOPort_Out8`), or to both; see [`Output`]. A spin lock keeps lines from several threads whole. Records
//! above the level set by [`init`] (or [`set_level`]) are dropped before any
//! formatting.
//!
//! On the x86_64 kernels this runs on, the kernel's own debug console *is*
//! COM1 (`0x3f8`), so the two outputs reach the same wire: the debug console
//! goes through the kernel, one system call per byte; [`Serial`] drives the
//! UART directly, still one system call per port access, and its lines can
//! interleave with the kernel's own output (e.g. fault reports) mid-line.
//! On kernels built without printing the console itself is the runtime's
//! COM1 ([`sel4::serial_console`]), so [`Output::DebugConsole`] and
//! [`Output::Serial`] on COM1 write the same way.
//!
//! Logging from inside a `Display` impl of a value being logged would wait
//! for the lock forever; format such values first.
#![no_std]

use core::fmt::{self, Write};

pub use log;
use log::{LevelFilter, Log, Metadata, Record, SetLoggerError};

/// The first I/O port of COM1, the PC's first serial port.
pub use sel4::serial::COM1;

/// A 16550-compatible UART driven through an I/O port capability
/// ([`sel4::SerialPort`]: `seL4_X86_IOPort_In8`/`Out8`, a bounded wait for
/// room in the transmitter, `\n` written as `\r\n`). The runtime's COM1 is
/// [`sel4::serial_console`].
pub type Serial = sel4::SerialPort;

/// Where log lines go.
#[derive(Debug, Clone, Copy)]
pub enum Output {
    /// The console (`sel4::debug_put_char`: the kernel's debug console, or
    /// the runtime's serial console on kernels without one). The default.
    DebugConsole,
    /// A serial port, directly.
    Serial(Serial),
    /// Both: each line on the debug console, then on the serial port.
    Both(Serial),
}

/// The line sinks of one [`Output`], as a [`fmt::Write`].
struct Sink(Output);

impl Write for Sink {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        match &mut self.0 {
            Output::DebugConsole => sel4::DebugWriter.write_str(s),
            Output::Serial(serial) => serial.write_str(s),
            Output::Both(serial) => {
                // A failing serial port must not cost the console its line.
                let console = sel4::DebugWriter.write_str(s);
                serial.write_str(s).and(console)
            }
        }
    }
}

/// The logger [`init`] installs.
struct Logger {
    /// The output, under the lock that also keeps each line whole.
    output: spin::Mutex<Output>,
}

impl Log for Logger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let output = self.output.lock();
        let mut sink = Sink(*output);
        // Nowhere to report a failing output; the line is dropped.
        let _ = writeln!(
            sink,
            "[{} {}] {}",
            record.level(),
            record.target(),
            record.args()
        );
    }

    fn flush(&self) {}
}

static LOGGER: Logger = Logger {
    output: spin::Mutex::new(Output::DebugConsole),
};

/// Installs the logger with level filter `level`, writing to the
/// console (`sel4::debug_put_char`). Fails if a logger is already set.
pub fn init(level: LevelFilter) -> Result<(), SetLoggerError> {
    init_with(level, Output::DebugConsole)
}

/// Installs the logger with level filter `level`, writing to `output`.
/// Fails if a logger is already set (the output is then left unchanged).
pub fn init_with(level: LevelFilter, output: Output) -> Result<(), SetLoggerError> {
    log::set_logger(&LOGGER)?;
    set_output(output);
    set_level(level);
    Ok(())
}

/// Changes where lines go from now on; waits for a line being written.
pub fn set_output(output: Output) {
    *LOGGER.output.lock() = output;
}

/// Changes the level filter: records above `level` are dropped.
pub fn set_level(level: LevelFilter) {
    log::set_max_level(level);
}
