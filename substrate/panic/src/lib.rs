//! The panic handler of a seL4 component.
//!
//! Linking this crate installs a `#[panic_handler]` that prints
//! `panicked at <file>:<line>:<col>:` and the panic message on the kernel's
//! debug console, then ends the system with [`substrate_rt::ExitStatus::Failure`] through
//! [`substrate_rt::exit()`]. It never allocates, so it also reports heap
//! exhaustion. A panic while panicking (e.g. inside a `Display` impl) stops at
//! once instead of recursing.
#![no_std]

use core::panic::PanicInfo;

/// Prints the report for a panic on the debug console.
pub fn report(info: &PanicInfo<'_>) {
    match info.location() {
        Some(l) => sel4::debug_println!("panicked at {}:{}:{}:", l.file(), l.line(), l.column()),
        None => sel4::debug_println!("panicked:"),
    }
    sel4::debug_println!("{}", info.message());
}

// Not in host test builds of this crate, which link std's handler.
#[cfg(not(test))]
mod handler {
    use core::panic::PanicInfo;
    use core::sync::atomic::{AtomicBool, Ordering};
    use substrate_rt::ExitStatus;

    static PANICKING: AtomicBool = AtomicBool::new(false);

    #[panic_handler]
    fn panic(info: &PanicInfo<'_>) -> ! {
        if PANICKING.swap(true, Ordering::Relaxed) {
            sel4::debug_println!("panicked while panicking");
        } else {
            super::report(info);
        }
        substrate_rt::exit(ExitStatus::Failure)
    }
}
