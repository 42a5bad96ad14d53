/*
 * squeeze - compresses each built-in sample with LZSS, decompresses it
 * again and checks the round trip (length, bytes and CRC-32); then
 * evaluates a few arithmetic expressions (calc.c). Exit status 0 when every
 * check passes. Plain C99 and the standard library only.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calc.h"
#include "corpus.h"
#include "crc32.h"
#include "lzss.h"

static int round_trip(const struct sample *s)
{
    unsigned char *packed = malloc(lzss_bound(s->size));
    unsigned char *unpacked = malloc(s->size + 1);
    size_t plen, ulen;
    uint32_t before, after;
    int ok;

    if (packed == NULL || unpacked == NULL) {
        fprintf(stderr, "squeeze: %s: %s\n", s->name, strerror(ENOMEM));
        free(packed);
        free(unpacked);
        return 0;
    }
    before = crc32(s->data, s->size);
    plen = lzss_compress(s->data, s->size, packed);
    ulen = lzss_decompress(packed, plen, unpacked, s->size + 1);
    after = ulen == (size_t)-1 ? 0 : crc32(unpacked, ulen);
    ok = ulen == s->size && memcmp(s->data, unpacked, s->size) == 0 && before == after;
    printf("%-9s %6lu -> %6lu bytes (%5.1f%%)  crc %08lx  %s\n", s->name,
           (unsigned long)s->size, (unsigned long)plen,
           s->size ? 100.0 * (double)plen / (double)s->size : 0.0,
           (unsigned long)before, ok ? "ok" : "MISMATCH");
    free(packed);
    free(unpacked);
    return ok;
}

static int check_corrupt_input(void)
{
    /* A match that reaches before the start of the output. */
    static const unsigned char bad[] = { 0x01, 0xff, 0xf0 };
    unsigned char out[64];
    return lzss_decompress(bad, sizeof bad, out, sizeof out) == (size_t)-1;
}

static int check_calc(void)
{
    static const struct { const char *expr; double want; } cases[] = {
        { "1 + 2 * 3", 7 },
        { "(1 + 2) * 3", 9 },
        { "2 ^ 10 - 24", 1000 },
        { "-(4 - 6) * 2.5", 5 },
        { "100 / 8 / 5", 2.5 },
    };
    int ok = 1;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        double v;
        char err[64];
        if (calc_eval(cases[i].expr, &v, err, sizeof err) != 0 || v != cases[i].want) {
            printf("calc: %s = FAILED (%s)\n", cases[i].expr, err);
            ok = 0;
        } else {
            printf("calc: %s = %g\n", cases[i].expr, v);
        }
    }
    {
        double v;
        char err[64];
        if (calc_eval("1 + (2 * ", &v, err, sizeof err) == 0) {
            printf("calc: a syntax error was accepted\n");
            ok = 0;
        } else {
            printf("calc: \"1 + (2 * \" rejected: %s\n", err);
        }
    }
    return ok;
}

int main(void)
{
    int failed = 0;
    clock_t start = clock();

    printf("squeeze: LZSS round trips\n");
    for (int i = 0; i < corpus_count(); i++) {
        struct sample s;
        if (corpus_make(i, &s) != 0) {
            fprintf(stderr, "squeeze: out of memory\n");
            return EXIT_FAILURE;
        }
        assert(s.size <= 20000);
        failed += !round_trip(&s);
        free(s.data);
    }
    if (!check_corrupt_input()) {
        printf("squeeze: corrupt input was accepted\n");
        failed++;
    }
    failed += !check_calc();
    printf("squeeze: %s (%ld ms)\n", failed ? "FAILED" : "all round trips ok",
           (long)((clock() - start) * 1000 / CLOCKS_PER_SEC));
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
