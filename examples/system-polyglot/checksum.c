/* checksum (C): takes the client's buffers from the shared ring, checks
 * them (a Fletcher-style sum over the data region, mapped read-only here)
 * and reports each batch to the OCaml journal: a notification, then a
 * protected call whose answer is the number of batches the journal has.
 * It tells the client it is ready with a notification. */
#include <stdint.h>
#include <stdio.h>

#include <substrate.h>

#define CLIENT 0
#define JOURNAL 1

static substrate_ring_t ring;
static const uint8_t *data;
static size_t data_size;

static substrate_msg_t protected(uint32_t channel, substrate_msg_t msg) {
    (void)channel;
    if (msg.label != 1) return (substrate_msg_t){0, 0};
    uint64_t count = 0, bytes = 0, a = 1, b = 0;
    substrate_ring_desc_t d;
    int r;
    while ((r = substrate_ring_pop(&ring, &d)) == 1) {
        for (uint32_t i = 0; i < d.len; i++) {
            a = (a + data[d.offset + i]) % 65521;
            b = (b + a) % 65521;
        }
        bytes += d.len;
        count++;
    }
    if (r < 0) printf("checksum (C): FAILED: the ring answered %d\n", r);
    uint64_t sum = b << 16 | a;
    /* Tell the journal, then ask how many batches it has noted. */
    substrate_system_notify(JOURNAL);
    substrate_system_set_mr(0, count);
    substrate_system_set_mr(1, bytes);
    substrate_system_set_mr(2, sum);
    substrate_msg_t reply;
    int s = substrate_system_call(JOURNAL, (substrate_msg_t){1, 3}, &reply);
    uint64_t noted = s == SUBSTRATE_OK ? substrate_system_mr(0) : 0;
    substrate_system_set_mr(0, sum);
    substrate_system_set_mr(1, noted);
    return (substrate_msg_t){1, 2};
}

int main(void) {
    void *base;
    size_t size;
    if (substrate_system_region("data", &base, &size) != SUBSTRATE_OK) return 1;
    data = base;
    data_size = size;
    if (substrate_system_region("ring", &base, &size) != SUBSTRATE_OK) return 1;
    if (substrate_ring_consumer_init(&ring, base, size, data_size) != SUBSTRATE_OK) return 1;
    printf("checksum (C): started, ring of %ld descriptors over %zu bytes of data\n",
           (long)substrate_ring_capacity(&ring), data_size);
    /* Ready: the client starts sending when it gets this. */
    if (substrate_system_notify(CLIENT) != SUBSTRATE_OK) return 1;
    return substrate_system_run(NULL, protected, NULL);
}
