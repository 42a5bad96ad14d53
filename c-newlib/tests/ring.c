/* The shared rings' C interface (substrate.h, substrate_ring_*): one
 * program plays producer and consumer over a request ring and a data
 * region, lending buffers from a pool; then it writes random bytes over the
 * ring and checks that the consumer's side only ever hands out descriptors
 * inside the data region or reports an error, and refuses misuse. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <substrate.h>

#define RING_BYTES 4096
#define DATA_LEN (64 * 1024)
#define BUFFER 1024

static _Alignas(64) uint8_t region[RING_BYTES];
static uint8_t data[DATA_LEN];
static int failures;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            printf("ring: FAILED %s (line %d)\n", #cond, __LINE__);              \
            failures++;                                                          \
        }                                                                        \
    } while (0)

static uint8_t pattern(uint32_t cookie, uint32_t i) { return (uint8_t)(cookie * 31u + i); }

int main(void) {
    substrate_ring_t tx, rx, unused;
    memset(&unused, 0, sizeof unused);
    CHECK(substrate_ring_producer_init(&tx, region, sizeof region, DATA_LEN) == SUBSTRATE_OK);
    CHECK(substrate_ring_consumer_init(&rx, region, sizeof region, DATA_LEN) == SUBSTRATE_OK);
    long capacity = substrate_ring_capacity(&tx);
    CHECK(capacity == 128 && substrate_ring_capacity(&rx) == capacity);

    /* Misuse is refused with a status, never a fault. */
    substrate_ring_desc_t d = {0, 16, 0};
    CHECK(substrate_ring_push(&unused, &d) == SUBSTRATE_EINVAL);
    CHECK(substrate_ring_pop(&tx, &d) == SUBSTRATE_EINVAL);
    CHECK(substrate_ring_push(&rx, &d) == SUBSTRATE_EINVAL);
    CHECK(substrate_ring_push(&tx, (const substrate_ring_desc_t *)8) == SUBSTRATE_EFAULT);
    CHECK(substrate_ring_consumer_init(&rx, region + 1, 4000, DATA_LEN) == SUBSTRATE_EINVAL);
    CHECK(substrate_ring_consumer_init(&rx, region, sizeof region, DATA_LEN) == SUBSTRATE_OK);
    substrate_ring_desc_t outside = {DATA_LEN - 8, 16, 0};
    CHECK(substrate_ring_push(&tx, &outside) == SUBSTRATE_ERANGE);

    substrate_ring_pool_t *pool = substrate_ring_pool_create(DATA_LEN, BUFFER);
    CHECK(pool != NULL && substrate_ring_pool_create(DATA_LEN, 0) == NULL);

    /* 1000 buffers through the ring, each checked and given back. */
    uint32_t sent = 0, received = 0;
    while (received < 1000) {
        while (sent < 1000 && substrate_ring_pool_take(pool, &d) == 1) {
            d.len = 1 + sent % BUFFER;
            d.cookie = sent;
            for (uint32_t i = 0; i < d.len; i++) data[d.offset + i] = pattern(sent, i);
            int r = substrate_ring_push(&tx, &d);
            CHECK(r == 0 || r == 1);
            sent++;
        }
        substrate_ring_desc_t got;
        while (substrate_ring_pop(&rx, &got) == 1) {
            for (uint32_t i = 0; i < got.len; i++) CHECK(data[got.offset + i] == pattern(got.cookie, i));
            CHECK(got.cookie == received);
            CHECK(substrate_ring_pool_give_back(pool, &got) == SUBSTRATE_OK);
            CHECK(substrate_ring_pool_give_back(pool, &got) == SUBSTRATE_EINVAL);
            received++;
        }
        if (substrate_ring_want_signal(&rx) == 1) CHECK(sent == received);
    }
    /* Signals only when asked: the consumer asked above, the next push says so once. */
    CHECK(substrate_ring_pool_take(pool, &d) == 1);
    CHECK(substrate_ring_push(&tx, &d) == 1);
    CHECK(substrate_ring_push(&tx, &d) == 0);
    printf("ring: %u buffers through the ring, every payload intact\n", received);

    /* Garbage over the whole ring: only in-bounds descriptors or errors. */
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    unsigned errors = 0, handed = 0;
    uint32_t tail = received; /* the consumer's private index: entries it took */
    for (int round = 0; round < 300; round++) {
        for (size_t w = 0; w < RING_BYTES / 8; w++) {
            seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17;
            memcpy(region + 8 * w, &seed, 8);
        }
        if (round % 2) { /* a plausible head: a ring's worth of random descriptors */
            uint32_t head = tail + 1 + (uint32_t)(seed % 128);
            memcpy(region, &head, 4);
        }
        for (int i = 0; i < 200; i++) {
            substrate_ring_desc_t got;
            int r = substrate_ring_pop(&rx, &got);
            if (r == 1 || r == SUBSTRATE_ERANGE) tail++; /* both consume an entry */
            if (r == 1) {
                handed++;
                CHECK(got.offset + got.len <= DATA_LEN && got.offset + got.len >= got.offset);
            } else if (r == SUBSTRATE_ERANGE || r == SUBSTRATE_EPROTO) {
                errors++;
                if (r == SUBSTRATE_EPROTO) break;
            } else {
                CHECK(r == 0);
                break;
            }
        }
    }
    CHECK(errors > 0);
    printf("ring: garbage refused %u times, %u in-bounds descriptors handed out, none outside\n", errors, handed);
    CHECK(substrate_ring_pool_destroy(pool) == SUBSTRATE_OK);
    if (failures == 0) printf("ring: all checks passed\n");
    return failures != 0;
}
