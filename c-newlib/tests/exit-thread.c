/* exit() from a thread other than main stops every thread of the image, not
   only the root task's initial one. Booted without QEMU's exit device (a
   machine the image cannot switch off), so the run goes on after the exit:
   main keeps printing ticks and a third thread keeps counting until a
   worker thread calls exit(0); after the runtime's last line nothing may
   print again, and the counter, read by nobody, must not matter. */
#include <stdio.h>
#include <stdlib.h>
#include <substrate.h>

static volatile unsigned ticks;
static volatile unsigned long spins;

static void *spinner(void *arg)
{
    (void)arg;
    for (;;)
        spins++;
    return NULL;
}

static void *exiter(void *arg)
{
    (void)arg;
    while (ticks < 3)
        substrate_thread_yield();
    printf("exit-thread: worker exits\n");
    exit(0);
}

int main(void)
{
    substrate_thread_t a, b;
    if (substrate_thread_create(&a, spinner, NULL) != SUBSTRATE_OK
        || substrate_thread_create(&b, exiter, NULL) != SUBSTRATE_OK) {
        printf("exit-thread: FAILED to create threads\n");
        return 1;
    }
    for (;;) {
        /* Straight to the console: the exiting thread may hold stdio's
           locks for good, and a blocked main would prove nothing. */
        char line[40];
        int n = snprintf(line, sizeof line, "exit-thread: tick %u\n", ticks);
        substrate_console_write((const uint8_t *)line, (size_t)n);
        ticks++;
        uint64_t t0 = substrate_time_ns();
        while (substrate_time_ns() - t0 < 20000000)
            substrate_thread_yield();
    }
}
