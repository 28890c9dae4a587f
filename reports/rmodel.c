/* rmodel: the typed results as the workbooks read them (see rmodel.h). */
#include "rmodel.h"

#include "agg.h"
#include "label.h"
#include "msg.h"
#include "results.h"
#include "vocab.h"
#include "weights.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct results_measure *rmodel_item(const struct results_group *g, size_t k)
{
    for (size_t i = 0; g != NULL && i < g->nitems; i++)
        if (g->items[i].index == k)
            return &g->items[i];
    return NULL;
}

const struct results_measure *rmodel_dim(const struct results_group *g, size_t d)
{
    for (size_t i = 0; g != NULL && i < g->ndims; i++)
        if (g->dims[i].index == d)
            return &g->dims[i];
    return NULL;
}

const struct results_measure *rmodel_part_item(const struct results_part *p, size_t k)
{
    for (size_t i = 0; p != NULL && i < p->nitems; i++)
        if (p->items[i].index == k)
            return &p->items[i];
    return NULL;
}

int rmodel_why(const struct results_measure *m)
{
    return m == NULL ? -1 : m->hidden;
}

int rmodel_shown(const struct results_measure *m)
{
    return m != NULL && !m->hidden;
}

int rmodel_has_est(const struct results_measure *m)
{
    return rmodel_shown(m) && !m->not_asked && !m->choice;
}

const struct results_share *rmodel_share(const struct results_measure *m, int code)
{
    for (size_t i = 0; m != NULL && i < m->nshares; i++)
        if (m->shares[i].code == code)
            return &m->shares[i];
    return NULL;
}

const struct results_vs *rmodel_vs(const struct results *r, const struct results_vs *vs,
                                   size_t nvs, const char *network)
{
    for (size_t i = 0; network != NULL && i < nvs; i++) {
        const char *slug = r->groups[vs[i].network].slug;

        if (slug != NULL && strcmp(slug, network) == 0)
            return &vs[i];
    }
    return NULL;
}

const struct results_group *rmodel_vs_network(const struct results *r,
                                              const struct results_group *g,
                                              const struct results_vs *vs)
{
    return &r->groups[g->wave * r->ngroups + vs->network];
}

void rmodel_enps_as(const struct results_enps *e, struct results_measure *out)
{
    memset(out, 0, sizeof *out);
    out->hidden = e->hidden;
    if (e->hidden)
        return;
    if (!e->present) {
        out->not_asked = 1;
        out->est.mean = out->est.ci_lo = out->est.ci_hi = NAN;
        return;
    }
    out->est.n = e->n;
    out->est.mean = e->value;
    out->est.se = e->se;
    out->est.ci_lo = e->ci_lo;
    out->est.ci_hi = e->ci_hi;
    out->change = e->change;
    out->trend = e->trend;
    out->vs = e->vs;
    out->nvs = e->nvs;
}

void rmodel_share_as(const struct results_share *s, struct results_measure *out)
{
    memset(out, 0, sizeof *out);
    out->est.mean = s->share;
    out->est.ci_lo = s->lo;
    out->est.ci_hi = s->hi;
    out->change = s->change;
}

int rmodel_scored(const struct survey_item *it)
{
    return survey_item_scored(it);
}

int rmodel_enps_item(const struct results *r)
{
    return agg_enps_item(r->in->agg);
}

const char *rmodel_word(int english, const char *pl, const char *en)
{
    return msg_text(english, pl, en);
}

const char *rmodel_title(const struct results *r, int english)
{
    return rmodel_word(english, r->in->survey->title_pl, r->in->survey->title_en);
}

const char *rmodel_item_text(const struct results *r, size_t k, int english)
{
    const struct survey_item *it = agg_item_def(r->in->agg, k);

    return rmodel_word(english, it->text_pl, it->text_en);
}

const char *rmodel_item_label(const struct results *r, size_t k, int english, char *buf,
                              size_t n)
{
    const char *text = rmodel_item_text(r, k, english);

    if (!agg_item_def(r->in->agg, k)->reverse)
        return text;
    snprintf(buf, n, "%s %s", text, english ? VOCAB_REVERSED_EN : VOCAB_REVERSED_PL);
    return buf;
}

const char *rmodel_dim_label(const struct results *r, size_t d, int english)
{
    const struct survey_dimension *dim = agg_dim_def(r->in->agg, d);

    return rmodel_word(english, dim->label_pl, dim->label_en);
}

const char *rmodel_item_dim_label(const struct results *r, size_t k, int english)
{
    const struct survey *s = r->in->survey;
    const struct survey_item *it = agg_item_def(r->in->agg, k);
    const char *code;

    /* the instrument's rule (results_to_json): a dimension of the newest
     * version, for an item that version has */
    if (it->dimension < 0 || (size_t)it->dimension >= s->ndimensions ||
        survey_item_index(s, it->code) < 0)
        return NULL;
    code = s->dimensions[it->dimension].code;
    for (size_t d = 0; d < r->ndims; d++)
        if (strcmp(agg_dim_def(r->in->agg, d)->code, code) == 0)
            return rmodel_dim_label(r, d, english);
    return code;
}

long rmodel_slot_value(const struct results *r, size_t k, size_t i)
{
    return i < r->item_nvalues[k] ? r->item_min[k] + (long)i : 0;
}

const char *rmodel_part_label(const struct results *r, size_t part, int english)
{
    const struct survey_attr *attr = &r->in->survey->attrs[r->attr];

    if (part < attr->noptions)
        return rmodel_word(english, attr->options[part].label_pl, attr->options[part].label_en);
    return label_text(L_NOT_GIVEN, english);
}

long rmodel_wave_index(const struct results *r, const char *wave)
{
    for (size_t w = 0; wave != NULL && w < r->nwaves; w++)
        if (strcmp(agg_wave(r->in->agg, w), wave) == 0)
            return (long)w;
    return -1;
}

const struct results_group *rmodel_group(const struct results *r, const char *wave,
                                         enum results_group_type type, const char *slug,
                                         long *wi)
{
    *wi = rmodel_wave_index(r, wave);
    return *wi < 0 ? NULL : results_find(r, wave, type, slug);
}

/* Whether city is one of group g's cities (g: a city, a network, all). */
