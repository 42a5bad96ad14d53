/* errno values of the system calls c-newlib/syscalls.c does not support or
   that fail on purpose; every call must return its error, never crash. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <substrate.h>

static int checks, failures;

static void expect_err(const char *what, long ret, long want_ret, int want_errno)
{
    int err = errno;
    checks++;
    if (ret != want_ret || err != want_errno) {
        failures++;
        printf("FAILED: %s returned %ld errno %d (%s); want %ld errno %d (%s)\n", what, ret,
               err, strerror(err), want_ret, want_errno, strerror(want_errno));
    } else {
        printf("ok: %s -> %ld, errno %s\n", what, ret, strerror(err));
    }
    errno = 0;
}

static void expect_true(const char *what, int cond)
{
    checks++;
    if (!cond) {
        failures++;
        printf("FAILED: %s\n", what);
    } else {
        printf("ok: %s\n", what);
    }
}

int main(void)
{
    char buf[16];
    struct stat st;
    char *argv[] = { "x", NULL };

    expect_err("open(\"/etc/passwd\", O_RDONLY)", open("/etc/passwd", O_RDONLY), -1, ENOENT);
    expect_err("open(\"out\", O_WRONLY|O_CREAT)", open("out", O_WRONLY | O_CREAT, 0644), -1,
               ENOSYS);
    FILE *f = fopen("data.txt", "r");
    expect_err("fopen(\"data.txt\", \"r\") == NULL", f == NULL ? -1 : 0, -1, ENOENT);
    expect_err("stat(\"/\")", stat("/", &st), -1, ENOENT);
    expect_err("unlink(\"a\")", unlink("a"), -1, ENOENT);
    expect_err("link(\"a\", \"b\")", link("a", "b"), -1, ENOENT);
    expect_err("mkdir(\"d\")", mkdir("d", 0755), -1, ENOSYS);
    expect_err("rename(\"a\", \"b\")", rename("a", "b"), -1, ENOENT);
    expect_err("fork()", fork(), -1, ENOSYS);
    expect_err("execve(\"/bin/sh\")", execve("/bin/sh", argv, NULL), -1, ENOSYS);
    expect_err("wait(NULL)", wait(NULL), -1, ECHILD);
    expect_err("kill(99, SIGTERM)", kill(99, SIGTERM), -1, ESRCH);
    expect_err("kill(getpid(), 0)", kill(getpid(), 0), 0, 0);
    expect_err("write(7, ...)", write(7, "x", 1), -1, EBADF);
    expect_err("write(0, ...)", write(0, "x", 1), -1, EBADF);
    expect_err("read(1, ...)", read(1, buf, sizeof buf), -1, EBADF);
    expect_err("read(9, ...)", read(9, buf, sizeof buf), -1, EBADF);
    expect_err("lseek(1, 0, SEEK_SET)", lseek(1, 0, SEEK_SET), -1, ESPIPE);
    expect_err("lseek(8, 0, SEEK_SET)", lseek(8, 0, SEEK_SET), -1, EBADF);
    expect_err("close(5)", close(5), -1, EBADF);
    expect_err("fstat(4)", fstat(4, &st), -1, EBADF);
    expect_err("isatty(5)", isatty(5), 0, EBADF);
    expect_err("fcntl(1, F_GETFL)", fcntl(1, F_GETFL), O_WRONLY, 0);
    expect_err("fcntl(6, F_GETFL)", fcntl(6, F_GETFL), -1, EBADF);
    expect_err("system(\"ls\")", system("ls"), -1, ENOSYS);

    expect_err("rmdir(\"d\")", rmdir("d"), -1, ENOENT);
    expect_err("chdir(\"/tmp\")", chdir("/tmp"), -1, ENOENT);
    expect_err("chdir(\"/\")", chdir("/"), 0, 0);

    /* The one directory is empty; no other exists. */
    errno = 0;
    DIR *d = opendir("/");
    expect_true("opendir(\"/\") succeeds", d != NULL);
    if (d != NULL) {
        expect_err("readdir(\"/\") ends at once", readdir(d) == NULL ? -1 : 0, -1, 0);
        rewinddir(d);
        expect_err("closedir", closedir(d), 0, 0);
    }
    expect_err("opendir(\"/usr\") == NULL", opendir("/usr") == NULL ? -1 : 0, -1, ENOENT);
    expect_err("closedir(NULL)", closedir(NULL), -1, EBADF);
    struct winsize ws;
    expect_err("ioctl(1, TIOCGWINSZ)", ioctl(1, TIOCGWINSZ, &ws), -1, ENOTTY);
    expect_err("ioctl(7, TIOCGWINSZ)", ioctl(7, TIOCGWINSZ, &ws), -1, EBADF);
    expect_err("getuid()", getuid(), 0, 0);
    expect_err("geteuid()", geteuid(), 0, 0);
    expect_err("getgid()", getgid(), 0, 0);
    expect_err("getegid()", getegid(), 0, 0);
    expect_err("getppid()", getppid(), 0, 0);
    char cwd[8];
    expect_true("getcwd() is \"/\"", getcwd(cwd, sizeof cwd) != NULL && strcmp(cwd, "/") == 0);
    expect_true("getpid() == 1", getpid() == 1);
    expect_true("isatty(0) && isatty(1) && isatty(2)", isatty(0) && isatty(1) && isatty(2));
    expect_true("fstat(1) is a character device", fstat(1, &st) == 0 && S_ISCHR(st.st_mode));

    /* The clock: monotonic, and moving while we spin. */
    struct timeval t0, t1;
    gettimeofday(&t0, NULL);
    clock_t c0 = clock();
    volatile unsigned long spin = 0;
    for (unsigned long i = 0; i < 20000000ul; i++)
        spin += i;
    gettimeofday(&t1, NULL);
    clock_t c1 = clock();
    long us = (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_usec - t0.tv_usec);
    printf("spin took %ld us, %ld clock ticks\n", us, (long)(c1 - c0));
    expect_true("gettimeofday advances", us > 0);
    expect_true("clock() advances", c1 > c0);
    /* The wall clock (the PC's real-time clock): after 2020-01-01. */
    expect_true("time(NULL) is the wall clock", time(NULL) > 1577836800);
    gettimeofday(&t0, NULL);
    usleep(20000);
    gettimeofday(&t1, NULL);
    us = (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_usec - t0.tv_usec);
    printf("usleep(20000) took %ld us\n", us);
    expect_true("usleep(20000) waits at least 20 ms", us >= 20000);

    /* Polling for a file that is not there leaks nothing: newlib makes a
       lock for every fopen, even a failing one, and the ffi reuses them. */
    substrate_stats_t before, after;
    (void)fopen("/no/such/file", "r"); /* newlib sets up its FILE table once */
    substrate_stats(&before);
    int opened = 0;
    for (int i = 0; i < 5000; i++)
        opened += fopen("/no/such/file", "r") != NULL;
    substrate_stats(&after);
    printf("5000 failing fopens: %d opened, %lld slots and %lld bytes of untyped memory used\n",
           opened, (long long)(before.free_slots - after.free_slots),
           (long long)(before.free_untyped_bytes - after.free_untyped_bytes));
    expect_true("failing fopens leak no slots", after.free_slots == before.free_slots);
    expect_true("failing fopens leak no memory",
                after.free_untyped_bytes == before.free_untyped_bytes);

    /* The ffi's statuses are newlib's errno numbers: a thread joining
       itself is EDEADLK ("Deadlock"), not another error's number. */
    errno = -substrate_thread_join(substrate_thread_self(), NULL);
    expect_err("substrate_thread_join(self)", 0, 0, EDEADLK);

    /* Descriptor 2 closed: stderr writes fail with EBADF, stdout still works. */
    expect_err("close(2)", close(2), 0, 0);
    expect_err("write(2, ...) after close", write(2, "x", 1), -1, EBADF);
    expect_err("close(2) again", close(2), -1, EBADF);

    if (failures) {
        printf("errno: %d of %d checks FAILED\n", failures, checks);
        return 1;
    }
    printf("errno: %d checks passed\n", checks);
    return 0;
}
