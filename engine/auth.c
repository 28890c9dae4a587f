#include "auth.h"

#include "db.h"
#include "err.h"
#include "sha256.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#define TOKEN_PREFIX "emp_"
#define TOKEN_RANDOM 32

static const char *const role_names[] = { "none", "collector", "analyst", "ministry", "admin" };

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
    return err_set(err, errlen, "unknown role '%s' (collector, analyst, ministry or admin)",
                   name);
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
            return err_set(err, errlen, "getrandom: %s", strerror(errno));
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

static int scope_exists(PGconn *conn, const char *table_sql, const char *scope, char *err,
                        size_t errlen)
{
    const char *params[1] = { scope };
    PGresult *res;
    int found;

    if (db_exec(conn, table_sql, 1, params, &res, NULL, err, errlen) != 0)
        return -1;
    found = PQntuples(res) > 0;
    PQclear(res);
    return found;
}

static int check_scope(PGconn *conn, enum auth_role role, const char *scope, char *err,
                       size_t errlen)
{
    int found;

    if (role == AUTH_MINISTRY || role == AUTH_ADMIN) {
        if (scope != NULL)
            return err_set(err, errlen, "role %s takes no --scope", auth_role_name(role));
        return 0;
    }
    if (scope == NULL || scope[0] == '\0')
        return err_set(err, errlen, "role %s needs --scope (%s)", auth_role_name(role),
                       role == AUTH_COLLECTOR ? "a city slug" : "a network slug");
    if (strlen(scope) >= AUTH_SCOPE_MAX)
        return err_set(err, errlen, "scope '%.20s...' is too long", scope);
    if (role == AUTH_COLLECTOR)
        found = scope_exists(conn, "SELECT 1 FROM city WHERE slug = $1", scope, err, errlen);
    else
        found = scope_exists(conn, "SELECT 1 FROM network WHERE slug = $1", scope, err, errlen);
    if (found < 0)
        return -1;
    if (!found)
        return err_set(err, errlen, "no %s '%s' in the registry (empirie registry list)",
                       role == AUTH_COLLECTOR ? "city" : "network", scope);
    return 0;
}

int auth_token_create(PGconn *conn, enum auth_role role, const char *scope,
                      char out[AUTH_TOKEN_SIZE], char *err, size_t errlen)
{
    char token[AUTH_TOKEN_SIZE];
    char hex[AUTH_HASH_SIZE];
    const char *params[3];

    if (role == AUTH_NONE)
        return err_set(err, errlen, "a token needs a role");
    if (check_scope(conn, role, scope, err, errlen) != 0)
        return -1;
    if (auth_token_generate(token, err, errlen) != 0)
        return -1;
    token_hash_hex(token, hex);
    params[0] = hex;
    params[1] = auth_role_name(role);
    params[2] = scope;
    if (db_exec(conn,
                "INSERT INTO api_token (hash, role, scope) VALUES (decode($1, 'hex'), $2, $3)", 3,
                params, NULL, NULL, err, errlen) != 0)
        return -1;
    memcpy(out, token, sizeof token);
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

int auth_lookup_hash(PGconn *conn, const char *hash, struct auth_principal *who, char *err,
                     size_t errlen)
{
    const char *params[1] = { hash };
    PGresult *res;
    enum auth_role role = AUTH_NONE;

    memset(who, 0, sizeof *who);
    if (db_exec(conn, "SELECT role, coalesce(scope, '') FROM api_token "
                      "WHERE hash = decode($1, 'hex')",
                1, params, &res, NULL, err, errlen) != 0)
        return -1;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return 0;
    }
    if (auth_role_parse(PQgetvalue(res, 0, 0), &role, err, errlen) != 0) {
        PQclear(res);
        return -1;
    }
    who->role = role;
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
