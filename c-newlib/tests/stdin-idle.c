/* A read of the console with nothing typed blocks (it waits for COM1's
   interrupt) instead of polling. Booted under -icount with sleep=off
   (boot-test key `icount`): while main waits for input, a second thread
   sleeps 5 s of guest time. Only if the waiting reader leaves the processor
   idle does the guest's clock jump over those 5 s; a polling reader would
   have to execute 5 s worth of instructions, which takes QEMU several times
   longer than boot.py's `max_host_seconds`. The runner types the input once
   the sleeper has printed its line. */
#include <stdint.h>
#include <stdio.h>
#include <substrate.h>
#include <unistd.h>

static void *sleeper(void *arg)
{
    (void)arg;
    uint64_t t0 = substrate_time_ns();
    sleep(5);
    uint64_t ns = substrate_time_ns() - t0;
    printf("stdin-idle: slept %llu.%03llu s while main waited for input\n",
           (unsigned long long)(ns / 1000000000u), (unsigned long long)(ns % 1000000000u / 1000000u));
    return NULL;
}

int main(void)
{
    substrate_thread_t t;
    if (substrate_thread_create(&t, sleeper, NULL) != SUBSTRATE_OK)
        return 2;
    char line[64];
    if (fgets(line, sizeof line, stdin) == NULL) {
        printf("stdin-idle: read FAILED\n");
        return 1;
    }
    printf("stdin-idle: read %s", line);
    substrate_thread_join(t, NULL);
    return 0;
}
