/* The C client of mirage-ipc: a thread of its own that calls the OCaml
   unikernel's endpoint (seL4_Call through <substrate.h>) five times, a
   little apart, then says it is done (label 99). */
#include <stdio.h>

#include <caml/mlvalues.h>
#include <substrate.h>

static uint64_t server;

static void *client(void *arg)
{
    (void)arg;
    for (uint64_t i = 1; i <= 5; i++) {
        uint64_t msg[2] = {i, i * i}, reply[1] = {0};
        substrate_msginfo_t info;
        substrate_sleep_ns(120 * 1000 * 1000);
        int32_t r = substrate_ep_call(server, 1, msg, 2, NULL, 0, reply, 1, &info);
        printf("client: call %llu (%llu, %llu) -> status %d, label %llu, sum %llu\n",
               (unsigned long long)i, (unsigned long long)msg[0], (unsigned long long)msg[1],
               (int)r, (unsigned long long)info.label, (unsigned long long)reply[0]);
        fflush(stdout);
    }
    substrate_msginfo_t info;
    substrate_ep_call(server, 99, NULL, 0, NULL, 0, NULL, 0, &info);
    return NULL;
}

/* Starts the client on endpoint capability `slot`. */
value mirage_ipc_start_client(value slot)
{
    substrate_thread_t t;
    server = (uint64_t)Long_val(slot);
    if (substrate_thread_create(&t, client, NULL) != SUBSTRATE_OK)
        caml_failwith("cannot start the client thread");
    return Val_unit;
}
