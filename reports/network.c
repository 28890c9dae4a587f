/* network: the network workbook (see network.h). */
#include "network.h"

#include "agg.h"
#include "collate.h"
#include "err.h"
#include "results.h"
#include "results_model.h"
#include "rmodel.h"
#include "sheets.h"
#include "xlsx.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct network {
    struct xlsx x;
    const struct results *r;
    const struct report_meta *meta;
    const struct results_group *g;   /* the network in the wave */
    const char **members;            /* member city slugs in Polish order of their names */
    size_t nmembers;
    const char **observers;          /* the same for observers */
    size_t nobservers;
    const char *wave, *slug, *name;
    long wi;
    char subtitle[300];
};

enum ind_kind { IND_DIM, IND_ENPS, IND_ITEM, IND_SHARE };

/* One indicator of the comparison: a dimension, eNPS, a scored item or an
 * option's share of a choice item. */
struct indicator {
    const char *code, *label;
    enum ind_kind kind;
    size_t index;         /* the dimension's or the item's (agg) index */
    int option;           /* an option's share: the option's code */
    enum xlsx_fmt fmt, change, sig;
};

/* Calls fn for every indicator: dimensions, eNPS, scored items, shares. */
static int each_indicator(struct network *n, int row,
                          int (*fn)(struct network *, int, const struct indicator *, void *),
                          void *arg)
{
    const struct results *r = n->r;
    const struct agg *agg = r->in->agg;
    int enps = rmodel_enps_item(r);
    struct indicator ind;

    for (size_t d = 0; d < r->ndims; d++) {
        ind = (struct indicator){ agg_dim_def(agg, d)->code, rmodel_dim_label(r, d, n->x.english),
                                  IND_DIM, d, 0, XF_DEC2, XF_SIGNED2, XF_SIG2 };
        row = fn(n, row, &ind, arg);
    }
    if (enps >= 0) {
        ind = (struct indicator){ "enps", xlsx_label(&n->x, L_ENPS), IND_ENPS, 0, 0, XF_SIGNED1,
                                  XF_SIGNED1, XF_SIG1 };
        row = fn(n, row, &ind, arg);
    }
    for (size_t k = 0; k < r->nitems; k++) {
        const struct survey_item *it = agg_item_def(agg, k);
        const struct results_measure *m = rmodel_item(n->g, k);
        char text[600];

        if (it->type == SURVEY_TEXT || !rmodel_scored(it) || (int)k == enps)
            continue;
        /* not in this wave's instrument: no row, no heat-map row */
        if (m != NULL && m->not_asked)
            continue;
        ind = (struct indicator){ it->code, rmodel_item_label(r, k, n->x.english, text, sizeof text),
                                  IND_ITEM, k, 0, XF_DEC2, XF_SIGNED2, XF_SIG2 };
        row = fn(n, row, &ind, arg);
    }
    /* Choice items (the youth survey's participation shares: zostanie,
     * mrm_wiedza, ...): each option's share with its Wilson CI, change and
     * heat map, like the scored items. */
    for (size_t k = 0; k < r->nitems; k++) {
        const struct survey_item *it = agg_item_def(agg, k);
        const struct results_measure *m = rmodel_item(n->g, k);

        if ((it->type != SURVEY_SINGLE && it->type != SURVEY_MULTI) ||
            (m != NULL && m->not_asked))
            continue;
        for (size_t j = 0; j < it->noptions; j++) {
            const struct survey_option *o = &it->options[j];
            char code[120], label[800];

            snprintf(code, sizeof code, "%s.%lld", it->code, (long long)o->code);
            snprintf(label, sizeof label, "%s: %s", rmodel_item_text(r, k, n->x.english),
                     rmodel_word(n->x.english, o->label_pl, o->label_en));
            ind = (struct indicator){ code,  label,         IND_SHARE, k, o->code,
                                      XF_PCT, XF_SIGNED_PCT, XF_SIGPCT };
            row = fn(n, row, &ind, arg);
        }
    }
    return row;
}

/* The indicator in group g (NULL: none in the wave): the measure (eNPS and
 * a share seen as one, in *tmp) and why its cells are hidden (a hidden
 * group: its own reason). */
struct src {
    const struct results_measure *m;
    int why;
};

static struct src measure(const struct results_group *g, const struct indicator *ind,
                          struct results_measure *tmp)
{
    const struct results_measure *m;
    const struct results_share *sh;

    if (g == NULL || g->hidden)
        return (struct src){ NULL, g == NULL ? XLSX_UNTOLD : g->hidden };
    switch (ind->kind) {
    case IND_ENPS:
        rmodel_enps_as(&g->enps, tmp);
        return (struct src){ tmp, tmp->hidden };
    case IND_SHARE:
        m = rmodel_item(g, ind->index);
        if (!rmodel_shown(m))
            return (struct src){ NULL, rmodel_why(m) };
        sh = rmodel_share(m, ind->option);
        if (sh == NULL)
            return (struct src){ NULL, XLSX_UNTOLD };
        rmodel_share_as(sh, tmp);
        return (struct src){ tmp, 0 };
    case IND_DIM:
        m = rmodel_dim(g, ind->index);
        break;
    default:
        m = rmodel_item(g, ind->index);
        break;
    }
    return (struct src){ m, rmodel_why(m) };
}

/* The indicator's value (the mean, eNPS or the share) in group g. */
static void value_cell(struct network *n, lxw_worksheet *ws, int row, int col,
                       const struct results_group *g, const struct indicator *ind)
{
    struct results_measure tmp;
    struct src s = measure(g, ind, &tmp);

    xlsx_value(&n->x, ws, row, col, s.why, rmodel_has_est(s.m) ? s.m->est.mean : NAN, ind->fmt);
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

/* A test's adjusted p as shown: none for a test outside the family. */
static double p_adj(const struct results_test *t)
{
    return isfinite(t->p) ? t->p_adj : NAN;
}

static int summary_row(struct network *n, int row, const struct indicator *ind, void *arg)
{
    lxw_worksheet *ws = arg;
    struct results_measure tmp;
    struct src s = measure(n->g, ind, &tmp);
    const struct results_measure *m = s.m;
    int est = rmodel_has_est(m);
    const char *sig = s.why ? NULL : sheets_change_word(&n->x, m, &m->change);

    xlsx_text(&n->x, ws, row, S_CODE, ind->code, XF_PLAIN);
    xlsx_wrapped(&n->x, ws, row, S_LABEL, ind->label, summary_cols[S_LABEL].width, XF_WRAP);
    xlsx_value(&n->x, ws, row, S_VALUE, s.why, est ? m->est.mean : NAN, ind->fmt);
    xlsx_value(&n->x, ws, row, S_CI_LO, s.why, est ? m->est.ci_lo : NAN, ind->fmt);
    xlsx_value(&n->x, ws, row, S_CI_HI, s.why, est ? m->est.ci_hi : NAN, ind->fmt);
    if (s.why || m->change.present) {
        int sc = !s.why && results_significant(&m->change.test);

        xlsx_value(&n->x, ws, row, S_CHANGE, s.why, s.why ? NAN : m->change.diff,
                   sc ? ind->sig : ind->change);
        xlsx_value(&n->x, ws, row, S_P, s.why, s.why ? NAN : p_adj(&m->change.test), XF_PVAL);
    }
    if (sig != NULL)
        xlsx_text(&n->x, ws, row, S_SIG, sig, XF_PLAIN);
    xlsx_text(&n->x, ws, row, S_TREND, sheets_trend_word(&n->x, m), XF_PLAIN);
    if (s.why || m->across.present)
        xlsx_value(&n->x, ws, row, S_ACROSS, s.why, s.why ? NAN : p_adj(&m->across.test),
                   XF_PVAL);
    return row + 1;
}

static void sheet_summary(struct network *n)
{
    lxw_worksheet *ws = xlsx_sheet(&n->x, xlsx_label(&n->x, L_SUMMARY));
    char title[300];
    int row = 3;

    if (ws == NULL)
        return;
    snprintf(title, sizeof title, "%s: %s", rmodel_title(n->r, n->x.english), n->name);
    sheets_title(&n->x, ws, title, n->subtitle);
    xlsx_header(&n->x, ws, 2, 0, summary_cols, S_NCOLS);
    xlsx_text(&n->x, ws, row, S_CODE, "respondents", XF_PLAIN);
    xlsx_label_cell(&n->x, ws, row, S_LABEL, L_RESPONDENTS, XF_PLAIN);
    xlsx_value(&n->x, ws, row++, S_VALUE, n->g->hidden, n->g->respondents, XF_INT);
    xlsx_text(&n->x, ws, row, S_CODE, "members", XF_PLAIN);
    xlsx_label_cell(&n->x, ws, row, S_LABEL, L_MEMBERS, XF_PLAIN);
    xlsx_number(&n->x, ws, row++, S_VALUE, (double)n->g->network->nmembers, XF_INT);
    xlsx_text(&n->x, ws, row, S_CODE, "observers", XF_PLAIN);
    xlsx_label_cell(&n->x, ws, row, S_LABEL, L_OBSERVERS, XF_PLAIN);
    xlsx_number(&n->x, ws, row++, S_VALUE, (double)n->g->network->nobservers, XF_INT);
    row = each_indicator(n, row, summary_row, ws);
    xlsx_table(&n->x, ws, 2, row - 1, S_NCOLS);
}

/* ---- the cities side by side (heat map) ---- */

struct side {
    lxw_worksheet *ws;
    int obs_col;          /* first observer column */
};

static void city_cell(struct network *n, lxw_worksheet *ws, int row, int col,
                      const char *city, const struct indicator *ind)
{
    value_cell(n, ws, row, col, results_find(n->r, n->wave, RESULTS_CITY, city), ind);
}

static int side_row(struct network *n, int row, const struct indicator *ind, void *arg)
{
    struct side *s = arg;

    xlsx_text(&n->x, s->ws, row, 0, ind->code, XF_PLAIN);
    xlsx_wrapped(&n->x, s->ws, row, 1, ind->label, 40, XF_WRAP);
    value_cell(n, s->ws, row, 2, n->g, ind);
    for (size_t i = 0; i < n->nmembers; i++)
        city_cell(n, s->ws, row, 3 + (int)i, n->members[i], ind);
    for (size_t i = 0; i < n->nobservers; i++)
        city_cell(n, s->ws, row, s->obs_col + (int)i, n->observers[i], ind);
    if (n->nmembers > 1)
        xlsx_heat(&n->x, s->ws, row, 3, row, 2 + (int)n->nmembers);
    return row + 1;
}

static void side_header(struct network *n, struct side *s)
{
    static const struct xlsx_col first[] = {
        { L_CODE, NULL, 14 }, { L_INDICATOR, NULL, 40 }, { L_NETWORK_TOTAL, NULL, 12 },
    };
    size_t nm = n->nmembers, no = n->nobservers, i;
    struct xlsx_col *cols = calloc(3 + nm + 1 + no, sizeof *cols);
    char (*labels)[200] = calloc(no + 1, sizeof *labels);

    if (cols == NULL || labels == NULL) {
        free(cols);
        free(labels);
        xlsx_check(&n->x, LXW_ERROR_MEMORY_MALLOC_FAILED, "the heat map's header");
        return;
    }
    memcpy(cols, first, sizeof first);
    for (i = 0; i < nm; i++)
        cols[3 + i] = (struct xlsx_col){ L_COUNT, report_city_name(n->meta, n->members[i]), 13 };
    /* one call for the row: its height fits the longest name */
    xlsx_header(&n->x, s->ws, 2, 0, cols, 3 + nm);
    if (no > 0) {
        xlsx_label_cell(&n->x, s->ws, 1, s->obs_col, L_OBSERVERS_NOTE, XF_NOTE);
        for (i = 0; i < no; i++) {
            snprintf(labels[i], sizeof labels[i], "%s (%s)",
                     report_city_name(n->meta, n->observers[i]),
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
    s.obs_col = 3 + (int)n->nmembers + 1;   /* one empty column apart */
    sheets_title(&n->x, s.ws, xlsx_label(&n->x, L_CITIES), n->subtitle);
    side_header(n, &s);
    row = each_indicator(n, 3, side_row, &s);
    xlsx_table(&n->x, s.ws, 2, row - 1, 3 + (int)n->nmembers);
    worksheet_freeze_panes(s.ws, 3, 2);
    /* 30 columns do not fit A4: A3 landscape, two pages wide, the codes
     * and indicator names repeated on every page */
    worksheet_set_paper(s.ws, 8);
    worksheet_fit_to_pages(s.ws, 2, 0);
    xlsx_check(&n->x, worksheet_repeat_rows(s.ws, 2, 2), "repeated rows");
    xlsx_check(&n->x, worksheet_repeat_columns(s.ws, 0, 1), "repeated columns");
}

/* ---- ranking ---- */

/* A city's comparison of dimension m with this network, or NULL. */
static const struct results_vs *dim_vs(const struct network *n, const struct results_measure *m)
{
    return rmodel_shown(m) ? rmodel_vs(n->r, m->vs, m->nvs, n->slug) : NULL;
}

/* A member's ranks in the network: their mean over the dimensions (NAN
 * when none is shown). */
static double mean_rank(const struct network *n, const char *city)
{
    const struct results_group *g = results_find(n->r, n->wave, RESULTS_CITY, city);
    double sum = 0;
    int k = 0;

    if (g == NULL || g->hidden)
        return NAN;
    for (size_t d = 0; d < n->r->ndims; d++) {
        const struct results_measure *m = rmodel_dim(g, d);
        const struct results_vs *vs = dim_vs(n, m);
        double rank = vs != NULL ? vs->rank : NAN;

        if (rmodel_shown(m) && isfinite(rank)) {
            sum += rank;
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

static void rank_row(struct network *n, lxw_worksheet *ws, int row, const struct ranked *rk)
{
    const struct results_group *g = results_find(n->r, n->wave, RESULTS_CITY, rk->city);
    /* a hidden city: its own reason in every cell */
    int gwhy = g == NULL ? XLSX_UNTOLD : g->hidden;

    xlsx_text(&n->x, ws, row, 0, rk->name, XF_PLAIN);
    xlsx_value(&n->x, ws, row, 1, gwhy, gwhy ? NAN : g->respondents, XF_INT);
    xlsx_value(&n->x, ws, row, 2, gwhy, rk->rank, XF_DEC1);
    for (size_t d = 0; d < n->r->ndims; d++) {
        const struct results_measure *m = gwhy ? NULL : rmodel_dim(g, d);
        const struct results_vs *vs = dim_vs(n, m);
        int why = gwhy ? gwhy : rmodel_why(m);

        xlsx_value(&n->x, ws, row, 3 + 2 * (int)d, why, why ? NAN : m->est.mean, XF_DEC2);
        /* no comparison with this network: the general note */
        xlsx_value(&n->x, ws, row, 4 + 2 * (int)d, why ? why : vs == NULL ? XLSX_UNTOLD : 0,
                   vs != NULL ? vs->rank : NAN, XF_INT);
    }
}

static void sheet_ranking(struct network *n)
{
    static const struct xlsx_col first[] = { { L_CITY, NULL, 22 }, { L_RESPONDENTS, NULL, 12 },
                                             { L_MEAN_RANK, NULL, 16 } };
    lxw_worksheet *ws = xlsx_sheet(&n->x, xlsx_label(&n->x, L_RANKING));
    size_t nd = n->r->ndims, nm = n->nmembers, i;
    struct xlsx_col *cols = calloc(3 + 2 * nd, sizeof *cols);
    char (*heads)[200] = calloc(2 * nd + 1, sizeof *heads);
    struct ranked *rows = calloc(nm + 1, sizeof *rows);
    int row = 3;

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
    for (i = 0; i < nd; i++) {
        const char *label = rmodel_dim_label(n->r, i, n->x.english);

        snprintf(heads[2 * i], sizeof heads[0], "%s: %s", label, xlsx_label(&n->x, L_MEAN));
        snprintf(heads[2 * i + 1], sizeof heads[0], "%s: %s", label, xlsx_label(&n->x, L_RANK));
        cols[3 + 2 * i] = (struct xlsx_col){ L_COUNT, heads[2 * i], 14 };
        cols[4 + 2 * i] = (struct xlsx_col){ L_COUNT, heads[2 * i + 1], 14 };
    }
    xlsx_header(&n->x, ws, 2, 0, cols, 3 + 2 * nd);
    for (i = 0; i < nm; i++) {
        rows[i].city = n->members[i];
        rows[i].name = report_city_name(n->meta, rows[i].city);
        rows[i].rank = mean_rank(n, rows[i].city);
    }
    qsort(rows, nm, sizeof *rows, by_rank);
    for (i = 0; i < nm; i++)
        rank_row(n, ws, row++, &rows[i]);
    xlsx_table(&n->x, ws, 2, row - 1, 3 + 2 * (int)nd);
    free(cols);
    free(heads);
    free(rows);
}

/* The k slugs of arr in Polish order of the cities' names (borrowed; a new
 * array), or NULL when out of memory. */
static const char **sorted_cities(const struct network *n, const char *const *arr, size_t k)
{
    const char **out = calloc(k + 1, sizeof *out);

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < k; i++)
        out[i] = arr[i];
    /* insertion sort: a network has a few dozen members */
    for (size_t i = 1; i < k; i++)
        for (size_t j = i; j > 0 && collate_pl(report_city_name(n->meta, out[j - 1]),
                                                report_city_name(n->meta, out[j])) > 0;
             j--) {
            const char *t = out[j];

            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return out;
}

/* ---- the workbook ---- */

static void write_sheets(void *ctx)
{
    struct network *n = ctx;

    sheet_summary(n);
    sheet_cities(n);
    sheet_ranking(n);
    sheets_trends(&n->x, L_NETWORK_TREND, n->r, RESULTS_NETWORK, n->slug, n->wi, n->subtitle);
    sheets_methodology_of(&n->x, n->r, n->meta, n->g, n->wave, L_NETWORK, n->name);
}

int report_network_write(const struct results *r, int english, const struct report_meta *meta,
                         const char *wave, const char *network, const char *path, char *err,
                         size_t errlen)
{
    struct network n;
    struct report_group_book b = { r, english, meta, NULL, wave, L_NETWORK_REPORT, n.subtitle,
                                   sizeof n.subtitle };
    int rc;

    memset(&n, 0, sizeof n);
    n.r = r;
    n.meta = meta;
    n.wave = wave;
    n.slug = network;
    n.g = rmodel_group(r, wave, RESULTS_NETWORK, network, &n.wi);
    if (n.g == NULL || n.g->network == NULL)
        return err_set(err, errlen, "no network \"%s\" in wave \"%s\"", network, wave);
    n.name = report_network_name(meta, network, english);
    n.nmembers = n.g->network->nmembers;
    n.nobservers = n.g->network->nobservers;
    n.members = sorted_cities(&n, n.g->network->members, n.nmembers);
    n.observers = sorted_cities(&n, n.g->network->observers, n.nobservers);
    if (n.members == NULL || n.observers == NULL) {
        free(n.members);
        free(n.observers);
        return err_set(err, errlen, "out of memory");
    }
    b.name = n.name;
    rc = report_write_group(&n.x, &b, path, write_sheets, &n, err, errlen);
    free(n.members);
    free(n.observers);
    return rc;
}
