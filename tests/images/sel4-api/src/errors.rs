//! Each kind of mistake returns the exact `sel4::Error` the kernel reports
//! for it. Every test here expects a different variant where it can, so a
//! wrong mapping of error codes in the typed API fails at least one of them.

use crate::{alloc, is_empty, slot};
use sel4::{
    cap, cap_type, init_thread, AbsoluteCPtr, CapRights, FrameSize, ObjectType, VM_DEFAULT,
};
use substrate_root_task::sel4;
use substrate_test::{ensure, ensure_eq, TestContext};

/// The root CNode as a retype destination (depth 0: the CNode itself).
fn dir() -> AbsoluteCPtr {
    AbsoluteCPtr {
        depth: 0,
        ..slot(0)
    }
}

#[substrate_test::test]
fn invoking_an_empty_slot_is_an_invalid_capability(
    ctx: &mut TestContext,
) -> substrate_test::Result {
    let empty = ctx.objects().alloc_slot()?;
    ensure!(is_empty(ctx, empty)?);
    let tcb: cap::Tcb = sel4::Cap::from_cptr(empty);
    ensure_eq!(tcb.suspend(), Err(sel4::Error::InvalidCapability));
    let untyped: cap::Untyped = sel4::Cap::from_cptr(empty);
    let dest = ctx.objects().alloc_slot()?;
    ensure_eq!(
        untyped.retype(ObjectType::Endpoint, 0, &dir(), dest as usize, 1),
        Err(sel4::Error::InvalidCapability)
    );
    ctx.objects().free_slot(dest);
    ctx.objects().free_slot(empty);
    Ok(())
}

#[substrate_test::test]
fn copying_from_an_empty_slot_is_a_failed_lookup(ctx: &mut TestContext) -> substrate_test::Result {
    let (empty, dest) = (ctx.objects().alloc_slot()?, ctx.objects().alloc_slot()?);
    ensure_eq!(
        slot(dest).copy(&slot(empty), CapRights::all()),
        Err(sel4::Error::FailedLookup)
    );
    ensure_eq!(
        slot(dest).move_from(&slot(empty)),
        Err(sel4::Error::FailedLookup)
    );
    ensure_eq!(
        slot(dest).mint(&slot(empty), CapRights::all(), 1),
        Err(sel4::Error::FailedLookup)
    );
    ctx.objects().free_slot(dest);
    ctx.objects().free_slot(empty);
    Ok(())
}

#[substrate_test::test]
fn a_method_of_another_object_type_is_an_illegal_operation(
    ctx: &mut TestContext,
) -> substrate_test::Result {
    let untyped: cap::Untyped = alloc(ctx, ObjectType::Untyped, 12)?;
    let frame: cap::Frame = alloc(ctx, ObjectType::Frame(FrameSize::Small), 0)?;
    // TCB invocations on an untyped, a frame and a CNode.
    for c in [untyped.cptr(), frame.cptr(), init_thread::CNODE.cptr()] {
        let tcb: cap::Tcb = sel4::Cap::from_cptr(c);
        ensure_eq!(
            tcb.suspend(),
            Err(sel4::Error::IllegalOperation),
            "cptr {c}"
        );
    }
    // A frame invocation on a TCB.
    let tcb: cap::Tcb = alloc(ctx, ObjectType::Tcb, 0)?;
    ensure_eq!(
        tcb.cast::<cap_type::Frame>().unmap(),
        Err(sel4::Error::IllegalOperation)
    );
    Ok(())
}

#[substrate_test::test]
fn a_capability_argument_of_the_wrong_type_is_an_invalid_capability(
    ctx: &mut TestContext,
) -> substrate_test::Result {
    let frame: cap::Frame = alloc(ctx, ObjectType::Frame(FrameSize::Small), 0)?;
    let ntfn: cap::Notification = alloc(ctx, ObjectType::Notification, 0)?;
    // A notification where the VSpace root belongs.
    ensure_eq!(
        frame.map(
            ntfn.cast::<cap_type::VSpace>(),
            0x200_0000_0000,
            CapRights::read_write(),
            VM_DEFAULT
        ),
        Err(sel4::Error::InvalidCapability)
    );
    Ok(())
}

#[substrate_test::test]
fn a_too_small_untyped_is_not_enough_memory(ctx: &mut TestContext) -> substrate_test::Result {
    let untyped: cap::Untyped = alloc(ctx, ObjectType::Untyped, 20)?;
    let dest = ctx.objects().alloc_slot()?;
    // A 2 MiB frame from 1 MiB of untyped memory.
    ensure_eq!(
        untyped.retype(
            ObjectType::Frame(FrameSize::Large),
            0,
            &dir(),
            dest as usize,
            1
        ),
        Err(sel4::Error::NotEnoughMemory)
    );
    ensure!(is_empty(ctx, dest)?);
    // More 4 KiB frames than fit: after one, 256 (1 MiB) no longer do.
    untyped.retype(
        ObjectType::Frame(FrameSize::Small),
        0,
        &dir(),
        dest as usize,
        1,
    )?;
    let cnode: cap::CNode = alloc(ctx, ObjectType::CNode, 8)?;
    ensure_eq!(
        untyped.retype(
            ObjectType::Frame(FrameSize::Small),
            0,
            &slot(cnode.cptr()),
            0,
            256
        ),
        Err(sel4::Error::NotEnoughMemory)
    );
    Ok(())
}

#[substrate_test::test]
fn a_slot_in_use_must_be_deleted_first(ctx: &mut TestContext) -> substrate_test::Result {
    let ntfn: cap::Notification = alloc(ctx, ObjectType::Notification, 0)?;
    let ep: cap::Endpoint = alloc(ctx, ObjectType::Endpoint, 0)?;
    let untyped: cap::Untyped = alloc(ctx, ObjectType::Untyped, 12)?;
    ensure_eq!(
        untyped.retype(ObjectType::Endpoint, 0, &dir(), ntfn.cptr() as usize, 1),
        Err(sel4::Error::DeleteFirst)
    );
    ensure_eq!(
        slot(ntfn.cptr()).copy(&slot(ep.cptr()), CapRights::all()),
        Err(sel4::Error::DeleteFirst)
    );
    ensure_eq!(
        slot(ntfn.cptr()).move_from(&slot(ep.cptr())),
        Err(sel4::Error::DeleteFirst)
    );
    Ok(())
}

#[substrate_test::test]
fn out_of_range_sizes_and_offsets_are_range_errors(
    ctx: &mut TestContext,
) -> substrate_test::Result {
    let untyped: cap::Untyped = alloc(ctx, ObjectType::Untyped, 12)?;
    let dest = ctx.objects().alloc_slot()?;
    // An untyped larger than the kernel allows (seL4_MaxUntypedBits).
    let too_big = sel4::sys::seL4_MaxUntypedBits as usize + 1;
    ensure_eq!(
        untyped.retype(ObjectType::Untyped, too_big, &dir(), dest as usize, 1),
        Err(sel4::Error::RangeError)
    );
    // No objects at all.
    ensure_eq!(
        untyped.retype(ObjectType::Endpoint, 0, &dir(), dest as usize, 0),
        Err(sel4::Error::RangeError)
    );
    // A destination offset past the end of the CNode.
    let cnode: cap::CNode = alloc(ctx, ObjectType::CNode, 2)?;
    ensure_eq!(
        untyped.retype(ObjectType::Endpoint, 0, &slot(cnode.cptr()), 4, 1),
        Err(sel4::Error::RangeError)
    );
    ensure_eq!(
        untyped.retype(ObjectType::Endpoint, 0, &slot(cnode.cptr()), 2, 3),
        Err(sel4::Error::RangeError)
    );
    // A CNode path deeper than a word.
    let deep = AbsoluteCPtr {
        depth: sel4::WORD_BITS + 1,
        ..slot(dest)
    };
    ensure_eq!(deep.delete(), Err(sel4::Error::RangeError));
    ensure!(is_empty(ctx, dest)?);
    ctx.objects().free_slot(dest);
    Ok(())
}

#[substrate_test::test]
fn a_cnode_of_size_zero_is_an_invalid_argument(ctx: &mut TestContext) -> substrate_test::Result {
    let untyped: cap::Untyped = alloc(ctx, ObjectType::Untyped, 12)?;
    let dest = ctx.objects().alloc_slot()?;
    ensure_eq!(
        untyped.retype(ObjectType::CNode, 0, &dir(), dest as usize, 1),
        Err(sel4::Error::InvalidArgument)
    );
    // An untyped below the minimum size.
    let too_small = sel4::sys::seL4_MinUntypedBits as usize - 1;
    ensure_eq!(
        untyped.retype(ObjectType::Untyped, too_small, &dir(), dest as usize, 1),
        Err(sel4::Error::InvalidArgument)
    );
    ctx.objects().free_slot(dest);
    Ok(())
}

#[substrate_test::test]
fn a_misaligned_frame_address_is_an_alignment_error(
    ctx: &mut TestContext,
) -> substrate_test::Result {
    let vspace = init_thread::VSPACE;
    let frame: cap::Frame = alloc(ctx, ObjectType::Frame(FrameSize::Small), 0)?;
    let at = 0x100_0000_0000 + 3 * (1 << 30);
    ctx.objects().map_paging_structures(vspace, at)?;
    ensure_eq!(
        frame.map(vspace, at + 0x800, CapRights::read_write(), VM_DEFAULT),
        Err(sel4::Error::AlignmentError)
    );
    // A 2 MiB frame at a 4 KiB-aligned address.
    let large: cap::LargeFrame = alloc(ctx, ObjectType::Frame(FrameSize::Large), 0)?;
    ensure_eq!(
        large.cast::<cap_type::Frame>().map(
            vspace,
            at + (2 << 20) + 0x1000,
            CapRights::read_write(),
            VM_DEFAULT
        ),
        Err(sel4::Error::AlignmentError)
    );
    // Aligned, the first frame maps.
    frame.map(vspace, at, CapRights::read_write(), VM_DEFAULT)?;
    frame.unmap()?;
    Ok(())
}

#[substrate_test::test]
fn unmapping_a_shared_paging_structure_must_revoke_first(
    ctx: &mut TestContext,
) -> substrate_test::Result {
    let vspace = init_thread::VSPACE;
    // The PDPT covering both addresses exists after this.
    let (used, at) = (
        0x100_0000_0000 + 5 * (1 << 30),
        0x100_0000_0000 + 6 * (1 << 30),
    );
    ctx.objects().map_paging_structures(vspace, used)?;
    let pd: cap::PageDirectory = alloc(ctx, ObjectType::PageDirectory, 0)?;
    pd.map(vspace, at, VM_DEFAULT)?;
    let copy = ctx.objects().alloc_slot()?;
    slot(copy).copy(&slot(pd.cptr()), CapRights::all())?;
    ensure_eq!(pd.unmap(), Err(sel4::Error::RevokeFirst));
    slot(copy).delete()?;
    pd.unmap()?;
    // Unmapped, it maps again.
    pd.map(vspace, at, VM_DEFAULT)?;
    pd.unmap()?;
    ctx.objects().free_slot(copy);
    Ok(())
}

#[substrate_test::test]
fn a_message_without_its_arguments_is_truncated(ctx: &mut TestContext) -> substrate_test::Result {
    use sel4::sys;
    let pd: cap::PageDirectory = alloc(ctx, ObjectType::PageDirectory, 0)?;
    // PageDirectory_Map with no message registers and no VSpace capability.
    let label = sys::invocation_label::X86PageDirectoryMap;
    // SAFETY: a plain call with no message registers; the IPC buffer is ours.
    let reply =
        unsafe { sys::seL4_Call(pd.cptr(), sys::seL4_MessageInfo::new(label as _, 0, 0, 0)) };
    let code = reply.get_label() as sys::seL4_Error;
    ensure_eq!(sel4::Error::check(code), Err(sel4::Error::TruncatedMessage));
    Ok(())
}
