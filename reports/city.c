/* city: the city workbook (see city.h). */
#include "city.h"

#include "err.h"
#include "results.h"
#include "sheets.h"
#include "vocab.h"
#include "xlsx.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct city {
    struct xlsx x;
    json_t *doc;
    const struct results *r;
    const struct report_meta *meta;
    const json_t *g;          /* the city in the wave */
    const json_t *net;        /* the network compared with on the summary, or NULL */
    json_t *const *by;        /* the documents split by each attribute */
    size_t nby;
    const char *net_slug;
    const char *wave, *slug, *name;
    long wi;
    char subtitle[300];
};

/* The network of a wave the city is a member of, with slug, or NULL. */
static const json_t *member_network(const struct city *c, const char *slug)
{
    const json_t *g = results_group(c->doc, c->wave, "network", slug);
    size_t j;
    json_t *m;

    json_array_foreach(json_object_get(g, "members"), j, m)
        if (strcmp(json_string_value(m), c->slug) == 0)
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
    const json_t *bench = xlsx_get(c->doc, "instrument.benchmark_networks");
    double best = -1;
    size_t i;
    json_t *g;

    json_array_foreach(bench, i, g) {
        const json_t *net = member_network(c, json_string_value(g));

        if (net != NULL) {
            c->net = net;
            c->net_slug = xlsx_str(net, "slug", NULL);
            return;
        }
    }
    json_array_foreach(json_object_get(c->doc, "groups"), i, g) {
        double n = xlsx_num(g, "respondents");

        if (strcmp(xlsx_str(g, "type", ""), "network") != 0 ||
            strcmp(xlsx_str(g, "wave", ""), c->wave) != 0 ||
            member_network(c, xlsx_str(g, "slug", "")) == NULL)
            continue;
        if (!isfinite(n))
            n = 0;
        if (n > best) {
            best = n;
            c->net = g;
            c->net_slug = xlsx_str(g, "slug", NULL);
        }
    }
}

/* True when network slug has the same members in the wave as a network
 * listed before it in vs (Kapitał Ludzki and Sieć Liderów): its rows would
 * repeat the same figures. */
static int same_as_earlier(const struct city *c, const json_t *vs, size_t upto)
{
    const json_t *a = results_group(c->doc, c->wave, "network",
                                    xlsx_str(json_array_get(vs, upto), "network", ""));
    const json_t *am = json_object_get(a, "members");

    for (size_t i = 0; i < upto; i++) {
        const json_t *b = results_group(c->doc, c->wave, "network",
                                        xlsx_str(json_array_get(vs, i), "network", ""));
        const json_t *bm = json_object_get(b, "members");
        size_t j, k, same = 0;
        json_t *x, *y;

        if (json_array_size(am) != json_array_size(bm))
            continue;
        json_array_foreach(am, j, x)
            json_array_foreach(bm, k, y)
                same += json_equal(x, y);
        if (same == json_array_size(am))
            return 1;
    }
    return 0;
}

/* ---- summary ---- */

enum {
    S_CODE, S_LABEL, S_VALUE, S_CI_LO, S_CI_HI, S_CHANGE, S_P, S_SIG, S_TREND, S_NET,
    S_NET_VALUE, S_REST, S_DIFF, S_DIFF_P, S_DIFF_SIG, S_EFFECT, S_RANK, S_OF, S_NCOLS
};

static const struct xlsx_col summary_cols[S_NCOLS] = {
    { L_CODE, NULL, 14 },        { L_INDICATOR, NULL, 40 },   { L_VALUE, NULL, 10 },
    { L_CI_LOW, NULL, 10 },      { L_CI_HIGH, NULL, 10 },     { L_CHANGE, NULL, 12 },
    { L_P_ADJ, NULL, 13 },       { L_SIGNIFICANT, NULL, 21 }, { L_TREND, NULL, 21 },
    { L_NETWORK, NULL, 20 },     { L_NETWORK_VALUE, NULL, 11 }, { L_REST_MEAN, NULL, 13 },
    { L_DIFF, NULL, 10 },        { L_P_ADJ, NULL, 13 },       { L_SIG_DIFF, NULL, 26 },
    { L_EFFECT, NULL, 12 },      { L_RANK, NULL, 14 },        { L_OF, NULL, 9 },
};

/* A measure (dimension, item or eNPS): vkey is "mean" or "value". */
struct measure_fmt {
    const char *vkey;
    enum xlsx_fmt value, change, sig;
};

static const struct measure_fmt mean_fmt = { "mean", XF_DEC2, XF_SIGNED2, XF_SIG2 };
static const struct measure_fmt enps_fmt = { "value", XF_SIGNED1, XF_SIGNED1, XF_SIG1 };

static void write_change(struct city *c, lxw_worksheet *ws, int row, int col, const json_t *m,
                         const char *path, enum xlsx_fmt plain, enum xlsx_fmt sig)
{
    char pkey[64], dkey[64];

    if (!xlsx_is_hidden(m) && !json_is_object(xlsx_get(m, path)))
        return;    /* no previous wave to compare with */
    snprintf(pkey, sizeof pkey, "%s.p_adj", path);
    snprintf(dkey, sizeof dkey, "%s.diff", path);
    xlsx_figure(&c->x, ws, row, col, m, dkey, xlsx_significant(m, pkey) ? sig : plain);
    xlsx_figure(&c->x, ws, row, col + 1, m, pkey, XF_PVAL);
}

static void summary_network(struct city *c, lxw_worksheet *ws, int row, const json_t *m,
                            const json_t *netm, const struct measure_fmt *f)
{
    const json_t *vs;

    if (c->net_slug == NULL)
        return;
    xlsx_text(&c->x, ws, row, S_NET, report_network_name(c->meta, c->net_slug, c->x.english),
              XF_PLAIN);
    xlsx_figure(&c->x, ws, row, S_NET_VALUE, xlsx_is_hidden(c->net) ? c->net : netm, f->vkey,
                f->value);
    vs = xlsx_find(json_object_get(m, "vs_networks"), "network", c->net_slug);
    if (vs == NULL && !xlsx_is_hidden(m))
        return;    /* eNPS: no test against the rest of the network */
    if (xlsx_is_hidden(m))
        vs = NULL;
    xlsx_figure(&c->x, ws, row, S_REST, vs, "rest_mean", f->value);
    xlsx_figure(&c->x, ws, row, S_DIFF, vs, "diff",
                xlsx_significant(vs, "p_adj") ? f->sig : f->change);
    xlsx_figure(&c->x, ws, row, S_DIFF_P, vs, "p_adj", XF_PVAL);
    if (!xlsx_is_hidden(vs) && json_is_number(json_object_get(vs, "p_adj"))) {
        xlsx_text(&c->x, ws, row, S_DIFF_SIG,
                  vocab_difference(xlsx_num(vs, "diff"), xlsx_significant(vs, "p_adj"),
                                   c->x.english),
                  XF_PLAIN);
        xlsx_text(&c->x, ws, row, S_EFFECT,
                  vocab_effect(xlsx_num(vs, "cohens_d"), c->x.english), XF_PLAIN);
    }
    xlsx_figure(&c->x, ws, row, S_RANK, vs, "rank", XF_INT);
    xlsx_figure(&c->x, ws, row, S_OF, vs, "of", XF_INT);
}

static void summary_measure(struct city *c, lxw_worksheet *ws, int row, const char *code,
                            const char *label, const json_t *m, const json_t *netm,
                            const struct measure_fmt *f)
{
    const char *sig = sheets_change_label(&c->x, m, "change");

    if (xlsx_is_hidden(c->g))
        m = NULL;
    xlsx_text(&c->x, ws, row, S_CODE, code, XF_PLAIN);
    xlsx_wrapped(&c->x, ws, row, S_LABEL, label, summary_cols[S_LABEL].width, XF_WRAP);
    xlsx_figure(&c->x, ws, row, S_VALUE, m, f->vkey, f->value);
    xlsx_figure(&c->x, ws, row, S_CI_LO, m, "ci_low", f->value);
    xlsx_figure(&c->x, ws, row, S_CI_HI, m, "ci_high", f->value);
    write_change(c, ws, row, S_CHANGE, m, "change", f->change, f->sig);
    if (sig != NULL)
        xlsx_text(&c->x, ws, row, S_SIG, sig, XF_PLAIN);
    xlsx_text(&c->x, ws, row, S_TREND, sheets_trend_label(&c->x, m), XF_PLAIN);
    summary_network(c, ws, row, m, netm, f);
}

static int summary_counts(struct city *c, lxw_worksheet *ws, int row)
{
    double hc = report_headcount(c->meta, c->slug);
    const json_t *g = c->g;

    xlsx_text(&c->x, ws, row, S_CODE, "respondents", XF_PLAIN);
    xlsx_label_cell(&c->x, ws, row, S_LABEL, L_RESPONDENTS, XF_PLAIN);
    xlsx_figure(&c->x, ws, row, S_VALUE, g, "respondents", XF_INT);
    if (c->net_slug != NULL) {
        xlsx_text(&c->x, ws, row, S_NET,
                  report_network_name(c->meta, c->net_slug, c->x.english), XF_PLAIN);
        xlsx_figure(&c->x, ws, row, S_NET_VALUE, c->net, "respondents", XF_INT);
    }
    row++;
    if (hc > 0) {
        char label[160];

        snprintf(label, sizeof label, "%s (%s: %.0f%s)", xlsx_label(&c->x, L_RESPONSE_RATE),
                 xlsx_label(&c->x, L_HEADCOUNT), hc,
                 !report_headcount_example(c->meta, c->slug) ? ""
                 : c->x.english                              ? ", example figure"
                                                             : ", liczba przykładowa");
        xlsx_text(&c->x, ws, row, S_CODE, "response_rate", XF_PLAIN);
        xlsx_text(&c->x, ws, row, S_LABEL, label, XF_PLAIN);
        if (xlsx_is_hidden(g))
            xlsx_hidden_why(&c->x, ws, row, S_VALUE, xlsx_reason(g));
        else
            xlsx_number(&c->x, ws, row, S_VALUE, xlsx_num(g, "respondents") / hc, XF_PCT1);
        row++;
    }
    return row;
}

/* Single-choice items: the question on a row of its own, then one row per
 * option (its label, indented) with its share: a question and its option
 * in one cell were cut by the column, hiding the option. */
static int summary_choices(struct city *c, lxw_worksheet *ws, int row, const json_t *item)
{
    const char *code = xlsx_str(item, "code", "");
    const json_t *m = xlsx_find(json_object_get(c->g, "items"), "code", code);
    const json_t *nm = xlsx_find(json_object_get(c->net, "items"), "code", code);
    size_t i;
    json_t *opt;

    xlsx_text(&c->x, ws, row, S_CODE, code, XF_PLAIN);
    xlsx_text(&c->x, ws, row, S_LABEL, xlsx_str(item, "text", code), XF_BOLD);
    row++;
    json_array_foreach(json_object_get(item, "options"), i, opt) {
        char label[400], ocode[64];

        snprintf(ocode, sizeof ocode, "%s.%lld", code,
                 (long long)json_integer_value(json_object_get(opt, "code")));
        snprintf(label, sizeof label, "   %s", xlsx_str(opt, "label", ""));
        xlsx_text(&c->x, ws, row, S_CODE, ocode, XF_PLAIN);
        xlsx_text(&c->x, ws, row, S_LABEL, label, XF_PLAIN);
        if (xlsx_is_hidden(c->g) || xlsx_is_hidden(m)) {
            xlsx_hidden_why(&c->x, ws, row, S_VALUE,
                            xlsx_reason(xlsx_is_hidden(c->g) ? c->g : m));
        } else {
            const json_t *sh = xlsx_find_int(json_object_get(m, "shares"), "code",
                                             json_integer_value(json_object_get(opt, "code")));
            const char *sig = sheets_change_label(&c->x, sh, "change");

            xlsx_number(&c->x, ws, row, S_VALUE, xlsx_num(json_array_get(json_object_get(m,
                        "distribution"), i), ""), XF_PCT);
            /* the share's Wilson CI and change, like a scored indicator */
            if (sh != NULL) {
                xlsx_figure(&c->x, ws, row, S_CI_LO, sh, "ci_low", XF_PCT);
                xlsx_figure(&c->x, ws, row, S_CI_HI, sh, "ci_high", XF_PCT);
                write_change(c, ws, row, S_CHANGE, sh, "change", XF_SIGNED_PCT, XF_SIGPCT);
            }
            if (sig != NULL)
                xlsx_text(&c->x, ws, row, S_SIG, sig, XF_PLAIN);
        }
        if (c->net_slug != NULL) {
            xlsx_text(&c->x, ws, row, S_NET,
                      report_network_name(c->meta, c->net_slug, c->x.english), XF_PLAIN);
            if (xlsx_is_hidden(c->net) || xlsx_is_hidden(nm))
                xlsx_hidden_why(&c->x, ws, row, S_NET_VALUE,
                                xlsx_reason(xlsx_is_hidden(c->net) ? c->net : nm));
            else
                xlsx_number(&c->x, ws, row, S_NET_VALUE,
                            xlsx_num(json_array_get(json_object_get(nm, "distribution"), i),
                                     ""),
                            XF_PCT);
        }
        row++;
    }
    return row;
}

static int summary_indicators(struct city *c, lxw_worksheet *ws, int row)
{
    const char *enps = sheets_enps_item(c->doc);
    size_t i;
    json_t *d, *it;

    json_array_foreach(xlsx_get(c->doc, "instrument.dimensions"), i, d) {
        const char *code = xlsx_str(d, "code", "");

        summary_measure(c, ws, row++, code, xlsx_str(d, "label", code),
                        xlsx_find(json_object_get(c->g, "dimensions"), "code", code),
                        xlsx_find(json_object_get(c->net, "dimensions"), "code", code),
                        &mean_fmt);
    }
    if (enps != NULL) {
        summary_measure(c, ws, row++, "enps", xlsx_label(&c->x, L_ENPS),
                        json_object_get(c->g, "enps"), json_object_get(c->net, "enps"),
                        &enps_fmt);
        return row;
    }
    /* Without eNPS (the youth survey) the headline indicators are the
     * scored items outside dimensions and the shares of single choices. */
    json_array_foreach(xlsx_get(c->doc, "instrument.items"), i, it) {
        const char *code = xlsx_str(it, "code", "");

        char text[600];

        if (sheets_not_asked(xlsx_find(json_object_get(c->g, "items"), "code", code)))
            continue;
        if (sheets_scored(it) && !json_is_string(json_object_get(it, "dimension")))
            summary_measure(c, ws, row++, code, sheets_item_label(it, text, sizeof text),
                            xlsx_find(json_object_get(c->g, "items"), "code", code),
                            xlsx_find(json_object_get(c->net, "items"), "code", code),
                            &mean_fmt);
        else if (strcmp(xlsx_str(it, "type", ""), "single") == 0)
            row = summary_choices(c, ws, row, it);
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
    snprintf(title, sizeof title, "%s: %s", xlsx_str(c->doc, "title", ""), c->name);
    sheets_title(&c->x, ws, title, c->subtitle);
    xlsx_header(&c->x, ws, 2, 0, summary_cols, S_NCOLS);
    row = summary_counts(c, ws, 3);
    row = summary_indicators(c, ws, row);
    xlsx_table(&c->x, ws, 2, row - 1, S_NCOLS);
}

/* ---- items ---- */

enum {
    I_CODE, I_TEXT, I_DIM, I_N, I_MEAN, I_SD, I_CI_LO, I_CI_HI, I_MEDIAN, I_FAV, I_FAV_LO,
    I_FAV_HI, I_CHANGE, I_P, I_FAV_CHANGE, I_FAV_P, I_TREND, I_DIST, I_N_EFF, I_NCOLS
};

static const struct xlsx_col item_cols[I_NCOLS] = {
    { L_CODE, NULL, 14 },     { L_ITEM_TEXT, NULL, 50 },  { L_DIMENSION, NULL, 18 },
    { L_N, NULL, 10 },        { L_MEAN, NULL, 9 },        { L_SD, NULL, 12 },
    { L_CI_LOW, NULL, 9 },    { L_CI_HIGH, NULL, 9 },     { L_MEDIAN, NULL, 9 },
    { L_FAV, NULL, 11 },      { L_FAV_CI_LOW, NULL, 12 }, { L_FAV_CI_HIGH, NULL, 12 },
    { L_CHANGE, NULL, 12 },   { L_P_ADJ, NULL, 11 },      { L_FAV_CHANGE, NULL, 12 },
    { L_FAV_P_ADJ, NULL, 12 }, { L_TREND, NULL, 22 },     { L_DISTRIBUTION, NULL, 60 },
    { L_N_EFF, NULL, 10 },
};

/* "1: 5% · 2: 10% · ..." (or option labels for choices). */
static void distribution_text(const json_t *item, const json_t *m, char *buf, size_t n)
{
    const json_t *dist = json_object_get(m, "distribution");
    const json_t *opts = json_object_get(item, "options");
    int scored = sheets_scored(item);
    size_t len = 0, i;
    json_t *v;

    buf[0] = '\0';
    json_array_foreach(dist, i, v) {
        char slot[200];
        double share = json_is_number(v) ? json_number_value(v) : NAN;

        if (scored)
            snprintf(slot, sizeof slot, "%lld",
                     (long long)json_integer_value(json_array_get(json_object_get(item,
                                                                                   "values"), i)));
        else
            snprintf(slot, sizeof slot, "%s", xlsx_str(json_array_get(opts, i), "label", "?"));
        if (len < n)
            len += (size_t)snprintf(buf + len, n - len, "%s%s: %.0f%%", i ? " · " : "", slot,
                                    isfinite(share) ? 100 * share : 0.0);
    }
}

static void item_row(struct city *c, lxw_worksheet *ws, int row, const json_t *item)
{
    const char *code = xlsx_str(item, "code", "");
    const json_t *m = xlsx_is_hidden(c->g)
                          ? NULL
                          : xlsx_find(json_object_get(c->g, "items"), "code", code);
    const char *dim = json_string_value(json_object_get(item, "dimension"));
    char dist[1200], text[600];

    xlsx_text(&c->x, ws, row, I_CODE, code, XF_PLAIN);
    xlsx_wrapped(&c->x, ws, row, I_TEXT, sheets_item_label(item, text, sizeof text),
                 item_cols[I_TEXT].width, XF_WRAP);
    if (dim != NULL)
        xlsx_text(&c->x, ws, row, I_DIM, sheets_dim_label(c->doc, dim), XF_PLAIN);
    xlsx_figure(&c->x, ws, row, I_N, m, "n", XF_INT);
    if (json_object_get(m, "n_eff") != NULL)
        xlsx_figure(&c->x, ws, row, I_N_EFF, m, "n_eff", XF_DEC1);
    if (xlsx_is_hidden(m)) {
        xlsx_hidden_why(&c->x, ws, row, I_DIST, xlsx_reason(m));
    } else {
        distribution_text(item, m, dist, sizeof dist);
        xlsx_text(&c->x, ws, row, I_DIST, dist, XF_PLAIN);
    }
    if (!sheets_scored(item))
        return;
    xlsx_figure(&c->x, ws, row, I_MEAN, m, "mean", XF_DEC2);
    xlsx_figure(&c->x, ws, row, I_SD, m, "sd", XF_DEC2);
    xlsx_figure(&c->x, ws, row, I_CI_LO, m, "ci_low", XF_DEC2);
    xlsx_figure(&c->x, ws, row, I_CI_HI, m, "ci_high", XF_DEC2);
    xlsx_figure(&c->x, ws, row, I_MEDIAN, m, "median", XF_DEC1);
    if (xlsx_is_hidden(m) || json_is_object(json_object_get(m, "favourable"))) {
        xlsx_figure(&c->x, ws, row, I_FAV, m, "favourable.share", XF_PCT);
        xlsx_figure(&c->x, ws, row, I_FAV_LO, m, "favourable.ci_low", XF_PCT);
        xlsx_figure(&c->x, ws, row, I_FAV_HI, m, "favourable.ci_high", XF_PCT);
    }
    write_change(c, ws, row, I_CHANGE, m, "change", XF_SIGNED2, XF_SIG2);
    if (xlsx_is_hidden(m) || json_is_object(xlsx_get(m, "change.favourable")))
        write_change(c, ws, row, I_FAV_CHANGE, m, "change.favourable", XF_SIGNED_PCT,
                     XF_SIGPCT);
    xlsx_text(&c->x, ws, row, I_TREND, sheets_trend_label(&c->x, m), XF_PLAIN);
}

static void sheet_items(struct city *c)
{
    lxw_worksheet *ws = xlsx_sheet(&c->x, xlsx_label(&c->x, L_ITEMS));
    int weighted = json_is_true(json_object_get(c->doc, "weighted"));
    int row = 3, ncols = weighted ? I_NCOLS : I_NCOLS - 1;
    size_t i;
    json_t *it;

    if (ws == NULL)
        return;
    sheets_title(&c->x, ws, xlsx_label(&c->x, L_ITEMS), c->subtitle);
    xlsx_header(&c->x, ws, 2, 0, item_cols, (size_t)ncols);
    json_array_foreach(xlsx_get(c->doc, "instrument.items"), i, it) {
        if (sheets_not_asked(xlsx_find(json_object_get(c->g, "items"), "code",
                                       xlsx_str(it, "code", ""))))
            continue;    /* not in this wave's instrument: no row */
        item_row(c, ws, row++, it);
    }
    xlsx_table(&c->x, ws, 2, row - 1, ncols);
}

/* ---- dimensions ---- */

enum {
    D_CODE, D_LABEL, D_NITEMS, D_N, D_MEAN, D_SD, D_CI_LO, D_CI_HI, D_ALPHA, D_ALPHA_LO,
    D_ALPHA_HI, D_ALPHA_N, D_CHANGE, D_P, D_SIG, D_TREND, D_NCOLS
};

static const struct xlsx_col dim_cols[D_NCOLS] = {
    { L_CODE, NULL, 14 },        { L_DIMENSION, NULL, 34 },     { L_NITEMS, NULL, 9 },
    { L_N, NULL, 10 },           { L_MEAN, NULL, 9 },           { L_SD, NULL, 12 },
    { L_CI_LOW, NULL, 9 },       { L_CI_HIGH, NULL, 9 },        { L_ALPHA, NULL, 10 },
    { L_ALPHA_CI_LOW, NULL, 11 }, { L_ALPHA_CI_HIGH, NULL, 11 }, { L_ALPHA_N, NULL, 12 },
    { L_CHANGE, NULL, 12 },      { L_P_ADJ, NULL, 11 },         { L_SIGNIFICANT, NULL, 15 },
    { L_TREND, NULL, 22 },
};

static void dim_row(struct city *c, lxw_worksheet *ws, int row, const json_t *d)
{
    const char *code = xlsx_str(d, "code", "");
    const json_t *m = xlsx_is_hidden(c->g)
                          ? NULL
                          : xlsx_find(json_object_get(c->g, "dimensions"), "code", code);
    const char *sig = sheets_change_label(&c->x, m, "change");

    xlsx_text(&c->x, ws, row, D_CODE, code, XF_PLAIN);
    xlsx_text(&c->x, ws, row, D_LABEL, xlsx_str(d, "label", code), XF_PLAIN);
    xlsx_number(&c->x, ws, row, D_NITEMS, (double)json_array_size(json_object_get(d, "items")),
                XF_INT);
    xlsx_figure(&c->x, ws, row, D_N, m, "n", XF_INT);
    xlsx_figure(&c->x, ws, row, D_MEAN, m, "mean", XF_DEC2);
    xlsx_figure(&c->x, ws, row, D_SD, m, "sd", XF_DEC2);
    xlsx_figure(&c->x, ws, row, D_CI_LO, m, "ci_low", XF_DEC2);
    xlsx_figure(&c->x, ws, row, D_CI_HI, m, "ci_high", XF_DEC2);
    xlsx_figure(&c->x, ws, row, D_ALPHA, m, "alpha.value", XF_DEC2);
    xlsx_figure(&c->x, ws, row, D_ALPHA_LO, m, "alpha.ci_low", XF_DEC2);
    xlsx_figure(&c->x, ws, row, D_ALPHA_HI, m, "alpha.ci_high", XF_DEC2);
    xlsx_figure(&c->x, ws, row, D_ALPHA_N, m, "alpha.n", XF_INT);
    write_change(c, ws, row, D_CHANGE, m, "change", XF_SIGNED2, XF_SIG2);
    if (sig != NULL)
        xlsx_text(&c->x, ws, row, D_SIG, sig, XF_PLAIN);
    xlsx_text(&c->x, ws, row, D_TREND, sheets_trend_label(&c->x, m), XF_PLAIN);
}

static void sheet_dimensions(struct city *c)
{
    lxw_worksheet *ws = xlsx_sheet(&c->x, xlsx_label(&c->x, L_DIMENSIONS));
    int row = 3;
    size_t i;
    json_t *d;

    if (ws == NULL)
        return;
    sheets_title(&c->x, ws, xlsx_label(&c->x, L_DIMENSIONS), c->subtitle);
    xlsx_header(&c->x, ws, 2, 0, dim_cols, D_NCOLS);
    json_array_foreach(xlsx_get(c->doc, "instrument.dimensions"), i, d)
        dim_row(c, ws, row++, d);
    xlsx_table(&c->x, ws, 2, row - 1, D_NCOLS);
}

/* ---- distributions ---- */

/* Items share a block when their answer slots and labels are the same and
 * both are reverse-coded or neither is (a block's colours say which answers
 * are good: for a reverse-coded item agreeing is the unfavourable end). */
static int same_scale(const json_t *a, const json_t *b)
{
    return sheets_scored(a) && sheets_scored(b) &&
           json_equal(json_object_get(a, "values"), json_object_get(b, "values")) &&
           json_equal(json_object_get(a, "options"), json_object_get(b, "options")) &&
           json_is_true(json_object_get(a, "reverse")) ==
               json_is_true(json_object_get(b, "reverse"));
}

/* The label of answer slot k: "1: Zdecydowanie się nie zgadzam". */
static void slot_label(const json_t *item, size_t k, char *label, size_t n)
{
    const json_t *values = json_object_get(item, "values");
    const json_t *opts = json_object_get(item, "options");
    long long v = json_integer_value(json_array_get(values, k));
    size_t j;
    json_t *o;

    if (!sheets_scored(item)) {
        snprintf(label, n, "%s", xlsx_str(json_array_get(opts, k), "label", ""));
        return;
    }
    snprintf(label, n, "%lld", v);
    json_array_foreach(opts, j, o)
        if (json_integer_value(json_object_get(o, "code")) == v)
            snprintf(label, n, "%lld: %s", v, xlsx_str(o, "label", ""));
}

/* The header of a block: one column per answer slot. Returns the slots. */
static size_t block_header(struct city *c, lxw_worksheet *ws, int row, const json_t *item)
{
    const json_t *values = json_object_get(item, "values");
    const json_t *opts = json_object_get(item, "options");
    size_t nslots = sheets_scored(item) ? json_array_size(values) : json_array_size(opts);
    struct xlsx_col cols[3 + 32];
    char labels[32][200];

    if (nslots > 32)
        nslots = 32;
    cols[0] = (struct xlsx_col){ L_CODE, NULL, 14 };
    cols[1] = (struct xlsx_col){ L_ITEM_TEXT, NULL, 50 };
    cols[2] = (struct xlsx_col){ L_N, NULL, 10 };
    for (size_t k = 0; k < nslots; k++) {
        slot_label(item, k, labels[k], sizeof labels[k]);
        cols[3 + k] = (struct xlsx_col){ L_COUNT, labels[k], 13 };
    }
    /* One call: the row's height fits the longest header of all. */
    xlsx_header(&c->x, ws, row, 0, cols, 3 + nslots);
    return nslots;
}

static void block_row(struct city *c, lxw_worksheet *ws, int row, const json_t *item,
                      size_t nslots)
{
    const char *code = xlsx_str(item, "code", "");
    const json_t *m = xlsx_is_hidden(c->g)
                          ? NULL
                          : xlsx_find(json_object_get(c->g, "items"), "code", code);
    char text[600];

    xlsx_text(&c->x, ws, row, 0, code, XF_PLAIN);
    xlsx_wrapped(&c->x, ws, row, 1, sheets_item_label(item, text, sizeof text), 50, XF_WRAP);
    xlsx_figure(&c->x, ws, row, 2, m, "n", XF_INT);
    for (size_t k = 0; k < nslots; k++) {
        if (xlsx_is_hidden(m))
            xlsx_hidden_why(&c->x, ws, row, 3 + (int)k, xlsx_reason(m));
        else
            xlsx_number(&c->x, ws, row, 3 + (int)k,
                        xlsx_num(json_array_get(json_object_get(m, "distribution"), k), ""),
                        XF_PCT);
    }
}

/* Red (disagree, unfavourable) to green (agree, favourable) over n answer
 * points, a light grey in the middle; reversed for a reverse-coded item,
 * where agreeing is unfavourable. */
static lxw_color_t diverging(size_t k, size_t n, int reverse)
{
    static const lxw_color_t five[] = { 0xD7191C, 0xFDAE61, 0xD9D9D9, 0xA6D96A, 0x1A9641 };
    static const lxw_color_t four[] = { 0xD7191C, 0xFDAE61, 0xA6D96A, 0x1A9641 };
    static const lxw_color_t three[] = { 0xD7191C, 0xD9D9D9, 0x1A9641 };
    size_t i = reverse ? n - 1 - k : k;

    if (n == 5)
        return five[i];
    if (n == 4)
        return four[i];
    if (n == 3)
        return three[i];
    /* wider scales: interpolate red - grey - green */
    {
        double t = n > 1 ? (double)i / (double)(n - 1) : 0.5;
        int r, g, b;

        if (t < 0.5) {
            double u = t / 0.5;
            r = (int)(0xD7 + u * (0xD9 - 0xD7));
            g = (int)(0x19 + u * (0xD9 - 0x19));
            b = (int)(0x1C + u * (0xD9 - 0x1C));
        } else {
            double u = (t - 0.5) / 0.5;
            r = (int)(0xD9 + u * (0x1A - 0xD9));
            g = (int)(0xD9 + u * (0x96 - 0xD9));
            b = (int)(0xD9 + u * (0x41 - 0xD9));
        }
        return (lxw_color_t)((r << 16) | (g << 8) | b);
    }
}

/* A block of items with one scale, and its bar chart below it. Returns
 * the next free row. */
static int block(struct city *c, lxw_worksheet *ws, int row, const json_t *items,
                 char *used, size_t first)
{
    const json_t *item0 = json_array_get(items, first);
    const char *sheet = xlsx_label(&c->x, L_DISTRIBUTIONS);
    int multi = strcmp(xlsx_str(item0, "type", ""), "multi") == 0;
    int likert = strcmp(xlsx_str(item0, "type", ""), "likert") == 0;
    int reverse = json_is_true(json_object_get(item0, "reverse"));
    int header = row, r = row + 1, height, asked = 0;
    size_t nslots;
    lxw_chart *chart;
    lxw_chart_font font;
    char title[400], lo[200], hi[200];

    for (size_t i = first; i < json_array_size(items); i++) {
        const json_t *it = json_array_get(items, i);

        if (!used[i] && (i == first || same_scale(item0, it)) &&
            !sheets_not_asked(xlsx_find(json_object_get(c->g, "items"), "code",
                                        xlsx_str(it, "code", ""))))
            asked++;
    }
    nslots = asked > 0 ? block_header(c, ws, header, item0) : 0;
    for (size_t i = first; i < json_array_size(items); i++) {
        const json_t *it = json_array_get(items, i);

        if (used[i] || (i != first && !same_scale(item0, it)))
            continue;
        used[i] = 1;
        if (sheets_not_asked(xlsx_find(json_object_get(c->g, "items"), "code",
                                       xlsx_str(it, "code", ""))))
            continue;    /* not in this wave's instrument: no row, no bar */
        block_row(c, ws, r++, it, nslots);
    }
    if (asked == 0)
        return row;    /* every item of the block was not asked: no block */
    /* The title says what the chart shows: the answers' range, or the
     * question of a choice item. */
    if (sheets_scored(item0) && nslots > 0) {
        slot_label(item0, 0, lo, sizeof lo);
        slot_label(item0, nslots - 1, hi, sizeof hi);
        snprintf(title, sizeof title, "%s: %s … %s%s%s", xlsx_label(&c->x, L_DISTRIBUTION), lo,
                 hi, reverse ? " " : "",
                 reverse ? (c->x.english ? VOCAB_REVERSED_EN : VOCAB_REVERSED_PL) : "");
    } else {
        snprintf(title, sizeof title, "%s: %.120s", xlsx_label(&c->x, L_DISTRIBUTION),
                 xlsx_str(item0, "text", ""));
    }
    chart = xlsx_chart(&c->x, multi ? LXW_CHART_BAR : LXW_CHART_BAR_STACKED, title);
    for (size_t k = 0; k < nslots; k++) {
        /* bars labelled by the question's text (column 1) */
        lxw_chart_series *s = xlsx_series(&c->x, chart, sheet, header + 1, 1, r - 1, 1,
                                          header + 1, 3 + (int)k, r - 1, 3 + (int)k, NULL);

        if (s == NULL)
            continue;
        chart_series_set_name_range(s, sheet, (lxw_row_t)header, (lxw_col_t)(3 + k));
        if (likert) {
            lxw_chart_fill fill = { .color = diverging(k, nslots, reverse) };

            chart_series_set_fill(s, &fill);
        }
    }
    if (chart != NULL) {
        memset(&font, 0, sizeof font);
        font.size = 8;
        /* a bar chart's values run across (x_axis): shares, 0-100% */
        chart_axis_set_min(chart->x_axis, 0);
        chart_axis_set_max(chart->x_axis, 1);
        chart_axis_set_num_format(chart->x_axis, "0%");
        chart_axis_set_name(chart->x_axis, xlsx_label(&c->x, L_OPTION_SHARE));
        chart_axis_set_name(chart->y_axis, xlsx_label(&c->x, L_ITEM_TEXT));
        chart_axis_set_num_font(chart->y_axis, &font);
        chart_axis_set_reverse(chart->y_axis);    /* first question on top */
    }
    /* Below the table, never over it: the next block starts under the
     * chart (20 px per default row). */
    height = 34 * (r - header - 1) + 150;
    if (height < 260)
        height = 260;
    xlsx_insert_chart(&c->x, ws, r + 1, 0, chart, 1000, height);
    return r + 1 + (height + 19) / 20 + 2;
}

static void sheet_distributions(struct city *c)
{
    lxw_worksheet *ws = xlsx_sheet(&c->x, xlsx_label(&c->x, L_DISTRIBUTIONS));
    const json_t *items = xlsx_get(c->doc, "instrument.items");
    size_t n = json_array_size(items);
    char used[512];
    int row = 3;

    if (ws == NULL)
        return;
    sheets_title(&c->x, ws, xlsx_label(&c->x, L_DISTRIBUTIONS), c->subtitle);
    memset(used, 0, sizeof used);
    for (size_t i = 0; i < n && i < sizeof used; i++) {
        if (used[i])
            continue;
        row = block(c, ws, row, items, used, i);
    }
    worksheet_freeze_panes(ws, 2, 0);
}

/* ---- comparison with the networks ---- */

enum { N_CODE, N_LABEL, N_NET, N_CITY, N_REST, N_DIFF, N_P, N_SIG, N_EFFECT, N_RANK, N_OF,
       N_NCOLS };

static const struct xlsx_col net_cols[N_NCOLS] = {
    { L_CODE, NULL, 14 },      { L_INDICATOR, NULL, 44 }, { L_NETWORK, NULL, 22 },
    { L_CITY, NULL, 10 },      { L_REST_MEAN, NULL, 13 }, { L_DIFF, NULL, 10 },
    { L_P_ADJ, NULL, 13 },     { L_SIG_DIFF, NULL, 26 },  { L_EFFECT, NULL, 12 },
    { L_RANK, NULL, 14 },      { L_OF, NULL, 9 },
};

static int network_rows(struct city *c, lxw_worksheet *ws, int row, const char *code,
                        const char *label, const json_t *m)
{
    size_t i;
    json_t *vs;

    json_array_foreach(json_object_get(m, "vs_networks"), i, vs) {
        const char *net = xlsx_str(vs, "network", "");

        if (same_as_earlier(c, json_object_get(m, "vs_networks"), i))
            continue;    /* the same cities as a network above: the same figures */

        xlsx_text(&c->x, ws, row, N_CODE, code, XF_PLAIN);
        xlsx_wrapped(&c->x, ws, row, N_LABEL, label, net_cols[N_LABEL].width, XF_WRAP);
        xlsx_text(&c->x, ws, row, N_NET, report_network_name(c->meta, net, c->x.english),
                  XF_PLAIN);
        xlsx_figure(&c->x, ws, row, N_CITY, m, "mean", XF_DEC2);
        xlsx_figure(&c->x, ws, row, N_REST, vs, "rest_mean", XF_DEC2);
        xlsx_figure(&c->x, ws, row, N_DIFF, vs, "diff",
                    xlsx_significant(vs, "p_adj") ? XF_SIG2 : XF_SIGNED2);
        xlsx_figure(&c->x, ws, row, N_P, vs, "p_adj", XF_PVAL);
        if (json_is_number(json_object_get(vs, "p_adj"))) {
            xlsx_text(&c->x, ws, row, N_SIG,
                      vocab_difference(xlsx_num(vs, "diff"), xlsx_significant(vs, "p_adj"),
                                       c->x.english),
                      XF_PLAIN);
            xlsx_text(&c->x, ws, row, N_EFFECT,
                      vocab_effect(xlsx_num(vs, "cohens_d"), c->x.english), XF_PLAIN);
        }
        xlsx_figure(&c->x, ws, row, N_RANK, vs, "rank", XF_INT);
        xlsx_figure(&c->x, ws, row++, N_OF, vs, "of", XF_INT);
    }
    return row;
}

static void sheet_networks(struct city *c)
{
    lxw_worksheet *ws = xlsx_sheet(&c->x, xlsx_label(&c->x, L_NETWORK_CMP));
    int row = 3;
    size_t i;
    json_t *d;

    if (ws == NULL)
        return;
    sheets_title(&c->x, ws, xlsx_label(&c->x, L_VS_NETWORK), c->subtitle);
    xlsx_header(&c->x, ws, 2, 0, net_cols, N_NCOLS);
    json_array_foreach(xlsx_get(c->doc, "instrument.dimensions"), i, d) {
        const char *code = xlsx_str(d, "code", "");

        row = network_rows(c, ws, row, code, xlsx_str(d, "label", code),
                           xlsx_find(json_object_get(c->g, "dimensions"), "code", code));
    }
    json_array_foreach(xlsx_get(c->doc, "instrument.items"), i, d) {
        const char *code = xlsx_str(d, "code", "");

        char text[600];

        if (sheets_scored(d))
            row = network_rows(c, ws, row, code, sheets_item_label(d, text, sizeof text),
                               xlsx_find(json_object_get(c->g, "items"), "code", code));
    }
    xlsx_table(&c->x, ws, 2, row - 1, N_NCOLS);
}

/* ---- what drives eNPS ---- */

struct driver {
    const char *code;
    const char *label;
    const json_t *d;      /* the driver object: n, r, p, p_adj */
    char text[600];
};

static int by_r(const void *a, const void *b)
{
    double x = xlsx_num(((const struct driver *)a)->d, "r");
    double y = xlsx_num(((const struct driver *)b)->d, "r");

    if (isfinite(x) != isfinite(y))
        return isfinite(x) ? -1 : 1;
    return x > y ? -1 : x < y ? 1 : 0;
}

enum { R_CODE, R_LABEL, R_KIND, R_R, R_P, R_SIG, R_N, R_NCOLS };

static const struct xlsx_col driver_cols[R_NCOLS] = {
    { L_CODE, NULL, 14 },      { L_INDICATOR, NULL, 60 }, { L_KIND, NULL, 12 },
    { L_CORR, NULL, 16 },      { L_P_ADJ, NULL, 13 },     { L_SIGNIFICANT_R, NULL, 24 },
    { L_N, NULL, 12 },
};

/* Dimensions and scored items by their correlation with the eNPS question
 * (Pearson's r, pairwise complete), strongest first: what goes with a
 * willingness to recommend the office. Only for groups of at least
 * RESULTS_MIN_DRIVER_N, as computed. */
static void sheet_drivers(struct city *c)
{
    const char *enps = sheets_enps_item(c->doc);
    const json_t *dims = json_object_get(c->g, "dimensions");
    const json_t *items = json_object_get(c->g, "items");
    size_t n = json_array_size(dims) + json_array_size(items), k = 0, i;
    struct driver *rows;
    lxw_worksheet *ws;
    json_t *m;
    int row = 4;

    if (enps == NULL)
        return;
    ws = xlsx_sheet(&c->x, xlsx_label(&c->x, L_DRIVERS));
    rows = calloc(n + 1, sizeof *rows);
    if (ws == NULL || rows == NULL) {
        free(rows);
        if (ws != NULL)
            xlsx_check(&c->x, LXW_ERROR_MEMORY_MALLOC_FAILED, "the drivers");
        return;
    }
    sheets_title(&c->x, ws, xlsx_label(&c->x, L_DRIVERS), c->subtitle);
    /* the note across the table's width, its row as high as its lines */
    xlsx_check(&c->x, worksheet_merge_range(ws, 2, 0, 2, R_N, xlsx_label(&c->x, L_DRIVERS_NOTE),
                                            c->x.fmt[XF_WRAP]),
               "a note");
    xlsx_check(&c->x, worksheet_set_row(ws, 2,
                                        15.0 * xlsx_wrap_lines(xlsx_label(&c->x, L_DRIVERS_NOTE),
                                                               14 + 60 + 12 + 16 + 13 + 24 + 12,
                                                               0) + 3,
                                        NULL),
               "a row height");
    xlsx_header(&c->x, ws, 3, 0, driver_cols, R_NCOLS);
    if (!xlsx_is_hidden(c->g)) {
        json_array_foreach(dims, i, m) {
            if (!json_is_object(json_object_get(m, "driver")))
                continue;
            rows[k].code = xlsx_str(m, "code", "");
            rows[k].label = sheets_dim_label(c->doc, rows[k].code);
            rows[k++].d = json_object_get(m, "driver");
        }
        json_array_foreach(items, i, m) {
            const char *code = xlsx_str(m, "code", "");

            if (!json_is_object(json_object_get(m, "driver")) || strcmp(code, enps) == 0)
                continue;
            rows[k].code = code;
            rows[k].label = NULL;    /* after sorting: text[] moves with the row */
            rows[k++].d = json_object_get(m, "driver");
        }
    }
    qsort(rows, k, sizeof *rows, by_r);
    for (i = 0; i < k; i++, row++) {
        int is_dim = xlsx_find(dims, "code", rows[i].code) != NULL;

        if (rows[i].label == NULL)
            rows[i].label = sheets_item_label(
                xlsx_find(xlsx_get(c->doc, "instrument.items"), "code", rows[i].code),
                rows[i].text, sizeof rows[i].text);

        xlsx_text(&c->x, ws, row, R_CODE, rows[i].code, XF_PLAIN);
        xlsx_wrapped(&c->x, ws, row, R_LABEL, rows[i].label, driver_cols[R_LABEL].width,
                     XF_WRAP);
        xlsx_label_cell(&c->x, ws, row, R_KIND, is_dim ? L_DIMENSION : L_ITEM_KIND, XF_PLAIN);
        xlsx_number(&c->x, ws, row, R_R, xlsx_num(rows[i].d, "r"),
                    xlsx_significant(rows[i].d, "p_adj") ? XF_SIG2 : XF_SIGNED2);
        xlsx_number(&c->x, ws, row, R_P, xlsx_num(rows[i].d, "p_adj"), XF_PVAL);
        xlsx_label_cell(&c->x, ws, row, R_SIG,
                        xlsx_significant(rows[i].d, "p_adj") ? L_SIG_R_YES : L_SIG_R_NO,
                        XF_PLAIN);
        xlsx_number(&c->x, ws, row, R_N, xlsx_num(rows[i].d, "n"), XF_INT);
    }
    if (k == 0)
        xlsx_label_cell(&c->x, ws, row++, 0, L_DRIVERS_NONE, XF_NOTE);
    xlsx_table(&c->x, ws, 3, row - 1, R_NCOLS);
    free(rows);
}

/* ---- breakdown by attribute ---- */

/* One attribute's block: rows are the scored items asked in the wave,
 * columns the attribute's parts with respondents; a cell is the part's
 * mean minus the city's, coloured red (below) to green (above) around 0. */
static int breakdown_block(struct city *c, lxw_worksheet *ws, int row, json_t *doc)
{
    const json_t *g = results_group(doc, c->wave, "city", c->slug);
    const json_t *bd = json_object_get(g, "breakdown");
    const json_t *parts = json_object_get(bd, "parts");
    const json_t *attrs = xlsx_get(doc, "instrument.items");
    size_t np = json_array_size(parts), i, p;
    struct xlsx_col *cols;
    char (*heads)[200];
    json_t *it, *part;
    int first, last;
    lxw_conditional_format cf;

    if (g == NULL || xlsx_is_hidden(g) || !json_is_object(bd) || np == 0)
        return row;
    cols = calloc(3 + np, sizeof *cols);
    heads = calloc(np + 1, sizeof *heads);
    if (cols == NULL || heads == NULL) {
        free(cols);
        free(heads);
        xlsx_check(&c->x, LXW_ERROR_MEMORY_MALLOC_FAILED, "the breakdown");
        return row;
    }
    {
        char title[300];

        snprintf(title, sizeof title, "%s: %s", xlsx_label(&c->x, L_BREAKDOWN_BY),
                 xlsx_str(bd, "label", xlsx_str(bd, "attribute", "")));
        xlsx_text(&c->x, ws, row++, 0, title, XF_BOLD);
    }
    cols[0] = (struct xlsx_col){ L_CODE, NULL, 14 };
    cols[1] = (struct xlsx_col){ L_ITEM_TEXT, NULL, 50 };
    cols[2] = (struct xlsx_col){ L_CITY_MEAN, NULL, 12 };
    json_array_foreach(parts, p, part) {
        if (xlsx_is_hidden(part))
            snprintf(heads[p], sizeof heads[p], "%s", xlsx_str(part, "label", ""));
        else
            snprintf(heads[p], sizeof heads[p], "%s (n = %.0f)", xlsx_str(part, "label", ""),
                     xlsx_num(part, "respondents"));
        /* one width for every block: the blocks share the columns */
        cols[3 + p] = (struct xlsx_col){ L_COUNT, heads[p], 22 };
    }
    xlsx_header(&c->x, ws, row++, 0, cols, 3 + np);
    first = row;
    json_array_foreach(attrs, i, it) {
        const char *code = xlsx_str(it, "code", "");
        const json_t *m = xlsx_find(json_object_get(g, "items"), "code", code);
        char text[600];
        double cm;

        if (!sheets_scored(it) || m == NULL || sheets_not_asked(m) ||
            (sheets_enps_item(doc) != NULL && strcmp(code, sheets_enps_item(doc)) == 0))
            continue;
        cm = xlsx_num(m, "mean");
        xlsx_text(&c->x, ws, row, 0, code, XF_PLAIN);
        xlsx_wrapped(&c->x, ws, row, 1, sheets_item_label(it, text, sizeof text), 50, XF_WRAP);
        xlsx_figure(&c->x, ws, row, 2, m, "mean", XF_DEC2);
        json_array_foreach(parts, p, part) {
            const json_t *pm = xlsx_is_hidden(part)
                                   ? NULL
                                   : xlsx_find(json_object_get(part, "items"), "code", code);

            if (xlsx_is_hidden(m) || xlsx_is_hidden(pm)) {
                /* the note says why: the part's own reason, or the item's */
                const json_t *why = xlsx_is_hidden(m) ? m : xlsx_is_hidden(part) ? part : pm;

                xlsx_hidden_why(&c->x, ws, row, 3 + (int)p,
                                json_string_value(json_object_get(why, "reason")));
            }
            else if (isfinite(xlsx_num(pm, "mean")) && isfinite(cm))
                xlsx_number(&c->x, ws, row, 3 + (int)p, xlsx_num(pm, "mean") - cm, XF_SIGNED2);
        }
        row++;
    }
    last = row - 1;
    if (last >= first) {
        memset(&cf, 0, sizeof cf);
        cf.type = LXW_CONDITIONAL_3_COLOR_SCALE;
        cf.min_color = 0xF8696B;
        cf.mid_color = 0xFFFFFF;
        cf.max_color = 0x63BE7B;
        cf.mid_rule_type = LXW_CONDITIONAL_RULE_TYPE_NUMBER;
        cf.mid_value = 0;
        cf.min_rule_type = LXW_CONDITIONAL_RULE_TYPE_NUMBER;
        cf.min_value = -1;
        cf.max_rule_type = LXW_CONDITIONAL_RULE_TYPE_NUMBER;
        cf.max_value = 1;
        xlsx_check(&c->x, worksheet_conditional_format_range(ws, (lxw_row_t)first, 3,
                                                             (lxw_row_t)last,
                                                             (lxw_col_t)(2 + np), &cf),
                   "a colour scale");
    }
    free(cols);
    free(heads);
    return row + 2;
}

static void sheet_breakdown(struct city *c)
{
    lxw_worksheet *ws;
    int row = 4;

    if (c->nby == 0)
        return;
    ws = xlsx_sheet(&c->x, xlsx_label(&c->x, L_BREAKDOWN));
    if (ws == NULL)
        return;
    sheets_title(&c->x, ws, xlsx_label(&c->x, L_BREAKDOWN), c->subtitle);
    xlsx_check(&c->x, worksheet_merge_range(ws, 2, 0, 2, 8, xlsx_label(&c->x, L_BREAKDOWN_NOTE),
                                            c->x.fmt[XF_WRAP]),
               "a note");
    xlsx_check(&c->x, worksheet_set_row(ws, 2,
                                        15.0 * xlsx_wrap_lines(xlsx_label(&c->x, L_BREAKDOWN_NOTE),
                                                               14 + 50 + 12 + 6 * 14, 0) + 3,
                                        NULL),
               "a row height");
    if (xlsx_is_hidden(c->g))
        return;
    for (size_t i = 0; i < c->nby; i++)
        row = breakdown_block(c, ws, row, c->by[i]);
}

/* ---- the workbook ---- */

static void write_sheets(struct city *c)
{
    sheet_summary(c);
    sheet_items(c);
    sheet_dimensions(c);
    sheets_trends(&c->x, L_TRENDS, c->r, RESULTS_CITY, c->slug, c->wi, c->subtitle);
    sheet_distributions(c);
    sheet_networks(c);
    sheet_drivers(c);
    sheet_breakdown(c);
    sheets_methodology_of(&c->x, c->r, c->meta, results_find(c->r, c->wave, RESULTS_CITY, c->slug),
                          c->wave, L_CITY, c->name);
}

int report_city_write(json_t *doc, const struct results *r, int english,
                      const struct report_meta *meta, const char *wave, const char *city,
                      const char *path, char *err, size_t errlen)
{
    return report_city_write_by(doc, r, NULL, NULL, 0, english, meta, wave, city, path, err,
                                errlen);
}

int report_city_write_by(json_t *doc, const struct results *r, json_t *const *by,
                         const struct results *const *rby, size_t nby, int english,
                         const struct report_meta *meta, const char *wave, const char *city,
                         const char *path, char *err, size_t errlen)
{
    (void)rby;
        struct city c;
    char tmp[4096];
    int rc;

    memset(&c, 0, sizeof c);
    c.by = by;
    c.nby = nby;
    c.doc = doc;
    c.r = r;
    c.meta = meta;
    c.wave = wave;
    c.slug = city;
    c.wi = report_wave_index(doc, wave);
    c.g = results_group(doc, wave, "city", city);
    if (c.wi < 0 || c.g == NULL)
        return err_set(err, errlen, "no responses from city \"%s\" in wave \"%s\"", city, wave);
    c.name = xlsx_str(c.g, "name", report_city_name(meta, city));
    choose_network(&c);
    if (report_open(&c.x, r, english, meta, path, c.name, wave, L_CITY_REPORT, tmp, sizeof tmp,
                    c.subtitle, sizeof c.subtitle, err, errlen) != 0)
        return -1;
    write_sheets(&c);
    rc = xlsx_close(&c.x, err, errlen);
    return report_commit(tmp, path, rc == 0, err, errlen);
}
