/* abort() -> raise(SIGABRT) -> kill(getpid(), SIGABRT) -> substrate_abort. */
#include <stdio.h>
#include <stdlib.h>

static void handler(void)
{
    printf("atexit handler ran\n");
}

int main(void)
{
    atexit(handler);
    printf("about to abort\n");
    abort();
    printf("after abort\n");
    return 0;
}
