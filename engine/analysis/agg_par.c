/*
 * agg_par: parallel streams into accumulators (agg_par.h).
 */
#include "agg_par.h"

#include "agg_cache.h"
#include "agg_impl.h"
#include "db.h"
#include "dbpool.h"
#include "dynbuf.h"
#include "err.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Every stream: a sequential scan in stored order (no index, no parallel
 * workers, no synchronized start; no JIT either: a disabled plan type costs
 * 1e10 in the planner's eyes, which would make PostgreSQL compile and
 * optimize the query's expressions, ~0.6 s for nothing), of the survey's responses of its cities,
 * void ones left out, each row with its ctid (the first row of each city
 * orders the cities as the single stream would). The settings are the
 * transaction's own (set_config(..., true)): a pooled connection keeps none. */
static const char stream_settings[] =
    "SELECT set_config('empirie.agg_survey', $1, true), "
    "set_config('empirie.agg_cities', $2, true), "
    "set_config('synchronize_seqscans', 'off', true), "
    "set_config('enable_indexscan', 'off', true), "
    "set_config('enable_indexonlyscan', 'off', true), "
    "set_config('enable_bitmapscan', $5, true), "
    "set_config('enable_seqscan', $6, true), "
    "set_config('enable_tidscan', 'off', true), "
    "set_config('max_parallel_workers_per_gather', '0', true), "
    "set_config('jit', 'off', true), "
    "set_config('empirie.agg_skip', $3, true), "
    "set_config('empirie.agg_waves', $4, true)";
/* Each stream filters every row of the table: the tests are hashed
 * subplans (NOT (city NOT IN ...): one hash probe; "= ANY (array)" would
 * compare with every slug, and IN would become a join, which may reorder)
 * and the survey an InitPlan, not a call per row. The wave x city pairs
 * that the cache serves (agg_cache.h) are left out the same way. */
static const char stream_copy[] =
    "COPY (SELECT " RESPONSE_AGG_COLUMNS ", ctid FROM response "
    "WHERE survey = (SELECT current_setting('empirie.agg_survey')) "
    "AND NOT (city NOT IN (SELECT unnest(string_to_array("
    "current_setting('empirie.agg_cities'), ',')))) "
    "AND (city, id) NOT IN (SELECT v.city, v.id FROM response_void v) "
    "AND (wave, city) NOT IN (SELECT x.w, x.c FROM jsonb_to_recordset("
    "current_setting('empirie.agg_skip')::jsonb) AS x(w text, c text))) TO STDOUT";
/* The same when the cache serves whole waves: only the waves still to
 * stream, found through the index on (survey, wave, city) by a bitmap scan,
 * which visits the table's pages in order and each page's rows in order:
 * the rows of a wave x city still come in their stored order. */
static const char stream_copy_waves[] =
    "COPY (SELECT " RESPONSE_AGG_COLUMNS ", ctid FROM response "
    "WHERE survey = (SELECT current_setting('empirie.agg_survey')) "
    "AND wave = ANY (ARRAY(SELECT jsonb_array_elements_text("
    "current_setting('empirie.agg_waves')::jsonb))) "
    "AND NOT (city NOT IN (SELECT unnest(string_to_array("
    "current_setting('empirie.agg_cities'), ',')))) "
    "AND (city, id) NOT IN (SELECT v.city, v.id FROM response_void v) "
    "AND (wave, city) NOT IN (SELECT x.w, x.c FROM jsonb_to_recordset("
    "current_setting('empirie.agg_skip')::jsonb) AS x(w text, c text))) TO STDOUT";

static _Atomic size_t last_streams, last_cached;

size_t agg_par_last_streams(void)
{
    return atomic_load(&last_streams);
}

size_t agg_par_last_cached(void)
{
    return atomic_load(&last_cached);
}

size_t agg_par_streams(void)
{
    const char *env = getenv("EMPIRIE_STREAMS");
    long n;

    if (env != NULL && *env != '\0') {
        char *end;

        n = strtol(env, &end, 10);
        if (*end != '\0' || n < 1)
            n = 1;
    } else {
        n = sysconf(_SC_NPROCESSORS_ONLN);
    }
    if (n < 1)
        n = 1;
    return n > AGG_PAR_MAX ? AGG_PAR_MAX : (size_t)n;
}

/* ---------- accumulators like the caller's, and moving them back ---------- */

static struct agg *agg_new_like(const struct agg *a, char *err, size_t errlen)
{
    const struct survey **v = calloc(a->nversions, sizeof *v);
    struct agg *b;

    if (v == NULL) {
        err_set(err, errlen, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < a->nversions; i++)
        v[i] = a->versions[i].s;
    b = agg_new(v, a->nversions, (const char *const *)a->waves, a->nwaves, a->by_attr, err,
                errlen);
    free(v);
    if (b == NULL)
        return NULL;
    agg_set_weight_fn(b, a->weight_fn, a->weight_ctx);
    b->only_wave = a->only_wave;
    b->breakdown_only = a->breakdown_only;
    if (agg_set_strata(b, a->nstrata, a->stratum_fn, a->stratum_ctx, err, errlen) != 0) {
        agg_free(b);
        return NULL;
    }
    return b;
}

static void add_doubles(double *dst, const double *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] += src[i];
}

/* dst += src for every cell and census block of src's cities that dst
 * holds (the cities of dst interned beforehand, in their order). */
static int absorb(struct agg *dst, const struct agg *src, char *err, size_t errlen)
{
    size_t nh = 3 * dst->nstrata;
    size_t ncensus = dst->nwaves * dst->census_nslots * dst->census_nq;
    long *map = calloc(src->ncities + 1, sizeof *map);

    if (map == NULL)
        return err_set(err, errlen, "out of memory");
    for (size_t c = 0; c < src->ncities; c++) {
        map[c] = agg_city_index(dst, src->cities[c]);
        if (map[c] >= 0)
            add_doubles(dst->census[map[c]], src->census[c], ncensus);
    }
    for (size_t i = 0; i < src->ncells; i++) {
        const struct agg_cell *s = src->cells[i];
        struct agg_cell *d;

        if (map[s->city] < 0) {
            free(map);
            return err_set(err, errlen, "agg_par: city \"%s\" has cells but no first row",
                           src->cities[s->city]);
        }
        d = aggi_cell_get(dst, s->wave, (size_t)map[s->city], s->attr_value);
        if (d == NULL) {
            free(map);
            return err_set(err, errlen, "out of memory");
        }
        aggi_cell_combine(dst, d, s, 1.0);
        for (size_t k = 0; k < dst->nitems && nh > 0; k++) {
            add_doubles(d->items[k].cal.h, s->items[k].cal.h, nh);
            add_doubles(d->items[k].fav.h, s->items[k].fav.h, nh);
        }
        for (size_t dd = 0; dd < dst->newest->ndimensions && nh > 0; dd++)
            add_doubles(d->dims[dd].cal.h, s->dims[dd].cal.h, nh);
    }
    free(map);
    return 0;
}

/* ---------- connections ---------- */

/* conn's parameters as a conninfo string ("key='value' ..."), then
 * connect_timeout (a later key overrides an earlier one); NULL when out of
 * memory or longer than CONNINFO_MAX (far more than libpq's keys and any
 * host list, password or file name in them need). */
#define CONNINFO_MAX (64 * 1024)

static char *conninfo_of(PGconn *conn, long connect_timeout)
{
    PQconninfoOption *opts = PQconninfo(conn);
    struct dynbuf s;

    if (opts == NULL)
        return NULL;
    dynbuf_init(&s, CONNINFO_MAX);
    for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
        if (o->val == NULL || o->val[0] == '\0')
            continue;
        dynbuf_printf(&s, "%s%s='", dynbuf_len(&s) > 0 ? " " : "", o->keyword);
        for (const char *p = o->val; *p != '\0'; p++) {
            if (*p == '\'' || *p == '\\')
                dynbuf_addc(&s, '\\');
            dynbuf_addc(&s, *p);
        }
        dynbuf_addc(&s, '\'');
    }
    PQconninfoFree(opts);
    dynbuf_printf(&s, " connect_timeout='%ld'", connect_timeout);
    if (dynbuf_error(&s) != DYNBUF_OK) {
        dynbuf_free(&s);
        return NULL;
    }
    return dynbuf_take(&s, NULL);
}

/* A snapshot name as pg_export_snapshot gives it (hex digits and dashes):
 * checked, since SET TRANSACTION SNAPSHOT takes no parameter. */
static int snapshot_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 64)
        return 0;
    return strspn(s, "0123456789ABCDEFabcdef-") == n;
}

static int open_stream(const char *conninfo, const char *snapshot, PGconn **out, char *err,
                       size_t errlen)
{
    char sql[128];

    if (db_connect(conninfo, out, err, errlen) != 0)
        return -1;
    snprintf(sql, sizeof sql, "SET TRANSACTION SNAPSHOT '%s'", snapshot);
    if (db_exec(*out, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, NULL, NULL,
                err, errlen) != 0 ||
        db_exec(*out, sql, 0, NULL, NULL, NULL, err, errlen) != 0) {
        PQfinish(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

/* ---------- the streams ---------- */

/*
 * The daemon bounds every piece of database work by the calling thread's
 * deadline (dbpool.h): its watchdog shuts the caller's connection down when
 * it passes. The other streams' connections are not the pool's: this
 * monitor does the same for them, so a frozen server never holds a stream
 * (and the join) past the deadline.
 */
struct monitor {
    pthread_mutex_t lock;
    pthread_cond_t done_cv;
    int done;
    struct timespec deadline;     /* CLOCK_MONOTONIC */
    PGconn *const *conns;         /* the other streams' */
    size_t nconns;
};

static void *monitor_run(void *p)
{
    struct monitor *m = p;
    int rc = 0;

    pthread_mutex_lock(&m->lock);
    while (!m->done && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&m->done_cv, &m->lock, &m->deadline);
    if (!m->done)
        for (size_t i = 0; i < m->nconns; i++)
            shutdown(PQsocket(m->conns[i]), SHUT_RDWR);
    pthread_mutex_unlock(&m->lock);
    return NULL;
}

struct stream {
    PGconn *conn;
    const char *sql;          /* stream_copy or stream_copy_waves */
    struct agg **aggs;        /* n, like the caller's */
    size_t n;
    uint64_t *first;          /* per city of aggs[0] */
    size_t rows;
    _Atomic size_t *shared;
    void (*progress)(size_t rows, void *arg);
    void *arg;
    int rc;
    char err[256];
};

static void *stream_run(void *p)
{
    struct stream *s = p;

    s->rc = aggi_copy_rows(s->aggs, s->n, s->conn, s->sql, s->first, &s->rows, s->shared,
                           s->progress, s->arg, s->err, sizeof s->err);
    return NULL;
}

struct first_row {
    uint64_t pos;
    size_t key;               /* position in the registry */
};

static int first_cmp(const void *x, const void *y)
{
    const struct first_row *a = x, *b = y;

    return (a->pos > b->pos) - (a->pos < b->pos);
}

/* Warms every hook of a with every city (agg_par.h). */
static void warm_hooks(const struct agg *a, PGresult *cities)
{
    int version = a->newest->version;

    if (a->nwaves == 0)
        return;
    for (int k = 0; k < PQntuples(cities); k++) {
        const char *slug = PQgetvalue(cities, k, 0);

        if (a->weight_fn != NULL)
            (void)a->weight_fn(a->weight_ctx, (size_t)k, slug, 0, version, NULL, 0, 0);
        if (a->stratum_fn != NULL)
            (void)a->stratum_fn(a->stratum_ctx, (size_t)k, slug, 0, version, NULL, 0);
    }
}

/* The streams over the snapshot held by conn; the caller commits. */
static int run_streams(struct agg *const *aggs, size_t n, struct stream *st, size_t ns,
                       PGresult *cities, const char *survey, const struct agg_cache *cache,
                       uint64_t *first, const struct timespec *deadline, size_t *rows,
                       char *err, size_t errlen)
{
    size_t ncities = (size_t)PQntuples(cities), nwaves = aggs[0]->nwaves;
    int by_wave = cache != NULL && agg_cache_served(cache) > 0;
    char **lists = calloc(ns, sizeof *lists);
    struct first_row *order = calloc(ncities + 1, sizeof *order);
    PGconn *others[AGG_PAR_MAX];
    struct monitor m = { .lock = PTHREAD_MUTEX_INITIALIZER,
                         .done_cv = PTHREAD_COND_INITIALIZER,
                         .conns = others,
                         .nconns = ns - 1 };
    pthread_t th[AGG_PAR_MAX], mon;
    size_t started = 0, nfirst = 0;
    int rc = -1, watching = 0;

    for (size_t s = 1; s < ns; s++)
        others[s - 1] = st[s].conn;
    if (deadline != NULL) {
        pthread_condattr_t ca;

        m.deadline = *deadline;
        if (pthread_condattr_init(&ca) != 0 ||
            pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
            pthread_cond_init(&m.done_cv, &ca) != 0) {
            err_set(err, errlen, "agg_par: cannot set up the deadline");
            goto done;
        }
        pthread_condattr_destroy(&ca);
        if (pthread_create(&mon, NULL, monitor_run, &m) != 0) {
            err_set(err, errlen, "agg_par: cannot start a thread");
            goto done;
        }
        watching = 1;
    }

    if (lists == NULL || order == NULL) {
        err_set(err, errlen, "out of memory");
        goto done;
    }
    /* Cities dealt out in turn, in slug order; each stream's accumulators
     * know their cities from the start, with the registry position as the
     * index the hooks see. */
    for (size_t s = 0; s < ns; s++) {
        size_t len = 1;

        for (size_t k = s; k < ncities; k += ns)
            len += strlen(PQgetvalue(cities, (int)k, 0)) + 1;
        lists[s] = calloc(len, 1);
        st[s].aggs = calloc(n, sizeof *st[s].aggs);
        st[s].first = calloc((ncities / ns + 2) * (nwaves + 1), sizeof *st[s].first);
        if (lists[s] == NULL || st[s].aggs == NULL || st[s].first == NULL) {
            err_set(err, errlen, "out of memory");
            goto done;
        }
        st[s].n = n;
        for (size_t j = 0; j < n; j++) {
            st[s].aggs[j] = agg_new_like(aggs[j], err, errlen);
            if (st[s].aggs[j] == NULL)
                goto done;
        }
        for (size_t k = s, at = 0; k < ncities; k += ns) {
            const char *slug = PQgetvalue(cities, (int)k, 0);
            size_t sl = strlen(slug);

            /* len counted every slug and its comma: this fits */
            if (at > 0)
                lists[s][at++] = ',';
            memcpy(lists[s] + at, slug, sl);
            at += sl;
            for (size_t j = 0; j < n; j++)
                if (aggi_city_intern(st[s].aggs[j], slug, strlen(slug), k) < 0) {
                    err_set(err, errlen, "out of memory");
                    goto done;
                }
        }
        {
            const char *params[6] = { survey, lists[s], cache ? agg_cache_skip(cache) : "[]",
                                      by_wave ? agg_cache_waves(cache) : "[]",
                                      by_wave ? "on" : "off", by_wave ? "off" : "on" };

            st[s].sql = by_wave ? stream_copy_waves : stream_copy;
            if (db_exec(st[s].conn, stream_settings, 6, params, NULL, NULL, err, errlen) != 0)
                goto done;
        }
    }
    for (size_t j = 0; j < n; j++)
        warm_hooks(aggs[j], cities);
    for (size_t s = 1; s < ns; s++, started++)
        if (pthread_create(&th[s], NULL, stream_run, &st[s]) != 0) {
            err_set(err, errlen, "agg_par: cannot start a thread");
            break;
        }
    if (started == ns - 1)
        stream_run(&st[0]);
    else
        st[0].rc = -1;
    for (size_t s = 1; s <= started; s++)
        pthread_join(th[s], NULL);
    if (started < ns - 1)
        goto done;
    *rows = 0;
    for (size_t s = 0; s < ns; s++) {
        if (st[s].rc != 0) {
            err_set(err, errlen, "%s", st[s].err);
            goto done;
        }
        *rows += st[s].rows;
        for (size_t c = 0; c < agg_ncities(st[s].aggs[0]); c++)
            for (size_t w = 0; w < nwaves; w++)
                first[(s + c * ns) * nwaves + w] = st[s].first[c * nwaves + w];
    }
    /* each city's first row: streamed, or as the cache remembers it */
    for (size_t k = 0; k < ncities; k++) {
        uint64_t f = UINT64_MAX;

        for (size_t w = 0; w < nwaves; w++) {
            uint64_t x = first[k * nwaves + w];

            if (x == UINT64_MAX && cache != NULL)
                x = agg_cache_first(cache, k, w);
            f = x < f ? x : f;
        }
        if (f != UINT64_MAX)
            order[nfirst++] = (struct first_row){ f, k };
    }
    /* The cities in the order the single stream meets them, then every
     * stream's cells moved in. */
    qsort(order, nfirst, sizeof *order, first_cmp);
    for (size_t j = 0; j < n; j++) {
        for (size_t i = 0; i < nfirst; i++) {
            const char *slug = PQgetvalue(cities, (int)order[i].key, 0);

            if (aggi_city_intern(aggs[j], slug, strlen(slug), order[i].key) < 0) {
                err_set(err, errlen, "out of memory");
                goto done;
            }
        }
        for (size_t s = 0; s < ns; s++)
            if (absorb(aggs[j], st[s].aggs[j], err, errlen) != 0)
                goto done;
    }
    if (cache != NULL) {
        if (agg_cache_apply(cache, aggs, n, err, errlen) != 0)
            goto done;
        *rows += agg_cache_rows(cache);   /* what the stream would have read */
    }
    rc = 0;
done:
    if (watching) {
        pthread_mutex_lock(&m.lock);
        m.done = 1;
        pthread_cond_signal(&m.done_cv);
        pthread_mutex_unlock(&m.lock);
        pthread_join(mon, NULL);
    }
    pthread_cond_destroy(&m.done_cv);
    for (size_t s = 0; s < ns; s++) {
        for (size_t j = 0; j < n && st[s].aggs != NULL; j++)
            agg_free(st[s].aggs[j]);
        free(st[s].aggs);
        free(st[s].first);
        if (lists != NULL)
            free(lists[s]);
    }
    free(lists);
    free(order);
    return rc;
}

/* Closes the streams' own connections (not conn). */
static void close_streams(struct stream *st)
{
    for (size_t s = 1; s < AGG_PAR_MAX; s++)
        if (st[s].conn != NULL) {
            PQfinish(st[s].conn);
            st[s].conn = NULL;
        }
}

int agg_read_db_par(struct agg *const *aggs, size_t n, PGconn *conn, const char *survey,
                    size_t nstreams, size_t *rows, void (*progress)(size_t rows, void *arg),
                    void *arg, char *err, size_t errlen)
{
    struct stream st[AGG_PAR_MAX];
    _Atomic size_t shared = 0;
    PGresult *snap = NULL, *cities = NULL;
    struct agg_cache *cache = NULL;
    uint64_t *first = NULL;
    char *conninfo = NULL;
    struct timespec deadline;
    int has_deadline = dbpool_get_deadline(&deadline);
    int cached = agg_cache_wanted(aggs, n);
    long connect_timeout = 10;
    size_t ns;
    int rc;

    *rows = 0;
    memset(st, 0, sizeof st);
    for (size_t j = 0; j < n; j++)
        if (aggs[j]->ncities > 0)
            return err_set(err, errlen, "agg_read_db_par: the accumulators must be empty");
    if (nstreams > AGG_PAR_MAX)
        nstreams = AGG_PAR_MAX;
    atomic_store(&last_streams, 1);
    atomic_store(&last_cached, 0);
    if ((nstreams <= 1 && !cached) || PQtransactionStatus(conn) != PQTRANS_IDLE)
        return agg_read_db_many(aggs, n, conn, survey, rows, progress, arg, err, errlen);
    if (db_exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, NULL, NULL,
                err, errlen) != 0)
        return -1;
    if (db_exec(conn, "SELECT pg_export_snapshot()", 0, NULL, &snap, NULL, err, errlen) != 0 ||
        db_exec(conn, "SELECT slug FROM city ORDER BY slug COLLATE \"C\"", 0, NULL, &cities,
                NULL, err, errlen) != 0 ||
        (cached && agg_cache_plan(conn, aggs, n, survey, cities, &cache, err, errlen) != 0))
        goto fail;
    if (!snapshot_ok(PQgetvalue(snap, 0, 0))) {
        err_set(err, errlen, "agg_par: unexpected snapshot name");
        goto fail;
    }
    ns = (size_t)PQntuples(cities) < nstreams ? (size_t)PQntuples(cities) : nstreams;
    if (has_deadline) {
        double left = dbpool_time_left();

        if (left < 1)
            ns = 1;   /* no time to open connections: the one we have */
        connect_timeout = left < 10 ? (long)left + 1 : 10;
    }
    conninfo = ns > 1 ? conninfo_of(conn, connect_timeout) : NULL;
    if (conninfo == NULL)
        ns = 1;
    st[0].conn = conn;
    for (size_t s = 1; s < ns; s++) {
        char ignored[256];

        if (open_stream(conninfo, PQgetvalue(snap, 0, 0), &st[s].conn, ignored,
                        sizeof ignored) != 0) {
            ns = s;   /* fewer streams: as many as could connect */
            break;
        }
    }
    free(conninfo);
    PQclear(snap);
    snap = NULL;
    if (ns <= 1 && cache == NULL) {
        /* nothing to gain over the plain single stream */
        close_streams(st);
        PQclear(cities);
        db_rollback(conn);
        return agg_read_db_many(aggs, n, conn, survey, rows, progress, arg, err, errlen);
    }
    for (size_t s = 0; s < ns; s++) {
        st[s].shared = &shared;
        st[s].progress = progress;
        st[s].arg = arg;
    }
    first = malloc(((size_t)PQntuples(cities) + 1) * (aggs[0]->nwaves + 1) * sizeof *first);
    if (first == NULL) {
        err_set(err, errlen, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < ((size_t)PQntuples(cities) + 1) * (aggs[0]->nwaves + 1); i++)
        first[i] = UINT64_MAX;
    atomic_store(&last_streams, ns);
    atomic_store(&last_cached, cache != NULL ? agg_cache_served(cache) : 0);
    rc = run_streams(aggs, n, st, ns, cities, survey, cache, first,
                     has_deadline ? &deadline : NULL, rows, err, errlen);
    close_streams(st);
    if (rc != 0 || db_commit(conn, err, errlen) != 0)
        goto fail;
    /* Storing may take a while the first time (a few MB per split): not
     * when the caller's deadline (the daemon's request) is near, which
     * would cut conn off with the figures computed. */
    if (cache != NULL && (!has_deadline || dbpool_time_left() > 5.0))
        agg_cache_store(conn, cache, aggs, n, first);
    agg_cache_free(cache);
    free(first);
    PQclear(cities);
    return 0;
fail:
    close_streams(st);
    agg_cache_free(cache);
    free(first);
    PQclear(snap);
    PQclear(cities);
    db_rollback(conn);
    return -1;
}
