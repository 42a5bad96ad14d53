/*
 * The benchmark operations written in C against the kernel's own libsel4
 * (the headers of the kernel install the image is built for), for the third
 * column of `make bench`. Each function does what its Rust counterpart in
 * src/main.rs does, the way a C programmer would write it with libsel4.
 */
#include <stddef.h>
#include <sel4/sel4.h>

#ifdef BENCH_LIBSEL4_TLS_IPC_BUFFER
/* Current libsel4 finds the IPC buffer through this thread-local variable,
 * which its (unbuilt) library would define; every thread that runs C code
 * sets it first (bench_c_thread_init). */
__thread seL4_IPCBuffer *__sel4_ipc_buffer;
#endif

void bench_c_thread_init(seL4_IPCBuffer *ipc_buffer)
{
#ifdef BENCH_LIBSEL4_TLS_IPC_BUFFER
    __sel4_ipc_buffer = ipc_buffer;
#else
    (void)ipc_buffer; /* seL4 5.0: the kernel points GS at the IPC buffer */
#endif
}

void bench_c_yield(void)
{
    seL4_Yield();
}

seL4_Word bench_c_signal_wait(seL4_CPtr ntfn)
{
    seL4_Word badge;
    seL4_Signal(ntfn);
    seL4_Wait(ntfn, &badge);
    return badge;
}

seL4_Word bench_c_call(seL4_CPtr ep)
{
    seL4_SetMR(0, 0);
    return seL4_Call(ep, seL4_MessageInfo_new(0, 0, 0, 1)).words[0];
}

/* The server of bench_c_call: answers every call with an empty one-word
 * reply. `reply` is the reply object on MCS kernels (unused elsewhere). */
void bench_c_server(seL4_CPtr ep, seL4_CPtr reply)
{
    seL4_MessageInfo_t answer = seL4_MessageInfo_new(0, 0, 0, 1);
#ifdef CONFIG_KERNEL_MCS
    seL4_Recv(ep, NULL, reply);
    for (;;) {
        seL4_ReplyRecv(ep, answer, NULL, reply);
    }
#else
    (void)reply;
    seL4_Recv(ep, NULL);
    for (;;) {
        seL4_ReplyRecv(ep, answer, NULL);
    }
#endif
}
