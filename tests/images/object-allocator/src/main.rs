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

    // A slot the allocator believes free but someone filled (here: a copy
    // made behind its back) is skipped, not a `DeleteFirst` forever.
    let ep: cap::Endpoint = objects.allocate(ObjectType::Endpoint, 0)?;
    let taken = objects.alloc_slot()?;
    objects.free_slot(taken);
    objects
        .slot(taken)
        .copy(&objects.slot(ep.cptr()), CapRights::all())?;
    let ntfn: cap::Notification = objects.allocate(ObjectType::Notification, 0)?;
    check(ntfn.cptr() != taken, "an occupied slot is skipped")?;
    ntfn.signal();
    let range = objects.alloc_slot_range(3)?;
    check(range.end - range.start == 3, "a run of three slots")?;
    let in_run: cap::Notification = objects.allocate(ObjectType::Notification, 0)?;
    check(
        !range.contains(&in_run.cptr()),
        "a run is not handed out again",
    )?;
    sel4::debug_println!("occupied slots are skipped");

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

    // A 2 MiB frame 1 GiB further on, where no page directory exists yet (the
    // PDPT does): the page directory is created, no page table.
    let vspace = sel4::init_thread::VSPACE;
    let rw = CapRights::read_write();
    let large_at = vaddr + (1 << 30);
    let large: cap::Frame = objects.allocate(ObjectType::Frame(FrameSize::Large), 0)?;
    let slots_before = objects.free_slot_count();
    objects.map_frame_sized(vspace, large, FrameSize::Large, large_at, rw)?;
    check(
        objects.free_slot_count() == slots_before - 1,
        "a page directory and no page table",
    )?;
    let words = (1 << 21) / 8;
    let p = large_at as *mut u64;
    for i in [0, 511, 512, words / 2, words - 1] {
        // SAFETY: the 2 MiB frame was just mapped read-write at `large_at`.
        unsafe { p.add(i).write_volatile(0xb16_0000 + i as u64) };
    }
    for i in [0, 511, 512, words / 2, words - 1] {
        // SAFETY: as above.
        let w = unsafe { p.add(i).read_volatile() };
        check(w == 0xb16_0000 + i as u64, "large frame contents")?;
    }
    // Its 2 MiB are taken: a 4 KiB frame inside is refused, and the page
    // table tried for it is gone again.
    let small: cap::Frame = objects.allocate(ObjectType::Frame(FrameSize::Small), 0)?;
    let slots_before = objects.free_slot_count();
    let err = objects.map_frame(vspace, small, large_at + (1 << 20), rw);
    check(err.is_err(), "no 4 KiB frame inside a 2 MiB mapping")?;
    check(
        objects.free_slot_count() == slots_before,
        "no page table left behind",
    )?;
    // Wrong size claims are errors that leave nothing behind, and the
    // address stays usable for the right claim.
    let large2: cap::Frame = objects.allocate(ObjectType::Frame(FrameSize::Large), 0)?;
    let fresh = vaddr + (2 << 30);
    check(
        objects.map_frame_sized(vspace, large2, FrameSize::Large, fresh + 4096, rw)
            == Err(AllocError::Kernel(sel4::Error::AlignmentError)),
        "an unaligned 2 MiB mapping",
    )?;
    let slots_before = objects.free_slot_count();
    check(
        objects.map_frame(vspace, large2, fresh, rw).is_err(),
        "a 2 MiB frame claimed 4 KiB",
    )?;
    check(
        objects.free_slot_count() == slots_before,
        "the claim's paging structures are removed",
    )?;
    let fresh_small = vaddr + (3 << 30);
    check(
        objects
            .map_frame_sized(vspace, small, FrameSize::Large, fresh_small, rw)
            .is_err(),
        "a 4 KiB frame claimed 2 MiB",
    )?;
    check(
        objects.free_slot_count() == slots_before,
        "the claim's page directory is removed",
    )?;
    objects.map_frame_sized(vspace, large2, FrameSize::Large, fresh, rw)?;
    check(
        objects.free_slot_count() == slots_before - 1,
        "the right claim then maps with a page directory",
    )?;
    // SAFETY: just mapped read-write at `fresh`.
    unsafe { (fresh as *mut u64).write_volatile(7) };
    // SAFETY: as above.
    check(
        unsafe { (fresh as *const u64).read_volatile() } == 7,
        "second large frame",
    )?;
    sel4::debug_println!("2 MiB frame mapped at {large_at:#x} with a page directory only");

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
    // By the allocator's count no page fits anywhere (untypeds it learned
    // about from refusals may still show a few bytes each).
    check(objects.capacity(12, 0).1 == 0, "no memory left")?;
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
