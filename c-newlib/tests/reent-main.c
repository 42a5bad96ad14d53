/* The program's main thread owns newlib's global reentrancy structure even
   when another thread uses newlib first, so exit still flushes stdout. */
#include <errno.h>
#include <reent.h>
#include <stdio.h>
#include <stdlib.h>
#include <substrate.h>

static void *first_user(void *arg)
{
    (void)arg;
    /* The first newlib call of the program: errno lives in _REENT. */
    errno = EDOM;
    return _REENT == _impure_ptr ? (void *)1 : NULL;
}

int main(void)
{
    substrate_thread_t t;
    void *took_global = (void *)1;
    if (substrate_thread_create(&t, first_user, NULL) != SUBSTRATE_OK
        || substrate_thread_join(t, &took_global) != SUBSTRATE_OK)
        return 2;
    printf("reent: thread took the global structure: %s\n", took_global ? "yes (FAILED)" : "no");
    printf("reent: main has the global structure: %s\n",
           _REENT == _impure_ptr ? "yes" : "no (FAILED)");
    /* No newline: stdout is line buffered, so only exit's flush prints it. */
    printf("reent: flushed by exit");
    exit(0);
}
