//! The environment: `environ`, `getenv`, `setenv`, `unsetenv`.
//!
//! The runtime points `environ` at the boot command line's `NAME=value`
//! entries (`sel4-run IMAGE --env NAME=value`, `substrate-cmdline`) before
//! the constructors run; `std::env::var` and `std::env::vars` read them
//! here. The arguments reach std through `main`'s `argc` and `argv` and the
//! constructors' (see [`crate::entry`]).

use alloc::vec::Vec;
use core::ffi::{c_char, c_int, CStr};
use core::ptr::null;

/// glibc's `environ`: a NULL-terminated array of `NAME=value` strings.
#[no_mangle]
pub static mut environ: *const *const c_char = null();

/// Held by `setenv` and `unsetenv` while they replace [`environ`] (std
/// takes its own lock around every environment call as well).
static WRITER: spin::Mutex<()> = spin::Mutex::new(());

/// The entries of `environ` (none while it is NULL).
fn entries() -> &'static [*const c_char] {
    // SAFETY: a plain read of the pointer; the array it points to is
    // NULL-terminated and never freed (replaced arrays are leaked).
    unsafe {
        let env = *core::ptr::addr_of!(environ);
        if env.is_null() {
            return &[];
        }
        let mut n = 0;
        while !(*env.add(n)).is_null() {
            n += 1;
        }
        core::slice::from_raw_parts(env, n)
    }
}

/// The value part of `entry` if it is `name=...`.
fn value_of(entry: *const c_char, name: &[u8]) -> Option<*const c_char> {
    // SAFETY: every entry is a NUL-terminated string.
    let bytes = unsafe { CStr::from_ptr(entry) }.to_bytes();
    (bytes.len() > name.len() && bytes.starts_with(name) && bytes[name.len()] == b'=')
        // SAFETY: within the entry, after the '='.
        .then(|| unsafe { entry.add(name.len() + 1) })
}

/// C `getenv`: the value of `name`, or NULL.
///
/// # Safety
/// `name` must be NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn getenv(name: *const c_char) -> *const c_char {
    if name.is_null() {
        return null();
    }
    // SAFETY: the caller's guarantee.
    let name = unsafe { CStr::from_ptr(name) }.to_bytes();
    entries()
        .iter()
        .find_map(|&e| value_of(e, name))
        .unwrap_or(null())
}

/// A name `setenv` and `unsetenv` accept: not empty, no `=`.
fn valid_name(name: *const c_char) -> Option<&'static [u8]> {
    if name.is_null() {
        return None;
    }
    // SAFETY: the callers' guarantee: a NUL-terminated string.
    let n = unsafe { CStr::from_ptr(name) }.to_bytes();
    // SAFETY: the string outlives the call; the bytes are copied before use.
    (!n.is_empty() && !n.contains(&b'='))
        .then(|| unsafe { core::mem::transmute::<&[u8], &'static [u8]>(n) })
}

/// Replaces `environ` with `keep` plus `add`, leaking the old array (a
/// reader may still hold it). `ENOMEM` when the heap is full.
fn replace(keep: impl Iterator<Item = *const c_char>, add: Option<*const c_char>) -> c_int {
    let mut v: Vec<*const c_char> = Vec::new();
    for e in keep.chain(add) {
        if v.try_reserve(2).is_err() {
            return crate::errno::fail(libc::ENOMEM);
        }
        v.push(e);
    }
    if v.try_reserve(1).is_err() {
        return crate::errno::fail(libc::ENOMEM);
    }
    v.push(null());
    // SAFETY: a plain store of the new array, which is never freed.
    unsafe { *core::ptr::addr_of_mut!(environ) = v.leak().as_ptr() };
    0
}

/// POSIX `setenv`: sets `name` to `value` (only if unset when `overwrite`
/// is 0). 0, or -1 with `EINVAL` (empty name, or one with `=`) or `ENOMEM`.
///
/// # Safety
/// `name` and `value` must be NUL-terminated strings.
#[no_mangle]
pub unsafe extern "C" fn setenv(
    name: *const c_char,
    value: *const c_char,
    overwrite: c_int,
) -> c_int {
    let Some(n) = valid_name(name) else {
        return crate::errno::fail(libc::EINVAL);
    };
    if value.is_null() {
        return crate::errno::fail(libc::EINVAL);
    }
    let _w = WRITER.lock();
    if overwrite == 0 && entries().iter().any(|&e| value_of(e, n).is_some()) {
        return 0;
    }
    // SAFETY: the caller's guarantee.
    let v = unsafe { CStr::from_ptr(value) }.to_bytes();
    let mut entry: Vec<u8> = Vec::new();
    if entry.try_reserve_exact(n.len() + v.len() + 2).is_err() {
        return crate::errno::fail(libc::ENOMEM);
    }
    entry.extend_from_slice(n);
    entry.push(b'=');
    entry.extend_from_slice(v);
    entry.push(0);
    let entry = entry.leak().as_ptr() as *const c_char;
    replace(
        entries()
            .iter()
            .copied()
            .filter(|&e| value_of(e, n).is_none()),
        Some(entry),
    )
}

/// POSIX `unsetenv`: removes `name`. 0, or -1 with `EINVAL` or `ENOMEM`.
///
/// # Safety
/// `name` must be a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn unsetenv(name: *const c_char) -> c_int {
    let Some(n) = valid_name(name) else {
        return crate::errno::fail(libc::EINVAL);
    };
    let _w = WRITER.lock();
    if !entries().iter().any(|&e| value_of(e, n).is_some()) {
        return 0;
    }
    replace(
        entries()
            .iter()
            .copied()
            .filter(|&e| value_of(e, n).is_none()),
        None,
    )
}
