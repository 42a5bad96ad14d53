//! `exit`, `_exit`, `abort` and the handlers that run at exit.

use alloc::vec::Vec;
use core::ffi::{c_int, c_void};

/// A handler of `atexit` (no argument) or `__cxa_atexit` (one).
#[derive(Clone, Copy)]
enum Handler {
    Plain(extern "C" fn()),
    WithArg(unsafe extern "C" fn(*mut c_void), usize),
}

/// The handlers registered so far, run in reverse order by [`exit`].
static HANDLERS: spin::Mutex<Vec<Handler>> = spin::Mutex::new(Vec::new());

fn register(h: Handler) -> c_int {
    let mut handlers = HANDLERS.lock();
    if handlers.try_reserve(1).is_err() {
        return -1;
    }
    handlers.push(h);
    0
}

/// C `atexit`: `f` runs at [`exit`], after the handlers registered later.
/// 0, or -1 when the list cannot grow.
#[no_mangle]
pub extern "C" fn atexit(f: Option<extern "C" fn()>) -> c_int {
    match f {
        Some(f) => register(Handler::Plain(f)),
        None => -1,
    }
}

/// The C++ ABI's `__cxa_atexit`: `f(arg)` runs at [`exit`] (the image has
/// one module, so `dso` does not matter). 0, or -1 when the list cannot
/// grow.
#[no_mangle]
pub extern "C" fn __cxa_atexit(
    f: Option<unsafe extern "C" fn(*mut c_void)>,
    arg: *mut c_void,
    _dso: *mut c_void,
) -> c_int {
    match f {
        Some(f) => register(Handler::WithArg(f, arg as usize)),
        None => -1,
    }
}

/// C `exit`: runs the calling thread's thread-local destructors
/// (`__cxa_thread_atexit_impl`), then the `atexit` handlers in reverse
/// order of registration, then ends the image with `status`
/// (`substrate_exit`: success for 0, failure otherwise, the runtime's last
/// line on the console). Other threads are stopped. std's output is
/// flushed by std itself before `main` returns.
#[no_mangle]
pub extern "C" fn exit(status: c_int) -> ! {
    crate::pthread::run_thread_destructors();
    loop {
        // One at a time, without the lock: a handler may register another.
        let Some(h) = HANDLERS.lock().pop() else {
            break;
        };
        match h {
            Handler::Plain(f) => f(),
            // SAFETY: registered with this argument by `__cxa_atexit`.
            Handler::WithArg(f, arg) => unsafe { f(arg as *mut c_void) },
        }
    }
    substrate_ffi::exit::substrate_exit(status)
}

/// POSIX `_exit`: ends the image with `status` at once (no handlers).
#[no_mangle]
pub extern "C" fn _exit(status: c_int) -> ! {
    substrate_ffi::exit::substrate_exit(status)
}

/// C `abort`: ends the image with failure (`substrate_abort` prints
/// `abort`). std calls it after printing a panic's message when panics
/// abort, and on a few fatal runtime errors.
#[no_mangle]
pub extern "C" fn abort() -> ! {
    substrate_ffi::exit::substrate_abort()
}
