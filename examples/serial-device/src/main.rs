//! A user-space driver for the PC's first serial port (COM1, a 16550 UART):
//! it reads typed lines and echoes them, until a line `quit`.
//!
//! * The UART's registers are x86 I/O ports `0x3f8..=0x3ff`, reached through
//!   an I/O port capability: the one the runtime issued for the console
//!   (`sel4::serial_console`; current kernels issue a port range once).
//! * Its interrupt is ISA IRQ 4, wired to pin 4 of IOAPIC 0 (edge-triggered,
//!   active high). `IRQControl_GetIOAPIC` routes that pin to a vector and
//!   gives us its handler, which delivers the interrupt as a signal on a
//!   notification. The kernel masks the pin when it delivers; `ack` unmasks.
//! * The console (the kernel's debug output, or on kernels without one the
//!   runtime's) is printed on the same UART. It polls the transmitter with
//!   the UART's interrupts disabled and never claims IRQ 4, so a user-space
//!   receiver and the console can share the device: we only touch the
//!   receive side and the interrupt enables.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use sel4::{cap, sys, ObjectType, Word};
use sel4_object_allocator::{AllocError, ObjectAllocator};
use substrate_root_task::{root_task, sel4};

/// COM1's first I/O port; its eight registers follow.
const COM1: u16 = 0x3f8;
/// Receive buffer register (read): the next received byte.
const RBR: u16 = COM1;
/// Interrupt enable register.
const IER: u16 = COM1 + 1;
/// Modem control register.
const MCR: u16 = COM1 + 4;
/// Line status register.
const LSR: u16 = COM1 + 5;

/// IER: interrupt when received data is available.
const IER_RX_AVAILABLE: u8 = 1 << 0;
/// MCR: DTR, RTS and OUT2. On PCs OUT2 gates the UART's interrupt line to
/// the interrupt controller; without it no interrupt arrives.
const MCR_DTR_RTS_OUT2: u8 = 0b1011;
/// LSR: a received byte is waiting in RBR.
const LSR_DATA_READY: u8 = 1 << 0;
/// LSR: a byte arrived before the previous one was read and was lost.
const LSR_OVERRUN: u8 = 1 << 1;

/// IOAPIC 0, pin 4: where the PC wires ISA IRQ 4 (COM1).
const IOAPIC: Word = 0;
const PIN: Word = 4;
/// The vector we route it to: the highest the kernel accepts. The kernel
/// programs the IOAPIC with hardware vector `IRQ_OFFSET + VECTOR`. Low
/// vectors are unsafe on seL4 5.0: after an interrupt nested inside the
/// kernel it runs on a stack it wrongly assumes page-aligned, which
/// overwrites the IDT entries of hardware vectors below 0x46 in the embedded
/// kernel; a later interrupt at such a vector faults on delivery
/// (`tools/kernel/README.md`). The highest vector's entry is the farthest
/// from that region.
const VECTOR: Word = cap::IrqControl::MAX_VECTOR;

/// Longest line kept; longer input is echoed in pieces of this size.
const MAX_LINE: usize = 256;

#[root_task]
fn main(bootinfo: &sel4::BootInfo) -> Result<(), AllocError> {
    let mut objects = ObjectAllocator::new(bootinfo);

    let ports = match sel4::serial_console() {
        Some(uart) if uart.base() == COM1 => uart.ports(),
        _ => return Err(AllocError::Kernel(sel4::Error::FailedLookup)),
    };
    let irq_slot = objects.alloc_slot()?;
    let irq = sel4::init_thread::IRQ_CONTROL.get_ioapic(
        &objects.slot(irq_slot),
        IOAPIC,
        PIN,
        false, // edge-triggered
        false, // active high
        VECTOR,
    )?;
    let notification: cap::Notification = objects.allocate(ObjectType::Notification, 0)?;
    irq.set_notification(notification)?;
    // In case the pin fired (and was masked) before it had a notification.
    irq.ack()?;

    ports.out8(MCR, MCR_DTR_RTS_OUT2)?;
    ports.out8(IER, IER_RX_AVAILABLE)?;

    let mut echo = Echo::default();
    let mut interrupts = 0usize;
    // Bytes that arrived before the interrupt was enabled raised no edge:
    // read them now, or they would sit in the UART for good. From here on
    // every byte that arrives raises an interrupt.
    echo.drain(ports)?;
    sel4::debug_println!(
        "serial: waiting for input (IOAPIC {IOAPIC} pin {PIN}, vector {VECTOR}, hardware vector {:#x})",
        sys::IRQ_OFFSET as Word + VECTOR
    );
    while !echo.quit {
        notification.wait();
        interrupts += 1;
        // Unmask first, then empty the receiver: a byte arriving after the
        // last read raises a fresh edge on an unmasked pin.
        irq.ack()?;
        echo.drain(ports)?;
    }

    ports.out8(IER, 0)?;
    irq.clear()?;
    sel4::debug_println!(
        "serial: {} bytes in {interrupts} interrupts{}",
        echo.bytes,
        if echo.overruns > 0 {
            ", some lost to overruns"
        } else {
            ""
        }
    );
    Ok(())
}

/// Collects received bytes into lines and echoes each complete line.
#[derive(Default)]
struct Echo {
    line: Vec<u8>,
    bytes: usize,
    overruns: usize,
    quit: bool,
}

impl Echo {
    /// Reads every byte the UART holds (`seL4_X86_IOPort_In8` on LSR and RBR).
    fn drain(&mut self, ports: cap::IoPort) -> sel4::Result<()> {
        loop {
            let status = ports.in8(LSR)?;
            if status & LSR_OVERRUN != 0 {
                self.overruns += 1;
            }
            if status & LSR_DATA_READY == 0 {
                return Ok(());
            }
            let byte = ports.in8(RBR)?;
            self.bytes += 1;
            self.receive(byte);
        }
    }

    fn receive(&mut self, byte: u8) {
        match byte {
            // A terminal sends CR, a pipe LF, some both: any ends a line and
            // empty lines are skipped.
            b'\r' | b'\n' if self.line.is_empty() => {}
            b'\r' | b'\n' => self.end_line(),
            _ => {
                self.line.push(byte);
                if self.line.len() == MAX_LINE {
                    self.end_line();
                }
            }
        }
    }

    fn end_line(&mut self) {
        let text = String::from_utf8_lossy(&self.line);
        sel4::debug_println!("echo: {text}");
        self.quit |= text == "quit";
        self.line.clear();
    }
}
