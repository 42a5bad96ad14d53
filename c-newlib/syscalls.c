/*
 * newlib's system calls on sel4-substrate (libsubstrate_newlib.a).
 *
 * newlib (built by c-newlib/build-newlib.py with syscall_dir=syscalls) turns
 * every POSIX call into the reentrant form (`write` -> `_write_r`), which
 * calls the plain underscore function defined here and copies `errno` into
 * the calling thread's reentrancy structure. So only the underscore forms are
 * defined here; newlib's own `_*_r` wrappers (libc/reent) are used.
 *
 * What exists on a substrate image, and what each call does:
 *
 *   descriptors 0, 1, 2   the console: 0 reads (substrate_console_read),
 *                         1 and 2 write (substrate_console_write); they are
 *                         character devices (fstat: S_IFCHR) and terminals
 *                         (isatty: 1), so stdout is line buffered as on a tty.
 *                         close() marks them closed: later use gives EBADF.
 *                         One read or write moves at most INT_MAX bytes (the
 *                         result is an int); a larger write is partial.
 *   other descriptors     EBADF: nothing can open one.
 *   open, stat            ENOENT: there is no file system, so no path exists;
 *                         open with O_CREAT gives ENOSYS (cannot create).
 *   unlink, link, rmdir   ENOENT (no such file); mkdir: ENOSYS.
 *   chdir, getcwd         the only directory is "/".
 *   opendir, readdir      "/" (and ".") is empty: readdir gives no entry;
 *                         other paths: ENOENT (c-newlib/include/dirent.h).
 *   ioctl                 ENOTTY on descriptors 0-2 (no terminal settings,
 *                         no window size), EBADF on others.
 *   getuid, getgid, ...   0: the program is the only user; getppid() 0.
 *   __stack_chk_fail      a smashed stack (-fstack-protector: the canary at
 *                         %fs:0x28, or __stack_chk_guard) prints "*** stack
 *                         smashing detected ***" and ends in failure.
 *   nanosleep, usleep,    block on the substrate's timer (substrate_sleep_ns:
 *   sleep                 the PIT's interrupt wakes the thread; a request
 *                         beyond the clock's range, about 584 years, waits
 *                         forever); never interrupted, so `rem` is 0. Without
 *                         a timer (the runtime says so at start-up): ENOSYS.
 *   fork, execve          ENOSYS: one program, no processes.
 *   wait                  ECHILD: there are never child processes.
 *   kill                  pid 1 is the program (getpid() == 1): signal 0
 *                         succeeds, SIGABRT ends the image through
 *                         substrate_abort ("abort", failure), a signal whose
 *                         default action is to be ignored is ignored, any
 *                         other signal ends the image with a failure status
 *                         after printing its number; other pids: ESRCH.
 *   sbrk                  substrate_sbrk over the region the runtime reserved;
 *                         when it is exhausted, ENOMEM (so malloc returns NULL
 *                         with errno == ENOMEM and the program continues).
 *   calloc                n * size overflowing: NULL with ENOMEM (newlib's
 *                         own calloc does not check; replaced below).
 *   aligned_alloc         any power-of-two alignment and any size (C17
 *                         dropped the multiple-of-alignment rule); an
 *                         alignment that is not a power of two gives NULL
 *                         with EINVAL; out of memory, NULL with ENOMEM.
 *                         posix_memalign: EINVAL below sizeof(void *) (POSIX).
 *   gettimeofday, time    the wall clock, substrate_realtime_ns: the PC's
 *                         real-time clock (UTC) read at start-up, advanced
 *                         by the monotonic clock (the boot, if the clock
 *                         could not be read).
 *   times                 substrate_time_ns, the monotonic clock since boot.
 *   _exit                 substrate_exit(status): 0 is success, anything else
 *                         failure. exit() first runs atexit handlers and
 *                         flushes stdio (newlib).
 *
 * A status from the ffi is a negated errno (`SUBSTRATE_E*`); kernel errors
 * (SUBSTRATE_ESEL4_BASE - n) become EIO.
 *
 * Threads. newlib's locks (`__retarget_lock_*`, newlib built with
 * --enable-newlib-retargetable-locking) are recursive-capable locks on the
 * substrate's mutexes (substrate_mutex_*) when libsubstrate_c_runtime.a has them
 * (sel4-cc defines SUBSTRATE_NEWLIB_LOCKS=1 when substrate.h declares
 * substrate_mutex_lock). Without them the locks only count, which is exact
 * for a single-threaded program and all a C program can be without the
 * ffi's threads. `_REENT` is `__getreent()` (newlib's
 * sys/config.h is patched to define __DYNAMIC_REENT__): the program's main
 * thread gets newlib's global structure (`_impure_ptr`; it claims it in a
 * .preinit_array entry, before any constructor or main runs); every other
 * thread gets its own `struct _reent` in C thread-local storage (local-exec
 * TLS; the substrate sets up the image's TLS block for every thread it
 * creates), initialised on first use. So errno,
 * strtok's state, rand's seed, ... are per thread; stdin/stdout/stderr are
 * three global FILEs (--enable-newlib-global-stdio-streams) shared by all
 * threads under their locks. Limit: a thread's structure is not reclaimed
 * when the thread exits (`_reclaim_reent` is not called), so buffers newlib
 * allocated lazily for that thread (e.g. for asctime) leak.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <reent.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/lock.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <stdlib.h>
#include <sys/ioctl.h>

#include <substrate.h>

/* The ffi's statuses are newlib's own errno numbers, negated: checked here,
   so a mismatch stops the build of every C program. */
_Static_assert(-SUBSTRATE_EINVAL == EINVAL, "SUBSTRATE_EINVAL is not -EINVAL");
_Static_assert(-SUBSTRATE_ENOMEM == ENOMEM, "SUBSTRATE_ENOMEM is not -ENOMEM");
_Static_assert(-SUBSTRATE_ENOSYS == ENOSYS, "SUBSTRATE_ENOSYS is not -ENOSYS");
_Static_assert(-SUBSTRATE_EBADCAP == EBADF, "SUBSTRATE_EBADCAP is not -EBADF");
_Static_assert(-SUBSTRATE_EAGAIN == EAGAIN, "SUBSTRATE_EAGAIN is not -EAGAIN");
_Static_assert(-SUBSTRATE_EFAULT == EFAULT, "SUBSTRATE_EFAULT is not -EFAULT");
_Static_assert(-SUBSTRATE_EBUSY == EBUSY, "SUBSTRATE_EBUSY is not -EBUSY");
_Static_assert(-SUBSTRATE_EDEADLK == EDEADLK, "SUBSTRATE_EDEADLK is not -EDEADLK");
_Static_assert(-SUBSTRATE_EPERM == EPERM, "SUBSTRATE_EPERM is not -EPERM");
_Static_assert(-SUBSTRATE_EPROTO == EPROTO, "SUBSTRATE_EPROTO is not -EPROTO");
_Static_assert(-SUBSTRATE_ERANGE == ERANGE, "SUBSTRATE_ERANGE is not -ERANGE");
_Static_assert(-SUBSTRATE_ENOBUFS == ENOBUFS, "SUBSTRATE_ENOBUFS is not -ENOBUFS");
_Static_assert(-SUBSTRATE_EPIPE == EPIPE, "SUBSTRATE_EPIPE is not -EPIPE");
_Static_assert(-SUBSTRATE_ECONNRESET == ECONNRESET, "SUBSTRATE_ECONNRESET is not -ECONNRESET");
_Static_assert(-SUBSTRATE_EADDRINUSE == EADDRINUSE, "SUBSTRATE_EADDRINUSE is not -EADDRINUSE");
_Static_assert(-SUBSTRATE_ENOTCONN == ENOTCONN, "SUBSTRATE_ENOTCONN is not -ENOTCONN");

/* The prototypes of the functions below (newlib declares most in
   <reent.h>/<_syslist.h>, not all with these types). */
int _close(int fd);
int _execve(const char *path, char *const argv[], char *const envp[]);
void _exit(int status);
int _fcntl(int fd, int cmd, int arg);
int _fork(void);
int _fstat(int fd, struct stat *st);
int _getpid(void);
int _gettimeofday(struct timeval *tv, void *tz);
int _isatty(int fd);
int _kill(int pid, int sig);
int _link(const char *old, const char *new_path);
off_t _lseek(int fd, off_t offset, int whence);
int _mkdir(const char *path, mode_t mode);
int _open(const char *path, int flags, int mode);
int _read(int fd, void *buf, size_t len);
void *_sbrk(ptrdiff_t increment);
int _stat(const char *path, struct stat *st);
clock_t _times(struct tms *buf);
int _unlink(const char *path);
int _wait(int *status);
int _write(int fd, const void *buf, size_t len);

/* Gives the processor to another thread while waiting, once the ffi has
   threads (SUBSTRATE_NEWLIB_LOCKS, see above); a busy wait otherwise. */
#if SUBSTRATE_NEWLIB_LOCKS
#define YIELD() substrate_thread_yield()
#else
#define YIELD() ((void)0)
#endif

/* The program's process id (there is exactly one). */
#define SUBSTRATE_PID 1

/* Bit n set: descriptor n (0..2) is open. */
static _Atomic unsigned open_std = 0x7;

static int std_open(int fd)
{
    return fd >= 0 && fd <= 2 && (atomic_load(&open_std) & (1u << fd)) != 0;
}

/* errno from a negative ffi status. */
static int status_errno(intptr_t status)
{
    if (status <= SUBSTRATE_ESEL4_BASE || status >= 0)
        return EIO;
    return (int)-status;
}

static int fail(int err)
{
    errno = err;
    return -1;
}

/* ---- descriptors ------------------------------------------------------ */

int _write(int fd, const void *buf, size_t len)
{
    if (!std_open(fd) || fd == 0)
        return fail(EBADF);
    if (len == 0)
        return 0;
    if (buf == NULL)
        return fail(EFAULT);
    /* The result is an int: a larger request is a partial write of INT_MAX
       bytes, which callers of write() must handle anyway. */
    if (len > INT_MAX)
        len = INT_MAX;
    const uint8_t *p = buf;
    size_t done = 0;
    while (done < len) {
        intptr_t n = substrate_console_write(p + done, len - done);
        if (n < 0) {
            if (done > 0)
                break;
            return fail(status_errno(n));
        }
        if (n == 0)
            break;
        done += (size_t)n;
    }
    return (int)done;
}

int _read(int fd, void *buf, size_t len)
{
    if (!std_open(fd) || fd != 0)
        return fail(EBADF);
    if (len == 0)
        return 0;
    if (buf == NULL)
        return fail(EFAULT);
    if (len > INT_MAX)
        len = INT_MAX;
    intptr_t n = substrate_console_read(buf, len);
    if (n < 0)
        return fail(status_errno(n));
    return (int)n;
}

int _close(int fd)
{
    if (!std_open(fd))
        return fail(EBADF);
    atomic_fetch_and(&open_std, ~(1u << fd));
    return 0;
}

int _fstat(int fd, struct stat *st)
{
    if (!std_open(fd))
        return fail(EBADF);
    if (st == NULL)
        return fail(EFAULT);
    memset(st, 0, sizeof *st);
    st->st_mode = S_IFCHR | (fd == 0 ? S_IRUSR : S_IWUSR);
    st->st_nlink = 1;
    st->st_rdev = (dev_t)fd;
    st->st_blksize = 1024;
    return 0;
}

int _isatty(int fd)
{
    if (!std_open(fd)) {
        errno = EBADF;
        return 0;
    }
    return 1;
}

off_t _lseek(int fd, off_t offset, int whence)
{
    (void)offset;
    (void)whence;
    if (!std_open(fd))
        return fail(EBADF);
    return fail(ESPIPE);
}

int _fcntl(int fd, int cmd, int arg)
{
    (void)arg;
    if (!std_open(fd))
        return fail(EBADF);
    switch (cmd) {
    case F_GETFL:
        return fd == 0 ? O_RDONLY : O_WRONLY;
    case F_GETFD:
    case F_SETFD:
    case F_SETFL:
        return 0;
    default:
        return fail(EINVAL);
    }
}

/* newlib's own fcntl() (built without HAVE_FCNTL) answers ENOSYS without
   asking: this one, linked first, uses _fcntl above. */
int fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    int arg = va_arg(ap, int);
    va_end(ap);
    return _fcntl(fd, cmd, arg);
}

/* ---- the file system that is not there ---------------------------------- */

int _open(const char *path, int flags, int mode)
{
    (void)mode;
    if (path == NULL)
        return fail(EFAULT);
    return fail((flags & O_CREAT) ? ENOSYS : ENOENT);
}

int _stat(const char *path, struct stat *st)
{
    (void)st;
    return fail(path == NULL ? EFAULT : ENOENT);
}

int _link(const char *old, const char *new_path)
{
    (void)new_path;
    return fail(old == NULL ? EFAULT : ENOENT);
}

int _unlink(const char *path)
{
    return fail(path == NULL ? EFAULT : ENOENT);
}

int _mkdir(const char *path, mode_t mode)
{
    (void)path;
    (void)mode;
    return fail(ENOSYS);
}

/* POSIX calls newlib has no wrapper for (its libc/syscalls covers the
   others): the same answers as above. */
int mkdir(const char *path, mode_t mode)
{
    return _mkdir(path, mode);
}

int rmdir(const char *path)
{
    return fail(path == NULL ? EFAULT : ENOENT);
}

/* The one directory there is: "/". */
int chdir(const char *path)
{
    if (path == NULL)
        return fail(EFAULT);
    return strcmp(path, "/") == 0 ? 0 : fail(ENOENT);
}

char *getcwd(char *buf, size_t size)
{
    if (buf == NULL || size < 2) {
        errno = buf == NULL ? EINVAL : ERANGE;
        return NULL;
    }
    buf[0] = '/';
    buf[1] = '\0';
    return buf;
}

/* Directory streams: the one directory, "/" (also "." and "" resolved
   against it), is empty. */
struct substrate_dir {
    int read;
};

DIR *opendir(const char *path)
{
    if (path == NULL) {
        errno = EFAULT;
        return NULL;
    }
    if (strcmp(path, "/") != 0 && strcmp(path, ".") != 0 && strcmp(path, "./") != 0) {
        errno = ENOENT;
        return NULL;
    }
    DIR *d = malloc(sizeof *d);
    if (d == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    d->read = 0;
    return d;
}

struct dirent *readdir(DIR *dir)
{
    if (dir == NULL)
        errno = EBADF;
    /* End of the stream: NULL with errno unchanged. */
    return NULL;
}

void rewinddir(DIR *dir)
{
    (void)dir;
}

int closedir(DIR *dir)
{
    if (dir == NULL)
        return fail(EBADF);
    free(dir);
    return 0;
}

/* The console is no terminal device with settings or a window size. */
int ioctl(int fd, unsigned long request, ...)
{
    (void)request;
    if (!std_open(fd))
        return fail(EBADF);
    return fail(ENOTTY);
}

/* Sleeping blocks on the substrate's timer (substrate_sleep_ns): the thread
   waits for the PIT's interrupt, other threads run. */
int nanosleep(const struct timespec *req, struct timespec *rem)
{
    if (req == NULL)
        return fail(EFAULT);
    if (req->tv_sec < 0 || req->tv_nsec < 0 || req->tv_nsec >= 1000000000L)
        return fail(EINVAL);
    /* Saturating: a request beyond the clock's range (about 584 years)
       waits forever rather than wrapping around to a short wait
       (substrate_sleep_ns sleeps forever when the deadline passes the end of
       the clock). */
    uint64_t ns;
    if (__builtin_mul_overflow((uint64_t)req->tv_sec, (uint64_t)1000000000u, &ns)
        || __builtin_add_overflow(ns, (uint64_t)req->tv_nsec, &ns))
        ns = UINT64_MAX;
    int status = substrate_sleep_ns(ns);
    if (status != SUBSTRATE_OK) {
        /* Nothing slept: the whole request remains. */
        if (rem != NULL)
            *rem = *req;
        return fail(status_errno(status));
    }
    if (rem != NULL) {
        rem->tv_sec = 0;
        rem->tv_nsec = 0;
    }
    return 0;
}

int usleep(useconds_t usec)
{
    struct timespec ts = { (time_t)(usec / 1000000u), (long)(usec % 1000000u) * 1000L };
    return nanosleep(&ts, NULL);
}

unsigned sleep(unsigned seconds)
{
    struct timespec ts = { (time_t)seconds, 0 };
    /* The seconds not slept: all of them if nanosleep failed. */
    return nanosleep(&ts, NULL) == 0 ? 0 : seconds;
}

/* ---- processes --------------------------------------------------------- */

int _fork(void)
{
    return fail(ENOSYS);
}

int _execve(const char *path, char *const argv[], char *const envp[])
{
    (void)path;
    (void)argv;
    (void)envp;
    return fail(ENOSYS);
}

int _wait(int *status)
{
    (void)status;
    return fail(ECHILD);
}

int _getpid(void)
{
    return SUBSTRATE_PID;
}

/* The program is the only process: it has no parent, and it runs as user
   and group 0 (there are no others to tell it apart from). */
pid_t getppid(void)
{
    return 0;
}

uid_t getuid(void)
{
    return 0;
}

uid_t geteuid(void)
{
    return 0;
}

gid_t getgid(void)
{
    return 0;
}

gid_t getegid(void)
{
    return 0;
}

static void write_str(const char *s)
{
    substrate_console_write((const uint8_t *)s, strlen(s));
}

int _kill(int pid, int sig)
{
    if (pid != SUBSTRATE_PID && pid != 0 && pid != -1)
        return fail(ESRCH);
    if (sig < 0 || sig >= NSIG)
        return fail(EINVAL);
    switch (sig) {
    case 0:
        return 0;
    case SIGABRT:
        substrate_abort();
    case SIGCHLD:
    case SIGURG:
    case SIGWINCH:
        /* The default action of these is to be ignored. */
        return 0;
    default: {
        char msg[] = "substrate: killed by signal   \n";
        /* At most two digits (NSIG is 65 at most in newlib). */
        char *d = strchr(msg, '\n') - 2;
        if (sig >= 10)
            *d++ = (char)('0' + sig / 10);
        *d++ = (char)('0' + sig % 10);
        *d = '\n';
        write_str(msg);
        substrate_exit(128 + sig);
    }
    }
}

void _exit(int status)
{
    substrate_exit(status);
}

/* ---- memory ------------------------------------------------------------- */

void *_sbrk(ptrdiff_t increment)
{
    void *old = substrate_sbrk(increment);
    if (old == (void *)-1)
        errno = ENOMEM;
    return old;
}

/* calloc (and newlib's internal users of _calloc_r): newlib 3.3's own
   multiplies n * size without checking, so calloc(SIZE_MAX, SIZE_MAX) would
   return a 1-byte block. Defined here (linked whole, so newlib's callocr.o is
   never pulled in): an overflowing product is ENOMEM and NULL. */
void *_calloc_r(struct _reent *r, size_t n, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(n, size, &total)) {
        r->_errno = ENOMEM;
        return NULL;
    }
    void *p = _malloc_r(r, total);
    if (p != NULL)
        memset(p, 0, total);
    return p;
}

/* ---- time --------------------------------------------------------------- */

int _gettimeofday(struct timeval *tv, void *tz)
{
    uint64_t ns = substrate_realtime_ns();
    if (tv != NULL) {
        tv->tv_sec = (time_t)(ns / 1000000000u);
        tv->tv_usec = (suseconds_t)(ns % 1000000000u / 1000u);
    }
    if (tz != NULL) {
        /* struct timezone: UTC, no daylight saving time. */
        memset(tz, 0, 2 * sizeof(int));
    }
    return 0;
}

clock_t _times(struct tms *buf)
{
    /* newlib's clock() is tms_utime + tms_stime in CLOCKS_PER_SEC units;
       all time since boot is the program's user time. */
    uint64_t ticks = substrate_time_ns() / (1000000000u / CLOCKS_PER_SEC);
    if (buf != NULL) {
        buf->tms_utime = (clock_t)ticks;
        buf->tms_stime = 0;
        buf->tms_cutime = 0;
        buf->tms_cstime = 0;
    }
    return (clock_t)ticks;
}

/* ---- per-thread reentrancy ------------------------------------------------ */

static _Atomic int main_reent_taken;
static __thread struct _reent *thread_reent;
static __thread struct _reent thread_reent_storage;

struct _reent *__getreent(void)
{
    struct _reent *r = thread_reent;
    if (r != NULL)
        return r;
    int expected = 0;
    if (atomic_compare_exchange_strong(&main_reent_taken, &expected, 1)) {
        r = _impure_ptr;
    } else {
        r = &thread_reent_storage;
        _REENT_INIT_PTR(r);
    }
    thread_reent = r;
    return r;
}

/* The program's main thread takes newlib's global structure before anything
   else runs on it: the runtime calls __libc_init_array on that thread before
   main, and .preinit_array entries run before every constructor. Without
   this, a thread the program starts before main's first newlib call would
   take it, and exit (which flushes stdio only when the global structure was
   set up, _GLOBAL_REENT->__cleanup) would drop output still buffered. */
static void claim_main_reent(void)
{
    (void)__getreent();
}
__attribute__((section(".preinit_array"), used)) static void (*const claim_main_reent_entry)(
    void) = claim_main_reent;

/* ---- locks ---------------------------------------------------------------- */

/* A thread's identity for lock ownership: the address of a thread-local
   object differs in every thread. */
static __thread char thread_id_marker;
#define SELF ((void *)&thread_id_marker)

#if SUBSTRATE_NEWLIB_LOCKS
typedef substrate_mutex_t lock_mutex_t;
#define MUTEX_INIT(m) substrate_mutex_init(m)
#define MUTEX_DESTROY(m) ((void)substrate_mutex_destroy(m))
#define MUTEX_LOCK(m) ((void)substrate_mutex_lock(m))
#define MUTEX_TRYLOCK(m) (substrate_mutex_trylock(m) == SUBSTRATE_OK)
#define MUTEX_UNLOCK(m) ((void)substrate_mutex_unlock(m))
#else
/* Single-threaded: nobody else can hold a lock. */
typedef char lock_mutex_t;
#define MUTEX_INIT(m) ((void)(m), SUBSTRATE_OK)
#define MUTEX_DESTROY(m) ((void)(m))
#define MUTEX_LOCK(m) ((void)(m))
#define MUTEX_TRYLOCK(m) ((void)(m), 1)
#define MUTEX_UNLOCK(m) ((void)(m))
#endif

enum { LOCK_UNINIT = 0, LOCK_INITIALISING = 1, LOCK_READY = 2 };

struct __lock {
    lock_mutex_t mutex;
    _Atomic int state;
    void *_Atomic owner;
    unsigned depth;
    int dynamic;
};

/* newlib's static locks: zero-initialised, set up on first use. */
struct __lock __lock___sinit_recursive_mutex;
struct __lock __lock___sfp_recursive_mutex;
struct __lock __lock___atexit_recursive_mutex;
struct __lock __lock___at_quick_exit_mutex;
struct __lock __lock___malloc_recursive_mutex;
struct __lock __lock___env_recursive_mutex;
struct __lock __lock___tz_mutex;
struct __lock __lock___dd_hash_mutex;
struct __lock __lock___arc4random_mutex;

/* Used when a dynamic lock cannot be allocated: coarse but correct. */
static struct __lock fallback_lock;

static struct __lock *ready(struct __lock *l)
{
    if (l == NULL)
        l = &fallback_lock;
    while (atomic_load_explicit(&l->state, memory_order_acquire) != LOCK_READY) {
        int expected = LOCK_UNINIT;
        if (atomic_compare_exchange_strong(&l->state, &expected, LOCK_INITIALISING)) {
            if (MUTEX_INIT(&l->mutex) != SUBSTRATE_OK) {
                static const char msg[] = "substrate: newlib lock: mutex initialisation failed\n";
                substrate_console_write((const uint8_t *)msg, sizeof msg - 1);
                substrate_abort();
            }
            atomic_store_explicit(&l->state, LOCK_READY, memory_order_release);
        } else {
            YIELD();
        }
    }
    return l;
}

static void lock_new(_LOCK_T *lock)
{
    struct __lock *l = substrate_calloc(1, sizeof *l);
    if (l != NULL) {
        l->dynamic = 1;
        ready(l);
    }
    *lock = l;
}

void __retarget_lock_init(_LOCK_T *lock)
{
    lock_new(lock);
}

void __retarget_lock_init_recursive(_LOCK_T *lock)
{
    lock_new(lock);
}

void __retarget_lock_close(_LOCK_T lock)
{
    if (lock != NULL && lock->dynamic) {
        MUTEX_DESTROY(&lock->mutex);
        substrate_free(lock);
    }
}

void __retarget_lock_close_recursive(_LOCK_T lock)
{
    __retarget_lock_close(lock);
}

/* Every lock is recursive: a plain newlib lock is never taken twice by the
   same thread, so counting is harmless for it. */
void __retarget_lock_acquire_recursive(_LOCK_T lock)
{
    struct __lock *l = ready(lock);
    if (atomic_load(&l->owner) == SELF) {
        l->depth++;
        return;
    }
    MUTEX_LOCK(&l->mutex);
    atomic_store(&l->owner, SELF);
    l->depth = 1;
}

int __retarget_lock_try_acquire_recursive(_LOCK_T lock)
{
    struct __lock *l = ready(lock);
    if (atomic_load(&l->owner) == SELF) {
        l->depth++;
        return 1;
    }
    if (!MUTEX_TRYLOCK(&l->mutex))
        return 0;
    atomic_store(&l->owner, SELF);
    l->depth = 1;
    return 1;
}

void __retarget_lock_release_recursive(_LOCK_T lock)
{
    struct __lock *l = ready(lock);
    if (atomic_load(&l->owner) != SELF)
        return;
    if (--l->depth == 0) {
        atomic_store(&l->owner, NULL);
        MUTEX_UNLOCK(&l->mutex);
    }
}

void __retarget_lock_acquire(_LOCK_T lock)
{
    __retarget_lock_acquire_recursive(lock);
}

int __retarget_lock_try_acquire(_LOCK_T lock)
{
    return __retarget_lock_try_acquire_recursive(lock);
}

void __retarget_lock_release(_LOCK_T lock)
{
    __retarget_lock_release_recursive(lock);
}

/* ---- what newlib expects from a platform besides system calls ------------- */

/* __libc_init_array/__libc_fini_array call these around the .init_array and
   .fini_array entries; there are no .init/.fini sections (no crti/crtn). */
void _init(void);
void _fini(void);

void _init(void)
{
}

void _fini(void)
{
}

/* Destructors: newlib's register_fini (a constructor in __call_atexit.c,
   which exit pulls in) registers __libc_fini_array with atexit only when a
   symbol __libc_fini is defined, as newlib's __call_atexit.c documents. So
   the .fini_array entries run at exit, after the handlers the program
   registered, and before exit flushes stdio. */
__asm__(".globl __libc_fini\n\t.set __libc_fini, _fini");

/* C11 aligned_alloc: any power-of-two alignment (newlib's goes through
   posix_memalign, which refuses alignments below sizeof(void *), so
   aligned_alloc(4, n) failed) and any size; NULL with EINVAL for an
   alignment that is not a power of two, with ENOMEM when memory runs out. */
void *aligned_alloc(size_t align, size_t size)
{
    if (align == 0 || (align & (align - 1)) != 0) {
        errno = EINVAL;
        return NULL;
    }
    return memalign(align, size);
}

/* POSIX posix_memalign (newlib declares it but has none). */
int posix_memalign(void **out, size_t align, size_t size)
{
    if (align < sizeof(void *) || (align & (align - 1)) != 0)
        return EINVAL;
    void *p = memalign(align, size);
    if (p == NULL)
        return ENOMEM;
    *out = p;
    return 0;
}

/* For arc4random: the substrate has no entropy source to offer. */
int getentropy(void *buf, size_t len)
{
    (void)buf;
    (void)len;
    return fail(ENOSYS);
}

/* There are no asynchronous signals, so nothing is ever delivered while
   "blocked": report an empty mask and accept any change. */
int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
    (void)set;
    if (how != SIG_BLOCK && how != SIG_UNBLOCK && how != SIG_SETMASK && set != NULL)
        return fail(EINVAL);
    if (old != NULL)
        memset(old, 0, sizeof *old);
    return 0;
}

/* Stack protection (-fstack-protector*). On x86_64, gcc reads the canary
   from %fs:0x28, which the substrate's thread control block holds for every
   thread (substrate-tls); code built with -mstack-protector-guard=global
   reads __stack_chk_guard instead, set from the TSC before any constructor
   runs. A smashed stack ends the image with a failure status. */
uintptr_t __stack_chk_guard = 0x5eed0f5e14cafe00u;

static void init_stack_guard(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    /* The low byte stays 0, so that a string overrun ends at the canary. */
    __stack_chk_guard ^= (((uintptr_t)hi << 32) | lo) << 8;
}

__attribute__((used, section(".preinit_array"))) static void (*const stack_guard_init)(void) = init_stack_guard;

__attribute__((noreturn)) void __stack_chk_fail(void)
{
    write_str("*** stack smashing detected ***: terminated\n");
    substrate_abort();
}
