//! Typed seL4 operations for C.
//!
//! Capability arguments are `uint64_t` capability pointers into the root
//! task's CSpace (the initial thread's CNode, full-word depth); slot
//! arguments are indices in that CNode. Before invoking anything, each
//! function checks that its capabilities have the expected type with
//! `seL4_DebugCapIdentify` (debug kernels), or on release kernels against
//! the types the C ABI recorded for the capabilities it created, copied or
//! received (see [`check_cap`]), and
//! returns `SUBSTRATE_EBADCAP` for an empty slot or a capability of another
//! type. That check matters most for IPC: `seL4_Send` on a non-endpoint does
//! not return an error, it faults the calling thread.
//!
//! Capability arguments must be C's own: slots C got from
//! `substrate_slot_alloc`, `_alloc_range` or `substrate_object_alloc`
//! (and what it put there: copies, retyped objects, received
//! capabilities). Any other slot, the runtime's capabilities among them, is
//! `SUBSTRATE_EBADCAP` as a capability argument and `SUBSTRATE_EPERM` as a
//! destination, so that no call can take the runtime's objects from it.
//!
//! Object types are this ABI's own numbers (`SUBSTRATE_OBJ_*`), translated
//! to the kernel's (which differ between kernel versions), and rights are
//! `SUBSTRATE_RIGHT_*` bits.

use crate::runtime::{check_cap, check_present, lookup, record, with_objects, Kind, Recorded};
use crate::status::*;
use crate::user_mem::{check_obj, check_slice, Access};
use alloc::vec::Vec;
use core::ptr;
use sel4::{cap, init_thread, sys, CapRights, FrameSize, IpcBuffer, MessageInfo, ObjectType};

/// Most message registers in one message (`seL4_MsgMaxLength`).
pub const SUBSTRATE_MSG_MAX_LENGTH: usize = 120;
const _: () = assert!(SUBSTRATE_MSG_MAX_LENGTH == sys::seL4_MsgMaxLength as usize);
/// Most capabilities in one message (`seL4_MsgMaxExtraCaps`, from `seL4_MsgExtraCapBits`).
pub const SUBSTRATE_MSG_MAX_CAPS: usize = 3;
const _: () = assert!(SUBSTRATE_MSG_MAX_CAPS == (1 << sys::seL4_MsgExtraCapBits) - 1);

/// Object type: untyped memory of `1 << size_bits` bytes (`seL4_UntypedObject`).
pub const SUBSTRATE_OBJ_UNTYPED: u32 = 0;
/// Object type: a TCB (`seL4_TCBObject`).
pub const SUBSTRATE_OBJ_TCB: u32 = 1;
/// Object type: an endpoint (`seL4_EndpointObject`).
pub const SUBSTRATE_OBJ_ENDPOINT: u32 = 2;
/// Object type: a notification (`seL4_NotificationObject`).
pub const SUBSTRATE_OBJ_NOTIFICATION: u32 = 3;
/// Object type: a CNode of `1 << size_bits` slots (`seL4_CapTableObject`).
pub const SUBSTRATE_OBJ_CNODE: u32 = 4;
/// Object type: a 4 KiB frame (`seL4_X86_4K`).
pub const SUBSTRATE_OBJ_FRAME: u32 = 5;
/// Object type: a 2 MiB frame (`seL4_X86_LargePageObject`).
pub const SUBSTRATE_OBJ_LARGE_FRAME: u32 = 6;

/// Right: read (receive on an endpoint).
pub const SUBSTRATE_RIGHT_READ: u32 = 1;
/// Right: write (send on an endpoint).
pub const SUBSTRATE_RIGHT_WRITE: u32 = 2;
/// Right: grant (send capabilities over an endpoint).
pub const SUBSTRATE_RIGHT_GRANT: u32 = 4;
/// Right: grant reply (kernels that have it).
pub const SUBSTRATE_RIGHT_GRANT_REPLY: u32 = 8;
/// All rights.
pub const SUBSTRATE_RIGHTS_ALL: u32 = 15;

/// A received message's description, filled by `substrate_ep_recv` and
/// `substrate_ep_call`.
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
pub struct substrate_msginfo_t {
    /// The message label.
    pub label: u64,
    /// The sender's badge (0 for `substrate_ep_call`'s reply).
    pub badge: u64,
    /// Message registers sent; more than were copied if the buffer was short.
    pub length: u64,
    /// Capabilities transferred with the message.
    pub extra_caps: u64,
    /// Bit mask of transferred capabilities that were unwrapped to badges.
    pub caps_unwrapped: u64,
}

/// The largest message label this kernel's `seL4_MessageInfo` can carry
/// (its label field: 20 bits on seL4 5.0, 52 on current 64-bit kernels).
/// Calls nothing in the kernel.
#[no_mangle]
pub extern "C" fn substrate_msg_max_label() -> u64 {
    MessageInfo::MAX_LABEL as u64
}

/// 1 if the C ABI can tell the type of every capability C holds (the kernel
/// has `seL4_DebugCapIdentify`: debug builds), 0 if not (release builds):
/// there a capability C received over IPC is of unknown type, and only
/// `substrate_ep_send` and `substrate_ep_call` take it (the other calls
/// that invoke a capability refuse it with `SUBSTRATE_EBADCAP`); copying,
/// sending on and deleting it work everywhere. Calls nothing in the kernel.
#[no_mangle]
pub extern "C" fn substrate_cap_types_known() -> i32 {
    crate::runtime::cap_types_known() as i32
}

/// The largest badge `substrate_cnode_mint` can give a capability (the
/// kernel's badge field: 28 bits on seL4 5.0, a word on current kernels).
/// Calls nothing in the kernel.
#[no_mangle]
pub extern "C" fn substrate_max_badge() -> u64 {
    sel4::MAX_BADGE as u64
}

fn to_object_type(kind: u32) -> Result<ObjectType, i32> {
    Ok(match kind {
        SUBSTRATE_OBJ_UNTYPED => ObjectType::Untyped,
        SUBSTRATE_OBJ_TCB => ObjectType::Tcb,
        SUBSTRATE_OBJ_ENDPOINT => ObjectType::Endpoint,
        SUBSTRATE_OBJ_NOTIFICATION => ObjectType::Notification,
        SUBSTRATE_OBJ_CNODE => ObjectType::CNode,
        SUBSTRATE_OBJ_FRAME => ObjectType::Frame(FrameSize::Small),
        SUBSTRATE_OBJ_LARGE_FRAME => ObjectType::Frame(FrameSize::Large),
        _ => return Err(SUBSTRATE_EINVAL),
    })
}

/// The kind of capability a new object of `object` type is.
fn kind_of(object: ObjectType) -> Option<Kind> {
    Some(match object {
        ObjectType::Untyped => Kind::Untyped,
        ObjectType::Tcb => Kind::Tcb,
        ObjectType::Endpoint => Kind::Endpoint,
        ObjectType::Notification => Kind::Notification,
        ObjectType::CNode => Kind::CNode,
        ObjectType::Frame(_) => Kind::Frame,
        _ => return None,
    })
}

/// Records that `slot` holds a new object of `object` type.
fn record_object(slot: u64, object: ObjectType) -> Result<(), i32> {
    record(
        slot,
        Some(kind_of(object).map_or(Recorded::Unknown, Recorded::Kind)),
    )
}

fn rights(bits: u32) -> Result<CapRights, i32> {
    if bits & !SUBSTRATE_RIGHTS_ALL != 0 {
        return Err(SUBSTRATE_EINVAL);
    }
    Ok(CapRights {
        read: bits & SUBSTRATE_RIGHT_READ != 0,
        write: bits & SUBSTRATE_RIGHT_WRITE != 0,
        grant: bits & SUBSTRATE_RIGHT_GRANT != 0,
        grant_reply: bits & SUBSTRATE_RIGHT_GRANT_REPLY != 0,
    })
}

/// A slot index as an absolute path in the root CNode; `EINVAL` if it is
/// outside the CNode (a kernel lookup would fail anyway).
pub(crate) fn slot_path(slot: u64) -> Result<sel4::AbsoluteCPtr, i32> {
    let slot = usize::try_from(slot).map_err(|_| SUBSTRATE_EINVAL)?;
    Ok(init_thread::slot(slot))
}

/// Checks a message (label, registers, capabilities) and writes it into
/// the IPC buffer.
///
/// # Safety
/// `msg` and `caps` must be readable for `len` and `ncaps` words when not null.
unsafe fn load_message(
    label: u64,
    msg: *const u64,
    len: usize,
    caps: *const u64,
    ncaps: usize,
) -> Result<MessageInfo, i32> {
    if len > SUBSTRATE_MSG_MAX_LENGTH || ncaps > SUBSTRATE_MSG_MAX_CAPS {
        return Err(SUBSTRATE_EINVAL);
    }
    if label > substrate_msg_max_label() || (msg.is_null() && len > 0) {
        return Err(SUBSTRATE_EINVAL);
    }
    if caps.is_null() && ncaps > 0 {
        return Err(SUBSTRATE_EINVAL);
    }
    check_slice(msg, len, Access::Read)?;
    check_slice(caps, ncaps, Access::Read)?;
    // SAFETY: non-null (checked) and readable for `ncaps` words (caller).
    let caps = if ncaps > 0 {
        unsafe { core::slice::from_raw_parts(caps, ncaps) }
    } else {
        &[]
    };
    caps.iter().try_for_each(|&c| check_present(c))?;
    // SAFETY: the runtime set this thread's IPC buffer; no other reference
    // to it is live in this function.
    let mut ipc = unsafe { IpcBuffer::current() };
    if len > 0 {
        // SAFETY: non-null (checked) and readable for `len` words (caller).
        let words = unsafe { core::slice::from_raw_parts(msg, len) };
        for (mr, &w) in ipc.msg_regs().iter_mut().zip(words) {
            *mr = w as sys::seL4_Word;
        }
    }
    for (slot, &c) in ipc.caps_or_badges().iter_mut().zip(caps) {
        *slot = c as sys::seL4_Word;
    }
    Ok(MessageInfo::new(label as sys::seL4_Word, ncaps, len))
}

/// Copies a received message out of the IPC buffer.
///
/// # Safety
/// `out` must be writable for `max` words when not null; `info` valid.
unsafe fn store_message(
    info: MessageInfo,
    badge: u64,
    out: *mut u64,
    max: usize,
    desc: *mut substrate_msginfo_t,
) {
    // SAFETY: as in load_message.
    let mut ipc = unsafe { IpcBuffer::current() };
    let n = info.length().min(max);
    if n > 0 {
        // SAFETY: non-null (checked by the callers) and writable for `max >= n` words.
        let dst = unsafe { core::slice::from_raw_parts_mut(out, n) };
        for (d, &mr) in dst.iter_mut().zip(ipc.msg_regs().iter()) {
            *d = mr as u64;
        }
    }
    // SAFETY: `desc` is valid (checked by the callers).
    unsafe {
        desc.write(substrate_msginfo_t {
            label: info.label() as u64,
            badge,
            length: info.length() as u64,
            extra_caps: info.extra_caps() as u64,
            caps_unwrapped: info.caps_unwrapped() as u64,
        })
    };
}

/// The receiving half of `substrate_ep_recv` and `substrate_ep_call`:
/// checks `out`/`max` and `desc` (`EINVAL`) and `ep` (`EBADCAP`), runs
/// `transfer` on the endpoint, and copies the message it got (with its
/// badge) out of the IPC buffer.
///
/// # Safety
/// `out` must be writable for `max` words; `desc` writable.
unsafe fn receive_into(
    ep: u64,
    out: *mut u64,
    max: usize,
    desc: *mut substrate_msginfo_t,
    (need, any_of, unknown_ok): (u32, u32, bool),
    transfer: impl FnOnce(cap::Endpoint) -> Result<(MessageInfo, u64), i32>,
) -> i32 {
    if desc.is_null() || (out.is_null() && max > 0) {
        return SUBSTRATE_EINVAL;
    }
    if let Err(e) =
        check_obj(desc, Access::Write).and_then(|()| check_slice(out, max, Access::Write))
    {
        return e;
    }
    code(
        if unknown_ok {
            crate::runtime::check_sendable(ep)
        } else {
            check_cap(ep, Kind::Endpoint)
        }
        .and_then(|cptr| check_rights(ep, need, any_of).map(|()| cptr))
        .and_then(|ep| transfer(cap::Endpoint::from_cptr(ep)))
        .and_then(|(info, badge)| {
            // A capability that was transferred, not unwrapped to a
            // badge, is in the receive slot now; its type is the
            // sender's business.
            if info.extra_caps() > 0 && info.caps_unwrapped() & 1 == 0 {
                // SAFETY: the runtime set this thread's IPC buffer.
                let slot = unsafe { (*sys::seL4_GetIPCBuffer()).receiveIndex };
                record(slot as u64, Some(Recorded::Unknown))?;
                set_rights_bound(slot as u64, SUBSTRATE_RIGHTS_ALL);
            }
            Ok((info, badge))
        })
        .map(|(info, badge)| {
            // SAFETY: pointers checked above; the caller guarantees sizes.
            unsafe { store_message(info, badge, out, max, desc) }
        }),
    )
}

/// Sends a message on endpoint `ep` and blocks until it is received
/// (`seL4_Send`): `label`, `len` message registers from `msg`, and `ncaps`
/// capabilities from `caps` (the endpoint needs the grant right for those).
/// `SUBSTRATE_EINVAL` for `len > SUBSTRATE_MSG_MAX_LENGTH`, `ncaps >
/// SUBSTRATE_MSG_MAX_CAPS`, a label above `substrate_msg_max_label()`, or a null array with a
/// non-zero count; `SUBSTRATE_EBADCAP` if `ep` is not an endpoint, is a
/// copy made without the write right (the kernel would drop the message
/// in silence), or a capability to send is an empty slot.
/// `SUBSTRATE_EFAULT` for a non-null pointer argument that does not point
/// to memory of the program (see `SUBSTRATE_EFAULT`): nothing is done then.
///
/// # Safety
/// `msg` and `caps` must be readable for `len` and `ncaps` words.
#[no_mangle]
pub unsafe extern "C" fn substrate_ep_send(
    ep: u64,
    label: u64,
    msg: *const u64,
    len: usize,
    caps: *const u64,
    ncaps: usize,
) -> i32 {
    code((|| {
        let cptr = crate::runtime::check_sendable(ep)?;
        check_rights(ep, SUBSTRATE_RIGHT_WRITE, 0)?;
        // SAFETY: the caller's guarantee, passed on.
        let info = unsafe { load_message(label, msg, len, caps, ncaps)? };
        cap::Endpoint::from_cptr(cptr).send(info);
        Ok(())
    })())
}

/// Waits for a message on endpoint `ep` (`seL4_Recv`); copies up to
/// `max_len` message registers into `msg` and describes the message in
/// `*info` (label, badge, real length, capabilities). A longer message is
/// truncated to `max_len` registers; `info->length` tells. Received
/// capabilities go to the slot set by `substrate_ipc_set_receive_slot`.
/// `SUBSTRATE_EINVAL` for a null `info` or a null `msg` with `max_len > 0`;
/// `SUBSTRATE_EBADCAP` if `ep` is not an endpoint or is a copy made
/// without the read right (the kernel would fault the thread; a capability
/// C received keeps the sender's rights, which C must know);
/// `SUBSTRATE_ENOMEM` if
/// the thread's reply object (MCS kernels, made on its first receive) cannot
/// be allocated.
/// `SUBSTRATE_EFAULT` for a non-null pointer argument that does not point
/// to memory of the program (see `SUBSTRATE_EFAULT`): nothing is done then.
///
/// # Safety
/// `msg` must be writable for `max_len` words; `info` writable.
#[no_mangle]
pub unsafe extern "C" fn substrate_ep_recv(
    ep: u64,
    msg: *mut u64,
    max_len: usize,
    info: *mut substrate_msginfo_t,
) -> i32 {
    // SAFETY: the caller's guarantee, passed on.
    unsafe {
        receive_into(
            ep,
            msg,
            max_len,
            info,
            (SUBSTRATE_RIGHT_READ, 0, false),
            |ep| {
                let (mi, badge) = ep.recv(&own_reply()?);
                Ok((mi, badge as u64))
            },
        )
    }
}

/// Sends a message on endpoint `ep` and waits for the reply (`seL4_Call`):
/// the message as for `substrate_ep_send`, the reply as for
/// `substrate_ep_recv` (into `reply`/`reply_max`, described in `*info`,
/// whose badge is 0). Same errors as those two, and `SUBSTRATE_EBADCAP`
/// for a copy of `ep` made without the write right or without a grant
/// right (`SUBSTRATE_RIGHT_GRANT`, or `_GRANT_REPLY` on kernels that have
/// it), with which the kernel would never let the call return.
/// `SUBSTRATE_EFAULT` for a non-null pointer argument that does not point
/// to memory of the program (see `SUBSTRATE_EFAULT`): nothing is done then.
///
/// # Safety
/// As for `substrate_ep_send` and `substrate_ep_recv`.
#[no_mangle]
pub unsafe extern "C" fn substrate_ep_call(
    ep: u64,
    label: u64,
    msg: *const u64,
    len: usize,
    caps: *const u64,
    ncaps: usize,
    reply: *mut u64,
    reply_max: usize,
    info: *mut substrate_msginfo_t,
) -> i32 {
    let call = |ep: cap::Endpoint| {
        // SAFETY: the caller's guarantee, passed on.
        let mi = unsafe { load_message(label, msg, len, caps, ncaps)? };
        Ok((ep.call(mi), 0))
    };
    // SAFETY: the caller's guarantee, passed on.
    unsafe {
        receive_into(
            ep,
            reply,
            reply_max,
            info,
            (SUBSTRATE_RIGHT_WRITE, CALL_GRANTS, true),
            call,
        )
    }
}

/// Replies to the thread whose `seL4_Call` this thread received last
/// (`seL4_Reply`; `seL4_Send` on the thread's reply object on MCS kernels), with `label` and `len` registers from `msg`. Nothing
/// happens if there is no caller to reply to (the kernel drops the reply).
/// On MCS kernels the reply goes through the thread's reply object, which
/// its receive filled. `SUBSTRATE_EINVAL` as for `substrate_ep_send`;
/// `SUBSTRATE_ENOMEM` as for `substrate_ep_recv`.
/// `SUBSTRATE_EFAULT` for a non-null pointer argument that does not point
/// to memory of the program (see `SUBSTRATE_EFAULT`): nothing is done then.
///
/// # Safety
/// `msg` must be readable for `len` words.
#[no_mangle]
pub unsafe extern "C" fn substrate_ep_reply(label: u64, msg: *const u64, len: usize) -> i32 {
    code((|| {
        // SAFETY: the caller's guarantee, passed on.
        let info = unsafe { load_message(label, msg, len, ptr::null(), 0)? };
        own_reply()?.send(info);
        Ok(())
    })())
}

/// Sets where capabilities received by this thread's next `substrate_ep_recv`
/// or `substrate_ep_call` go (`seL4_SetCapReceivePath`): slot `slot` of the
/// root CNode, which C must own (see `substrate_cnode_delete`) and keep
/// empty (a capability sent while it is occupied is not transferred). 0
/// receives none (a null receive path: the kernel transfers no capability,
/// and the message says so in `extra_caps`). Every thread starts with none.
/// `SUBSTRATE_EPERM` for a slot C does not own.
#[no_mangle]
pub extern "C" fn substrate_ipc_set_receive_slot(slot: u64) -> i32 {
    let (cnode, depth) = if slot == 0 {
        (cap::CNode::from_cptr(0), 0)
    } else {
        if let Err(e) = check_owned(&C_SLOTS.lock(), slot, 1) {
            return e;
        }
        (init_thread::CNODE, sel4::WORD_BITS)
    };
    // SAFETY: the runtime set this thread's IPC buffer.
    let mut ipc = unsafe { IpcBuffer::current() };
    ipc.set_receive_path(cnode, slot as sys::seL4_Word, depth);
    SUBSTRATE_OK
}

/// Checks a notification to wait on or poll: one with the read right
/// (without it the kernel faults the thread).
fn check_ntfn_receive(ntfn: u64) -> Result<sys::seL4_CPtr, i32> {
    let n = check_cap(ntfn, Kind::Notification)?;
    check_rights(ntfn, SUBSTRATE_RIGHT_READ, 0)?;
    Ok(n)
}

/// Signals notification `ntfn` (`seL4_Signal`). `SUBSTRATE_EBADCAP` if it
/// is not a notification or is a copy made without the write right.
#[no_mangle]
pub extern "C" fn substrate_ntfn_signal(ntfn: u64) -> i32 {
    code(
        check_cap(ntfn, Kind::Notification)
            .and_then(|n| check_rights(ntfn, SUBSTRATE_RIGHT_WRITE, 0).map(|()| n))
            .map(|n| cap::Notification::from_cptr(n).signal()),
    )
}

/// Waits on notification `ntfn` (`seL4_Wait`) and stores the received badge
/// bits in `*badge` (if `badge` is not null). `SUBSTRATE_EBADCAP` if `ntfn`
/// is not a notification or is a copy made without the read right.
/// `SUBSTRATE_EFAULT` for a non-null pointer argument that does not point
/// to memory of the program (see `SUBSTRATE_EFAULT`): nothing is done then.
///
/// # Safety
/// `badge` must be null or writable.
#[no_mangle]
pub unsafe extern "C" fn substrate_ntfn_wait(ntfn: u64, badge: *mut u64) -> i32 {
    if !badge.is_null() {
        if let Err(e) = check_obj(badge, Access::Write) {
            return e;
        }
    }
    code(check_ntfn_receive(ntfn).map(|n| {
        let b = cap::Notification::from_cptr(n).wait();
        if !badge.is_null() {
            // SAFETY: the caller guarantees a non-null `badge` is writable.
            unsafe { badge.write(b as u64) };
        }
    }))
}

/// Takes pending signals of `ntfn` without blocking (`seL4_Poll`) and
/// stores their badge bits in `*badge`: 0 when nothing was pending (or only
/// signals through unbadged capabilities, which carry no bits; give
/// signallers badged capabilities with `substrate_cnode_mint` to tell).
/// `SUBSTRATE_EINVAL` for a null `badge`, `SUBSTRATE_EBADCAP` if `ntfn` is
/// not a notification or is a copy made without the read right.
/// `SUBSTRATE_EFAULT` for a non-null pointer argument that does not point
/// to memory of the program (see `SUBSTRATE_EFAULT`): nothing is done then.
///
/// # Safety
/// `badge` must be writable.
#[no_mangle]
pub unsafe extern "C" fn substrate_ntfn_poll(ntfn: u64, badge: *mut u64) -> i32 {
    if badge.is_null() {
        return SUBSTRATE_EINVAL;
    }
    if let Err(e) = check_obj(badge, Access::Write) {
        return e;
    }
    code(check_ntfn_receive(ntfn).map(|n| {
        let b = cap::Notification::from_cptr(n).poll();
        // SAFETY: checked non-null; the caller guarantees it is writable.
        unsafe { badge.write(b as u64) };
    }))
}

/// Creates `count` objects of type `object_type` (a `SUBSTRATE_OBJ_*`; `size_bits`
/// for untyped and CNodes) from untyped `untyped` into the empty root-CNode
/// slots `dest_slot .. dest_slot + count` (`seL4_Untyped_Retype`).
/// The slots must be C's own (`substrate_slot_alloc_range` gives a run of
/// them). `SUBSTRATE_EINVAL` for an unknown type, `count` 0 or a slot range
/// that overflows; `SUBSTRATE_EBADCAP` if `untyped` is not untyped memory;
/// `SUBSTRATE_EPERM` if C does not own every destination slot;
/// `SUBSTRATE_ENOMEM` when the untyped is full; other kernel errors as
/// `SUBSTRATE_ESEL4_BASE - error` (e.g. occupied slots: `seL4_DeleteFirst`).
#[no_mangle]
pub extern "C" fn substrate_untyped_retype(
    untyped: u64,
    object_type: u32,
    size_bits: u32,
    dest_slot: u64,
    count: u64,
) -> i32 {
    code((|| {
        let object = to_object_type(object_type)?;
        if count == 0 || size_bits >= 64 || dest_slot.checked_add(count).is_none() {
            return Err(SUBSTRATE_EINVAL);
        }
        let untyped = check_cap(untyped, Kind::Untyped)?;
        check_owned(&C_SLOTS.lock(), dest_slot, count)?;
        let dir = sel4::AbsoluteCPtr {
            depth: 0,
            ..init_thread::slot(0)
        };
        let slot = usize::try_from(dest_slot).map_err(|_| SUBSTRATE_EINVAL)?;
        let count = usize::try_from(count).map_err(|_| SUBSTRATE_EINVAL)?;
        cap::Untyped::from_cptr(untyped)
            .retype(object, size_bits as usize, &dir, slot, count)
            .map_err(from_sel4)?;
        (dest_slot..dest_slot + count as u64).try_for_each(|s| {
            set_rights_bound(s, SUBSTRATE_RIGHTS_ALL);
            record_object(s, object)
        })
    })())
}

/// Copies the capability in slot `src` to the empty slot `dest` with
/// `rights` (`SUBSTRATE_RIGHT_*` bits) (`seL4_CNode_Copy`).
/// `dest` must be a slot C owns (see `substrate_cnode_delete`).
/// `SUBSTRATE_EINVAL` for unknown rights bits; `SUBSTRATE_EPERM` for a
/// `dest` C does not own; `SUBSTRATE_EBADCAP` for an empty source; kernel
/// errors otherwise (an occupied `dest`: `SUBSTRATE_ESEL4_DELETE_FIRST`).
#[no_mangle]
pub extern "C" fn substrate_cnode_copy(dest: u64, src: u64, rights_mask: u32) -> i32 {
    code((|| {
        let r = rights(rights_mask)?;
        check_owned(&C_SLOTS.lock(), dest, 1)?;
        check_present(src)?;
        slot_path(dest)?
            .copy(&slot_path(src)?, r)
            .map_err(from_sel4)?;
        set_rights_bound(dest, rights_bound(src) & rights_mask);
        record(dest, lookup(src))
    })())
}

/// Copies the capability in slot `src` to the empty slot `dest` with
/// `rights` and `badge` (`seL4_CNode_Mint`). Errors as for
/// `substrate_cnode_copy`, and `SUBSTRATE_EINVAL` for a badge above
/// `substrate_max_badge()` (which the kernel would truncate).
#[no_mangle]
pub extern "C" fn substrate_cnode_mint(dest: u64, src: u64, rights_mask: u32, badge: u64) -> i32 {
    code((|| {
        let r = rights(rights_mask)?;
        if badge > substrate_max_badge() {
            return Err(SUBSTRATE_EINVAL);
        }
        check_owned(&C_SLOTS.lock(), dest, 1)?;
        check_present(src)?;
        slot_path(dest)?
            .mint(&slot_path(src)?, r, badge as sys::seL4_Word)
            .map_err(from_sel4)?;
        set_rights_bound(dest, rights_bound(src) & rights_mask);
        record(dest, lookup(src))
    })())
}

/// Deletes the capability in slot `slot` (`seL4_CNode_Delete`), a slot C
/// owns (from `substrate_slot_alloc`, `_alloc_range` or
/// `substrate_object_alloc`), which stays C's; deleting an empty slot
/// succeeds, as in the kernel. `SUBSTRATE_EPERM` for any other slot (the
/// runtime's own capabilities); kernel errors otherwise.
#[no_mangle]
pub extern "C" fn substrate_cnode_delete(slot: u64) -> i32 {
    code((|| {
        check_owned(&C_SLOTS.lock(), slot, 1)?;
        slot_path(slot)?.delete().map_err(from_sel4)?;
        // Deleting a mapped frame's capability unmaps it.
        forget_mapping(slot);
        record(slot, None)
    })())
}

/// The address ranges frames are mapped at through `substrate_frame_map`,
/// by the slot that mapped them: the kernel reports a 4 KiB mapping over an
/// existing one on some versions (`seL4_DeleteFirst` on seL4 5.0) and
/// silently replaces it on others (current kernels, although their
/// interface documents `DeleteFirst`), so the C ABI refuses it itself. A
/// record goes when its frame is unmapped or its capability deleted.
/// A notification mutex: held across the map.
static C_MAPPINGS: substrate_sync::Mutex<Vec<CMapping>> = substrate_sync::Mutex::new(Vec::new());

/// Gives the mappings' lock its notification (see `runtime`).
pub(crate) fn set_mappings_notification(n: cap::Notification) -> Result<(), cap::Notification> {
    C_MAPPINGS.set_notification(n)
}

/// A frame C mapped: its slot, where, and whether writable.
struct CMapping {
    slot: u64,
    range: core::ops::Range<usize>,
    writable: bool,
}

/// Drops the mapping record of the frame capability in `slot`, if any.
fn forget_mapping(slot: u64) {
    C_MAPPINGS.lock().retain(|m| m.slot != slot);
}

/// Whether `range` lies inside one frame C mapped with
/// `substrate_frame_map` (a writable one if `write`).
pub(crate) fn is_c_mapped(range: &core::ops::Range<usize>, write: bool) -> bool {
    C_MAPPINGS
        .lock()
        .iter()
        .any(|m| (m.writable || !write) && m.range.start <= range.start && range.end <= m.range.end)
}

/// The first address of the range `substrate_frame_map` maps frames in
/// (1 TiB). Below it lie the image, the runtime's thread stacks and IPC
/// buffers and the `sbrk` region, which C may not map over.
pub const SUBSTRATE_MAP_BASE: u64 = 0x100_0000_0000;
/// The end (exclusive) of the range `substrate_frame_map` maps frames in
/// (127 TiB, below the top of user space).
pub const SUBSTRATE_MAP_END: u64 = 0x7f00_0000_0000;

// The runtime's own regions lie below C's range.
const _: () = {
    assert!(substrate_thread::THREAD_REGION.end <= crate::sbrk::SUBSTRATE_SBRK_BASE);
    let sbrk_end = crate::sbrk::SUBSTRATE_SBRK_BASE + crate::sbrk::SUBSTRATE_SBRK_SIZE;
    assert!(sbrk_end as u64 <= SUBSTRATE_MAP_BASE);
};

/// Maps frame `frame` at `vaddr` in the root task's address space with
/// `rights` (`SUBSTRATE_RIGHT_READ`/`_WRITE`) (`seL4_X86_Page_Map`),
/// creating the missing paging structures the frame's size needs from
/// untyped memory. A 2 MiB frame this runtime created
/// (`substrate_object_alloc` with `SUBSTRATE_OBJ_LARGE_FRAME`, still in its
/// slot) is mapped as one: `vaddr` must be 2 MiB-aligned, and it takes a page
/// directory entry (no page table is created). Any other frame is mapped as a
/// 4 KiB frame; a 2 MiB frame the runtime does not know (e.g. a copy made
/// with `substrate_cnode_copy`) then fails where a page table would have to be
/// created for it (`SUBSTRATE_ESEL4_DELETE_FIRST`, with nothing left behind).
/// `SUBSTRATE_EINVAL` for a null `vaddr`, one not aligned to the frame's size,
/// a frame reaching past user space or other rights bits;
/// `SUBSTRATE_EPERM` for a frame not wholly inside `SUBSTRATE_MAP_BASE ..
/// SUBSTRATE_MAP_END`;
/// `SUBSTRATE_EBADCAP` if `frame` is not a frame; kernel errors otherwise:
/// `SUBSTRATE_ESEL4_DELETE_FIRST` for an address range that overlaps a frame
/// mapped through this function (on every kernel: the C ABI keeps track of
/// them, a 4 KiB frame inside a 2 MiB mapping included);
/// `SUBSTRATE_ESEL4_FAILED_LOOKUP` where the paging structures cannot take
/// the frame; `SUBSTRATE_EBADCAP` for a frame mapped elsewhere already (the
/// kernel's `seL4_InvalidCapability`, or on current kernels
/// `SUBSTRATE_ESEL4_INVALID_ARGUMENT`).
///
/// # Safety
/// Mapping over memory the program uses changes what it reads there.
#[no_mangle]
pub unsafe extern "C" fn substrate_frame_map(
    frame: u64,
    vaddr: *mut core::ffi::c_void,
    rights_mask: u32,
) -> i32 {
    code((|| {
        let vaddr = vaddr as usize;
        let page = 1usize << sys::seL4_PageBits;
        if vaddr == 0 || !vaddr.is_multiple_of(page) {
            return Err(SUBSTRATE_EINVAL);
        }
        if rights_mask & !(SUBSTRATE_RIGHT_READ | SUBSTRATE_RIGHT_WRITE) != 0 {
            return Err(SUBSTRATE_EINVAL);
        }
        let r = rights(rights_mask)?;
        let cptr = check_cap(frame, Kind::Frame)?;
        // Locked before the object allocator, as everywhere.
        let slots = C_SLOTS.lock();
        let size = match c_slot_index(&slots, frame) {
            Ok(i) if slots[i].large_frame => FrameSize::Large,
            _ => FrameSize::Small,
        };
        let bytes = 1usize << size.bits();
        if !vaddr.is_multiple_of(bytes) || vaddr.checked_add(bytes).is_none_or(|e| e > 1 << 47) {
            return Err(SUBSTRATE_EINVAL);
        }
        if (vaddr as u64) < SUBSTRATE_MAP_BASE || (vaddr + bytes) as u64 > SUBSTRATE_MAP_END {
            return Err(SUBSTRATE_EPERM);
        }
        let range = vaddr..vaddr + bytes;
        let mut mappings = C_MAPPINGS.lock();
        let overlaps = |r: &core::ops::Range<usize>| r.start < range.end && range.start < r.end;
        if mappings
            .iter()
            .any(|m| m.slot != frame && overlaps(&m.range))
        {
            return Err(kernel_error(sel4::Error::DeleteFirst));
        }
        mappings.try_reserve(1).map_err(|_| SUBSTRATE_ENOMEM)?;
        let mapped = with_objects(|objects| {
            objects
                .map_frame_sized(
                    init_thread::VSPACE,
                    cap::Frame::from_cptr(cptr),
                    size,
                    vaddr,
                    r,
                )
                .map_err(|e| match e {
                    // The capability was checked: the kernel found no place
                    // for the frame (e.g. inside a 2 MiB mapping), which is
                    // not what `EBADCAP` says.
                    sel4_object_allocator::AllocError::Kernel(e @ sel4::Error::FailedLookup) => {
                        kernel_error(e)
                    }
                    e => from_alloc(e),
                })
        });
        if mapped.is_ok() && !mappings.iter().any(|m| m.slot == frame && m.range == range) {
            mappings.push(CMapping {
                slot: frame,
                range,
                writable: rights_mask & SUBSTRATE_RIGHT_WRITE != 0,
            });
        }
        mapped
    })())
}

/// Unmaps frame `frame` (`seL4_X86_Page_Unmap`); unmapping an unmapped
/// frame succeeds. `SUBSTRATE_EBADCAP` if it is not one of C's frames;
/// other kernel errors as `SUBSTRATE_ESEL4_*`.
#[no_mangle]
pub extern "C" fn substrate_frame_unmap(frame: u64) -> i32 {
    code((|| {
        let cptr = check_cap(frame, Kind::Frame)?;
        // A frame capability holds at most one mapping, and every mapping C
        // has was made (and recorded) by `substrate_frame_map` through that
        // very capability (copies, received and retyped frames start
        // unmapped). Without a record there is nothing to unmap, and the
        // kernel is not asked: seL4 5.0 answers the unmap of an unmapped
        // frame without a reply message, so the invocation's own label
        // (39) would read as an error.
        let mappings = C_MAPPINGS.lock();
        if !mappings.iter().any(|m| m.slot == frame) {
            return Ok(());
        }
        drop(mappings);
        cap::Frame::from_cptr(cptr).unmap().map_err(from_sel4)?;
        forget_mapping(frame);
        Ok(())
    })())
}

/// Slots of the root CNode the runtime's allocator handed to C
/// (`substrate_slot_alloc`, `substrate_object_alloc`) and C has not given
/// back: `substrate_slot_free` takes only these, so that a slot freed twice
/// (or never handed out) cannot enter the allocator's free list, which
/// would then give one slot to two owners. A `Vec` with `try_reserve`, so
/// that running out of heap is an error, not an abort. Locked before the
/// object allocator.
///
/// These are C's slots: every call that writes a capability into a slot
/// (`substrate_untyped_retype`, `substrate_cnode_copy`, `_mint`, the
/// receive slot of `substrate_ipc_set_receive_slot`) or empties one
/// (`substrate_cnode_delete`) takes only slots C owns and returns
/// `SUBSTRATE_EPERM` for any other, so that C cannot fill a slot the
/// allocator believes free or delete one of the runtime's capabilities.
/// Sorted by slot.
static C_SLOTS: substrate_sync::Mutex<Vec<CSlot>> = substrate_sync::Mutex::new(Vec::new());

/// Gives the slots' lock (a notification mutex: held across retypes) its
/// notification (see `runtime`).
pub(crate) fn set_slots_notification(n: cap::Notification) -> Result<(), cap::Notification> {
    C_SLOTS.set_notification(n)
}

/// A slot handed to C.
struct CSlot {
    slot: u64,
    /// It received a 2 MiB frame from `substrate_object_alloc`: the kernel
    /// does not tell a frame's size, and `substrate_frame_map` needs it.
    large_frame: bool,
    /// The rights its capability has at most (`SUBSTRATE_RIGHT_*`): all of
    /// them for what the runtime created and for what C received (the
    /// sender's rights, which the kernel does not tell), the source's
    /// bound masked by the copy's rights for a copy. The kernel does not
    /// tell rights either, and an invocation without the right it needs
    /// does not fail cleanly: a receive faults the thread, a send is
    /// dropped in silence, a call without a grant right never returns.
    rights: u32,
}

/// The rights the capability in C's slot `slot` has at most (all for a
/// slot that is not C's: the callers have checked ownership).
fn rights_bound(slot: u64) -> u32 {
    let slots = C_SLOTS.lock();
    c_slot_index(&slots, slot).map_or(SUBSTRATE_RIGHTS_ALL, |i| slots[i].rights)
}

/// Sets the rights bound of C's slot `slot` (see [`CSlot::rights`]).
pub(crate) fn set_rights_bound(slot: u64, rights: u32) {
    let mut slots = C_SLOTS.lock();
    if let Ok(i) = c_slot_index(&slots, slot) {
        slots[i].rights = rights;
    }
}

/// The rights an endpoint capability needs for `seL4_Call`: write, and a
/// grant right for the reply (without one the kernel makes the caller
/// inactive: the call never returns). Kernels with a grant-reply right
/// accept either.
#[cfg(sel4_has = "seL4_CapRights.capAllowGrantReply")]
const CALL_GRANTS: u32 = SUBSTRATE_RIGHT_GRANT | SUBSTRATE_RIGHT_GRANT_REPLY;
#[cfg(not(sel4_has = "seL4_CapRights.capAllowGrantReply"))]
const CALL_GRANTS: u32 = SUBSTRATE_RIGHT_GRANT;

/// Checks that the capability in C's slot `slot` is not known to lack a
/// right of `need`, or (`any_of`) one of those: `SUBSTRATE_EBADCAP`
/// otherwise, as for a capability of the wrong type.
pub(crate) fn check_rights(slot: u64, need: u32, any_of: u32) -> Result<(), i32> {
    let bound = rights_bound(slot);
    if bound & need != need || (any_of != 0 && bound & any_of == 0) {
        Err(SUBSTRATE_EBADCAP)
    } else {
        Ok(())
    }
}

/// Where `slot` is (or would go) in the sorted list of C's slots.
fn c_slot_index(slots: &[CSlot], slot: u64) -> Result<usize, usize> {
    slots.binary_search_by_key(&slot, |s| s.slot)
}

/// Checks that C owns every slot of `first .. first + count`:
/// `SUBSTRATE_EPERM` for a slot it does not own (the runtime's own slots,
/// slots it never got, a range past the last slot number).
fn check_owned(slots: &[CSlot], first: u64, count: u64) -> Result<(), i32> {
    if substrate_ffi_checks::owns_run(slots, |s| s.slot, first, count) {
        Ok(())
    } else {
        Err(SUBSTRATE_EPERM)
    }
}

/// Whether C owns `slot`: the capability arguments of the C ABI must be
/// C's (see `runtime::check_cap`).
pub(crate) fn c_owns(slot: u64) -> bool {
    c_slot_index(&C_SLOTS.lock(), slot).is_ok()
}

/// Adds `slot` to C's slots (room reserved by the caller).
fn add_c_slot(slots: &mut Vec<CSlot>, slot: u64, large_frame: bool) {
    if let Err(i) = c_slot_index(slots, slot) {
        slots.insert(
            i,
            CSlot {
                slot,
                large_frame,
                rights: SUBSTRATE_RIGHTS_ALL,
            },
        );
    }
}

/// Creates one object of type `object_type` (`SUBSTRATE_OBJ_*`; `size_bits` for
/// untyped and CNodes) from the runtime's untyped memory into a free slot,
/// stored in `*out` (`seL4_Untyped_Retype`). `SUBSTRATE_EINVAL` for a null
/// `out`, an unknown type or a size the kernel refuses;
/// `SUBSTRATE_ENOMEM` when memory or slots run out.
/// `SUBSTRATE_EFAULT` for a non-null pointer argument that does not point
/// to memory of the program (see `SUBSTRATE_EFAULT`): nothing is done then.
///
/// # Safety
/// `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn substrate_object_alloc(
    object_type: u32,
    size_bits: u32,
    out: *mut u64,
) -> i32 {
    if out.is_null() {
        return SUBSTRATE_EINVAL;
    }
    code((|| {
        check_obj(out, Access::Write)?;
        let object = to_object_type(object_type)?;
        if size_bits >= 64 {
            return Err(SUBSTRATE_EINVAL);
        }
        let mut slots = C_SLOTS.lock();
        slots.try_reserve(1).map_err(|_| SUBSTRATE_ENOMEM)?;
        let c: cap::Unspecified = with_objects(|o| {
            o.allocate(object, size_bits as usize).map_err(|e| match e {
                sel4_object_allocator::AllocError::Kernel(
                    sel4::Error::InvalidArgument | sel4::Error::RangeError,
                ) => SUBSTRATE_EINVAL,
                e => from_alloc(e),
            })
        })?;
        if let Err(e) = record_object(c.cptr() as u64, object) {
            let _ = with_objects(|o| o.delete(c.cptr()).map_err(from_alloc));
            return Err(e);
        }
        add_c_slot(
            &mut slots,
            c.cptr() as u64,
            object == ObjectType::Frame(FrameSize::Large),
        );
        // SAFETY: checked non-null; the caller guarantees it is writable.
        unsafe { out.write(c.cptr() as u64) };
        Ok(())
    })())
}

/// Takes a free slot of the root CNode from the runtime's allocator and
/// stores its index in `*out`. `SUBSTRATE_EINVAL` for a null `out`,
/// `SUBSTRATE_ENOMEM` when none is left.
/// `SUBSTRATE_EFAULT` for a non-null pointer argument that does not point
/// to memory of the program (see `SUBSTRATE_EFAULT`): nothing is done then.
///
/// # Safety
/// `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn substrate_slot_alloc(out: *mut u64) -> i32 {
    if out.is_null() {
        return SUBSTRATE_EINVAL;
    }
    code((|| {
        check_obj(out, Access::Write)?;
        let mut slots = C_SLOTS.lock();
        slots.try_reserve(1).map_err(|_| SUBSTRATE_ENOMEM)?;
        let slot = with_objects(|o| o.alloc_slot().map_err(from_alloc))?;
        add_c_slot(&mut slots, slot as u64, false);
        // SAFETY: checked non-null; the caller guarantees it is writable.
        unsafe { out.write(slot as u64) };
        Ok(())
    })())
}

/// Most slots one `substrate_slot_alloc_range` hands out.
pub const SUBSTRATE_SLOT_RANGE_MAX: u64 = 256;

/// Takes `count` consecutive free slots of the root CNode from the
/// runtime's allocator (for `substrate_untyped_retype` of several objects)
/// and stores the first one's index in `*first`; C owns `*first ..
/// *first + count` and gives each back with `substrate_slot_free`.
/// `SUBSTRATE_EINVAL` for a null `first`, `count` 0 or above
/// `SUBSTRATE_SLOT_RANGE_MAX`; `SUBSTRATE_ENOMEM` when no such run of
/// slots is left (or the runtime's heap is full).
/// `SUBSTRATE_EFAULT` for a non-null pointer argument that does not point
/// to memory of the program (see `SUBSTRATE_EFAULT`): nothing is done then.
///
/// # Safety
/// `first` must be writable.
#[no_mangle]
pub unsafe extern "C" fn substrate_slot_alloc_range(count: u64, first: *mut u64) -> i32 {
    if first.is_null() || count == 0 || count > SUBSTRATE_SLOT_RANGE_MAX {
        return SUBSTRATE_EINVAL;
    }
    code((|| {
        check_obj(first, Access::Write)?;
        let mut slots = C_SLOTS.lock();
        slots
            .try_reserve(count as usize)
            .map_err(|_| SUBSTRATE_ENOMEM)?;
        let range = with_objects(|o| o.alloc_slot_range(count as usize).map_err(from_alloc))?;
        for slot in range.clone() {
            add_c_slot(&mut slots, slot as u64, false);
        }
        // SAFETY: checked non-null; the caller guarantees it is writable.
        unsafe { first.write(range.start as u64) };
        Ok(())
    })())
}

/// Deletes whatever capability slot `slot` holds (`seL4_CNode_Delete`) and
/// gives the slot back to the runtime's allocator. `SUBSTRATE_EINVAL`,
/// deleting nothing, for a slot that did not come from
/// `substrate_slot_alloc` or `substrate_object_alloc` or was freed already;
/// a kernel error if the deletion fails (the slot stays allocated).
#[no_mangle]
pub extern "C" fn substrate_slot_free(slot: u64) -> i32 {
    code((|| {
        let mut slots = C_SLOTS.lock();
        let i = c_slot_index(&slots, slot).map_err(|_| SUBSTRATE_EINVAL)?;
        slot_path(slot)?.delete().map_err(from_sel4)?;
        forget_mapping(slot);
        record(slot, None)?;
        slots.remove(i);
        with_objects(|o| {
            o.free_slot(slot as sys::seL4_CPtr);
            Ok(())
        })
    })())
}

/// What is left of the runtime's resources, from `substrate_stats`.
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
pub struct substrate_stats_t {
    /// Free slots of the root CNode the runtime's allocator can still hand
    /// out.
    pub free_slots: u64,
    /// Bytes of untyped memory the allocator has not retyped yet.
    pub free_untyped_bytes: u64,
}

/// Fills `*out` with the runtime's free slots and untyped memory (the object
/// allocator's own count; no system call). `SUBSTRATE_EINVAL` for a null
/// `out`; `SUBSTRATE_ENOSYS` before the runtime has started.
/// `SUBSTRATE_EFAULT` for a non-null pointer argument that does not point
/// to memory of the program (see `SUBSTRATE_EFAULT`): nothing is done then.
///
/// # Safety
/// `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn substrate_stats(out: *mut substrate_stats_t) -> i32 {
    if out.is_null() {
        return SUBSTRATE_EINVAL;
    }
    if let Err(e) = check_obj(out, Access::Write) {
        return e;
    }
    code(with_objects(|o| {
        let stats = substrate_stats_t {
            free_slots: o.free_slot_count() as u64,
            free_untyped_bytes: o.free_memory() as u64,
        };
        // SAFETY: checked non-null; the caller guarantees it is writable.
        unsafe { out.write(stats) };
        Ok(())
    }))
}

/// The calling thread's reply object (see `substrate_thread::reply`); on
/// non-MCS kernels the thread's reply slot, without taking the allocator's
/// lock.
fn own_reply() -> Result<sel4::Reply, i32> {
    #[cfg(sel4_mcs)]
    return with_objects(|o| substrate_thread::reply(o).map_err(from_alloc));
    #[cfg(not(sel4_mcs))]
    Ok(sel4::Reply::implicit())
}
