//! libsel4's system call functions, over the architecture primitives.
//!
//! Signatures follow libsel4 for the configured kernel: on MCS kernels (`cfg(sel4_mcs)`)
//! `seL4_Recv`, `seL4_NBRecv` and `seL4_ReplyRecv` take a reply capability, `seL4_Reply`
//! does not exist, and `seL4_Wait`, `seL4_NBWait`, `seL4_NBSendRecv`, `seL4_NBSendWait`
//! are system calls of their own. `sender` arguments may be null.
//!
//! Every function is `unsafe`: it uses the current thread's IPC buffer (see
//! [`seL4_GetIPCBuffer`]) and raw pointers supplied by the caller.

use core::ptr;

use crate::*;

#[inline(always)]
fn info_of(words: seL4_Word) -> seL4_MessageInfo {
    seL4_MessageInfo { words: [words] }
}

/// Loads MR0..MR3 from the IPC buffer.
#[inline(always)]
unsafe fn load_mrs() -> [seL4_Word; 4] {
    // SAFETY: the callers' contract: the IPC buffer pointer is valid.
    unsafe { [seL4_GetMR(0), seL4_GetMR(1), seL4_GetMR(2), seL4_GetMR(3)] }
}

/// Stores MR0..MR3 into the IPC buffer.
#[inline(always)]
unsafe fn store_mrs(mrs: [seL4_Word; 4]) {
    // SAFETY: the callers' contract: the IPC buffer pointer is valid.
    unsafe {
        for (i, m) in mrs.into_iter().enumerate() {
            seL4_SetMR(i, m);
        }
    }
}

/// Reads `*p` if `p` is non-null and the message is longer than `i` words, else 0.
#[inline(always)]
unsafe fn opt_in(p: *mut seL4_Word, len: u64, i: u64) -> seL4_Word {
    if !p.is_null() && len > i {
        // SAFETY: non-null pointers supplied by the caller are valid.
        unsafe { *p }
    } else {
        0
    }
}

/// Writes `*p = v` if `p` is non-null.
#[inline(always)]
unsafe fn opt_out(p: *mut seL4_Word, v: seL4_Word) {
    if !p.is_null() {
        // SAFETY: non-null pointers supplied by the caller are valid.
        unsafe { *p = v }
    }
}

#[inline(always)]
unsafe fn mrs_in(info: seL4_MessageInfo, ps: [*mut seL4_Word; 4]) -> [seL4_Word; 4] {
    let len = info.get_length();
    // SAFETY: forwarded caller contract.
    unsafe {
        [
            opt_in(ps[0], len, 0),
            opt_in(ps[1], len, 1),
            opt_in(ps[2], len, 2),
            opt_in(ps[3], len, 3),
        ]
    }
}

#[inline(always)]
unsafe fn mrs_out(ps: [*mut seL4_Word; 4], mrs: [seL4_Word; 4]) {
    for (p, m) in ps.into_iter().zip(mrs) {
        // SAFETY: forwarded caller contract.
        unsafe { opt_out(p, m) }
    }
}

/// Where a wrapper's MR0..MR3 come from and go to: the IPC buffer (`None`, the
/// plain functions) or the caller's nullable pointers (`Some`, the `WithMRs`
/// variants). Every caller passes a literal, so the choice is made at compile time.
type MrPtrs = Option<[*mut seL4_Word; 4]>;

/// The message registers to send: from the IPC buffer or through the pointers.
#[inline(always)]
unsafe fn mrs_to_send(info: seL4_MessageInfo, ps: MrPtrs) -> [seL4_Word; 4] {
    // SAFETY: forwarded caller contract.
    unsafe {
        match ps {
            None => load_mrs(),
            Some(ps) => mrs_in(info, ps),
        }
    }
}

/// Delivers a received message: MR0..MR3 into the IPC buffer or through the
/// pointers, the badge into `*sender` (if non-null); returns the message info.
#[inline(always)]
unsafe fn received(
    ps: MrPtrs,
    sender: *mut seL4_Word,
    (badge, info, mrs): (seL4_Word, seL4_Word, [seL4_Word; 4]),
) -> seL4_MessageInfo {
    // SAFETY: forwarded caller contract.
    unsafe {
        match ps {
            None => store_mrs(mrs),
            Some(ps) => mrs_out(ps, mrs),
        }
        opt_out(sender, badge);
    }
    info_of(info)
}

/// A send-type syscall `sys` of `msgInfo` to `dest`, MR0..MR3 through the pointers.
#[inline(always)]
unsafe fn send_with_mrs(
    sys: isize,
    dest: seL4_CPtr,
    msgInfo: seL4_MessageInfo,
    ps: [*mut seL4_Word; 4],
) {
    // SAFETY: caller contract.
    unsafe { sys_send(sys, dest, msgInfo.words[0], mrs_in(msgInfo, ps)) }
}

/// A receive-type syscall `sys` on `src` (`reply`: MCS reply object, else 0).
#[inline(always)]
unsafe fn recv(
    sys: isize,
    src: seL4_CPtr,
    sender: *mut seL4_Word,
    ps: MrPtrs,
    reply: seL4_Word,
) -> seL4_MessageInfo {
    // SAFETY: caller contract.
    unsafe { received(ps, sender, sys_recv(sys, src, reply)) }
}

/// A send-then-receive syscall `sys` (`Call`, `ReplyRecv`).
#[inline(always)]
unsafe fn send_recv(
    sys: isize,
    dest: seL4_CPtr,
    msgInfo: seL4_MessageInfo,
    sender: *mut seL4_Word,
    ps: MrPtrs,
    reply: seL4_Word,
) -> seL4_MessageInfo {
    // SAFETY: caller contract.
    unsafe {
        let mrs = mrs_to_send(msgInfo, ps);
        received(
            ps,
            sender,
            sys_send_recv(sys, dest, msgInfo.words[0], mrs, reply),
        )
    }
}

/// Sends a message to `dest` (blocking), MR0..MR3 from the IPC buffer.
///
/// # Safety
///
/// Uses the IPC buffer (see the module documentation).
#[inline]
pub unsafe fn seL4_Send(dest: seL4_CPtr, msgInfo: seL4_MessageInfo) {
    // SAFETY: caller contract.
    unsafe { sys_send(seL4_SysSend, dest, msgInfo.words[0], load_mrs()) }
}

/// [`seL4_Send`] with MR0..MR3 taken from the given (nullable) pointers.
///
/// # Safety
///
/// Uses the IPC buffer; non-null pointers must be valid.
#[inline]
pub unsafe fn seL4_SendWithMRs(
    dest: seL4_CPtr,
    msgInfo: seL4_MessageInfo,
    mr0: *mut seL4_Word,
    mr1: *mut seL4_Word,
    mr2: *mut seL4_Word,
    mr3: *mut seL4_Word,
) {
    // SAFETY: caller contract.
    unsafe { send_with_mrs(seL4_SysSend, dest, msgInfo, [mr0, mr1, mr2, mr3]) }
}

/// Sends a message to `dest` without blocking (dropped if nobody is waiting).
///
/// # Safety
///
/// Uses the IPC buffer.
#[inline]
pub unsafe fn seL4_NBSend(dest: seL4_CPtr, msgInfo: seL4_MessageInfo) {
    // SAFETY: caller contract.
    unsafe { sys_send(seL4_SysNBSend, dest, msgInfo.words[0], load_mrs()) }
}

/// [`seL4_NBSend`] with MR0..MR3 taken from the given (nullable) pointers.
///
/// # Safety
///
/// Uses the IPC buffer; non-null pointers must be valid.
#[inline]
pub unsafe fn seL4_NBSendWithMRs(
    dest: seL4_CPtr,
    msgInfo: seL4_MessageInfo,
    mr0: *mut seL4_Word,
    mr1: *mut seL4_Word,
    mr2: *mut seL4_Word,
    mr3: *mut seL4_Word,
) {
    // SAFETY: caller contract.
    unsafe { send_with_mrs(seL4_SysNBSend, dest, msgInfo, [mr0, mr1, mr2, mr3]) }
}

/// Replies to the caller of the last `seL4_Call` received (non-MCS kernels).
///
/// # Safety
///
/// Uses the IPC buffer.
#[cfg(not(sel4_mcs))]
#[inline]
pub unsafe fn seL4_Reply(msgInfo: seL4_MessageInfo) {
    // SAFETY: caller contract.
    unsafe { sys_reply(seL4_SysReply, msgInfo.words[0], load_mrs()) }
}

/// [`seL4_Reply`] with MR0..MR3 taken from the given (nullable) pointers.
///
/// # Safety
///
/// Uses the IPC buffer; non-null pointers must be valid.
#[cfg(not(sel4_mcs))]
#[inline]
pub unsafe fn seL4_ReplyWithMRs(
    msgInfo: seL4_MessageInfo,
    mr0: *mut seL4_Word,
    mr1: *mut seL4_Word,
    mr2: *mut seL4_Word,
    mr3: *mut seL4_Word,
) {
    // SAFETY: caller contract.
    unsafe {
        sys_reply(
            seL4_SysReply,
            msgInfo.words[0],
            mrs_in(msgInfo, [mr0, mr1, mr2, mr3]),
        )
    }
}

/// Signals the notification `dest`.
///
/// # Safety
///
/// Performs a system call.
#[inline]
pub unsafe fn seL4_Signal(dest: seL4_CPtr) {
    // SAFETY: caller contract.
    unsafe {
        sys_send_null(
            seL4_SysSend,
            dest,
            seL4_MessageInfo::new(0, 0, 0, 1).words[0],
        )
    }
}

/// Blocks receiving on `src`; stores the badge in `*sender` (if non-null) and
/// MR0..MR3 in the IPC buffer. On MCS kernels `reply` is the reply object.
///
/// # Safety
///
/// Uses the IPC buffer; `sender` is null or valid.
#[inline]
pub unsafe fn seL4_Recv(
    src: seL4_CPtr,
    sender: *mut seL4_Word,
    #[cfg(sel4_mcs)] reply: seL4_CPtr,
) -> seL4_MessageInfo {
    #[cfg(not(sel4_mcs))]
    let reply = 0;
    // SAFETY: caller contract.
    unsafe { recv(seL4_SysRecv, src, sender, None, reply) }
}

/// [`seL4_Recv`] returning MR0..MR3 through the given (nullable) pointers.
///
/// # Safety
///
/// Non-null pointers must be valid.
#[inline]
pub unsafe fn seL4_RecvWithMRs(
    src: seL4_CPtr,
    sender: *mut seL4_Word,
    mr0: *mut seL4_Word,
    mr1: *mut seL4_Word,
    mr2: *mut seL4_Word,
    mr3: *mut seL4_Word,
    #[cfg(sel4_mcs)] reply: seL4_CPtr,
) -> seL4_MessageInfo {
    #[cfg(not(sel4_mcs))]
    let reply = 0;
    // SAFETY: caller contract.
    unsafe { recv(seL4_SysRecv, src, sender, Some([mr0, mr1, mr2, mr3]), reply) }
}

/// Receives on `src` without blocking. On MCS kernels `reply` is the reply object.
///
/// # Safety
///
/// Uses the IPC buffer; `sender` is null or valid.
#[inline]
pub unsafe fn seL4_NBRecv(
    src: seL4_CPtr,
    sender: *mut seL4_Word,
    #[cfg(sel4_mcs)] reply: seL4_CPtr,
) -> seL4_MessageInfo {
    #[cfg(not(sel4_mcs))]
    let reply = 0;
    // SAFETY: caller contract.
    unsafe { recv(seL4_SysNBRecv, src, sender, None, reply) }
}

/// Waits on a notification (non-MCS: a receive on `src`).
///
/// # Safety
///
/// Uses the IPC buffer; `sender` is null or valid.
#[cfg(not(sel4_mcs))]
#[inline]
pub unsafe fn seL4_Wait(src: seL4_CPtr, sender: *mut seL4_Word) -> seL4_MessageInfo {
    // SAFETY: caller contract.
    unsafe { seL4_Recv(src, sender) }
}

/// Polls a notification (non-MCS: a non-blocking receive on `src`).
///
/// # Safety
///
/// Uses the IPC buffer; `sender` is null or valid.
#[cfg(not(sel4_mcs))]
#[inline]
pub unsafe fn seL4_Poll(src: seL4_CPtr, sender: *mut seL4_Word) -> seL4_MessageInfo {
    // SAFETY: caller contract.
    unsafe { seL4_NBRecv(src, sender) }
}

/// Waits on `src` without a reply object (the MCS `Wait` syscall).
///
/// # Safety
///
/// Uses the IPC buffer; `sender` is null or valid.
#[cfg(sel4_mcs)]
#[inline]
pub unsafe fn seL4_Wait(src: seL4_CPtr, sender: *mut seL4_Word) -> seL4_MessageInfo {
    // SAFETY: caller contract.
    unsafe { recv(seL4_SysWait, src, sender, None, 0) }
}

/// [`seL4_Wait`] returning MR0..MR3 through the given (nullable) pointers.
///
/// # Safety
///
/// Non-null pointers must be valid.
#[cfg(sel4_mcs)]
#[inline]
pub unsafe fn seL4_WaitWithMRs(
    src: seL4_CPtr,
    sender: *mut seL4_Word,
    mr0: *mut seL4_Word,
    mr1: *mut seL4_Word,
    mr2: *mut seL4_Word,
    mr3: *mut seL4_Word,
) -> seL4_MessageInfo {
    // SAFETY: caller contract.
    unsafe { recv(seL4_SysWait, src, sender, Some([mr0, mr1, mr2, mr3]), 0) }
}

/// Non-blocking wait on `src` (the MCS `NBWait` syscall).
///
/// # Safety
///
/// Uses the IPC buffer; `sender` is null or valid.
#[cfg(sel4_mcs)]
#[inline]
pub unsafe fn seL4_NBWait(src: seL4_CPtr, sender: *mut seL4_Word) -> seL4_MessageInfo {
    // SAFETY: caller contract.
    unsafe { recv(seL4_SysNBWait, src, sender, None, 0) }
}

/// Polls a notification (MCS: [`seL4_NBWait`]).
///
/// # Safety
///
/// Uses the IPC buffer; `sender` is null or valid.
#[cfg(sel4_mcs)]
#[inline]
pub unsafe fn seL4_Poll(src: seL4_CPtr, sender: *mut seL4_Word) -> seL4_MessageInfo {
    // SAFETY: caller contract.
    unsafe { seL4_NBWait(src, sender) }
}

/// Calls `dest`: sends and waits for the reply. MR0..MR3 go from and back to the IPC
/// buffer.
///
/// # Safety
///
/// Uses the IPC buffer.
#[inline]
pub unsafe fn seL4_Call(dest: seL4_CPtr, msgInfo: seL4_MessageInfo) -> seL4_MessageInfo {
    // SAFETY: caller contract.
    unsafe { send_recv(seL4_SysCall, dest, msgInfo, ptr::null_mut(), None, 0) }
}

/// [`seL4_Call`] with MR0..MR3 passed through the given (nullable) pointers, which
/// receive the reply's MR0..MR3. The generated invocation stubs use this.
///
/// # Safety
///
/// Non-null pointers must be valid.
#[inline]
pub unsafe fn seL4_CallWithMRs(
    dest: seL4_CPtr,
    msgInfo: seL4_MessageInfo,
    mr0: *mut seL4_Word,
    mr1: *mut seL4_Word,
    mr2: *mut seL4_Word,
    mr3: *mut seL4_Word,
) -> seL4_MessageInfo {
    let ps = Some([mr0, mr1, mr2, mr3]);
    // SAFETY: caller contract.
    unsafe { send_recv(seL4_SysCall, dest, msgInfo, ptr::null_mut(), ps, 0) }
}

/// Replies to the last caller (on MCS kernels: through the reply object `reply`), then
/// receives on `dest` (on MCS kernels: with the same reply object).
///
/// # Safety
///
/// Uses the IPC buffer; `sender` is null or valid.
#[inline]
pub unsafe fn seL4_ReplyRecv(
    dest: seL4_CPtr,
    msgInfo: seL4_MessageInfo,
    sender: *mut seL4_Word,
    #[cfg(sel4_mcs)] reply: seL4_CPtr,
) -> seL4_MessageInfo {
    #[cfg(not(sel4_mcs))]
    let reply = 0;
    // SAFETY: caller contract.
    unsafe { send_recv(seL4_SysReplyRecv, dest, msgInfo, sender, None, reply) }
}

/// [`seL4_ReplyRecv`] with MR0..MR3 through the given (nullable) pointers.
///
/// # Safety
///
/// Non-null pointers must be valid.
#[inline]
#[cfg_attr(sel4_mcs, allow(clippy::too_many_arguments))]
pub unsafe fn seL4_ReplyRecvWithMRs(
    dest: seL4_CPtr,
    msgInfo: seL4_MessageInfo,
    sender: *mut seL4_Word,
    mr0: *mut seL4_Word,
    mr1: *mut seL4_Word,
    mr2: *mut seL4_Word,
    mr3: *mut seL4_Word,
    #[cfg(sel4_mcs)] reply: seL4_CPtr,
) -> seL4_MessageInfo {
    #[cfg(not(sel4_mcs))]
    let reply = 0;
    let ps = Some([mr0, mr1, mr2, mr3]);
    // SAFETY: caller contract.
    unsafe { send_recv(seL4_SysReplyRecv, dest, msgInfo, sender, ps, reply) }
}

/// Sends to `dest` without blocking, then receives on `src` with reply object `reply`
/// (MCS).
///
/// # Safety
///
/// Uses the IPC buffer; `sender` is null or valid.
#[cfg(sel4_mcs)]
#[inline]
pub unsafe fn seL4_NBSendRecv(
    dest: seL4_CPtr,
    msgInfo: seL4_MessageInfo,
    src: seL4_CPtr,
    sender: *mut seL4_Word,
    reply: seL4_CPtr,
) -> seL4_MessageInfo {
    // SAFETY: caller contract.
    unsafe {
        let mrs = load_mrs();
        let out = sys_nbsend_recv(seL4_SysNBSendRecv, dest, src, msgInfo.words[0], mrs, reply);
        received(None, sender, out)
    }
}

/// Sends through the reply object `dest` without blocking, then waits on `src` (MCS).
///
/// # Safety
///
/// Uses the IPC buffer; `sender` is null or valid.
#[cfg(sel4_mcs)]
#[inline]
pub unsafe fn seL4_NBSendWait(
    dest: seL4_CPtr,
    msgInfo: seL4_MessageInfo,
    src: seL4_CPtr,
    sender: *mut seL4_Word,
) -> seL4_MessageInfo {
    // SAFETY: caller contract. As in libsel4, the reply capability register carries
    // `dest` and the destination register is 0.
    unsafe {
        let mrs = load_mrs();
        let out = sys_nbsend_recv(seL4_SysNBSendWait, 0, src, msgInfo.words[0], mrs, dest);
        received(None, sender, out)
    }
}

/// Donates the rest of the current time slice.
///
/// # Safety
///
/// Performs a system call.
#[inline]
pub unsafe fn seL4_Yield() {
    // SAFETY: caller contract.
    unsafe { sys_null(seL4_SysYield) }
}

/// Prints one character on the kernel's debug console.
///
/// # Safety
///
/// Performs a system call.
#[cfg(sel4_syscall = "DebugPutChar")]
#[inline]
pub unsafe fn seL4_DebugPutChar(c: u8) {
    // SAFETY: caller contract.
    unsafe {
        sys_send_recv(seL4_SysDebugPutChar, c as seL4_Word, 0, [0; 4], 0);
    }
}

/// Prints the bytes of `s` up to the first NUL (or all of them) on the kernel's debug
/// console.
///
/// # Safety
///
/// Performs system calls.
#[cfg(sel4_syscall = "DebugPutChar")]
#[inline]
pub unsafe fn seL4_DebugPutString(s: &[u8]) {
    for &c in s.iter().take_while(|&&c| c != 0) {
        // SAFETY: caller contract.
        unsafe { seL4_DebugPutChar(c) }
    }
}

/// Dumps the scheduler state on the kernel's debug console.
///
/// # Safety
///
/// Performs a system call.
#[cfg(sel4_syscall = "DebugDumpScheduler")]
#[inline]
pub unsafe fn seL4_DebugDumpScheduler() {
    // SAFETY: caller contract.
    unsafe {
        sys_send_recv(seL4_SysDebugDumpScheduler, 0, 0, [0; 4], 0);
    }
}

/// Halts the kernel (debug builds).
///
/// # Safety
///
/// Performs a system call.
#[cfg(sel4_syscall = "DebugHalt")]
#[inline]
pub unsafe fn seL4_DebugHalt() {
    // SAFETY: caller contract.
    unsafe { sys_null(seL4_SysDebugHalt) }
}

/// Takes a capDL snapshot of the system (debug builds).
///
/// # Safety
///
/// Performs a system call.
#[cfg(sel4_syscall = "DebugSnapshot")]
#[inline]
pub unsafe fn seL4_DebugSnapshot() {
    // SAFETY: caller contract.
    unsafe { sys_null(seL4_SysDebugSnapshot) }
}

/// Returns the type of the capability at `cap` (0 for a null capability; debug builds).
///
/// # Safety
///
/// Performs a system call.
#[cfg(sel4_syscall = "DebugCapIdentify")]
#[inline]
pub unsafe fn seL4_DebugCapIdentify(cap: seL4_CPtr) -> u32 {
    // SAFETY: caller contract.
    let (out, _, _) = unsafe { sys_send_recv(seL4_SysDebugCapIdentify, cap, 0, [0; 4], 0) };
    out as u32
}

/// Names the thread `tcb` for kernel debug output (debug builds). `name` is copied
/// into the IPC buffer up to its first NUL, truncated to fit, and NUL-terminated.
///
/// # Safety
///
/// Uses the IPC buffer.
#[cfg(sel4_syscall = "DebugNameThread")]
#[inline]
pub unsafe fn seL4_DebugNameThread(tcb: seL4_CPtr, name: &[u8]) {
    // SAFETY: caller contract: the IPC buffer is valid; the copy stays inside `msg`.
    unsafe {
        let buf = seL4_GetIPCBuffer();
        let msg = core::ptr::addr_of_mut!((*buf).msg) as *mut u8;
        let cap = core::mem::size_of_val(&(*buf).msg) - 1;
        let len = name
            .iter()
            .position(|&c| c == 0)
            .unwrap_or(name.len())
            .min(cap);
        core::ptr::copy_nonoverlapping(name.as_ptr(), msg, len);
        *msg.add(len) = 0;
        sys_send_recv(seL4_SysDebugNameThread, tcb, 0, [0; 4], 0);
    }
}

/// Sets the calling thread's TLS base register (FS base on x86_64).
///
/// # Safety
///
/// Changes the thread pointer, which the runtime's per-thread state (including the IPC
/// buffer pointer) depends on.
#[cfg(sel4_syscall = "SetTLSBase")]
#[inline]
pub unsafe fn seL4_SetTLSBase(tls_base: seL4_Word) {
    // SAFETY: caller contract.
    unsafe { sys_send_null(seL4_SysSetTLSBase, tls_base, 0) }
}
