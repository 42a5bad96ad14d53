//! A 16550 UART (the PC's serial ports) driven through an I/O port
//! capability: what the console falls back to on kernels without a debug
//! console (see [`crate::debug_put_char`]), and what the log backend and
//! serial drivers write to.

use crate::capability::cap;
use crate::{AbsoluteCPtr, Result};
use core::fmt;

/// The first I/O port of COM1; its eight registers follow.
pub const COM1: u16 = 0x3f8;

/// Register offsets from the UART's base port.
const DATA: u16 = 0; // receive buffer / transmit holding; divisor low with DLAB
const IER: u16 = 1; // interrupt enable; divisor high with DLAB
const FCR: u16 = 2; // FIFO control (write)
const LCR: u16 = 3; // line control
const MCR: u16 = 4; // modem control
const LSR: u16 = 5; // line status

/// Interrupt enable: interrupt while received data is available.
const IER_RX_AVAILABLE: u8 = 1 << 0;
/// Modem control: DTR, RTS and OUT2. On PCs OUT2 gates the UART's
/// interrupt line to the interrupt controller; without it none arrives.
const MCR_DTR_RTS_OUT2: u8 = 0b1011;

/// The ISA interrupt of COM1 (COM2 is 3).
pub const COM1_ISA_IRQ: u8 = 4;

/// Line status: a received byte is waiting.
const LSR_DATA_READY: u8 = 1 << 0;
/// Line status: the transmit holding register is empty.
const LSR_THR_EMPTY: u8 = 1 << 5;

/// How many times a write polls the line status for room before it sends
/// anyway: a UART that never drains (no device there) must not hang its
/// caller.
const TX_POLLS: usize = 10_000;

/// A 16550 UART at `base` whose eight ports `ports` covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SerialPort {
    ports: cap::IoPort,
    base: u16,
}

impl SerialPort {
    /// The UART at `base`, through a capability for its ports.
    pub const fn new(ports: cap::IoPort, base: u16) -> Self {
        SerialPort { ports, base }
    }

    /// Issues a capability for COM1's ports (`0x3f8..=0x3ff`) into `slot`
    /// ([`crate::issue_io_ports`]) and returns the UART. Current kernels
    /// issue a port range once: where the runtime already holds COM1 (it
    /// does, for the console), use [`crate::serial_console`] instead.
    pub fn issue_com1(slot: &AbsoluteCPtr) -> Result<Self> {
        let ports = crate::issue_io_ports(COM1, COM1 + 7, slot)?;
        Ok(SerialPort::new(ports, COM1))
    }

    /// The capability for the UART's ports.
    pub fn ports(&self) -> cap::IoPort {
        self.ports
    }

    /// The UART's base port.
    pub fn base(&self) -> u16 {
        self.base
    }

    /// Programs the line for 115200 baud, 8 data bits, no parity, one stop
    /// bit, FIFOs on, interrupts off (what the kernel does for its own
    /// debug console on kernels that print).
    pub fn init(&self) -> Result<()> {
        let out = |reg: u16, v: u8| self.ports.out8(self.base + reg, v);
        out(IER, 0)?;
        out(LCR, 0x80)?; // divisor latch access
        out(DATA, 1)?; // divisor 1: 115200 baud
        out(IER, 0)?;
        out(LCR, 0x03)?; // 8N1, latch closed
        out(FCR, 0x07)?; // FIFOs on and cleared
        out(MCR, 0x03) // DTR and RTS
    }

    /// Sends one byte once the transmitter has room
    /// (`seL4_X86_IOPort_In8` on the line status, `seL4_X86_IOPort_Out8`).
    pub fn write_byte(&self, byte: u8) -> Result<()> {
        for _ in 0..TX_POLLS {
            if self.ports.in8(self.base + LSR)? & LSR_THR_EMPTY != 0 {
                break;
            }
        }
        self.ports.out8(self.base + DATA, byte)
    }

    /// Sends one byte of text: a `\n` as `\r\n`, what terminals expect.
    pub fn write_text_byte(&self, byte: u8) -> Result<()> {
        if byte == b'\n' {
            self.write_byte(b'\r')?;
        }
        self.write_byte(byte)
    }

    /// Makes the UART raise its interrupt while received data is waiting
    /// (`seL4_X86_IOPort_Out8` on the interrupt enable register, and on the
    /// modem control register for OUT2, which gates the interrupt line on
    /// PCs). Only the receive interrupt: the console's output polls the
    /// transmitter and needs none. The line rises when a byte arrives (or,
    /// with the FIFOs on, when the FIFO reaches its trigger level or holds a
    /// byte for four character times) and falls once the receiver is read
    /// empty, so a reader must empty it ([`read_byte`](Self::read_byte)
    /// until `None`) before it waits for the next edge.
    pub fn enable_rx_interrupt(&self) -> Result<()> {
        self.ports.out8(self.base + MCR, MCR_DTR_RTS_OUT2)?;
        self.ports.out8(self.base + IER, IER_RX_AVAILABLE)
    }

    /// Turns the UART's interrupts off again (`seL4_X86_IOPort_Out8` on the
    /// interrupt enable register).
    pub fn disable_interrupts(&self) -> Result<()> {
        self.ports.out8(self.base + IER, 0)
    }

    /// A received byte, if one is waiting (`seL4_X86_IOPort_In8`).
    pub fn read_byte(&self) -> Result<Option<u8>> {
        if self.ports.in8(self.base + LSR)? & LSR_DATA_READY == 0 {
            return Ok(None);
        }
        Ok(Some(self.ports.in8(self.base + DATA)?))
    }
}

impl fmt::Write for SerialPort {
    /// Writes the text, each `\n` as `\r\n` (what terminals expect).
    fn write_str(&mut self, s: &str) -> fmt::Result {
        s.bytes()
            .try_for_each(|b| self.write_text_byte(b))
            .map_err(|_| fmt::Error)
    }
}
