/*
 * ingest_encode: a validated response encoded for PostgreSQL, once per
 * format: COPY rows, the JSON of a batch, typed parameters. Each in the
 * order of RESPONSE_COLUMNS (sqlfrag.h):
 *   - COPY's text format (ingest_copy_row): import and the daemon's large
 *     group commits;
 *   - the JSON text of a batch for json_to_recordset (ingest_parts_json,
 *     ingest_batch_json): the ingest statements;
 *   - typed parameters (ingest_params_set): one response's INSERT.
 * The three share one list of the fields and one writer of every value (the
 * strings, the integer lists, the texts, the weight's digits); they differ
 * in how a field starts and how a string, a list and a NULL are spelt (a
 * COPY row is the parameters' text values, each COPY-escaped).
 *
 * "Same content" (RESPONSE_CONTENT) compares stored rows, so every writer
 * must store a response the same way: answers and attrs as smallint[] in
 * instrument order with NULL for no answer; texts NULL when the instrument
 * has no text item, else one element per item (NULL for none); weight NULL
 * when not weighted, else 17 significant digits (the double comes back
 * exactly). tests/integration/test_intake_paths.c stores one response
 * every way and compares the rows.
 */
#ifndef EMPIRIE_INGEST_ENCODE_H
#define EMPIRIE_INGEST_ENCODE_H

#include "dynbuf.h"
#include "ingest.h"

#include <stddef.h>
#include <stdint.h>

/*
 * The encoders write straight into a dynbuf, no value tree first (building
 * a jansson tree and dumping it cost a sixth of the daemon's CPU on
 * batches), and leave a failure in its sticky error, so a writer checks
 * once, at the end.
 *
 * The cap of every buffer they fill: room for the encoding of the largest
 * body the daemon accepts (EMPIRIE_BODY_LIMIT is at most 1 GiB, cmd_serve.c)
 * several times over, since a response's encoding can be longer than its
 * text (every item of the instrument is written, answered or not). A group
 * commit past it fails as out of memory would.
 */
#define INGEST_ENCODE_MAX ((size_t)4 << 30 < DYNBUF_MAX_CAP ? (size_t)4 << 30 : DYNBUF_MAX_CAP)

/* NUL-terminated JSON text of the responses of every part, numbered in
 * order (i, then RESPONSE_COLUMNS); NULL when out of memory. */
char *ingest_parts_json(const struct ingest_part *parts, size_t nparts);

/* NUL-terminated JSON text of the batch; NULL when out of memory. */
char *ingest_batch_json(const struct response *items, size_t n);

/* Appends r as one row of COPY's text format for `COPY response
 * (RESPONSE_COLUMNS) FROM STDIN`, with line
 * as a first column when line > 0 (import's staging table). Out of memory
 * (or past the cap): dynbuf_error(b). */
void ingest_copy_row(struct dynbuf *b, const struct response *r, long line);

#define INGEST_NPARAMS 9

/* One response as the text parameters $1 to $9 of a statement, in the order
 * of RESPONSE_COLUMNS; value[i] NULL for SQL NULL (texts, weight). */
struct ingest_params {
    const char *value[INGEST_NPARAMS];
    struct dynbuf text;   /* holds what value[] points to */
};

/* 0, or -1 when out of memory (p then holds nothing). Free with
 * ingest_params_clear. */
int ingest_params_set(struct ingest_params *p, const struct response *r);
void ingest_params_clear(struct ingest_params *p);

#endif
