//! `mem*` functions for a freestanding link.
//!
//! The host target's precompiled `compiler_builtins` keeps its `mem*`
//! implementations hidden, so a `-nostdlib` image must supply them. They must
//! not compile into calls to themselves: the copies and fills are single
//! `rep movsb`/`rep stosb` instructions in inline assembly, and the compare
//! loop reads through `read_volatile`, which LLVM does not pattern-match
//! into a `memcmp`/`bcmp` call. (The `compiler_builtins` crate from crates.io
//! could provide these, but only with `build-std`, which this toolchain lacks.)
//!
//! The C names (`memcpy`, ...) are **weak** symbols: one-instruction
//! trampolines (`jmp substrate_memcpy`, ...) in `global_asm!`, because stable
//! Rust cannot mark a function weak. A C library linked into the same image
//! (newlib, through `substrate-ffi`'s staticlib) may define the same names;
//! its strong definitions then win and the link never fails with duplicate
//! symbols, whatever the archive order. The implementations themselves keep
//! the strong names `substrate_memcpy`, `substrate_memmove`,
//! `substrate_memset`, `substrate_memcmp` and `substrate_bcmp`.

use core::arch::asm;

// Weak C names jumping to the strong implementations below (see the module
// documentation). Each sits in its own section so `--gc-sections` can drop it.
macro_rules! weak_alias {
    ($($name:literal => $target:literal),* $(,)?) => {
        core::arch::global_asm!($(
            concat!(".section .text.", $name, ",\"ax\",@progbits"),
            concat!(".weak ", $name),
            concat!(".type ", $name, ",@function"),
            concat!($name, ":"),
            concat!("    jmp ", $target),
            concat!(".size ", $name, ", . - ", $name),
        )* ".text");
    };
}

weak_alias! {
    "memcpy" => "substrate_memcpy",
    "memmove" => "substrate_memmove",
    "memset" => "substrate_memset",
    "memcmp" => "substrate_memcmp",
    "bcmp" => "substrate_bcmp",
}

/// C `memcpy`: copies `n` bytes from `src` to `dest`; the regions must not overlap.
///
/// # Safety
/// `dest` and `src` must be valid for `n` bytes and not overlap.
#[no_mangle]
pub unsafe extern "C" fn substrate_memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller guarantees both ranges are valid; `rep movsb` copies
    // forwards with the direction flag clear (the ABI keeps DF clear).
    unsafe {
        asm!("rep movsb",
            inout("rcx") n => _, inout("rdi") dest => _, inout("rsi") src => _,
            options(nostack, preserves_flags));
    }
    dest
}

/// C `memmove`: copies `n` bytes from `src` to `dest`; the regions may overlap.
///
/// # Safety
/// `dest` and `src` must be valid for `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn substrate_memmove(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if (dest as usize).wrapping_sub(src as usize) >= n {
        // Forward copy is safe: dest is below src or past its end.
        // SAFETY: as for memcpy.
        unsafe { substrate_memcpy(dest, src, n) }
    } else {
        // Overlap with dest above src: copy backwards.
        // SAFETY: the caller guarantees both ranges are valid; with DF set
        // `rep movsb` walks down from the last byte; DF is cleared again.
        unsafe {
            asm!("std", "rep movsb", "cld",
                inout("rcx") n => _,
                inout("rdi") dest.add(n).wrapping_sub(1) => _,
                inout("rsi") src.add(n).wrapping_sub(1) => _,
                options(nostack));
        }
        dest
    }
}

/// C `memset`: fills `n` bytes at `dest` with the byte `c`.
///
/// # Safety
/// `dest` must be valid for `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn substrate_memset(dest: *mut u8, c: i32, n: usize) -> *mut u8 {
    // SAFETY: the caller guarantees the range is valid.
    unsafe {
        asm!("rep stosb",
            inout("rcx") n => _, inout("rdi") dest => _, in("al") c as u8,
            options(nostack, preserves_flags));
    }
    dest
}

/// C `memcmp`: compares `n` bytes; returns <0, 0 or >0 like C.
///
/// # Safety
/// `a` and `b` must be valid for `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn substrate_memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while i < n {
        // SAFETY: i < n and the caller guarantees n readable bytes.
        let (x, y) = unsafe {
            (
                core::ptr::read_volatile(a.add(i)),
                core::ptr::read_volatile(b.add(i)),
            )
        };
        if x != y {
            return x as i32 - y as i32;
        }
        i += 1;
    }
    0
}

/// C `bcmp`: zero when the `n` bytes are equal, non-zero otherwise.
///
/// # Safety
/// `a` and `b` must be valid for `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn substrate_bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: same contract as memcmp.
    unsafe { substrate_memcmp(a, b, n) }
}
