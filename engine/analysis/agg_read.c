/*
 * agg_read: the streaming half of agg (agg.h): COPY ... TO STDOUT in text
 * format, parsed row by row without building PGresults. Text, not binary:
 * for int2[] columns binary spends a 4-byte length on every element and
 * measures slower here (bench/).
 */
#include "agg_impl.h"

#include "db.h"
#include "err.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define AGG_MAX_ARRAY 1024

/* One text-format field: [p, end) with backslash escapes undone in place
 * when there are any (never for our slugs and arrays). */
struct field {
    char *p;
    size_t len;
};

static int split_fields(char *row, size_t len, struct field *f, size_t nf)
{
    char *start = row;
    char *end = row + len;

    if (len > 0 && end[-1] == '\n')
        end--;
    for (size_t i = 0; i < nf; i++) {
        char *tab = memchr(start, '\t', (size_t)(end - start));

        if ((tab == NULL) != (i == nf - 1))
            return -1;    /* too few fields, or too many */
        f[i].p = start;
        f[i].len = (size_t)((tab != NULL ? tab : end) - start);
        if (tab != NULL)
            start = tab + 1;
    }
    return 0;
}

static int is_null(const struct field *f)
{
    return f->len == 2 && f->p[0] == '\\' && f->p[1] == 'N';
}

/* Undoes COPY text escapes (\\, \t, \n, ...) in place. */
static void unescape(struct field *f)
{
    size_t o = 0;

    if (memchr(f->p, '\\', f->len) == NULL)
        return;
    for (size_t i = 0; i < f->len; i++) {
        char c = f->p[i];

        if (c == '\\' && i + 1 < f->len) {
            char n = f->p[++i];

            c = n == 't' ? '\t' : n == 'n' ? '\n' : n == 'r' ? '\r' : n;
        }
        f->p[o++] = c;
    }
    f->len = o;
}

/* "{1,NULL,-3}" into out; returns the count or -1. */
static long parse_int2_array(const char *p, size_t len, int16_t *out, size_t cap)
{
    const char *end = p + len;
    size_t n = 0;

    if (len < 2 || p[0] != '{' || end[-1] != '}')
        return -1;
    p++;
    end--;
    if (p == end)
        return 0;
    while (p < end) {
        unsigned d = (unsigned char)*p - '0';

        if (n == cap)
            return -1;
        if (d < 10 && (p + 1 == end || p[1] == ',')) {
            out[n++] = (int16_t)d;    /* the common case: one digit */
            p++;
        } else if (*p == 'N') {
            if (end - p < 4 || p[1] != 'U' || p[2] != 'L' || p[3] != 'L')
                return -1;
            out[n++] = SURVEY_NA;
            p += 4;
        } else {
            int neg = *p == '-';
            long v = 0;
            const char *digits;

            if (neg)
                p++;
            digits = p;
            while (p < end && *p >= '0' && *p <= '9' && v <= 32767)
                v = v * 10 + (*p++ - '0');
            if (p == digits || v > 32767)
                return -1;
            out[n++] = (int16_t)(neg ? -v : v);
        }
        if (p < end && *p++ != ',')
            return -1;
    }
    return (long)n;
}

static long wave_index(const struct agg *a, const struct field *f)
{
    for (size_t w = 0; w < agg_nwaves(a); w++) {
        const char *label = agg_wave(a, w);

        if (strlen(label) == f->len && memcmp(label, f->p, f->len) == 0)
            return (long)w;
    }
    return -1;
}

/* "(block,offset)" as block << 16 | offset; UINT64_MAX when malformed. */
static uint64_t parse_ctid(const struct field *f)
{
    uint64_t block = 0, off = 0;
    size_t i = 1;

    if (f->len < 5 || f->p[0] != '(' || f->p[f->len - 1] != ')')
        return UINT64_MAX;
    for (; i < f->len && f->p[i] >= '0' && f->p[i] <= '9'; i++)
        block = block * 10 + (uint64_t)(f->p[i] - '0');
    if (i == 1 || i >= f->len || f->p[i] != ',' || block > 0xFFFFFFFFu)
        return UINT64_MAX;
    for (i++; i < f->len - 1 && f->p[i] >= '0' && f->p[i] <= '9'; i++)
        off = off * 10 + (uint64_t)(f->p[i] - '0');
    if (i != f->len - 1 || off > 0xFFFF)
        return UINT64_MAX;
    return block << 16 | off;
}

/* Adds one COPY row to each of the n accumulators (the same instrument
 * versions and waves: agg_read_db_many). With first: the row's seventh
 * column is its ctid, and first[] keeps each city and wave's first
 * (aggi_copy_rows). */
static int add_row(struct agg *const *aggs, size_t n, const unsigned char *follow, char *row,
                   size_t len, int16_t *attrs, int16_t *answers, uint64_t *first, char *err,
                   size_t errlen)
{
    struct field f[7];
    size_t nf = first != NULL ? 7 : 6;
    long wave, nattrs, nanswers, version;
    double weight = 0;
    char num[32];
    char *endp;

    if (split_fields(row, len, f, nf) != 0)
        return err_set(err, errlen, "unexpected COPY row");
    unescape(&f[0]);
    unescape(&f[1]);
    wave = wave_index(aggs[0], &f[1]);
    if (wave < 0)
        return 0;   /* a wave not asked for */
    if (f[2].len == 0 || f[2].len >= sizeof num)
        return err_set(err, errlen, "bad survey_version in COPY row");
    memcpy(num, f[2].p, f[2].len);
    num[f[2].len] = '\0';
    version = strtol(num, &endp, 10);
    if (*endp != '\0')
        return err_set(err, errlen, "bad survey_version in COPY row");
    nattrs = parse_int2_array(f[3].p, f[3].len, attrs, AGG_MAX_ARRAY);
    nanswers = parse_int2_array(f[4].p, f[4].len, answers, AGG_MAX_ARRAY);
    if (nattrs < 0 || nanswers < 0)
        return err_set(err, errlen, "bad array in COPY row");
    if (!is_null(&f[5])) {
        if (f[5].len == 0 || f[5].len >= sizeof num)
            return err_set(err, errlen, "bad weight in COPY row");
        memcpy(num, f[5].p, f[5].len);
        num[f[5].len] = '\0';
        weight = strtod(num, &endp);
        if (*endp != '\0' || !(weight > 0))
            return err_set(err, errlen, "bad weight in COPY row");
    }
    for (size_t i = 0; i < n; i++)
        if (follow[i] ? aggi_add_follow(aggs[i], aggs[0], f[0].p, f[0].len, (size_t)wave,
                                        (int)version, attrs, (size_t)nattrs, weight, err,
                                        errlen) != 0
                      : agg_add(aggs[i], f[0].p, f[0].len, (size_t)wave, (int)version, attrs,
                                (size_t)nattrs, answers, (size_t)nanswers, weight, err,
                                errlen) != 0)
            return -1;
    if (first != NULL) {
        long c;

        f[0].p[f[0].len] = '\0';    /* the tab after the city: the fields are split */
        c = agg_city_index(aggs[0], f[0].p);
        if (c < 0)
            return err_set(err, errlen, "COPY row of city \"%s\", not in the stream's cities",
                           f[0].p);
        first += (size_t)c * agg_nwaves(aggs[0]) + (size_t)wave;
        if (*first == UINT64_MAX) {
            *first = parse_ctid(&f[6]);
            if (*first == UINT64_MAX)
                return err_set(err, errlen, "bad ctid in COPY row");
        }
    }
    return 0;
}

int agg_read_db(struct agg *a, PGconn *conn, const char *survey, size_t *rows,
                void (*progress)(size_t rows, void *arg), void *arg, char *err,
                size_t errlen)
{
    return agg_read_db_many(&a, 1, conn, survey, rows, progress, arg, err, errlen);
}

int aggi_copy_rows(struct agg *const *aggs, size_t n, PGconn *conn, const char *sql,
                   uint64_t *first, size_t *rows, _Atomic size_t *shared,
                   void (*progress)(size_t rows, void *arg), void *arg, char *err,
                   size_t errlen)
{
    int16_t *attrs = malloc(AGG_MAX_ARRAY * sizeof *attrs);
    int16_t *answers = malloc(AGG_MAX_ARRAY * sizeof *answers);
    /* follow[i]: aggs[i] takes each response from aggs[0] (aggi_add_follow) */
    unsigned char *follow = calloc(n + 1, 1);
    PGresult *res;
    size_t count = 0, told = 0;
    int rc = 0;
    int len;
    char *buf;

    *rows = 0;
    if (attrs == NULL || answers == NULL || follow == NULL) {
        free(attrs);
        free(answers);
        free(follow);
        return err_set(err, errlen, "out of memory");
    }
    for (size_t i = 1; i < n; i++)
        follow[i] = (unsigned char)aggi_can_follow(aggs[i], aggs[0]);
    if (first != NULL)
        for (size_t c = 0; c < agg_ncities(aggs[0]) * agg_nwaves(aggs[0]); c++)
            first[c] = UINT64_MAX;
    /* checksrc: allow PQexec: sql is one of agg's fixed COPY statements; values go through set_config parameters */
    res = PQexec(conn, sql);
    if (PQresultStatus(res) != PGRES_COPY_OUT) {
        err_set(err, errlen, "database: %s", PQresultErrorMessage(res));
        db_note_failure(res);
        PQclear(res);
        free(attrs);
        free(answers);
        free(follow);
        return -1;
    }
    PQclear(res);
    for (len = PQgetCopyData(conn, &buf, 0); len > 0; len = PQgetCopyData(conn, &buf, 0)) {
        if (rc == 0) {
            rc = add_row(aggs, n, follow, buf, (size_t)len, attrs, answers, first, err,
                         errlen);
            count++;
            if ((count & 0xFFF) == 0 && shared != NULL) {
                size_t was = atomic_fetch_add(shared, count - told);

                told = count;
                if (progress != NULL && (was >> 16) != ((was + 0x1000) >> 16))
                    progress(was + 0x1000, arg);
            } else if (shared == NULL && progress != NULL && (count & 0xFFFF) == 0) {
                progress(count, arg);
            }
        }
        PQfreemem(buf);
    }
    if (shared != NULL)
        atomic_fetch_add(shared, count - told);
    if (len == -2 && rc == 0)
        rc = err_set(err, errlen, "database: %s", PQerrorMessage(conn));
    for (res = PQgetResult(conn); res != NULL; res = PQgetResult(conn)) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == 0) {
            rc = err_set(err, errlen, "database: %s", PQresultErrorMessage(res));
            db_note_failure(res);
        }
        PQclear(res);
    }
    free(attrs);
    free(answers);
    free(follow);
    *rows = count;
    return rc;
}

int agg_read_db_many(struct agg *const *aggs, size_t n, PGconn *conn, const char *survey,
                     size_t *rows, void (*progress)(size_t rows, void *arg), void *arg,
                     char *err, size_t errlen)
{
    const char *params[1] = { survey };

    *rows = 0;
    /* COPY takes no parameters: the slug travels as a bound parameter into a
     * session setting that the COPY query reads. The rows must come in their
     * stored order whatever else is reading the table (the order of first
     * appearance orders the cities, and floating-point sums depend on it):
     * a synchronized scan would join another scan of the table midway.
     * Void responses (voids.h) are left out by a NOT IN, which PostgreSQL
     * runs as a filter of the scan (a hashed subplan), never as a join
     * that could reorder the rows. */
    if (db_exec(conn,
                "SELECT set_config('empirie.agg_survey', $1, false), "
                "set_config('synchronize_seqscans', 'off', false)",
                1, params, NULL, NULL, err, errlen) != 0)
        return -1;
    return aggi_copy_rows(aggs, n, conn,
                          "COPY (SELECT " RESPONSE_AGG_COLUMNS " "
                          "FROM response WHERE survey = current_setting('empirie.agg_survey') "
                          "AND (city, id) NOT IN (SELECT v.city, v.id FROM response_void v)) "
                          "TO STDOUT",
                          NULL, rows, NULL, progress, arg, err, errlen);
}
