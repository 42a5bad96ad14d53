/*
 * A C program on seL4 through newlib: stdio with floats, the heap, string
 * functions, qsort and libm. Build and boot:
 *
 *     c-newlib/sel4-cc -O2 -o target/c-hello.elf examples/c-hello/main.c
 *     tools/runner/sel4-run target/c-hello.elf
 *
 * Every result is checked; a wrong one makes main return 1 (failure).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond)                                                         \
    do {                                                                    \
        if (!(cond)) {                                                      \
            printf("FAILED: %s (line %d)\n", #cond, __LINE__);              \
            failures++;                                                     \
        }                                                                   \
    } while (0)

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    printf("Hello from C on seL4! (%s, argc %d)\n", argv[0], argc);

    /* Floats through printf: the area of a circle of radius 1.5. */
    double area = 3.14159265358979 * 1.5 * 1.5;
    char buf[64];
    snprintf(buf, sizeof buf, "%.3f", area);
    printf("area: %s\n", buf);
    CHECK(strcmp(buf, "7.069") == 0);

    /* libm. */
    double root = sqrt(2.0), s = sin(M_PI / 6.0);
    printf("sqrt(2) = %.6f, sin(pi/6) = %.6f\n", root, s);
    CHECK(fabs(root * root - 2.0) < 1e-12);
    CHECK(fabs(s - 0.5) < 1e-12);

    /* The heap and qsort. */
    enum { N = 1000 };
    int *v = malloc(N * sizeof *v);
    CHECK(v != NULL);
    if (v == NULL)
        return 1;
    unsigned seed = 12345;
    for (int i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        v[i] = (int)(seed >> 8) % 10000;
    }
    qsort(v, N, sizeof *v, cmp_int);
    int sorted = 1;
    for (int i = 1; i < N; i++)
        sorted &= v[i - 1] <= v[i];
    printf("qsort: %d numbers, min %d, max %d, sorted %s\n", N, v[0], v[N - 1],
           sorted ? "yes" : "no");
    CHECK(sorted);
    free(v);

    /* Strings. */
    char *greeting = malloc(64);
    CHECK(greeting != NULL);
    strcpy(greeting, "seL4");
    strcat(greeting, " + newlib");
    char *copy = strdup(greeting);
    CHECK(copy != NULL && strcmp(copy, "seL4 + newlib") == 0);
    CHECK(strlen(copy) == 13);
    CHECK(strstr(copy, "newlib") == copy + 7);
    CHECK(strchr(copy, '+') == copy + 5);
    printf("strings: \"%s\" (%zu chars)\n", copy, strlen(copy));
    free(copy);
    free(greeting);

    /* strtol/strtod and 64-bit formats. */
    long long big = strtoll("9007199254740993", NULL, 10);
    double d = strtod("2.5e-3", NULL);
    printf("strtoll: %lld, strtod: %g\n", big, d);
    CHECK(big == 9007199254740993LL);
    CHECK(d == 2.5e-3);

    if (failures) {
        printf("c-hello: %d check(s) failed\n", failures);
        return 1;
    }
    printf("c-hello: all checks passed\n");
    exit(0);
}
