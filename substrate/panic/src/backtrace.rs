//! Backtraces: the return addresses of the frames on the current stack.
//!
//! # How the stack is walked
//!
//! With the image's DWARF call-frame information (`.eh_frame`, looked up
//! through the sorted `.eh_frame_hdr` table), by the `unwinding` crate's
//! unwinder (`_Unwind_Backtrace`), which builds on stable Rust. Frame
//! pointers are not an option: the host target's precompiled `core` and
//! `alloc` are built without them, so a frame-pointer walk stops (or goes
//! astray) at the first frame of theirs, which is where most panics start.
//! Every function of the image, ours and the precompiled ones, has call-frame
//! information: the host target always emits unwind tables.
//!
//! # Why it does not fault
//!
//! The walk is bounded to [`MAX_FRAMES`] reported frames (and a few more
//! passed over: the panic machinery's own), and stops at the first frame
//! that is not plausible: a return address outside the image's text
//! (`__executable_start..__etext`), or a frame address (CFA) that does not
//! lie strictly above the previous one, more than [`MAX_STACK_SPAN`] above
//! the first, or (when the stack is inside the image, as the initial
//! thread's and heap-allocated stacks are) past `__image_end`. The unwinder
//! only reads memory the call-frame information describes, at or near those
//! checked frame addresses, and finds call-frame information only for
//! addresses inside the image's text.

use core::ffi::c_void;
use unwinding::abi::{
    _Unwind_Backtrace, _Unwind_FindEnclosingFunction, _Unwind_GetCFA, _Unwind_GetIP,
    _Unwind_GetRegionStart, UnwindContext, UnwindReasonCode,
};

/// The most frames a backtrace reports.
pub const MAX_FRAMES: usize = 16;

/// How far above the first frame a frame may lie: a larger distance means
/// the walk has left the stack.
pub const MAX_STACK_SPAN: usize = 16 * 1024 * 1024;

extern "C" {
    static __executable_start: u8;
    static __etext: u8;
    static __image_start: u8;
    static __image_end: u8;
}

/// Address ranges from the linker script.
struct Bounds {
    text: core::ops::Range<usize>,
    image: core::ops::Range<usize>,
}

impl Bounds {
    fn current() -> Self {
        // Only the addresses of the linker-script symbols are taken.
        Bounds {
            text: core::ptr::addr_of!(__executable_start) as usize
                ..core::ptr::addr_of!(__etext) as usize,
            image: core::ptr::addr_of!(__image_start) as usize
                ..core::ptr::addr_of!(__image_end) as usize,
        }
    }
}

/// At most this many frames are passed over before the first reported one
/// (the panic machinery's own frames).
const MAX_SKIPPED: usize = 8;

/// State of one walk, passed through `_Unwind_Backtrace`'s argument.
struct Walk<'a> {
    visit: &'a mut dyn FnMut(usize),
    bounds: Bounds,
    /// Frames are passed over up to and including the one of the function
    /// starting at this address.
    skip_through: Option<usize>,
    seen: usize,
    frames: usize,
    first_cfa: usize,
    last_cfa: usize,
}

impl Walk<'_> {
    fn plausible(&self, ip: usize, cfa: usize) -> bool {
        if !self.bounds.text.contains(&ip) {
            return false;
        }
        if self.seen == 0 {
            return true;
        }
        let stack_in_image = self.bounds.image.contains(&self.first_cfa);
        cfa > self.last_cfa
            && cfa - self.first_cfa <= MAX_STACK_SPAN
            && (!stack_in_image || cfa <= self.bounds.image.end)
    }
}

extern "C" fn step(ctx: &UnwindContext<'_>, arg: *mut c_void) -> UnwindReasonCode {
    // SAFETY: `arg` is the `Walk` that `walk` passed to `_Unwind_Backtrace`,
    // alive and not otherwise borrowed for the whole walk.
    let walk = unsafe { &mut *(arg as *mut Walk<'_>) };
    let ip = _Unwind_GetIP(ctx);
    let cfa = _Unwind_GetCFA(ctx);
    if walk.frames >= MAX_FRAMES
        || walk.seen >= MAX_FRAMES + MAX_SKIPPED
        || !walk.plausible(ip, cfa)
    {
        // Any code but NO_REASON ends the walk.
        return UnwindReasonCode::END_OF_STACK;
    }
    if walk.seen == 0 {
        walk.first_cfa = cfa;
    }
    walk.last_cfa = cfa;
    walk.seen += 1;
    match walk.skip_through {
        Some(f) => {
            if _Unwind_GetRegionStart(ctx) == f {
                walk.skip_through = None;
            }
        }
        None => {
            walk.frames += 1;
            // The return address is the instruction after the call; one
            // byte back lies in the call itself, so addr2line names the
            // line of the call (and of the right function when the call
            // was the last instruction of a function that does not return).
            (walk.visit)(ip - 1);
        }
    }
    UnwindReasonCode::NO_REASON
}

#[inline(always)]
fn walk(visit: &mut dyn FnMut(usize), skip_through: Option<usize>) -> usize {
    let mut walk = Walk {
        visit,
        bounds: Bounds::current(),
        skip_through,
        seen: 0,
        frames: 0,
        first_cfa: 0,
        last_cfa: 0,
    };
    let arg = core::ptr::addr_of_mut!(walk) as *mut c_void;
    // The walk ends with END_OF_STACK or the code `step` returned; either
    // way the frames visited are all there is to report.
    let _ = _Unwind_Backtrace(step, arg);
    walk.frames
}

/// Calls `visit` with the call-site address (return address - 1) of each
/// frame of the calling thread's stack, innermost first (starting with
/// `trace` itself), at most [`MAX_FRAMES`] of them; returns how many it
/// visited. Walks with the unwinder's `_Unwind_Backtrace`; allocates nothing.
#[inline(never)]
pub fn trace(mut visit: impl FnMut(usize)) -> usize {
    walk(&mut visit, None)
}

/// Prints a `backtrace:` line, then the call-site address of each frame (see
/// [`trace`]) as `  0x...`, one per line, on the console
/// (`sel4::debug_put_char`: `seL4_DebugPutChar`, or COM1 on kernels without it). `addr2line -f -e <image> <addresses>` names their
/// functions and lines.
#[inline(never)]
pub fn print() {
    print_after(None)
}

/// [`print`], leaving out the frames up to and including the one of the
/// function at `skip_through` (the panic handler), if it is on the stack.
#[inline(never)]
pub(crate) fn print_after(skip_through: Option<usize>) {
    sel4::debug_println!("backtrace:");
    let mut visit = |ip: usize| sel4::debug_println!("  {ip:#x}");
    let mut n = walk(&mut visit, skip_through);
    if n == 0 && skip_through.is_some() {
        // The handler's frame was not found: show everything instead.
        n = walk(&mut visit, None);
    }
    if n == 0 {
        sel4::debug_println!("  (no frames)");
    }
}

/// The entry address of the function containing the code address `addr`
/// (e.g. one that [`trace`] reported), from the image's call-frame
/// information (`_Unwind_FindEnclosingFunction`); `None` outside the
/// image's text or where no call-frame information covers `addr`.
pub fn function_start(addr: usize) -> Option<usize> {
    if !Bounds::current().text.contains(&addr) {
        return None;
    }
    // The lookup takes a return address and searches one byte before it.
    let start = _Unwind_FindEnclosingFunction((addr + 1) as *mut c_void);
    (!start.is_null()).then_some(start as usize)
}
