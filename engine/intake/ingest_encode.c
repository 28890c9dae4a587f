/* ingest_encode: see ingest_encode.h. */
#include "ingest_encode.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void jb_fail(struct jbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->failed = 1;
}

/* Room for more bytes; -1 (and the buffer failed) when out of memory. */
static int jb_reserve(struct jbuf *b, size_t more)
{
    size_t cap;
    char *p;

    if (b->failed)
        return -1;
    if (more <= b->cap - b->len)
        return 0;
    cap = b->cap > 0 ? b->cap : 256;
    while (cap - b->len < more) {
        if (cap > SIZE_MAX / 2) {
            jb_fail(b);
            return -1;
        }
        cap *= 2;
    }
    p = realloc(b->p, cap);
    if (p == NULL) {
        jb_fail(b);
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

void jb_put(struct jbuf *b, const char *s, size_t n)
{
    if (jb_reserve(b, n) != 0)
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void jb_string(struct jbuf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = strlen(s);

    /* worst case: every byte as \u00XX, plus the quotes */
    if (n > (SIZE_MAX - 2) / 6) {
        jb_fail(b);
        return;
    }
    if (jb_reserve(b, 6 * n + 2) != 0)
        return;
    b->p[b->len++] = '"';
    for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++) {
        if (*c == '"' || *c == '\\') {
            b->p[b->len++] = '\\';
            b->p[b->len++] = (char)*c;
        } else if (*c < 0x20) {
            memcpy(b->p + b->len, "\\u00", 4);
            b->p[b->len + 4] = hex[*c >> 4];
            b->p[b->len + 5] = hex[*c & 15];
            b->len += 6;
        } else {
            b->p[b->len++] = (char)*c;
        }
    }
    b->p[b->len++] = '"';
}

static void jb_long(struct jbuf *b, long v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;

    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (v < 0)
        tmp[--i] = '-';
    jb_put(b, tmp + i, sizeof tmp - i);
}

static void jb_int16_array(struct jbuf *b, const int16_t *v, size_t n)
{
    JB_LIT(b, "[");
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            JB_LIT(b, ",");
        if (v[i] == SURVEY_NA)
            JB_LIT(b, "null");
        else
            jb_long(b, v[i]);
    }
    JB_LIT(b, "]");
}

static void jb_record(struct jbuf *b, const struct response *r, size_t i)
{
    JB_LIT(b, "{\"i\":");
    jb_long(b, (long)i);
    JB_LIT(b, ",\"city\":");
    jb_string(b, r->city);
    JB_LIT(b, ",\"id\":");
    jb_string(b, r->id);
    JB_LIT(b, ",\"survey\":");
    jb_string(b, r->survey);
    JB_LIT(b, ",\"wave\":");
    jb_string(b, r->wave);
    JB_LIT(b, ",\"v\":");
    jb_long(b, r->instrument->version);
    JB_LIT(b, ",\"attrs\":");
    jb_int16_array(b, r->attrs, r->instrument->nattrs);
    JB_LIT(b, ",\"answers\":");
    jb_int16_array(b, r->answers, r->instrument->nitems);
    JB_LIT(b, ",\"texts\":");
    if (r->texts == NULL) {
        JB_LIT(b, "null");
    } else {
        JB_LIT(b, "[");
        for (size_t k = 0; k < r->instrument->nitems; k++) {
            if (k > 0)
                JB_LIT(b, ",");
            if (r->texts[k] != NULL)
                jb_string(b, r->texts[k]);
            else
                JB_LIT(b, "null");
        }
        JB_LIT(b, "]");
    }
    JB_LIT(b, ",\"weight\":");
    if (r->weight > 0 && isfinite(r->weight)) {
        char w[40];
        /* 17 significant digits: the double comes back exactly */
        int k = snprintf(w, sizeof w, "%.17g", r->weight);

        if (k > 0 && (size_t)k < sizeof w)
            jb_put(b, w, (size_t)k);
        else
            jb_fail(b);
    } else {
        JB_LIT(b, "null");
    }
    JB_LIT(b, "}");
}

/* NUL-terminated JSON text of the responses of every part, numbered in
 * order; NULL when out of memory. */
char *ingest_parts_json(const struct ingest_part *parts, size_t nparts)
{
    struct jbuf b = { 0 };
    size_t total = 0, i = 0;

    for (size_t p = 0; p < nparts; p++)
        total += parts[p].n;
    /* a first guess that fits a typical response without regrowing */
    jb_reserve(&b, total * 384 + 16);
    JB_LIT(&b, "[");
    for (size_t p = 0; p < nparts; p++)
        for (size_t k = 0; k < parts[p].n; k++, i++) {
            if (i > 0)
                JB_LIT(&b, ",");
            jb_record(&b, &parts[p].items[k], i);
        }
    jb_put(&b, "]", 2);
    return b.failed ? NULL : b.p;
}

/* NUL-terminated JSON text of the batch; NULL when out of memory. */
char *ingest_batch_json(const struct response *items, size_t n)
{
    struct ingest_part part = { .items = items, .n = n };

    return ingest_parts_json(&part, 1);
}

/* texts as a PostgreSQL array literal: every element quoted, quote and
 * backslash escaped, NULL for no text. NULL when out of memory. */
char *ingest_texts_literal(const struct response *r)
{
    struct jbuf b = { 0 };

    JB_LIT(&b, "{");
    for (size_t k = 0; k < r->instrument->nitems; k++) {
        if (k > 0)
            JB_LIT(&b, ",");
        if (r->texts[k] == NULL) {
            JB_LIT(&b, "NULL");
            continue;
        }
        JB_LIT(&b, "\"");
        for (const char *c = r->texts[k]; *c != '\0'; c++) {
            if (*c == '"' || *c == '\\')
                JB_LIT(&b, "\\");
            jb_put(&b, c, 1);
        }
        JB_LIT(&b, "\"");
    }
    jb_put(&b, "}", 2);
    return b.failed ? NULL : b.p;
}

/* n int16 values as a PostgreSQL array literal, SURVEY_NA as NULL; NULL
 * when out of memory. */
char *ingest_int16_literal(const int16_t *v, size_t n)
{
    struct jbuf b = { 0 };

    JB_LIT(&b, "{");
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            JB_LIT(&b, ",");
        if (v[i] == SURVEY_NA)
            JB_LIT(&b, "NULL");
        else
            jb_long(&b, v[i]);
    }
    jb_put(&b, "}", 2);
    return b.failed ? NULL : b.p;
}
