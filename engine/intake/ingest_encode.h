/*
 * ingest_encode: a validated response encoded for PostgreSQL, as the
 * ingest statements take it: the JSON text of a batch for json_to_recordset
 * (ingest_parts_json, ingest_batch_json) and the array literals of one
 * response's typed parameters (ingest_int16_literal, ingest_texts_literal).
 * The content check (ingest.c) needs every writer to encode a response the
 * same way: see the top of ingest.c.
 */
#ifndef EMPIRIE_INGEST_ENCODE_H
#define EMPIRIE_INGEST_ENCODE_H

#include "ingest.h"

#include <stddef.h>
#include <stdint.h>

/*
 * The batch as the JSON text of the statements' parameter, written
 * straight into one growing buffer: building a jansson tree first (one
 * allocation per value) and dumping it cost a sixth of the daemon's CPU on
 * batches. Strings come from a validated body (valid UTF-8), so escaping
 * the quote, the backslash and control characters is all JSON needs.
 */
struct jbuf {
    char *p;
    size_t len, cap;
    int failed;   /* out of memory: p is freed and NULL */
};

/* Appends n bytes (nothing once the buffer failed). */
void jb_put(struct jbuf *b, const char *s, size_t n);

#define JB_LIT(b, lit) jb_put((b), (lit), sizeof(lit) - 1)

/* NUL-terminated JSON text of the responses of every part, numbered in
 * order; NULL when out of memory. */
char *ingest_parts_json(const struct ingest_part *parts, size_t nparts);

/* NUL-terminated JSON text of the batch; NULL when out of memory. */
char *ingest_batch_json(const struct response *items, size_t n);

/* n int16 values as a PostgreSQL array literal, SURVEY_NA as NULL; NULL
 * when out of memory. */
char *ingest_int16_literal(const int16_t *v, size_t n);

/* r's texts as a PostgreSQL array literal: every element quoted, quote and
 * backslash escaped, NULL for no text. NULL when out of memory. */
char *ingest_texts_literal(const struct response *r);

#endif
