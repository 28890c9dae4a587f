/* ingest_encode: see ingest_encode.h. One writer of every value; the three
 * formats put them together. */
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
    if (n == 0 || jb_reserve(b, n) != 0)
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

/* Decimal digits of v at p (room for 20 bytes); returns how many. */
static size_t put_digits(char *p, long v)
{
    char tmp[24];
    size_t i = sizeof tmp, n;
    unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;

    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (v < 0)
        tmp[--i] = '-';
    n = sizeof tmp - i;
    memcpy(p, tmp + i, n);
    return n;
}

static void jb_long(struct jbuf *b, long v)
{
    if (jb_reserve(b, 24) != 0)
        return;
    b->len += put_digits(b->p + b->len, v);
}

/*
 * n int16 values between open and close, SURVEY_NA as null4 (four letters):
 * "{4,NULL,2}" (an array literal: parameters and COPY) or "[4,null,2]"
 * (JSON). Written into room reserved once: no call per value.
 */
static void jb_int16_list(struct jbuf *b, const int16_t *v, size_t n, char open, char close,
                          const char *null4)
{
    char *p;

    /* "-32768," is the longest element */
    if (n > (SIZE_MAX - 2) / 7) {
        jb_fail(b);
        return;
    }
    if (jb_reserve(b, 2 + n * 7) != 0)
        return;
    p = b->p + b->len;
    *p++ = open;
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            *p++ = ',';
        if (v[i] == SURVEY_NA) {
            memcpy(p, null4, 4);
            p += 4;
        } else {
            p += put_digits(p, v[i]);
        }
    }
    *p++ = close;
    b->len = (size_t)(p - b->p);
}

/* The weight's text: 17 significant digits, so the double comes back
 * exactly. Only for a weighted response (has_weight). */
static void jb_weight(struct jbuf *b, double w)
{
    char tmp[40];
    int k = snprintf(tmp, sizeof tmp, "%.17g", w);

    if (k > 0 && (size_t)k < sizeof tmp)
        jb_put(b, tmp, (size_t)k);
    else
        jb_fail(b);
}

static int has_weight(const struct response *r)
{
    return r->weight > 0 && isfinite(r->weight);
}

/* r's texts (r->texts not NULL) as an array literal: every element quoted,
 * quote and backslash escaped, NULL for no text. */
static void jb_texts_literal(struct jbuf *b, const struct response *r)
{
    JB_LIT(b, "{");
    for (size_t k = 0; k < r->instrument->nitems; k++) {
        const char *t = r->texts[k];

        if (k > 0)
            JB_LIT(b, ",");
        if (t == NULL) {
            JB_LIT(b, "NULL");
            continue;
        }
        JB_LIT(b, "\"");
        while (*t != '\0') {
            size_t plain = strcspn(t, "\"\\");

            jb_put(b, t, plain);
            t += plain;
            if (*t == '\0')
                break;
            JB_LIT(b, "\\");
            jb_put(b, t++, 1);
        }
        JB_LIT(b, "\"");
    }
    JB_LIT(b, "}");
}

/* ---- JSON (json_to_recordset) ---- */

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
    JB_LIT(b, ",\"survey_version\":");
    jb_long(b, r->instrument->version);
    JB_LIT(b, ",\"attrs\":");
    jb_int16_list(b, r->attrs, r->instrument->nattrs, '[', ']', "null");
    JB_LIT(b, ",\"answers\":");
    jb_int16_list(b, r->answers, r->instrument->nitems, '[', ']', "null");
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
    if (has_weight(r))
        jb_weight(b, r->weight);
    else
        JB_LIT(b, "null");
    JB_LIT(b, "}");
}

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

char *ingest_batch_json(const struct response *items, size_t n)
{
    struct ingest_part part = { .items = items, .n = n };

    return ingest_parts_json(&part, 1);
}

/* ---- COPY's text format: the parameters' values, COPY-escaped ---- */

/* n bytes of s as a COPY value: backslash, tab, newline and CR escaped.
 * Runs of plain bytes are copied at once. */
static void jb_copy_text(struct jbuf *b, const char *s, size_t n)
{
    const char *end = s + n;

    while (s < end) {
        const char *c = s;

        while (c < end && *c != '\\' && *c != '\t' && *c != '\n' && *c != '\r')
            c++;
        jb_put(b, s, (size_t)(c - s));
        if (c == end)
            break;
        if (*c == '\\')
            JB_LIT(b, "\\\\");
        else if (*c == '\t')
            JB_LIT(b, "\\t");
        else if (*c == '\n')
            JB_LIT(b, "\\n");
        else
            JB_LIT(b, "\\r");
        s = c + 1;
    }
}

static void jb_copy_str(struct jbuf *b, const char *s)
{
    jb_copy_text(b, s, strlen(s));
}

void ingest_copy_row(struct jbuf *b, const struct response *r, long line)
{
    if (line > 0) {
        jb_long(b, line);
        JB_LIT(b, "\t");
    }
    jb_copy_str(b, r->city);
    JB_LIT(b, "\t");
    jb_put(b, r->id, strlen(r->id));   /* hex digits and dashes */
    JB_LIT(b, "\t");
    jb_copy_str(b, r->survey);
    JB_LIT(b, "\t");
    jb_copy_str(b, r->wave);
    JB_LIT(b, "\t");
    jb_long(b, r->instrument->version);
    /* an integer list needs no COPY escape: digits, '-', ',', braces, NULL */
    JB_LIT(b, "\t");
    jb_int16_list(b, r->attrs, r->instrument->nattrs, '{', '}', "NULL");
    JB_LIT(b, "\t");
    jb_int16_list(b, r->answers, r->instrument->nitems, '{', '}', "NULL");
    JB_LIT(b, "\t");
    if (r->texts == NULL) {
        JB_LIT(b, "\\N");
    } else {
        struct jbuf lit = { 0 };

        jb_texts_literal(&lit, r);
        if (lit.failed)
            jb_fail(b);
        else
            jb_copy_text(b, lit.p, lit.len);
        free(lit.p);
    }
    JB_LIT(b, "\t");
    if (has_weight(r))
        jb_weight(b, r->weight);
    else
        JB_LIT(b, "\\N");
    JB_LIT(b, "\n");
}

/* ---- typed parameters ---- */

int ingest_params_set(struct ingest_params *p, const struct response *r)
{
    /* the values that are not the response's own strings, one after the
     * other in p->text (which may move while it grows), NUL-separated */
    enum { VERSION, ATTRS, ANSWERS, TEXTS, WEIGHT, NBUILT };
    static const int column[NBUILT] = { 4, 5, 6, 7, 8 };
    size_t at[NBUILT];

    memset(p, 0, sizeof *p);
    for (int k = 0; k < NBUILT; k++) {
        at[k] = p->text.len;
        if (k == VERSION)
            jb_long(&p->text, r->instrument->version);
        else if (k == ATTRS)
            jb_int16_list(&p->text, r->attrs, r->instrument->nattrs, '{', '}', "NULL");
        else if (k == ANSWERS)
            jb_int16_list(&p->text, r->answers, r->instrument->nitems, '{', '}', "NULL");
        else if (k == TEXTS && r->texts != NULL)
            jb_texts_literal(&p->text, r);
        else if (k == WEIGHT && has_weight(r))
            jb_weight(&p->text, r->weight);
        jb_put(&p->text, "", 1);
    }
    if (p->text.failed) {
        memset(p, 0, sizeof *p);
        return -1;
    }
    p->value[0] = r->city;
    p->value[1] = r->id;
    p->value[2] = r->survey;
    p->value[3] = r->wave;
    for (int k = 0; k < NBUILT; k++)
        p->value[column[k]] = p->text.p + at[k];
    if (r->texts == NULL)
        p->value[7] = NULL;
    if (!has_weight(r))
        p->value[8] = NULL;
    return 0;
}

void ingest_params_clear(struct ingest_params *p)
{
    free(p->text.p);
    memset(p, 0, sizeof *p);
}
