/* The boot command line: argv and getenv from `sel4-run IMAGE ARGS --env`. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        printf("argv[%d] = \"%s\"\n", i, argv[i]);
    printf("argv[argc] is %s\n", argv[argc] == NULL ? "NULL" : "not NULL");
    const char *greeting = getenv("GREETING");
    printf("GREETING=%s\n", greeting ? greeting : "(unset)");
    printf("UNSET=%s\n", getenv("UNSET") ? getenv("UNSET") : "(unset)");
    return 0;
}
