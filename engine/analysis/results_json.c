/*
 * results_json: the JSON view of the typed model (docs/statistics.md, "The
 * results document"), with its words (labels, names, the significance
 * vocabulary of vocab.h) in one language.
 */
#include "results.h"
#include "msg.h"
#include "results_model.h"

#include "anon.h"
#include "label.h"
#include "vocab.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct view {
    const struct results *r;
    const struct results_input *in;
    int english;
    int failed;       /* an allocation failed: the document is not whole */
};

/* Sets key of o to v (a new reference); a NULL v or a failure marks the
 * view failed, so no partial document is ever published. */
static void put(struct view *v, json_t *o, const char *key, json_t *val)
{
    /* json_object_set_new takes val even when it fails */
    if (o == NULL || val == NULL) {
        json_decref(val);
        v->failed = 1;
    } else if (json_object_set_new(o, key, val) != 0) {
        v->failed = 1;
    }
}

static void push(struct view *v, json_t *arr, json_t *val)
{
    if (arr == NULL || val == NULL) {
        json_decref(val);
        v->failed = 1;
    } else if (json_array_append_new(arr, val) != 0) {
        v->failed = 1;
    }
}

static json_t *jnum(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

static const char *wave_label(const struct view *v, size_t w)
{
    return agg_wave(v->in->agg, w);
}

static int significant(const struct results_test *t)
{
    return results_significant(t);
}

/* "p" and, when the test is in the family, "p_adj". */
static void put_p(struct view *v, json_t *o, const struct results_test *t)
{
    put(v, o, "p", jnum(t->p));
}

static void put_p_adj(struct view *v, json_t *o, const struct results_test *t)
{
    if (isfinite(t->p))
        put(v, o, "p_adj", jnum(t->p_adj));
}

static json_t *json_hidden(struct view *v, int flag)
{
    const char *why = anon_reason_code((enum anon_flag)flag);
    json_t *o = json_pack("{s:b, s:s}", "suppressed", 1, "reason", why ? why : "below_threshold");

    if (o == NULL)
        v->failed = 1;
    return o;
}

static json_t *json_est(struct view *v, const struct results_est *e, const double *dist,
                        size_t ndist)
{
    json_t *o = json_object();

    put(v, o, "n", json_real(e->n));
    if (v->r->weighted)
        put(v, o, "n_eff", jnum(e->n_eff));
    put(v, o, "mean", jnum(e->mean));
    put(v, o, "sd", jnum(e->sd));
    put(v, o, "se", jnum(e->se));
    put(v, o, "ci_low", jnum(e->ci_lo));
    put(v, o, "ci_high", jnum(e->ci_hi));
    put(v, o, "median", jnum(e->median));
    if (e->has_fav)
        put(v, o, "favourable",
            json_pack("{s:o, s:o, s:o}", "share", jnum(e->fav), "ci_low", jnum(e->fav_lo),
                      "ci_high", jnum(e->fav_hi)));
    if (dist != NULL) {
        json_t *arr = json_array();

        for (size_t i = 0; i < ndist; i++)
            push(v, arr, jnum(dist[i]));
        put(v, o, "distribution", arr);
    }
    return o;
}

/* A scored measure's change (Welch), with the favourable share's. */
static json_t *json_change(struct view *v, const struct results_change *ch)
{
    json_t *o, *fav = NULL;

    if (!ch->present)
        return json_null();
    o = json_pack("{s:s, s:o, s:o, s:o, s:o}", "previous_wave", wave_label(v, ch->prev_wave),
                  "diff", jnum(ch->diff), "se", jnum(ch->se), "t", jnum(ch->t), "df",
                  jnum(ch->df));
    put_p(v, o, &ch->test);
    put(v, o, "cohens_d", jnum(ch->d));
    if (ch->has_fav) {
        fav = json_pack("{s:o, s:o}", "diff", jnum(ch->fav_diff), "z", jnum(ch->fav_z));
        put_p(v, fav, &ch->fav_test);
        put_p_adj(v, fav, &ch->fav_test);
        put(v, fav, "significant", json_boolean(significant(&ch->fav_test)));
        put(v, fav, "label",
            json_string(vocab_change(ch->fav_diff, significant(&ch->fav_test), v->english)));
        put(v, o, "favourable", fav);
    }
    put_p_adj(v, o, &ch->test);
    put(v, o, "significant", json_boolean(significant(&ch->test)));
    put(v, o, "label", json_string(vocab_change(ch->diff, significant(&ch->test), v->english)));
    return o;
}

/* eNPS's change (z test). */
static json_t *json_enps_change(struct view *v, const struct results_change *ch)
{
    json_t *o;

    if (!ch->present)
        return json_null();
    o = json_pack("{s:s, s:o, s:o, s:o}", "previous_wave", wave_label(v, ch->prev_wave), "diff",
                  jnum(ch->diff), "se", jnum(ch->se), "z", jnum(ch->z));
    put_p(v, o, &ch->test);
    put_p_adj(v, o, &ch->test);
    put(v, o, "significant", json_boolean(significant(&ch->test)));
    put(v, o, "label", json_string(vocab_change(ch->diff, significant(&ch->test), v->english)));
    return o;
}

static json_t *json_trend(struct view *v, const struct results_trend *tr)
{
    int sig = significant(&tr->test);
    json_t *o;

    if (!tr->present)
        return json_null();
    o = json_pack("{s:i, s:o, s:o}", "waves", tr->waves, "slope", jnum(tr->slope), "se",
                  jnum(tr->se));
    if (!(tr->se_resid < 0))
        put(v, o, "se_residual", jnum(tr->se_resid));
    put_p(v, o, &tr->test);
    put(v, o, "direction", json_string(vocab_trend_dir(tr->slope, sig)));
    put(v, o, "label", json_string(vocab_trend(tr->slope, sig, v->english)));
    put_p_adj(v, o, &tr->test);
    return o;
}

static json_t *json_driver(struct view *v, const struct results_driver *d)
{
    json_t *o;

    if (!d->present)
        return json_null();
    o = json_pack("{s:o, s:o}", "n", json_real(d->n), "r", jnum(d->r));
    put_p(v, o, &d->test);
    put_p_adj(v, o, &d->test);
    return o;
}

static json_t *json_vs(struct view *v, const struct results_vs *vs, size_t n)
{
    json_t *arr = json_array();

    for (size_t i = 0; i < n; i++) {
        const struct results_vs *x = &vs[i];
        const struct results_group *net = &v->r->groups[x->network];
        json_t *o = json_pack("{s:s, s:o, s:o}", "network", net->slug, "rest_mean",
                              jnum(x->rest), "diff", jnum(x->diff));

        if (x->is_enps) {
            put(v, o, "se", jnum(x->se));
            put(v, o, "z", jnum(x->z));
            put_p(v, o, &x->test);
        } else {
            put(v, o, "t", jnum(x->t));
            put(v, o, "df", jnum(x->df));
            put_p(v, o, &x->test);
            put(v, o, "cohens_d", jnum(x->d));
        }
        put(v, o, "rank", jnum(x->rank));
        put(v, o, "of", json_integer(x->of));
        put_p_adj(v, o, &x->test);
        if (isfinite(x->test.p) && isfinite(x->test.p_adj)) {
            int sig = significant(&x->test);

            put(v, o, "significant", json_boolean(sig));
            put(v, o, "label", json_string(vocab_difference(x->diff, sig, v->english)));
            if (!x->is_enps && isfinite(x->d))
                put(v, o, "effect", json_string(vocab_effect(x->d, v->english)));
        }
        push(v, arr, o);
    }
    return arr;
}

static json_t *json_anova(struct view *v, const struct results_across *a)
{
    json_t *o;

    if (!a->present)
        return json_null();
    o = json_pack("{s:s, s:i, s:o, s:o, s:o}", "test", "welch_anova", "cities", a->cities, "f",
                  jnum(a->f), "df1", jnum(a->df1), "df2", jnum(a->df2));
    put_p(v, o, &a->test);
    put_p_adj(v, o, &a->test);
    return o;
}

static json_t *json_chisq(struct view *v, const struct results_across *a)
{
    json_t *o = json_pack("{s:s, s:i, s:o, s:o}", "test", "chi_square", "cities", a->cities,
                          "chi2", jnum(a->chi2), "df", jnum(a->df));

    put_p(v, o, &a->test);
    put(v, o, "cramers_v", jnum(a->v));
    put_p_adj(v, o, &a->test);
    return o;
}

static json_t *json_shares(struct view *v, const struct results_measure *m)
{
    json_t *arr = json_array();

    for (size_t i = 0; i < m->nshares; i++) {
        const struct results_share *s = &m->shares[i];
        json_t *o = json_pack("{s:i, s:o, s:o, s:o}", "code", s->code, "share", jnum(s->share),
                              "ci_low", jnum(s->lo), "ci_high", jnum(s->hi));

        if (s->change.present) {
            const struct results_change *ch = &s->change;
            json_t *co = json_pack("{s:s, s:o, s:o}", "previous_wave",
                                   wave_label(v, ch->prev_wave), "diff", jnum(ch->diff), "z",
                                   jnum(ch->z));

            put_p(v, co, &ch->test);
            put_p_adj(v, co, &ch->test);
            if (isfinite(ch->test.p) && isfinite(ch->test.p_adj)) {
                put(v, co, "significant", json_boolean(significant(&ch->test)));
                put(v, co, "label",
                    json_string(vocab_change(ch->diff, significant(&ch->test), v->english)));
            }
            put(v, o, "change", co);
        }
        push(v, arr, o);
    }
    return arr;
}

static const char *measure_code(const struct view *v, const struct results_measure *m)
{
    return m->is_dim ? agg_dim_def(v->in->agg, m->index)->code
                     : agg_item_def(v->in->agg, m->index)->code;
}

static json_t *json_alpha(struct view *v, const struct results_alpha *a)
{
    json_t *o;

    if (!a->present)
        return json_null();
    o = json_pack("{s:o, s:o, s:o, s:f, s:i}", "value", jnum(a->value), "ci_low", jnum(a->lo),
                  "ci_high", jnum(a->hi), "n", a->n, "items", a->items);
    if (o == NULL)
        v->failed = 1;
    return o;
}

static json_t *json_measure(struct view *v, const struct results_group *g,
                            const struct results_measure *m)
{
    json_t *o;

    if (m->not_asked) {
        o = json_pack("{s:b}", "not_asked", 1);
    } else if (m->hidden) {
        o = json_hidden(v, m->hidden);
    } else if (m->choice) {
        json_t *dist = json_array();

        for (size_t i = 0; i < m->ndist; i++)
            push(v, dist, jnum(m->dist[i]));
        o = json_pack("{s:b, s:f, s:o}", "suppressed", 0, "n", m->n, "distribution", dist);
        put(v, o, "shares", json_shares(v, m));
        if (m->across.present)
            put(v, o, "across_cities", json_chisq(v, &m->across));
    } else {
        o = json_est(v, &m->est, m->is_dim ? NULL : m->dist, m->ndist);
        put(v, o, "suppressed", json_false());
        put(v, o, "change", json_change(v, &m->change));
        put(v, o, "trend", json_trend(v, &m->trend));
        put(v, o, "driver", json_driver(v, &m->driver));
        if (g->type == RESULTS_CITY)
            put(v, o, "vs_networks", json_vs(v, m->vs, m->nvs));
        else
            put(v, o, "across_cities", json_anova(v, &m->across));
    }
    put(v, o, "code", json_string(measure_code(v, m)));
    if (m->is_dim && !m->hidden)
        put(v, o, "alpha", json_alpha(v, &m->alpha));
    return o;
}

static json_t *json_enps(struct view *v, const struct results_group *g)
{
    const struct results_enps *e = &g->enps;
    json_t *o;

    if (e->hidden)
        return json_hidden(v, e->hidden);
    if (!e->present)
        return json_null();
    o = json_pack("{s:b, s:f, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "suppressed", 0, "n", e->n,
                  "promoters", jnum(e->promoters), "passives", jnum(e->passives), "detractors",
                  jnum(e->detractors), "value", jnum(e->value), "se", jnum(e->se), "ci_low",
                  jnum(e->ci_lo), "ci_high", jnum(e->ci_hi));
    put(v, o, "change", json_enps_change(v, &e->change));
    put(v, o, "trend", json_trend(v, &e->trend));
    if (g->type == RESULTS_CITY)
        put(v, o, "vs_networks", json_vs(v, e->vs, e->nvs));
    return o;
}

static json_t *json_breakdown(struct view *v, const struct results_group *g)
{
    const struct survey_attr *attr = &v->in->survey->attrs[v->r->attr];
    json_t *parts = json_array();

    for (size_t i = 0; i < g->nparts; i++) {
        const struct results_part *p = &g->parts[i];
        json_t *part, *items;

        part = json_pack("{s:o, s:s}", "value",
                         p->part < attr->noptions ? json_integer(attr->options[p->part].code)
                                                  : json_null(),
                         "label",
                         p->part < attr->noptions
                             ? msg_text(v->english, attr->options[p->part].label_pl,
                                     attr->options[p->part].label_en)
                             : label_text(L_NOT_GIVEN, v->english));
        if (p->hidden) {
            json_t *why = json_hidden(v, p->hidden);

            if (part == NULL || why == NULL || json_object_update(part, why) != 0)
                v->failed = 1;
            json_decref(why);
            push(v, parts, part);
            continue;
        }
        put(v, part, "suppressed", json_false());
        put(v, part, "respondents", json_real(p->respondents));
        items = json_array();
        for (size_t k = 0; k < p->nitems; k++) {
            const struct results_measure *m = &p->items[k];
            json_t *io;

            if (m->hidden) {
                io = json_hidden(v, m->hidden);
            } else {
                io = json_est(v, &m->est, NULL, 0);
                put(v, io, "suppressed", json_false());
            }
            put(v, io, "code", json_string(measure_code(v, m)));
            push(v, items, io);
        }
        put(v, part, "items", items);
        push(v, parts, part);
    }
    return json_pack("{s:s, s:s, s:o}", "attribute", attr->code, "label",
                     msg_text(v->english, attr->label_pl, attr->label_en), "parts", parts);
}

static json_t *json_group(struct view *v, const struct results_group *g)
{
    json_t *o = json_pack("{s:s, s:s, s:o, s:s}", "wave", wave_label(v, g->wave), "type",
                          g->type == RESULTS_CITY      ? "city"
                          : g->type == RESULTS_NETWORK ? "network"
                                                       : "all",
                          "slug", g->slug ? json_string(g->slug) : json_null(), "name",
                          results_group_name(g, v->english));
    json_t *items, *dims;

    if (g->type == RESULTS_NETWORK) {
        json_t *members = json_array(), *observers = json_array();

        for (size_t i = 0; i < g->network->nmembers; i++)
            push(v, members, json_string(g->network->members[i]));
        for (size_t i = 0; i < g->network->nobservers; i++)
            push(v, observers, json_string(g->network->observers[i]));
        put(v, o, "members", members);
        put(v, o, "observers", observers);
    }
    if (g->hidden) {
        json_t *why = json_hidden(v, g->hidden);

        if (o == NULL || why == NULL || json_object_update(o, why) != 0)
            v->failed = 1;
        json_decref(why);
        put(v, o, "respondents", json_null());
        return o;
    }
    put(v, o, "suppressed", json_false());
    put(v, o, "respondents", json_real(g->respondents));
    if (g->has_fpc)
        /* factor 1: no correction (no headcount, or one below the respondents) */
        put(v, o, "fpc",
            json_pack("{s:o, s:f}", "population", jnum(g->population), "factor", g->fpc));
    items = json_array();
    for (size_t k = 0; k < g->nitems; k++)
        push(v, items, json_measure(v, g, &g->items[k]));
    put(v, o, "items", items);
    dims = json_array();
    for (size_t d = 0; d < g->ndims; d++)
        push(v, dims, json_measure(v, g, &g->dims[d]));
    put(v, o, "dimensions", dims);
    put(v, o, "enps", json_enps(v, g));
    if (v->r->split)
        put(v, o, "breakdown", json_breakdown(v, g));
    return o;
}

/* ---------- the instrument, for labels ---------- */

static const char *type_name(enum survey_item_type t)
{
    static const char *const names[] = { "likert", "scale", "single", "multi", "number", "text" };

    return names[t];
}

static json_t *json_options(struct view *v, const struct survey_option *o, size_t n)
{
    json_t *arr = json_array();

    for (size_t i = 0; i < n; i++)
        push(v, arr, json_pack("{s:i, s:s}", "code", o[i].code, "label",
                               msg_text(v->english, o[i].label_pl, o[i].label_en)));
    return arr;
}

static json_t *json_instrument_item(struct view *v, size_t k)
{
    const struct survey *s = v->in->survey;
    const struct survey_item *it = agg_item_def(v->in->agg, k);
    json_t *values = json_array(), *io, *asked;

    /* The value of each distribution slot, so readers need no rules. */
    for (size_t i = 0; i < v->r->item_nvalues[k]; i++)
        push(v, values, json_integer(v->r->item_min[k] + (long)i));
    io = json_pack("{s:s, s:s, s:s, s:i, s:i, s:b, s:o, s:o, s:o}", "code", it->code, "text",
                   msg_text(v->english, it->text_pl, it->text_en), "type", type_name(it->type), "min",
                   it->min, "max", it->max, "reverse", it->reverse, "dimension",
                   it->dimension >= 0 && (size_t)it->dimension < s->ndimensions &&
                           survey_item_index(s, it->code) >= 0
                       ? json_string(s->dimensions[it->dimension].code)
                       : json_null(),
                   "values", values, "options", json_options(v, it->options, it->noptions));
    /* A reverse-coded item: its distribution is the answers as given, its
     * scores are keyed (higher is better); the note says so. */
    if (it->reverse)
        put(v, io, "note", json_string(v->english ? VOCAB_REVERSED_EN : VOCAB_REVERSED_PL));
    asked = json_array();
    for (size_t w = 0; w < v->r->nwaves; w++)
        if (results_asked(v->r, w, k))
            push(v, asked, json_string(wave_label(v, w)));
    put(v, io, "waves_asked", asked);
    return io;
}

static json_t *json_instrument(struct view *v)
{
    const struct survey *s = v->in->survey;
    const struct agg *agg = v->in->agg;
    json_t *items = json_array(), *dims = json_array(), *o;
    int enps = agg_enps_item(agg);

    for (size_t k = 0; k < v->r->nitems; k++)
        if (agg_item_def(agg, k)->type != SURVEY_TEXT)
            push(v, items, json_instrument_item(v, k));
    for (size_t d = 0; d < v->r->ndims; d++) {
        const struct survey_dimension *dim = agg_dim_def(agg, d);
        json_t *codes = json_array();

        for (size_t j = 0; j < dim->nitems; j++)
            push(v, codes, json_string(agg_item_def(agg, agg_dim_items(agg, d)[j])->code));
        push(v, dims, json_pack("{s:s, s:s, s:o, s:i}", "code", dim->code, "label",
                                msg_text(v->english, dim->label_pl, dim->label_en), "items", codes,
                                "min_items", (int)dim->min_items));
    }
    o = json_pack("{s:o, s:o, s:o, s:i}", "items", items, "dimensions", dims, "enps_item",
                  enps >= 0 ? json_string(agg_item_def(agg, (size_t)enps)->code) : json_null(),
                  "favourable_top", s->favourable_top);
    /* the networks a city's report compares it with, as the instrument
     * says; absent: none preferred */
    if (s->nbenchmark_networks > 0) {
        json_t *bench = json_array();

        for (size_t i = 0; i < s->nbenchmark_networks; i++)
            push(v, bench, json_string(s->benchmark_networks[i]));
        put(v, o, "benchmark_networks", bench);
    }
    return o;
}

json_t *results_to_json(const struct results *r, int english, char *err, size_t errlen)
{
    struct view v = { r, r->in, english, 0 };
    json_t *groups = json_array(), *waves = json_array(), *doc;

    for (size_t i = 0; i < r->nwaves * r->ngroups; i++)
        push(&v, groups, json_group(&v, &r->groups[i]));
    for (size_t w = 0; w < r->nwaves; w++)
        push(&v, waves, json_pack("{s:s, s:f}", "label", wave_label(&v, w), "x",
                                  r->in->wave_x[w]));
    doc = json_pack("{s:s, s:s, s:i, s:b, s:i, s:s, s:o, s:o, s:o}", "survey",
                    r->in->survey->slug, "title",
                    msg_text(v.english, r->in->survey->title_pl, r->in->survey->title_en), "version",
                    r->in->survey->version, "weighted", r->weighted, "threshold", r->threshold,
                    "language", english ? "en" : "pl", "waves", waves, "instrument",
                    json_instrument(&v), "groups", groups);
    if (doc == NULL || v.failed) {
        json_decref(doc);
        if (err != NULL)
            snprintf(err, errlen, "out of memory (the results document)");
        return NULL;
    }
    return doc;
}
