/* network: the network workbook (see network.h). */
#include "network.h"

#include "err.h"
#include "results.h"
#include "sheets.h"
#include "xlsx.h"

#include <stdio.h>
#include <string.h>

struct network {
    struct xlsx x;
    json_t *doc;
    const struct report_meta *meta;
    const json_t *g;      /* the network in the wave */
    const char *wave, *slug, *name;
    long wi;
    char subtitle[300];
};

/* One indicator of the comparison: a dimension, eNPS or a scored item. */
struct indicator {
    const char *code, *label;
    const char *array;    /* "dimensions", "items", or NULL for eNPS */
    const char *vkey;     /* "mean" or "value" */
    enum xlsx_fmt fmt, change, sig;
};

/* Calls fn for every indicator: dimensions, eNPS, scored items. */
static int each_indicator(struct network *n, int row,
                          int (*fn)(struct network *, int, const struct indicator *, void *),
                          void *arg)
{
    struct indicator ind;
    size_t i;
    json_t *d;

    json_array_foreach(xlsx_get(n->doc, "instrument.dimensions"), i, d) {
        ind = (struct indicator){ xlsx_str(d, "code", ""), xlsx_str(d, "label", ""),
                                  "dimensions", "mean", XF_DEC2, XF_SIGNED2, XF_SIG2 };
        row = fn(n, row, &ind, arg);
    }
    if (sheets_enps_item(n->doc) != NULL) {
        ind = (struct indicator){ "enps", xlsx_label(&n->x, L_ENPS), NULL, "value", XF_SIGNED1,
                                  XF_SIGNED1, XF_SIG1 };
        row = fn(n, row, &ind, arg);
    }
    json_array_foreach(xlsx_get(n->doc, "instrument.items"), i, d) {
        const char *enps = sheets_enps_item(n->doc);

        if (!sheets_scored(d) || (enps != NULL && strcmp(xlsx_str(d, "code", ""), enps) == 0))
            continue;
        ind = (struct indicator){ xlsx_str(d, "code", ""), xlsx_str(d, "text", ""), "items",
                                  "mean", XF_DEC2, XF_SIGNED2, XF_SIG2 };
        row = fn(n, row, &ind, arg);
    }
    return row;
}

/* The indicator's measure in a group, or NULL when hidden. */
static const json_t *measure(const json_t *g, const struct indicator *ind)
{
    if (xlsx_is_hidden(g))
        return NULL;
    if (ind->array == NULL)
        return json_object_get(g, "enps");
    return xlsx_find(json_object_get(g, ind->array), "code", ind->code);
}

/* ---- summary ---- */

enum { S_CODE, S_LABEL, S_VALUE, S_CI_LO, S_CI_HI, S_CHANGE, S_P, S_SIG, S_TREND, S_ACROSS,
       S_NCOLS };

static const struct xlsx_col summary_cols[S_NCOLS] = {
    { L_CODE, NULL, 14 },    { L_INDICATOR, NULL, 44 }, { L_VALUE, NULL, 10 },
    { L_CI_LOW, NULL, 10 },  { L_CI_HIGH, NULL, 10 },   { L_CHANGE, NULL, 12 },
    { L_P_ADJ, NULL, 11 },   { L_SIGNIFICANT, NULL, 15 }, { L_TREND, NULL, 22 },
    { L_ANOVA_P_ADJ, NULL, 16 },
};

static int summary_row(struct network *n, int row, const struct indicator *ind, void *arg)
{
    lxw_worksheet *ws = arg;
    const json_t *m = measure(n->g, ind);
    const char *sig = sheets_change_label(&n->x, m, "change");
    xlsx_text(&n->x, ws, row, S_CODE, ind->code, XF_PLAIN);
    xlsx_text(&n->x, ws, row, S_LABEL, ind->label, XF_PLAIN);
    xlsx_figure(&n->x, ws, row, S_VALUE, m, ind->vkey, ind->fmt);
    xlsx_figure(&n->x, ws, row, S_CI_LO, m, "ci_low", ind->fmt);
    xlsx_figure(&n->x, ws, row, S_CI_HI, m, "ci_high", ind->fmt);
    if (xlsx_is_hidden(m) || json_is_object(json_object_get(m, "change"))) {
        xlsx_figure(&n->x, ws, row, S_CHANGE, m, "change.diff",
                    xlsx_significant(m, "change.p_adj") ? ind->sig : ind->change);
        xlsx_figure(&n->x, ws, row, S_P, m, "change.p_adj", XF_PVAL);
    }
    if (sig != NULL)
        xlsx_text(&n->x, ws, row, S_SIG, sig, XF_PLAIN);
    xlsx_text(&n->x, ws, row, S_TREND, sheets_trend_label(&n->x, m), XF_PLAIN);
    if (xlsx_is_hidden(m) || json_is_object(json_object_get(m, "across_cities")))
        xlsx_figure(&n->x, ws, row, S_ACROSS, m, "across_cities.p_adj", XF_PVAL);
    return row + 1;
}

static void sheet_summary(struct network *n)
{
    lxw_worksheet *ws = xlsx_sheet(&n->x, xlsx_label(&n->x, L_SUMMARY));
    const json_t *members = json_object_get(n->g, "members");
    const json_t *observers = json_object_get(n->g, "observers");
    char title[300];
    int row = 3;

    if (ws == NULL)
        return;
    snprintf(title, sizeof title, "%s: %s", xlsx_str(n->doc, "title", ""), n->name);
    sheets_title(&n->x, ws, title, n->subtitle);
    xlsx_header(&n->x, ws, 2, 0, summary_cols, S_NCOLS);
    xlsx_text(&n->x, ws, row, S_CODE, "respondents", XF_PLAIN);
    xlsx_label_cell(&n->x, ws, row, S_LABEL, L_RESPONDENTS, XF_PLAIN);
    xlsx_figure(&n->x, ws, row++, S_VALUE, n->g, "respondents", XF_INT);
    xlsx_text(&n->x, ws, row, S_CODE, "members", XF_PLAIN);
    xlsx_label_cell(&n->x, ws, row, S_LABEL, L_MEMBERS, XF_PLAIN);
    xlsx_number(&n->x, ws, row++, S_VALUE, (double)json_array_size(members), XF_INT);
    xlsx_text(&n->x, ws, row, S_CODE, "observers", XF_PLAIN);
    xlsx_label_cell(&n->x, ws, row, S_LABEL, L_OBSERVERS, XF_PLAIN);
    xlsx_number(&n->x, ws, row++, S_VALUE, (double)json_array_size(observers), XF_INT);
    row = each_indicator(n, row, summary_row, ws);
    xlsx_table(&n->x, ws, 2, row - 1, S_NCOLS);
}

/* ---- the cities side by side (heat map) ---- */

struct side {
    lxw_worksheet *ws;
    const json_t *members, *observers;
    int obs_col;          /* first observer column */
};

static void city_cell(struct network *n, lxw_worksheet *ws, int row, int col,
                      const char *city, const struct indicator *ind)
{
    const json_t *g = results_group(n->doc, n->wave, "city", city);

    xlsx_figure(&n->x, ws, row, col, measure(g, ind), ind->vkey, ind->fmt);
}

static int side_row(struct network *n, int row, const struct indicator *ind, void *arg)
{
    struct side *s = arg;
    size_t nm = json_array_size(s->members), i;
    json_t *c;

    xlsx_text(&n->x, s->ws, row, 0, ind->code, XF_PLAIN);
    xlsx_text(&n->x, s->ws, row, 1, ind->label, XF_PLAIN);
    xlsx_figure(&n->x, s->ws, row, 2, measure(n->g, ind), ind->vkey, ind->fmt);
    json_array_foreach(s->members, i, c)
        city_cell(n, s->ws, row, 3 + (int)i, json_string_value(c), ind);
    json_array_foreach(s->observers, i, c)
        city_cell(n, s->ws, row, s->obs_col + (int)i, json_string_value(c), ind);
    if (nm > 1)
        xlsx_heat(&n->x, s->ws, row, 3, row, 2 + (int)nm);
    return row + 1;
}

static void side_header(struct network *n, struct side *s)
{
    static const struct xlsx_col first[] = {
        { L_CODE, NULL, 14 }, { L_INDICATOR, NULL, 40 }, { L_NETWORK_TOTAL, NULL, 12 },
    };
    size_t i;
    json_t *c;

    xlsx_header(&n->x, s->ws, 2, 0, first, 3);
    json_array_foreach(s->members, i, c) {
        struct xlsx_col col = { L_COUNT, report_city_name(n->meta, json_string_value(c)), 13 };

        xlsx_header(&n->x, s->ws, 2, 3 + (int)i, &col, 1);
    }
    if (json_array_size(s->observers) == 0)
        return;
    xlsx_label_cell(&n->x, s->ws, 1, s->obs_col, L_OBSERVERS_NOTE, XF_NOTE);
    json_array_foreach(s->observers, i, c) {
        char label[200];
        struct xlsx_col col = { L_COUNT, label, 15 };

        snprintf(label, sizeof label, "%s (%s)", report_city_name(n->meta, json_string_value(c)),
                 xlsx_label(&n->x, L_OBSERVERS));
        xlsx_header(&n->x, s->ws, 2, s->obs_col + (int)i, &col, 1);
    }
}

static void sheet_cities(struct network *n)
{
    struct side s;
    int row;

    memset(&s, 0, sizeof s);
    s.ws = xlsx_sheet(&n->x, xlsx_label(&n->x, L_CITIES));
    if (s.ws == NULL)
        return;
    s.members = json_object_get(n->g, "members");
    s.observers = json_object_get(n->g, "observers");
    s.obs_col = 3 + (int)json_array_size(s.members) + 1;   /* one empty column apart */
    xlsx_text(&n->x, s.ws, 0, 0, n->subtitle, XF_TITLE);
    side_header(n, &s);
    row = each_indicator(n, 3, side_row, &s);
    xlsx_table(&n->x, s.ws, 2, row - 1, 3 + (int)json_array_size(s.members));
    worksheet_freeze_panes(s.ws, 3, 2);
}

/* ---- ranking ---- */

static void rank_row(struct network *n, lxw_worksheet *ws, int row, const char *city,
                     const json_t *dims)
{
    const json_t *g = results_group(n->doc, n->wave, "city", city);
    size_t i;
    json_t *d;

    xlsx_text(&n->x, ws, row, 0, report_city_name(n->meta, city), XF_PLAIN);
    xlsx_figure(&n->x, ws, row, 1, g, "respondents", XF_INT);
    json_array_foreach(dims, i, d) {
        const json_t *m = xlsx_is_hidden(g) ? NULL
                                            : xlsx_find(json_object_get(g, "dimensions"), "code",
                                                        xlsx_str(d, "code", ""));
        const json_t *vs = xlsx_find(json_object_get(m, "vs_networks"), "network", n->slug);

        xlsx_figure(&n->x, ws, row, 2 + 2 * (int)i, m, "mean", XF_DEC2);
        xlsx_figure(&n->x, ws, row, 3 + 2 * (int)i, xlsx_is_hidden(m) ? NULL : vs, "rank",
                    XF_INT);
    }
}

static void sheet_ranking(struct network *n)
{
    static const struct xlsx_col first[] = { { L_CITY, NULL, 22 }, { L_RESPONDENTS, NULL, 12 } };
    lxw_worksheet *ws = xlsx_sheet(&n->x, xlsx_label(&n->x, L_RANKING));
    const json_t *dims = xlsx_get(n->doc, "instrument.dimensions");
    int row = 3;
    size_t i;
    json_t *d;

    if (ws == NULL)
        return;
    sheets_title(&n->x, ws, xlsx_label(&n->x, L_RANKING), n->subtitle);
    xlsx_header(&n->x, ws, 2, 0, first, 2);
    json_array_foreach(dims, i, d) {
        char mean[200], rank[200];
        struct xlsx_col cols[2] = { { L_COUNT, mean, 14 }, { L_COUNT, rank, 12 } };

        snprintf(mean, sizeof mean, "%s: %s", xlsx_str(d, "label", ""), xlsx_label(&n->x, L_MEAN));
        snprintf(rank, sizeof rank, "%s: %s", xlsx_str(d, "label", ""), xlsx_label(&n->x, L_RANK));
        xlsx_header(&n->x, ws, 2, 2 + 2 * (int)i, cols, 2);
    }
    json_array_foreach(json_object_get(n->g, "members"), i, d)
        rank_row(n, ws, row++, json_string_value(d), dims);
    xlsx_table(&n->x, ws, 2, row - 1, 2 + 2 * (int)json_array_size(dims));
}

/* ---- the workbook ---- */

int report_network_write(json_t *doc, const struct report_meta *meta, const char *wave,
                         const char *network, const char *path, char *err, size_t errlen)
{
    struct network n;
    char tmp[4096];
    int rc;

    memset(&n, 0, sizeof n);
    n.doc = doc;
    n.meta = meta;
    n.wave = wave;
    n.slug = network;
    n.wi = report_wave_index(doc, wave);
    n.g = results_group(doc, wave, "network", network);
    if (n.wi < 0 || n.g == NULL)
        return err_set(err, errlen, "no network \"%s\" in wave \"%s\"", network, wave);
    n.name = report_network_name(meta, network,
                                 strcmp(xlsx_str(doc, "language", "pl"), "en") == 0);
    if (report_open(&n.x, doc, meta, path, n.name, wave, L_NETWORK_REPORT, tmp, sizeof tmp,
                    n.subtitle, sizeof n.subtitle, err, errlen) != 0)
        return -1;
    sheet_summary(&n);
    sheet_cities(&n);
    sheet_ranking(&n);
    sheets_trends(&n.x, L_NETWORK_TREND, doc, "network", network, n.wi, n.subtitle);
    sheets_methodology(&n.x, doc, meta, json_object_get(n.g, "members"), wave, L_NETWORK,
                       n.name, n.g);
    rc = xlsx_close(&n.x, err, errlen);
    return report_commit(tmp, path, rc == 0, err, errlen);
}
