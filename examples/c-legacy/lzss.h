/* lzss.h - a small LZSS (LZ77 with literal flags) byte compressor. */
#ifndef LZSS_H
#define LZSS_H

#include <stddef.h>

/* The largest output lzss_compress can produce for n input bytes. */
size_t lzss_bound(size_t n);

/* Compresses src[0..n) into dst (at least lzss_bound(n) bytes).
   Returns the compressed length. */
size_t lzss_compress(const unsigned char *src, size_t n, unsigned char *dst);

/* Decompresses src[0..n) into dst (capacity cap). Returns the decompressed
   length, or (size_t)-1 if the input is corrupt or dst is too small. */
size_t lzss_decompress(const unsigned char *src, size_t n, unsigned char *dst, size_t cap);

#endif
