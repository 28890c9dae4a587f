/*
 * agg_impl: the inside of agg (agg.h), shared by its modules and by no one
 * else: agg.c (construction, accumulation), agg_get.c (accessors),
 * agg_scope.c (what an accumulator keeps: one wave, a breakdown's sums, a
 * follower of another), agg_cell.c (the layout of a cell and what works on
 * whole cells: allocation, merging, dimension points, calibration),
 * agg_read.c (the COPY stream) and agg_par.c (parallel streams).
 */
#ifndef EMPIRIE_AGG_IMPL_H
#define EMPIRIE_AGG_IMPL_H

#include "agg.h"

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

/* Items with a wider value range than this (NUMBER items such as a year)
 * are not accumulated: a histogram would cost too much per cell. */
#define AGG_MAX_VALUES 4096

/* How one instrument version's answer positions map to unified items. */
struct agg_version {
    const struct survey *s;
    size_t *item_of;   /* s->nitems: unified index of each answer position */
    int attr_pos;      /* position of the split attribute in attrs, or -1 */
    int *census_pos;   /* per attribute of the newest version: its position in attrs, or -1 */
};

struct agg {
    struct agg_version *versions;
    size_t nversions;
    struct survey_item *defs;    /* unified items (copies; codes may be ours) */
    char **own_codes;            /* codes we allocated ("code@vN"), to free */
    size_t nitems;
    const struct survey *newest;
    size_t **dim_items;          /* per dimension: unified item indices */
    int *dim_lo, *dim_hi;        /* per dimension: the lowest and highest item score */
    size_t **dim_base;           /* per dimension: slot of (m, sum m*lo), m = 0..k */
    size_t *dim_nslots;
    int enps;
    char **waves;
    size_t nwaves;
    int split;                   /* cells are split by an attribute */
    size_t only_wave;            /* the one wave accumulated, or SIZE_MAX for every wave */
    int breakdown_only;          /* no drivers, no alpha sums, no census (agg_breakdown_only) */
    char *by_attr;               /* its code (a copy), or NULL */

    char **cities;               /* first-seen order */
    size_t *hook_city;           /* per city: the index the hooks see (itself, unless set
                                  * by aggi_city_intern: agg_par) */
    size_t ncities, cap_cities;
    size_t *city_hash;           /* open addressing: index + 1, 0 = empty */
    size_t city_hash_cap;
    size_t last_city;            /* index + 1 of the city found last, 0 = none */

    struct agg_cell **cells;
    size_t ncells, cap_cells;
    size_t *cell_hash;           /* index + 1, 0 = empty */
    size_t cell_hash_cap;

    agg_weight_fn weight_fn;
    void *weight_ctx;
    agg_stratum_fn stratum_fn;
    void *stratum_ctx;
    size_t nstrata;              /* post-strata per city cell; 0: not calibrated */
    /* scratch for agg_add: the score of every unified item, or SURVEY_NA;
     * the value slot the response was counted in (MULTI: its bits), or -1;
     * per dimension the score's slot, or -1 (what a follower takes:
     * aggi_add_follow) */
    int *score;
    int *row_slot;
    long *row_dim;
    /* The census (agg_census): unweighted counts per wave x city x slot x
     * quantity, for every attribute of the newest version at once. */
    size_t census_nslots, census_nq;
    size_t *census_first;        /* newest nattrs + 1 */
    double **census;             /* per city: nwaves x nslots x nq */
    size_t census_cap;
    size_t *counted;             /* scratch: the quantities one response counts in */
    size_t ncounted;
    size_t ndoubles_per_cell;    /* layout size, for agg_cell_new */
};

/* One response of weight w into a value slot. */
static inline void value_put(struct agg_value *v, double w)
{
    v->n += 1.0;
    v->w += w;
    v->w2 += w * w;
}

/*
 * agg_scope.c: whether b may take its responses from leader a
 * (aggi_add_follow): b breakdown-only and not calibrated, a keeping every
 * wave, both of the same items and dimensions (the same instrument
 * versions). aggi_add_follow adds to b the response a has just added with
 * agg_add (its item and dimension slots, as a found them): what agg_add on
 * b would add, without scoring the answers again.
 */
int aggi_can_follow(const struct agg *b, const struct agg *a);
int aggi_add_follow(struct agg *b, const struct agg *a, const char *city, size_t city_len,
                    size_t wave, int version, const int16_t *attrs, size_t nattrs, double weight,
                    char *err, size_t errlen);

/* agg_cell.c: a new all-zero cell of a's layout (NULL when out of memory);
 * dst += sign * src (the per-stratum sums h are left alone); dimension d's
 * slots into a (0, or -1 when out of memory). */
struct agg_cell *aggi_cell_alloc(const struct agg *a);
void aggi_cell_combine(const struct agg *a, struct agg_cell *dst, const struct agg_cell *src,
                       double sign);
int aggi_dim_layout(struct agg *a, size_t d);

/* agg_cell.c: every sum of a cell as aggi_cell_ndoubles doubles in a fixed
 * order, and back (agg_cache); not for calibrated accumulators (the
 * per-stratum sums are not packed). */
size_t aggi_cell_ndoubles(const struct agg *a);
void aggi_cell_pack(const struct agg *a, const struct agg_cell *c, double *out);
void aggi_cell_unpack(const struct agg *a, struct agg_cell *c, const double *in);

/* agg.c: the cell of (wave, city, attr), made when new (NULL when out of
 * memory); the index of a city, added when new, and then shown to the hooks
 * as hook (or as its own index when hook is (size_t)-1); -1 when out of
 * memory. */
struct agg_cell *aggi_cell_get(struct agg *a, size_t wave, size_t city, int attr);
/* agg.c: the cell of one response (its city interned, its split attribute
 * read from attrs as version ver lays them out) and its weight (the hook's,
 * else the weight given, else 1); *ci the city's index. NULL when out of
 * memory. */
struct agg_cell *aggi_cell_of(struct agg *a, const struct agg_version *ver, const char *city,
                              size_t city_len, size_t wave, const int16_t *attrs, size_t nattrs,
                              double weight, double *w, long *ci);
long aggi_city_intern(struct agg *a, const char *name, size_t len, size_t hook);

/*
 * agg_read.c: one COPY ... TO STDOUT (sql, no parameters) into the n
 * accumulators. With first (one slot per city of aggs[0] and wave, cities
 * already interned), the rows carry a seventh column, the row's ctid, and
 * first[c * nwaves + w] gets the (block << 16 | offset) of the first row
 * added for city c in wave w (UINT64_MAX for none). progress, when not NULL, is called about every
 * 65536 rows with *shared, a count of rows that every stream adds to.
 */
int aggi_copy_rows(struct agg *const *aggs, size_t n, PGconn *conn, const char *sql,
                   uint64_t *first, size_t *rows, _Atomic size_t *shared,
                   void (*progress)(size_t rows, void *arg), void *arg, char *err,
                   size_t errlen);

#endif
