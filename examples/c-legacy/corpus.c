/* corpus.c - deterministic samples: text, random bytes, runs, empty. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"

static const char *words[] = {
    "the", "kernel", "capability", "thread", "endpoint", "notification",
    "frame", "untyped", "retype", "message", "register", "fault", "reply",
    "of", "a", "and", "to", "in", "is", "with",
};

static unsigned long next_random(unsigned long *state)
{
    *state = *state * 6364136223846793005ul + 1442695040888963407ul;
    return *state >> 33;
}

static size_t make_text(unsigned char *p, size_t cap, unsigned long seed)
{
    size_t n = 0;
    int sentence = 0;
    while (n + 32 < cap) {
        const char *w = words[next_random(&seed) % (sizeof words / sizeof *words)];
        int len = sprintf((char *)p + n, "%s%s", w, (++sentence % 9 == 0) ? ".\n" : " ");
        n += (size_t)len;
    }
    return n;
}

int corpus_count(void)
{
    return 5;
}

int corpus_make(int i, struct sample *s)
{
    static const char *names[] = { "text", "random", "runs", "empty", "one byte" };
    size_t cap = 20000;
    unsigned long seed = 42;

    s->name = names[i];
    s->data = malloc(cap);
    if (s->data == NULL)
        return -1;
    switch (i) {
    case 0:
        s->size = make_text(s->data, cap, 7);
        break;
    case 1:
        for (size_t k = 0; k < cap; k++)
            s->data[k] = (unsigned char)next_random(&seed);
        s->size = cap;
        break;
    case 2:
        for (size_t k = 0; k < cap; k++)
            s->data[k] = (unsigned char)("aaaaaaaabbbbcc"[(k / 5) % 14]);
        s->size = cap;
        break;
    case 3:
        s->size = 0;
        break;
    default:
        s->data[0] = 'x';
        s->size = 1;
        break;
    }
    return 0;
}
