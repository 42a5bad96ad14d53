/* The heap (newlib malloc over substrate_sbrk) runs out cleanly. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK (64 * 1024)
#define MAX_BLOCKS 4096

static void *blocks[MAX_BLOCKS];

static int failures;

/* Sizes the compiler cannot see through, so that it keeps every call. */
static volatile size_t huge = SIZE_MAX / 2, quarter = SIZE_MAX / 4;
static void *volatile result;

static void check(const char *what, int cond)
{
    if (!cond) {
        failures++;
        printf("FAILED: %s\n", what);
    }
}

int main(void)
{
    int n = 0;

    errno = 0;
    result = malloc(huge);
    check("malloc(SIZE_MAX / 2) is NULL", result == NULL);
    check("  with errno ENOMEM", errno == ENOMEM);
    errno = 0;
    result = calloc(quarter, 8);
    check("calloc overflow is NULL", result == NULL);
    check("  with errno ENOMEM", errno == ENOMEM);

    errno = 0;
    while (n < MAX_BLOCKS) {
        void *p = malloc(BLOCK);
        if (p == NULL)
            break;
        /* Touch every page: the memory is really there. */
        memset(p, n & 0xff, BLOCK);
        blocks[n++] = p;
    }
    int err = errno;
    printf("heap: exhausted after %d blocks of 64 KiB (%d KiB), errno %s\n", n, n * 64,
           err == ENOMEM ? "ENOMEM" : strerror(err));
    check("malloc eventually returns NULL", n < MAX_BLOCKS);
    check("errno is ENOMEM", err == ENOMEM);
    check("at least 1 MiB was available", n >= 16);
    for (int i = 0; i < n; i++) {
        const unsigned char *p = blocks[i];
        if (p[0] != (i & 0xff) || p[BLOCK - 1] != (i & 0xff)) {
            check("block contents survive", 0);
            break;
        }
    }

    /* Free everything: a large block fits again. */
    for (int i = 0; i < n; i++)
        free(blocks[i]);
    size_t big = (size_t)n / 2 * BLOCK;
    void *p = malloc(big);
    check("after free, malloc of half the heap succeeds", p != NULL);
    if (p != NULL)
        memset(p, 0x5a, big);
    free(p);
    printf("heap: after free, malloc(%zu KiB) %s\n", big / 1024, p ? "succeeded" : "FAILED");

    if (failures)
        return 1;
    printf("heap: all checks passed\n");
    return 0;
}
