#include "http_tokens.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int http_tokens_id(const char *s, long long *id)
{
    char *end;
    long long v;

    if (s == NULL || s[0] < '0' || s[0] > '9')
        return 0;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < 1)
        return 0;
    *id = v;
    return 1;
}

/* A column of the token list as JSON: "" is null for the optional ones. */
static json_t *opt_string(const char *v)
{
    return v[0] != '\0' ? json_string(v) : json_null();
}

static int list(PGconn *conn, struct http_tokens_req *q, char *err, size_t errlen)
{
    PGresult *res;
    json_t *arr;

    if (auth_token_list(conn, q->all, &res, err, errlen) != 0)
        return -1;
    arr = json_array();
    for (int i = 0; arr != NULL && i < PQntuples(res); i++) {
        json_t *t = json_pack("{s:I,s:s,s:s,s:o,s:s,s:o,s:o,s:o}", "id",
                              (json_int_t)strtoll(PQgetvalue(res, i, 0), NULL, 10), "label",
                              PQgetvalue(res, i, 1), "role", PQgetvalue(res, i, 2), "scope",
                              opt_string(PQgetvalue(res, i, 3)), "created",
                              PQgetvalue(res, i, 4), "expires",
                              opt_string(PQgetvalue(res, i, 5)), "last_used",
                              opt_string(PQgetvalue(res, i, 6)), "revoked",
                              opt_string(PQgetvalue(res, i, 7)));

        if (t == NULL || json_array_append_new(arr, t) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    PQclear(res);
    if (arr == NULL)
        return err_set(err, errlen, "out of memory");
    q->doc = json_pack("{s:o}", "tokens", arr);
    if (q->doc == NULL)
        return err_set(err, errlen, "out of memory");
    q->status = 200;
    return 0;
}

static void client_error(struct http_tokens_req *q, unsigned status, const char *path,
                         const char *msg)
{
    q->status = status;
    snprintf(q->path, sizeof q->path, "%s", path);
    snprintf(q->message, sizeof q->message, "%s", msg);
}

/* A string member of the body, or NULL when absent or null; -1 when it is
 * there with another type. */
static int member(json_t *body, const char *name, const char **out)
{
    json_t *v = json_object_get(body, name);

    *out = NULL;
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return -1;
    *out = json_string_value(v);
    return 0;
}

static int create(PGconn *conn, struct http_tokens_req *q, char *err, size_t errlen)
{
    static const char *const fields[] = { "role", "scope", "label", "expires" };
    struct auth_token_spec spec = { 0 };
    const char *vals[4];
    char token[AUTH_TOKEN_SIZE], msg[ERR_MAX];
    json_error_t jerr;
    const char *key;
    json_t *body, *v;
    long long id = 0;
    int bad = 0;

    body = json_loadb(q->body != NULL ? q->body : "", q->len, JSON_REJECT_DUPLICATES, &jerr);
    if (body == NULL || !json_is_object(body)) {
        snprintf(msg, sizeof msg, "expected a JSON object {\"role\", \"scope\", \"label\", "
                                  "\"expires\"}%s%s",
                 body == NULL ? ": " : "", body == NULL ? jerr.text : "");
        json_decref(body);
        client_error(q, 400, "", msg);
        return 0;
    }
    json_object_foreach(body, key, v) {
        size_t k = 0;

        while (k < 4 && strcmp(key, fields[k]) != 0)
            k++;
        if (k == 4) {
            snprintf(msg, sizeof msg, "%.60s: unknown field (role, scope, label, expires)", key);
            client_error(q, 400, "", msg);
            json_decref(body);
            return 0;
        }
    }
    for (size_t k = 0; k < 4; k++)
        if (member(body, fields[k], &vals[k]) != 0) {
            snprintf(msg, sizeof msg, "%s: expected a string", fields[k]);
            client_error(q, 400, fields[k], msg);
            json_decref(body);
            return 0;
        }
    if (vals[0] == NULL) {
        client_error(q, 400, "role", "role: required (collector, coordinator, analyst, "
                                     "ministry or admin)");
        json_decref(body);
        return 0;
    }
    if (auth_role_parse(vals[0], &spec.role, msg, sizeof msg) != 0) {
        client_error(q, 400, "role", msg);
        json_decref(body);
        return 0;
    }
    spec.scope = vals[1];
    spec.label = vals[2];
    spec.expires = vals[3];
    if (auth_token_issue(conn, &spec, token, &id, &bad, msg, sizeof msg) != 0) {
        json_decref(body);
        if (!bad)
            return err_set(err, errlen, "%s", msg);
        client_error(q, 400, "", msg);
        return 0;
    }
    q->doc = json_pack("{s:I,s:s,s:s,s:s?,s:s,s:s?}", "id", (json_int_t)id, "token", token,
                       "role", auth_role_name(spec.role), "scope", spec.scope, "label",
                       spec.label != NULL ? spec.label : "", "expires", spec.expires);
    json_decref(body);
    if (q->doc == NULL)
        return err_set(err, errlen, "out of memory");
    q->status = 201;
    return 0;
}

static int revoke(PGconn *conn, struct http_tokens_req *q, char *err, size_t errlen)
{
    char msg[ERR_MAX];
    int rc = auth_token_revoke(conn, q->id, q->revoked, msg, sizeof msg);

    if (rc < 0)
        return err_set(err, errlen, "%s", msg);
    if (rc == 0) {
        client_error(q, strncmp(msg, "no token", 8) == 0 ? 404 : 409, "", msg);
        return 0;
    }
    q->doc = json_pack("{s:I,s:b}", "id", (json_int_t)q->id, "revoked", 1);
    if (q->doc == NULL)
        return err_set(err, errlen, "out of memory");
    q->status = 200;
    return 0;
}

int http_tokens_work(PGconn *conn, void *req, char *err, size_t errlen)
{
    struct http_tokens_req *q = req;

    json_decref(q->doc);   /* what a failed attempt may have left */
    q->doc = NULL;
    switch (q->op) {
    case HTTP_TOKENS_LIST:
        return list(conn, q, err, errlen);
    case HTTP_TOKENS_CREATE:
        return create(conn, q, err, errlen);
    case HTTP_TOKENS_REVOKE:
        return revoke(conn, q, err, errlen);
    }
    return err_set(err, errlen, "unknown token operation");
}
