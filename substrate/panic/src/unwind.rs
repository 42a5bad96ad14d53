//! The unwinding strategy (`unwind` feature, nightly).
//!
//! The panic handler raises a Rust exception with the `unwinding` crate's
//! `_Unwind_RaiseException`; the crate's personality routine
//! (`rust_eh_personality`) runs the landing pads (destructors) of every frame
//! up to the `catch_unwind` intrinsic's frame, which hands the exception to
//! [`catch`]. Raising and catching are written here rather than taken from
//! `unwinding`'s `panic` feature, whose code does not build with current
//! nightlies (it uses intrinsics whose signatures changed).

use crate::PanicPayload;
use alloc::boxed::Box;
use core::any::Any;
use core::cell::Cell;
use core::mem::{ManuallyDrop, MaybeUninit};
use core::panic::UnwindSafe;
use unwinding::abi::{
    _Unwind_DeleteException, _Unwind_RaiseException, UnwindException, UnwindReasonCode,
};

/// Panics in progress on this thread: raised and not yet caught. A thread
/// variable (`#[thread_local]`, in the TLS block the runtime gives every
/// thread), so panics on different threads are independent.
#[thread_local]
static PANIC_COUNT: Cell<usize> = Cell::new(0);

/// The exception class of Rust panics ("MOZ\0RUST"), as the Itanium ABI
/// identifies an exception's language and vendor.
const RUST_CLASS: u64 = u64::from_ne_bytes(*b"MOZ\0RUST");

/// Its address marks exceptions raised by this crate.
static CANARY: u8 = 0;

/// A Rust panic in flight: the unwinder's header first, as the ABI requires.
#[repr(C)]
struct Exception {
    header: MaybeUninit<UnwindException>,
    canary: *const u8,
    payload: Box<dyn Any + Send>,
}

/// Called by whoever catches the exception without being Rust code that
/// knows it (`_Unwind_DeleteException`): frees it.
unsafe extern "C" fn cleanup(_code: UnwindReasonCode, ex: *mut UnwindException) {
    // SAFETY: `ex` is the header of an `Exception` that `raise` leaked.
    drop(unsafe { Box::from_raw(ex as *mut Exception) });
}

/// Raises `payload` as a Rust exception. Returns only if no frame catches
/// it, with the unwinder's reason.
fn raise(payload: Box<dyn Any + Send>) -> UnwindReasonCode {
    let ex = Box::into_raw(Box::new(Exception {
        header: MaybeUninit::uninit(),
        canary: &CANARY,
        payload,
    }));
    let header = ex as *mut UnwindException;
    // SAFETY: `header` points to the exception's header, whose public fields
    // are written before the unwinder reads it (it owns the private ones).
    // If the raise returns, nothing was caught, so the exception is ours
    // again and is freed.
    unsafe {
        (*header).exception_class = RUST_CLASS;
        (*header).exception_cleanup = Some(cleanup);
        let code = _Unwind_RaiseException(header);
        drop(Box::from_raw(ex));
        code
    }
}

union Data<F, R> {
    f: ManuallyDrop<F>,
    r: ManuallyDrop<R>,
    p: ManuallyDrop<Option<Box<dyn Any + Send>>>,
}

fn do_call<F: FnOnce() -> R, R>(data: *mut u8) {
    // SAFETY: `catch` passes its `Data`, holding `f`, which is taken once.
    unsafe {
        let data = &mut *(data as *mut Data<F, R>);
        let f = ManuallyDrop::take(&mut data.f);
        data.r = ManuallyDrop::new(f());
    }
}

fn do_catch<F, R>(data: *mut u8, ex: *mut u8) {
    // SAFETY: `catch` passes its `Data` (whose `f` was consumed by
    // `do_call`); `ex` is the exception the landing pad received. Only an
    // exception with Rust's class and this crate's canary is an `Exception`.
    unsafe {
        let data = &mut *(data as *mut Data<F, R>);
        let header = ex as *mut UnwindException;
        let ours = (*header).exception_class == RUST_CLASS
            && core::ptr::eq((*(ex as *mut Exception)).canary, &CANARY);
        let payload = if ours {
            Some(Box::from_raw(ex as *mut Exception).payload)
        } else {
            _Unwind_DeleteException(header);
            None
        };
        data.p = ManuallyDrop::new(payload);
    }
}

pub(crate) fn catch<R, F: FnOnce() -> R + UnwindSafe>(f: F) -> Result<R, PanicPayload> {
    let mut data = Data::<F, R> {
        f: ManuallyDrop::new(f),
    };
    let ptr = core::ptr::addr_of_mut!(data) as *mut u8;
    // SAFETY: `do_call` and `do_catch` treat `ptr` as the `Data` it is; the
    // intrinsic returns 0 when `do_call` finished (so `r` is set) and
    // otherwise after `do_catch` ran (so `p` is set).
    unsafe {
        if core::intrinsics::catch_unwind(do_call::<F, R>, ptr, do_catch::<F, R>) == 0 {
            return Ok(ManuallyDrop::into_inner(data.r));
        }
        PANIC_COUNT.set(PANIC_COUNT.get().saturating_sub(1));
        match ManuallyDrop::into_inner(data.p) {
            Some(inner) => Err(PanicPayload { inner }),
            None => {
                sel4::debug_println!("caught an exception that is not a Rust panic");
                crate::fail(0)
            }
        }
    }
}

// Not in host test builds of this crate, which link std's handler.
#[cfg(not(test))]
mod handler {
    use super::{raise, PANIC_COUNT};
    use crate::{claim_report, release_report, Claim};
    use alloc::boxed::Box;
    use alloc::string::String;
    use core::panic::PanicInfo;

    #[panic_handler]
    fn panic(info: &PanicInfo<'_>) -> ! {
        let handler = panic as *const () as usize;
        let nested = PANIC_COUNT.get();
        PANIC_COUNT.set(nested + 1);
        // Waits while another thread writes its report; `Nested` if this
        // thread panicked in the middle of writing its own.
        let claim = claim_report();
        crate::report(info);
        if nested > 0 || claim == Claim::Nested {
            sel4::debug_println!("panicked while panicking");
            crate::fail(handler)
        }
        if !info.can_unwind() {
            crate::fail(handler)
        }
        release_report();
        let mut message = String::new();
        // Formatting into a String only fails if a Display impl does; the
        // message is then cut short, which is still worth handing on.
        let _ = core::fmt::write(&mut message, format_args!("{}", info.message()));
        let code = raise(Box::new(message));
        // Only returns when no frame catches the panic.
        let _ = claim_report();
        sel4::debug_println!("panic not caught (unwinder code {})", code.0);
        crate::fail(handler)
    }
}
