/*
 * http_links: links to the respondent's form over the API, for an admin
 * (docs/api.md), the same as `empirie link create|list|close` (formlink.h):
 *
 *   POST /v1/links              {"survey","wave","city"[,"label"][,"opens_on"]
 *                               [,"closes_on"][,"codes": N]} -> 201
 *                               {"id", "path": "/s/KEY", "codes": [...]}
 *   GET  /v1/links              -> 200 {"links": [...]}
 *   POST /v1/links/{id}/close   -> 200 {"id", "closed": true}
 *
 * The key and the codes are in the 201 answer only: stored hashed, never
 * logged, never shown again.
 */
#ifndef EMPIRIE_HTTP_LINKS_H
#define EMPIRIE_HTTP_LINKS_H

#include "dbpool.h"
#include "err.h"
#include "outcome.h"

#include <jansson.h>
#include <stddef.h>

enum http_links_op { HTTP_LINKS_CREATE, HTTP_LINKS_LIST, HTTP_LINKS_CLOSE };

struct http_links_answer {
    enum outcome outcome;      /* OK, INVALID, NOT_FOUND, INTERNAL or UNAVAILABLE
                                  (db_unavailable) */
    int created;               /* OK by creating (201) */
    json_t *doc;               /* the answer when OK (the caller's) */
    char path[64];             /* the field of an error */
    char message[ERR_MAX];     /* the error */
};

/* "/v1/links/17/close": 17 into *id; 0 when url is not that shape. */
int http_links_close_url(const char *url, int *id);

void http_links_handle(struct dbpool *pool, enum http_links_op op, int id, const char *body,
                       size_t len, struct http_links_answer *a);

#endif
