//! Message passing: message info, the IPC buffer, and the endpoint and
//! notification system calls.

use crate::capability::cap;
use crate::{sys, Word};

/// The message-info word of an IPC (`seL4_MessageInfo_t`): label, number of
/// message registers, number of extra capabilities, and which of those were
/// unwrapped to badges.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct MessageInfo(pub sys::seL4_MessageInfo);

impl MessageInfo {
    /// Width of the label field in bits, from the kernel's bitfield file
    /// (`seL4_MessageInfo.label`: 20 bits on seL4 5.0, 52 on current 64-bit
    /// kernels).
    pub const LABEL_BITS: u32 = sys::seL4_MessageInfo::label_BITS;

    /// The largest label a message can carry.
    pub const MAX_LABEL: Word = low_bits(Self::LABEL_BITS);

    /// A message with `label` and `length` message registers and
    /// `extra_caps` capabilities (`seL4_MessageInfo_new`). The values must
    /// fit their fields ([`Self::MAX_LABEL`], `seL4_MsgMaxLength`,
    /// `seL4_MsgMaxExtraCaps`): a debug build panics otherwise, a release
    /// build masks them. [`Self::try_new`] checks instead.
    pub fn new(label: Word, extra_caps: usize, length: usize) -> Self {
        Self(sys::seL4_MessageInfo::new(
            label as _,
            0,
            extra_caps as _,
            length as _,
        ))
    }

    /// A message as for [`Self::new`], or `None` if the label exceeds
    /// [`Self::MAX_LABEL`], `length` exceeds `seL4_MsgMaxLength` or
    /// `extra_caps` exceeds `seL4_MsgMaxExtraCaps`.
    pub fn try_new(label: Word, extra_caps: usize, length: usize) -> Option<Self> {
        let fits = label <= Self::MAX_LABEL
            && length <= sys::seL4_MsgMaxLength as usize
            && extra_caps < (1usize << sys::seL4_MsgExtraCapBits);
        fits.then(|| Self::new(label, extra_caps, length))
    }

    /// The label (`seL4_MessageInfo_get_label`).
    pub fn label(&self) -> Word {
        self.0.get_label() as Word
    }

    /// Number of message registers (`seL4_MessageInfo_get_length`).
    pub fn length(&self) -> usize {
        self.0.get_length() as usize
    }

    /// Number of extra capabilities (`seL4_MessageInfo_get_extraCaps`).
    pub fn extra_caps(&self) -> usize {
        self.0.get_extraCaps() as usize
    }

    /// Bit mask of capabilities that were unwrapped to badges
    /// (`seL4_MessageInfo_get_capsUnwrapped`).
    pub fn caps_unwrapped(&self) -> usize {
        self.0.get_capsUnwrapped() as usize
    }
}

/// A badge delivered with a message or signal (`seL4_Word`).
pub type Badge = Word;

/// Width of a badge in bits: what `seL4_CNode_Mint` can store (seL4 5.0's
/// `seL4_CapData.Badge` field has 28 bits; current kernels take a word).
#[cfg(sel4_has = "seL4_CapData")]
pub const BADGE_BITS: u32 = sys::seL4_CapData::Badge_Badge_BITS;
/// Width of a badge in bits: what `seL4_CNode_Mint` can store (seL4 5.0's
/// `seL4_CapData.Badge` field has 28 bits; current kernels take a word).
#[cfg(not(sel4_has = "seL4_CapData"))]
pub const BADGE_BITS: u32 = Word::BITS;

/// The largest badge `seL4_CNode_Mint` can store.
pub const MAX_BADGE: Badge = low_bits(BADGE_BITS);

/// A word with the low `bits` bits set (all of them for `bits >= Word::BITS`).
const fn low_bits(bits: u32) -> Word {
    if bits >= Word::BITS {
        Word::MAX
    } else {
        (1 << bits) - 1
    }
}

/// The current thread's IPC buffer (`seL4_IPCBuffer`), found through the
/// thread pointer (see `sel4_sys::seL4_GetIPCBuffer`).
pub struct IpcBuffer(*mut sys::seL4_IPCBuffer);

impl IpcBuffer {
    /// The current thread's IPC buffer.
    ///
    /// # Safety
    /// The runtime must have set up the thread pointer with the IPC buffer
    /// (true in `main` of a `#[root_task]` and in substrate threads), and the
    /// caller must not hold two `IpcBuffer`s at once.
    pub unsafe fn current() -> Self {
        Self(sys::seL4_GetIPCBuffer())
    }

    fn raw(&mut self) -> &mut sys::seL4_IPCBuffer {
        // SAFETY: the pointer is the thread's mapped IPC buffer (see `current`).
        unsafe { &mut *self.0 }
    }

    /// The message registers (`seL4_IPCBuffer.msg`, `seL4_GetMR`/`seL4_SetMR`).
    pub fn msg_regs(&mut self) -> &mut [Word] {
        &mut self.raw().msg[..]
    }

    /// Capabilities to send, or badges of received ones (`caps_or_badges`).
    pub fn caps_or_badges(&mut self) -> &mut [Word] {
        &mut self.raw().caps_or_badges[..]
    }

    /// Where a received capability goes: the slot `index` resolved to
    /// `depth` bits from `root` (`seL4_SetCapReceivePath`).
    pub fn set_receive_path(&mut self, root: cap::CNode, index: Word, depth: usize) {
        let b = self.raw();
        b.receiveCNode = root.cptr();
        b.receiveIndex = index;
        b.receiveDepth = depth as _;
    }
}

impl cap::Endpoint {
    /// Sends a message, blocking until a receiver takes it (`seL4_Send`).
    /// Message registers beyond the first four come from the IPC buffer.
    pub fn send(self, info: MessageInfo) {
        // SAFETY: the IPC buffer is set up by the runtime.
        unsafe { sys::seL4_Send(self.cptr(), info.0) }
    }

    /// Sends if a receiver is waiting, else drops the message (`seL4_NBSend`).
    pub fn nb_send(self, info: MessageInfo) {
        // SAFETY: as for send.
        unsafe { sys::seL4_NBSend(self.cptr(), info.0) }
    }

    /// Sends a message and waits for the reply (`seL4_Call`).
    pub fn call(self, info: MessageInfo) -> MessageInfo {
        // SAFETY: as for send.
        MessageInfo(unsafe { sys::seL4_Call(self.cptr(), info.0) })
    }

    /// [`call`](Self::call) with the first four message registers passed in
    /// CPU registers instead of the IPC buffer (`seL4_CallWithMRs`): the
    /// reply's message info and its first four message registers. The
    /// fastest way to make a short call; nothing touches the IPC buffer.
    pub fn call_with_mrs(self, info: MessageInfo, mrs: [Word; 4]) -> (MessageInfo, [Word; 4]) {
        // SAFETY: a Call on our own capability (which needs no reply object,
        // MCS or not); registers only, no memory.
        let (_, out, mrs) =
            unsafe { sys::sys_send_recv(sys::seL4_SysCall, self.cptr(), info.0.words[0], mrs, 0) };
        (MessageInfo(sys::seL4_MessageInfo { words: [out] }), mrs)
    }

    /// Waits for a message; returns it and the sender's badge (`seL4_Recv`).
    /// If the sender called, `reply` receives the right to answer it
    /// ([`Reply::send`]).
    pub fn recv(self, reply: &Reply) -> (MessageInfo, Badge) {
        let mut badge: Word = 0;
        #[cfg(not(sel4_mcs))]
        let _ = reply;
        // SAFETY: as for send; `badge` is a valid out-pointer.
        #[cfg(not(sel4_mcs))]
        let info = unsafe { sys::seL4_Recv(self.cptr(), &mut badge) };
        // SAFETY: as for send; `badge` is a valid out-pointer.
        #[cfg(sel4_mcs)]
        let info = unsafe { sys::seL4_Recv(self.cptr(), &mut badge, reply.0.cptr()) };
        (MessageInfo(info), badge)
    }

    /// Waits for a message without taking the right to reply
    /// (`seL4_Wait` on MCS kernels, `seL4_Recv` elsewhere): for a message
    /// that needs no answer, such as a thread's completion or a fault that
    /// will not be resumed. A caller whose call is received this way gets
    /// no reply (on MCS it is left inactive).
    pub fn wait(self) -> (MessageInfo, Badge) {
        let mut badge: Word = 0;
        // SAFETY: as for send; `badge` is a valid out-pointer.
        #[cfg(not(sel4_mcs))]
        let info = unsafe { sys::seL4_Recv(self.cptr(), &mut badge) };
        // SAFETY: as for send; `badge` is a valid out-pointer.
        #[cfg(sel4_mcs)]
        let info = unsafe { sys::seL4_Wait(self.cptr(), &mut badge) };
        (MessageInfo(info), badge)
    }

    /// Replies through `reply` and waits for the next message, whose caller
    /// `reply` then answers (`seL4_ReplyRecv`).
    pub fn reply_recv(self, info: MessageInfo, reply: &Reply) -> (MessageInfo, Badge) {
        let mut badge: Word = 0;
        #[cfg(not(sel4_mcs))]
        let _ = reply;
        // SAFETY: as for recv.
        #[cfg(not(sel4_mcs))]
        let info = unsafe { sys::seL4_ReplyRecv(self.cptr(), info.0, &mut badge) };
        // SAFETY: as for recv.
        #[cfg(sel4_mcs)]
        let info = unsafe { sys::seL4_ReplyRecv(self.cptr(), info.0, &mut badge, reply.0.cptr()) };
        (MessageInfo(info), badge)
    }

    /// [`reply_recv`](Self::reply_recv) with the first four message
    /// registers in CPU registers instead of the IPC buffer
    /// (`seL4_ReplyRecvWithMRs`): returns the next message's info, badge and
    /// first four message registers.
    pub fn reply_recv_with_mrs(
        self,
        info: MessageInfo,
        mrs: [Word; 4],
        reply: &Reply,
    ) -> (MessageInfo, Badge, [Word; 4]) {
        // SAFETY: a ReplyRecv on our own capability and reply object (0 on
        // non-MCS kernels, which ignore the register); registers only.
        let (badge, info, mrs) = unsafe {
            sys::sys_send_recv(
                sys::seL4_SysReplyRecv,
                self.cptr(),
                info.0.words[0],
                mrs,
                reply.cptr(),
            )
        };
        (
            MessageInfo(sys::seL4_MessageInfo { words: [info] }),
            badge,
            mrs,
        )
    }
}

/// The right to answer a received call: on MCS kernels a reply object
/// (`seL4_ReplyObject`) that `recv` fills, elsewhere the thread's own reply
/// slot, which every TCB has (nothing to allocate). Code that receives calls
/// holds one and passes it to [`cap::Endpoint::recv`] and
/// [`cap::Endpoint::reply_recv`], so the same code serves both kernels. A
/// thread may use only its own: two threads receiving through one reply
/// object would answer each other's callers.
#[derive(Debug, PartialEq, Eq)]
pub struct Reply(#[cfg(sel4_mcs)] cap::Reply);

impl Reply {
    /// The calling thread's reply slot (non-MCS kernels).
    #[cfg(not(sel4_mcs))]
    pub const fn implicit() -> Self {
        Reply()
    }

    /// A reply object (MCS kernels): the capability must name one that the
    /// calling thread alone receives with.
    #[cfg(sel4_mcs)]
    pub const fn new(object: cap::Reply) -> Self {
        Reply(object)
    }

    /// The reply object's capability pointer; 0 on non-MCS kernels, where
    /// the reply goes through the thread's reply slot (the value system
    /// calls take in their reply register).
    pub fn cptr(&self) -> Word {
        #[cfg(sel4_mcs)]
        return self.0.cptr();
        #[cfg(not(sel4_mcs))]
        return 0;
    }

    /// Answers the last call received through this reply (`seL4_Send` on
    /// the reply object on MCS kernels, `seL4_Reply` elsewhere). Nothing
    /// happens if there is no caller to answer.
    pub fn send(&self, info: MessageInfo) {
        // SAFETY: the IPC buffer is set up by the runtime.
        #[cfg(not(sel4_mcs))]
        unsafe {
            sys::seL4_Reply(info.0)
        };
        // SAFETY: the IPC buffer is set up by the runtime.
        #[cfg(sel4_mcs)]
        unsafe {
            sys::seL4_Send(self.0.cptr(), info.0)
        };
    }
}

impl cap::Notification {
    /// Signals the notification (`seL4_Signal`).
    pub fn signal(self) {
        // SAFETY: no pointers.
        unsafe { sys::seL4_Signal(self.cptr()) }
    }

    /// Waits for a signal; returns the accumulated badge bits (`seL4_Wait`).
    ///
    /// A signal carries no message, so unlike libsel4's `seL4_Wait` nothing
    /// is copied into the IPC buffer: only the badge is returned.
    pub fn wait(self) -> Badge {
        #[cfg(not(sel4_mcs))]
        let syscall = sys::seL4_SysRecv;
        #[cfg(sel4_mcs)]
        let syscall = sys::seL4_SysWait;
        // SAFETY: a receive on our own capability; no memory is written.
        let (badge, _, _) = unsafe { sys::sys_recv(syscall, self.cptr(), 0) };
        badge
    }

    /// Takes pending signals without blocking; 0 if none (`seL4_Poll`).
    pub fn poll(self) -> Badge {
        #[cfg(not(sel4_mcs))]
        let syscall = sys::seL4_SysNBRecv;
        #[cfg(sel4_mcs)]
        let syscall = sys::seL4_SysNBWait;
        // SAFETY: as for wait.
        let (badge, _, _) = unsafe { sys::sys_recv(syscall, self.cptr(), 0) };
        badge
    }
}

/// Gives up the rest of the time slice (`seL4_Yield`).
pub fn yield_now() {
    // SAFETY: no arguments.
    unsafe { sys::seL4_Yield() }
}
