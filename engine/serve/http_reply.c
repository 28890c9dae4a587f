/* http_reply: the daemon's answers (http_priv.h): queued on MHD's thread,
 * the error envelope and its headers. */
#include "http_priv.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_stopping(struct http_server *srv)
{
    int s;

    pthread_mutex_lock(&srv->lock);
    s = srv->stopping;
    pthread_mutex_unlock(&srv->lock);
    return s;
}

/* Queues resp (len bytes of body; destroyed here in every case) with status
 * and content type; extra headers are added through hdr/val pairs
 * (NULL-terminated list). */
enum MHD_Result http_queue(struct request *rq, struct MHD_Connection *c, unsigned status,
                             struct MHD_Response *resp, const char *type, size_t len,
                             const char *const *headers)
{
    enum MHD_Result ok = MHD_NO;

    if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type) != MHD_YES ||
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") != MHD_YES)
        goto done;
    for (size_t i = 0; headers != NULL && headers[i] != NULL; i += 2)
        if (MHD_add_response_header(resp, headers[i], headers[i + 1]) != MHD_YES)
            goto done;
    if (is_stopping(rq->srv) &&
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close") != MHD_YES)
        goto done;
    if (rq->srv->tls &&
        MHD_add_response_header(resp, "Strict-Transport-Security",
                                "max-age=31536000; includeSubDomains") != MHD_YES)
        goto done;
    /* Kept, and queued by the access handler on MHD's thread (http_flush): the
     * answer may be made on a worker while the connection is suspended. */
    if (rq->resp != NULL)
        MHD_destroy_response(rq->resp);
    rq->resp = resp;
    rq->resp_status = status;
    rq->status = status;
    rq->bytes = len;
    return MHD_YES;
done:
    (void)c;
    MHD_destroy_response(resp);
    return ok;
}

/* Queues the answer made for rq (on MHD's thread). */
enum MHD_Result http_flush(struct request *rq, struct MHD_Connection *c)
{
    struct MHD_Response *resp = rq->resp;
    enum MHD_Result ok;

    rq->resp = NULL;
    if (resp == NULL)
        return MHD_NO;
    ok = MHD_queue_response(c, rq->resp_status, resp);
    MHD_destroy_response(resp);
    if (ok != MHD_YES)
        rq->status = 0;
    return ok;
}

/* Queues text (copied) with status and content type; extra headers as in
 * queue. */
enum MHD_Result http_reply(struct request *rq, struct MHD_Connection *c, unsigned status,
                             const char *type, const char *text, size_t len,
                             const char *const *headers)
{
    struct MHD_Response *resp;

    resp = MHD_create_response_from_buffer(len, (void *)text, MHD_RESPMEM_MUST_COPY);
    if (resp == NULL)
        return MHD_NO;
    return http_queue(rq, c, status, resp, type, len, headers);
}

enum MHD_Result http_reply_json(struct request *rq, struct MHD_Connection *c,
                                  unsigned status, json_t *doc, const char *const *headers)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    enum MHD_Result ok;

    json_decref(doc);
    if (text == NULL)
        return MHD_NO;
    ok = http_reply(rq, c, status, "application/json", text, strlen(text), headers);
    free(text);
    return ok;
}

/* {"error": {"status", "path", "message"}}, with the headers the status
 * calls for (WWW-Authenticate, Retry-After, Allow). */
enum MHD_Result http_reply_error_close(struct request *rq, struct MHD_Connection *c,
                                         unsigned status, const char *path, const char *message,
                                         int close_it)
{
    char retry[16];
    const char *headers[5] = { NULL, NULL, NULL, NULL, NULL };
    json_t *doc;

    if (status == MHD_HTTP_UNAUTHORIZED) {
        headers[0] = MHD_HTTP_HEADER_WWW_AUTHENTICATE;
        headers[1] = "Bearer realm=\"empirie\"";
    } else if (status == MHD_HTTP_SERVICE_UNAVAILABLE) {
        snprintf(retry, sizeof retry, "%u", rq->srv->retry_after);
        headers[0] = MHD_HTTP_HEADER_RETRY_AFTER;
        headers[1] = retry;
    } else if (status == MHD_HTTP_METHOD_NOT_ALLOWED) {
        headers[0] = MHD_HTTP_HEADER_ALLOW;
        headers[1] = strcmp(http_routes[rq->route].method, "GET") != 0 ? http_routes[rq->route].method
                                                                  : "GET, HEAD";
    }
    if (close_it) {
        size_t at = headers[0] != NULL ? 2 : 0;

        headers[at] = MHD_HTTP_HEADER_CONNECTION;
        headers[at + 1] = "close";
    }
    doc = json_pack("{s:{s:i,s:s,s:s}}", "error", "status", (int)status, "path",
                    path != NULL ? path : "", "message", message);
    if (doc == NULL)
        return MHD_NO;
    return http_reply_json(rq, c, status, doc, headers);
}

enum MHD_Result http_reply_error(struct request *rq, struct MHD_Connection *c,
                                   unsigned status, const char *path, const char *message)
{
    return http_reply_error_close(rq, c, status, path, message, 0);
}

enum MHD_Result http_reply_unavailable(struct request *rq, struct MHD_Connection *c)
{
    return http_reply_error(rq, c, MHD_HTTP_SERVICE_UNAVAILABLE, "",
                       "the database is not available; try again later");
}
