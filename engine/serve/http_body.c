/* http_body: a request's framing and body: refused framings, the declared
 * size and type of a submission, the body kept up to the limit
 * (http_priv.h). */
#include "http_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Content-Type must be JSON: "application/json" with optional parameters. */
static int json_content_type(struct MHD_Connection *c)
{
    const char *t = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    size_t n = strlen("application/json");

    if (t == NULL || strncasecmp(t, "application/json", n) != 0)
        return 0;
    return t[n] == '\0' || t[n] == ';' || t[n] == ' ';
}

/* Checks the declared size before any of the body is read. */
enum MHD_Result http_post_headers(struct request *rq, struct MHD_Connection *c)
{
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_CONTENT_LENGTH);

    if (cl != NULL) {
        char *end;
        unsigned long long n;

        errno = 0;
        n = strtoull(cl, &end, 10);
        if (errno != 0 || end == cl || n > rq->srv->body_limit) {
            rq->too_large = 1;
            return http_post_responses(rq, c);
        }
        if (n > 0 && dynbuf_reserve(&rq->body, (size_t)n) != 0)
            return MHD_NO;
    }
    if (!json_content_type(c))
        return http_reply_error(rq, c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "",
                           "Content-Type must be application/json");
    return MHD_YES;
}

/* Keeps body data up to the limit; past it, drops the buffer and the rest. */
int http_body_append(struct request *rq, const char *data, size_t n)
{
    if (rq->too_large) {
        rq->dropped += n;
        return 0;
    }
    if (dynbuf_addn(&rq->body, data, n) == 0)
        return 0;
    if (dynbuf_error(&rq->body) != DYNBUF_TOO_LARGE)
        return -1;
    rq->too_large = 1;
    rq->dropped = dynbuf_len(&rq->body) + n;
    dynbuf_free(&rq->body);
    return 0;
}

/* One Content-Length and no Transfer-Encoding, or one Transfer-Encoding
 * "chunked" and no Content-Length: anything else (repeated or conflicting
 * lengths, both framings) is how requests are smuggled past a proxy. */
struct framing {
    unsigned lengths, encodings;
    int chunked_only;
};

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    struct framing *f = cls;

    (void)kind;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
        f->lengths++;
    if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        f->encodings++;
        f->chunked_only = value != NULL && strcasecmp(value, "chunked") == 0;
    }
    return MHD_YES;
}

const char *http_bad_framing(struct MHD_Connection *c)
{
    struct framing f = { 0, 0, 0 };

    MHD_get_connection_values(c, MHD_HEADER_KIND, count_framing, &f);
    if (f.lengths > 1)
        return "Content-Length: given more than once";
    if (f.lengths > 0 && f.encodings > 0)
        return "Content-Length and Transfer-Encoding together";
    if (f.encodings > 1 || (f.encodings == 1 && !f.chunked_only))
        return "Transfer-Encoding: expected exactly \"chunked\"";
    return NULL;
}
