/*
 * Two threads increment a shared counter under a substrate_mutex_t; main
 * joins them and checks the total. Every call goes through substrate.h.
 */
#include <stdint.h>

#include "substrate.h"

#define THREADS 2
#define INCREMENTS 10000

static substrate_mutex_t lock;
static uint64_t counter;

static void say(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    substrate_console_write((const uint8_t *)s, n);
}

static void say_num(uint64_t v)
{
    char buf[21];
    int i = sizeof buf - 1;
    buf[i] = 0;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    say(&buf[i]);
}

static void *worker(void *arg)
{
    for (int i = 0; i < INCREMENTS; i++) {
        if (substrate_mutex_lock(&lock) != SUBSTRATE_OK)
            return arg;
        uint64_t v = counter;
        /* Give the other thread a chance to run inside the critical section. */
        if (i % 1000 == 0)
            substrate_thread_yield();
        counter = v + 1;
        substrate_mutex_unlock(&lock);
    }
    return NULL;
}

int main(void)
{
    substrate_thread_t t[THREADS];
    if (substrate_mutex_init(&lock) != SUBSTRATE_OK) {
        say("c-threads: mutex_init failed\n");
        return 1;
    }
    for (int i = 0; i < THREADS; i++) {
        if (substrate_thread_create(&t[i], worker, (void *)(uintptr_t)(i + 1)) != SUBSTRATE_OK) {
            say("c-threads: thread_create failed\n");
            return 1;
        }
    }
    int failed = 0;
    for (int i = 0; i < THREADS; i++) {
        void *res = (void *)1;
        if (substrate_thread_join(t[i], &res) != SUBSTRATE_OK || res != NULL)
            failed = 1;
    }
    substrate_mutex_destroy(&lock);
    say("c-threads: ");
    say_num(THREADS);
    say(" threads x ");
    say_num(INCREMENTS);
    say(" increments = ");
    say_num(counter);
    say("\n");
    return failed || counter != (uint64_t)THREADS * INCREMENTS;
}
