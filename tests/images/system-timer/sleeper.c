/* c: a C component on the system's timer: newlib's usleep blocks on the
   component's alarm, and an alarm set with substrate_system_set_alarm
   comes back as an event of substrate_system_wait. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <substrate.h>

static void fail(const char *what)
{
    printf("c: FAILED: %s\n", what);
    exit(1);
}

int main(void)
{
    uint64_t t0 = substrate_time_ns();
    if (substrate_system_tsc_hz() == 0)
        fail("no clock");
    if (usleep(15000) != 0)
        fail("usleep");
    uint64_t slept = substrate_time_ns() - t0;
    if (slept < 15000000)
        fail("usleep ended early");
    printf("c: usleep(15000) slept %llu us\n", (unsigned long long)(slept / 1000));

    t0 = substrate_time_ns();
    if (substrate_system_set_alarm(t0 + 5000000) != SUBSTRATE_OK)
        fail("setting the alarm");
    substrate_system_event_t ev;
    do {
        if (substrate_system_wait(&ev) != SUBSTRATE_OK)
            fail("waiting");
    } while (ev.kind != SUBSTRATE_SYSTEM_TIMER);
    uint64_t waited = substrate_time_ns() - t0;
    if (waited < 5000000)
        fail("the alarm came early");
    printf("c: the alarm event came after %llu us (asked 5000)\n", (unsigned long long)(waited / 1000));
    return 0;
}
