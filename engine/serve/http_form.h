/*
 * http_form: the respondent's pages (docs/form.md), routed from http.c:
 *
 *   GET  /s/<key>          the form of the link's survey, wave and city
 *                          (?lang=en or Accept-Language; ?code=C fills the
 *                          access code in)
 *   POST /s/<key>          x-www-form-urlencoded answers: validated by the
 *                          API's validator (response_from_json) and stored by
 *                          its ingestion (ingest_batch); 303 to the thank-you
 *                          page, or the form again with the errors (400)
 *   GET  /s/<key>/thanks   the thank-you page
 *   GET  /form.css         the stylesheet
 *
 * 404 for an unknown key, 410 for a closed link or outside its window, 403
 * for a used or unknown access code. Every page is HTML, sent with the
 * headers of http_form_headers (CSP default-src 'self', no referrer, no
 * framing, no caching); no cookie is ever set. The key is never logged.
 */
#ifndef EMPIRIE_HTTP_FORM_H
#define EMPIRIE_HTTP_FORM_H

#include "dbpool.h"
#include "submit.h"

#include <microhttpd.h>
#include <stddef.h>

/* The largest form body accepted, and its most fields. */
#define HTTP_FORM_MAX_BODY (256 * 1024)
#define HTTP_FORM_MAX_FIELDS 2000

struct http_form_answer {
    unsigned status;
    char *body;              /* malloc'd; NULL when out of memory */
    size_t len;
    const char *type;        /* Content-Type */
    char location[160];      /* for 303, else "" */
    unsigned retry_after;    /* for 503, else 0 */
};

/* The headers every answer of these routes carries (name, value, ...,
 * NULL). */
extern const char *const http_form_headers[];

/* True for a URL these routes serve. */
int http_form_route(const char *url);

/* The path to log for url: the key replaced by "[key]". */
void http_form_log_path(const char *url, char *out, size_t n);

/* Answers one request; a->body is the caller's to free. body: the request
 * body (len bytes; too_large when it passed the daemon's limit). */
void http_form_handle(struct submit *s, struct dbpool *pool, struct MHD_Connection *c,
                      const char *method, const char *url, const char *body, size_t len,
                      int too_large, struct http_form_answer *a);

#endif
