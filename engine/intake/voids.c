#include "voids.h"

#include "db.h"
#include "dynarr.h"
#include "err.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int voids_is_uuid(const char *s)
{
    if (strlen(s) != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return 0;
        } else if (!isxdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

static void free_ids(char **ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
}

int voids_read_ids(const char *path, char ***out, size_t *nout, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    char **ids = NULL, **grown;
    size_t n = 0, cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    long lineno = 0;
    ssize_t len;

    *out = NULL;
    *nout = 0;
    if (f == NULL)
        return err_set(err, errlen, "--ids %s: %s", path, err_errno(errno));
    for (len = getline(&line, &lcap, f); len >= 0; len = getline(&line, &lcap, f)) {
        char *s = line, *e;

        lineno++;
        while (*s == ' ' || *s == '\t')
            s++;
        e = s + strlen(s);
        while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
            *--e = '\0';
        if (lineno == 1 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB &&
            (unsigned char)s[2] == 0xBF)
            s += 3;   /* a byte order mark */
        if (*s == '\0' || *s == '#')
            continue;
        if (!voids_is_uuid(s)) {
            err_set(err, errlen, "--ids %s, line %ld: '%.40s' is not a response id (a UUID, "
                                 "e.g. 6f1c2a9e-3b4d-4e5f-8a7b-1c2d3e4f5a6b)",
                    path, lineno, s);
            goto fail;
        }
        grown = dynarr_reserve(ids, &cap, n + 1, sizeof *ids);
        if (grown == NULL)
            goto oom;
        ids = grown;
        ids[n] = strdup(s);
        if (ids[n] == NULL)
            goto oom;
        for (char *p = ids[n]; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        n++;
    }
    if (ferror(f)) {
        err_set(err, errlen, "--ids %s: %s", path, err_errno(errno));
        goto fail;
    }
    if (n == 0) {
        err_set(err, errlen, "--ids %s: no response ids in the file", path);
        goto fail;
    }
    free(line);
    fclose(f);
    *out = ids;
    *nout = n;
    return 0;
oom:
    err_set(err, errlen, "out of memory");
fail:
    free(line);
    fclose(f);
    free_ids(ids, n);
    return -1;
}

/* "{a,b,c}" for a uuid[] parameter (the ids are checked UUIDs). */
static char *id_array(const char *const *ids, size_t n)
{
    char *s = malloc(n * 37 + 3);
    size_t o = 0;

    if (s == NULL)
        return NULL;
    s[o++] = '{';
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            s[o++] = ',';
        memcpy(s + o, ids[i], 36);
        o += 36;
    }
    s[o++] = '}';
    s[o] = '\0';
    return s;
}

/* The first row's first column as a long (0 when none). */
static int one_long(PGconn *conn, const char *sql, int n, const char *const *params, long *out,
                    char *err, size_t errlen)
{
    char v[32];
    int rc = db_value(conn, sql, n, params, v, sizeof v, err, errlen);

    if (rc < 0)
        return -1;
    *out = v[0] != '\0' ? strtol(v, NULL, 10) : 0;   /* no row, or NULL: "" */
    return 0;
}

/* 0 when survey, wave and city exist; 2 with err naming the one missing. */
static int check_names(PGconn *conn, const struct voids_spec *s, char *err, size_t errlen)
{
    const char *p2[2] = { s->survey, s->wave };
    long n = 0;

    if (one_long(conn, "SELECT count(*) FROM survey WHERE slug = $1", 1, p2, &n, err,
                 errlen) != 0)
        return -1;
    if (n == 0) {
        err_set(err, errlen, "no survey '%s' (empirie registry list)", s->survey);
        return 2;
    }
    if (one_long(conn, "SELECT count(*) FROM wave WHERE survey = $1 AND label = $2", 2, p2, &n,
                 err, errlen) != 0)
        return -1;
    if (n == 0) {
        PGresult *res;

        if (db_exec(conn, "SELECT coalesce(string_agg(label, ', ' ORDER BY opens_on), '') "
                          "FROM wave WHERE survey = $1",
                    1, p2, &res, NULL, err, errlen) != 0)
            return -1;
        err_set(err, errlen, "survey '%s' has no wave '%s' (its waves: %s)", s->survey, s->wave,
                PQgetvalue(res, 0, 0));
        PQclear(res);
        return 2;
    }
    /* One row, not the registry snapshot (regsnap.h) every other reader
     * uses: this check runs inside the void's transaction, beside the
     * survey's and the wave's, so it sees the registry as the audit record
     * and the void rows written next do (a snapshot read before would not
     * be part of the transaction), and reading every city, network and
     * membership to answer one slug buys nothing here. */
    p2[0] = s->city;
    if (one_long(conn, "SELECT count(*) FROM city WHERE slug = $1", 1, p2, &n, err, errlen) != 0)
        return -1;
    if (n == 0) {
        err_set(err, errlen, "no city '%s' in the registry (empirie registry list)", s->city);
        return 2;
    }
    return 0;
}

/* The audit row's count of responses (voided or restored) set to n, then
 * the transaction committed. */
static int count_and_commit(PGconn *conn, const char *audit, long n, char *err, size_t errlen)
{
    char count[24];

    snprintf(count, sizeof count, "%ld", n);
    if (db_exec(conn, "UPDATE response_void_audit SET responses = $2::int WHERE id = $1::bigint",
                2, (const char *const[]){ audit, count }, NULL, NULL, err, errlen) != 0)
        return -1;
    return db_commit(conn, err, errlen);
}

int voids_apply(PGconn *conn, const struct voids_spec *s, long long *audit,
                long *voided, long *already, char *err, size_t errlen)
{
    char *ids = NULL;
    char auditbuf[24];
    const char *params[6];
    PGresult *res;
    long n = 0;
    int rc = -1;

    *audit = 0;
    *voided = *already = 0;
    if (s->reason == NULL || s->reason[0] == '\0')
        return err_set(err, errlen, "a void needs --reason"), 2;
    if ((s->ids == NULL) == (s->received_before == NULL))
        return err_set(err, errlen, "give --ids FILE or --received-before DATE"), 2;
    if (s->ids != NULL)
        ids = id_array(s->ids, s->nids);
    if (s->ids != NULL && ids == NULL)
        return err_set(err, errlen, "out of memory");
    if (db_begin(conn, err, errlen) != 0)
        goto done;
    rc = check_names(conn, s, err, errlen);
    if (rc != 0)
        goto done;
    rc = -1;
    params[0] = s->survey;
    params[1] = s->wave;
    params[2] = s->city;
    params[3] = ids;
    params[4] = s->received_before;
    if (ids != NULL) {
        /* every id must be a response of that city and wave */
        if (db_exec(conn,
                    "SELECT x::text, count(*) OVER () FROM (SELECT DISTINCT unnest($4::uuid[]) "
                    "AS x) u WHERE NOT EXISTS (SELECT 1 FROM response r WHERE r.city = $3 "
                    "AND r.id = u.x AND r.survey = $1 AND r.wave = $2) ORDER BY 1 LIMIT 1",
                    4, params, &res, NULL, err, errlen) != 0)
            goto done;
        if (PQntuples(res) > 0) {
            err_set(err, errlen, "%s id%s of the file %s no response of %s in wave %s of %s "
                                 "(e.g. %s)",
                    PQgetvalue(res, 0, 1), strcmp(PQgetvalue(res, 0, 1), "1") == 0 ? "" : "s",
                    strcmp(PQgetvalue(res, 0, 1), "1") == 0 ? "is" : "are", s->city, s->wave,
                    s->survey, PQgetvalue(res, 0, 0));
            PQclear(res);
            rc = 1;
            goto done;
        }
        PQclear(res);
        if (one_long(conn, "SELECT count(DISTINCT id) FROM response_void WHERE city = $1 "
                           "AND id = ANY($2::uuid[])",
                     2, params + 2, already, err, errlen) != 0)
            goto done;
    }
    if (db_value(conn,
                 "INSERT INTO response_void_audit (action, survey, wave, city, reason, os_user, "
                 "responses) VALUES ('void', $1, $2, $3, $4, $5, 0) RETURNING id",
                 5, (const char *const[]){ s->survey, s->wave, s->city, s->reason, s->who },
                 auditbuf, sizeof auditbuf, err, errlen) < 0)
        goto done;
    *audit = strtoll(auditbuf, NULL, 10);
    params[5] = auditbuf;
    if (one_long(conn,
                 "WITH ins AS (INSERT INTO response_void (city, id, audit) "
                 "SELECT r.city, r.id, $6::bigint FROM response r WHERE r.survey = $1 "
                 "AND r.wave = $2 AND r.city = $3 "
                 "AND ($4::uuid[] IS NULL OR r.id = ANY($4::uuid[])) "
                 "AND ($5::date IS NULL OR r.received_on < $5::date) "
                 "ON CONFLICT (city, id) DO NOTHING RETURNING 1) SELECT count(*) FROM ins",
                 6, params, &n, err, errlen) != 0)
        goto done;
    if (n == 0) {
        if (ids != NULL)
            err_set(err, errlen, "nothing to void: the %ld response%s of the file %s void "
                                 "already",
                    *already, *already == 1 ? "" : "s", *already == 1 ? "is" : "are");
        else
            err_set(err, errlen, "nothing to void: no response of %s in wave %s of %s "
                                 "received before %s that is not void already",
                    s->city, s->wave, s->survey, s->received_before);
        *audit = 0;
        rc = 1;
        goto done;
    }
    if (count_and_commit(conn, auditbuf, n, err, errlen) != 0)
        goto done;
    *voided = n;
    rc = 0;
done:
    if (rc != 0) {
        db_rollback(conn);
        *audit = 0;
    }
    free(ids);
    return rc;
}

int voids_undo(PGconn *conn, long long audit, const char *reason, const char *who,
               long long *undo_audit, long *restored, char *err, size_t errlen)
{
    char idbuf[24], undobuf[24], why[128];
    PGresult *res;
    long n = 0;
    int rc = -1;

    *undo_audit = 0;
    *restored = 0;
    snprintf(idbuf, sizeof idbuf, "%lld", audit);
    if (db_begin(conn, err, errlen) != 0)
        return -1;
    if (db_exec(conn,
                "SELECT a.action, (SELECT u.id::text FROM response_void_audit u "
                "WHERE u.undoes = a.id), a.survey, a.wave, a.city "
                "FROM response_void_audit a WHERE a.id = $1::bigint FOR UPDATE",
                1, (const char *const[]){ idbuf }, &res, NULL, err, errlen) != 0)
        goto done;
    if (PQntuples(res) == 0 || strcmp(PQgetvalue(res, 0, 0), "void") != 0 ||
        !PQgetisnull(res, 0, 1)) {
        if (PQntuples(res) == 0)
            err_set(err, errlen, "no void record %lld (empirie responses audit)", audit);
        else if (strcmp(PQgetvalue(res, 0, 0), "void") != 0)
            err_set(err, errlen, "record %lld is an undo, not a void", audit);
        else
            err_set(err, errlen, "void %lld was undone already (record %s)", audit,
                    PQgetvalue(res, 0, 1));
        PQclear(res);
        rc = 1;
        goto done;
    }
    if (reason == NULL || reason[0] == '\0') {
        snprintf(why, sizeof why, "undo of void %lld", audit);
        reason = why;
    }
    if (db_exec(conn,
                "INSERT INTO response_void_audit (action, undoes, survey, wave, city, reason, "
                "os_user, responses) VALUES ('undo', $1::bigint, $2, $3, $4, $5, $6, 0) "
                "RETURNING id",
                6,
                (const char *const[]){ idbuf, PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3),
                                       PQgetvalue(res, 0, 4), reason, who },
                NULL, NULL, err, errlen) != 0) {
        PQclear(res);
        goto done;
    }
    PQclear(res);
    if (one_long(conn, "SELECT id FROM response_void_audit WHERE undoes = $1::bigint", 1,
                 (const char *const[]){ idbuf }, &n, err, errlen) != 0)
        goto done;
    snprintf(undobuf, sizeof undobuf, "%ld", n);
    if (one_long(conn,
                 "WITH del AS (DELETE FROM response_void WHERE audit = $1::bigint RETURNING 1) "
                 "SELECT count(*) FROM del",
                 1, (const char *const[]){ idbuf }, &n, err, errlen) != 0)
        goto done;
    if (count_and_commit(conn, undobuf, n, err, errlen) != 0)
        goto done;
    *undo_audit = strtoll(undobuf, NULL, 10);
    *restored = n;
    rc = 0;
done:
    if (rc != 0)
        db_rollback(conn);
    return rc;
}
