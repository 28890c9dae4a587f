/* city: the city workbook, its summary sheet (see city.h, city_sheets.h). */
#include "city.h"
#include "city_sheets.h"

#include "agg.h"
#include "err.h"
#include "results.h"
#include "rmodel.h"
#include "sheets.h"
#include "vocab.h"
#include "xlsx.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The network of the wave with slug if the city is a member of it, or NULL. */
static const struct results_group *member_network(const struct city *c, const char *slug)
{
    const struct results_group *g = results_find(c->r, c->wave, RESULTS_NETWORK, slug);

    for (size_t j = 0; g != NULL && g->network != NULL && j < g->network->nmembers; j++)
        if (strcmp(g->network->members[j], c->slug) == 0)
            return g;
    return NULL;
}

/* The network the summary compares the city with: the first of the
 * instrument's benchmark_networks the city is a member of (the youth
 * survey: Miasto Obywateli); without one, the largest of its networks in
 * this survey (for the staff survey: Kapitał Ludzki, where every city takes
 * part). The comparison sheet shows every network. */
static void choose_network(struct city *c)
{
    const struct survey *s = c->r->in->survey;
    double best = -1;

    for (size_t i = 0; i < s->nbenchmark_networks; i++) {
        const struct results_group *net = member_network(c, s->benchmark_networks[i]);

        if (net != NULL) {
            c->net = net;
            c->net_slug = net->slug;
            return;
        }
    }
    for (size_t i = 0; i < c->r->nwaves * c->r->ngroups; i++) {
        const struct results_group *g = &c->r->groups[i];
        double n = g->hidden ? NAN : g->respondents;

        if (g->type != RESULTS_NETWORK || strcmp(agg_wave(c->r->in->agg, g->wave), c->wave) != 0 ||
            member_network(c, g->slug) == NULL)
            continue;
        if (!isfinite(n))
            n = 0;
        if (n > best) {
            best = n;
            c->net = g;
            c->net_slug = g->slug;
        }
    }
}

double city_p_adj(const struct results_test *t)
{
    return isfinite(t->p) ? t->p_adj : NAN;
}

void city_change(struct city *c, lxw_worksheet *ws, int row, int col, int why,
                 const struct results_change *ch, int fav, enum xlsx_fmt plain,
                 enum xlsx_fmt sig)
{
    const struct results_test *t;

    if (why) {
        xlsx_hidden_flag(&c->x, ws, row, col, why);
        xlsx_hidden_flag(&c->x, ws, row, col + 1, why);
        return;
    }
    if (!ch->present || (fav && !ch->has_fav))
        return;    /* no previous wave to compare with */
    t = fav ? &ch->fav_test : &ch->test;
    xlsx_number(&c->x, ws, row, col, fav ? ch->fav_diff : ch->diff,
                results_significant(t) ? sig : plain);
    xlsx_number(&c->x, ws, row, col + 1, city_p_adj(t), XF_PVAL);
}

/* ---- summary ---- */

enum {
    S_CODE, S_LABEL, S_VALUE, S_CI_LO, S_CI_HI, S_CHANGE, S_P, S_SIG, S_TREND, S_NET,
    S_NET_VALUE, S_REST, S_DIFF, S_DIFF_P, S_DIFF_SIG, S_EFFECT, S_RANK, S_OF, S_NCOLS
};

static const struct xlsx_col summary_cols[S_NCOLS] = {
    { L_CODE, NULL, 14 },        { L_INDICATOR, NULL, 36 },   { L_VALUE, NULL, 10 },
    { L_CI_LOW, NULL, 10 },      { L_CI_HIGH, NULL, 10 },     { L_CHANGE, NULL, 12 },
    { L_P_ADJ, NULL, 13 },       { L_SIGNIFICANT, NULL, 18 }, { L_TREND, NULL, 18 },
    { L_NETWORK, NULL, 16 },     { L_NETWORK_VALUE, NULL, 11 }, { L_REST_MEAN, NULL, 13 },
    { L_DIFF, NULL, 10 },        { L_P_ADJ, NULL, 13 },       { L_SIG_DIFF, NULL, 22 },
    { L_EFFECT, NULL, 12 },      { L_RANK, NULL, 14 },        { L_OF, NULL, 9 },
};

/* A measure's formats (dimension, item or eNPS). */
struct measure_fmt {
    enum xlsx_fmt value, change, sig;
};

static const struct measure_fmt mean_fmt = { XF_DEC2, XF_SIGNED2, XF_SIG2 };
static const struct measure_fmt enps_fmt = { XF_SIGNED1, XF_SIGNED1, XF_SIG1 };

static double mean_of(const struct results_measure *m)
{
    return rmodel_has_est(m) ? m->est.mean : NAN;
}

/* The city's measure m against the summary's network (netm its measure
 * there); m NULL: the city is hidden. */
static void summary_network(struct city *c, lxw_worksheet *ws, int row,
                            const struct results_measure *m, const struct results_measure *netm,
                            const struct measure_fmt *f)
{
    const struct results_vs *vs;
    int why;

    if (c->net_slug == NULL)
        return;
    xlsx_wrapped(&c->x, ws, row, S_NET, report_network_name(c->meta, c->net_slug, c->x.english),
                 summary_cols[S_NET].width, XF_WRAP);
    xlsx_value(&c->x, ws, row, S_NET_VALUE, c->net->hidden ? c->net->hidden : rmodel_why(netm),
               mean_of(netm), f->value);
    vs = rmodel_shown(m) ? rmodel_vs(c->r, m->vs, m->nvs, c->net_slug) : NULL;
    if (vs == NULL && rmodel_shown(m))
        return;    /* eNPS: no test against the rest of the network */
    /* a hidden measure: the general note */
    why = vs == NULL ? XLSX_UNTOLD : 0;
    xlsx_value(&c->x, ws, row, S_REST, why, why ? NAN : vs->rest, f->value);
    xlsx_value(&c->x, ws, row, S_DIFF, why, why ? NAN : vs->diff,
               !why && results_significant(&vs->test) ? f->sig : f->change);
    xlsx_value(&c->x, ws, row, S_DIFF_P, why, why ? NAN : city_p_adj(&vs->test), XF_PVAL);
    if (!why && isfinite(vs->test.p) && isfinite(vs->test.p_adj)) {
        xlsx_text(&c->x, ws, row, S_DIFF_SIG,
                  vocab_difference(vs->diff, results_significant(&vs->test), c->x.english),
                  XF_PLAIN);
        xlsx_text(&c->x, ws, row, S_EFFECT, vocab_effect(vs->is_enps ? NAN : vs->d, c->x.english),
                  XF_PLAIN);
    }
    xlsx_value(&c->x, ws, row, S_RANK, why, why ? NAN : vs->rank, XF_INT);
    xlsx_value(&c->x, ws, row, S_OF, why, why ? NAN : vs->of, XF_INT);
}

static void summary_measure(struct city *c, lxw_worksheet *ws, int row, const char *code,
                            const char *label, const struct results_measure *m,
                            const struct results_measure *netm, const struct measure_fmt *f)
{
    const char *sig = m != NULL ? sheets_change_word(&c->x, m, &m->change) : NULL;
    int why = rmodel_why(m), est = rmodel_has_est(m);

    xlsx_text(&c->x, ws, row, S_CODE, code, XF_PLAIN);
    xlsx_wrapped(&c->x, ws, row, S_LABEL, label, summary_cols[S_LABEL].width, XF_WRAP);
    xlsx_value(&c->x, ws, row, S_VALUE, why, est ? m->est.mean : NAN, f->value);
    xlsx_value(&c->x, ws, row, S_CI_LO, why, est ? m->est.ci_lo : NAN, f->value);
    xlsx_value(&c->x, ws, row, S_CI_HI, why, est ? m->est.ci_hi : NAN, f->value);
    city_change(c, ws, row, S_CHANGE, why, why ? NULL : &m->change, 0, f->change, f->sig);
    if (sig != NULL)
        xlsx_text(&c->x, ws, row, S_SIG, sig, XF_PLAIN);
    xlsx_text(&c->x, ws, row, S_TREND, sheets_trend_word(&c->x, m), XF_PLAIN);
    summary_network(c, ws, row, m, netm, f);
}

static int summary_counts(struct city *c, lxw_worksheet *ws, int row)
{
    double hc = report_headcount(c->meta, c->slug);
    const struct results_group *g = c->g;

    xlsx_text(&c->x, ws, row, S_CODE, "respondents", XF_PLAIN);
    xlsx_label_cell(&c->x, ws, row, S_LABEL, L_RESPONDENTS, XF_PLAIN);
    xlsx_value(&c->x, ws, row, S_VALUE, g->hidden, g->respondents, XF_INT);
    if (c->net_slug != NULL) {
        xlsx_wrapped(&c->x, ws, row, S_NET,
                     report_network_name(c->meta, c->net_slug, c->x.english),
                     summary_cols[S_NET].width, XF_WRAP);
        xlsx_value(&c->x, ws, row, S_NET_VALUE, c->net->hidden, c->net->respondents, XF_INT);
    }
    row++;
    /* the registry's headcount is the city hall's staff: the rate of a
     * staff survey; a weighted survey samples (and is weighted to) the
     * city's population, whose response rate it is not */
    if (hc > 0 && !c->r->in->survey->weighted) {
        char label[160];

        snprintf(label, sizeof label, "%s (%s: %.0f%s)", xlsx_label(&c->x, L_RESPONSE_RATE),
                 xlsx_label(&c->x, L_HEADCOUNT), hc,
                 !report_headcount_example(c->meta, c->slug) ? ""
                 : c->x.english                              ? ", example figure"
                                                             : ", liczba przykładowa");
        xlsx_text(&c->x, ws, row, S_CODE, "response_rate", XF_PLAIN);
        xlsx_wrapped(&c->x, ws, row, S_LABEL, label, summary_cols[S_LABEL].width, XF_WRAP);
        xlsx_value(&c->x, ws, row, S_VALUE, g->hidden, g->respondents / hc, XF_PCT1);
        row++;
    }
    return row;
}

/* The share of distribution slot i of a choice item, or NAN. */
static double slot_share(const struct results_measure *m, size_t i)
{
    return i < m->ndist ? m->dist[i] : NAN;
}

/* Single-choice items: the question on a row of its own, then one row per
 * option (its label, indented) with its share: a question and its option
 * in one cell were cut by the column, hiding the option. */
static int summary_choices(struct city *c, lxw_worksheet *ws, int row, size_t k)
{
    const struct survey_item *it = agg_item_def(c->r->in->agg, k);
    const struct results_measure *m = rmodel_item(c->g, k);
    const struct results_measure *nm = rmodel_item(c->net, k);

    xlsx_text(&c->x, ws, row, S_CODE, it->code, XF_PLAIN);
    xlsx_text(&c->x, ws, row, S_LABEL, rmodel_item_text(c->r, k, c->x.english), XF_BOLD);
    row++;
    for (size_t i = 0; i < it->noptions; i++) {
        const struct survey_option *o = &it->options[i];
        char label[400], ocode[64];

        snprintf(ocode, sizeof ocode, "%s.%lld", it->code, (long long)o->code);
        snprintf(label, sizeof label, "   %s", rmodel_word(c->x.english, o->label_pl, o->label_en));
        xlsx_text(&c->x, ws, row, S_CODE, ocode, XF_PLAIN);
        xlsx_wrapped(&c->x, ws, row, S_LABEL, label, summary_cols[S_LABEL].width, XF_WRAP);
        if (c->g->hidden || !rmodel_shown(m)) {
            xlsx_hidden_flag(&c->x, ws, row, S_VALUE, c->g->hidden ? c->g->hidden : rmodel_why(m));
        } else {
            const struct results_share *sh = rmodel_share(m, o->code);
            struct results_measure shm;
            const char *sig = NULL;

            if (sh != NULL) {
                rmodel_share_as(sh, &shm);
                sig = sheets_change_word(&c->x, &shm, &shm.change);
            }
            xlsx_number(&c->x, ws, row, S_VALUE, slot_share(m, i), XF_PCT);
            /* the share's Wilson CI and change, like a scored indicator */
            if (sh != NULL) {
                xlsx_number(&c->x, ws, row, S_CI_LO, sh->lo, XF_PCT);
                xlsx_number(&c->x, ws, row, S_CI_HI, sh->hi, XF_PCT);
                city_change(c, ws, row, S_CHANGE, 0, &sh->change, 0, XF_SIGNED_PCT, XF_SIGPCT);
            }
            if (sig != NULL)
                xlsx_text(&c->x, ws, row, S_SIG, sig, XF_PLAIN);
        }
        if (c->net_slug != NULL) {
            xlsx_wrapped(&c->x, ws, row, S_NET,
                         report_network_name(c->meta, c->net_slug, c->x.english),
                         summary_cols[S_NET].width, XF_WRAP);
            if (c->net->hidden || !rmodel_shown(nm))
                xlsx_hidden_flag(&c->x, ws, row, S_NET_VALUE,
                                 c->net->hidden ? c->net->hidden : rmodel_why(nm));
            else
                xlsx_number(&c->x, ws, row, S_NET_VALUE, slot_share(nm, i), XF_PCT);
        }
        row++;
    }
    return row;
}

static int summary_indicators(struct city *c, lxw_worksheet *ws, int row)
{
    const struct results *r = c->r;
    int enps = rmodel_enps_item(r);

    for (size_t d = 0; d < r->ndims; d++)
        summary_measure(c, ws, row++, agg_dim_def(r->in->agg, d)->code,
                        rmodel_dim_label(r, d, c->x.english), rmodel_dim(c->g, d),
                        rmodel_dim(c->net, d), &mean_fmt);
    if (enps >= 0) {
        struct results_measure e, ne;

        if (!c->g->hidden)
            rmodel_enps_as(&c->g->enps, &e);
        if (c->net != NULL && !c->net->hidden)
            rmodel_enps_as(&c->net->enps, &ne);
        summary_measure(c, ws, row++, "enps", xlsx_label(&c->x, L_ENPS),
                        c->g->hidden ? NULL : &e,
                        c->net != NULL && !c->net->hidden ? &ne : NULL, &enps_fmt);
        return row;
    }
    /* Without eNPS (the youth survey) the headline indicators are the
     * scored items outside dimensions and the shares of single choices. */
    for (size_t k = 0; k < r->nitems; k++) {
        const struct survey_item *it = agg_item_def(r->in->agg, k);
        const struct results_measure *m = rmodel_item(c->g, k);
        char text[600];

        if (it->type == SURVEY_TEXT || (m != NULL && m->not_asked))
            continue;
        if (rmodel_scored(it) && rmodel_item_dim_label(r, k, c->x.english) == NULL)
            summary_measure(c, ws, row++, it->code,
                            rmodel_item_label(r, k, c->x.english, text, sizeof text), m,
                            rmodel_item(c->net, k), &mean_fmt);
        else if (it->type == SURVEY_SINGLE)
            row = summary_choices(c, ws, row, k);
    }
    return row;
}

static void sheet_summary(struct city *c)
{
    lxw_worksheet *ws = xlsx_sheet(&c->x, xlsx_label(&c->x, L_SUMMARY));
    char title[300];
    int row;

    if (ws == NULL)
        return;
    snprintf(title, sizeof title, "%s: %s", rmodel_title(c->r, c->x.english), c->name);
    sheets_title(&c->x, ws, title, c->subtitle);
    xlsx_header(&c->x, ws, 2, 0, summary_cols, S_NCOLS);
    row = summary_counts(c, ws, 3);
    row = summary_indicators(c, ws, row);
    xlsx_table(&c->x, ws, 2, row - 1, S_NCOLS);
}

/* ---- the workbook ---- */

/* The sheets that city and network workbooks share (sheets.h), of the city. */
static void sheet_trends(struct city *c)
{
    sheets_trends(&c->x, L_TRENDS, c->r, RESULTS_CITY, c->slug, c->wi, c->subtitle);
}

static void sheet_methodology(struct city *c)
{
    sheets_methodology_of(&c->x, c->r, c->meta, c->g, c->wave, L_CITY, c->name);
}

/* The workbook's sheets, in their order. */
static void (*const city_sheets[])(struct city *) = {
    sheet_summary, city_sheet_items, city_sheet_dimensions, sheet_trends,
    city_sheet_distributions, city_sheet_networks, city_sheet_drivers, city_sheet_breakdown,
    sheet_methodology,
};

static void write_sheets(void *ctx)
{
    for (size_t i = 0; i < sizeof city_sheets / sizeof city_sheets[0]; i++)
        city_sheets[i](ctx);
}

int report_city_write(const struct results *r, const struct results *const *rby, size_t nby,
                      int english, const struct report_meta *meta, const char *wave,
                      const char *city, const char *path, char *err, size_t errlen)
{
    struct city c;
    struct report_group_book b = { r, english, meta, NULL, wave, L_CITY_REPORT, c.subtitle,
                                   sizeof c.subtitle };

    memset(&c, 0, sizeof c);
    c.r = r;
    c.rby = rby;
    c.nby = nby;
    c.meta = meta;
    c.wave = wave;
    c.slug = city;
    c.g = rmodel_group(r, wave, RESULTS_CITY, city, &c.wi);
    if (c.g == NULL)
        return err_set(err, errlen, "no responses from city \"%s\" in wave \"%s\"", city, wave);
    c.name = c.g->name != NULL ? c.g->name : report_city_name(meta, city);
    choose_network(&c);
    b.name = c.name;
    return report_write_group(&c.x, &b, path, write_sheets, &c, err, errlen);
}
