//! CNode copy, mint, move, delete and revoke, and badge delivery through
//! notifications.

use crate::{alloc, cap_kind, is_empty, mint_badged, slot};
use sel4::{cap, CapRights, ObjectType};
use substrate_root_task::sel4;
use substrate_test::{ensure, ensure_eq, TestContext};

#[substrate_test::test]
fn copy_gives_a_second_working_capability(ctx: &mut TestContext) -> substrate_test::Result {
    let ntfn: cap::Notification = alloc(ctx, ObjectType::Notification, 0)?;
    let badged = mint_badged(ctx, ntfn, 0b1010)?;
    let copy = ctx.objects().alloc_slot()?;
    slot(copy).copy(&slot(badged.cptr()), CapRights::all())?;
    ensure_eq!(cap_kind(copy), cap_kind(ntfn.cptr()));
    // A copy keeps the badge of what it was copied from.
    let copy: cap::Notification = sel4::Cap::from_cptr(copy);
    copy.signal();
    ensure_eq!(ntfn.poll(), 0b1010);
    Ok(())
}

#[substrate_test::test]
fn badges_of_signals_or_together(ctx: &mut TestContext) -> substrate_test::Result {
    let ntfn: cap::Notification = alloc(ctx, ObjectType::Notification, 0)?;
    let one = mint_badged(ctx, ntfn, 0b0001)?;
    let four = mint_badged(ctx, ntfn, 0b0100)?;
    let eight = mint_badged(ctx, ntfn, 0b1000)?;
    ensure_eq!(ntfn.poll(), 0, "nothing signalled yet");
    one.signal();
    eight.signal();
    one.signal();
    ensure_eq!(ntfn.poll(), 0b1001);
    ensure_eq!(ntfn.poll(), 0, "polling consumed the signals");
    four.signal();
    ensure_eq!(ntfn.wait(), 0b0100);
    Ok(())
}

#[substrate_test::test]
fn move_empties_the_source(ctx: &mut TestContext) -> substrate_test::Result {
    let ntfn: cap::Notification = alloc(ctx, ObjectType::Notification, 0)?;
    let badged = mint_badged(ctx, ntfn, 0x77)?;
    let dest = ctx.objects().alloc_slot()?;
    slot(dest).move_from(&slot(badged.cptr()))?;
    ensure!(
        is_empty(ctx, badged.cptr())?,
        "the source is empty after a move"
    );
    ensure!(!is_empty(ctx, dest)?);
    let moved: cap::Notification = sel4::Cap::from_cptr(dest);
    moved.signal();
    ensure_eq!(ntfn.poll(), 0x77, "the badge moved with the capability");
    Ok(())
}

#[substrate_test::test]
fn delete_empties_the_slot_for_reuse(ctx: &mut TestContext) -> substrate_test::Result {
    let ntfn: cap::Notification = alloc(ctx, ObjectType::Notification, 0)?;
    let badged = mint_badged(ctx, ntfn, 0x5)?;
    slot(badged.cptr()).delete()?;
    ensure!(is_empty(ctx, badged.cptr())?);
    // Signalling through the empty slot delivers nothing.
    badged.signal();
    ensure_eq!(ntfn.poll(), 0);
    // The slot takes a new capability.
    slot(badged.cptr()).mint(&slot(ntfn.cptr()), CapRights::all(), 0x6)?;
    badged.signal();
    ensure_eq!(ntfn.poll(), 0x6);
    // Deleting an empty slot is allowed.
    slot(badged.cptr()).delete()?;
    slot(badged.cptr()).delete()?;
    Ok(())
}

#[substrate_test::test]
fn revoke_deletes_derived_copies_only(ctx: &mut TestContext) -> substrate_test::Result {
    let ntfn: cap::Notification = alloc(ctx, ObjectType::Notification, 0)?;
    let a = mint_badged(ctx, ntfn, 0x1)?;
    let b = mint_badged(ctx, ntfn, 0x2)?;
    // A copy of a badged copy derives from it too.
    let c = ctx.objects().alloc_slot()?;
    slot(c).copy(&slot(a.cptr()), CapRights::all())?;
    slot(ntfn.cptr()).revoke()?;
    for derived in [a.cptr(), b.cptr(), c] {
        ensure!(
            is_empty(ctx, derived)?,
            "slot {derived} survived the revoke"
        );
    }
    ensure!(
        !is_empty(ctx, ntfn.cptr())?,
        "the revoked capability itself stays"
    );
    a.signal();
    b.signal();
    ensure_eq!(ntfn.poll(), 0, "revoked copies deliver nothing");
    Ok(())
}

#[substrate_test::test]
fn revoke_of_a_badged_copy_leaves_its_siblings(ctx: &mut TestContext) -> substrate_test::Result {
    let ntfn: cap::Notification = alloc(ctx, ObjectType::Notification, 0)?;
    let a = mint_badged(ctx, ntfn, 0x10)?;
    let b = mint_badged(ctx, ntfn, 0x20)?;
    let a_copy = ctx.objects().alloc_slot()?;
    slot(a_copy).copy(&slot(a.cptr()), CapRights::all())?;
    slot(a.cptr()).revoke()?;
    ensure!(
        is_empty(ctx, a_copy)?,
        "the copy of the revoked badge is gone"
    );
    ensure!(!is_empty(ctx, b.cptr())?, "a sibling badge stays");
    b.signal();
    a.signal();
    ensure_eq!(ntfn.poll(), 0x30);
    Ok(())
}
