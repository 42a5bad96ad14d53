/* calc.h - evaluate arithmetic expressions: + - * / ^, parentheses, unary minus. */
#ifndef CALC_H
#define CALC_H

#include <stddef.h>

/* Evaluates expr into *value. Returns 0, or -1 with a message in err. */
int calc_eval(const char *expr, double *value, char *err, size_t errlen);

#endif
