/*
 * agg_cache: cached cells of closed waves (agg_cache.h).
 *
 * An entry's cell (bytea) is a run-length coded array of doubles (zeros
 * coded as runs: most sums of a cell are 0): the header (format, doubles
 * per cell, census doubles, cells, first row position or -1), the census
 * block, then per cell its attribute value and its packed sums.
 */
#include "agg_cache.h"

#include "agg_impl.h"
#include "db.h"
#include "err.h"
#include "mem.h"
#include "sha256.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_FORMAT 1
#define HEADER 5

struct fp {
    long long rows, nvoid, maxaudit;
    int closed;
    int served;
};

struct agg_cache {
    char *survey;
    char storage[160];
    char (*layout)[2 * SHA256_SIZE + 1];  /* per accumulator */
    size_t n;
    const PGresult *cities;
    size_t ncities, nwaves;
    struct fp *fp;                        /* ncities x nwaves */
    PGresult *entries;
    int *entry;                           /* (key x nwaves + w) x n + j: row, or -1 */
    char *skip;
    char *waves;                          /* to stream */
    size_t served;
};

int agg_cache_wanted(struct agg *const *aggs, size_t n)
{
    const char *env = getenv("EMPIRIE_AGG_CACHE");

    if (env != NULL && strcmp(env, "0") == 0)
        return 0;
    for (size_t j = 0; j < n; j++)
        if (aggs[j]->weight_fn != NULL || aggs[j]->nstrata > 0)
            return 0;
    return n > 0;
}

void agg_cache_free(struct agg_cache *c)
{
    if (c == NULL)
        return;
    PQclear(c->entries);
    FREE_ALL(c->survey, c->layout, c->fp, c->entry, c->skip, c->waves, c);
}

static long key_of(const struct agg_cache *c, const char *slug)
{
    size_t lo = 0, hi = c->ncities;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int cmp = strcmp(PQgetvalue(c->cities, (int)mid, 0), slug);

        if (cmp == 0)
            return (long)mid;
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static long wave_of(const struct agg *a, const char *label)
{
    for (size_t w = 0; w < a->nwaves; w++)
        if (strcmp(a->waves[w], label) == 0)
            return (long)w;
    return -1;
}

static size_t census_doubles(const struct agg *a)
{
    return a->census_nslots * a->census_nq;
}

static void fingerprint(const struct agg_cache *c, size_t j, const struct fp *f, char *out,
                        size_t n)
{
    snprintf(out, n, "%s %lld %lld %lld", c->layout[j], f->rows, f->nvoid, f->maxaudit);
}

/* ---------- coding ---------- */

/* Runs: a count (uint32) of zeros, then a count of literals and the literals. */
static size_t code(const double *x, size_t n, unsigned char *out)
{
    size_t o = 0, i = 0;

    while (i < n) {
        uint32_t z = 0, l = 0;
        size_t start;

        while (i < n && x[i] == 0 && !signbit(x[i]))
            i++, z++;
        start = i;
        while (i < n && !(x[i] == 0 && !signbit(x[i])))
            i++, l++;
        memcpy(out + o, &z, 4);
        memcpy(out + o + 4, &l, 4);
        memcpy(out + o + 8, x + start, l * sizeof *x);
        o += 8 + l * sizeof *x;
    }
    return o;
}

/* The inverse; -1 when the bytes are not exactly n doubles. */
static int decode(const unsigned char *p, size_t len, double *x, size_t n)
{
    size_t o = 0, i = 0;

    while (o < len) {
        uint32_t z, l;

        if (len - o < 8)
            return -1;
        memcpy(&z, p + o, 4);
        memcpy(&l, p + o + 4, 4);
        o += 8;
        if (z > n - i || l > n - i - z || (size_t)l * sizeof *x > len - o)
            return -1;
        memset(x + i, 0, z * sizeof *x);
        i += z;
        memcpy(x + i, p + o, l * sizeof *x);
        i += l;
        o += (size_t)l * sizeof *x;
    }
    return i == n ? 0 : -1;
}

/* ---------- the plan ---------- */

static int plan_layout(PGconn *conn, struct agg_cache *c, struct agg *const *aggs, char *err,
                       size_t errlen)
{
    char versions[512] = "{";
    const char *params[2] = { c->survey, versions };
    PGresult *res;
    size_t len = 1;

    for (size_t v = 0; v < aggs[0]->nversions; v++)
        len += (size_t)snprintf(versions + len, sizeof versions - len, "%s%d", v ? "," : "",
                                aggs[0]->versions[v].s->version);
    snprintf(versions + len, sizeof versions - len, "}");
    if (db_exec(conn,
                "SELECT coalesce(string_agg(version || ':' || md5(definition::text), '|' "
                "ORDER BY version), '') FROM survey WHERE slug = $1 AND version = ANY ($2::int[])",
                2, params, &res, NULL, err, errlen) != 0)
        return -1;
    for (size_t j = 0; j < c->n; j++) {
        const struct agg *a = aggs[j];
        char text[4096];
        unsigned char h[SHA256_SIZE];

        snprintf(text, sizeof text, "agg-cache %d|%s|%s|%zu|%zu|%zu", CACHE_FORMAT,
                 PQgetvalue(res, 0, 0), a->by_attr ? a->by_attr : "", aggi_cell_ndoubles(a),
                 census_doubles(a), a->nitems);
        sha256(text, strlen(text), h);
        sha256_hex(h, sizeof h, c->layout[j]);
    }
    PQclear(res);
    return 0;
}

/* The counts of rows and of void records per wave x city, the closed waves. */
/* A count from the database (a bigint's text), or -1 when it is not one:
 * a fingerprint that then matches no entry, so the cells are streamed. */
static long long count_of(const char *s)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    return errno == 0 && end != s && *end == '\0' && v >= 0 ? v : -1;
}

/*
 * Runs sql ($1: the survey), whose rows are (wave, city, count[, max
 * audit]), and puts each row's figures into the fingerprint of its wave and
 * city (a wave or city the cache does not keep is passed over): the counts
 * of rows, or with voids the counts of void records and their last audit.
 */
static int read_counts(PGconn *conn, struct agg_cache *c, const struct agg *a, const char *sql,
                       int voids, char *err, size_t errlen)
{
    const char *params[1] = { c->survey };
    PGresult *res;

    if (db_exec(conn, sql, 1, params, &res, NULL, err, errlen) != 0)
        return -1;
    for (int i = 0; i < PQntuples(res); i++) {
        long w = wave_of(a, PQgetvalue(res, i, 0)), k = key_of(c, PQgetvalue(res, i, 1));
        struct fp *f = w >= 0 && k >= 0 ? &c->fp[(size_t)k * c->nwaves + (size_t)w] : NULL;

        if (f == NULL)
            continue;
        if (!voids) {
            f->rows = count_of(PQgetvalue(res, i, 2));
        } else {
            f->nvoid = count_of(PQgetvalue(res, i, 2));
            f->maxaudit = count_of(PQgetvalue(res, i, 3));
        }
    }
    PQclear(res);
    return 0;
}

static int plan_fingerprints(PGconn *conn, struct agg_cache *c, const struct agg *a, char *err,
                             size_t errlen)
{
    const char *params[1] = { c->survey };
    PGresult *res;

    /* only the closed waves: the open one is streamed anyway; the counts
     * the triggers of migration 0021 keep, in this snapshot as the rows */
    if (read_counts(conn, c, a,
                    "SELECT wave, city, sum(n) FROM response_count WHERE survey = $1 "
                    "AND wave IN (SELECT label FROM wave WHERE survey = $1 "
                    "AND closes_on < current_date) GROUP BY wave, city",
                    0, err, errlen) != 0 ||
        read_counts(conn, c, a,
                    "SELECT r.wave, r.city, count(*), max(v.audit) FROM response_void v "
                    "JOIN response r ON r.city = v.city AND r.id = v.id "
                    "WHERE r.survey = $1 GROUP BY r.wave, r.city",
                    1, err, errlen) != 0)
        return -1;
    if (db_exec(conn, "SELECT label FROM wave WHERE survey = $1 AND closes_on < current_date",
                1, params, &res, NULL, err, errlen) != 0)
        return -1;
    for (int i = 0; i < PQntuples(res); i++) {
        long w = wave_of(a, PQgetvalue(res, i, 0));

        for (size_t k = 0; w >= 0 && k < c->ncities; k++)
            c->fp[k * c->nwaves + (size_t)w].closed = 1;
    }
    PQclear(res);
    return 0;
}

/* The entries of the survey in this storage; which are valid. */
static int plan_entries(PGconn *conn, struct agg_cache *c, struct agg *const *aggs, char *err,
                        size_t errlen)
{
    json_t *skip = json_array();
    char *splits;
    const char *params[3] = { c->survey, c->storage, NULL };
    size_t slots = c->ncities * c->nwaves * c->n;

    /* only the splits asked for (the others may hold many MB) */
    for (size_t j = 0; j < c->n; j++)
        json_array_append_new(skip, json_string(aggs[j]->by_attr ? aggs[j]->by_attr : ""));
    splits = json_dumps(skip, JSON_COMPACT);
    json_array_clear(skip);
    if (splits == NULL) {
        json_decref(skip);
        return err_set(err, errlen, "out of memory");
    }
    params[2] = splits;
    c->entries = PQexecParams(conn,
                              "SELECT wave, city, breakdown, fingerprint, cell FROM agg_cache "
                              "WHERE survey = $1 AND storage = $2 AND breakdown IN "
                              "(SELECT jsonb_array_elements_text($3::jsonb))",
                              3, NULL, params, NULL, NULL, 1);
    free(splits);
    if (PQresultStatus(c->entries) != PGRES_TUPLES_OK) {
        err_set(err, errlen, "database: %s", PQresultErrorMessage(c->entries));
        db_note_failure(c->entries);
        json_decref(skip);
        return -1;
    }
    for (size_t i = 0; i < slots; i++)
        c->entry[i] = -1;
    for (int i = 0; i < PQntuples(c->entries); i++) {
        long w = wave_of(aggs[0], PQgetvalue(c->entries, i, 0));
        long k = key_of(c, PQgetvalue(c->entries, i, 1));
        const char *by = PQgetvalue(c->entries, i, 2);

        if (w < 0 || k < 0)
            continue;
        for (size_t j = 0; j < c->n; j++) {
            struct fp *f = &c->fp[(size_t)k * c->nwaves + (size_t)w];
            char want[256];

            fingerprint(c, j, f, want, sizeof want);
            if (strcmp(by, aggs[j]->by_attr ? aggs[j]->by_attr : "") == 0 && f->closed &&
                strcmp(PQgetvalue(c->entries, i, 3), want) == 0)
                c->entry[((size_t)k * c->nwaves + (size_t)w) * c->n + j] = i;
        }
    }
    for (size_t k = 0; k < c->ncities; k++)
        for (size_t w = 0; w < c->nwaves; w++) {
            struct fp *f = &c->fp[k * c->nwaves + w];
            int all = f->closed && f->rows > 0, some = 0;

            /* an accumulator that does not keep the wave needs no entry, but
             * one entry at least tells where the pair's first row was */
            for (size_t j = 0; j < c->n && all; j++) {
                int has = c->entry[(k * c->nwaves + w) * c->n + j] >= 0;

                all = !agg_wave_kept(aggs[j], w) || has;
                some |= has;
            }
            if (!all || !some)
                continue;
            f->served = 1;
            c->served++;
            json_array_append_new(skip, json_pack("{s:s, s:s}", "w", aggs[0]->waves[w], "c",
                                                  PQgetvalue(c->cities, (int)k, 0)));
        }
    c->skip = json_dumps(skip, JSON_COMPACT);
    json_decref(skip);
    skip = json_array();
    for (size_t w = 0; w < c->nwaves; w++) {
        int any = 0;

        for (size_t k = 0; k < c->ncities && !any; k++)
            any = !c->fp[k * c->nwaves + w].closed ||   /* open: rows not counted */
                  (!c->fp[k * c->nwaves + w].served && c->fp[k * c->nwaves + w].rows > 0);
        if (any)
            json_array_append_new(skip, json_string(aggs[0]->waves[w]));
    }
    c->waves = json_dumps(skip, JSON_COMPACT);
    json_decref(skip);
    return c->skip != NULL && c->waves != NULL ? 0 : err_set(err, errlen, "out of memory");
}

int agg_cache_plan(PGconn *conn, struct agg *const *aggs, size_t n, const char *survey,
                   const PGresult *cities, struct agg_cache **out, char *err, size_t errlen)
{
    struct agg_cache *c;
    char may[8];

    *out = NULL;
    if (db_value(conn,
                 "SELECT CASE WHEN to_regclass('agg_cache') IS NULL THEN false ELSE "
                 "has_table_privilege('agg_cache', 'SELECT, INSERT, UPDATE') AND "
                 "has_function_privilege('pg_control_system()', 'EXECUTE') END",
                 0, NULL, may, sizeof may, err, errlen) < 0)
        return -1;
    if (strcmp(may, "t") != 0)
        return 0;    /* this database does not cache */
    c = calloc(1, sizeof *c);
    if (c != NULL)
        c->survey = strdup(survey);
    if (c == NULL || c->survey == NULL) {
        agg_cache_free(c);
        return err_set(err, errlen, "out of memory");
    }
    c->n = n;
    c->cities = cities;
    c->ncities = (size_t)PQntuples(cities);
    c->nwaves = aggs[0]->nwaves;
    c->layout = calloc(n, sizeof *c->layout);
    c->fp = calloc(c->ncities * c->nwaves + 1, sizeof *c->fp);
    c->entry = calloc(c->ncities * c->nwaves * n + 1, sizeof *c->entry);
    if (c->layout == NULL || c->fp == NULL || c->entry == NULL) {
        agg_cache_free(c);
        return err_set(err, errlen, "out of memory");
    }
    if (db_value(conn,
                 "SELECT (SELECT system_identifier FROM pg_control_system())::text || '/' || "
                 "pg_relation_filenode('response')::text",
                 0, NULL, c->storage, sizeof c->storage, err, errlen) < 0) {
        agg_cache_free(c);
        return -1;
    }
    if (plan_layout(conn, c, aggs, err, errlen) != 0 ||
        plan_fingerprints(conn, c, aggs[0], err, errlen) != 0 ||
        plan_entries(conn, c, aggs, err, errlen) != 0) {
        agg_cache_free(c);
        return -1;
    }
    *out = c;
    return 0;
}

const char *agg_cache_skip(const struct agg_cache *c)
{
    return c->skip;
}

const char *agg_cache_waves(const struct agg_cache *c)
{
    return c->waves;
}

size_t agg_cache_served(const struct agg_cache *c)
{
    return c->served;
}

size_t agg_cache_rows(const struct agg_cache *c)
{
    size_t rows = 0;

    for (size_t i = 0; i < c->ncities * c->nwaves; i++)
        if (c->fp[i].served)
            rows += (size_t)(c->fp[i].rows - c->fp[i].nvoid);
    return rows;
}

/* An entry's header (raw) and body (coded), checked against a's layout:
 * the body's doubles (census, then per cell its attribute value and sums)
 * and the header; NULL when malformed (then the entry is not used). */
static double *entry_body(const struct agg_cache *c, const struct agg *a, int row,
                          double head[HEADER])
{
    size_t nd = aggi_cell_ndoubles(a), nc = census_doubles(a), count;
    const unsigned char *p = (const unsigned char *)PQgetvalue(c->entries, row, 4);
    size_t len = (size_t)PQgetlength(c->entries, row, 4);
    double *x;

    if (len < HEADER * sizeof(double))
        return NULL;
    memcpy(head, p, HEADER * sizeof(double));
    if (head[0] != CACHE_FORMAT || head[1] != (double)nd || head[2] != (double)nc ||
        !(head[3] >= 0) || head[3] > 1e6)
        return NULL;
    count = nc + (size_t)head[3] * (1 + nd);
    x = malloc((count + 1) * sizeof *x);
    if (x != NULL && decode(p + HEADER * sizeof(double), len - HEADER * sizeof(double), x,
                            count) != 0) {
        free(x);
        return NULL;
    }
    return x;
}

uint64_t agg_cache_first(const struct agg_cache *c, size_t key, size_t wave)
{
    int row;
    double first;

    if (!c->fp[key * c->nwaves + wave].served)
        return UINT64_MAX;
    /* any accumulator's entry: they were stored from the same rows (one that
     * does not keep the wave has none) */
    row = -1;
    for (size_t j = 0; j < c->n && row < 0; j++)
        row = c->entry[(key * c->nwaves + wave) * c->n + j];
    if (row < 0 || (size_t)PQgetlength(c->entries, row, 4) < HEADER * sizeof(double))
        return UINT64_MAX;
    memcpy(&first, PQgetvalue(c->entries, row, 4) + 4 * sizeof(double), sizeof first);
    return first >= 0 ? (uint64_t)first : UINT64_MAX;
}

int agg_cache_apply(const struct agg_cache *c, struct agg *const *aggs, size_t n, char *err,
                    size_t errlen)
{
    for (size_t k = 0; k < c->ncities; k++)
        for (size_t w = 0; w < c->nwaves; w++) {
            const char *slug = PQgetvalue(c->cities, (int)k, 0);

            if (!c->fp[k * c->nwaves + w].served)
                continue;
            for (size_t j = 0; j < n; j++) {
                struct agg *a = aggs[j];
                size_t nd = aggi_cell_ndoubles(a), nc = census_doubles(a);
                long ci = agg_city_index(a, slug);
                double head[HEADER];
                double *x;
                const double *p;

                if (!agg_wave_kept(a, w))
                    continue;   /* its cells of this wave stay empty */
                x = entry_body(c, a, c->entry[(k * c->nwaves + w) * n + j], head);
                if (x == NULL)
                    return err_set(err, errlen, "agg_cache: malformed entry for %s, wave %s",
                                   slug, a->waves[w]);
                if (ci < 0) {
                    free(x);
                    if (head[3] > 0)
                        return err_set(err, errlen, "agg_cache: %s, wave %s: cells without "
                                       "a first row", slug, a->waves[w]);
                    continue;   /* every response of it void */
                }
                for (size_t i = 0; i < nc; i++)
                    a->census[ci][w * nc + i] += x[i];
                p = x + nc;
                for (size_t i = 0; i < (size_t)head[3]; i++, p += 1 + nd) {
                    struct agg_cell *tmp = aggi_cell_alloc(a);
                    struct agg_cell *d = aggi_cell_get(a, w, (size_t)ci, (int)p[0]);

                    if (tmp == NULL || d == NULL) {
                        free(tmp);
                        free(x);
                        return err_set(err, errlen, "out of memory");
                    }
                    aggi_cell_unpack(a, tmp, p + 1);
                    aggi_cell_combine(a, d, tmp, 1.0);
                    free(tmp);
                }
                free(x);
            }
        }
    return 0;
}

/* ---------- storing ---------- */

/* Per city of a and wave: its cells' indices (a counting sort). */
struct buckets {
    size_t *start;   /* ncities x nwaves + 1 */
    size_t *cell;
};

static int bucket(const struct agg *a, struct buckets *b)
{
    size_t nb = a->ncities * a->nwaves;

    b->start = calloc(nb + 2, sizeof *b->start);
    b->cell = calloc(a->ncells + 1, sizeof *b->cell);
    if (b->start == NULL || b->cell == NULL)
        return -1;
    for (size_t i = 0; i < a->ncells; i++)
        b->start[a->cells[i]->city * a->nwaves + a->cells[i]->wave + 2]++;
    for (size_t i = 2; i < nb + 2; i++)
        b->start[i] += b->start[i - 1];
    for (size_t i = 0; i < a->ncells; i++)
        b->cell[b->start[a->cells[i]->city * a->nwaves + a->cells[i]->wave + 1]++] = i;
    return 0;
}

/* One entry: header, then the coded census block and cells. */
static unsigned char *entry_make(const struct agg *a, long ci, size_t w,
                                 const struct buckets *b, uint64_t first, size_t *len)
{
    size_t nd = aggi_cell_ndoubles(a), nc = census_doubles(a);
    size_t ncells = ci >= 0 ? b->start[(size_t)ci * a->nwaves + w + 1] -
                                  b->start[(size_t)ci * a->nwaves + w]
                            : 0;
    size_t count = nc + ncells * (1 + nd);
    double head[HEADER] = { CACHE_FORMAT, (double)nd, (double)nc, (double)ncells,
                            first == UINT64_MAX ? -1.0 : (double)first };
    double *x = calloc(count + 1, sizeof *x);
    unsigned char *out = malloc(sizeof head + 8 * (count + 1) + count * sizeof(double));
    double *p;

    if (x == NULL || out == NULL) {
        free(x);
        free(out);
        return NULL;
    }
    if (ci >= 0)
        memcpy(x, a->census[ci] + w * nc, nc * sizeof *x);
    p = x + nc;
    for (size_t i = 0; i < ncells; i++, p += 1 + nd) {
        const struct agg_cell *cell = a->cells[b->cell[b->start[(size_t)ci * a->nwaves + w] + i]];

        p[0] = cell->attr_value;
        aggi_cell_pack(a, cell, p + 1);
    }
    memcpy(out, head, sizeof head);
    *len = sizeof head + code(x, count, out + sizeof head);
    free(x);
    return out;
}

size_t agg_cache_store(PGconn *conn, const struct agg_cache *c, struct agg *const *aggs,
                       size_t n, const uint64_t *first)
{
    struct buckets *b = calloc(n + 1, sizeof *b);
    char ignored[256];
    size_t stored = 0;
    int ok = b != NULL;

    for (size_t j = 0; j < n && ok; j++)
        ok = bucket(aggs[j], &b[j]) == 0;
    /* one transaction: one commit to wait for, not one per entry; entries
     * written in a fixed order, so two writers never deadlock */
    ok = ok && db_begin(conn, ignored, sizeof ignored) == 0;
    for (size_t k = 0; k < c->ncities && ok; k++)
        for (size_t w = 0; w < c->nwaves && ok; w++) {
            const struct fp *f = &c->fp[k * c->nwaves + w];
            const char *slug = PQgetvalue(c->cities, (int)k, 0);

            if (!f->closed || f->served || f->rows == 0)
                continue;
            for (size_t j = 0; j < n && ok; j++) {
                char fpr[256];
                size_t len = 0;
                unsigned char *blob;
                const char *by = aggs[j]->by_attr ? aggs[j]->by_attr : "";
                const char *params[7] = { c->survey, aggs[j]->waves[w], slug, by, c->storage,
                                          fpr, NULL };
                int lengths[7] = { 0, 0, 0, 0, 0, 0, 0 };
                int formats[7] = { 0, 0, 0, 0, 0, 0, 1 };
                PGresult *res;

                if (!agg_wave_kept(aggs[j], w) || aggs[j]->breakdown_only)
                    continue;   /* its cells of this wave were not accumulated, or not all sums */
                blob = entry_make(aggs[j], agg_city_index(aggs[j], slug), w,
                                  &b[j], first[k * c->nwaves + w], &len);
                if (blob == NULL) {
                    ok = 0;
                    break;
                }
                params[6] = (const char *)blob;
                lengths[6] = (int)len;
                fingerprint(c, j, f, fpr, sizeof fpr);
                res = PQexecParams(conn,
                                   "INSERT INTO agg_cache (survey, wave, city, breakdown, "
                                   "storage, fingerprint, cell) VALUES ($1, $2, $3, $4, $5, $6, "
                                   "$7) ON CONFLICT (survey, wave, city, breakdown) DO UPDATE "
                                   "SET storage = EXCLUDED.storage, fingerprint = "
                                   "EXCLUDED.fingerprint, cell = EXCLUDED.cell, built_at = now()",
                                   7, NULL, params, lengths, formats, 0);
                ok = PQresultStatus(res) == PGRES_COMMAND_OK;
                stored += ok;
                PQclear(res);
                free(blob);
            }
        }
    if (PQtransactionStatus(conn) == PQTRANS_INTRANS && ok &&
        db_commit(conn, ignored, sizeof ignored) != 0)
        stored = 0;
    db_rollback(conn);   /* after a failure; nothing when committed */
    for (size_t j = 0; j < n && b != NULL; j++) {
        free(b[j].start);
        free(b[j].cell);
    }
    free(b);
    return stored;
}
