/*
 * agg_cell: the layout of an accumulator's cell and what works on whole
 * cells (agg.h): allocation, merging and subtraction, a dimension's points,
 * calibration. The inside of struct agg: agg_impl.h.
 */
#include "agg_impl.h"

#include "err.h"

#include <stdlib.h>
#include <string.h>

/* ---------- cell layout ---------- */

static size_t item_slots(const struct survey_item *it)
{
    long range;

    switch (it->type) {
    case SURVEY_LIKERT:
    case SURVEY_SCALE:
    case SURVEY_NUMBER:
        range = (long)it->max - it->min + 1;
        return range > 0 && range <= AGG_MAX_VALUES ? (size_t)range : 0;
    case SURVEY_SINGLE: {
        int lo = 0, hi = -1;

        for (size_t i = 0; i < it->noptions; i++) {
            if (i == 0 || it->options[i].code < lo)
                lo = it->options[i].code;
            if (i == 0 || it->options[i].code > hi)
                hi = it->options[i].code;
        }
        range = (long)hi - lo + 1;
        return range > 0 && range <= AGG_MAX_VALUES ? (size_t)range : 0;
    }
    case SURVEY_MULTI:
        return it->noptions;
    default:
        return 0;
    }
}

static int item_slot0(const struct survey_item *it)
{
    int lo = 0;

    if (it->type == SURVEY_SINGLE) {
        for (size_t i = 0; i < it->noptions; i++)
            if (i == 0 || it->options[i].code < lo)
                lo = it->options[i].code;
        return lo;
    }
    return it->type == SURVEY_MULTI ? 0 : it->min;
}

/* Slots of dimension d: for every m from min_items (at least 1) to k, the
 * sums m*lo .. m*hi. Sets the dimension's layout in a. */
int aggi_dim_layout(struct agg *a, size_t d)
{
    const struct survey_dimension *dim = &a->newest->dimensions[d];
    size_t first = dim->min_items > 0 ? dim->min_items : 1;
    size_t n = 0;
    int lo = 0, hi = 0;

    for (size_t j = 0; j < dim->nitems; j++) {
        const struct survey_item *it = &a->defs[a->dim_items[d][j]];

        if (j == 0 || it->min < lo)
            lo = it->min;
        if (j == 0 || it->max > hi)
            hi = it->max;
    }
    a->dim_lo[d] = lo;
    a->dim_hi[d] = hi;
    a->dim_base[d] = calloc(dim->nitems + 1, sizeof(size_t));
    if (a->dim_base[d] == NULL)
        return -1;
    for (size_t m = first; m <= dim->nitems; m++) {
        a->dim_base[d][m] = n;
        n += m * (size_t)(hi - lo) + 1;
    }
    a->dim_nslots[d] = n;
    return 0;
}

size_t agg_dim_npoints(const struct agg *a, size_t d)
{
    return a->dim_nslots[d];
}

struct dim_point {
    long num;            /* score - lo = num / den */
    long den;
    struct agg_value v;
};

static int point_cmp(const void *x, const void *y)
{
    const struct dim_point *p = x, *q = y;
    long l = p->num * q->den, r = q->num * p->den;   /* exact: small integers */

    return (l > r) - (l < r);
}

size_t agg_dim_points(const struct agg *a, size_t d, const struct agg_dim *dim, double *score,
                      struct agg_value *v, size_t cap)
{
    const struct survey_dimension *def = &a->newest->dimensions[d];
    size_t first = def->min_items > 0 ? def->min_items : 1;
    long range = a->dim_hi[d] - a->dim_lo[d];
    struct dim_point buf[256];
    struct dim_point *pts = dim->nslots <= 256 ? buf : malloc(dim->nslots * sizeof *pts);
    size_t n = 0, out = 0;

    if (pts == NULL)
        return 0;
    for (size_t m = first; m <= def->nitems; m++)
        for (long j = 0; j <= (long)m * range; j++) {
            const struct agg_value *x = &dim->hist[a->dim_base[d][m] + (size_t)j];

            if (x->n > 0 || x->w > 0)
                pts[n++] = (struct dim_point){ j, (long)m, *x };
        }
    qsort(pts, n, sizeof *pts, point_cmp);
    for (size_t i = 0; i < n; i++) {
        if (out > 0 && point_cmp(&pts[i], &pts[i - 1]) == 0) {
            v[out - 1].n += pts[i].v.n;
            v[out - 1].w += pts[i].v.w;
            v[out - 1].w2 += pts[i].v.w2;
            continue;
        }
        if (out == cap)
            break;
        score[out] = a->dim_lo[d] + (double)pts[i].num / (double)pts[i].den;
        v[out++] = pts[i].v;
    }
    if (pts != buf)
        free(pts);
    return out;
}

/* Lays out one cell inside a single calloc'd block: the struct, then the
 * item and dimension arrays, then every double. Returns NULL when out of
 * memory. */
struct agg_cell *aggi_cell_alloc(const struct agg *a)
{
    size_t ndims = a->newest->ndimensions;
    size_t bytes = sizeof(struct agg_cell) + a->nitems * sizeof(struct agg_item) +
                   ndims * sizeof(struct agg_dim);
    size_t doubles = 0;
    struct agg_cell *c;
    char *p;
    double *dp;

    for (size_t k = 0; k < a->nitems; k++)
        doubles += 3 * item_slots(&a->defs[k]) + 6 * a->nstrata;
    for (size_t d = 0; d < ndims; d++) {
        size_t k = a->newest->dimensions[d].nitems;

        doubles += 3 * a->dim_nslots[d] + k + k * k + 3 * a->nstrata;
    }
    bytes = (bytes + sizeof(double) - 1) / sizeof(double) * sizeof(double);
    c = calloc(1, bytes + doubles * sizeof(double));
    if (c == NULL)
        return NULL;
    p = (char *)(c + 1);
    c->items = (struct agg_item *)p;
    p += a->nitems * sizeof(struct agg_item);
    c->dims = (struct agg_dim *)p;
    dp = (double *)((char *)c + bytes);
    for (size_t k = 0; k < a->nitems; k++) {
        struct agg_item *it = &c->items[k];

        it->nvalues = item_slots(&a->defs[k]);
        it->min = item_slot0(&a->defs[k]);
        it->values = it->nvalues ? (struct agg_value *)dp : NULL;
        dp += 3 * it->nvalues;
        it->cal.h = a->nstrata ? dp : NULL;
        dp += 3 * a->nstrata;
        it->fav.h = a->nstrata ? dp : NULL;
        dp += 3 * a->nstrata;
    }
    for (size_t d = 0; d < ndims; d++) {
        struct agg_dim *dim = &c->dims[d];
        size_t k = a->newest->dimensions[d].nitems;

        dim->nslots = a->dim_nslots[d];
        dim->hist = (struct agg_value *)dp;
        dp += 3 * dim->nslots;
        dim->cc_s = dp;
        dp += k;
        dim->cc_ss = dp;
        dp += k * k;
        dim->cal.h = a->nstrata ? dp : NULL;
        dp += 3 * a->nstrata;
    }
    c->attr_value = SURVEY_NA;
    return c;
}

struct agg_cell *agg_cell_new(const struct agg *a)
{
    return aggi_cell_alloc(a);
}

void agg_cell_free(const struct agg *a, struct agg_cell *c)
{
    (void)a;
    free(c);
}

static void value_add(struct agg_value *dst, const struct agg_value *src, double sign)
{
    dst->n += sign * src->n;
    dst->w += sign * src->w;
    dst->w2 += sign * src->w2;
}

static void pair_add(struct stats_xysums *dst, const struct stats_xysums *src, double sign)
{
    dst->n += sign * src->n;
    dst->sx += sign * src->sx;
    dst->sy += sign * src->sy;
    dst->sxx += sign * src->sxx;
    dst->syy += sign * src->syy;
    dst->sxy += sign * src->sxy;
}

/* The per-stratum sums h are a city cell's own: not combined. */
static void cal_add(struct agg_cal *dst, const struct agg_cal *src, double sign)
{
    for (size_t i = 0; i < 3; i++)
        dst->cal[i] += sign * src->cal[i];
    for (size_t i = 0; i < 6; i++)
        dst->unc[i] += sign * src->unc[i];
}

void aggi_cell_combine(const struct agg *a, struct agg_cell *dst, const struct agg_cell *src,
                       double sign)
{
    value_add(&dst->respondents, &src->respondents, sign);
    for (size_t k = 0; k < a->nitems; k++) {
        struct agg_item *d = &dst->items[k];
        const struct agg_item *s = &src->items[k];

        for (size_t v = 0; v < d->nvalues; v++)
            value_add(&d->values[v], &s->values[v], sign);
        value_add(&d->answered, &s->answered, sign);
        pair_add(&d->driver, &s->driver, sign);
        cal_add(&d->cal, &s->cal, sign);
        cal_add(&d->fav, &s->fav, sign);
    }
    for (size_t dd = 0; dd < a->newest->ndimensions; dd++) {
        struct agg_dim *d = &dst->dims[dd];
        const struct agg_dim *s = &src->dims[dd];
        size_t k = a->newest->dimensions[dd].nitems;

        for (size_t v = 0; v < d->nslots; v++)
            value_add(&d->hist[v], &s->hist[v], sign);
        pair_add(&d->driver, &s->driver, sign);
        cal_add(&d->cal, &s->cal, sign);
        d->cc_n += sign * s->cc_n;
        for (size_t i = 0; i < k; i++)
            d->cc_s[i] += sign * s->cc_s[i];
        for (size_t i = 0; i < k * k; i++)
            d->cc_ss[i] += sign * s->cc_ss[i];
    }
}

void agg_cell_merge(const struct agg *a, struct agg_cell *dst, const struct agg_cell *src)
{
    aggi_cell_combine(a, dst, src, 1.0);
}

void agg_cell_subtract(const struct agg *a, struct agg_cell *dst, const struct agg_cell *src)
{
    aggi_cell_combine(a, dst, src, -1.0);
}

/* ---------- calibration ---------- */

int agg_set_strata(struct agg *a, size_t nstrata, agg_stratum_fn fn, void *ctx, char *err,
                   size_t errlen)
{
    if (a->ncells > 0)
        return err_set(err, errlen, "agg: strata set after responses were added");
    a->nstrata = fn != NULL ? nstrata : 0;
    a->stratum_fn = a->nstrata ? fn : NULL;
    a->stratum_ctx = ctx;
    return 0;
}

int agg_calibrated(const struct agg *a)
{
    return a->nstrata > 0;
}

int agg_calibrate(struct agg *a, agg_cal_fn fn, void *ctx, char *err, size_t errlen)
{
    if (a->nstrata == 0)
        return 0;
    for (size_t i = 0; i < a->ncells; i++) {
        struct agg_cell *c = a->cells[i];

        for (size_t k = 0; k < a->nitems; k++)
            if (fn(ctx, a->hook_city[c->city], c->wave, c->items[k].cal.h, c->items[k].cal.cal, err,
                   errlen) != 0 ||
                fn(ctx, a->hook_city[c->city], c->wave, c->items[k].fav.h, c->items[k].fav.cal, err,
                   errlen) != 0)
                return err_prefix(err, errlen, "item %s", a->defs[k].code);
        for (size_t d = 0; d < a->newest->ndimensions; d++)
            if (fn(ctx, a->hook_city[c->city], c->wave, c->dims[d].cal.h, c->dims[d].cal.cal, err,
                   errlen) != 0)
                return err_prefix(err, errlen, "dimension %s", a->newest->dimensions[d].code);
    }
    return 0;
}

/* ---------- packing (agg_cache) ---------- */

static double *pack_value(double *p, struct agg_value *v, int out)
{
    if (out) {
        *p++ = v->n;
        *p++ = v->w;
        *p++ = v->w2;
    } else {
        v->n = *p++;
        v->w = *p++;
        v->w2 = *p++;
    }
    return p;
}

static double *pack_doubles(double *p, double *x, size_t n, int out)
{
    if (out)
        memcpy(p, x, n * sizeof *p);
    else
        memcpy(x, p, n * sizeof *p);
    return p + n;
}

static double *pack_pair(double *p, struct stats_xysums *q, int out)
{
    double v[6] = { q->n, q->sx, q->sy, q->sxx, q->syy, q->sxy };

    if (out)
        return pack_doubles(p, v, 6, 1);
    p = pack_doubles(p, v, 6, 0);
    *q = (struct stats_xysums){ v[0], v[1], v[2], v[3], v[4], v[5] };
    return p;
}

/* Walks every sum of a cell (not the per-stratum h: a calibrated cell is
 * never packed) in a fixed order, to p (out) or from p. */
static double *pack_walk(const struct agg *a, struct agg_cell *c, double *p, int out)
{
    p = pack_value(p, &c->respondents, out);
    for (size_t k = 0; k < a->nitems; k++) {
        struct agg_item *it = &c->items[k];

        for (size_t v = 0; v < it->nvalues; v++)
            p = pack_value(p, &it->values[v], out);
        p = pack_value(p, &it->answered, out);
        p = pack_pair(p, &it->driver, out);
        p = pack_doubles(p, it->cal.cal, 3, out);
        p = pack_doubles(p, it->cal.unc, 6, out);
        p = pack_doubles(p, it->fav.cal, 3, out);
        p = pack_doubles(p, it->fav.unc, 6, out);
    }
    for (size_t d = 0; d < a->newest->ndimensions; d++) {
        struct agg_dim *dim = &c->dims[d];
        size_t k = a->newest->dimensions[d].nitems;

        for (size_t v = 0; v < dim->nslots; v++)
            p = pack_value(p, &dim->hist[v], out);
        p = pack_pair(p, &dim->driver, out);
        p = pack_doubles(p, dim->cal.cal, 3, out);
        p = pack_doubles(p, dim->cal.unc, 6, out);
        p = pack_doubles(p, &dim->cc_n, 1, out);
        p = pack_doubles(p, dim->cc_s, k, out);
        p = pack_doubles(p, dim->cc_ss, k * k, out);
    }
    return p;
}

size_t aggi_cell_ndoubles(const struct agg *a)
{
    size_t n = 3;

    for (size_t k = 0; k < a->nitems; k++)
        n += 3 * item_slots(&a->defs[k]) + 3 + 6 + 18;
    for (size_t d = 0; d < a->newest->ndimensions; d++) {
        size_t k = a->newest->dimensions[d].nitems;

        n += 3 * a->dim_nslots[d] + 6 + 9 + 1 + k + k * k;
    }
    return n;
}

void aggi_cell_pack(const struct agg *a, const struct agg_cell *c, double *out)
{
    /* pack_walk only reads the cell when out is set */
    pack_walk(a, (struct agg_cell *)c, out, 1);
}

void aggi_cell_unpack(const struct agg *a, struct agg_cell *c, const double *in)
{
    /* pack_walk only reads p when out is not set */
    pack_walk(a, c, (double *)in, 0);
}
