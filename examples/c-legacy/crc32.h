/* crc32.h - CRC-32 (IEEE 802.3, reflected, as in zlib and PNG). */
#ifndef CRC32_H
#define CRC32_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc32_update(uint32_t crc, const void *data, size_t n);

#define crc32(data, n) crc32_update(0, (data), (n))

#endif
