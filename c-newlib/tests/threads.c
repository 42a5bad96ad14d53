/* newlib in several threads: errno and strtok's state are per thread
   (__getreent in c-newlib/syscalls.c), stdout is shared under its lock,
   malloc is serialised by __malloc_lock. Written against the C ABI's thread
   functions (substrate_thread_create/join). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <substrate.h>
#include <unistd.h>

#define THREADS 4
#define ROUNDS 200

static void *worker(void *arg)
{
    int id = (int)(long)arg;
    char text[64];
    long bad = 0;

    for (int r = 0; r < ROUNDS; r++) {
        /* errno is this thread's own: set it, yield, check it. */
        errno = 1000 + id;
        substrate_thread_yield();
        if (errno != 1000 + id)
            bad++;
        /* strtok keeps its position in the thread's reentrancy structure. */
        snprintf(text, sizeof text, "t%d a b c", id);
        char *first = strtok(text, " ");
        substrate_thread_yield();
        char *second = strtok(NULL, " ");
        if (first == NULL || first[1] != (char)('0' + id) || second == NULL
            || strcmp(second, "a") != 0)
            bad++;
        void *p = malloc(64 + (size_t)r);
        if (p == NULL) {
            bad++;
            continue;
        }
        memset(p, id, 64);
        free(p);
    }
    printf("thread %d: %ld errors, reent %p\n", id, bad, (void *)__getreent());
    return (void *)bad;
}

int main(void)
{
    substrate_thread_t threads[THREADS];
    long errors = 0;

    errno = 7;
    for (int i = 0; i < THREADS; i++) {
        if (substrate_thread_create(&threads[i], worker, (void *)(long)(i + 1)) != SUBSTRATE_OK) {
            printf("threads: create FAILED\n");
            return 1;
        }
    }
    for (int i = 0; i < THREADS; i++) {
        void *result;
        if (substrate_thread_join(threads[i], &result) != SUBSTRATE_OK) {
            printf("threads: join FAILED\n");
            return 1;
        }
        errors += (long)result;
    }
    if (errno != 7) {
        printf("threads: main's errno changed to %d: FAILED\n", errno);
        return 1;
    }
    printf("threads: %d threads, %ld errors%s\n", THREADS, errors, errors ? " FAILED" : "");
    return errors != 0;
}
