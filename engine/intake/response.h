/*
 * response: bytes in, validated responses or a precise error out. Pure: no
 * network, no database, no global state; the instruments come in through a
 * catalog. That makes it easy to test and to fuzz (tests/fuzz/).
 *
 * A response object (docs/api.md):
 *   { "survey": "satysfakcja-pracownikow", "wave": "2024", "city": "konin",
 *     "id": "4a6c...uuid", "attributes": { "dzial": 3, ... },
 *     "answers": { "warunki_01": 4, "enps": 9, ... }, "weight": 1.27 }
 * answers and attributes are keyed by code; an item not given, or null, has
 * no answer. Every error names the JSON path, the value and what was
 * expected, e.g.  [3].answers.warunki_01: expected an integer from 1 to 5
 * (or null), got 9
 */
#ifndef EMPIRIE_RESPONSE_H
#define EMPIRIE_RESPONSE_H

#include "catalog.h"
#include "survey.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Largest batch accepted in one request body. */
#define RESPONSE_MAX_BATCH 1000

struct response {
    const struct survey *instrument;  /* the version the wave uses */
    const char *survey;   /* slug */
    const char *wave;
    const char *city;
    char id[37];          /* canonical lowercase UUID text */
    int16_t *answers;     /* instrument->nitems values; SURVEY_NA: no answer */
    int16_t *attrs;       /* instrument->nattrs values; SURVEY_NA: not given */
    char **texts;         /* instrument->nitems entries, non-NULL only for answered TEXT
                             items; NULL when the instrument has no TEXT item */
    double weight;        /* > 0, or 0 when none was given */
};

struct response_batch {
    struct response *items;
    size_t n;
    int was_array;        /* the body was an array (the answer lists each result) */
    json_t *root;         /* owns the strings the responses point to (jansson's parse) */
    char *text;           /* or: a copy of the body they point into (rscan's) */
    size_t *pos;          /* pos[i]: items[i]'s index in the body (a response given twice
                           * with the same content is kept once, so later ones move up);
                           * NULL when every index is its own */
};

struct response_scanner;
struct rscan_codes;

struct response_error {
    char path[256];       /* e.g. "[3].answers.warunki_01" ("" for the whole body) */
    char message[768];    /* the full sentence, path included */
};

/*
 * Parses a request body: UTF-8 JSON, one response object or a non-empty
 * array of at most max_batch. Validates every response against its
 * instrument and the catalog (known survey, wave, city; every answer in
 * range; required attributes present; weight given exactly when the
 * instrument is weighted). All or nothing: on any error *out is NULL and e
 * describes the first error. Never crashes on any input.
 *
 * A plain body (rscan.h) is read without jansson (response_scan.c); any
 * other, and every invalid one, goes through response_parse_json. Either
 * way the result is the same: the fuzzer checks it.
 */
int response_parse(const char *body, size_t len, const struct catalog *cat, size_t max_batch,
                   struct response_batch **out, struct response_error *e);

/* Validates one already-parsed object (an NDJSON line, a CSV row made into an
 * object). path prefixes error paths (e.g. "line 12"). The response points
 * into obj, which must outlive it. Free with response_clear. */
int response_from_json(const json_t *obj, const struct catalog *cat, const char *path,
                       struct response *out, struct response_error *e);

/* Frees what response_from_json allocated (not the struct itself). */
void response_clear(struct response *r);

void response_batch_free(struct response_batch *b);

/* True when two responses with the same key carry the same content (survey,
 * wave, answers, attributes, texts, weight): a resubmission, not a conflict.
 * For a body's own repeats; what is stored is compared by the database with
 * RESPONSE_CONTENT (sqlfrag.h), the same fields. */
int response_same_content(const struct response *a, const struct response *b);

/* response_parse always through jansson (the tests and the fuzzer compare
 * the two ways). */
int response_parse_json(const char *body, size_t len, const struct catalog *cat,
                        size_t max_batch, struct response_batch **out,
                        struct response_error *e);

/*
 * The text scan one object at a time, for a file of them (import's NDJSON
 * lines): a scanner keeps the code tables of the instruments it has seen,
 * the survey, wave and city last taken, and the arrays of the response,
 * from one line to the next. It reads what response_parse's scan reads,
 * with the same check (response_scan.c), and uses cat, which must outlive
 * it. NULL when out of memory.
 */
struct response_scanner *response_scanner_new(const struct catalog *cat);
void response_scanner_free(struct response_scanner *sc);

/* One plain object (rscan.h), the whole of len bytes of text but
 * whitespace, into r: 0 when it is a valid response (r points into the
 * scanner, valid until its next call; no response_clear), -1 when it is not
 * plain or not surely valid: then parse it with jansson and
 * response_from_json, which decides and words the error. */
int response_scan_line(struct response_scanner *sc, const char *text, size_t len,
                       struct response *r);

/* The code tables (rscan.h) of instrument s, built on first use; NULL when
 * out of memory. */
const struct rscan_codes *response_scanner_codes(struct response_scanner *sc,
                                                 const struct survey *s);

/* s as canonical lowercase UUID text (8-4-4-4-12 hex digits) in out; -1
 * when it is not one. */
int response_uuid(const char *s, char out[37]);

/* True when two of items have the same (city, id), or when that cannot be
 * told (out of memory). */
int response_repeats_key(const struct response *items, size_t n);

#endif
