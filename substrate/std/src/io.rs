//! The console on descriptors 0, 1 and 2: `write`, `writev`, `read`,
//! `readv`, `poll`, `isatty`, `fcntl`, `ioctl`, `fstat`, `lseek`, `close`,
//! `dup`. Output goes to `substrate_console_write` (each call whole, never
//! mixed with another thread's), input comes from `substrate_console_read`
//! (COM1, blocking on its interrupt). The image has no other descriptors:
//! any other number is `EBADF`.

use core::ffi::{c_int, c_ulong, c_void};
use libc::{iovec, pollfd};
use substrate_ffi::console::{substrate_console_read, substrate_console_write};

/// Whether `fd` is one of the console's.
fn is_console(fd: c_int) -> bool {
    (0..=2).contains(&fd)
}

/// Writes `len` bytes to the console; the count or -1 with errno.
fn console_write(buf: *const u8, len: usize) -> isize {
    // SAFETY: the callers pass their caller's readable buffer; the console
    // checks it against the program's memory (`EFAULT`).
    let n = unsafe { substrate_console_write(buf, len) };
    if n < 0 {
        crate::errno::fail_long(crate::errno::from_status(n as i64))
    } else {
        n
    }
}

/// POSIX `write`: to the console for descriptors 1 and 2 (and 0, a
/// terminal open for reading and writing); `EBADF` for any other.
///
/// # Safety
/// `buf` must be readable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn write(fd: c_int, buf: *const c_void, len: usize) -> isize {
    if !is_console(fd) {
        return crate::errno::fail_long(libc::EBADF);
    }
    console_write(buf.cast(), len)
}

/// POSIX `writev`: the buffers in order, as one console write when they
/// fit 4 KiB together (so that a line std assembles from pieces is not
/// split by another thread's output).
///
/// # Safety
/// `iov` must hold `n` readable `iovec`s describing readable buffers.
#[no_mangle]
pub unsafe extern "C" fn writev(fd: c_int, iov: *const iovec, n: c_int) -> isize {
    if !is_console(fd) {
        return crate::errno::fail_long(libc::EBADF);
    }
    if n < 0 || (n > 0 && iov.is_null()) {
        return crate::errno::fail_long(libc::EINVAL);
    }
    // SAFETY: the caller's guarantee.
    let iov = unsafe { core::slice::from_raw_parts(iov, n as usize) };
    let total: usize = iov.iter().map(|v| v.iov_len).fold(0, usize::saturating_add);
    let mut gathered = [0u8; 4096];
    if total <= gathered.len() {
        let mut at = 0;
        for v in iov {
            // SAFETY: the caller's guarantee; `at + len <= total <= 4096`.
            unsafe {
                core::ptr::copy_nonoverlapping(
                    v.iov_base as *const u8,
                    gathered.as_mut_ptr().add(at),
                    v.iov_len,
                )
            };
            at += v.iov_len;
        }
        return console_write(gathered.as_ptr(), total);
    }
    let mut done = 0isize;
    for v in iov {
        let r = console_write(v.iov_base as *const u8, v.iov_len);
        if r < 0 {
            return if done > 0 { done } else { r };
        }
        done += r;
    }
    done
}

/// POSIX `read`: from the console for descriptor 0 (blocks until input
/// arrives, then returns what is there, up to a newline); `EBADF` for 1, 2
/// and any other.
///
/// # Safety
/// `buf` must be writable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn read(fd: c_int, buf: *mut c_void, len: usize) -> isize {
    if fd != 0 {
        return crate::errno::fail_long(libc::EBADF);
    }
    // SAFETY: the caller's guarantee; the console checks the buffer.
    let n = unsafe { substrate_console_read(buf.cast(), len) };
    if n < 0 {
        crate::errno::fail_long(crate::errno::from_status(n as i64))
    } else {
        n
    }
}

/// POSIX `readv`: [`read`] into the first non-empty buffer.
///
/// # Safety
/// `iov` must hold `n` readable `iovec`s describing writable buffers.
#[no_mangle]
pub unsafe extern "C" fn readv(fd: c_int, iov: *const iovec, n: c_int) -> isize {
    if n < 0 || (n > 0 && iov.is_null()) {
        return crate::errno::fail_long(libc::EINVAL);
    }
    // SAFETY: the caller's guarantee.
    let iov = unsafe { core::slice::from_raw_parts(iov, n as usize) };
    match iov.iter().find(|v| v.iov_len > 0) {
        // SAFETY: the caller's guarantee.
        Some(v) => unsafe { read(fd, v.iov_base, v.iov_len) },
        None if fd == 0 => 0,
        None => crate::errno::fail_long(libc::EBADF),
    }
}

/// POSIX `poll`: descriptors 1 and 2 are always ready for output;
/// descriptor 0's input readiness is not known without reading, so it is
/// never reported ready; any other descriptor gets `POLLNVAL`. With nothing
/// ready the call sleeps for `timeout` ms (0: returns at once); waiting
/// without a timeout for what never comes fails with `ENOSYS` instead of
/// blocking forever.
///
/// # Safety
/// `fds` must hold `n` writable `pollfd`s.
#[no_mangle]
pub unsafe extern "C" fn poll(fds: *mut pollfd, n: libc::nfds_t, timeout: c_int) -> c_int {
    if n > 0 && fds.is_null() {
        return crate::errno::fail(libc::EFAULT);
    }
    // SAFETY: the caller's guarantee.
    let fds = unsafe { core::slice::from_raw_parts_mut(fds, n as usize) };
    let mut ready = 0;
    for p in fds.iter_mut() {
        p.revents = if p.fd < 0 {
            0
        } else if !is_console(p.fd) {
            libc::POLLNVAL
        } else if p.fd == 0 {
            0
        } else {
            p.events & (libc::POLLOUT | libc::POLLWRNORM)
        };
        if p.revents != 0 {
            ready += 1;
        }
    }
    if ready > 0 || timeout == 0 {
        return ready;
    }
    if timeout < 0 {
        return crate::errno::fail(libc::ENOSYS);
    }
    let deadline =
        substrate_ffi::time::substrate_time_ns().saturating_add(timeout as u64 * 1_000_000);
    let _ = substrate_ffi::time::substrate_sleep_until_ns(deadline);
    0
}

/// POSIX `isatty`: 1 for the console's descriptors (a serial terminal),
/// otherwise 0 with `EBADF`.
#[no_mangle]
pub extern "C" fn isatty(fd: c_int) -> c_int {
    if is_console(fd) {
        1
    } else {
        crate::errno::set(libc::EBADF);
        0
    }
}

/// POSIX `fcntl` (C declares it variadic; the one integer argument is read
/// where x86_64 passes it): `F_GETFD`/`F_SETFD` and `F_GETFL`/`F_SETFL` on
/// the console's descriptors; `EBADF` for other descriptors, `EINVAL` for
/// other commands (`F_DUPFD`: the image has no descriptor table to grow).
#[no_mangle]
pub extern "C" fn fcntl(fd: c_int, cmd: c_int, _arg: c_ulong) -> c_int {
    if !is_console(fd) {
        return crate::errno::fail(libc::EBADF);
    }
    match cmd {
        libc::F_GETFD => 0,
        libc::F_GETFL => libc::O_RDWR,
        libc::F_SETFD | libc::F_SETFL => 0,
        _ => crate::errno::fail(libc::EINVAL),
    }
}

/// glibc's name of [`fcntl`] for 64-bit offsets.
#[no_mangle]
pub extern "C" fn fcntl64(fd: c_int, cmd: c_int, arg: c_ulong) -> c_int {
    fcntl(fd, cmd, arg)
}

/// POSIX `ioctl` (variadic in C, like [`fcntl`]): the console has no
/// terminal settings to read or change, so every request fails: `ENOTTY`
/// on the console's descriptors, `EBADF` on others.
#[no_mangle]
pub extern "C" fn ioctl(fd: c_int, _request: c_ulong, _arg: c_ulong) -> c_int {
    crate::errno::fail(if is_console(fd) {
        libc::ENOTTY
    } else {
        libc::EBADF
    })
}

/// `fstat` of a console descriptor: a character device, read-write.
fn console_stat(out: *mut libc::stat64) -> c_int {
    if out.is_null() {
        return crate::errno::fail(libc::EFAULT);
    }
    // SAFETY: all-zero is a valid `stat64`; `out` is the caller's buffer.
    unsafe {
        let mut st: libc::stat64 = core::mem::zeroed();
        st.st_mode = libc::S_IFCHR | 0o620;
        st.st_nlink = 1;
        st.st_blksize = 1024;
        out.write(st);
    }
    0
}

/// glibc's `fstat64`: a character device for the console's descriptors,
/// `EBADF` for others.
///
/// # Safety
/// `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn fstat64(fd: c_int, out: *mut libc::stat64) -> c_int {
    if !is_console(fd) {
        return crate::errno::fail(libc::EBADF);
    }
    console_stat(out)
}

/// POSIX `fstat` (the same structure as `fstat64` on x86_64).
///
/// # Safety
/// `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn fstat(fd: c_int, out: *mut libc::stat64) -> c_int {
    // SAFETY: the caller's guarantee.
    unsafe { fstat64(fd, out) }
}

/// POSIX `lseek` (and glibc's `lseek64`): `ESPIPE` on the console (a
/// terminal cannot seek), `EBADF` elsewhere.
#[no_mangle]
pub extern "C" fn lseek64(fd: c_int, _off: i64, _whence: c_int) -> i64 {
    crate::errno::fail(if is_console(fd) {
        libc::ESPIPE
    } else {
        libc::EBADF
    }) as i64
}

/// See [`lseek64`].
#[no_mangle]
pub extern "C" fn lseek(fd: c_int, off: i64, whence: c_int) -> i64 {
    lseek64(fd, off, whence)
}

/// POSIX `close`: the console's descriptors stay open (0 is returned: the
/// console outlives the program); `EBADF` for any other.
#[no_mangle]
pub extern "C" fn close(fd: c_int) -> c_int {
    if is_console(fd) {
        0
    } else {
        crate::errno::fail(libc::EBADF)
    }
}

/// POSIX `dup`, `dup2`, `dup3`: the image has no descriptor table to copy
/// into: `EMFILE` for a console descriptor, `EBADF` for others.
#[no_mangle]
pub extern "C" fn dup(fd: c_int) -> c_int {
    crate::errno::fail(if is_console(fd) {
        libc::EMFILE
    } else {
        libc::EBADF
    })
}

/// See [`dup`].
#[no_mangle]
pub extern "C" fn dup2(fd: c_int, _to: c_int) -> c_int {
    dup(fd)
}

/// See [`dup`].
#[no_mangle]
pub extern "C" fn dup3(fd: c_int, _to: c_int, _flags: c_int) -> c_int {
    dup(fd)
}
