/*
 * auth: API tokens and what they allow.
 *
 * A token is "emp_" followed by 43 base64url characters (32 random bytes
 * from getrandom). It is shown once, when created; the database keeps only
 * its SHA-256 (table api_token), so a leaked dump holds no usable token.
 * Lookups hash the presented token and search by hash. The daemon keeps
 * recent lookups in a cache (tokencache.h) to admit submissions without a
 * round trip, and checks the token again in the transaction that stores
 * them (ingest_group), so deleting a row still revokes the token for every
 * submission stored after the deletion committed.
 *
 * A token has a number (api_token.id, what `token list` shows and `token
 * revoke` takes), a label, an optional expiry and a revocation time; it is
 * refused from its expiry or revocation on, by every route: the lookup
 * checks both, and so does the statement that stores submissions.
 *
 * Roles (docs/api.md): a collector submits responses for one city (scope =
 * a city slug); a coordinator works for one city (scope = a city slug):
 * submits for it and reads its figures; an analyst reads one network (scope
 * = a network slug); the ministry reads aggregates only; an admin may do
 * everything.
 */
#ifndef EMPIRIE_AUTH_H
#define EMPIRIE_AUTH_H

#include <libpq-fe.h>
#include <stddef.h>

enum auth_role {
    AUTH_NONE = 0,
    AUTH_COLLECTOR,
    AUTH_COORDINATOR,
    AUTH_ANALYST,
    AUTH_MINISTRY,
    AUTH_ADMIN,
};

#define AUTH_LABEL_MAX 200

/* "emp_" + 43 characters + NUL. */
#define AUTH_TOKEN_SIZE 48
#define AUTH_SCOPE_MAX 64

/* The hex SHA-256 of a token (what api_token keeps, as hex) + NUL. */
#define AUTH_HASH_SIZE 65

struct auth_principal {
    enum auth_role role;
    char scope[AUTH_SCOPE_MAX];   /* city or network slug; "" when the role has none */
    char hash[AUTH_HASH_SIZE];    /* the token's hash, hex */
    /* when a lookup refuses the token: why ("unknown token", "the token was
     * revoked", "the token expired"); else "" */
    const char *refused;
};

/* The city a principal may submit for (collector, coordinator), else NULL. */
const char *auth_city_scope(const struct auth_principal *who);

/* "collector", ...; "none" for AUTH_NONE. */
const char *auth_role_name(enum auth_role role);

/* Parses a role name. Returns -1 (with a message listing the roles) when unknown. */
int auth_role_parse(const char *name, enum auth_role *out, char *err, size_t errlen);

/* A new random token into out (AUTH_TOKEN_SIZE bytes). Fails only when the
 * system has no randomness to give. */
int auth_token_generate(char out[AUTH_TOKEN_SIZE], char *err, size_t errlen);

/* What a new token is: role, scope (NULL for none), label (NULL: ""),
 * expires (NULL: never; else a date YYYY-MM-DD, refused from its start). */
struct auth_token_spec {
    enum auth_role role;
    const char *scope;
    const char *label;
    const char *expires;
};

/*
 * Checks the scope against the role and the registry (a collector's or a
 * coordinator's scope must be a city in table city, an analyst's a network;
 * the other roles take none), the label (at most AUTH_LABEL_MAX bytes of
 * UTF-8) and the expiry (a date after today), creates a token and stores its
 * hash. The token is written to out, and its number to *id (may be NULL),
 * only on success. Returns 0, -1 with err for a bad spec or a database
 * error; *bad (may be NULL) is set when the spec was at fault.
 */
int auth_token_issue(PGconn *conn, const struct auth_token_spec *spec,
                     char out[AUTH_TOKEN_SIZE], long long *id, int *bad, char *err,
                     size_t errlen);

/* auth_token_issue without label or expiry. */
int auth_token_create(PGconn *conn, enum auth_role role, const char *scope,
                      char out[AUTH_TOKEN_SIZE], char *err, size_t errlen);

/*
 * The tokens, newest first: columns id, label, role, scope ('' for none),
 * created (date), expires (date or ''), last_used (date or ''), revoked
 * (date or ''), all text. all: also revoked and expired ones. The caller
 * PQclears *res. 0, or -1 with err.
 */
int auth_token_list(PGconn *conn, int all, PGresult **res, char *err, size_t errlen);

/*
 * Revokes token number id at once. Returns 1 (its hash into hash, for the
 * daemon's cache), 0 when there is no such live token (err says whether it
 * is unknown or was revoked already), -1 on a database error.
 */
int auth_token_revoke(PGconn *conn, long long id, char hash[AUTH_HASH_SIZE], char *err,
                      size_t errlen);

/*
 * Looks a presented token up by its hash (auth_token_hash). Returns 1 and
 * fills *who when it is known and live (and notes today as its day of last
 * use), 0 when it is unknown, revoked or expired (who->refused says which),
 * -1 on a database error (err filled; the caller checks the connection).
 */
int auth_lookup_hash(PGconn *conn, const char *hash, struct auth_principal *who, char *err,
                     size_t errlen);

/* The hex SHA-256 of a token into hash. Returns 0 (hash untouched) when
 * token is NULL or not shaped like a token, else 1. */
int auth_token_hash(const char *token, char hash[AUTH_HASH_SIZE]);

/* The token in an Authorization header value "Bearer TOKEN", or NULL. */
const char *auth_bearer(const char *header);

#endif
