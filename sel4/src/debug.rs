//! The kernel's debug console (`seL4_DebugPutChar`).
//!
//! Only kernels configured with `CONFIG_PRINTING` have the `DebugPutChar`
//! system call; on other kernels output through this module is dropped.

use core::fmt;

/// Writes one byte to the kernel's debug console (`seL4_DebugPutChar`).
/// Does nothing on a kernel built without printing.
#[inline]
pub fn debug_put_char(c: u8) {
    #[cfg(sel4_printing)]
    // SAFETY: DebugPutChar takes no pointers and has no preconditions.
    unsafe {
        crate::sys::seL4_DebugPutChar(c as _)
    };
    #[cfg(not(sel4_printing))]
    let _ = c;
}

/// A [`fmt::Write`] sink for the debug console; `debug_print!` uses it.
#[derive(Default, Clone, Copy)]
pub struct DebugWriter;

impl fmt::Write for DebugWriter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        s.bytes().for_each(debug_put_char);
        Ok(())
    }
}

/// Prints to the kernel's debug console, like `print!`.
#[macro_export]
macro_rules! debug_print {
    ($($arg:tt)*) => {{
        let _ = core::fmt::Write::write_fmt(&mut $crate::DebugWriter, format_args!($($arg)*));
    }};
}

/// Prints a line to the kernel's debug console, like `println!`.
#[macro_export]
macro_rules! debug_println {
    () => { $crate::debug_print!("\n") };
    ($($arg:tt)*) => {{
        $crate::debug_print!($($arg)*);
        $crate::debug_print!("\n");
    }};
}
