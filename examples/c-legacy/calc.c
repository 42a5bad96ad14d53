/*
 * calc.c - a recursive-descent evaluator; errors unwind with longjmp.
 *
 *   expr   = term { ("+" | "-") term }
 *   term   = power { ("*" | "/") power }
 *   power  = unary [ "^" power ]
 *   unary  = "-" unary | atom
 *   atom   = number | "(" expr ")"
 */
#include <ctype.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

#include "calc.h"

struct parser {
    const char *p;
    jmp_buf fail;
    const char *why;
};

static double expr(struct parser *ps);

static void error(struct parser *ps, const char *why)
{
    ps->why = why;
    longjmp(ps->fail, 1);
}

static int peek(struct parser *ps)
{
    while (isspace((unsigned char)*ps->p))
        ps->p++;
    return *ps->p;
}

static double atom(struct parser *ps)
{
    int c = peek(ps);
    if (c == '(') {
        double v;
        ps->p++;
        v = expr(ps);
        if (peek(ps) != ')')
            error(ps, "expected )");
        ps->p++;
        return v;
    }
    if (isdigit(c) || c == '.') {
        char *end;
        double v = strtod(ps->p, &end);
        ps->p = end;
        return v;
    }
    error(ps, c ? "unexpected character" : "unexpected end");
    return 0;
}

static double unary(struct parser *ps)
{
    if (peek(ps) == '-') {
        ps->p++;
        return -unary(ps);
    }
    return atom(ps);
}

static double power(struct parser *ps)
{
    double base = unary(ps);
    if (peek(ps) == '^') {
        ps->p++;
        return pow(base, power(ps));
    }
    return base;
}

static double term(struct parser *ps)
{
    double v = power(ps);
    for (;;) {
        int c = peek(ps);
        if (c == '*') {
            ps->p++;
            v *= power(ps);
        } else if (c == '/') {
            double d;
            ps->p++;
            d = power(ps);
            if (d == 0)
                error(ps, "division by zero");
            v /= d;
        } else {
            return v;
        }
    }
}

static double expr(struct parser *ps)
{
    double v = term(ps);
    for (;;) {
        int c = peek(ps);
        if (c == '+') {
            ps->p++;
            v += term(ps);
        } else if (c == '-') {
            ps->p++;
            v -= term(ps);
        } else {
            return v;
        }
    }
}

int calc_eval(const char *text, double *value, char *err, size_t errlen)
{
    struct parser ps;
    ps.p = text;
    ps.why = NULL;
    if (setjmp(ps.fail)) {
        snprintf(err, errlen, "%s at offset %d", ps.why, (int)(ps.p - text));
        return -1;
    }
    *value = expr(&ps);
    if (peek(&ps) != '\0')
        error(&ps, "trailing characters");
    snprintf(err, errlen, "ok");
    return 0;
}
