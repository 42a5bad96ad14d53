//! Mapping and unmapping frames and paging structures.

use crate::{alloc, slot};
use sel4::{cap, init_thread, CapRights, FrameSize, ObjectType, VM_DEFAULT};
use substrate_root_task::sel4;
use substrate_test::{ensure, ensure_eq, TestContext};

/// Each test maps in its own 1 GiB window, far from the image (which sits
/// at 4 MiB) and in a PML4 entry nothing else uses.
const WINDOW: usize = 0x100_0000_0000;
const GIB: usize = 1 << 30;

fn word(vaddr: usize, index: usize) -> *mut u64 {
    (vaddr as *mut u64).wrapping_add(index)
}

#[substrate_test::test]
fn frame_contents_survive_unmap_and_remap(ctx: &mut TestContext) -> substrate_test::Result {
    let (a, b) = (WINDOW, WINDOW + 0x7000);
    let vspace = init_thread::VSPACE;
    let frame: cap::Frame = alloc(ctx, ObjectType::Frame(FrameSize::Small), 0)?;
    let paddr = frame.physical_address()?;
    ensure_eq!(paddr % 4096, 0);
    ctx.objects()
        .map_frame(vspace, frame, a, CapRights::read_write())?;
    for i in 0..512 {
        // SAFETY: the frame is mapped read-write at `a`.
        unsafe { word(a, i).write_volatile(0xa5a5_0000_0000 + i as u64) };
    }
    frame.unmap()?;
    ctx.objects()
        .map_frame(vspace, frame, b, CapRights::read_write())?;
    for i in 0..512 {
        // SAFETY: the same frame is mapped at `b` now.
        let v = unsafe { word(b, i).read_volatile() };
        ensure_eq!(v, 0xa5a5_0000_0000 + i as u64);
    }
    ensure_eq!(frame.physical_address()?, paddr);
    frame.unmap()?;
    // Not tested: unmapping an unmapped frame. seL4 5.0 returns from that
    // invocation without a reply, leaving the request's own label (the
    // number of X86PageUnmap) where the error code belongs.
    Ok(())
}

#[substrate_test::test]
fn a_copy_maps_the_same_memory(ctx: &mut TestContext) -> substrate_test::Result {
    let (a, b) = (WINDOW + GIB, WINDOW + GIB + 0x1000);
    let vspace = init_thread::VSPACE;
    let frame: cap::Frame = alloc(ctx, ObjectType::Frame(FrameSize::Small), 0)?;
    let copy = ctx.objects().alloc_slot()?;
    slot(copy).copy(&slot(frame.cptr()), CapRights::all())?;
    let copy: cap::Frame = sel4::Cap::from_cptr(copy);
    ctx.objects()
        .map_frame(vspace, frame, a, CapRights::read_write())?;
    ctx.objects()
        .map_frame(vspace, copy, b, CapRights::read_only())?;
    // SAFETY: mapped read-write at `a`.
    unsafe { word(a, 100).write_volatile(0x1234_5678_9abc_def0) };
    // SAFETY: the same frame is mapped readable at `b`.
    ensure_eq!(
        unsafe { word(b, 100).read_volatile() },
        0x1234_5678_9abc_def0
    );
    frame.unmap()?;
    copy.unmap()?;
    Ok(())
}

#[substrate_test::test]
fn mapping_a_mapped_frame_again_fails(ctx: &mut TestContext) -> substrate_test::Result {
    let a = WINDOW + 2 * GIB;
    let vspace = init_thread::VSPACE;
    let frame: cap::Frame = alloc(ctx, ObjectType::Frame(FrameSize::Small), 0)?;
    ctx.objects()
        .map_frame(vspace, frame, a, CapRights::read_write())?;
    // The same capability at a second address: refused (a frame capability
    // holds one mapping), with the error the interface documents for that
    // case where it documents errors (current kernels: `InvalidArgument`,
    // "already mapped at a different virtual address"); seL4 5.0, whose
    // interface documents none, answers `InvalidCapability`.
    #[cfg(sel4_has = "X86_Page_Map.error.InvalidArgument")]
    let want = sel4::Error::InvalidArgument;
    #[cfg(not(sel4_has = "X86_Page_Map.error.InvalidArgument"))]
    let want = sel4::Error::InvalidCapability;
    ensure_eq!(
        frame.map(vspace, a + 0x1000, CapRights::read_write(), VM_DEFAULT),
        Err(want)
    );
    // Another frame at the occupied address. seL4 5.0 refuses with
    // `DeleteFirst`. Current kernels document the same but, for a 4 KiB
    // frame, replace the mapping (their `createSafeMappingEntries_PTE`
    // does not look at the old entry): then the address must show the new
    // frame's memory. Nothing else is acceptable.
    // SAFETY: `frame` is mapped read-write at `a`.
    unsafe { word(a, 0).write_volatile(0x5eed) };
    let other: cap::Frame = alloc(ctx, ObjectType::Frame(FrameSize::Small), 0)?;
    match other.map(vspace, a, CapRights::read_write(), VM_DEFAULT) {
        Err(sel4::Error::DeleteFirst) => {}
        Ok(()) => {
            // SAFETY: `other`, a new (zeroed) frame, is mapped at `a` now.
            ensure_eq!(unsafe { word(a, 0).read_volatile() }, 0);
            other.unmap()?;
        }
        r => ensure_eq!(r, Err(sel4::Error::DeleteFirst)),
    }
    frame.unmap()?;
    // Once unmapped, the address is free for the other frame.
    other.map(vspace, a, CapRights::read_write(), VM_DEFAULT)?;
    other.unmap()?;
    Ok(())
}

#[substrate_test::test]
fn each_paging_level_maps_explicitly(ctx: &mut TestContext) -> substrate_test::Result {
    // A PML4 entry of its own: every level below it is missing.
    let base = WINDOW + (512 << 30);
    let vspace = init_thread::VSPACE;
    let frame: cap::Frame = alloc(ctx, ObjectType::Frame(FrameSize::Small), 0)?;
    ensure_eq!(
        frame.map(vspace, base, CapRights::read_write(), VM_DEFAULT),
        Err(sel4::Error::FailedLookup)
    );
    let pdpt: cap::Pdpt = alloc(ctx, ObjectType::Pdpt, 0)?;
    let pd: cap::PageDirectory = alloc(ctx, ObjectType::PageDirectory, 0)?;
    let pt: cap::PageTable = alloc(ctx, ObjectType::PageTable, 0)?;
    // Top-down: a level needs the one above it.
    ensure_eq!(
        pt.map(vspace, base, VM_DEFAULT),
        Err(sel4::Error::FailedLookup)
    );
    pdpt.map(vspace, base, VM_DEFAULT)?;
    pd.map(vspace, base, VM_DEFAULT)?;
    pt.map(vspace, base, VM_DEFAULT)?;
    // A second page table for the same 2 MiB is refused.
    let pt2: cap::PageTable = alloc(ctx, ObjectType::PageTable, 0)?;
    ensure_eq!(
        pt2.map(vspace, base, VM_DEFAULT),
        Err(sel4::Error::DeleteFirst)
    );
    frame.map(vspace, base, CapRights::read_write(), VM_DEFAULT)?;
    // SAFETY: mapped read-write at `base`.
    unsafe { word(base, 0).write_volatile(42) };
    // SAFETY: as above.
    ensure_eq!(unsafe { word(base, 0).read_volatile() }, 42);
    frame.unmap()?;

    // A 2 MiB frame goes straight into the page directory, next to the table.
    let large: cap::LargeFrame = alloc(ctx, ObjectType::Frame(FrameSize::Large), 0)?;
    let large = large.cast::<sel4::cap_type::Frame>();
    let at = base + (2 << 20);
    large.map(vspace, at, CapRights::read_write(), VM_DEFAULT)?;
    let last = (2 << 20) / 8 - 1;
    // SAFETY: the 2 MiB frame is mapped read-write at `at`.
    unsafe {
        word(at, 0).write_volatile(1);
        word(at, last).write_volatile(2);
    }
    // SAFETY: as above.
    let (first, end) = unsafe { (word(at, 0).read_volatile(), word(at, last).read_volatile()) };
    ensure_eq!((first, end), (1, 2));
    // Where the page table is, a large frame does not fit.
    let large2: cap::LargeFrame = alloc(ctx, ObjectType::Frame(FrameSize::Large), 0)?;
    ensure!(large2
        .cast::<sel4::cap_type::Frame>()
        .map(vspace, base, CapRights::read_write(), VM_DEFAULT)
        .is_err());
    large.unmap()?;
    Ok(())
}

#[substrate_test::test]
fn a_new_vspace_needs_an_asid(ctx: &mut TestContext) -> substrate_test::Result {
    let vspace: cap::VSpace = alloc(ctx, ObjectType::VSpace, 0)?;
    let pdpt: cap::Pdpt = alloc(ctx, ObjectType::Pdpt, 0)?;
    ensure_eq!(
        pdpt.map(vspace, WINDOW, VM_DEFAULT),
        Err(sel4::Error::InvalidCapability)
    );
    init_thread::ASID_POOL.assign(vspace)?;
    pdpt.map(vspace, WINDOW, VM_DEFAULT)?;
    // Assigning twice is refused.
    ensure_eq!(
        init_thread::ASID_POOL.assign(vspace),
        Err(sel4::Error::InvalidCapability)
    );
    Ok(())
}
