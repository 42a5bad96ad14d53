/* Code built with gcc's stack protector (as Debian builds the C stubs of its
   OCaml libraries: -fstack-protector-strong) runs, and a smashed stack is
   caught: the canary at %fs:0x28 is the thread's, __stack_chk_fail ends the
   image with a failure status. */
#include <stdio.h>
#include <string.h>

static volatile size_t overrun = 64;

__attribute__((noinline)) static int checked(const char *s)
{
    char buf[32];
    strcpy(buf, s);
    return (int)strlen(buf);
}

__attribute__((noinline)) static void smash(void)
{
    char buf[16];
    /* Through a volatile length, so gcc cannot see the overrun. */
    memset(buf, 'A', overrun);
    __asm__ volatile("" : : "r"(buf) : "memory");
}

int main(void)
{
    printf("stack-protector: checked call returned %d\n", checked("twelve chars"));
    fflush(stdout);
    smash();
    printf("stack-protector: FAILED, the overrun was not caught\n");
    return 0;
}
