/*
 * results_measure: the typed figures of one measure of one group in one
 * wave (results_model.h): a scored item's or dimension's estimate, change,
 * trend, driver and comparisons; a choice item's shares; Cronbach's alpha;
 * eNPS. Called by results_compute for every group.
 */
#include "results_ctx.h"
#include "results_model.h"

#include "anon.h"
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int enps_of(const struct ctx *c, const struct agg_cell *cell, struct stats_enps *out);

static int group_has_city(const struct group *g, size_t city)
{
    for (size_t i = 0; i < g->ncities; i++)
        if (g->cities[i] == city)
            return 1;
    return 0;
}

void res_rests_free(struct build *b)
{
    for (size_t i = 0; i < b->nrests; i++)
        free(b->rests[i].est);
    free(b->rests);
    b->rests = NULL;
    b->nrests = 0;
}

/* Fills b->rests for city group gi in wave w: every visible network the
 * city is a member of, minus the city. */
int res_rests_build(struct build *b, size_t gi, size_t w)
{
    const struct ctx *c = b->c;
    const struct group *city = &c->groups[gi];

    b->nrests = 0;
    b->rests = calloc(c->first_all - c->first_network + 1, sizeof *b->rests);
    if (b->rests == NULL)
        return -1;
    for (size_t ni = c->first_network; ni < c->first_all; ni++) {
        const struct group *net = &c->groups[ni];
        struct rest *r = &b->rests[b->nrests];
        struct agg_cell *cell;

        if (!group_has_city(net, city->cities[0]) || net->hidden[w])
            continue;
        r->net = ni;
        r->est = calloc(res_nmeasures(c) + 1, sizeof *r->est);
        cell = agg_cell_new(c->agg);
        if (r->est == NULL || cell == NULL) {
            free(r->est);
            agg_cell_free(c->agg, cell);
            return -1;
        }
        agg_cell_merge(c->agg, cell, net->total[w]);
        agg_cell_subtract(c->agg, cell, city->total[w]);
        for (size_t m = 0; m < res_nmeasures(c); m++)
            if (m >= c->nitems || survey_item_scored(agg_item_def(c->agg, m))) {
                res_est_measure(c, cell, m, &r->est[m]);
                res_est_apply_fpc(&r->est[m], res_fpc_factor(cell->respondents.n,
                                                             net->headcount - city->headcount));
            }
        r->has_enps = enps_of(c, cell, &r->enps) == 0 && r->enps.n > 0;
        agg_cell_free(c->agg, cell);
        b->nrests++;
    }
    return 0;
}

static struct results_test test_of(double p)
{
    return (struct results_test){ p, NAN };
}

void res_est_copy(struct results_est *o, const struct est *e)
{
    *o = (struct results_est){ e->n, e->n_eff, e->mean, e->sd, e->se, e->ci_lo, e->ci_hi,
                               e->median, e->has_fav, e->fav.p, e->fav.ci_lo, e->fav.ci_hi };
}

/* The rank of city group gi among the visible cities of net for measure m
 * (v: per city of net its value, NAN when hidden), of how many. */
static double rank_of(const double *v, const struct group *net, size_t gi, int *of)
{
    double *ranks = calloc(net->ncities + 1, sizeof *ranks);
    double rank = NAN;
    size_t pos = 0;

    *of = 0;
    for (size_t i = 0; i < net->ncities; i++) {
        *of += isfinite(v[i]);
        if (net->cities[i] == gi)   /* city groups come first: index = city */
            pos = i;
    }
    if (ranks != NULL && stats_rank(v, net->ncities, ranks, NULL, 0) == 0)
        rank = ranks[pos];
    free(ranks);
    return rank;
}

static double rank_in(const struct build *b, const struct group *net, size_t gi, size_t w,
                      size_t m, int *of)
{
    const struct ctx *c = b->c;
    double *means = calloc(net->ncities + 1, sizeof *means);
    double rank = NAN;

    *of = 0;
    if (means == NULL)
        return rank;
    for (size_t i = 0; i < net->ncities; i++) {
        size_t cg = net->cities[i];

        means[i] = res_measure_hidden(c, &c->groups[cg], w, m)
                       ? NAN
                       : res_cache_at(b->cache, c, cg, w, m)->mean;
    }
    rank = rank_of(means, net, gi, of);
    free(means);
    return rank;
}

/* A city against the rest of each network it is a member of. */
static int fill_vs(const struct build *b, size_t gi, size_t w, size_t m,
                   struct results_measure *o)
{
    const struct ctx *c = b->c;
    const struct est *ce = res_cache_at(b->cache, c, gi, w, m);

    o->vs = calloc(b->nrests + 1, sizeof *o->vs);
    if (o->vs == NULL)
        return -1;
    for (size_t i = 0; i < b->nrests; i++) {
        const struct group *net = &c->groups[b->rests[i].net];
        const struct est *re = &b->rests[i].est[m];
        struct results_vs *v = &o->vs[o->nvs];
        struct stats_ttest t;

        /* The rest of the network is itself a group: it may be compared
         * only when it follows from figures shown anyway (the network's
         * and the city's), and is not too small. */
        if (res_measure_hidden(c, net, w, m) || !anon_visible(re->n, c->t) || re->n == 0)
            continue;
        if (res_welch_est(ce, re, &t) != 0)
            continue;
        *v = (struct results_vs){ .network = b->rests[i].net, .rest = re->mean, .diff = t.diff,
                                  .t = t.t, .df = t.df, .d = t.d, .se = NAN, .z = NAN,
                                  .test = test_of(t.p) };
        v->rank = rank_in(b, net, gi, w, m, &v->of);
        o->nvs++;
    }
    return 0;
}

/* Welch's ANOVA across the visible cities of a network or of all. */
static int fill_across(const struct build *b, size_t gi, size_t w, size_t m,
                       struct results_across *o)
{
    const struct ctx *c = b->c;
    const struct group *g = &c->groups[gi];
    struct stats_group *groups = calloc(g->ncities + 1, sizeof *groups);
    struct stats_anova an;
    size_t k = 0;

    if (groups == NULL)
        return -1;
    for (size_t i = 0; i < g->ncities; i++) {
        const struct est *e = res_cache_at(b->cache, c, g->cities[i], w, m);

        if (res_measure_hidden(c, &c->groups[g->cities[i]], w, m) || !(e->n >= 2) ||
            !(e->sd > 0))
            continue;
        groups[k++] = (struct stats_group){ e->n_eff, e->mean, res_sd_test(e) };
    }
    if (k >= 2 && stats_welch_anova(groups, k, &an, NULL, 0) == 0 && isfinite(an.f))
        *o = (struct results_across){ .present = 1, .cities = (int)k, .f = an.f,
                                      .df1 = an.df1, .df2 = an.df2, .test = test_of(an.p) };
    free(groups);
    return 0;
}

/* The distribution of an item in a cell: each slot's share (weighted for
 * a weighted survey); over base when base > 0, else over the slots' sum.
 * A reverse-coded scored item is accumulated on the keyed scale (slot i
 * holds the answer max - i); shown, it is the answers as given. */
static int fill_dist(const struct ctx *c, const struct agg_item *it, double base, int reverse,
                     struct results_measure *o)
{
    double total = 0;

    o->ndist = it->nvalues;
    o->dist = calloc(it->nvalues + 1, sizeof *o->dist);
    if (o->dist == NULL)
        return -1;
    for (size_t i = 0; i < it->nvalues; i++)
        total += c->weighted ? it->values[i].w : it->values[i].n;
    if (base >= 0)
        total = base;
    for (size_t i = 0; i < it->nvalues; i++) {
        double x = c->weighted ? it->values[i].w : it->values[i].n;

        o->dist[reverse ? it->nvalues - 1 - i : i] = total > 0 ? x / total : NAN;
    }
    return 0;
}

static void fill_change(const struct ctx *c, size_t prev_wave, const struct est *now,
                        const struct est *prev, struct results_change *o)
{
    struct stats_ttest t;

    if (res_welch_est(now, prev, &t) != 0)
        return;
    *o = (struct results_change){ .present = 1, .prev_wave = prev_wave, .diff = t.diff,
                                  .se = t.se, .t = t.t, .df = t.df, .d = t.d, .z = NAN,
                                  .test = test_of(t.p) };
    (void)c;
    if (now->has_fav && prev->has_fav) {
        struct stats_ztest z;

        if (stats_prop_ztest(now->fav_x, now->fav_n, prev->fav_x, prev->fav_n, &z, NULL, 0) ==
            0) {
            o->has_fav = 1;
            o->fav_diff = z.diff;
            o->fav_z = z.z;
            o->fav_test = test_of(z.p);
        }
    }
}

static void fill_trend(const double *x, const double *mean, const double *se, size_t n,
                       int with_resid, struct results_trend *o)
{
    struct stats_trend tr;

    /* No slope (times that do not vary): no trend, and no p for BH. */
    if (stats_trend_wls(x, mean, se, n, &tr, NULL, 0) != 0 || tr.k < 2 || !isfinite(tr.slope))
        return;
    *o = (struct results_trend){ .present = 1, .waves = (int)tr.k, .slope = tr.slope,
                                 .se = tr.se, .se_resid = with_resid ? tr.se_resid : -1,
                                 .test = test_of(tr.p) };
}

static void fill_driver(const struct stats_xysums *p, struct results_driver *o)
{
    struct stats_corr r;

    if (p->n < RESULTS_MIN_DRIVER_N || stats_pearson(p, &r, NULL, 0) != 0 || !isfinite(r.r))
        return;
    *o = (struct results_driver){ .present = 1, .n = r.n, .r = r.r, .test = test_of(r.p) };
}

/* A scored item or a dimension (m) of group gi in wave w. */
int res_fill_measure(const struct build *b, size_t gi, size_t w, size_t m,
                        struct results_measure *o)
{
    const struct ctx *c = b->c;
    const struct group *g = &c->groups[gi];
    const struct agg_cell *cell = g->total[w];
    const struct est *e = res_cache_at(b->cache, c, gi, w, m);
    double mean[RESULTS_MAX_WAVES], se[RESULTS_MAX_WAVES];
    size_t nw = c->nwaves;    /* <= RESULTS_MAX_WAVES (results_compute) */

    o->hidden = res_measure_hidden(c, g, w, m);
    if (o->hidden)
        return 0;
    res_est_copy(&o->est, e);
    if (m < c->nitems &&
        fill_dist(c, &cell->items[m], -1, agg_item_def(c->agg, m)->reverse, o) != 0)
        return -1;
    if (w > 0 && !res_measure_hidden(c, g, w - 1, m) &&
        (m >= c->nitems || res_item_asked(c, w - 1, m)) &&
        res_cache_at(b->cache, c, gi, w - 1, m)->n > 0)
        fill_change(c, w - 1, e, res_cache_at(b->cache, c, gi, w - 1, m), &o->change);
    /* The trend runs over the waves up to this one that may be shown. */
    for (size_t v = 0; v < nw; v++) {
        const struct est *ev = res_cache_at(b->cache, c, gi, v, m);
        int shown = v <= w && !res_measure_hidden(c, g, v, m) &&
                    (m >= c->nitems || res_item_asked(c, v, m));

        mean[v] = shown ? ev->mean : NAN;
        se[v] = shown ? ev->se : NAN;
    }
    fill_trend(c->in->wave_x, mean, se, nw, 1, &o->trend);
    fill_driver(m < c->nitems ? &cell->items[m].driver : &cell->dims[m - c->nitems].driver,
                &o->driver);
    if (g->type == GROUP_CITY)
        return fill_vs(b, gi, w, m, o);
    return fill_across(b, gi, w, m, &o->across);
}

/* ---------- choice items ---------- */

/* A choice item's answered base in a cell: the weight of the respondents
 * who answered it (their number when unweighted) and Kish's effective n. */
static void choice_base(const struct ctx *c, const struct agg_item *it,
                        const struct survey_item *def, double *base, double *n_eff)
{
    double sw = 0, sw2 = 0;

    if (def->type == SURVEY_MULTI) {
        sw = it->answered.w;
        sw2 = it->answered.w2;
    } else {
        for (size_t v = 0; v < it->nvalues; v++) {
            sw += it->values[v].w;
            sw2 += it->values[v].w2;
        }
    }
    *base = sw;
    *n_eff = c->weighted ? (sw2 > 0 ? sw * sw / sw2 : 0) : sw;
}

/* Each option's share of a choice item with its Wilson CI (on Kish's
 * effective n for a weighted survey) and its change since the previous
 * wave (two-proportion z test). */
static int fill_shares(const struct ctx *c, const struct group *g, size_t w, size_t k,
                       struct results_measure *o)
{
    const struct survey_item *def = agg_item_def(c->agg, k);
    const struct agg_item *it = &g->total[w]->items[k];
    const struct agg_item *pv = NULL;
    double base, ne, pbase = 0, pne = 0;

    o->shares = calloc(it->nvalues + 1, sizeof *o->shares);
    if (o->shares == NULL)
        return -1;
    choice_base(c, it, def, &base, &ne);
    if (w > 0 && !res_measure_hidden(c, g, w - 1, k) && res_item_asked(c, w - 1, k)) {
        pv = &g->total[w - 1]->items[k];
        choice_base(c, pv, def, &pbase, &pne);
        if (pbase <= 0)
            pv = NULL;
    }
    for (size_t v = 0; v < it->nvalues && base > 0; v++) {
        struct results_share *s = &o->shares[o->nshares];
        struct stats_prop sp;
        double x = it->values[v].w / base * ne;

        if (stats_wilson(x, ne, &sp, NULL, 0) != 0)
            continue;
        /* the slot's answer: a single choice's value min + v; a multiple
         * choice's option v */
        s->code = def->type == SURVEY_MULTI && v < def->noptions ? def->options[v].code
                                                                 : it->min + (int)v;
        s->share = sp.p;
        s->lo = sp.ci_lo;
        s->hi = sp.ci_hi;
        if (pv != NULL) {
            struct stats_ztest z;
            double px = pv->values[v].w / pbase * pne;

            if (stats_prop_ztest(x, ne, px, pne, &z, NULL, 0) == 0)
                s->change = (struct results_change){ .present = 1, .prev_wave = w - 1,
                                                     .diff = z.diff, .z = z.z,
                                                     .test = test_of(z.p) };
        }
        o->nshares++;
    }
    return 0;
}

int res_fill_choice(const struct build *b, size_t gi, size_t w, size_t k,
                       struct results_measure *o)
{
    const struct ctx *c = b->c;
    const struct group *g = &c->groups[gi];
    const struct agg_item *it = &g->total[w]->items[k];
    const struct survey_item *def = agg_item_def(c->agg, k);
    double base = 0;

    o->choice = 1;
    o->hidden = res_measure_hidden(c, g, w, k);
    if (o->hidden)
        return 0;
    o->n = res_item_n(it, def);
    /* Shares of respondents who answered (for multiple choice they need not
     * add up to 1). */
    if (def->type == SURVEY_MULTI)
        base = c->weighted ? it->answered.w : it->answered.n;
    else
        for (size_t v = 0; v < it->nvalues; v++)
            base += c->weighted ? it->values[v].w : it->values[v].n;
    if (fill_dist(c, it, base > 0 ? base : 0, 0, o) != 0 || fill_shares(c, g, w, k, o) != 0)
        return -1;
    if (g->type != GROUP_CITY && def->type == SURVEY_SINGLE) {
        size_t nv = it->nvalues, rows = 0;
        double *table = calloc(g->ncities * nv + 1, sizeof *table);
        struct stats_chisq cs;

        if (table == NULL)
            return -1;
        for (size_t i = 0; i < g->ncities; i++) {
            const struct group *city = &c->groups[g->cities[i]];

            if (res_measure_hidden(c, city, w, k))
                continue;
            for (size_t v = 0; v < nv; v++)
                table[rows * nv + v] = city->total[w]->items[k].values[v].n;
            rows++;
        }
        if (rows >= 2 && stats_chisq_indep(table, rows, nv, &cs, NULL, 0) == 0 &&
            isfinite(cs.chi2))
            o->across = (struct results_across){ .present = 1, .cities = (int)rows,
                                                 .chi2 = cs.chi2, .df = cs.df, .v = cs.v,
                                                 .test = test_of(cs.p) };
        free(table);
    }
    return 0;
}

void res_fill_alpha(const struct agg_dim *d, size_t k, struct results_alpha *o)
{
    struct stats_alpha al;

    if (k < 2 || stats_cronbach_alpha(k, d->cc_n, d->cc_s, d->cc_ss, &al, NULL, 0) != 0)
        return;
    *o = (struct results_alpha){ .present = 1, .items = (int)k, .value = al.alpha,
                                 .lo = al.ci_lo, .hi = al.ci_hi, .n = al.n };
}

/* ---------- eNPS ---------- */

static int enps_of(const struct ctx *c, const struct agg_cell *cell, struct stats_enps *out)
{
    int k = agg_enps_item(c->agg);
    const struct agg_item *it;
    double counts[11];

    if (k < 0)
        return -1;
    it = &cell->items[k];
    if (it->nvalues != 11 || it->min != 0)
        return -1;
    for (size_t v = 0; v < 11; v++)
        counts[v] = it->values[v].n;
    return stats_enps(counts, out, NULL, 0);
}

/* eNPS of group g in wave w, with the group's finite population correction
 * on its variance (the CI recomputed, clipped to [-100, 100]). */
static int enps_group(const struct ctx *c, const struct group *g, size_t w,
                      struct stats_enps *out)
{
    double f;

    if (enps_of(c, g->total[w], out) != 0)
        return -1;
    f = res_fpc_factor(g->total[w]->respondents.n, g->headcount);
    if (f < 1.0 && isfinite(out->se)) {
        double h;

        out->se *= sqrt(f);
        h = stats_z_crit() * out->se;
        out->ci_lo = fmax(out->enps - h, -100.0);
        out->ci_hi = fmin(out->enps + h, 100.0);
    }
    return 0;
}

/* A city's eNPS against the rest of each of its networks (z test). */
static int fill_enps_vs(const struct build *b, size_t gi, size_t w, const struct stats_enps *e,
                        struct results_enps *o)
{
    const struct ctx *c = b->c;
    int k = agg_enps_item(c->agg);

    o->vs = calloc(b->nrests + 1, sizeof *o->vs);
    if (o->vs == NULL)
        return -1;
    for (size_t i = 0; i < b->nrests; i++) {
        const struct group *net = &c->groups[b->rests[i].net];
        const struct stats_enps *re = &b->rests[i].enps;
        struct results_vs *v = &o->vs[o->nvs];
        double *vals, diff, se, z;

        if (!b->rests[i].has_enps || res_measure_hidden(c, net, w, (size_t)k) ||
            !anon_visible(re->n, c->t))
            continue;
        vals = calloc(net->ncities + 1, sizeof *vals);
        if (vals == NULL)
            return -1;
        for (size_t j = 0; j < net->ncities; j++) {
            size_t cg = net->cities[j];
            struct stats_enps ej;

            vals[j] = NAN;
            if (!res_measure_hidden(c, &c->groups[cg], w, (size_t)k) &&
                enps_of(c, c->groups[cg].total[w], &ej) == 0 && ej.n > 0)
                vals[j] = ej.enps;
        }
        diff = e->enps - re->enps;
        se = sqrt(e->se * e->se + re->se * re->se);
        z = se > 0 ? diff / se : NAN;
        *v = (struct results_vs){ .network = b->rests[i].net, .rest = re->enps, .diff = diff,
                                  .t = NAN, .df = NAN, .d = NAN, .se = se, .z = z,
                                  .is_enps = 1, .test = test_of(stats_z_p(z)) };
        v->rank = rank_of(vals, net, gi, &v->of);
        free(vals);
        o->nvs++;
    }
    return 0;
}

int res_fill_enps(const struct build *b, size_t gi, size_t w, struct results_enps *o)
{
    const struct ctx *c = b->c;
    const struct group *g = &c->groups[gi];
    int k = agg_enps_item(c->agg);
    struct stats_enps e, prev;
    double x[RESULTS_MAX_WAVES], v[RESULTS_MAX_WAVES], se[RESULTS_MAX_WAVES];
    size_t nw = 0;

    if (k < 0)
        return 0;
    o->hidden = res_measure_hidden(c, g, w, (size_t)k);
    if (o->hidden)
        return 0;
    if (enps_group(c, g, w, &e) != 0 || e.n == 0)
        return 0;
    *o = (struct results_enps){ .present = 1, .n = e.n, .promoters = e.promoters / 100,
                                .passives = e.passives / 100, .detractors = e.detractors / 100,
                                .value = e.enps, .se = e.se, .ci_lo = e.ci_lo,
                                .ci_hi = e.ci_hi };
    if (w > 0 && !res_measure_hidden(c, g, w - 1, (size_t)k) &&
        enps_group(c, g, w - 1, &prev) == 0 && prev.n > 0) {
        double diff = e.enps - prev.enps;
        double s = sqrt(e.se * e.se + prev.se * prev.se);
        double z = s > 0 ? diff / s : NAN;

        o->change = (struct results_change){ .present = 1, .prev_wave = w - 1, .diff = diff,
                                             .se = s, .z = z, .t = NAN, .df = NAN, .d = NAN,
                                             .test = test_of(stats_z_p(z)) };
    }
    for (size_t u = 0; u <= w; u++) {
        struct stats_enps eu;

        x[nw] = c->in->wave_x[u];
        v[nw] = NAN;
        se[nw] = NAN;
        if (!res_measure_hidden(c, g, u, (size_t)k) && enps_group(c, g, u, &eu) == 0 &&
            eu.n > 0) {
            v[nw] = eu.enps;
            se[nw] = eu.se;
        }
        nw++;
    }
    fill_trend(x, v, se, nw, 0, &o->trend);
    if (g->type == GROUP_CITY)
        return fill_enps_vs(b, gi, w, &e, o);
    return 0;
}

