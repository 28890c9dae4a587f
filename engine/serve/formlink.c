#include "formlink.h"

#include "db.h"
#include "err.h"
#include "regsnap.h"
#include "sha256.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* An int that PostgreSQL returned as text (an id): 0, or -1
 * with err set when it is not one. */
static int pg_int(const char *text, int *out, char *err, size_t errlen)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < 0 || v > 2147483647L)
        return err_set(err, errlen, "database: expected a whole number, got \"%.40s\"", text);
    *out = (int)v;
    return 0;
}

/* Crockford's base32: no I, L, O or U. */
static const char code_abc[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* A new link's row: $1 its key's hash (hex), then survey, wave, city, label,
 * the window's two dates (NULL: the wave's) and whether it has codes. */
static const char *const insert_link_sql =
    "INSERT INTO form_link (key_hash, survey, wave, city, label, opens_on, closes_on,"
    " with_codes) VALUES (decode($1, 'hex'), $2, $3, $4, $5, $6::date, $7::date,"
    " $8::boolean) RETURNING id";

/* The link of a key's hash ($1, hex): id, survey, wave, city, the window in
 * force, with_codes and its state as of the database's current_date. */
static const char *const lookup_sql =
    "SELECT l.id, l.survey, l.wave, l.city, coalesce(l.opens_on, w.opens_on),"
    " coalesce(l.closes_on, w.closes_on), l.with_codes,"
    " CASE WHEN l.closed THEN 'closed'"
    "  WHEN current_date < coalesce(l.opens_on, w.opens_on) THEN 'early'"
    "  WHEN current_date > coalesce(l.closes_on, w.closes_on) THEN 'ended'"
    "  ELSE 'open' END"
    " FROM form_link l JOIN wave w ON w.survey = l.survey AND w.label = l.wave"
    " WHERE l.key_hash = decode($1, 'hex')";

int formlink_random(void *buf, size_t n, char *err, size_t errlen)
{
    size_t got = 0;

    while (got < n) {
        ssize_t k = getrandom((char *)buf + got, n - got, 0);

        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return err_set(err, errlen, "getrandom: %s", err_errno(errno));
        got += (size_t)k;
    }
    return 0;
}

static int key_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
}

int formlink_key_hash(const char *key, char hash[FORMLINK_HASH_SIZE])
{
    unsigned char d[SHA256_SIZE];
    size_t n = key != NULL ? strlen(key) : 0;

    if (n != FORMLINK_KEY_CHARS)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!key_char(key[i]))
            return 0;
    sha256(key, n, d);
    sha256_hex(d, sizeof d, hash);
    return 1;
}

static void new_key(const unsigned char rnd[24], char key[FORMLINK_KEY_SIZE])
{
    static const char abc[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0;

    for (size_t i = 0; i < 24; i += 3) {
        unsigned v = (unsigned)rnd[i] << 16 | (unsigned)rnd[i + 1] << 8 | rnd[i + 2];

        key[o++] = abc[v >> 18 & 63];
        key[o++] = abc[v >> 12 & 63];
        key[o++] = abc[v >> 6 & 63];
        key[o++] = abc[v & 63];
    }
    key[o] = '\0';
}

int formlink_code_normalize(const char *in, char out[FORMLINK_CODE_CHARS + 1])
{
    size_t o = 0;

    for (const char *p = in; *p != '\0'; p++) {
        char c = *p;

        if (c == ' ' || c == '-' || c == '\t')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c == 'O')
            c = '0';
        else if (c == 'I' || c == 'L')
            c = '1';
        if (c == '\0' || strchr(code_abc, c) == NULL || o == FORMLINK_CODE_CHARS)
            return -1;
        out[o++] = c;
    }
    if (o != FORMLINK_CODE_CHARS)
        return -1;
    out[o] = '\0';
    return 0;
}

void formlink_code_hash(int id, const char *canonical, char hash[FORMLINK_HASH_SIZE])
{
    unsigned char d[SHA256_SIZE];
    char text[64];
    int n = snprintf(text, sizeof text, "empirie-code:%d:%s", id, canonical);

    sha256(text, n > 0 ? (size_t)n : 0, d);
    sha256_hex(d, sizeof d, hash);
}

/* ncodes distinct random codes, printed form into codes, hashes of link id
 * as a PostgreSQL text[] literal into *array (malloc'd). */
static int new_codes(int id, size_t ncodes, char *codes, char **array, char *err, size_t errlen)
{
    char (*canon)[FORMLINK_CODE_CHARS + 1] = calloc(ncodes ? ncodes : 1, sizeof *canon);
    char *lit = malloc(ncodes * (FORMLINK_HASH_SIZE + 1) + 3);
    size_t o = 0;

    *array = NULL;
    if (canon == NULL || lit == NULL) {
        free(canon);
        free(lit);
        return err_set(err, errlen, "out of memory");
    }
    lit[o++] = '{';
    for (size_t i = 0; i < ncodes; i++) {
        unsigned char rnd[FORMLINK_CODE_CHARS];
        char hash[FORMLINK_HASH_SIZE];
        int again;

        do {
            if (formlink_random(rnd, sizeof rnd, err, errlen) != 0) {
                free(canon);
                free(lit);
                return -1;
            }
            for (size_t k = 0; k < FORMLINK_CODE_CHARS; k++)
                canon[i][k] = code_abc[rnd[k] & 31];
            canon[i][FORMLINK_CODE_CHARS] = '\0';
            again = 0;
            for (size_t j = 0; j < i && !again; j++)
                again = strcmp(canon[j], canon[i]) == 0;
        } while (again);
        snprintf(codes + i * FORMLINK_CODE_SIZE, FORMLINK_CODE_SIZE, "%.5s-%.5s", canon[i],
                 canon[i] + 5);
        formlink_code_hash(id, canon[i], hash);
        if (i > 0)
            lit[o++] = ',';
        memcpy(lit + o, hash, FORMLINK_HASH_SIZE - 1);
        o += FORMLINK_HASH_SIZE - 1;
    }
    lit[o++] = '}';
    lit[o] = '\0';
    free(canon);
    *array = lit;
    return 0;
}

static int known(PGconn *conn, const char *sql, int n, const char *const *params, int *found,
                 char *err, size_t errlen)
{
    PGresult *res;

    if (db_exec(conn, sql, n, params, &res, NULL, err, errlen) != 0)
        return -1;
    *found = PQntuples(res) > 0;
    PQclear(res);
    return 0;
}

static int check_new(PGconn *conn, const struct formlink_new *nl, char *err, size_t errlen)
{
    const char *p2[2] = { nl->survey, nl->wave };
    struct regsnap *reg = NULL;
    int found;

    if (nl->ncodes > FORMLINK_MAX_CODES)
        return err_set(err, errlen, "--codes: at most %d codes per link, got %zu",
                       FORMLINK_MAX_CODES, nl->ncodes);
    if (known(conn, "SELECT 1 FROM wave WHERE survey = $1 AND label = $2", 2, p2, &found, err,
              errlen) != 0)
        return -1;
    if (!found)
        return err_set(err, errlen, "survey \"%s\" has no wave \"%s\" (see 'empirie registry "
                       "list')", nl->survey, nl->wave);
    /* the city from the registry snapshot every reader uses (regsnap.h);
     * form_link's foreign key to city keeps a city removed since out */
    if (regsnap_load(conn, &reg, err, errlen) != 0)
        return -1;
    found = regsnap_city(reg, nl->city) != NULL;
    regsnap_free(reg);
    if (!found)
        return err_set(err, errlen, "unknown city \"%s\" (expected a city slug of the registry)",
                       nl->city);
    return 0;
}

int formlink_create(PGconn *conn, const struct formlink_new *nl, int *id,
                    char key[FORMLINK_KEY_SIZE], char *codes, char *err, size_t errlen)
{
    unsigned char rnd[24];
    char hash[FORMLINK_HASH_SIZE], idtext[16];
    char *array = NULL;
    const char *params[8] = { hash, nl->survey, nl->wave, nl->city, nl->label, nl->opens_on,
                              nl->closes_on, nl->ncodes > 0 ? "t" : "f" };

    if (check_new(conn, nl, err, errlen) != 0 || formlink_random(rnd, sizeof rnd, err, errlen) != 0)
        return -1;
    new_key(rnd, key);
    formlink_key_hash(key, hash);
    if (db_begin(conn, err, errlen) != 0)
        return -1;
    if (db_value(conn, insert_link_sql, 8, params, idtext, sizeof idtext, err, errlen) < 0 ||
        pg_int(idtext, id, err, errlen) != 0)
        goto fail;
    if (nl->ncodes > 0) {
        snprintf(idtext, sizeof idtext, "%d", *id);
        if (new_codes(*id, nl->ncodes, codes, &array, err, errlen) != 0)
            goto fail;
        if (db_exec(conn,
                    "INSERT INTO form_code_set (link, unused) VALUES ($1::int,"
                    " ARRAY(SELECT h FROM unnest($2::text[]) AS h ORDER BY h COLLATE \"C\"))",
                    2, (const char *const[]){ idtext, array }, NULL, NULL, err, errlen) != 0)
            goto fail;
        free(array);
        array = NULL;
    }
    if (db_commit(conn, err, errlen) != 0)
        goto fail;
    return 0;
fail:
    free(array);
    db_rollback(conn);
    memset(key, 0, FORMLINK_KEY_SIZE);
    return -1;
}

int formlink_close(PGconn *conn, int id, char *err, size_t errlen)
{
    char idtext[16];
    const char *params[1] = { idtext };
    long n;

    snprintf(idtext, sizeof idtext, "%d", id);
    if (db_exec_rows(conn, "UPDATE form_link SET closed = true WHERE id = $1::int", 1, params,
                     &n, err, errlen) != 0)
        return -1;
    if (n != 1)
        return err_set(err, errlen, "no link with id %d (see 'empirie link list')", id);
    return 0;
}

int formlink_lookup(PGconn *conn, const char *hash, struct formlink *out, char *err,
                    size_t errlen)
{
    const char *params[1] = { hash };
    PGresult *res;
    const char *state;

    memset(out, 0, sizeof *out);
    if (db_exec(conn, lookup_sql, 1, params, &res, NULL, err, errlen) != 0)
        return -1;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return 0;
    }
    if (pg_int(PQgetvalue(res, 0, 0), &out->id, err, errlen) != 0) {
        PQclear(res);
        return -1;
    }
    snprintf(out->survey, sizeof out->survey, "%s", PQgetvalue(res, 0, 1));
    snprintf(out->wave, sizeof out->wave, "%s", PQgetvalue(res, 0, 2));
    snprintf(out->city, sizeof out->city, "%s", PQgetvalue(res, 0, 3));
    snprintf(out->opens_on, sizeof out->opens_on, "%s", PQgetvalue(res, 0, 4));
    snprintf(out->closes_on, sizeof out->closes_on, "%s", PQgetvalue(res, 0, 5));
    out->with_codes = strcmp(PQgetvalue(res, 0, 6), "t") == 0;
    state = PQgetvalue(res, 0, 7);
    out->state = strcmp(state, "closed") == 0  ? FORMLINK_CLOSED
                 : strcmp(state, "early") == 0 ? FORMLINK_NOT_YET_OPEN
                 : strcmp(state, "ended") == 0 ? FORMLINK_ENDED
                                               : FORMLINK_OPEN;
    PQclear(res);
    return 1;
}

int formlink_code_use(PGconn *conn, int id, const char *hash, enum formlink_code_outcome *outcome,
                      char *err, size_t errlen)
{
    char idtext[16], used[8];
    const char *params[2] = { idtext, hash };
    long n;
    int found;

    snprintf(idtext, sizeof idtext, "%d", id);
    /* Both arrays re-sorted: the row never shows the order of use. */
    if (db_exec_rows(conn,
                     "UPDATE form_code_set SET unused = array_remove(unused, $2),"
                     " used = ARRAY(SELECT h FROM unnest(used || $2::text) AS h"
                     " ORDER BY h COLLATE \"C\") WHERE link = $1::int AND $2 = ANY (unused)",
                     2, params, &n, err, errlen) != 0)
        return -1;
    if (n == 1) {
        *outcome = FORMLINK_CODE_ACCEPTED;
        return 0;
    }
    found = db_value(conn, "SELECT $2 = ANY (used) FROM form_code_set WHERE link = $1::int", 2,
                     params, used, sizeof used, err, errlen);
    if (found < 0)
        return -1;
    *outcome = found == 1 && strcmp(used, "t") == 0 ? FORMLINK_CODE_USED : FORMLINK_CODE_UNKNOWN;
    return 0;
}
