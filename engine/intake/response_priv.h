/*
 * response_priv: what the two ways of parsing a body share (response.c:
 * jansson, with worded errors; response_scan.c: plain bodies). Not for
 * other modules: they use response.h.
 */
#ifndef EMPIRIE_RESPONSE_PRIV_H
#define EMPIRIE_RESPONSE_PRIV_H

#include "response.h"

/* r's answers, attrs (all SURVEY_NA) and texts (NULL each; the array only
 * when the instrument has a text item) for r->instrument; -1 with e set
 * ("out of memory" at base) when an allocation fails. */
int response_alloc_arrays(struct response *r, const char *base, struct response_error *e);

/* Sets r's arrays (large enough for r->instrument) to no answer: answers
 * and attrs SURVEY_NA, texts (when not NULL) NULL each. */
void response_set_unanswered(struct response *r);

#endif
