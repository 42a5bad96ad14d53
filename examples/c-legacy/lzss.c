/*
 * lzss.c - LZSS compression with a hash-chained match finder.
 *
 * Format: groups of up to 8 items, each group preceded by a flag byte
 * (bit i set = item i is a match). A literal is one byte; a match is two
 * bytes: 12 bits of distance (1..4096) and 4 bits of length (3..18).
 */
#include <stdlib.h>
#include <string.h>

#include "lzss.h"

#define WINDOW 4096
#define MIN_MATCH 3
#define MAX_MATCH 18
#define HASH_BITS 12
#define HASH_SIZE (1 << HASH_BITS)
#define MAX_CHAIN 64

size_t lzss_bound(size_t n)
{
    return n + n / 8 + 2;
}

static unsigned hash3(const unsigned char *p)
{
    unsigned h = ((unsigned)p[0] << 16) | ((unsigned)p[1] << 8) | p[2];
    return (h * 2654435761u) >> (32 - HASH_BITS);
}

size_t lzss_compress(const unsigned char *src, size_t n, unsigned char *dst)
{
    long *head = malloc(HASH_SIZE * sizeof *head);
    long *prev = malloc(WINDOW * sizeof *prev);
    size_t out = 0, pos = 0;
    size_t flag_at;
    int item = 8;

    if (head == NULL || prev == NULL) {
        free(head);
        free(prev);
        return 0;
    }
    for (int i = 0; i < HASH_SIZE; i++)
        head[i] = -1;

    flag_at = 0;
    while (pos < n) {
        size_t best_len = 0, best_dist = 0;

        if (item == 8) {
            flag_at = out++;
            dst[flag_at] = 0;
            item = 0;
        }
        if (pos + MIN_MATCH <= n) {
            unsigned h = hash3(src + pos);
            long cand = head[h];
            int chain = 0;
            while (cand >= 0 && pos - (size_t)cand <= WINDOW && chain++ < MAX_CHAIN) {
                size_t len = 0, limit = n - pos;
                if (limit > MAX_MATCH)
                    limit = MAX_MATCH;
                while (len < limit && src[cand + len] == src[pos + len])
                    len++;
                if (len > best_len) {
                    best_len = len;
                    best_dist = pos - (size_t)cand;
                    if (len == MAX_MATCH)
                        break;
                }
                cand = prev[cand % WINDOW];
            }
        }
        if (best_len >= MIN_MATCH) {
            unsigned code = (unsigned)((best_dist - 1) << 4 | (best_len - MIN_MATCH));
            dst[flag_at] |= (unsigned char)(1u << item);
            dst[out++] = (unsigned char)(code >> 8);
            dst[out++] = (unsigned char)(code & 0xff);
        } else {
            best_len = 1;
            dst[out++] = src[pos];
        }
        /* Enter every covered position into the hash chains. */
        for (size_t end = pos + best_len; pos < end; pos++) {
            if (pos + MIN_MATCH <= n) {
                unsigned h = hash3(src + pos);
                prev[pos % WINDOW] = head[h];
                head[h] = (long)pos;
            }
        }
        item++;
    }
    free(head);
    free(prev);
    return out;
}

size_t lzss_decompress(const unsigned char *src, size_t n, unsigned char *dst, size_t cap)
{
    size_t in = 0, out = 0;

    while (in < n) {
        unsigned flags = src[in++];
        for (int item = 0; item < 8 && in < n; item++) {
            if (flags & (1u << item)) {
                size_t dist, len;
                if (in + 2 > n)
                    return (size_t)-1;
                dist = ((size_t)src[in] << 4 | src[in + 1] >> 4) + 1;
                len = (size_t)(src[in + 1] & 0x0f) + MIN_MATCH;
                in += 2;
                if (dist > out || out + len > cap)
                    return (size_t)-1;
                /* Byte by byte: a match may overlap its own output. */
                for (size_t i = 0; i < len; i++, out++)
                    dst[out] = dst[out - dist];
            } else {
                if (out >= cap)
                    return (size_t)-1;
                dst[out++] = src[in++];
            }
        }
    }
    return out;
}
