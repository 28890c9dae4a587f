/* ingest_encode: see ingest_encode.h. One list of the fields and one writer
 * of every value; the three formats differ in how a field is introduced and
 * how a string, a list and a NULL are spelt. */
#include "ingest_encode.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum format {
    JSON,    /* a record of json_to_recordset */
    COPY,    /* COPY's text format */
    PARAM    /* a statement's text parameter: the value itself */
};

/* The fields of RESPONSE_COLUMNS (sqlfrag.h), in its order. */
enum field { F_CITY, F_ID, F_SURVEY, F_WAVE, F_VERSION, F_ATTRS, F_ANSWERS, F_TEXTS, F_WEIGHT,
             NFIELDS };

/* Each field's start in a JSON record: its key, json_to_recordset's
 * column name. */
static const char *const json_key[NFIELDS] = {
    ",\"city\":", ",\"id\":", ",\"survey\":", ",\"wave\":", ",\"survey_version\":",
    ",\"attrs\":", ",\"answers\":", ",\"texts\":", ",\"weight\":"
};

/*
 * The writers put bytes into a block on the stack and hand it to the dynbuf
 * when it fills (and at the end, out_flush): one add per block, not one per
 * value or byte, which kept the encoders as fast as writing into reserved
 * room (they run for every response the daemon stores). A failure is the
 * dynbuf's sticky error.
 */
struct out {
    struct dynbuf *b;
    size_t k;           /* bytes in buf */
    char buf[2048];     /* > 7 * LIST_RUN */
};

static void out_flush(struct out *o)
{
    if (o->k > 0)
        dynbuf_addn(o->b, o->buf, o->k);
    o->k = 0;
}

/* Room for n more bytes in buf (n <= sizeof buf); the write pointer. */
static char *out_room(struct out *o, size_t n)
{
    if (n > sizeof o->buf - o->k)
        out_flush(o);
    return o->buf + o->k;
}

static void out_put(struct out *o, const char *s, size_t n)
{
    if (n > sizeof o->buf - o->k) {
        out_flush(o);
        if (n > sizeof o->buf) {
            dynbuf_addn(o->b, s, n);
            return;
        }
    }
    memcpy(o->buf + o->k, s, n);
    o->k += n;
}

static void out_str(struct out *o, const char *s)
{
    out_put(o, s, strlen(s));
}

#define LIT(o, lit) out_put((o), (lit), sizeof(lit) - 1)

/* A JSON string: quote and backslash escaped, control bytes as \u00XX;
 * runs of plain bytes copied at once. */
static void put_json_string(struct out *o, const char *s)
{
    static const char hex[] = "0123456789abcdef";

    LIT(o, "\"");
    for (;;) {
        const unsigned char *c = (const unsigned char *)s;
        char *p;

        while (*c >= 0x20 && *c != '"' && *c != '\\')
            c++;
        out_put(o, s, (size_t)((const char *)c - s));
        if (*c == '\0')
            break;
        p = out_room(o, 6);
        if (*c == '"' || *c == '\\') {
            p[0] = '\\';
            p[1] = (char)*c;
            o->k += 2;
        } else {
            memcpy(p, "\\u00", 4);
            p[4] = hex[*c >> 4];
            p[5] = hex[*c & 15];
            o->k += 6;
        }
        s = (const char *)c + 1;
    }
    LIT(o, "\"");
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

static void put_long(struct out *o, long v)
{
    o->k += put_digits(out_room(o, 24), v);
}

/*
 * n int16 values between brackets, SURVEY_NA as NULL: "{4,NULL,2}" (an
 * array literal: parameters and COPY, where it needs no escape) or
 * "[4,null,2]" (JSON). Room is made for a run of values at once.
 */
#define LIST_RUN 128

static void put_int16_list(struct out *o, const int16_t *v, size_t n, enum format f)
{
    const char *null4 = f == JSON ? "null" : "NULL";

    *out_room(o, 1) = f == JSON ? '[' : '{';
    o->k++;
    for (size_t i = 0; i < n;) {
        size_t end = n - i > LIST_RUN ? i + LIST_RUN : n;
        char *p = out_room(o, 7 * LIST_RUN);   /* ",-32768" is the longest element */
        char *start = p;

        for (; i < end; i++) {
            if (i > 0)
                *p++ = ',';
            if (v[i] == SURVEY_NA) {
                memcpy(p, null4, 4);
                p += 4;
            } else {
                p += put_digits(p, v[i]);
            }
        }
        o->k += (size_t)(p - start);
    }
    *out_room(o, 1) = f == JSON ? ']' : '}';
    o->k++;
}

/* The weight is written only for a weighted response, with 17 significant
 * digits, so that the double comes back exactly. */
static int has_weight(const struct response *r)
{
    return r->weight > 0 && isfinite(r->weight);
}

static void put_weight(struct out *o, double w)
{
    char *p = out_room(o, 40);
    int n = snprintf(p, 40, "%.17g", w);

    if (n > 0 && n < 40) {
        o->k += (size_t)n;
    } else {            /* cannot happen; if it does, dynbuf fails or says it */
        out_flush(o);
        dynbuf_printf(o->b, "%.17g", w);
    }
}

/* One text of r's texts inside their array literal: quoted, quote and
 * backslash escaped; for COPY the literal's bytes COPY-escaped too (a
 * backslash doubled; tab, newline, CR as \t, \n, \r). */
static void put_literal_text(struct out *o, const char *t, enum format f)
{
    LIT(o, "\"");
    for (; *t != '\0'; t++) {
        char *p = out_room(o, 4);
        const char *esc = NULL;

        if (*t == '"')
            esc = f == COPY ? "\\\\\"" : "\\\"";
        else if (*t == '\\')
            esc = f == COPY ? "\\\\\\\\" : "\\\\";
        else if (f == COPY && *t == '\t')
            esc = "\\t";
        else if (f == COPY && *t == '\n')
            esc = "\\n";
        else if (f == COPY && *t == '\r')
            esc = "\\r";
        if (esc == NULL) {
            p[0] = *t;
            o->k++;
        } else {
            out_str(o, esc);
        }
    }
    LIT(o, "\"");
}

/* r's texts (r->texts not NULL): a JSON array of strings and nulls, or an
 * array literal (every element quoted, NULL for no text). */
static void put_texts(struct out *o, const struct response *r, enum format f)
{
    out_str(o, f == JSON ? "[" : "{");
    for (size_t k = 0; k < r->instrument->nitems; k++) {
        if (k > 0)
            LIT(o, ",");
        if (r->texts[k] == NULL)
            out_str(o, f == JSON ? "null" : "NULL");
        else if (f == JSON)
            put_json_string(o, r->texts[k]);
        else
            put_literal_text(o, r->texts[k], f);
    }
    out_str(o, f == JSON ? "]" : "}");
}

/* s as a COPY value: backslash, tab, newline and CR escaped. */
static void put_copy_text(struct out *o, const char *s)
{
    for (; *s != '\0'; s++) {
        char *p = out_room(o, 2);

        if (*s == '\\' || *s == '\t' || *s == '\n' || *s == '\r') {
            p[0] = '\\';
            p[1] = *s == '\\' ? '\\' : *s == '\t' ? 't' : *s == '\n' ? 'n' : 'r';
            o->k += 2;
        } else {
            p[0] = *s;
            o->k++;
        }
    }
}

/* Field f of r in format f; a NULL (no texts, no weight) as the format
 * spells it ("null", \N; PARAM's NULL is the caller's). */
static void put_field(struct out *o, const struct response *r, enum field field,
                      enum format f)
{
    const char *s = NULL;

    switch (field) {
    case F_CITY: s = r->city; break;
    case F_ID: s = r->id; break;
    case F_SURVEY: s = r->survey; break;
    case F_WAVE: s = r->wave; break;
    case F_VERSION: put_long(o, r->instrument->version); return;
    case F_ATTRS: put_int16_list(o, r->attrs, r->instrument->nattrs, f); return;
    case F_ANSWERS: put_int16_list(o, r->answers, r->instrument->nitems, f); return;
    case F_TEXTS:
        if (r->texts == NULL)
            break;
        put_texts(o, r, f);
        return;
    case F_WEIGHT:
        if (!has_weight(r))
            break;
        put_weight(o, r->weight);
        return;
    case NFIELDS: return;
    }
    if (s == NULL) {
        if (f == JSON)
            LIT(o, "null");
        else if (f == COPY)
            LIT(o, "\\N");
    } else if (f == JSON) {
        put_json_string(o, s);
    } else if (f == COPY) {
        put_copy_text(o, s);
    } else {
        out_str(o, s);
    }
}

/* r as a JSON record's fields (",\"city\":...}") or a COPY row (fields
 * between tabs, then a newline). */
static void put_response(struct out *o, const struct response *r, enum format f)
{
    for (int k = 0; k < NFIELDS; k++) {
        if (f == JSON)
            out_str(o, json_key[k]);
        else if (k > 0)
            LIT(o, "\t");
        put_field(o, r, (enum field)k, f);
    }
    if (f == JSON)
        LIT(o, "}");
    else
        LIT(o, "\n");
}

/* ---- JSON (json_to_recordset) ---- */

char *ingest_parts_json(const struct ingest_part *parts, size_t nparts)
{
    struct dynbuf b;
    struct out o = { .b = &b };
    size_t total = 0, i = 0;

    for (size_t p = 0; p < nparts; p++)
        total += parts[p].n;
    dynbuf_init(&b, INGEST_ENCODE_MAX);
    /* a first guess that fits a typical response without regrowing */
    if (total < INGEST_ENCODE_MAX / 384)
        dynbuf_reserve(&b, total * 384 + 16);
    LIT(&o, "[");
    for (size_t p = 0; p < nparts; p++)
        for (size_t k = 0; k < parts[p].n; k++, i++) {
            out_str(&o, i > 0 ? ",{\"i\":" : "{\"i\":");
            put_long(&o, (long)i);
            put_response(&o, &parts[p].items[k], JSON);
        }
    LIT(&o, "]");
    out_flush(&o);
    if (dynbuf_error(&b) != DYNBUF_OK) {
        dynbuf_free(&b);
        return NULL;
    }
    return dynbuf_take(&b, NULL);
}

char *ingest_batch_json(const struct response *items, size_t n)
{
    struct ingest_part part = { .items = items, .n = n };

    return ingest_parts_json(&part, 1);
}

/* ---- COPY's text format: the parameters' values, COPY-escaped ---- */

void ingest_copy_row(struct dynbuf *b, const struct response *r, long line)
{
    struct out o = { .b = b };

    if (line > 0) {
        put_long(&o, line);
        LIT(&o, "\t");
    }
    put_response(&o, r, COPY);
    out_flush(&o);
}

/* ---- typed parameters ---- */

int ingest_params_set(struct ingest_params *p, const struct response *r)
{
    /* the values that are not the response's own strings, one after the
     * other in p->text (which may move while it grows), NUL-separated */
    size_t at[NFIELDS];
    struct out o = { .b = &p->text };

    memset(p, 0, sizeof *p);
    dynbuf_init(&p->text, INGEST_ENCODE_MAX);
    for (int k = F_VERSION; k < NFIELDS; k++) {
        at[k] = dynbuf_len(&p->text) + o.k;
        put_field(&o, r, (enum field)k, PARAM);
        out_put(&o, "", 1);
    }
    out_flush(&o);
    if (dynbuf_error(&p->text) != DYNBUF_OK) {
        ingest_params_clear(p);
        return -1;
    }
    p->value[F_CITY] = r->city;
    p->value[F_ID] = r->id;
    p->value[F_SURVEY] = r->survey;
    p->value[F_WAVE] = r->wave;
    for (int k = F_VERSION; k < NFIELDS; k++)
        p->value[k] = dynbuf_ptr(&p->text) + at[k];
    if (r->texts == NULL)
        p->value[F_TEXTS] = NULL;
    if (!has_weight(r))
        p->value[F_WEIGHT] = NULL;
    return 0;
}

void ingest_params_clear(struct ingest_params *p)
{
    dynbuf_free(&p->text);
    memset(p, 0, sizeof *p);
}
