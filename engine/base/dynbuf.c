/*
 * dynbuf: the capped growable byte buffer (see dynbuf.h). Unlike curl's,
 * a failed add keeps the content: the callers here report the failure
 * (413, "the record is longer than ...") and some still need what came
 * before it to say where.
 */
#include "dynbuf.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIRST_ALLOC 64

void dynbuf_init(struct dynbuf *b, size_t max)
{
    assert(b != NULL);
    assert(max > 0 && max <= DYNBUF_MAX_CAP);
    b->p = NULL;
    b->len = 0;
    b->alloc = 0;
    b->max = max;
    b->err = DYNBUF_OK;
}

void dynbuf_free(struct dynbuf *b)
{
    assert(b != NULL);
    free(b->p);
    b->p = NULL;
    b->len = b->alloc = 0;
    b->err = DYNBUF_OK;
}

void dynbuf_reset(struct dynbuf *b)
{
    assert(b != NULL);
    b->len = 0;
    if (b->p != NULL)
        b->p[0] = '\0';
    b->err = DYNBUF_OK;
}

static int fail(struct dynbuf *b, int err)
{
    b->err = err;
    return -1;
}

/* Room for n more bytes of content and the NUL; b unchanged on failure
 * (but for its sticky error). */
static int reserve(struct dynbuf *b, size_t n)
{
    size_t fit, a;
    char *p;

    if (b->err != DYNBUF_OK)
        return -1;
    if (n > b->max - b->len)
        return fail(b, DYNBUF_TOO_LARGE);
    fit = b->len + n + 1;    /* <= max + 1: no overflow */
    if (fit <= b->alloc)
        return 0;
    if (b->alloc == 0)
        a = fit > FIRST_ALLOC ? fit : FIRST_ALLOC;    /* a first large add: exactly */
    else
        for (a = b->alloc; a < fit; a *= 2)
            ;                /* a < fit <= DYNBUF_MAX_CAP + 1 before: no overflow */
    if (a > b->max + 1)
        a = b->max + 1;
    p = realloc(b->p, a);
    if (p == NULL)
        return fail(b, DYNBUF_NOMEM);
    b->p = p;
    b->alloc = a;
    return 0;
}

int dynbuf_addn(struct dynbuf *b, const void *p, size_t n)
{
    assert(b != NULL && b->max > 0);
    assert(n == 0 || p != NULL);
    if (reserve(b, n) != 0)
        return -1;
    if (n > 0)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

int dynbuf_reserve(struct dynbuf *b, size_t n)
{
    assert(b != NULL && b->max > 0);
    if (reserve(b, n) != 0)
        return -1;
    b->p[b->len] = '\0';
    return 0;
}

int dynbuf_add(struct dynbuf *b, const char *s)
{
    assert(s != NULL);
    return dynbuf_addn(b, s, strlen(s));
}

int dynbuf_vprintf(struct dynbuf *b, const char *fmt, va_list ap)
{
    va_list again;
    int n;

    assert(b != NULL && fmt != NULL);
    /* Formats into the room there is; when it does not fit, makes room for
     * exactly what it needs and formats once more. */
    if (reserve(b, 0) != 0)
        return -1;
    va_copy(again, ap);
    n = vsnprintf(b->p + b->len, b->alloc - b->len, fmt, ap);
    if (n >= 0 && (size_t)n >= b->alloc - b->len) {
        if (reserve(b, (size_t)n) != 0) {
            b->p[b->len] = '\0';
            va_end(again);
            return -1;
        }
        n = vsnprintf(b->p + b->len, b->alloc - b->len, fmt, again);
    }
    va_end(again);
    if (n < 0) {
        b->p[b->len] = '\0';
        return fail(b, DYNBUF_NOMEM);
    }
    b->len += (size_t)n;
    return 0;
}

int dynbuf_printf(struct dynbuf *b, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = dynbuf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void dynbuf_truncate(struct dynbuf *b, size_t len)
{
    assert(b != NULL && len <= b->len);
    b->len = len;
    if (b->p != NULL)
        b->p[len] = '\0';
}

char *dynbuf_ptr(const struct dynbuf *b)
{
    return b->p;
}

size_t dynbuf_len(const struct dynbuf *b)
{
    return b->len;
}

int dynbuf_error(const struct dynbuf *b)
{
    return b->err;
}

char *dynbuf_take(struct dynbuf *b, size_t *len)
{
    char *p = b->p;

    if (len != NULL)
        *len = b->len;
    b->p = NULL;
    b->len = b->alloc = 0;
    b->err = DYNBUF_OK;
    return p;
}
