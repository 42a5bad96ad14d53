//! The seL4-level tests of the typed bindings (`sel4`), run on the real
//! kernel by `substrate-test`: retyping every object type, CNode operations,
//! mappings, TCB registers, badges, and the exact `sel4::Error` the kernel
//! returns for each kind of mistake.
#![no_std]
#![no_main]

mod cnode;
mod errors;
mod mapping;
mod retype;
mod tcb;

use sel4::{cap, init_thread, AbsoluteCPtr, CPtr, Cap, CapRights, CapType, ObjectType};
use substrate_root_task::{root_task, sel4, ExitStatus};
use substrate_test::TestContext;

#[root_task(heap_size = 1 << 20)]
fn main(bootinfo: &sel4::BootInfo) -> ExitStatus {
    substrate_test::run(bootinfo)
}

/// The slot `cptr` of the root CNode.
fn slot(cptr: CPtr) -> AbsoluteCPtr {
    init_thread::CNODE.absolute(cptr)
}

/// A new object from the shared allocator.
fn alloc<T: CapType>(
    ctx: &mut TestContext,
    object: ObjectType,
    size_bits: usize,
) -> substrate_test::Result<Cap<T>> {
    Ok(ctx.objects().allocate(object, size_bits)?)
}

/// Whether the slot `cptr` of the root CNode is empty, found by moving
/// the capability out and back (`CNode_Move` fails with `FailedLookup` for
/// an empty source; unlike a copy it works for every capability) and, on
/// kernels that have it, cross-checked with `seL4_DebugCapIdentify`.
fn is_empty(ctx: &mut TestContext, cptr: CPtr) -> substrate_test::Result<bool> {
    let scratch = ctx.objects().alloc_slot()?;
    let empty = match slot(scratch).move_from(&slot(cptr)) {
        Ok(()) => {
            slot(cptr).move_from(&slot(scratch))?;
            false
        }
        Err(sel4::Error::FailedLookup) => true,
        Err(e) => return Err(e.into()),
    };
    ctx.objects().free_slot(scratch);
    #[cfg(sel4_syscall = "DebugCapIdentify")]
    substrate_test::ensure_eq!(cap_kind(cptr) == Some(0), empty);
    Ok(empty)
}

/// The kernel's type number for the capability in `cptr` where the kernel
/// can tell (`seL4_DebugCapIdentify`), else `None`.
fn cap_kind(cptr: CPtr) -> Option<u32> {
    #[cfg(sel4_syscall = "DebugCapIdentify")]
    return Some(Cap::<sel4::cap_type::Unspecified>::from_cptr(cptr).debug_identify());
    #[cfg(not(sel4_syscall = "DebugCapIdentify"))]
    {
        let _ = cptr;
        None
    }
}

/// A notification cap with `badge` minted from `ntfn` into a new slot.
fn mint_badged(
    ctx: &mut TestContext,
    ntfn: cap::Notification,
    badge: sel4::Word,
) -> substrate_test::Result<cap::Notification> {
    let dest = ctx.objects().alloc_slot()?;
    slot(dest).mint(&slot(ntfn.cptr()), CapRights::all(), badge)?;
    Ok(Cap::from_cptr(dest))
}

#[allow(unused_imports)]
use substrate_test::ensure;
