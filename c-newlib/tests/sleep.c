/* nanosleep with a request beyond the clock's range sleeps, rather than
   wrapping around to a short wait: a thread asks for ~584 years plus a bit
   (tv_sec * 10^9 overflows 64 bits to about 0.29 s); after 1 s it must
   still be asleep. */
#include <stdio.h>
#include <substrate.h>
#include <time.h>
#include <unistd.h>

/* newlib's <time.h> declares nanosleep only for targets defining
   _POSIX_TIMERS; c-newlib/syscalls.c defines it. */
int nanosleep(const struct timespec *req, struct timespec *rem);

static volatile int woke;

static void *sleeper(void *arg)
{
    (void)arg;
    struct timespec ts = { (time_t)18446744074LL, 0 };
    nanosleep(&ts, NULL);
    woke = 1;
    return NULL;
}

int main(void)
{
    substrate_thread_t t;
    if (substrate_thread_create(&t, sleeper, NULL) != SUBSTRATE_OK)
        return 2;
    sleep(1);
    printf("sleep: huge nanosleep %s after 1 s\n", woke ? "returned (FAILED)" : "still sleeping");
    /* exit ends the image with the sleeper still waiting. */
    return woke;
}
