/*
 * dynbuf: the one growable byte buffer, with a cap fixed when it is
 * created (curl's dynbuf is the model): a request body, a CSV record, a
 * page of HTML, a PEM file. Content grows by doubling up to the cap;
 * an add that would pass the cap fails as a whole (never a silent cut)
 * and leaves what is there intact. The content is always followed by a
 * NUL, so it reads as a C string when it holds no NUL of its own.
 *
 * A failure is sticky: once an add has failed (DYNBUF_TOO_LARGE or
 * DYNBUF_NOMEM), every later add fails with the same code until
 * dynbuf_reset or dynbuf_free, so a writer may make many adds and look
 * at dynbuf_error once at the end without a hole in the middle.
 *
 * The struct is public so that a buffer can live inside another struct
 * or on the stack; its fields are the module's own (use the accessors).
 *
 *     struct dynbuf b;
 *     dynbuf_init(&b, 1 << 20);
 *     if (dynbuf_add(&b, "n=") != 0 || dynbuf_printf(&b, "%d", n) != 0)
 *         ... dynbuf_error(&b) says why ...
 *     use(dynbuf_ptr(&b), dynbuf_len(&b));
 *     dynbuf_free(&b);
 */
#ifndef EMPIRIE_DYNBUF_H
#define EMPIRIE_DYNBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

enum dynbuf_error {
    DYNBUF_OK = 0,
    DYNBUF_TOO_LARGE,    /* the add would pass the cap */
    DYNBUF_NOMEM         /* out of memory (or a formatting error in dynbuf_printf) */
};

/* The largest cap dynbuf_init accepts: room for the content, its NUL and
 * the doubling, without a size_t overflow. */
#define DYNBUF_MAX_CAP (SIZE_MAX / 4)

struct dynbuf {
    char *p;          /* NULL until the first add */
    size_t len;       /* bytes of content */
    size_t alloc;     /* bytes allocated (content + NUL fit) */
    size_t max;       /* the cap: the most bytes of content */
    int err;          /* enum dynbuf_error, sticky */
};

/* An empty buffer that holds at most max bytes of content (0 < max <=
 * DYNBUF_MAX_CAP, asserted). Allocates nothing. */
void dynbuf_init(struct dynbuf *b, size_t max);

/* Releases the memory; b is empty again, with the same cap, and may be
 * used again. */
void dynbuf_free(struct dynbuf *b);

/* Empties b and clears its error, keeping the memory for the next adds. */
void dynbuf_reset(struct dynbuf *b);

/* Appends n bytes of p (p may be NULL when n is 0). 0 on success; -1 when
 * the content would pass the cap or memory runs out (dynbuf_error says
 * which), b unchanged. An add of 0 bytes allocates, so that dynbuf_ptr is
 * a string afterwards. */
int dynbuf_addn(struct dynbuf *b, const void *p, size_t n);

/* Makes room for n more bytes of content, so that the adds that fill it
 * allocate nothing (a request body of a declared length). As dynbuf_addn,
 * but adds nothing. */
int dynbuf_reserve(struct dynbuf *b, size_t n);

/* Appends the string s (without its NUL). As dynbuf_addn. */
int dynbuf_add(struct dynbuf *b, const char *s);

/* Appends one byte. As dynbuf_addn, with a fast path for the byte-at-a-
 * time readers (the CSV reader). */
static inline int dynbuf_addc(struct dynbuf *b, char c)
{
    if (b->len + 1 < b->alloc && b->len < b->max && b->err == DYNBUF_OK) {
        b->p[b->len++] = c;
        b->p[b->len] = '\0';
        return 0;
    }
    return dynbuf_addn(b, &c, 1);
}

/* Appends printf-formatted text. As dynbuf_addn: the whole text or none
 * of it. */
int dynbuf_printf(struct dynbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int dynbuf_vprintf(struct dynbuf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Drops all but the first len bytes (len <= dynbuf_len, asserted). */
void dynbuf_truncate(struct dynbuf *b, size_t len);

/* The content, NUL-terminated (NULL before the first add), and its
 * length. The pointer is valid until the next add, reset or free. */
char *dynbuf_ptr(const struct dynbuf *b);
size_t dynbuf_len(const struct dynbuf *b);

/* The first failure since init, reset or free (DYNBUF_OK: none). */
int dynbuf_error(const struct dynbuf *b);

/* Hands the content over to the caller (free it with free; NULL before
 * the first add), with its length in *len when len is not NULL; b is
 * empty afterwards, as after dynbuf_free. */
char *dynbuf_take(struct dynbuf *b, size_t *len);

#endif
