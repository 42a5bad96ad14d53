/* Sleeping blocks on the timer instead of spinning. Booted under QEMU's
   -icount with sleep=off (boot-test key `icount`), where the guest's clock
   jumps over idle time: sleep(10) must measure at least 10 s on the guest's
   own clock (the TSC, calibrated against the PIT), while the boot takes far
   less host time (boot.py's `max_host_seconds`). A busy wait would have to
   execute 10 s worth of instructions, which takes QEMU much longer.

   Also: usleep and nanosleep (with `rem`), and sleepers with different
   deadlines waking in deadline order, more of them at once than the
   timer's initial pool of notifications. */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <substrate.h>
#include <time.h>
#include <unistd.h>

/* newlib's <time.h> declares nanosleep only for _POSIX_TIMERS targets. */
int nanosleep(const struct timespec *req, struct timespec *rem);

#define SLEEPERS 6
static const unsigned delays_ms[SLEEPERS] = { 500, 200, 900, 100, 700, 300 };
static _Atomic int woken;
static int woke[SLEEPERS];
static _Atomic int early;
static uint64_t start_ns;

static void *sleeper(void *arg)
{
    int i = (int)(intptr_t)arg;
    uint64_t deadline = start_ns + (uint64_t)delays_ms[i] * 1000000u;
    if (substrate_sleep_until_ns(deadline) != SUBSTRATE_OK || substrate_time_ns() < deadline)
        atomic_fetch_add(&early, 1);
    woke[atomic_fetch_add(&woken, 1)] = i;
    return NULL;
}

static void print_s(const char *what, uint64_t ns)
{
    printf("%s %llu.%03llu s of guest time\n", what, (unsigned long long)(ns / 1000000000u),
           (unsigned long long)(ns % 1000000000u / 1000000u));
}

int main(void)
{
    int failed = 0;

    uint64_t t0 = substrate_time_ns();
    unsigned left = sleep(10);
    uint64_t slept = substrate_time_ns() - t0;
    print_s(left == 0 ? "sleep-warp: sleep(10) took" : "sleep-warp: sleep(10) FAILED, took", slept);
    if (slept < 10000000000ull) {
        printf("sleep-warp: FAILED: woke before 10 s\n");
        failed = 1;
    }

    t0 = substrate_time_ns();
    struct timespec req = { 1, 250000000 }, rem = { 7, 7 };
    int r = nanosleep(&req, &rem);
    slept = substrate_time_ns() - t0;
    print_s("sleep-warp: nanosleep(1.25 s) took", slept);
    if (r != 0 || rem.tv_sec != 0 || rem.tv_nsec != 0 || slept < 1250000000ull) {
        printf("sleep-warp: FAILED: nanosleep returned %d, rem %lld.%09ld\n", r,
               (long long)rem.tv_sec, rem.tv_nsec);
        failed = 1;
    }

    t0 = substrate_time_ns();
    r = usleep(20000);
    slept = substrate_time_ns() - t0;
    if (r != 0 || slept < 20000000u) {
        printf("sleep-warp: FAILED: usleep(20000) returned %d after %llu ns\n", r,
               (unsigned long long)slept);
        failed = 1;
    }

    start_ns = substrate_time_ns() + 50000000u;
    substrate_thread_t threads[SLEEPERS];
    for (int i = 0; i < SLEEPERS; i++) {
        if (substrate_thread_create(&threads[i], sleeper, (void *)(intptr_t)i) != SUBSTRATE_OK) {
            printf("sleep-warp: FAILED: cannot start sleeper %d\n", i);
            return 1;
        }
    }
    for (int i = 0; i < SLEEPERS; i++)
        substrate_thread_join(threads[i], NULL);
    int in_order = atomic_load(&woken) == SLEEPERS;
    for (int k = 1; in_order && k < SLEEPERS; k++)
        in_order = delays_ms[woke[k - 1]] < delays_ms[woke[k]];
    printf("sleep-warp: %d sleepers woke %s, %d early\n", SLEEPERS,
           in_order ? "in deadline order" : "out of order (FAILED)", atomic_load(&early));
    if (!in_order || atomic_load(&early) != 0)
        failed = 1;
    return failed;
}
