/* Dereferences NULL in main: the runtime must report the fault and fail. */
#include "substrate.h"

int main(void)
{
    static const char msg[] = "c-fault: about to dereference NULL\n";
    substrate_console_write((const uint8_t *)msg, sizeof msg - 1);
    volatile int *p = NULL;
    return *p;
}
