/* ingest_encode: see ingest_encode.h. One list of the fields and one writer
 * of every value; the three formats differ in how a field is introduced and
 * how a string, a list and a NULL are spelt. */
#include "ingest_encode.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIT(b, lit) dynbuf_addn((b), (lit), sizeof(lit) - 1)

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

/* Bytes gathered on the stack before one add: a list of values is a few
 * adds, not one per value. */
#define CHUNK 256

/* A JSON string: quote and backslash escaped, control bytes as \u00XX,
 * runs of plain bytes added at once. */
static void put_json_string(struct dynbuf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";

    LIT(b, "\"");
    while (*s != '\0') {
        const char *c = s;

        while (*c != '\0' && *c != '"' && *c != '\\' && (unsigned char)*c >= 0x20)
            c++;
        dynbuf_addn(b, s, (size_t)(c - s));
        if (*c == '\0')
            break;
        if (*c == '"' || *c == '\\') {
            char esc[2] = { '\\', *c };

            dynbuf_addn(b, esc, 2);
        } else {
            char esc[6] = { '\\', 'u', '0', '0', hex[(unsigned char)*c >> 4],
                            hex[(unsigned char)*c & 15] };

            dynbuf_addn(b, esc, 6);
        }
        s = c + 1;
    }
    LIT(b, "\"");
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

static void put_long(struct dynbuf *b, long v)
{
    char tmp[24];

    dynbuf_addn(b, tmp, put_digits(tmp, v));
}

/*
 * n int16 values between brackets, SURVEY_NA as NULL: "{4,NULL,2}" (an
 * array literal: parameters and COPY, where it needs no escape) or
 * "[4,null,2]" (JSON).
 */
static void put_int16_list(struct dynbuf *b, const int16_t *v, size_t n, enum format f)
{
    char tmp[CHUNK];
    size_t k = 0;

    tmp[k++] = f == JSON ? '[' : '{';
    for (size_t i = 0; i < n; i++) {
        if (k > sizeof tmp - 8) {      /* "-32768," is the longest element */
            dynbuf_addn(b, tmp, k);
            k = 0;
        }
        if (i > 0)
            tmp[k++] = ',';
        if (v[i] == SURVEY_NA) {
            memcpy(tmp + k, f == JSON ? "null" : "NULL", 4);
            k += 4;
        } else {
            k += put_digits(tmp + k, v[i]);
        }
    }
    tmp[k++] = f == JSON ? ']' : '}';
    dynbuf_addn(b, tmp, k);
}

/* The weight is written only for a weighted response, with 17 significant
 * digits, so that the double comes back exactly. */
static int has_weight(const struct response *r)
{
    return r->weight > 0 && isfinite(r->weight);
}

/* One text of r's texts inside their array literal: quoted, quote and
 * backslash escaped; for COPY the literal's bytes COPY-escaped too (a
 * backslash doubled; tab, newline, CR as \t, \n, \r). Runs of plain bytes
 * are added at once. */
static void put_literal_text(struct dynbuf *b, const char *t, enum format f)
{
    const char *special = f == COPY ? "\"\\\t\n\r" : "\"\\";

    LIT(b, "\"");
    while (*t != '\0') {
        size_t plain = strcspn(t, special);

        dynbuf_addn(b, t, plain);
        t += plain;
        if (*t == '\0')
            break;
        if (f != COPY) {
            char esc[2] = { '\\', *t };

            dynbuf_addn(b, esc, 2);
        } else if (*t == '"') {
            LIT(b, "\\\\\"");
        } else if (*t == '\\') {
            LIT(b, "\\\\\\\\");
        } else if (*t == '\t') {
            LIT(b, "\\t");
        } else if (*t == '\n') {
            LIT(b, "\\n");
        } else {
            LIT(b, "\\r");
        }
        t++;
    }
    LIT(b, "\"");
}

/* r's texts (r->texts not NULL): a JSON array of strings and nulls, or an
 * array literal (every element quoted, NULL for no text). */
static void put_texts(struct dynbuf *b, const struct response *r, enum format f)
{
    dynbuf_add(b, f == JSON ? "[" : "{");
    for (size_t k = 0; k < r->instrument->nitems; k++) {
        if (k > 0)
            LIT(b, ",");
        if (r->texts[k] == NULL)
            dynbuf_add(b, f == JSON ? "null" : "NULL");
        else if (f == JSON)
            put_json_string(b, r->texts[k]);
        else
            put_literal_text(b, r->texts[k], f);
    }
    dynbuf_add(b, f == JSON ? "]" : "}");
}

/* n bytes of s as a COPY value: backslash, tab, newline and CR escaped.
 * Runs of plain bytes are copied at once. */
static void put_copy_text(struct dynbuf *b, const char *s, size_t n)
{
    const char *end = s + n;

    while (s < end) {
        const char *c = s;

        while (c < end && *c != '\\' && *c != '\t' && *c != '\n' && *c != '\r')
            c++;
        dynbuf_addn(b, s, (size_t)(c - s));
        if (c == end)
            break;
        if (*c == '\\')
            LIT(b, "\\\\");
        else if (*c == '\t')
            LIT(b, "\\t");
        else if (*c == '\n')
            LIT(b, "\\n");
        else
            LIT(b, "\\r");
        s = c + 1;
    }
}

/* Field f of r in format f; a NULL (no texts, no weight) as the format
 * spells it ("null", \N; PARAM's NULL is the caller's). */
static void put_field(struct dynbuf *b, const struct response *r, enum field field,
                      enum format f)
{
    const char *s = NULL;

    switch (field) {
    case F_CITY: s = r->city; break;
    case F_ID: s = r->id; break;
    case F_SURVEY: s = r->survey; break;
    case F_WAVE: s = r->wave; break;
    case F_VERSION: put_long(b, r->instrument->version); return;
    case F_ATTRS: put_int16_list(b, r->attrs, r->instrument->nattrs, f); return;
    case F_ANSWERS: put_int16_list(b, r->answers, r->instrument->nitems, f); return;
    case F_TEXTS:
        if (r->texts == NULL)
            break;
        put_texts(b, r, f);
        return;
    case F_WEIGHT:
        if (!has_weight(r))
            break;
        dynbuf_printf(b, "%.17g", r->weight);   /* comes back exactly */
        return;
    case NFIELDS: return;
    }
    if (s == NULL) {
        if (f == JSON)
            LIT(b, "null");
        else if (f == COPY)
            LIT(b, "\\N");
    } else if (f == JSON) {
        put_json_string(b, s);
    } else if (f == COPY) {
        put_copy_text(b, s, strlen(s));
    } else {
        dynbuf_add(b, s);
    }
}

/* r as a JSON record ({"i":i,"city":...}) or a COPY row (fields between
 * tabs, then a newline). */
static void put_response(struct dynbuf *b, const struct response *r, enum format f)
{
    for (int k = 0; k < NFIELDS; k++) {
        if (f == JSON)
            dynbuf_add(b, json_key[k]);
        else if (k > 0)
            LIT(b, "\t");
        put_field(b, r, (enum field)k, f);
    }
    if (f == JSON)
        LIT(b, "}");
    else
        LIT(b, "\n");
}

/* ---- JSON (json_to_recordset) ---- */

char *ingest_parts_json(const struct ingest_part *parts, size_t nparts)
{
    struct dynbuf b;
    size_t total = 0, i = 0;

    for (size_t p = 0; p < nparts; p++)
        total += parts[p].n;
    dynbuf_init(&b, INGEST_ENCODE_MAX);
    /* a first guess that fits a typical response without regrowing */
    if (total < INGEST_ENCODE_MAX / 384)
        dynbuf_reserve(&b, total * 384 + 16);
    LIT(&b, "[");
    for (size_t p = 0; p < nparts; p++)
        for (size_t k = 0; k < parts[p].n; k++, i++) {
            dynbuf_add(&b, i > 0 ? ",{\"i\":" : "{\"i\":");
            put_long(&b, (long)i);
            put_response(&b, &parts[p].items[k], JSON);
        }
    LIT(&b, "]");
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
    if (line > 0) {
        put_long(b, line);
        LIT(b, "\t");
    }
    put_response(b, r, COPY);
}

/* ---- typed parameters ---- */

int ingest_params_set(struct ingest_params *p, const struct response *r)
{
    /* the values that are not the response's own strings, one after the
     * other in p->text (which may move while it grows), NUL-separated */
    size_t at[NFIELDS];

    memset(p, 0, sizeof *p);
    dynbuf_init(&p->text, INGEST_ENCODE_MAX);
    for (int k = F_VERSION; k < NFIELDS; k++) {
        at[k] = dynbuf_len(&p->text);
        put_field(&p->text, r, (enum field)k, PARAM);
        dynbuf_addn(&p->text, "", 1);
    }
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
