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
 * Roles (docs/api.md): a collector submits responses for one city (scope =
 * a city slug); an analyst reads one network (scope = a network slug); the
 * ministry reads aggregates only; an admin may do everything.
 */
#ifndef EMPIRIE_AUTH_H
#define EMPIRIE_AUTH_H

#include <libpq-fe.h>
#include <stddef.h>

enum auth_role { AUTH_NONE = 0, AUTH_COLLECTOR, AUTH_ANALYST, AUTH_MINISTRY, AUTH_ADMIN };

/* "emp_" + 43 characters + NUL. */
#define AUTH_TOKEN_SIZE 48
#define AUTH_SCOPE_MAX 64

/* The hex SHA-256 of a token (what api_token keeps, as hex) + NUL. */
#define AUTH_HASH_SIZE 65

struct auth_principal {
    enum auth_role role;
    char scope[AUTH_SCOPE_MAX];   /* city or network slug; "" when the role has none */
    char hash[AUTH_HASH_SIZE];    /* the token's hash, hex */
};

/* "collector", ...; "none" for AUTH_NONE. */
const char *auth_role_name(enum auth_role role);

/* Parses a role name. Returns -1 (with a message listing the roles) when unknown. */
int auth_role_parse(const char *name, enum auth_role *out, char *err, size_t errlen);

/* A new random token into out (AUTH_TOKEN_SIZE bytes). Fails only when the
 * system has no randomness to give. */
int auth_token_generate(char out[AUTH_TOKEN_SIZE], char *err, size_t errlen);

/*
 * Checks the scope against the role and the registry (a collector's scope
 * must be a city in table city, an analyst's a network; the other roles take
 * none), creates a token and stores its hash. The token is written to out
 * only on success.
 */
int auth_token_create(PGconn *conn, enum auth_role role, const char *scope,
                      char out[AUTH_TOKEN_SIZE], char *err, size_t errlen);

/*
 * Looks a presented token up by its hash (auth_token_hash). Returns 1 and
 * fills *who when it is known, 0 when it is not, -1 on a database error
 * (err filled; the caller checks the connection).
 */
int auth_lookup_hash(PGconn *conn, const char *hash, struct auth_principal *who, char *err,
                     size_t errlen);

/* The hex SHA-256 of a token into hash. Returns 0 (hash untouched) when
 * token is NULL or not shaped like a token, else 1. */
int auth_token_hash(const char *token, char hash[AUTH_HASH_SIZE]);

/* The token in an Authorization header value "Bearer TOKEN", or NULL. */
const char *auth_bearer(const char *header);

#endif
