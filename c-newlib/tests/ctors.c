/* C constructors and destructors: the runtime runs the .init_array entries
   (in priority order) before main, and exit runs the .fini_array entries
   (in reverse) after the program's own atexit handlers and before stdio is
   flushed. Declared in an order that differs from the priority order, so
   that an unsorted .init_array would show. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Set by the constructors, read by main: the order they ran in. */
static char ran[8];
static int answer;

static void note(char c)
{
    size_t n = strlen(ran);
    if (n + 1 < sizeof ran)
        ran[n] = c;
}

__attribute__((constructor)) static void ctor_default(void)
{
    note('c');
    answer = 42;
}

__attribute__((constructor(200))) static void ctor_200(void)
{
    note('b');
}

__attribute__((constructor(101))) static void ctor_101(void)
{
    note('a');
}

/* Destructors run in the reverse of the constructors' order: the default
   priority first, 101 last. */
__attribute__((destructor(101))) static void dtor_101(void)
{
    printf("destructor 101: last\n");
}

__attribute__((destructor)) static void dtor_default(void)
{
    printf("destructor: after main, answer %d\n", answer);
}

static void handler(void)
{
    printf("atexit handler\n");
}

int main(void)
{
    printf("constructors ran in order '%s', answer %d\n", ran, answer);
    if (strcmp(ran, "abc") != 0 || answer != 42) {
        printf("ctors: FAILED\n");
        return 1;
    }
    atexit(handler);
    printf("main returns\n");
    return 0;
}
