/* The heap (newlib malloc over substrate_sbrk) runs out cleanly. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK (64 * 1024)
#define MAX_BLOCKS 32768 /* 2 GiB: more than the machine has (sel4-run gives it 512 MiB) */

static void *blocks[MAX_BLOCKS];

static int failures;

/* Sizes the compiler cannot see through, so that it keeps every call. */
static volatile size_t huge = SIZE_MAX / 2, quarter = SIZE_MAX / 4, all = SIZE_MAX,
                       half_plus_one = SIZE_MAX / 2 + 2;
/* Alignments the compiler cannot check at compile time. */
static volatile size_t align_of[] = { 1, 2, 4, 8, 16, 64, 4096 };
static volatile size_t bad_align = 3, zero_align = 0;
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

    /* Products that wrap around to a few bytes: SIZE_MAX * SIZE_MAX is 1,
       (SIZE_MAX / 2 + 2) * 2 is 2. */
    errno = 0;
    result = calloc(all, all);
    check("calloc(SIZE_MAX, SIZE_MAX) is NULL", result == NULL);
    check("  with errno ENOMEM", errno == ENOMEM);
    errno = 0;
    result = calloc(half_plus_one, 2);
    check("calloc(SIZE_MAX / 2 + 2, 2) is NULL", result == NULL);
    check("  with errno ENOMEM", errno == ENOMEM);
    unsigned char *z = calloc(100, 3);
    int zero = z != NULL;
    for (int i = 0; zero && i < 300; i++)
        zero = z[i] == 0;
    check("calloc(100, 3) gives 300 zero bytes", zero);
    free(z);

    /* aligned_alloc: every power-of-two alignment, any size (C17). */
    for (size_t i = 0; i < sizeof align_of / sizeof align_of[0]; i++) {
        size_t a = align_of[i];
        void *p = aligned_alloc(a, 100);
        if (p == NULL || (uintptr_t)p % a != 0) {
            printf("FAILED: aligned_alloc(%zu, 100) = %p\n", a, p);
            failures++;
        }
        free(p);
    }
    errno = 0;
    result = aligned_alloc(bad_align, 16);
    check("aligned_alloc(3, 16) is NULL", result == NULL);
    check("  with errno EINVAL", errno == EINVAL);
    errno = 0;
    result = aligned_alloc(zero_align, 16);
    check("aligned_alloc(0, 16) is NULL with errno EINVAL", result == NULL && errno == EINVAL);
    void *pm = NULL;
    check("posix_memalign(4) is EINVAL", posix_memalign(&pm, align_of[2], 16) == EINVAL);
    check("posix_memalign(64) succeeds, aligned",
          posix_memalign(&pm, align_of[5], 16) == 0 && (uintptr_t)pm % 64 == 0);
    free(pm);

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
