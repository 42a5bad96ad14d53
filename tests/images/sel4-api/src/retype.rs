//! `Untyped_Retype` of every object type, untyped memory of several sizes,
//! several objects into a CNode at once, and revoking an untyped.

use crate::{alloc, cap_kind, is_empty, slot};
use sel4::{cap, sys, AbsoluteCPtr, CapRights, FrameSize, ObjectType};
use substrate_root_task::sel4;
use substrate_test::{ensure, ensure_eq, TestContext};

/// Every object type the typed API names, with a size where it needs one.
const EVERY_TYPE: [(ObjectType, usize); 14] = [
    (ObjectType::Untyped, sys::seL4_MinUntypedBits as usize),
    (ObjectType::Untyped, 12),
    (ObjectType::Untyped, 16),
    (ObjectType::Untyped, 20),
    (ObjectType::Tcb, 0),
    (ObjectType::Endpoint, 0),
    (ObjectType::Notification, 0),
    (ObjectType::CNode, 1),
    (ObjectType::Frame(FrameSize::Small), 0),
    (ObjectType::Frame(FrameSize::Large), 0),
    (ObjectType::PageTable, 0),
    (ObjectType::PageDirectory, 0),
    (ObjectType::Pdpt, 0),
    (ObjectType::VSpace, 0),
];

/// Objects of the same kind of capability get the same number from
/// `DebugCapIdentify`; the rest differ. Index into EVERY_TYPE → kind.
const KIND: [usize; 14] = [0, 0, 0, 0, 1, 2, 3, 4, 5, 5, 6, 7, 8, 9];

#[substrate_test::test]
fn every_object_type_retypes(ctx: &mut TestContext) -> substrate_test::Result {
    let mut kinds = [None; 14];
    for (i, &(object, bits)) in EVERY_TYPE.iter().enumerate() {
        let c: cap::Unspecified = alloc(ctx, object, bits)?;
        ensure!(!is_empty(ctx, c.cptr())?, "{object:?} left its slot empty");
        kinds[i] = cap_kind(c.cptr());
        if let Some(k) = kinds[i] {
            ensure!(k != 0, "DebugCapIdentify says {object:?} is a null cap");
        }
    }
    // The kernel agrees on which objects are the same kind of capability.
    for i in 0..kinds.len() {
        for j in 0..kinds.len() {
            if let (Some(a), Some(b)) = (kinds[i], kinds[j]) {
                ensure_eq!((KIND[i] == KIND[j], i, j), (a == b, i, j));
            }
        }
    }
    Ok(())
}

#[substrate_test::test]
fn untyped_holds_exactly_what_fits(ctx: &mut TestContext) -> substrate_test::Result {
    // (untyped size, object, how many fit)
    let min = sys::seL4_MinUntypedBits as usize;
    let ep_bits = sys::seL4_EndpointBits as usize;
    for (bits, object, fits) in [
        (min, ObjectType::Endpoint, 1usize << (min - ep_bits)),
        (12, ObjectType::Frame(FrameSize::Small), 1),
        (16, ObjectType::Frame(FrameSize::Small), 16),
        (
            sys::seL4_NotificationBits as usize + 4,
            ObjectType::Notification,
            16,
        ),
    ] {
        let untyped: cap::Untyped = alloc(ctx, ObjectType::Untyped, bits)?;
        for _ in 0..fits {
            let dest = ctx.objects().alloc_slot()?;
            untyped.retype(object, 0, &dir(), dest as usize, 1)?;
        }
        let dest = ctx.objects().alloc_slot()?;
        ensure_eq!(
            untyped.retype(object, 0, &dir(), dest as usize, 1),
            Err(sel4::Error::NotEnoughMemory)
        );
        ensure!(is_empty(ctx, dest)?);
        ctx.objects().free_slot(dest);
    }
    Ok(())
}

/// The root CNode as a retype destination (depth 0: the CNode itself).
fn dir() -> AbsoluteCPtr {
    AbsoluteCPtr {
        depth: 0,
        ..slot(0)
    }
}

#[substrate_test::test]
fn many_objects_retype_into_a_cnode_at_once(ctx: &mut TestContext) -> substrate_test::Result {
    let radix = 4;
    let cnode: cap::CNode = alloc(ctx, ObjectType::CNode, radix)?;
    let untyped: cap::Untyped = alloc(ctx, ObjectType::Untyped, 12)?;
    let dest = slot(cnode.cptr());
    untyped.retype(ObjectType::Notification, 0, &dest, 0, 1 << radix)?;
    // Each slot of the new CNode holds a notification: copy one out with a
    // badge (a path of `radix` bits from the CNode) and signal through it.
    for i in [0, 7, (1 << radix) - 1] {
        let inner = AbsoluteCPtr {
            root: cnode,
            path: i,
            depth: radix,
        };
        let out = ctx.objects().alloc_slot()?;
        slot(out).mint(&inner, CapRights::all(), 0x100 + i)?;
        let ntfn: cap::Notification = sel4::Cap::from_cptr(out);
        ntfn.signal();
        ensure_eq!(ntfn.poll(), 0x100 + i);
    }
    // The CNode is full now.
    ensure_eq!(
        untyped.retype(ObjectType::Notification, 0, &dest, 3, 1),
        Err(sel4::Error::DeleteFirst)
    );
    Ok(())
}

#[substrate_test::test]
fn revoking_an_untyped_deletes_its_objects_and_frees_its_memory(
    ctx: &mut TestContext,
) -> substrate_test::Result {
    let untyped: cap::Untyped = alloc(ctx, ObjectType::Untyped, 12)?;
    let frame = ctx.objects().alloc_slot()?;
    untyped.retype(
        ObjectType::Frame(FrameSize::Small),
        0,
        &dir(),
        frame as usize,
        1,
    )?;
    let spare = ctx.objects().alloc_slot()?;
    ensure_eq!(
        untyped.retype(
            ObjectType::Frame(FrameSize::Small),
            0,
            &dir(),
            spare as usize,
            1
        ),
        Err(sel4::Error::NotEnoughMemory)
    );
    slot(untyped.cptr()).revoke()?;
    ensure!(is_empty(ctx, frame)?, "the frame survived the revoke");
    ensure!(!is_empty(ctx, untyped.cptr())?, "the untyped itself stays");
    // The memory is usable again.
    untyped.retype(
        ObjectType::Frame(FrameSize::Small),
        0,
        &dir(),
        spare as usize,
        1,
    )?;
    ensure!(!is_empty(ctx, spare)?);
    Ok(())
}
