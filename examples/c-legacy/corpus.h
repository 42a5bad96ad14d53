/* corpus.h - test inputs for the compressor. */
#ifndef CORPUS_H
#define CORPUS_H

#include <stddef.h>

struct sample {
    const char *name;
    unsigned char *data;
    size_t size;
};

/* Fills *s with the sample number i (0 <= i < corpus_count()), allocated
   with malloc. Returns 0, or -1 when out of memory. */
int corpus_make(int i, struct sample *s);
int corpus_count(void);

#endif
