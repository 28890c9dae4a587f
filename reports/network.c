/* network: the network workbook (see network.h). */
#include "network.h"

#include "collate.h"
#include "err.h"
#include "results.h"
#include "sheets.h"
#include "xlsx.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct network {
    struct xlsx x;
    json_t *doc;
    const struct report_meta *meta;
    const json_t *g;      /* the network in the wave */
    json_t *members;      /* member city slugs in Polish order of their names */
    json_t *observers;    /* the same for observers */
    const char *wave, *slug, *name;
    long wi;
    char subtitle[300];
};

/* One indicator of the comparison: a dimension, eNPS or a scored item. */
struct indicator {
    const char *code, *label;
    const char *array;    /* "dimensions", "items", or NULL for eNPS */
    const char *vkey;     /* "mean", "value" or (an option's share) "share" */
    enum xlsx_fmt fmt, change, sig;
    const char *item;     /* an option's share: the choice item's code, else NULL */
    long long option;     /* and the option's code */
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
                                  "dimensions", "mean", XF_DEC2, XF_SIGNED2, XF_SIG2, NULL, 0 };
        row = fn(n, row, &ind, arg);
    }
    if (sheets_enps_item(n->doc) != NULL) {
        ind = (struct indicator){ "enps", xlsx_label(&n->x, L_ENPS), NULL, "value", XF_SIGNED1,
                                  XF_SIGNED1, XF_SIG1, NULL, 0 };
        row = fn(n, row, &ind, arg);
    }
    json_array_foreach(xlsx_get(n->doc, "instrument.items"), i, d) {
        const char *enps = sheets_enps_item(n->doc);
        char text[600];

        if (!sheets_scored(d) || (enps != NULL && strcmp(xlsx_str(d, "code", ""), enps) == 0))
            continue;
        /* not in this wave's instrument: no row, no heat-map row */
        if (sheets_not_asked(xlsx_find(json_object_get(n->g, "items"), "code",
                                       xlsx_str(d, "code", ""))))
            continue;
        ind = (struct indicator){ xlsx_str(d, "code", ""), sheets_item_label(d, text, sizeof text),
                                  "items", "mean", XF_DEC2, XF_SIGNED2, XF_SIG2, NULL, 0 };
        row = fn(n, row, &ind, arg);
    }
    /* Choice items (the youth survey's participation shares: zostanie,
     * mrm_wiedza, ...): each option's share with its Wilson CI, change and
     * heat map, like the scored items. */
    json_array_foreach(xlsx_get(n->doc, "instrument.items"), i, d) {
        const char *type = xlsx_str(d, "type", "");
        size_t j;
        json_t *opt;

        if ((strcmp(type, "single") != 0 && strcmp(type, "multi") != 0) ||
            sheets_not_asked(xlsx_find(json_object_get(n->g, "items"), "code",
                                       xlsx_str(d, "code", ""))))
            continue;
        json_array_foreach(json_object_get(d, "options"), j, opt) {
            char code[120], label[800];
            long long oc = json_integer_value(json_object_get(opt, "code"));

            snprintf(code, sizeof code, "%s.%lld", xlsx_str(d, "code", ""), oc);
            snprintf(label, sizeof label, "%s: %s", xlsx_str(d, "text", ""),
                     xlsx_str(opt, "label", ""));
            ind = (struct indicator){ code,        label,         "items",       "share",
                                      XF_PCT,      XF_SIGNED_PCT, XF_SIGPCT,
                                      xlsx_str(d, "code", ""), oc };
            row = fn(n, row, &ind, arg);
        }
    }
    return row;
}

/* The indicator's measure in a group, or NULL when hidden. */
/* The measure of an indicator in group g; a hidden group (or item) itself,
 * so that the cell's note gives its reason. */
static const json_t *measure(const json_t *g, const struct indicator *ind)
{
    if (xlsx_is_hidden(g))
        return g;
    if (ind->array == NULL)
        return json_object_get(g, "enps");
    if (ind->item != NULL) {
        const json_t *m = xlsx_find(json_object_get(g, "items"), "code", ind->item);
        size_t i;
        json_t *sh;

        if (xlsx_is_hidden(m))
            return m;
        json_array_foreach(json_object_get(m, "shares"), i, sh)
            if (json_integer_value(json_object_get(sh, "code")) == ind->option)
                return sh;
        return NULL;
    }
    return xlsx_find(json_object_get(g, ind->array), "code", ind->code);
}

/* ---- summary ---- */

enum { S_CODE, S_LABEL, S_VALUE, S_CI_LO, S_CI_HI, S_CHANGE, S_P, S_SIG, S_TREND, S_ACROSS,
       S_NCOLS };

static const struct xlsx_col summary_cols[S_NCOLS] = {
    { L_CODE, NULL, 14 },    { L_INDICATOR, NULL, 44 }, { L_VALUE, NULL, 10 },
    { L_CI_LOW, NULL, 10 },  { L_CI_HIGH, NULL, 10 },   { L_CHANGE, NULL, 12 },
    { L_P_ADJ, NULL, 13 },   { L_SIGNIFICANT, NULL, 21 }, { L_TREND, NULL, 21 },
    { L_ANOVA_P_ADJ, NULL, 16 },
};

static int summary_row(struct network *n, int row, const struct indicator *ind, void *arg)
{
    lxw_worksheet *ws = arg;
    const json_t *m = measure(n->g, ind);
    const char *sig = sheets_change_label(&n->x, m, "change");
    xlsx_text(&n->x, ws, row, S_CODE, ind->code, XF_PLAIN);
    xlsx_wrapped(&n->x, ws, row, S_LABEL, ind->label, summary_cols[S_LABEL].width, XF_WRAP);
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
    xlsx_wrapped(&n->x, s->ws, row, 1, ind->label, 40, XF_WRAP);
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

    size_t nm = json_array_size(s->members), no = json_array_size(s->observers);
    struct xlsx_col *cols = calloc(3 + nm + 1 + no, sizeof *cols);
    char (*labels)[200] = calloc(no + 1, sizeof *labels);

    if (cols == NULL || labels == NULL) {
        free(cols);
        free(labels);
        xlsx_check(&n->x, LXW_ERROR_MEMORY_MALLOC_FAILED, "the heat map's header");
        return;
    }
    memcpy(cols, first, sizeof first);
    json_array_foreach(s->members, i, c)
        cols[3 + i] = (struct xlsx_col){ L_COUNT, report_city_name(n->meta, json_string_value(c)),
                                         13 };
    /* one call for the row: its height fits the longest name */
    xlsx_header(&n->x, s->ws, 2, 0, cols, 3 + nm);
    if (no > 0) {
        xlsx_label_cell(&n->x, s->ws, 1, s->obs_col, L_OBSERVERS_NOTE, XF_NOTE);
        json_array_foreach(s->observers, i, c) {
            snprintf(labels[i], sizeof labels[i], "%s (%s)",
                     report_city_name(n->meta, json_string_value(c)),
                     xlsx_label(&n->x, L_OBSERVER));
            cols[i] = (struct xlsx_col){ L_COUNT, labels[i], 15 };
        }
        xlsx_header(&n->x, s->ws, 2, s->obs_col, cols, no);
    }
    free(cols);
    free(labels);
}

static void sheet_cities(struct network *n)
{
    struct side s;
    int row;

    memset(&s, 0, sizeof s);
    s.ws = xlsx_sheet(&n->x, xlsx_label(&n->x, L_CITIES));
    if (s.ws == NULL)
        return;
    s.members = n->members;
    s.observers = n->observers;
    s.obs_col = 3 + (int)json_array_size(s.members) + 1;   /* one empty column apart */
    sheets_title(&n->x, s.ws, xlsx_label(&n->x, L_CITIES), n->subtitle);
    side_header(n, &s);
    row = each_indicator(n, 3, side_row, &s);
    xlsx_table(&n->x, s.ws, 2, row - 1, 3 + (int)json_array_size(s.members));
    worksheet_freeze_panes(s.ws, 3, 2);
    /* 30 columns do not fit A4: A3 landscape, two pages wide, the codes
     * and indicator names repeated on every page */
    worksheet_set_paper(s.ws, 8);
    worksheet_fit_to_pages(s.ws, 2, 0);
    xlsx_check(&n->x, worksheet_repeat_rows(s.ws, 2, 2), "repeated rows");
    xlsx_check(&n->x, worksheet_repeat_columns(s.ws, 0, 1), "repeated columns");
}

/* ---- ranking ---- */

/* A member's ranks in the network: their mean over the dimensions (NAN
 * when none is shown). */
static double mean_rank(const struct network *n, const char *city, const json_t *dims)
{
    const json_t *g = results_group(n->doc, n->wave, "city", city);
    double sum = 0;
    int k = 0;
    size_t i;
    json_t *d;

    if (xlsx_is_hidden(g))
        return NAN;
    json_array_foreach(dims, i, d) {
        const json_t *m = xlsx_find(json_object_get(g, "dimensions"), "code",
                                    xlsx_str(d, "code", ""));
        const json_t *vs = xlsx_find(json_object_get(m, "vs_networks"), "network", n->slug);
        double r = xlsx_num(vs, "rank");

        if (!xlsx_is_hidden(m) && isfinite(r)) {
            sum += r;
            k++;
        }
    }
    return k > 0 ? sum / k : NAN;
}

struct ranked {
    const char *city, *name;
    double rank;
};

/* By mean rank (1 = highest first), cities without one last, ties and the
 * rest in Polish order. */
static int by_rank(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;

    if (isfinite(x->rank) != isfinite(y->rank))
        return isfinite(x->rank) ? -1 : 1;
    if (isfinite(x->rank) && x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return collate_pl(x->name, y->name);
}

static void rank_row(struct network *n, lxw_worksheet *ws, int row, const struct ranked *r,
                     const json_t *dims)
{
    const json_t *g = results_group(n->doc, n->wave, "city", r->city);
    size_t i;
    json_t *d;

    xlsx_text(&n->x, ws, row, 0, r->name, XF_PLAIN);
    xlsx_figure(&n->x, ws, row, 1, g, "respondents", XF_INT);
    if (xlsx_is_hidden(g))
        xlsx_hidden_why(&n->x, ws, row, 2, xlsx_reason(g));
    else
        xlsx_number(&n->x, ws, row, 2, r->rank, XF_DEC1);
    json_array_foreach(dims, i, d) {
        /* a hidden city: its own object, whose reason the notes give */
        const json_t *m = xlsx_is_hidden(g) ? g
                                            : xlsx_find(json_object_get(g, "dimensions"), "code",
                                                        xlsx_str(d, "code", ""));
        const json_t *vs = xlsx_find(json_object_get(m, "vs_networks"), "network", n->slug);

        xlsx_figure(&n->x, ws, row, 3 + 2 * (int)i, m, "mean", XF_DEC2);
        xlsx_figure(&n->x, ws, row, 4 + 2 * (int)i, xlsx_is_hidden(m) ? m : vs, "rank",
                    XF_INT);
    }
}

static void sheet_ranking(struct network *n)
{
    static const struct xlsx_col first[] = { { L_CITY, NULL, 22 }, { L_RESPONDENTS, NULL, 12 },
                                             { L_MEAN_RANK, NULL, 16 } };
    lxw_worksheet *ws = xlsx_sheet(&n->x, xlsx_label(&n->x, L_RANKING));
    const json_t *dims = xlsx_get(n->doc, "instrument.dimensions");
    size_t nd = json_array_size(dims), nm = json_array_size(n->members);
    struct xlsx_col *cols = calloc(3 + 2 * nd, sizeof *cols);
    char (*heads)[200] = calloc(2 * nd + 1, sizeof *heads);
    struct ranked *rows = calloc(nm + 1, sizeof *rows);
    int row = 3;
    size_t i;
    json_t *d;

    if (ws == NULL || cols == NULL || heads == NULL || rows == NULL) {
        if (ws != NULL)
            xlsx_check(&n->x, LXW_ERROR_MEMORY_MALLOC_FAILED, "the ranking");
        free(cols);
        free(heads);
        free(rows);
        return;
    }
    sheets_title(&n->x, ws, xlsx_label(&n->x, L_RANKING), n->subtitle);
    memcpy(cols, first, sizeof first);
    json_array_foreach(dims, i, d) {
        snprintf(heads[2 * i], sizeof heads[0], "%s: %s", xlsx_str(d, "label", ""),
                 xlsx_label(&n->x, L_MEAN));
        snprintf(heads[2 * i + 1], sizeof heads[0], "%s: %s", xlsx_str(d, "label", ""),
                 xlsx_label(&n->x, L_RANK));
        cols[3 + 2 * i] = (struct xlsx_col){ L_COUNT, heads[2 * i], 14 };
        cols[4 + 2 * i] = (struct xlsx_col){ L_COUNT, heads[2 * i + 1], 14 };
    }
    xlsx_header(&n->x, ws, 2, 0, cols, 3 + 2 * nd);
    json_array_foreach(n->members, i, d) {
        rows[i].city = json_string_value(d);
        rows[i].name = report_city_name(n->meta, rows[i].city);
        rows[i].rank = mean_rank(n, rows[i].city, dims);
    }
    qsort(rows, nm, sizeof *rows, by_rank);
    for (i = 0; i < nm; i++)
        rank_row(n, ws, row++, &rows[i], dims);
    xlsx_table(&n->x, ws, 2, row - 1, 3 + 2 * (int)nd);
    free(cols);
    free(heads);
    free(rows);
}

/* The slugs of arr in Polish order of the cities' names. */
static json_t *sorted_cities(const struct network *n, const json_t *arr)
{
    size_t k = json_array_size(arr), i;
    const char **names = calloc(k + 1, sizeof *names);
    json_t *out = json_array(), *c;

    if (names == NULL || out == NULL) {
        free(names);
        json_decref(out);
        return NULL;
    }
    json_array_foreach(arr, i, c) {
        names[i] = report_city_name(n->meta, json_string_value(c));
    }
    {
        size_t *idx = calloc(k + 1, sizeof *idx);

        if (idx == NULL) {
            free(names);
            json_decref(out);
            return NULL;
        }
        for (i = 0; i < k; i++)
            idx[i] = i;
        /* insertion sort: a network has a few dozen members */
        for (i = 1; i < k; i++)
            for (size_t j = i; j > 0 && collate_pl(names[idx[j - 1]], names[idx[j]]) > 0; j--) {
                size_t t = idx[j];

                idx[j] = idx[j - 1];
                idx[j - 1] = t;
            }
        for (i = 0; i < k; i++)
            json_array_append(out, json_array_get(arr, idx[i]));
        free(idx);
    }
    free(names);
    return out;
}

/* ---- the workbook ---- */

int report_network_write(json_t *doc, const struct results *r, int english,
                         const struct report_meta *meta, const char *wave, const char *network, const char *path, char *err,
                         size_t errlen)
{
    struct network n;
    char tmp[4096];
    int rc;

    (void)english;

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
    n.members = sorted_cities(&n, json_object_get(n.g, "members"));
    n.observers = sorted_cities(&n, json_object_get(n.g, "observers"));
    if (n.members == NULL || n.observers == NULL) {
        json_decref(n.members);
        json_decref(n.observers);
        return err_set(err, errlen, "out of memory");
    }
    if (report_open(&n.x, doc, meta, path, n.name, wave, L_NETWORK_REPORT, tmp, sizeof tmp,
                    n.subtitle, sizeof n.subtitle, err, errlen) != 0) {
        json_decref(n.members);
        json_decref(n.observers);
        return -1;
    }
    sheet_summary(&n);
    sheet_cities(&n);
    sheet_ranking(&n);
    sheets_trends(&n.x, L_NETWORK_TREND, r, RESULTS_NETWORK, network, n.wi, n.subtitle);
    sheets_methodology_of(&n.x, r, meta, results_find(r, wave, RESULTS_NETWORK, network), wave,
                          L_NETWORK, n.name);
    rc = xlsx_close(&n.x, err, errlen);
    json_decref(n.members);
    json_decref(n.observers);
    return report_commit(tmp, path, rc == 0, err, errlen);
}
