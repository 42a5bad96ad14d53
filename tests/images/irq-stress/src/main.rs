//! Stresses IOAPIC interrupt delivery at the vector drivers are told to use
//! (`cap::IrqControl::MAX_VECTOR`).
//!
//! The PC's programmable interval timer (PIT, ISA IRQ 0, IOAPIC 0 pin 2) is
//! set to interrupt at about 5 kHz, far more often than the kernel's own
//! timer (every 2 ms). So the PIT's interrupt is regularly pending while the
//! kernel handles its timer, and is taken nested inside the kernel. On seL4
//! 5.0 that path overwrites the IDT entries of low vectors (see
//! `tools/kernel/README.md`); with such a vector this image faults within a
//! few hundred interrupts (a #GP on delivery, `user exception 0xd` or a
//! kernel exception). With the vector the API recommends, every interrupt
//! arrives.
#![no_std]
#![no_main]

use sel4::{cap, sys, ObjectType, Word};
use sel4_object_allocator::{AllocError, ObjectAllocator};
use substrate_root_task::{root_task, sel4};

/// PIT channel 0 data port and the mode/command port.
const PIT_CHANNEL0: u16 = 0x40;
const PIT_COMMAND: u16 = 0x43;
/// Command: channel 0 (bits 7-6 = 00), low then high byte of the count
/// (bits 5-4 = 11), mode 2 (bits 3-1 = 010: rate generator, a pulse every
/// `count` input cycles), binary (bit 0 = 0).
const PIT_RATE_GENERATOR: u8 = 0x34;
/// Command: as above with mode 0 (one-shot): the counter holds until a
/// count is written, which stops the pulses.
const PIT_STOP: u8 = 0x30;
/// The PIT counts at 1.193182 MHz: 239 cycles is about 5 kHz.
const PIT_COUNT: u16 = 239;

/// IOAPIC 0, pin 2: where the PC (and QEMU) wires ISA IRQ 0, the PIT.
const IOAPIC: Word = 0;
const PIN: Word = 2;
/// The vector drivers are told to use.
const VECTOR: Word = cap::IrqControl::MAX_VECTOR;
/// Interrupts to receive.
const INTERRUPTS: usize = 4000;

#[root_task]
fn main(bootinfo: &sel4::BootInfo) -> Result<(), AllocError> {
    let mut objects = ObjectAllocator::new(bootinfo);

    let ports_slot = objects.alloc_slot()?;
    let pit = sel4::issue_io_ports(PIT_CHANNEL0, PIT_COMMAND, &objects.slot(ports_slot))?;
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
    irq.ack()?;
    sel4::debug_println!(
        "irq-stress: PIT on IOAPIC {IOAPIC} pin {PIN}, vector {VECTOR} (hardware vector {:#x})",
        sys::IRQ_OFFSET as Word + VECTOR
    );

    pit.out8(PIT_COMMAND, PIT_RATE_GENERATOR)?;
    pit.out8(PIT_CHANNEL0, PIT_COUNT as u8)?;
    pit.out8(PIT_CHANNEL0, (PIT_COUNT >> 8) as u8)?;

    let mut received = 0;
    while received < INTERRUPTS {
        notification.wait();
        received += 1;
        // The last one stays unacknowledged: the kernel keeps the line
        // masked, so no interrupt still in flight when the PIT stops can
        // arrive after `clear` (the kernel would print "Undelivered IRQ"
        // into the middle of the next line).
        if received < INTERRUPTS {
            irq.ack()?;
        }
    }

    pit.out8(PIT_COMMAND, PIT_STOP)?;
    irq.clear()?;
    sel4::debug_println!("irq-stress: {received} interrupts received");
    Ok(())
}
