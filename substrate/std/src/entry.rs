//! The image's entry and the C library's start-up.
//!
//! `_start` (`substrate-rt`) and the `#[root_task]` main below hand over to
//! `substrate_ffi::runtime::run`, the runtime C programs use: it sets up
//! the object allocator, the timer and the wall clock, then starts the
//! program's main thread (8 MiB of stack unless the program says otherwise
//! with `substrate_build::StdProgram::main_stack_size`), which calls
//! [`__libc_init_array`] with `argc`, `argv` and `envp`, then the `main`
//! that rustc generates for a std program (`std::rt::lang_start`), then
//! [`exit`](crate::exit::exit) with its result.

use core::ffi::{c_char, c_int};

#[cfg(all(feature = "component", feature = "root-task"))]
compile_error!("substrate-std: a program is a root task or a component (build `component` without the default features)");

/// The main thread's stack when the program sets none: 8 MiB, glibc's
/// default on Linux (`ulimit -s`).
pub const MAIN_STACK_SIZE: usize = 8 << 20;

// Not in host builds (clippy --all-targets), which have their own entry;
// a system component enters at `_substrate_component_start` instead.
#[cfg(all(feature = "root-task", not(test)))]
#[substrate_root_task::root_task(
    stack_size = substrate_ffi::runtime::INITIAL_STACK_SIZE,
    global_allocator = false
)]
fn main(bootinfo: &sel4::BootInfo) -> substrate_root_task::ExitStatus {
    crate::malloc::attach_program_break();
    substrate_ffi::runtime::run(bootinfo, MAIN_STACK_SIZE)
}

/// The entry of a std program built as a component of a system
/// (`substrate_build::StdProgram::component`, feature `component`): the
/// loader enters here with the thread pointer and console slot. It checks
/// the system information page and routes the console to the initializer
/// (`substrate_ffi::system::enter_component`), lets `malloc` grow over the
/// heap the initializer mapped, then runs the constructors and `main` as a
/// root task's main thread does ([`substrate_ffi::runtime::run_c_main`]),
/// on the component's own thread and stack. A component has no untyped
/// memory: no threads (`std::thread::spawn` returns an error), no `mmap`
/// (std's alternate signal stack is a static one,
/// [`crate::signal::use_static_altstack`]) and no notifications for the C
/// library's locks (they spin; one thread never contends).
///
/// # Safety
/// Only the loader enters here, with the thread pointer and console slot.
#[cfg(all(feature = "component", not(feature = "root-task"), not(test)))]
#[no_mangle]
pub unsafe extern "C" fn _substrate_component_start(thread_pointer: usize, console: usize) -> ! {
    // SAFETY: passed on as the loader gave them.
    unsafe {
        substrate_component::__start(thread_pointer, console, |_parent| {
            if !substrate_ffi::system::enter_component() {
                return substrate_component::abi::FAILURE_STATUS;
            }
            crate::malloc::attach_program_break();
            crate::signal::use_static_altstack();
            substrate_ffi::runtime::run_c_main()
        })
    }
}

extern "C" {
    static __preinit_array_start: [Option<Constructor>; 0];
    static __preinit_array_end: [Option<Constructor>; 0];
    static __init_array_start: [Option<Constructor>; 0];
    static __init_array_end: [Option<Constructor>; 0];
}

/// A `.preinit_array`/`.init_array` entry, called as glibc calls them.
type Constructor = unsafe extern "C" fn(c_int, *const *const c_char, *const *const c_char);

/// The constructors, run by the runtime on the main thread before `main`:
/// first what the C library itself needs from the kernel (its locks'
/// notifications, [`crate::malloc::attach_notification`]), then the
/// `.preinit_array` and `.init_array` entries in order (the linker script
/// sorts `.init_array.N` by priority), each given `argc`, `argv` and
/// `envp` as glibc gives them. std's own constructor
/// (`.init_array.00099`) records the arguments there for
/// `std::env::args`.
///
/// # Safety
/// Called once, by the runtime, with `main`'s arguments.
#[no_mangle]
pub unsafe extern "C" fn __libc_init_array(
    argc: c_int,
    argv: *const *const c_char,
    envp: *const *const c_char,
) {
    crate::malloc::attach_notification();
    crate::futex::init();
    // SAFETY: the linker script brackets both arrays with these symbols;
    // each entry is a constructor the program's objects placed there.
    unsafe {
        for (start, end) in [
            (&__preinit_array_start, &__preinit_array_end),
            (&__init_array_start, &__init_array_end),
        ] {
            let mut p = start.as_ptr();
            while p < end.as_ptr() {
                if let Some(f) = p.read() {
                    f(argc, argv, envp);
                }
                p = p.add(1);
            }
        }
    }
}
