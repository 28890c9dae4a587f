/*
 * copyrow: responses as rows of COPY's text format, for `COPY response
 * (city, id, survey, wave, survey_version, attrs, answers, texts, weight)
 * FROM STDIN` (import, and the daemon's large group commits). Encoded
 * exactly as ingest.c's JSON encoding stores them (answers and attrs as
 * smallint[] in instrument order with NULL for no answer; texts NULL when
 * the instrument has no text item, else one element per item; weight NULL
 * when not weighted), so that "same content" means the same whichever way
 * a response came in. Integers are written without printf.
 */
#ifndef EMPIRIE_COPYROW_H
#define EMPIRIE_COPYROW_H

#include "response.h"

#include <stddef.h>

/* A growing buffer ({0} is empty); p is NUL-terminated once used. */
struct copybuf {
    char *p;
    size_t len, cap;
};

/* Appends r as one row, with line as a first column when line > 0 (import's
 * staging table). -1 when out of memory. */
int copyrow_append(struct copybuf *b, const struct response *r, long line);

#endif
