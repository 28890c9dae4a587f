#include "copyrow.h"

#include "dynarr.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for n more bytes and the NUL. (struct copybuf is not a dynbuf
 * because intake reads its fields; it grows the one way arrays grow.) */
static int buf_reserve(struct copybuf *b, size_t n)
{
    char *bigger;

    if (n > SIZE_MAX - 1 - b->len)
        return -1;
    bigger = dynarr_reserve(b->p, &b->cap, b->len + n + 1, 1);
    if (bigger == NULL)
        return -1;
    b->p = bigger;
    return 0;
}

static int buf_put(struct copybuf *b, const char *s, size_t n)
{
    if (buf_reserve(b, n) != 0)
        return -1;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

static int buf_str(struct copybuf *b, const char *s)
{
    return buf_put(b, s, strlen(s));
}

/* s as a COPY text-format value: backslash, tab, newline and CR escaped.
 * Runs of plain bytes are copied at once. */
static int buf_copy_text(struct copybuf *b, const char *s)
{
    while (*s != '\0') {
        size_t plain = strcspn(s, "\\\t\n\r");
        const char *esc;

        if (plain > 0 && buf_put(b, s, plain) != 0)
            return -1;
        s += plain;
        if (*s == '\0')
            break;
        esc = *s == '\\' ? "\\\\" : *s == '\t' ? "\\t" : *s == '\n' ? "\\n" : "\\r";
        if (buf_put(b, esc, 2) != 0)
            return -1;
        s++;
    }
    return 0;
}

/* An element of an array literal, quoted: "a\"b" (then COPY-escaped). */
static int buf_array_element(struct copybuf *b, const char *s)
{
    int rc = buf_put(b, "\"", 1);

    for (; rc == 0 && *s != '\0'; s++) {
        if (*s == '"' || *s == '\\')
            rc = buf_copy_text(b, "\\");
        if (rc == 0) {
            char one[2] = { *s, '\0' };

            rc = buf_copy_text(b, one);
        }
    }
    return rc != 0 ? -1 : buf_put(b, "\"", 1);
}

/* Decimal digits of v at p (room for 7 bytes); returns the length. */
static size_t put_int(char *p, long v)
{
    char tmp[12];
    size_t n = 0, len = 0;
    unsigned long u = v < 0 ? (unsigned long)(-v) : (unsigned long)v;

    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (v < 0)
        p[len++] = '-';
    while (n > 0)
        p[len++] = tmp[--n];
    return len;
}

/* "{4,NULL,2}" without a printf per element. */
static int buf_int16_array(struct copybuf *b, const int16_t *v, size_t n)
{
    char *p;

    if (buf_reserve(b, 2 + n * 7) != 0)
        return -1;
    p = b->p + b->len;
    *p++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            *p++ = ',';
        if (v[i] == SURVEY_NA) {
            memcpy(p, "NULL", 4);
            p += 4;
        } else {
            p += put_int(p, v[i]);
        }
    }
    *p++ = '}';
    *p = '\0';
    b->len = (size_t)(p - b->p);
    return 0;
}

static int buf_texts(struct copybuf *b, const struct response *r)
{
    int rc;

    if (r->texts == NULL)
        return buf_str(b, "\\N");
    rc = buf_put(b, "{", 1);
    for (size_t i = 0; rc == 0 && i < r->instrument->nitems; i++) {
        if (i > 0)
            rc = buf_put(b, ",", 1);
        if (rc == 0)
            rc = r->texts[i] != NULL ? buf_array_element(b, r->texts[i]) : buf_str(b, "NULL");
    }
    return rc != 0 ? -1 : buf_put(b, "}", 1);
}

int copyrow_append(struct copybuf *b, const struct response *r, long line)
{
    char num[32];

    if (line > 0 && (buf_put(b, num, put_int(num, line)) != 0 || buf_put(b, "\t", 1) != 0))
        return -1;
    if (buf_copy_text(b, r->city) != 0 || buf_put(b, "\t", 1) != 0 ||
        buf_str(b, r->id) != 0 || buf_put(b, "\t", 1) != 0 || buf_copy_text(b, r->survey) != 0 ||
        buf_put(b, "\t", 1) != 0 || buf_copy_text(b, r->wave) != 0 || buf_put(b, "\t", 1) != 0 ||
        buf_put(b, num, put_int(num, r->instrument->version)) != 0 || buf_put(b, "\t", 1) != 0)
        return -1;
    if (buf_int16_array(b, r->attrs, r->instrument->nattrs) != 0 || buf_put(b, "\t", 1) != 0 ||
        buf_int16_array(b, r->answers, r->instrument->nitems) != 0 || buf_put(b, "\t", 1) != 0 ||
        buf_texts(b, r) != 0)
        return -1;
    if (r->weight > 0)
        snprintf(num, sizeof num, "\t%.17g\n", r->weight);
    else
        memcpy(num, "\t\\N\n", 5);
    return buf_str(b, num);
}
