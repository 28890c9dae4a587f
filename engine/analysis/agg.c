/*
 * agg: construction of an accumulator, accumulation of responses, and the
 * accessors (agg.h). Cells: agg_cell.c; the stream: agg_read.c; the inside
 * of struct agg: agg_impl.h.
 */
#include "agg_impl.h"

#include "db.h"
#include "dynarr.h"
#include "err.h"
#include "mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- hashing ---------- */

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;   /* FNV-1a */

    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static uint64_t hash_cell(size_t wave, size_t city, int attr)
{
    uint64_t h = (uint64_t)wave * 0x9E3779B97F4A7C15ULL;

    h ^= (uint64_t)city * 0xC2B2AE3D27D4EB4FULL + (h << 6) + (h >> 2);
    h ^= (uint64_t)(uint32_t)attr * 0x165667B19E3779F9ULL + (h << 6) + (h >> 2);
    return h;
}

static int grow_index(size_t **table, size_t *cap, size_t count, uint64_t (*key)(void *, size_t),
                      void *ctx)
{
    size_t newcap = *cap ? *cap * 2 : 64;
    size_t *t;

    if (count * 2 < *cap)
        return 0;
    t = calloc(newcap, sizeof *t);
    if (t == NULL)
        return -1;
    for (size_t i = 0; i < count; i++) {
        size_t j = (size_t)(key(ctx, i) & (newcap - 1));

        while (t[j] != 0)
            j = (j + 1) & (newcap - 1);
        t[j] = i + 1;
    }
    free(*table);
    *table = t;
    *cap = newcap;
    return 0;
}

static uint64_t city_key(void *ctx, size_t i)
{
    struct agg *a = ctx;

    return hash_bytes(a->cities[i], strlen(a->cities[i]));
}

static uint64_t cell_key(void *ctx, size_t i)
{
    struct agg *a = ctx;
    const struct agg_cell *c = a->cells[i];

    return hash_cell(c->wave, c->city, c->attr_value);
}

static size_t census_size(const struct agg *a)
{
    size_t n = a->nwaves * a->census_nslots * a->census_nq;

    return n > 0 ? n : 1;
}

long aggi_city_intern(struct agg *a, const char *name, size_t len, size_t hook)
{
    uint64_t h;
    size_t j;
    char *copy;

    /* rows come in runs of one city: the last one first */
    if (a->last_city > 0) {
        const char *c = a->cities[a->last_city - 1];

        if (strncmp(c, name, len) == 0 && c[len] == '\0')
            return (long)(a->last_city - 1);
    }
    h = hash_bytes(name, len);
    if (a->city_hash_cap > 0) {
        for (j = (size_t)(h & (a->city_hash_cap - 1)); a->city_hash[j] != 0;
             j = (j + 1) & (a->city_hash_cap - 1)) {
            const char *c = a->cities[a->city_hash[j] - 1];

            if (strncmp(c, name, len) == 0 && c[len] == '\0') {
                a->last_city = a->city_hash[j];
                return (long)(a->city_hash[j] - 1);
            }
        }
    }
    if (a->ncities == a->cap_cities) {
        /* three arrays of one length: cap_cities follows once all have grown */
        size_t cap = a->cap_cities, ccap = a->cap_cities, hcap = a->cap_cities;
        char **grown = dynarr_reserve(a->cities, &cap, a->ncities + 1, sizeof *grown);
        double **cgrown;
        size_t *hgrown;

        if (grown == NULL)
            return -1;
        a->cities = grown;
        cgrown = dynarr_reserve(a->census, &ccap, a->ncities + 1, sizeof *cgrown);
        if (cgrown == NULL)
            return -1;
        a->census = cgrown;
        hgrown = dynarr_reserve(a->hook_city, &hcap, a->ncities + 1, sizeof *hgrown);
        if (hgrown == NULL)
            return -1;
        a->hook_city = hgrown;
        a->cap_cities = cap;
    }
    a->census[a->ncities] = calloc(census_size(a), sizeof(double));
    if (a->census[a->ncities] == NULL)
        return -1;
    copy = malloc(len + 1);
    if (copy == NULL) {
        free(a->census[a->ncities]);
        return -1;
    }
    memcpy(copy, name, len);
    copy[len] = '\0';
    a->hook_city[a->ncities] = hook != (size_t)-1 ? hook : a->ncities;
    a->cities[a->ncities++] = copy;
    if (grow_index(&a->city_hash, &a->city_hash_cap, a->ncities, city_key, a) != 0)
        return -1;
    for (j = (size_t)(h & (a->city_hash_cap - 1)); a->city_hash[j] != 0;
         j = (j + 1) & (a->city_hash_cap - 1))
        if (a->city_hash[j] == a->ncities)
            return (long)(a->ncities - 1);
    a->city_hash[j] = a->ncities;
    return (long)(a->ncities - 1);
}

long agg_city_index(const struct agg *a, const char *city)
{
    size_t len = strlen(city);
    uint64_t h = hash_bytes(city, len);

    if (a->city_hash_cap == 0)
        return -1;
    for (size_t j = (size_t)(h & (a->city_hash_cap - 1)); a->city_hash[j] != 0;
         j = (j + 1) & (a->city_hash_cap - 1))
        if (strcmp(a->cities[a->city_hash[j] - 1], city) == 0)
            return (long)(a->city_hash[j] - 1);
    return -1;
}

/* ---------- construction ---------- */

static int find_code(const struct agg *a, const char *code)
{
    for (size_t k = 0; k < a->nitems; k++)
        if (strcmp(a->defs[k].code, code) == 0)
            return (int)k;
    return -1;
}

/* Adds version v's items to the unified list. */
static int unify_version(struct agg *a, struct agg_version *ver, char *err, size_t errlen)
{
    const struct survey *s = ver->s;

    ver->item_of = calloc(s->nitems ? s->nitems : 1, sizeof *ver->item_of);
    if (ver->item_of == NULL)
        return err_set(err, errlen, "out of memory");
    for (size_t i = 0; i < s->nitems; i++) {
        const struct survey_item *it = &s->items[i];
        char code[160];
        int k;

        /* An older version's item joins the newest one of the same code
         * unless the wording changed after that older version. */
        snprintf(code, sizeof code, "%s", it->code);
        k = find_code(a, code);
        if (k >= 0 && s != a->newest && a->defs[k].wording_changed > s->version) {
            snprintf(code, sizeof code, "%s@v%d", it->code, s->version);
            k = find_code(a, code);
        }
        if (k >= 0) {
            if (a->defs[k].type != it->type || a->defs[k].min != it->min ||
                a->defs[k].max != it->max)
                return err_set(err, errlen,
                               "survey %s: item \"%s\" differs in type or range between "
                               "versions %d and %d; give it a new code",
                               s->slug, it->code, a->newest->version, s->version);
            ver->item_of[i] = (size_t)k;
            continue;
        }
        a->defs[a->nitems] = *it;
        if (strcmp(code, it->code) != 0) {
            char *own = strdup(code);

            if (own == NULL)
                return err_set(err, errlen, "out of memory");
            a->own_codes[a->nitems] = own;
            a->defs[a->nitems].code = own;
        }
        ver->item_of[i] = a->nitems++;
    }
    return 0;
}

static int setup_versions(struct agg *a, const struct survey *const *versions, size_t n,
                          const char *by_attr, char *err, size_t errlen)
{
    size_t total = 0;

    for (size_t v = 0; v < n; v++)
        total += versions[v]->nitems;
    a->defs = calloc(total ? total : 1, sizeof *a->defs);
    a->own_codes = calloc(total ? total : 1, sizeof *a->own_codes);
    a->versions = calloc(n, sizeof *a->versions);
    a->score = calloc(total ? total : 1, sizeof *a->score);
    a->row_slot = calloc(total ? total : 1, sizeof *a->row_slot);
    if (a->defs == NULL || a->own_codes == NULL || a->versions == NULL || a->score == NULL ||
        a->row_slot == NULL)
        return err_set(err, errlen, "out of memory");
    a->nversions = n;
    for (size_t v = 0; v < n; v++) {
        a->versions[v].s = versions[v];
        a->versions[v].attr_pos = by_attr ? survey_attr_index(versions[v], by_attr) : -1;
        if (by_attr != NULL && a->versions[v].attr_pos < 0)
            return err_set(err, errlen, "survey %s version %d has no attribute \"%s\"",
                           versions[v]->slug, versions[v]->version, by_attr);
        if (unify_version(a, &a->versions[v], err, errlen) != 0)
            return -1;
    }
    return 0;
}

static int setup_dims(struct agg *a, char *err, size_t errlen)
{
    const struct survey *s = a->newest;

    size_t nd = s->ndimensions ? s->ndimensions : 1;

    a->dim_items = calloc(nd, sizeof *a->dim_items);
    a->dim_lo = calloc(nd, sizeof *a->dim_lo);
    a->dim_hi = calloc(nd, sizeof *a->dim_hi);
    a->dim_base = calloc(nd, sizeof *a->dim_base);
    a->dim_nslots = calloc(nd, sizeof *a->dim_nslots);
    a->row_dim = calloc(nd, sizeof *a->row_dim);
    if (a->dim_items == NULL || a->dim_lo == NULL || a->dim_hi == NULL || a->dim_base == NULL ||
        a->dim_nslots == NULL || a->row_dim == NULL)
        return err_set(err, errlen, "out of memory");
    for (size_t d = 0; d < s->ndimensions; d++) {
        const struct survey_dimension *dim = &s->dimensions[d];

        a->dim_items[d] = calloc(dim->nitems ? dim->nitems : 1, sizeof(size_t));
        if (a->dim_items[d] == NULL)
            return err_set(err, errlen, "out of memory");
        /* The newest version's items come first, so position i is unified i. */
        for (size_t j = 0; j < dim->nitems; j++)
            a->dim_items[d][j] = a->versions[0].item_of[dim->items[j]];
        if (aggi_dim_layout(a, d) != 0)
            return err_set(err, errlen, "out of memory");
    }
    a->enps = s->enps_item >= 0 ? (int)a->versions[0].item_of[s->enps_item] : -1;
    return 0;
}

/* The census's slots: 0 for the whole cell, then for each attribute of the
 * newest version one slot per option and one for "not given"; and where
 * each version keeps that attribute. Quantities: respondents, each item's
 * answers, each dimension's scores. */
static int setup_census(struct agg *a)
{
    const struct survey *s = a->newest;
    size_t slot = 1;

    a->census_first = calloc(s->nattrs + 1, sizeof *a->census_first);
    a->counted = calloc(1 + a->nitems + s->ndimensions, sizeof *a->counted);
    if (a->census_first == NULL || a->counted == NULL)
        return -1;
    for (size_t i = 0; i < s->nattrs; i++) {
        a->census_first[i] = slot;
        slot += s->attrs[i].noptions + 1;
    }
    a->census_first[s->nattrs] = slot;
    a->census_nslots = slot;
    a->census_nq = 1 + a->nitems + s->ndimensions;
    for (size_t v = 0; v < a->nversions; v++) {
        struct agg_version *ver = &a->versions[v];

        ver->census_pos = calloc(s->nattrs ? s->nattrs : 1, sizeof *ver->census_pos);
        if (ver->census_pos == NULL)
            return -1;
        for (size_t i = 0; i < s->nattrs; i++)
            ver->census_pos[i] = survey_attr_index(ver->s, s->attrs[i].code);
    }
    return 0;
}

struct agg *agg_new(const struct survey *const *versions, size_t nversions,
                    const char *const *waves, size_t nwaves, const char *by_attr, char *err,
                    size_t errlen)
{
    struct agg *a;

    if (nversions == 0) {
        err_set(err, errlen, "agg: no instrument version given");
        return NULL;
    }
    a = calloc(1, sizeof *a);
    if (a == NULL) {
        err_set(err, errlen, "out of memory");
        return NULL;
    }
    a->newest = versions[0];
    a->split = by_attr != NULL;
    a->only_wave = SIZE_MAX;
    if (by_attr != NULL) {
        a->by_attr = strdup(by_attr);
        if (a->by_attr == NULL)
            goto oom;
    }
    if (setup_versions(a, versions, nversions, by_attr, err, errlen) != 0 ||
        setup_dims(a, err, errlen) != 0)
        goto fail;
    a->waves = calloc(nwaves ? nwaves : 1, sizeof *a->waves);
    if (a->waves == NULL)
        goto oom;
    for (size_t w = 0; w < nwaves; w++) {
        a->waves[w] = strdup(waves[w]);
        if (a->waves[w] == NULL)
            goto oom;
        a->nwaves++;
    }
    if (setup_census(a) != 0)
        goto oom;
    return a;
oom:
    err_set(err, errlen, "out of memory");
fail:
    agg_free(a);
    return NULL;
}

void agg_free(struct agg *a)
{
    if (a == NULL)
        return;
    for (size_t v = 0; v < a->nversions; v++)
        FREE_ALL(a->versions[v].item_of, a->versions[v].census_pos);
    FREE_EACH(a->census, a->ncities);
    FREE_EACH(a->own_codes, a->nitems);
    FREE_EACH(a->dim_items, a->newest->ndimensions);
    FREE_EACH(a->dim_base, a->newest->ndimensions);
    FREE_EACH(a->waves, a->nwaves);
    FREE_EACH(a->cities, a->ncities);
    FREE_EACH(a->cells, a->ncells);
    FREE_ALL(a->census_first, a->counted, a->versions, a->defs, a->dim_lo, a->dim_hi,
             a->dim_nslots, a->hook_city, a->by_attr, a->city_hash, a->cell_hash, a->score,
             a->row_slot, a->row_dim, a);
}

/* ---------- accumulation ---------- */

struct agg_cell *aggi_cell_get(struct agg *a, size_t wave, size_t city, int attr)
{
    uint64_t h = hash_cell(wave, city, attr);
    struct agg_cell *c;
    size_t j;

    if (a->cell_hash_cap > 0) {
        for (j = (size_t)(h & (a->cell_hash_cap - 1)); a->cell_hash[j] != 0;
             j = (j + 1) & (a->cell_hash_cap - 1)) {
            c = a->cells[a->cell_hash[j] - 1];
            if (c->wave == wave && c->city == city && c->attr_value == attr)
                return c;
        }
    }
    if (a->ncells == a->cap_cells) {
        struct agg_cell **grown = dynarr_reserve(a->cells, &a->cap_cells, a->ncells + 1,
                                                 sizeof *grown);

        if (grown == NULL)
            return NULL;
        a->cells = grown;
    }
    c = aggi_cell_alloc(a);
    if (c == NULL)
        return NULL;
    c->wave = wave;
    c->city = city;
    c->attr_value = attr;
    a->cells[a->ncells++] = c;
    if (grow_index(&a->cell_hash, &a->cell_hash_cap, a->ncells, cell_key, a) != 0)
        return NULL;
    for (j = (size_t)(h & (a->cell_hash_cap - 1)); a->cell_hash[j] != 0;
         j = (j + 1) & (a->cell_hash_cap - 1))
        if (a->cell_hash[j] == a->ncells)
            return c;
    a->cell_hash[j] = a->ncells;
    return c;
}

const struct agg_cell *agg_cell_find(const struct agg *a, size_t wave, size_t city,
                                     int attr_value)
{
    uint64_t h = hash_cell(wave, city, attr_value);

    if (a->cell_hash_cap == 0)
        return NULL;
    for (size_t j = (size_t)(h & (a->cell_hash_cap - 1)); a->cell_hash[j] != 0;
         j = (j + 1) & (a->cell_hash_cap - 1)) {
        const struct agg_cell *c = a->cells[a->cell_hash[j] - 1];

        if (c->wave == wave && c->city == city && c->attr_value == attr_value)
            return c;
    }
    return NULL;
}

/* One answer y of weight w into the calibration sums: its post-stratum's
 * n, Σy, Σy², or the sums of the uncalibrated answers (stratum < 0). */
static void cal_put(struct agg_cal *cal, long stratum, double y, double w)
{
    if (cal->h == NULL)
        return;
    if (stratum >= 0) {
        double *h = &cal->h[3 * (size_t)stratum];

        h[0] += 1.0;
        h[1] += y;
        h[2] += y * y;
        return;
    }
    cal->unc[0] += 1.0;
    cal->unc[1] += w;
    cal->unc[2] += w * y;
    cal->unc[3] += w * w;
    cal->unc[4] += w * w * y;
    cal->unc[5] += w * w * y * y;
}

/* Adds one item's answer; writes the item's score (or SURVEY_NA) to a->score. */
static void add_item(struct agg *a, struct agg_cell *c, size_t k, int x, double w, long stratum)
{
    const struct survey_item *def = &a->defs[k];
    struct agg_item *it = &c->items[k];

    a->score[k] = SURVEY_NA;
    if (x == SURVEY_NA || it->nvalues == 0 || survey_is_missing(def, x))
        return;
    if (def->type == SURVEY_MULTI) {
        value_put(&it->answered, w);
        a->row_slot[k] = x;
        a->counted[a->ncounted++] = 1 + k;
        for (size_t o = 0; o < it->nvalues && o < 15; o++)
            if ((unsigned)x & (1u << o))
                value_put(&it->values[o], w);
        return;
    }
    if (def->type == SURVEY_LIKERT || def->type == SURVEY_SCALE)
        x = survey_score(def, x);
    if (x < it->min || (size_t)(x - it->min) >= it->nvalues)
        return;
    value_put(&it->values[x - it->min], w);
    a->row_slot[k] = x - it->min;
    a->counted[a->ncounted++] = 1 + k;
    if (it->cal.h != NULL) {   /* calibration sums: calibrated surveys only */
        cal_put(&it->cal, stratum, x, w);
        if (def->type == SURVEY_LIKERT)
            cal_put(&it->fav, stratum, x > def->max - a->newest->favourable_top ? 1.0 : 0.0, w);
    }
    if (def->type == SURVEY_LIKERT || def->type == SURVEY_SCALE)
        a->score[k] = x;
}

static void add_dims(struct agg *a, struct agg_cell *c, double w, long stratum)
{
    int y = a->enps >= 0 ? a->score[a->enps] : SURVEY_NA;

    for (size_t d = 0; d < a->newest->ndimensions; d++) {
        const struct survey_dimension *def = &a->newest->dimensions[d];
        struct agg_dim *dim = &c->dims[d];
        const size_t *items = a->dim_items[d];
        size_t k = def->nitems, m = 0, slot;
        long sum = 0;

        a->row_dim[d] = -1;
        for (size_t j = 0; j < k; j++)
            if (a->score[items[j]] != SURVEY_NA) {
                sum += a->score[items[j]];
                m++;
            }
        if (m == 0 || m < def->min_items)
            continue;
        slot = a->dim_base[d][m] + (size_t)(sum - (long)m * a->dim_lo[d]);
        if (sum >= (long)m * a->dim_lo[d] && slot < dim->nslots) {
            value_put(&dim->hist[slot], w);
            a->row_dim[d] = (long)slot;
            a->counted[a->ncounted++] = 1 + a->nitems + d;
            if (dim->cal.h != NULL)
                cal_put(&dim->cal, stratum, (double)sum / (double)m, w);
        }
        if (a->breakdown_only)
            continue;
        if (y != SURVEY_NA)
            stats_xysums_add(&dim->driver, (double)sum / (double)m, y);
        if (m < k)
            continue;
        dim->cc_n += 1.0;
        for (size_t i = 0; i < k; i++) {
            double xi = a->score[items[i]];

            dim->cc_s[i] += xi;
            /* the upper triangle: all that stats_cronbach_alpha reads */
            for (size_t j = i; j < k; j++)
                dim->cc_ss[i * k + j] += xi * a->score[items[j]];
        }
    }
}

static void add_drivers(struct agg *a, struct agg_cell *c)
{
    int y = a->enps >= 0 ? a->score[a->enps] : SURVEY_NA;

    if (y == SURVEY_NA)
        return;
    for (size_t k = 0; k < a->nitems; k++)
        if ((int)k != a->enps && a->score[k] != SURVEY_NA)
            stats_xysums_add(&c->items[k].driver, a->score[k], y);
}

/* Counts one response in its census slots: the whole cell and, for every
 * attribute, the slot of its answer ("not given" for none or an unknown code). */
static void census_add(struct agg *a, const struct agg_version *ver, size_t city, size_t wave,
                       const int16_t *attrs, size_t nattrs)
{
    const struct survey *s = a->newest;
    size_t nq = a->census_nq;
    double *block = a->census[city] + wave * a->census_nslots * nq;

    for (size_t i = 0; i < a->ncounted; i++)
        block[a->counted[i]] += 1.0;
    for (size_t at = 0; at < s->nattrs; at++) {
        const struct survey_attr *def = &s->attrs[at];
        int pos = ver->census_pos[at];
        size_t o = def->noptions;
        double *row;

        if (pos >= 0 && (size_t)pos < nattrs && attrs[pos] != SURVEY_NA)
            for (size_t j = 0; j < def->noptions && o == def->noptions; j++)
                if (def->options[j].code == attrs[pos])
                    o = j;
        row = block + (a->census_first[at] + o) * nq;
        for (size_t i = 0; i < a->ncounted; i++)
            row[a->counted[i]] += 1.0;
    }
}

struct agg_cell *aggi_cell_of(struct agg *a, const struct agg_version *ver, const char *city,
                              size_t city_len, size_t wave, const int16_t *attrs, size_t nattrs,
                              double weight, double *w, long *ci)
{
    int attr = SURVEY_NA;
    struct agg_cell *c;

    if (ver->attr_pos >= 0)
        attr = (size_t)ver->attr_pos < nattrs ? attrs[ver->attr_pos] : SURVEY_NA;
    *ci = aggi_city_intern(a, city, city_len, (size_t)-1);
    c = *ci < 0 ? NULL : aggi_cell_get(a, wave, (size_t)*ci, attr);
    *w = weight > 0 ? weight : 1.0;
    if (c != NULL && a->weight_fn != NULL)
        *w = a->weight_fn(a->weight_ctx, a->hook_city[*ci], a->cities[*ci], wave, ver->s->version,
                          attrs, nattrs, weight > 0 ? weight : 0);
    return c;
}

int agg_add(struct agg *a, const char *city, size_t city_len, size_t wave, int version,
            const int16_t *attrs, size_t nattrs, const int16_t *answers, size_t nanswers,
            double weight, char *err, size_t errlen)
{
    struct agg_version *ver = NULL;
    struct agg_cell *c;
    double w;
    long ci, stratum = -1;

    for (size_t v = 0; v < a->nversions && ver == NULL; v++)
        if (a->versions[v].s->version == version)
            ver = &a->versions[v];
    if (ver == NULL)
        return err_set(err, errlen, "response of unknown instrument version %d", version);
    if (nanswers != ver->s->nitems)
        return err_set(err, errlen, "response has %zu answers, version %d has %zu items",
                       nanswers, version, ver->s->nitems);
    if (wave >= a->nwaves)
        return err_set(err, errlen, "wave index %zu out of range", wave);
    if (!agg_wave_kept(a, wave))
        return 0;   /* a wave not kept (agg_keep_only_wave) */
    c = aggi_cell_of(a, ver, city, city_len, wave, attrs, nattrs, weight, &w, &ci);
    if (c == NULL)
        return err_set(err, errlen, "out of memory");
    if (a->stratum_fn != NULL) {
        stratum = a->stratum_fn(a->stratum_ctx, a->hook_city[ci], a->cities[ci], wave, version,
                                attrs, nattrs);
        if (stratum >= (long)a->nstrata)
            stratum = -1;
    }
    value_put(&c->respondents, w);
    for (size_t k = 0; k < a->nitems; k++) {
        a->score[k] = SURVEY_NA;
        a->row_slot[k] = -1;
    }
    a->counted[0] = 0;
    a->ncounted = 1;
    for (size_t p = 0; p < nanswers; p++)
        add_item(a, c, ver->item_of[p], answers[p], w, stratum);
    if (!a->breakdown_only)
        add_drivers(a, c);
    add_dims(a, c, w, stratum);
    if (!a->breakdown_only)
        census_add(a, ver, (size_t)ci, wave, attrs, nattrs);
    return 0;
}

void agg_set_weight_fn(struct agg *a, agg_weight_fn fn, void *ctx)
{
    a->weight_fn = fn;
    a->weight_ctx = ctx;
}
