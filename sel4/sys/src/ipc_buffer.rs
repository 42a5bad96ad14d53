//! Access to the current thread's IPC buffer.

use crate::{seL4_CPtr, seL4_IPCBuffer, seL4_Word};

/// Offset, in bytes, of the IPC buffer pointer in the thread control block that the
/// thread pointer (FS base) points to.
///
/// The runtime writes the current thread's IPC buffer address there before the thread
/// makes any system call that uses the IPC buffer; sel4-sys only reads it.
pub const IPC_BUFFER_TP_OFFSET: usize = 16;

/// Returns the current thread's IPC buffer, read from `fs:[IPC_BUFFER_TP_OFFSET]`.
///
/// The pointer is whatever the runtime stored (see [`IPC_BUFFER_TP_OFFSET`]); it is
/// only meaningful once the runtime has set up the thread pointer.
#[inline(always)]
pub fn seL4_GetIPCBuffer() -> *mut seL4_IPCBuffer {
    let p: *mut seL4_IPCBuffer;
    // SAFETY: reads one word relative to the FS base and writes nothing; the runtime
    // contract is that FS points to this thread's control block.
    unsafe {
        core::arch::asm!(
            "mov {p}, qword ptr fs:[{off}]",
            p = out(reg) p,
            off = const IPC_BUFFER_TP_OFFSET,
            options(pure, nostack, readonly, preserves_flags)
        );
    }
    p
}

/// Stores `buffer` as the current thread's IPC buffer pointer (`fs:[IPC_BUFFER_TP_OFFSET]`).
///
/// # Safety
///
/// FS must point to this thread's control block, at least `IPC_BUFFER_TP_OFFSET + 8`
/// bytes long and writable. Normally the runtime does this, not user code.
#[inline(always)]
pub unsafe fn seL4_SetIPCBuffer(buffer: *mut seL4_IPCBuffer) {
    // SAFETY: the caller guarantees FS points to a writable control block.
    unsafe {
        core::arch::asm!(
            "mov qword ptr fs:[{off}], {p}",
            p = in(reg) buffer,
            off = const IPC_BUFFER_TP_OFFSET,
            options(nostack, preserves_flags)
        );
    }
}

/// Reads message register `i` from the IPC buffer.
///
/// # Safety
///
/// The IPC buffer pointer must be valid (see [`seL4_GetIPCBuffer`]). Panics if `i` is
/// out of range.
#[inline]
pub unsafe fn seL4_GetMR(i: usize) -> seL4_Word {
    // SAFETY: the caller guarantees the IPC buffer pointer is valid.
    unsafe { (*seL4_GetIPCBuffer()).msg[i] }
}

/// Writes message register `i` in the IPC buffer.
///
/// # Safety
///
/// As for [`seL4_GetMR`].
#[inline]
pub unsafe fn seL4_SetMR(i: usize, value: seL4_Word) {
    // SAFETY: the caller guarantees the IPC buffer pointer is valid.
    unsafe { (*seL4_GetIPCBuffer()).msg[i] = value }
}

/// Reads the IPC buffer's user data word.
///
/// # Safety
///
/// As for [`seL4_GetMR`].
#[inline]
pub unsafe fn seL4_GetUserData() -> seL4_Word {
    // SAFETY: the caller guarantees the IPC buffer pointer is valid.
    unsafe { (*seL4_GetIPCBuffer()).userData }
}

/// Writes the IPC buffer's user data word.
///
/// # Safety
///
/// As for [`seL4_GetMR`].
#[inline]
pub unsafe fn seL4_SetUserData(data: seL4_Word) {
    // SAFETY: the caller guarantees the IPC buffer pointer is valid.
    unsafe { (*seL4_GetIPCBuffer()).userData = data }
}

/// Reads extra capability slot `i` (`caps_or_badges[i]`) as a capability.
///
/// # Safety
///
/// As for [`seL4_GetMR`].
#[inline]
pub unsafe fn seL4_GetCap(i: usize) -> seL4_CPtr {
    // SAFETY: the caller guarantees the IPC buffer pointer is valid.
    unsafe { (*seL4_GetIPCBuffer()).caps_or_badges[i] as seL4_CPtr }
}

/// Sets extra capability `i` (`caps_or_badges[i]`) of the next message.
///
/// # Safety
///
/// As for [`seL4_GetMR`].
#[inline]
pub unsafe fn seL4_SetCap(i: usize, cptr: seL4_CPtr) {
    // SAFETY: the caller guarantees the IPC buffer pointer is valid.
    unsafe { (*seL4_GetIPCBuffer()).caps_or_badges[i] = cptr as seL4_Word }
}

/// Reads the badge of unwrapped capability `i` of a received message.
///
/// # Safety
///
/// As for [`seL4_GetMR`].
#[inline]
pub unsafe fn seL4_GetBadge(i: usize) -> seL4_Word {
    // SAFETY: the caller guarantees the IPC buffer pointer is valid.
    unsafe { (*seL4_GetIPCBuffer()).caps_or_badges[i] }
}

/// Sets where a received capability is stored: the slot at `index` (resolved to
/// `depth` bits) in the CSpace rooted at `root`.
///
/// # Safety
///
/// As for [`seL4_GetMR`].
#[inline]
pub unsafe fn seL4_SetCapReceivePath(root: seL4_CPtr, index: seL4_CPtr, depth: seL4_Word) {
    let b = seL4_GetIPCBuffer();
    // SAFETY: the caller guarantees the IPC buffer pointer is valid.
    unsafe {
        (*b).receiveCNode = root;
        (*b).receiveIndex = index;
        (*b).receiveDepth = depth;
    }
}

/// Returns the capability receive path `(root, index, depth)`.
///
/// # Safety
///
/// As for [`seL4_GetMR`].
#[inline]
pub unsafe fn seL4_GetCapReceivePath() -> (seL4_CPtr, seL4_CPtr, seL4_Word) {
    let b = seL4_GetIPCBuffer();
    // SAFETY: the caller guarantees the IPC buffer pointer is valid.
    unsafe { ((*b).receiveCNode, (*b).receiveIndex, (*b).receiveDepth) }
}
