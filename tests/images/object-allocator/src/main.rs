//! Checks `sel4-object-allocator` on the real kernel.
#![no_std]
#![no_main]

use sel4::{cap, CapRights, FrameSize, ObjectType};
use sel4_object_allocator::{AllocError, ObjectAllocator};
use substrate_root_task::{root_task, sel4};

fn check(cond: bool, what: &str) -> Result<(), AllocError> {
    if cond {
        Ok(())
    } else {
        sel4::debug_println!("check failed: {what}");
        Err(AllocError::Kernel(sel4::Error::IllegalOperation))
    }
}

#[root_task]
fn main(bootinfo: &sel4::BootInfo) -> Result<(), AllocError> {
    let mut objects = ObjectAllocator::new(bootinfo);

    for (object, bits) in [
        (ObjectType::Untyped, 16),
        (ObjectType::Tcb, 0),
        (ObjectType::Endpoint, 0),
        (ObjectType::Notification, 0),
        (ObjectType::CNode, 4),
        (ObjectType::Frame(FrameSize::Small), 0),
        (ObjectType::Frame(FrameSize::Large), 0),
        (ObjectType::PageTable, 0),
        (ObjectType::PageDirectory, 0),
        (ObjectType::Pdpt, 0),
        (ObjectType::VSpace, 0),
    ] {
        let c: cap::Unspecified = objects.allocate(object, bits)?;
        check(c.cptr() != 0, "a real slot")?;
    }
    sel4::debug_println!("created every object type");

    // A frame far from the image: the PDPT, directory and table get created.
    let vaddr = 0x7f00_0000_0000;
    let frame: cap::Frame = objects.allocate(ObjectType::Frame(FrameSize::Small), 0)?;
    objects.map_frame(
        sel4::init_thread::VSPACE,
        frame,
        vaddr,
        CapRights::read_write(),
    )?;
    let p = vaddr as *mut u64;
    // SAFETY: the frame was just mapped read-write at `vaddr`.
    unsafe { p.add(511).write_volatile(0x5ee1_f00d) };
    // SAFETY: as above.
    check(
        unsafe { p.add(511).read_volatile() } == 0x5ee1_f00d,
        "frame contents",
    )?;
    // A second frame next to it reuses the same paging structures.
    let slots_before = objects.free_slot_count();
    let frame2: cap::Frame = objects.allocate(ObjectType::Frame(FrameSize::Small), 0)?;
    objects.map_frame(
        sel4::init_thread::VSPACE,
        frame2,
        vaddr + 4096,
        CapRights::read_write(),
    )?;
    check(
        objects.free_slot_count() == slots_before - 1,
        "no extra paging structures",
    )?;
    // Mapping over an existing mapping is an error, not a crash.
    let err = objects.map_frame(
        sel4::init_thread::VSPACE,
        frame2,
        vaddr,
        CapRights::read_write(),
    );
    check(err.is_err(), "remapping a mapped frame fails")?;
    sel4::debug_println!("frame mapped at {vaddr:#x} reads back");

    // Exhaust memory with large untypeds, then small ones.
    let mut n = 0;
    let mut bits = 26;
    loop {
        match objects.allocate::<sel4::cap_type::Untyped>(ObjectType::Untyped, bits) {
            Ok(_) => n += 1,
            Err(AllocError::OutOfMemory) if bits > 12 => bits -= 1,
            Err(AllocError::OutOfMemory) => break,
            Err(e) => return Err(e),
        }
    }
    check(objects.free_memory() < 1 << 12, "no memory left")?;
    // The kernel agrees: no RAM untyped has room for a 4 KiB frame, including
    // the one the runtime retyped its main thread's TCB from (seL4 5.0) behind
    // the allocator's back, whose watermark the allocator had to learn from a
    // `NotEnoughMemory` refusal.
    let dir = sel4::AbsoluteCPtr {
        depth: 0,
        ..objects.cnode().absolute(0)
    };
    let probe = objects.alloc_slot()?;
    let first = bootinfo.untyped().start;
    for (i, d) in bootinfo.untyped_list().enumerate() {
        if d.is_device {
            continue;
        }
        let u: cap::Untyped = sel4::Cap::from_cptr((first + i) as sel4::CPtr);
        let r = u.retype(
            ObjectType::Frame(FrameSize::Small),
            0,
            &dir,
            probe as usize,
            1,
        );
        if r.is_ok() {
            sel4::debug_println!(
                "untyped {} ({} bytes at {:#x}) still has room",
                first + i,
                d.size(),
                d.paddr
            );
            objects.slot(probe).delete()?;
        }
        check(
            r == Err(sel4::Error::NotEnoughMemory),
            "every RAM untyped is exhausted",
        )?;
    }
    objects.free_slot(probe);
    sel4::debug_println!("out of memory after {n} untypeds");

    // Free slots are still usable for copies; exhaust them with copies of a frame capability.
    let src = objects.slot(frame.cptr());
    let mut copies = 0;
    loop {
        match objects.alloc_slot() {
            Ok(slot) => {
                objects.slot(slot).copy(&src, CapRights::read_only())?;
                copies += 1;
            }
            Err(AllocError::OutOfSlots) => break,
            Err(e) => return Err(e),
        }
    }
    // A slot already in use is refused by the kernel.
    let used = objects.slot(frame2.cptr());
    check(
        used.copy(&src, CapRights::read_only()) == Err(sel4::Error::DeleteFirst),
        "slot in use",
    )?;
    sel4::debug_println!("out of slots after {copies} copies");
    Ok(())
}
