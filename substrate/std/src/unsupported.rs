//! Everything else std and libtest name: files, processes, sockets, users,
//! system facts, strings. What seL4 has no notion of fails with the error a
//! program can handle, never a crash:
//!
//! - files: the image has no file system. Opening or looking up a path
//!   fails with `ENOENT` (nothing exists), creating one with `EROFS`,
//!   `getcwd` with `ENOENT` (there is no working directory); so
//!   `std::fs::File::open` returns an `io::Error` of kind `NotFound`.
//! - processes: there is one; `fork`, `execve`, `posix_spawn` and `pipe`
//!   fail with `ENOSYS`, so `std::process::Command::spawn` returns an error.
//!   The image is process 1, its thread ids are the substrate's.
//! - sockets: `ENOSYS` (networking is a component of its own).
//! - users: one, root (uid and gid 0); changing them fails with `EPERM`.
//!   No user database: `getpwuid_r` finds nobody.
//! - system facts (`sysconf`, `getauxval`, `sched_getaffinity`): 4 KiB
//!   pages, one processor.
//! - dynamic linking: none; `dlsym` finds nothing, so std uses its
//!   fallbacks.

use core::ffi::{c_char, c_int, c_long, c_uint, c_void};

/// Defines C functions that fail with `-1` and `errno = $e`.
macro_rules! failing {
    ($e:expr => $($(#[$m:meta])* fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {$(
        $(#[$m])*
        #[no_mangle]
        pub extern "C" fn $name($(_: $ty),*) -> $ret {
            crate::errno::set($e);
            -1 as $ret
        }
    )*};
}

failing! { libc::ENOENT =>
    /// `stat64`: nothing exists.
    fn stat64(p: *const c_char, s: *mut c_void) -> c_int;
    /// `stat`.
    fn stat(p: *const c_char, s: *mut c_void) -> c_int;
    /// `lstat64`.
    fn lstat64(p: *const c_char, s: *mut c_void) -> c_int;
    /// `lstat`.
    fn lstat(p: *const c_char, s: *mut c_void) -> c_int;
    /// `fstatat64`.
    fn fstatat64(d: c_int, p: *const c_char, s: *mut c_void, f: c_int) -> c_int;
    /// `readlink`: `std::env::current_exe` finds no `/proc/self/exe`.
    fn readlink(p: *const c_char, b: *mut c_char, n: usize) -> isize;
    /// `access`.
    fn access(p: *const c_char, m: c_int) -> c_int;
    /// `chdir`.
    fn chdir(p: *const c_char) -> c_int;
    /// `unlink`.
    fn unlink(p: *const c_char) -> c_int;
    /// `rmdir`.
    fn rmdir(p: *const c_char) -> c_int;
    /// `rename`.
    fn rename(a: *const c_char, b: *const c_char) -> c_int;
    /// `unlinkat`.
    fn unlinkat(d: c_int, p: *const c_char, f: c_int) -> c_int;
    /// `chmod`.
    fn chmod(p: *const c_char, m: c_uint) -> c_int;
    /// `chown`.
    fn chown(p: *const c_char, u: c_uint, g: c_uint) -> c_int;
    /// `lchown`.
    fn lchown(p: *const c_char, u: c_uint, g: c_uint) -> c_int;
    /// `utimensat`.
    fn utimensat(d: c_int, p: *const c_char, t: *const c_void, f: c_int) -> c_int;
}

failing! { libc::EINVAL =>
    /// `closedir`: `opendir` never gives a directory.
    fn closedir(d: *mut c_void) -> c_int;
    /// `dirfd`.
    fn dirfd(d: *mut c_void) -> c_int;
}

failing! { libc::EROFS =>
    /// `mkdir`: nothing can be created.
    fn mkdir(p: *const c_char, m: c_uint) -> c_int;
    /// `symlink`.
    fn symlink(a: *const c_char, b: *const c_char) -> c_int;
    /// `link`.
    fn link(a: *const c_char, b: *const c_char) -> c_int;
    /// `linkat`.
    fn linkat(d: c_int, a: *const c_char, e: c_int, b: *const c_char, f: c_int) -> c_int;
    /// `symlinkat`.
    fn symlinkat(a: *const c_char, d: c_int, b: *const c_char) -> c_int;
    /// `mkdirat`.
    fn mkdirat(d: c_int, p: *const c_char, m: c_uint) -> c_int;
}

failing! { libc::ENOSYS =>
    /// `statx`: std falls back to `stat64`.
    fn statx(d: c_int, p: *const c_char, f: c_int, m: c_uint, s: *mut c_void) -> c_int;
    /// `fork`: one process.
    fn fork() -> c_int;
    /// `execve`.
    fn execve(p: *const c_char, a: *const *const c_char, e: *const *const c_char) -> c_int;
    /// `execvp`.
    fn execvp(p: *const c_char, a: *const *const c_char) -> c_int;
    /// `waitpid`.
    fn waitpid(p: c_int, s: *mut c_int, o: c_int) -> c_int;
    /// `waitid`.
    fn waitid(t: c_int, i: c_uint, s: *mut c_void, o: c_int) -> c_int;
    /// `pipe`.
    fn pipe(f: *mut c_int) -> c_int;
    /// `pipe2`.
    fn pipe2(f: *mut c_int, o: c_int) -> c_int;
    /// `socket`.
    fn socket(d: c_int, t: c_int, p: c_int) -> c_int;
    /// `socketpair`.
    fn socketpair(d: c_int, t: c_int, p: c_int, s: *mut c_int) -> c_int;
    /// `connect`.
    fn connect(s: c_int, a: *const c_void, l: c_uint) -> c_int;
    /// `bind`.
    fn bind(s: c_int, a: *const c_void, l: c_uint) -> c_int;
    /// `listen`.
    fn listen(s: c_int, b: c_int) -> c_int;
    /// `accept`.
    fn accept(s: c_int, a: *mut c_void, l: *mut c_uint) -> c_int;
    /// `accept4`.
    fn accept4(s: c_int, a: *mut c_void, l: *mut c_uint, f: c_int) -> c_int;
    /// `shutdown`.
    fn shutdown(s: c_int, h: c_int) -> c_int;
    /// `recv`.
    fn recv(s: c_int, b: *mut c_void, n: usize, f: c_int) -> isize;
    /// `recvfrom`.
    fn recvfrom(s: c_int, b: *mut c_void, n: usize, f: c_int, a: *mut c_void, l: *mut c_uint) -> isize;
    /// `recvmsg`.
    fn recvmsg(s: c_int, m: *mut c_void, f: c_int) -> isize;
    /// `send`.
    fn send(s: c_int, b: *const c_void, n: usize, f: c_int) -> isize;
    /// `sendto`.
    fn sendto(s: c_int, b: *const c_void, n: usize, f: c_int, a: *const c_void, l: c_uint) -> isize;
    /// `sendmsg`.
    fn sendmsg(s: c_int, m: *const c_void, f: c_int) -> isize;
    /// `getsockopt`.
    fn getsockopt(s: c_int, l: c_int, o: c_int, v: *mut c_void, n: *mut c_uint) -> c_int;
    /// `setsockopt`.
    fn setsockopt(s: c_int, l: c_int, o: c_int, v: *const c_void, n: c_uint) -> c_int;
    /// `getsockname`.
    fn getsockname(s: c_int, a: *mut c_void, l: *mut c_uint) -> c_int;
    /// `getpeername`.
    fn getpeername(s: c_int, a: *mut c_void, l: *mut c_uint) -> c_int;
    /// `ftruncate64`.
    fn ftruncate64(d: c_int, l: i64) -> c_int;
    /// `fsync`.
    fn fsync(d: c_int) -> c_int;
    /// `fdatasync`.
    fn fdatasync(d: c_int) -> c_int;
    /// `fchmod`: the console's mode cannot change.
    fn fchmod(d: c_int, m: c_uint) -> c_int;
    /// `fchown`.
    fn fchown(d: c_int, u: c_uint, g: c_uint) -> c_int;
    /// `futimens`.
    fn futimens(d: c_int, t: *const c_void) -> c_int;
    /// `sendfile64`: std's `io::copy` then copies by reading and writing.
    fn sendfile64(o: c_int, i: c_int, off: *mut i64, n: usize) -> isize;
    /// `splice`.
    fn splice(i: c_int, oi: *mut i64, o: c_int, oo: *mut i64, n: usize, f: c_uint) -> isize;
    /// `copy_file_range`.
    fn copy_file_range(i: c_int, oi: *mut i64, o: c_int, oo: *mut i64, n: usize, f: c_uint) -> isize;
    /// `prctl`.
    fn prctl(o: c_int, a: c_long, b: c_long, c: c_long, d: c_long) -> c_int;
}

failing! { libc::EPERM =>
    /// `chroot`.
    fn chroot(p: *const c_char) -> c_int;
    /// `setuid`: one user.
    fn setuid(u: c_uint) -> c_int;
    /// `setgid`.
    fn setgid(g: c_uint) -> c_int;
    /// `setgroups`.
    fn setgroups(n: usize, g: *const c_uint) -> c_int;
    /// `setsid`.
    fn setsid() -> c_int;
    /// `setpgid`.
    fn setpgid(p: c_int, g: c_int) -> c_int;
}

/// `open64`/`open` (variadic in C; the mode is read where x86_64 passes
/// it): `EROFS` when asked to create (`O_CREAT`, or writing), `ENOENT`
/// otherwise (see the module documentation).
#[no_mangle]
pub extern "C" fn open64(_path: *const c_char, flags: c_int, _mode: c_uint) -> c_int {
    let writes = flags & (libc::O_CREAT | libc::O_WRONLY | libc::O_RDWR | libc::O_TRUNC) != 0;
    if writes && flags & libc::O_CREAT != 0 {
        return crate::errno::fail(libc::EROFS);
    }
    crate::errno::fail(libc::ENOENT)
}

/// See [`open64`].
#[no_mangle]
pub extern "C" fn open(path: *const c_char, flags: c_int, mode: c_uint) -> c_int {
    open64(path, flags, mode)
}

/// `openat64`: as [`open64`].
#[no_mangle]
pub extern "C" fn openat64(_dir: c_int, path: *const c_char, flags: c_int, mode: c_uint) -> c_int {
    open64(path, flags, mode)
}

/// See [`openat64`].
#[no_mangle]
pub extern "C" fn openat(dir: c_int, path: *const c_char, flags: c_int, mode: c_uint) -> c_int {
    openat64(dir, path, flags, mode)
}

/// `getcwd`: there is no working directory: NULL with `ENOENT`.
#[no_mangle]
pub extern "C" fn getcwd(_buf: *mut c_char, _len: usize) -> *mut c_char {
    crate::errno::set(libc::ENOENT);
    core::ptr::null_mut()
}

/// `opendir`: no directory exists: NULL with `ENOENT`.
#[no_mangle]
pub extern "C" fn opendir(_path: *const c_char) -> *mut c_void {
    crate::errno::set(libc::ENOENT);
    core::ptr::null_mut()
}

/// `fdopendir`: no descriptor is a directory: NULL with `ENOTDIR`.
#[no_mangle]
pub extern "C" fn fdopendir(_fd: c_int) -> *mut c_void {
    crate::errno::set(libc::ENOTDIR);
    core::ptr::null_mut()
}

/// `readdir64`: no directory is open: NULL with `EBADF`.
#[no_mangle]
pub extern "C" fn readdir64(_d: *mut c_void) -> *mut c_void {
    crate::errno::set(libc::EBADF);
    core::ptr::null_mut()
}

/// `getaddrinfo`: there is no resolver (networking is a component of its
/// own): `EAI_FAIL`, so `ToSocketAddrs` on a host name gives an error.
#[no_mangle]
pub extern "C" fn getaddrinfo(
    _node: *const c_char,
    _service: *const c_char,
    _hints: *const c_void,
    _res: *mut *mut c_void,
) -> c_int {
    libc::EAI_FAIL
}

/// `freeaddrinfo`: `getaddrinfo` never gives a list; nothing to free.
#[no_mangle]
pub extern "C" fn freeaddrinfo(_res: *mut c_void) {}

/// `gai_strerror`: the message of a `getaddrinfo` error.
#[no_mangle]
pub extern "C" fn gai_strerror(e: c_int) -> *const c_char {
    if e == libc::EAI_FAIL {
        c"Non-recoverable failure in name resolution (no resolver on seL4)".as_ptr()
    } else {
        c"Unknown error".as_ptr()
    }
}

/// glibc's `__res_init`: no resolver configuration to reload (-1).
#[no_mangle]
pub extern "C" fn __res_init() -> c_int {
    -1
}

/// `realpath`: no path exists: NULL with `ENOENT`.
#[no_mangle]
pub extern "C" fn realpath(_path: *const c_char, _out: *mut c_char) -> *mut c_char {
    crate::errno::set(libc::ENOENT);
    core::ptr::null_mut()
}

/// `posix_spawn` and `posix_spawnp`: `ENOSYS` (returned, as POSIX says).
#[no_mangle]
pub extern "C" fn posix_spawnp(
    _pid: *mut c_int,
    _file: *const c_char,
    _actions: *const c_void,
    _attr: *const c_void,
    _argv: *const *const c_char,
    _envp: *const *const c_char,
) -> c_int {
    libc::ENOSYS
}

/// See [`posix_spawnp`].
#[no_mangle]
pub extern "C" fn posix_spawn(
    pid: *mut c_int,
    file: *const c_char,
    actions: *const c_void,
    attr: *const c_void,
    argv: *const *const c_char,
    envp: *const *const c_char,
) -> c_int {
    posix_spawnp(pid, file, actions, attr, argv, envp)
}

/// Defines the `posix_spawn` attribute and file-action calls that std
/// prepares before `posix_spawnp`: they succeed (nothing to prepare), and
/// the spawn itself fails.
macro_rules! spawn_setup {
    ($($name:ident($($ty:ty),*);)*) => {$(
        /// A `posix_spawn` preparation: succeeds; the spawn fails with `ENOSYS`.
        #[no_mangle]
        pub extern "C" fn $name($(_: $ty),*) -> c_int { 0 }
    )*};
}
spawn_setup! {
    posix_spawnattr_init(*mut c_void);
    posix_spawnattr_destroy(*mut c_void);
    posix_spawnattr_setflags(*mut c_void, i16);
    posix_spawnattr_setsigdefault(*mut c_void, *const c_void);
    posix_spawnattr_setsigmask(*mut c_void, *const c_void);
    posix_spawnattr_setpgroup(*mut c_void, c_int);
    posix_spawn_file_actions_init(*mut c_void);
    posix_spawn_file_actions_destroy(*mut c_void);
    posix_spawn_file_actions_adddup2(*mut c_void, c_int, c_int);
    posix_spawn_file_actions_addchdir_np(*mut c_void, *const c_char);
}

/// `getpid`: the image is process 1.
#[no_mangle]
pub extern "C" fn getpid() -> c_int {
    1
}

/// `getppid`: nothing started the image (0).
#[no_mangle]
pub extern "C" fn getppid() -> c_int {
    0
}

/// `gettid`: the substrate thread's number plus one (1 for the runtime's
/// initial thread); unique while the thread runs.
#[no_mangle]
pub extern "C" fn gettid() -> c_int {
    substrate_thread::current().map_or(1, |t| t.id() as c_int + 1)
}

/// `getuid`, `geteuid`, `getgid`, `getegid`: root (0).
#[no_mangle]
pub extern "C" fn getuid() -> c_uint {
    0
}

/// See [`getuid`].
#[no_mangle]
pub extern "C" fn geteuid() -> c_uint {
    0
}

/// See [`getuid`].
#[no_mangle]
pub extern "C" fn getgid() -> c_uint {
    0
}

/// See [`getuid`].
#[no_mangle]
pub extern "C" fn getegid() -> c_uint {
    0
}

/// `getpwuid_r`: no user database: 0 with `*result = NULL` (nobody
/// found), so `std::env::home_dir` falls back to `$HOME`.
///
/// # Safety
/// `result` must be writable.
#[no_mangle]
pub unsafe extern "C" fn getpwuid_r(
    _uid: c_uint,
    _pwd: *mut c_void,
    _buf: *mut c_char,
    _len: usize,
    result: *mut *mut c_void,
) -> c_int {
    if !result.is_null() {
        // SAFETY: the caller's guarantee.
        unsafe { result.write(core::ptr::null_mut()) };
    }
    0
}

/// `sysconf`: 4 KiB pages, one processor, `PTHREAD_STACK_MIN` 16 KiB,
/// 100 clock ticks a second; -1 with `EINVAL` for names it does not know
/// (and -1 without an error for "no limit" ones: `_SC_GETPW_R_SIZE_MAX`).
#[no_mangle]
pub extern "C" fn sysconf(name: c_int) -> c_long {
    match name {
        libc::_SC_PAGESIZE => 4096,
        libc::_SC_NPROCESSORS_ONLN | libc::_SC_NPROCESSORS_CONF => 1,
        libc::_SC_THREAD_STACK_MIN => crate::pthread::STACK_MIN as c_long,
        libc::_SC_CLK_TCK => 100,
        libc::_SC_GETPW_R_SIZE_MAX | libc::_SC_GETGR_R_SIZE_MAX => -1,
        libc::_SC_OPEN_MAX => 3,
        _ => {
            crate::errno::set(libc::EINVAL);
            -1
        }
    }
}

/// glibc's `getauxval`: there is no auxiliary vector: 0 with `ENOENT`.
#[no_mangle]
pub extern "C" fn getauxval(_kind: core::ffi::c_ulong) -> core::ffi::c_ulong {
    crate::errno::set(libc::ENOENT);
    0
}

/// `sched_getaffinity`: the one processor (CPU 0).
///
/// # Safety
/// `set` must be writable for `size` bytes.
#[no_mangle]
pub unsafe extern "C" fn sched_getaffinity(_pid: c_int, size: usize, set: *mut u8) -> c_int {
    if set.is_null() || size == 0 {
        return crate::errno::fail(libc::EINVAL);
    }
    // SAFETY: the caller's guarantee.
    unsafe {
        set.write_bytes(0, size);
        set.write(1);
    }
    0
}

/// `dlsym`: the image is linked statically, so the only symbols to find
/// are the C library's own that programs look up by name to learn whether
/// the C library has them (std's and the `getrandom` crate's weak
/// symbols): `getrandom`, `getentropy`, `statx`, `gnu_get_libc_version`.
/// Any other name gives NULL (callers then use their fallbacks).
///
/// # Safety
/// `name` must be a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn dlsym(_handle: *mut c_void, name: *const c_char) -> *mut c_void {
    if name.is_null() {
        return core::ptr::null_mut();
    }
    // SAFETY: the caller's guarantee.
    match unsafe { core::ffi::CStr::from_ptr(name) }.to_bytes() {
        b"getrandom" => crate::random::getrandom as *mut c_void,
        b"getentropy" => crate::random::getentropy as *mut c_void,
        b"statx" => statx as *mut c_void,
        b"gnu_get_libc_version" => gnu_get_libc_version as *mut c_void,
        _ => core::ptr::null_mut(),
    }
}

/// glibc's `gnu_get_libc_version`: this is not glibc, and std only uses
/// the version to choose how to spawn processes (which fail anyway).
#[no_mangle]
pub extern "C" fn gnu_get_libc_version() -> *const c_char {
    c"0.0".as_ptr()
}

/// C `strlen`. Reads through `read_volatile` so that the compiler does not
/// turn the loop into a call to itself.
///
/// # Safety
/// `s` must be a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn strlen(s: *const c_char) -> usize {
    let mut n = 0;
    // SAFETY: the caller's guarantee: every byte up to the NUL is readable.
    while unsafe { core::ptr::read_volatile(s.add(n)) } != 0 {
        n += 1;
    }
    n
}

/// The message of error number `e`, as glibc words it, for the errors this
/// C library reports.
pub fn message(e: c_int) -> &'static str {
    match e {
        0 => "Success",
        libc::EPERM => "Operation not permitted",
        libc::ENOENT => "No such file or directory",
        libc::ESRCH => "No such process",
        libc::EINTR => "Interrupted system call",
        libc::EIO => "Input/output error",
        libc::EBADF => "Bad file descriptor",
        libc::EAGAIN => "Resource temporarily unavailable",
        libc::ENOMEM => "Cannot allocate memory",
        libc::EACCES => "Permission denied",
        libc::EFAULT => "Bad address",
        libc::EBUSY => "Device or resource busy",
        libc::EEXIST => "File exists",
        libc::ENODEV => "No such device",
        libc::ENOTDIR => "Not a directory",
        libc::EINVAL => "Invalid argument",
        libc::EMFILE => "Too many open files",
        libc::ENOTTY => "Inappropriate ioctl for device",
        libc::ESPIPE => "Illegal seek",
        libc::EROFS => "Read-only file system",
        libc::EPIPE => "Broken pipe",
        libc::ERANGE => "Numerical result out of range",
        libc::EDEADLK => "Resource deadlock avoided",
        libc::ENOSYS => "Function not implemented",
        libc::ETIMEDOUT => "Connection timed out",
        _ => "Unknown error",
    }
}

/// The XSI `strerror_r` (glibc's `__xpg_strerror_r`, which std calls):
/// copies the message of `e` into `buf`; `ERANGE` if it does not fit.
///
/// # Safety
/// `buf` must be writable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn __xpg_strerror_r(e: c_int, buf: *mut c_char, len: usize) -> c_int {
    let m = message(e).as_bytes();
    if buf.is_null() || len == 0 {
        return libc::ERANGE;
    }
    let n = m.len().min(len - 1);
    // SAFETY: the caller's guarantee; `n + 1 <= len`.
    unsafe {
        core::ptr::copy_nonoverlapping(m.as_ptr(), buf.cast(), n);
        buf.add(n).write(0);
    }
    if n < m.len() {
        libc::ERANGE
    } else {
        0
    }
}
