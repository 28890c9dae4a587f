/*
 * formlink: links to the respondent's form (/s/<key>) and their single-use
 * access codes (migration 0015, docs/form.md, docs/privacy.md "Form codes").
 *
 * A key is 32 base64url characters (24 random bytes from getrandom, 192
 * bits), shown once when the link is made; only its SHA-256 is stored, and
 * it is never logged. A code is 10 characters of Crockford's base32 (50
 * bits), printed as XXXXX-XXXXX; only SHA-256("empirie-code:" link ":" code)
 * is stored, in the link's one row of form_code_set, whose arrays are kept
 * sorted by hash, so nothing stored tells which code went with which
 * response.
 */
#ifndef EMPIRIE_FORMLINK_H
#define EMPIRIE_FORMLINK_H

#include <libpq-fe.h>
#include <stddef.h>

#define FORMLINK_KEY_CHARS 32
#define FORMLINK_KEY_SIZE (FORMLINK_KEY_CHARS + 1)
#define FORMLINK_CODE_CHARS 10
/* "XXXXX-XXXXX" + NUL */
#define FORMLINK_CODE_SIZE 12
#define FORMLINK_HASH_SIZE 65
/* The most codes one link may have. */
#define FORMLINK_MAX_CODES 20000

struct formlink_new {
    const char *survey, *wave, *city;
    const char *label;      /* NULL: none */
    const char *opens_on;   /* YYYY-MM-DD, NULL: the wave's */
    const char *closes_on;  /* YYYY-MM-DD, NULL: the wave's */
    size_t ncodes;          /* 0: a link without codes */
};

enum formlink_state { FORMLINK_OPEN, FORMLINK_NOT_YET_OPEN, FORMLINK_ENDED, FORMLINK_CLOSED };

struct formlink {
    int id;
    char survey[64], wave[64], city[64];
    char opens_on[11], closes_on[11];   /* the window in force */
    int with_codes;
    enum formlink_state state;          /* as of the database's current_date */
};

/* n random bytes; -1 with err when the system has no randomness. */
int formlink_random(void *buf, size_t n, char *err, size_t errlen);

/* The hex SHA-256 of a presented key; 0 (hash untouched) when the key is
 * not shaped like one (then it is never looked up). */
int formlink_key_hash(const char *key, char hash[FORMLINK_HASH_SIZE]);

/* Checks survey, wave and city against the database, makes the link and its
 * codes in one transaction. key receives the key; codes (ncodes *
 * FORMLINK_CODE_SIZE bytes, may be NULL when ncodes is 0) the codes as
 * printed; *id the link's id. */
int formlink_create(PGconn *conn, const struct formlink_new *nl, int *id,
                    char key[FORMLINK_KEY_SIZE], char *codes, char *err, size_t errlen);

/* Closes link id for good. -1 with err when there is no such link. */
int formlink_close(PGconn *conn, int id, char *err, size_t errlen);

/* Looks the link up by key hash: 1 and *out filled when found, 0 when not,
 * -1 on a database error. */
int formlink_lookup(PGconn *conn, const char *hash, struct formlink *out, char *err,
                    size_t errlen);

/* A code as typed (any case, spaces and dashes, O for 0, I and L for 1) in
 * canonical form (10 characters) into out; -1 when it is not one. */
int formlink_code_normalize(const char *in, char out[FORMLINK_CODE_CHARS + 1]);

/* The stored hash of a canonical code of link id. */
void formlink_code_hash(int id, const char *canonical, char hash[FORMLINK_HASH_SIZE]);

enum formlink_code_outcome { FORMLINK_CODE_ACCEPTED, FORMLINK_CODE_USED, FORMLINK_CODE_UNKNOWN };

/* Uses the code (hash) of link id, inside the caller's transaction (the
 * link's row stays locked until it ends): *outcome says whether it was
 * accepted (moved to used), already used, or is not one of the link's. */
int formlink_code_use(PGconn *conn, int id, const char *hash, enum formlink_code_outcome *outcome,
                      char *err, size_t errlen);

#endif
