//! Thread-local storage blocks (x86_64 TLS variant II) and the per-thread
//! control block the thread pointer points to.
//!
//! The image's TLS template is the `PT_TLS` segment, bracketed by the linker
//! script's `__tdata_start`/`__tdata_end` (initialised part) and described by
//! `__tls_memsz`/`__tls_align`. A thread's block is laid out as
//!
//! ```text
//!   [ padding | .tdata copy | .tbss zeros ][ ThreadControlBlock ]
//!                                          ^ thread pointer (FS base)
//! ```
//!
//! so that `fs:[-offset]` addresses the thread's variables, as compilers
//! expect for the local-exec model, and `fs:0` holds the thread pointer itself.
//!
//! The crate stands alone (it needs only `core` and `sel4-sys`): a runtime
//! builds a block with [`TlsImage::init_block`] and loads the returned
//! pointer into the thread pointer (how depends on the kernel; see
//! `substrate-rt`). Code running on such a thread finds its control block
//! with [`current`] and the runtime's per-thread data with [`thread_data`];
//! C code uses [`substrate_tls_current`] and [`substrate_tls_thread_data`].
#![no_std]

use core::alloc::Layout;
use core::ptr;
use sel4_sys::seL4_IPCBuffer;

/// The per-thread control block at the thread pointer. Its layout is an ABI
/// shared with C code and with `sel4-sys`, which reads the IPC buffer
/// pointer at [`sel4_sys::IPC_BUFFER_TP_OFFSET`].
#[repr(C)]
#[derive(Debug)]
pub struct ThreadControlBlock {
    /// `fs:0`: the thread pointer itself, as the x86_64 ABI requires.
    pub self_ptr: *mut ThreadControlBlock,
    /// `fs:8`: reserved (dynamic thread vector in glibc; unused here).
    pub dtv: usize,
    /// `fs:16`: this thread's IPC buffer.
    pub ipc_buffer: *mut seL4_IPCBuffer,
    /// `fs:24`: the substrate's per-thread data (owned by the thread layer).
    pub thread_data: *mut (),
    /// `fs:32`: the capability pointer of the thread's reply object on MCS
    /// kernels (`seL4_ReplyObject`), 0 while it has none; see [`reply`].
    pub reply: usize,
    /// `fs:40`: the stack-protector canary gcc's `-fstack-protector` reads.
    pub stack_guard: usize,
    /// `fs:48`: reserved for pointer mangling.
    pub pointer_guard: usize,
    /// `fs:56`: the C library's per-thread record (the std personality's
    /// thread record, `substrate-std`); null until it stores one.
    pub libc_data: *mut (),
}

const _: () = assert!(
    core::mem::offset_of!(ThreadControlBlock, ipc_buffer) == sel4_sys::IPC_BUFFER_TP_OFFSET
);
const _: () = assert!(core::mem::offset_of!(ThreadControlBlock, stack_guard) == 0x28);

/// The image's TLS template.
#[derive(Debug, Clone, Copy)]
pub struct TlsImage {
    /// The initialised part (`.tdata`).
    pub init: *const u8,
    /// Length of the initialised part.
    pub init_len: usize,
    /// Total size of the TLS variables (`.tdata` + `.tbss`).
    pub mem_size: usize,
    /// Required alignment of the block.
    pub align: usize,
}

extern "C" {
    static __tdata_start: u8;
    static __tdata_end: u8;
    static __tls_memsz: u8;
    static __tls_align: u8;
}

impl TlsImage {
    /// The template of the running image, from the linker-script symbols.
    pub fn current() -> TlsImage {
        // Only the addresses of the linker-defined symbols are taken;
        // `__tls_memsz` and `__tls_align` are absolute symbols whose address is
        // their value.
        let start = ptr::addr_of!(__tdata_start);
        let end = ptr::addr_of!(__tdata_end) as usize;
        TlsImage {
            init: start,
            init_len: end - start as usize,
            mem_size: ptr::addr_of!(__tls_memsz) as usize,
            align: (ptr::addr_of!(__tls_align) as usize).max(1),
        }
    }

    fn align(&self) -> usize {
        self.align.max(core::mem::align_of::<ThreadControlBlock>())
    }

    /// Bytes between the start of the TLS variables and the thread pointer.
    fn tls_offset(&self) -> usize {
        self.mem_size.next_multiple_of(self.align())
    }

    /// Size and alignment of a thread's block (variables and control block).
    pub fn block_layout(&self) -> Layout {
        let size = self.tls_offset() + core::mem::size_of::<ThreadControlBlock>();
        Layout::from_size_align(size, self.align()).expect("TLS layout fits the address space")
    }

    /// Initialises a thread's block: copies `.tdata`, zeroes `.tbss`, fills in
    /// the control block, and returns the thread pointer (the control block's
    /// address) to load into FS.
    ///
    /// # Safety
    /// `block` must be valid for writes of `block_layout()` and aligned to it.
    pub unsafe fn init_block(
        &self,
        block: *mut u8,
        ipc_buffer: *mut seL4_IPCBuffer,
    ) -> *mut ThreadControlBlock {
        let off = self.tls_offset();
        // SAFETY: the caller guarantees `block` spans block_layout(), which is
        // `off` bytes of variables followed by the control block.
        unsafe {
            let vars = block;
            ptr::copy_nonoverlapping(self.init, vars, self.init_len);
            ptr::write_bytes(vars.add(self.init_len), 0, off - self.init_len);
            let tcb = block.add(off) as *mut ThreadControlBlock;
            tcb.write(ThreadControlBlock {
                self_ptr: tcb,
                dtv: 0,
                ipc_buffer,
                thread_data: ptr::null_mut(),
                reply: 0,
                stack_guard: 0x5eed_0f5e_14ca_fe00 ^ tcb as usize,
                pointer_guard: 0,
                libc_data: ptr::null_mut(),
            });
            tcb
        }
    }
}

/// Offset of [`ThreadControlBlock::thread_data`] from the thread pointer.
pub const THREAD_DATA_OFFSET: usize = core::mem::offset_of!(ThreadControlBlock, thread_data);

/// Offset of [`ThreadControlBlock::libc_data`] from the thread pointer.
pub const LIBC_DATA_OFFSET: usize = core::mem::offset_of!(ThreadControlBlock, libc_data);

/// Offset of [`ThreadControlBlock::reply`] from the thread pointer.
pub const REPLY_OFFSET: usize = core::mem::offset_of!(ThreadControlBlock, reply);

/// Reads the thread pointer (`fs:0`, which holds the FS base itself).
/// Meaningful only after the runtime has set the thread pointer.
#[inline]
pub fn thread_pointer() -> usize {
    let tp: usize;
    // SAFETY: reads the first word of the thread control block, which the
    // runtime set up before any code that calls this runs.
    unsafe {
        core::arch::asm!(
            "mov {}, qword ptr fs:[0]",
            out(reg) tp,
            options(nostack, readonly, preserves_flags)
        )
    };
    tp
}

/// The running thread's control block (the thread pointer, read from `fs:0`).
/// Valid only after the runtime has set the thread pointer.
#[inline]
pub fn current() -> *mut ThreadControlBlock {
    thread_pointer() as *mut ThreadControlBlock
}

/// Reads the word at byte offset `OFF` of the running thread's control block.
#[inline]
fn read_word<const OFF: usize>() -> usize {
    let v: usize;
    // SAFETY: reads one word of the running thread's control block, which
    // the runtime set up before any code that calls this runs.
    unsafe {
        core::arch::asm!(
            "mov {v}, qword ptr fs:[{off}]",
            v = out(reg) v,
            off = const OFF,
            options(nostack, readonly, preserves_flags)
        )
    };
    v
}

/// Writes the word at byte offset `OFF` of the running thread's control block.
///
/// # Safety
/// The thread pointer must point to this thread's initialised control block.
#[inline]
unsafe fn write_word<const OFF: usize>(v: usize) {
    // SAFETY: the caller guarantees FS points to a writable control block.
    unsafe {
        core::arch::asm!(
            "mov qword ptr fs:[{off}], {v}",
            v = in(reg) v,
            off = const OFF,
            options(nostack, preserves_flags)
        )
    };
}

/// The running thread's per-thread data pointer (`fs:24`,
/// [`ThreadControlBlock::thread_data`]): null unless the thread layer (or
/// other code through [`set_thread_data`]) stored one.
#[inline]
pub fn thread_data() -> *mut () {
    read_word::<THREAD_DATA_OFFSET>() as *mut ()
}

/// Stores `data` as the running thread's per-thread data pointer (`fs:24`).
///
/// # Safety
/// The thread pointer must point to this thread's initialised control block.
/// Whoever reads the pointer back (the thread layer stores its own
/// bookkeeping there) must agree on what it points to.
#[inline]
pub unsafe fn set_thread_data(data: *mut ()) {
    // SAFETY: the caller's guarantee, passed on.
    unsafe { write_word::<THREAD_DATA_OFFSET>(data as usize) }
}

/// The running thread's C library record (`fs:56`,
/// [`ThreadControlBlock::libc_data`]): null until [`set_libc_data`] stored
/// one.
#[inline]
pub fn libc_data() -> *mut () {
    read_word::<LIBC_DATA_OFFSET>() as *mut ()
}

/// Stores `data` as the running thread's C library record (`fs:56`).
///
/// # Safety
/// The thread pointer must point to this thread's initialised control block,
/// and every reader must agree on what `data` points to (one C library
/// owns the field).
#[inline]
pub unsafe fn set_libc_data(data: *mut ()) {
    // SAFETY: the caller's guarantee, passed on.
    unsafe { write_word::<LIBC_DATA_OFFSET>(data as usize) }
}

/// The running thread's reply object on MCS kernels (`fs:32`,
/// [`ThreadControlBlock::reply`]): 0 until the thread layer or
/// [`set_reply`] stored one.
#[inline]
pub fn reply() -> usize {
    read_word::<REPLY_OFFSET>()
}

/// Stores `cptr` as the running thread's reply object (`fs:32`).
///
/// # Safety
/// The thread pointer must point to this thread's initialised control block,
/// and `cptr` must name a reply object only this thread receives with.
#[inline]
pub unsafe fn set_reply(cptr: usize) {
    // SAFETY: the caller's guarantee, passed on.
    unsafe { write_word::<REPLY_OFFSET>(cptr) }
}

/// C ABI: the running thread's control block (see [`current`]).
#[no_mangle]
pub extern "C" fn substrate_tls_current() -> *mut ThreadControlBlock {
    current()
}

/// C ABI: the running thread's per-thread data pointer (see [`thread_data`]).
#[no_mangle]
pub extern "C" fn substrate_tls_thread_data() -> *mut core::ffi::c_void {
    thread_data() as *mut core::ffi::c_void
}

/// C ABI: stores the running thread's per-thread data pointer (see
/// [`set_thread_data`]).
///
/// # Safety
/// As for [`set_thread_data`].
#[no_mangle]
pub unsafe extern "C" fn substrate_tls_set_thread_data(data: *mut core::ffi::c_void) {
    // SAFETY: the caller upholds set_thread_data's contract.
    unsafe { set_thread_data(data as *mut ()) }
}
