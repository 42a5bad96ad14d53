/* Writes through a null pointer. */
#include <stdio.h>

int main(void)
{
    volatile int *p = NULL;
    printf("about to dereference NULL\n");
    *p = 42;
    printf("survived the NULL dereference\n");
    return 0;
}
