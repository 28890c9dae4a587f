/*
 * results_compute: the typed model (results_model.h) of every group in
 * every wave, from the groups' cells and flags (results_groups.c) and the
 * estimates (results_est.c), with Benjamini-Hochberg over each group's
 * tests. Words are not decided here: the views resolve them.
 */
#include "results_ctx.h"
#include "results_model.h"

#include "anon.h"
#include "dynarr.h"
#include "err.h"
#include "fail.h"
#include "mem.h"
#include "stats.h"
#include "vocab.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------- Benjamini-Hochberg over a group's tests ---------- */

struct family {
    struct results_test **t;
    size_t n, cap;
    int failed;
};

static void family_add(struct family *f, struct results_test *t)
{
    struct results_test **grown;

    if (f->failed || !isfinite(t->p))
        return;
    grown = dynarr_reserve_by(fail_realloc, f->t, &f->cap, f->n + 1, sizeof *grown);
    if (grown == NULL) {
        f->failed = 1;
        return;
    }
    f->t = grown;
    f->t[f->n++] = t;
}

static void family_measure(struct family *f, struct results_measure *m)
{
    if (m->change.present) {
        family_add(f, &m->change.test);
        if (m->change.has_fav)
            family_add(f, &m->change.fav_test);
    }
    if (m->trend.present)
        family_add(f, &m->trend.test);
    if (m->driver.present)
        family_add(f, &m->driver.test);
    for (size_t i = 0; i < m->nvs; i++)
        family_add(f, &m->vs[i].test);
    if (m->across.present)
        family_add(f, &m->across.test);
    for (size_t i = 0; i < m->nshares; i++)
        if (m->shares[i].change.present)
            family_add(f, &m->shares[i].change.test);
}

/* Every test of the group (its breakdown aside) in one family. 0, or -1
 * and err: a smaller family would make the adjusted p-values too small. */
static int adjust_group(struct results_group *g, char *err, size_t errlen)
{
    struct family f = { NULL, 0, 0, 0 };
    double *p, *q;
    int rc = -1;

    for (size_t i = 0; i < g->nitems; i++)
        family_measure(&f, &g->items[i]);
    for (size_t i = 0; i < g->ndims; i++)
        family_measure(&f, &g->dims[i]);
    if (g->enps.present) {
        if (g->enps.change.present)
            family_add(&f, &g->enps.change.test);
        if (g->enps.trend.present)
            family_add(&f, &g->enps.trend.test);
        for (size_t i = 0; i < g->enps.nvs; i++)
            family_add(&f, &g->enps.vs[i].test);
    }
    p = fail_calloc(f.n + 1, sizeof *p);
    q = fail_calloc(f.n + 1, sizeof *q);
    if (f.failed || p == NULL || q == NULL) {
        err_set(err, errlen, "out of memory (the Benjamini-Hochberg family)");
        goto done;
    }
    for (size_t i = 0; i < f.n; i++)
        p[i] = f.t[i]->p;
    if (f.n > 0 && stats_bh_adjust(p, f.n, q, err, errlen) != 0)
        goto done;
    for (size_t i = 0; i < f.n; i++)
        f.t[i]->p_adj = q[i];
    rc = 0;
done:
    free(p);
    free(q);
    free(f.t);
    return rc;
}

/* ---------- a group ---------- */

static int fill_parts(const struct ctx *c, size_t gi, size_t w, struct results_group *o)
{
    const struct group *g = &c->groups[gi];
    size_t np = c->nparts;

    o->parts = calloc(np + 1, sizeof *o->parts);
    if (o->parts == NULL)
        return -1;
    for (size_t p = 0; p < np; p++) {
        const struct agg_cell *cell = g->parts[w * np + p];
        struct results_part *part = &o->parts[o->nparts];

        if (cell->respondents.n == 0)
            continue;
        o->nparts++;
        part->part = p;
        part->hidden = g->part_hidden[w * np + p];
        if (part->hidden)
            continue;
        part->respondents = cell->respondents.n;
        part->items = calloc(c->nitems + 1, sizeof *part->items);
        if (part->items == NULL)
            return -1;
        for (size_t k = 0; k < c->nitems; k++) {
            const struct survey_item *def = agg_item_def(c->agg, k);
            struct results_measure *m = &part->items[part->nitems];
            struct est e;

            if (!survey_item_scored(def) || !res_item_asked(c, w, k))
                continue;
            part->nitems++;
            m->index = k;
            m->hidden = g->part_item_hidden[(w * np + p) * c->nitems + k];
            if (m->hidden)
                continue;
            res_est_item(c, cell, k, &e);
            /* a domain of the group: the group's sampling fraction */
            res_est_apply_fpc(&e, res_fpc_factor(g->total[w]->respondents.n, g->headcount));
            res_est_copy(&m->est, &e);
        }
    }
    return 0;
}

static int fill_group(struct build *b, size_t gi, size_t w, struct results_group *o,
                      char *err, size_t errlen)
{
    const struct ctx *c = b->c;
    const struct group *g = &c->groups[gi];
    int rc = -1;

    o->wave = w;
    o->group = gi;
    o->type = g->type == GROUP_CITY ? RESULTS_CITY
              : g->type == GROUP_NETWORK ? RESULTS_NETWORK
                                         : RESULTS_ALL;
    o->slug = g->slug;
    o->name = g->type == GROUP_ALL ? NULL : g->name;
    o->network = g->network;
    o->hidden = g->hidden[w];
    if (o->hidden || !agg_wave_kept(c->agg, w))
        return 0;    /* hidden, or a wave its accumulator did not keep: no figures */
    o->respondents = g->total[w]->respondents.n;
    if (c->in->survey->fpc_headcount) {
        o->has_fpc = 1;
        o->population = g->headcount;
        o->fpc = res_fpc_factor(g->total[w]->respondents.n, g->headcount);
    }
    o->items = calloc(c->nitems + 1, sizeof *o->items);
    o->dims = calloc(c->ndims + 1, sizeof *o->dims);
    if (o->items == NULL || o->dims == NULL ||
        (g->type == GROUP_CITY && res_rests_build(b, gi, w) != 0))
        goto fail;
    for (size_t k = 0; k < c->nitems; k++) {
        const struct survey_item *def = agg_item_def(c->agg, k);
        struct results_measure *m = &o->items[o->nitems];

        if (def->type == SURVEY_TEXT)
            continue;
        o->nitems++;
        m->index = k;
        m->trend.se_resid = NAN;
        if (!res_item_asked(c, w, k))
            m->not_asked = 1;
        else if (survey_item_scored(def) ? res_fill_measure(b, gi, w, k, m) != 0
                                    : res_fill_choice(b, gi, w, k, m) != 0)
            goto fail;
    }
    for (size_t d = 0; d < c->ndims; d++) {
        struct results_measure *m = &o->dims[o->ndims++];

        m->index = d;
        m->is_dim = 1;
        if (res_fill_measure(b, gi, w, c->nitems + d, m) != 0)
            goto fail;
        if (!m->hidden)
            res_fill_alpha(&g->total[w]->dims[d], agg_dim_def(c->agg, d)->nitems, &m->alpha);
    }
    if (res_fill_enps(b, gi, w, &o->enps) != 0)
        goto fail;
    res_rests_free(b);
    if (adjust_group(o, err, errlen) != 0)
        return -1;
    if (c->split && fill_parts(c, gi, w, o) != 0)
        goto fail;
    return 0;
fail:
    res_rests_free(b);
    err_set(err, errlen, "out of memory");
    return rc;
}

/* ---------- building the groups on two threads ---------- */

/*
 * Every (wave, group) is a function of the context and the cache alone
 * (each builder has its own struct build for the rest-of-network cells),
 * so they are built on two threads, each taking every other one, into
 * their slots: the model does not depend on the threads.
 */
#define RESULTS_THREADS 2

struct part {
    struct build b;
    struct results_group *slots;   /* per wave x group */
    size_t n, first;               /* builds slots first, first + RESULTS_THREADS, ... */
    int failed;
    char err[ERR_MAX];
};

static void *build_part(void *arg)
{
    struct part *p = arg;
    size_t ngroups = p->b.c->ngroups;

    for (size_t i = p->first; i < p->n && !p->failed; i += RESULTS_THREADS)
        if (fill_group(&p->b, i % ngroups, i / ngroups, &p->slots[i], p->err,
                       sizeof p->err) != 0)
            p->failed = 1;
    return NULL;
}

static int groups_fill(const struct ctx *c, struct est *cache, struct results_group *slots,
                       char *err, size_t errlen)
{
    size_t n = c->nwaves * c->ngroups;
    struct part parts[RESULTS_THREADS];
    pthread_t helpers[RESULTS_THREADS];
    int started[RESULTS_THREADS] = { 0 };
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);

    memset(parts, 0, sizeof parts);
    for (size_t t = 0; t < RESULTS_THREADS; t++) {
        parts[t].b.c = c;
        parts[t].b.cache = cache;
        parts[t].slots = slots;
        parts[t].n = n;
        parts[t].first = t;
    }
    /* Part 0 on this thread; the others on helpers when there are cores
     * for them (else here too). */
    for (size_t t = 1; t < RESULTS_THREADS; t++)
        if ((long)t < cpus && n > t)
            started[t] = pthread_create(&helpers[t], NULL, build_part, &parts[t]) == 0;
    build_part(&parts[0]);
    for (size_t t = 1; t < RESULTS_THREADS; t++) {
        if (!started[t])
            build_part(&parts[t]);
        else if (pthread_join(helpers[t], NULL) != 0)
            abort();    /* cannot happen for a joinable thread of ours */
    }
    for (size_t t = 0; t < RESULTS_THREADS; t++)
        if (parts[t].failed) {
            err_set(err, errlen, "%s", parts[t].err);
            return -1;
        }
    return 0;
}

/* ---------- entry points ---------- */

static void measure_free(struct results_measure *m)
{
    FREE_ALL(m->dist, m->vs, m->shares);
}

static void group_free(struct results_group *g)
{
    for (size_t k = 0; k < g->nitems; k++)
        measure_free(&g->items[k]);
    for (size_t d = 0; d < g->ndims; d++)
        measure_free(&g->dims[d]);
    for (size_t p = 0; p < g->nparts; p++)
        free(g->parts[p].items);
    FREE_ALL(g->items, g->dims, g->enps.vs, g->parts);
}

void results_free(struct results *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; r->groups != NULL && i < r->nwaves * r->ngroups; i++)
        group_free(&r->groups[i]);
    FREE_ALL(r->groups, r->asked, r->item_min, r->item_nvalues, r);
}

static int ctx_init(struct ctx *c, const struct results_input *in, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    c->in = in;
    c->agg = in->agg;
    c->nwaves = agg_nwaves(in->agg);
    c->nitems = agg_nitems(in->agg);
    c->ndims = agg_ndims(in->agg);
    c->t = anon_threshold(in->threshold);
    c->weighted = in->survey->weighted;
    if (c->nwaves == 0)
        return err_set(err, errlen, "survey %s has no waves", in->survey->slug);
    /* the trends are fitted over fixed arrays: more waves fail, never a
     * shorter trend */
    if (c->nwaves > RESULTS_MAX_WAVES)
        return err_set(err, errlen, "survey %s has %zu waves; at most %d are supported",
                       in->survey->slug, c->nwaves, RESULTS_MAX_WAVES);
    if (in->by_attr != NULL) {
        int a = survey_attr_index(in->survey, in->by_attr);

        if (a < 0)
            return err_set(err, errlen, "survey %s has no attribute \"%s\"", in->survey->slug,
                           in->by_attr);
        c->split = 1;
        c->attr = &in->survey->attrs[a];
        c->attr_index = (size_t)a;
        c->nparts = c->attr->noptions + 1;   /* every code, and "not given" */
    }
    if (in->wave_version != NULL) {
        c->asked = calloc(c->nwaves * c->nitems + 1, 1);
        if (c->asked == NULL)
            return err_set(err, errlen, "out of memory");
        for (size_t w = 0; w < c->nwaves; w++)
            for (size_t k = 0; k < c->nitems; k++)
                c->asked[w * c->nitems + k] =
                    in->wave_version[w] <= 0 ||
                    agg_item_in_version(c->agg, in->wave_version[w], k) != 0;
    }
    return 0;
}

/* What the views need of the context, copied into the model. */
static int model_init(struct results *r, const struct ctx *c)
{
    r->in = c->in;
    r->nwaves = c->nwaves;
    r->nitems = c->nitems;
    r->ndims = c->ndims;
    r->ngroups = c->ngroups;
    r->threshold = c->t;
    r->weighted = c->weighted;
    r->split = c->split;
    r->attr = c->attr_index;
    r->asked = calloc(c->nwaves * c->nitems + 1, 1);
    r->item_min = calloc(c->nitems + 1, sizeof *r->item_min);
    r->item_nvalues = calloc(c->nitems + 1, sizeof *r->item_nvalues);
    r->groups = calloc(c->nwaves * c->ngroups + 1, sizeof *r->groups);
    if (r->asked == NULL || r->item_min == NULL || r->item_nvalues == NULL || r->groups == NULL)
        return -1;
    for (size_t w = 0; w < c->nwaves; w++)
        for (size_t k = 0; k < c->nitems; k++)
            r->asked[w * c->nitems + k] = (unsigned char)res_item_asked(c, w, k);
    for (size_t k = 0; k < c->nitems; k++) {
        const struct agg_item *shape = &c->groups[c->first_all].total[0]->items[k];

        r->item_min[k] = shape->min;
        r->item_nvalues[k] = shape->nvalues;
    }
    return 0;
}

struct results *results_compute(const struct results_input *in, char *err, size_t errlen)
{
    struct ctx c;
    struct est *cache = NULL;
    struct results *r = NULL;

    if (ctx_init(&c, in, err, errlen) != 0)
        return NULL;
    if (res_groups_build(&c) != 0) {
        err_set(err, errlen, "out of memory");
        goto fail;
    }
    if (res_suppress(&c, err, errlen) != 0)
        goto fail;
    cache = res_cache_build(&c);
    r = calloc(1, sizeof *r);
    if (cache == NULL || r == NULL || model_init(r, &c) != 0) {
        err_set(err, errlen, "out of memory");
        goto fail;
    }
    if (groups_fill(&c, cache, r->groups, err, errlen) != 0)
        goto fail;
    free(cache);
    res_groups_free(&c);
    free(c.asked);
    return r;
fail:
    free(cache);
    results_free(r);
    res_groups_free(&c);
    free(c.asked);
    return NULL;
}

/* A test outside the family (p not a number, so no p_adj) is never
 * significant. */
int results_significant(const struct results_test *t)
{
    return isfinite(t->p_adj) && vocab_significant(t->p_adj);
}

int results_asked(const struct results *r, size_t w, size_t k)
{
    return r->asked[w * r->nitems + k];
}

const struct results_group *results_find(const struct results *r, const char *wave,
                                         enum results_group_type type, const char *slug)
{
    assert(r != NULL && wave != NULL);
    assert(type == RESULTS_CITY || type == RESULTS_NETWORK || type == RESULTS_ALL);
    for (size_t i = 0; i < r->nwaves * r->ngroups; i++) {
        const struct results_group *g = &r->groups[i];

        if (g->type == type && strcmp(agg_wave(r->in->agg, g->wave), wave) == 0 &&
            (slug == NULL ? g->slug == NULL : (g->slug != NULL && strcmp(g->slug, slug) == 0)))
            return g;
    }
    return NULL;
}
