/* The C server of the `c` test system: Microkit-style entry points as
 * functions of substrate.h. main() is the component's init; it ends in
 * substrate_system_run, which calls `notified` and `protected`. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <substrate.h>

static char *text;
static size_t text_size;
static substrate_ring_t requests;
static const uint8_t *data;
static size_t data_size;

static void notified(uint32_t channel) {
    /* Signal back on the same channel. */
    if (substrate_system_notify(channel) != SUBSTRATE_OK) printf("c-server: FAILED to notify\n");
}

static substrate_msg_t protected(uint32_t channel, substrate_msg_t msg) {
    (void)channel;
    substrate_msg_t reply = {msg.label, 1};
    switch (msg.label) {
    case 1: { /* sum of the message registers */
        uint64_t sum = 0;
        for (uint32_t i = 0; i < msg.length; i++) sum += substrate_system_mr(i);
        substrate_system_set_mr(0, sum);
        break;
    }
    case 2: { /* upper-case the string in the shared text region */
        size_t n = strnlen(text, text_size);
        for (size_t i = 0; i < n; i++) text[i] = (char)toupper((unsigned char)text[i]);
        substrate_system_set_mr(0, n);
        break;
    }
    case 3: { /* take every buffer from the ring, count its bytes */
        uint64_t count = 0, bytes = 0;
        substrate_ring_desc_t d;
        int r;
        while ((r = substrate_ring_pop(&requests, &d)) == 1) {
            for (uint32_t i = 0; i < d.len; i++) bytes += data[d.offset + i] != 0;
            count++;
        }
        if (r < 0) printf("c-server: FAILED: ring error %d\n", r);
        printf("c-server: %llu buffers from the ring, %llu bytes\n", (unsigned long long)count,
               (unsigned long long)bytes);
        substrate_system_set_mr(0, count);
        substrate_system_set_mr(1, bytes);
        reply.length = 2;
        break;
    }
    default:
        reply.label = 0;
        reply.length = 0;
    }
    return reply;
}

int main(void) {
    void *p = malloc(40000);
    printf("c-server: started as %s (restart %llu), 64 KiB heap: malloc of 40000 bytes %s\n",
           substrate_system_name(), (unsigned long long)substrate_system_restarts(),
           p != NULL ? "ok" : "FAILED");
    free(p);
    void *base;
    size_t size;
    if (substrate_system_region("text", &base, &size) != SUBSTRATE_OK) return 1;
    text = base;
    text_size = size;
    if (substrate_system_region("data", &base, &size) != SUBSTRATE_OK) return 1;
    data = base;
    data_size = size;
    if (substrate_system_region("ring", &base, &size) != SUBSTRATE_OK) return 1;
    int r = substrate_ring_consumer_init(&requests, base, size, data_size);
    if (r != SUBSTRATE_OK) {
        printf("c-server: FAILED: ring %d\n", r);
        return 1;
    }
    /* Not a region of this component: refused, not a fault. */
    if (substrate_system_region("nothing", &base, &size) != SUBSTRATE_EINVAL) printf("c-server: FAILED region\n");
    if (substrate_system_notify(7) != SUBSTRATE_EPERM) printf("c-server: FAILED: channel 7 granted?\n");
    return substrate_system_run(notified, protected, NULL);
}
