#include "auth.h"

#include "db.h"
#include "err.h"
#include "jsonv.h"
#include "regsnap.h"
#include "sha256.h"
#include "utf8.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#define TOKEN_PREFIX "emp_"
#define TOKEN_RANDOM 32

static const char *const role_names[] = { "none",     "collector", "coordinator",
                                          "analyst",  "ministry",  "admin" };

const char *auth_role_name(enum auth_role role)
{
    if ((int)role < 0 || (size_t)role >= sizeof role_names / sizeof role_names[0])
        return "none";
    return role_names[role];
}

int auth_role_parse(const char *name, enum auth_role *out, char *err, size_t errlen)
{
    for (int r = AUTH_COLLECTOR; r <= AUTH_ADMIN; r++) {
        if (strcmp(name, role_names[r]) == 0) {
            *out = (enum auth_role)r;
            return 0;
        }
    }
    return err_set(err, errlen,
                   "unknown role '%s' (collector, coordinator, analyst, ministry or admin)",
                   name);
}

const char *auth_city_scope(const struct auth_principal *who)
{
    if (who->role == AUTH_COLLECTOR || who->role == AUTH_COORDINATOR)
        return who->scope;
    return NULL;
}

static void base64url(const unsigned char *in, size_t n, char *out)
{
    static const char abc[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0;
    size_t i = 0;

    for (; i + 3 <= n; i += 3) {
        unsigned long v = (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8 | in[i + 2];

        out[o++] = abc[v >> 18 & 63];
        out[o++] = abc[v >> 12 & 63];
        out[o++] = abc[v >> 6 & 63];
        out[o++] = abc[v & 63];
    }
    if (n - i == 1) {
        unsigned long v = (unsigned long)in[i] << 16;

        out[o++] = abc[v >> 18 & 63];
        out[o++] = abc[v >> 12 & 63];
    } else if (n - i == 2) {
        unsigned long v = (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8;

        out[o++] = abc[v >> 18 & 63];
        out[o++] = abc[v >> 12 & 63];
        out[o++] = abc[v >> 6 & 63];
    }
    out[o] = '\0';
}

int auth_token_generate(char out[AUTH_TOKEN_SIZE], char *err, size_t errlen)
{
    unsigned char rnd[TOKEN_RANDOM];
    size_t got = 0;

    while (got < sizeof rnd) {
        ssize_t n = getrandom(rnd + got, sizeof rnd - got, 0);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return err_set(err, errlen, "getrandom: %s", err_errno(errno));
        got += (size_t)n;
    }
    memcpy(out, TOKEN_PREFIX, sizeof TOKEN_PREFIX - 1);
    base64url(rnd, sizeof rnd, out + sizeof TOKEN_PREFIX - 1);
    return 0;
}

/* The token's hash as text for decode($1, 'hex'). */
static void token_hash_hex(const char *token, char hex[AUTH_HASH_SIZE])
{
    unsigned char d[SHA256_SIZE];

    sha256(token, strlen(token), d);
    sha256_hex(d, sizeof d, hex);
}

/* 1 when the registry (its snapshot, regsnap.h) has a city (city set) or
 * a network of that slug, 0 when not, -1 with err on a database error. */
static int scope_exists(PGconn *conn, int city, const char *scope, char *err, size_t errlen)
{
    struct regsnap *reg = NULL;
    int found;

    if (regsnap_load(conn, &reg, err, errlen) != 0)
        return -1;
    found = city ? regsnap_city(reg, scope) != NULL : regsnap_network(reg, scope) != NULL;
    regsnap_free(reg);
    return found;
}

static int check_scope(PGconn *conn, enum auth_role role, const char *scope, int *bad,
                       char *err, size_t errlen)
{
    int city = role == AUTH_COLLECTOR || role == AUTH_COORDINATOR;
    int found;

    *bad = 1;
    if (role == AUTH_MINISTRY || role == AUTH_ADMIN) {
        if (scope != NULL)
            return err_set(err, errlen, "role %s takes no --scope", auth_role_name(role));
        return 0;
    }
    if (scope == NULL || scope[0] == '\0')
        return err_set(err, errlen, "role %s needs --scope (%s)", auth_role_name(role),
                       city ? "a city slug" : "a network slug");
    if (strlen(scope) >= AUTH_SCOPE_MAX)
        return err_set(err, errlen, "scope '%.20s...' is too long", scope);
    found = scope_exists(conn, city, scope, err, errlen);
    if (found < 0) {
        *bad = 0;
        return -1;
    }
    if (!found)
        return err_set(err, errlen, "no %s '%s' in the registry (empirie registry list)",
                       city ? "city" : "network", scope);
    return 0;
}

static int check_label(const char *label, char *err, size_t errlen)
{
    size_t n = strlen(label);

    if (n > AUTH_LABEL_MAX)
        return err_set(err, errlen, "--label: at most %d bytes, got %zu", AUTH_LABEL_MAX, n);
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq((const unsigned char *)label + i, n - i);

        if (k == 0)
            return err_set(err, errlen, "--label: not valid UTF-8 text (byte %zu)", i + 1);
        if (k == 1 && (unsigned char)label[i] < 0x20)
            return err_set(err, errlen, "--label: control character at byte %zu", i + 1);
        i += k;
    }
    return 0;
}

int auth_token_issue(PGconn *conn, const struct auth_token_spec *spec,
                     char out[AUTH_TOKEN_SIZE], long long *id, int *bad, char *err,
                     size_t errlen)
{
    char token[AUTH_TOKEN_SIZE];
    char hex[AUTH_HASH_SIZE];
    const char *params[5];
    const char *label = spec->label != NULL ? spec->label : "";
    char idtext[24];
    int is_bad = 1, made;

    if (bad != NULL)
        *bad = 0;
    if (spec->role == AUTH_NONE) {
        err_set(err, errlen, "a token needs a role");
        goto fail;
    }
    if (check_label(label, err, errlen) != 0)
        goto fail;
    if (spec->expires != NULL && !jsonv_is_date(spec->expires)) {
        err_set(err, errlen, "--expires '%s': expected a date YYYY-MM-DD", spec->expires);
        goto fail;
    }
    if (check_scope(conn, spec->role, spec->scope, &is_bad, err, errlen) != 0)
        goto fail;
    is_bad = 0;
    if (auth_token_generate(token, err, errlen) != 0)
        goto fail;
    token_hash_hex(token, hex);
    params[0] = hex;
    params[1] = auth_role_name(spec->role);
    params[2] = spec->scope;
    params[3] = label;
    params[4] = spec->expires;
    /* no row: the expiry is not after today */
    made = db_value(conn,
                    "INSERT INTO api_token (hash, role, scope, label, expires_at) "
                    "SELECT decode($1, 'hex'), $2, $3, $4, $5::date::timestamptz "
                    "WHERE $5::date IS NULL OR $5::date > current_date RETURNING id",
                    5, params, idtext, sizeof idtext, err, errlen);
    if (made < 0)
        goto fail;
    if (made == 0) {
        is_bad = 1;
        err_set(err, errlen, "--expires %s: the date must be after today", spec->expires);
        goto fail;
    }
    if (id != NULL)
        *id = strtoll(idtext, NULL, 10);
    memcpy(out, token, sizeof token);
    return 0;
fail:
    if (bad != NULL)
        *bad = is_bad;
    return -1;
}

int auth_token_create(PGconn *conn, enum auth_role role, const char *scope,
                      char out[AUTH_TOKEN_SIZE], char *err, size_t errlen)
{
    struct auth_token_spec spec = { .role = role, .scope = scope };

    return auth_token_issue(conn, &spec, out, NULL, NULL, err, errlen);
}

int auth_token_list(PGconn *conn, int all, PGresult **res, char *err, size_t errlen)
{
    const char *params[1] = { all ? "t" : "f" };

    return db_exec(conn,
                   "SELECT id::text, label, role, coalesce(scope, ''), "
                   "created_at::date::text, coalesce(expires_at::date::text, ''), "
                   "coalesce(last_used_on::text, ''), coalesce(revoked_at::date::text, '') "
                   "FROM api_token WHERE $1::boolean OR (revoked_at IS NULL AND "
                   "(expires_at IS NULL OR expires_at > now())) ORDER BY id DESC",
                   1, params, res, NULL, err, errlen);
}

int auth_token_revoke(PGconn *conn, long long id, char hash[AUTH_HASH_SIZE], char *err,
                      size_t errlen)
{
    char idbuf[24], day[16];
    const char *params[1] = { idbuf };
    int found;

    snprintf(idbuf, sizeof idbuf, "%lld", id);
    found = db_value(conn,
                     "UPDATE api_token SET revoked_at = now() WHERE id = $1::bigint "
                     "AND revoked_at IS NULL RETURNING encode(hash, 'hex')",
                     1, params, hash, AUTH_HASH_SIZE, err, errlen);
    if (found != 0)
        return found;
    found = db_value(conn, "SELECT revoked_at::date::text FROM api_token WHERE id = $1::bigint",
                     1, params, day, sizeof day, err, errlen);
    if (found < 0)
        return -1;
    if (found == 0)
        err_set(err, errlen, "no token %lld (empirie token list --all)", id);
    else
        err_set(err, errlen, "token %lld was revoked already, on %s", id, day);
    return 0;
}

/* Cheap shape check so that garbage never reaches the database. */
static int token_shaped(const char *token)
{
    size_t n = strlen(token);

    if (n != AUTH_TOKEN_SIZE - 1 || strncmp(token, TOKEN_PREFIX, sizeof TOKEN_PREFIX - 1) != 0)
        return 0;
    for (size_t i = sizeof TOKEN_PREFIX - 1; i < n; i++) {
        char c = token[i];

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

int auth_token_hash(const char *token, char hash[AUTH_HASH_SIZE])
{
    if (token == NULL || !token_shaped(token))
        return 0;
    token_hash_hex(token, hash);
    return 1;
}

/*
 * One statement: the token's row, whether it is revoked or expired, and,
 * when it is live and was not used today yet, today as its day of last use
 * (an UPDATE at most once a day per token).
 */
static const char *const lookup_sql =
    "WITH t AS (SELECT hash, role, coalesce(scope, '') AS scope, "
    "revoked_at IS NOT NULL AS revoked, "
    "expires_at IS NOT NULL AND expires_at <= now() AS expired, last_used_on "
    "FROM api_token WHERE hash = decode($1, 'hex')), "
    "u AS (UPDATE api_token a SET last_used_on = current_date FROM t "
    "WHERE a.hash = t.hash AND NOT t.revoked AND NOT t.expired "
    "AND t.last_used_on IS DISTINCT FROM current_date RETURNING 1) "
    "SELECT role, scope, revoked, expired, (SELECT count(*) FROM u) FROM t";

int auth_lookup_hash(PGconn *conn, const char *hash, struct auth_principal *who, char *err,
                     size_t errlen)
{
    const char *params[1] = { hash };
    PGresult *res;
    enum auth_role role = AUTH_NONE;

    memset(who, 0, sizeof *who);
    who->refused = "unknown token";
    if (db_exec(conn, lookup_sql, 1, params, &res, NULL, err, errlen) != 0)
        return -1;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return 0;
    }
    if (strcmp(PQgetvalue(res, 0, 2), "t") == 0 || strcmp(PQgetvalue(res, 0, 3), "t") == 0) {
        who->refused = strcmp(PQgetvalue(res, 0, 2), "t") == 0 ? "the token was revoked"
                                                                : "the token expired";
        PQclear(res);
        return 0;
    }
    if (auth_role_parse(PQgetvalue(res, 0, 0), &role, err, errlen) != 0) {
        PQclear(res);
        return -1;
    }
    who->role = role;
    who->refused = "";
    snprintf(who->scope, sizeof who->scope, "%s", PQgetvalue(res, 0, 1));
    snprintf(who->hash, sizeof who->hash, "%s", hash);
    PQclear(res);
    return 1;
}

const char *auth_bearer(const char *header)
{
    if (header == NULL || strncasecmp(header, "Bearer ", 7) != 0)
        return NULL;
    header += 7;
    while (*header == ' ')
        header++;
    return *header != '\0' ? header : NULL;
}
