/* city_cmp: the city workbook's comparison with its networks, what drives
 * eNPS, and the breakdown by attribute (see city_sheets.h). */
#include "city_sheets.h"

#include "agg.h"
#include "results.h"
#include "rmodel.h"
#include "sheets.h"
#include "vocab.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* True when the network of vs[upto] has the same members in the wave as a
 * network listed before it (Kapitał Ludzki and Sieć Liderów): its rows
 * would repeat the same figures. */
static int same_as_earlier(const struct city *c, const struct results_vs *vs, size_t upto)
{
    const struct results_network *a = rmodel_vs_network(c->r, c->g, &vs[upto])->network;
    size_t na = a != NULL ? a->nmembers : 0;

    for (size_t i = 0; i < upto; i++) {
        const struct results_network *b = rmodel_vs_network(c->r, c->g, &vs[i])->network;
        size_t nb = b != NULL ? b->nmembers : 0, same = 0;

        if (na != nb)
            continue;
        for (size_t j = 0; j < na; j++)
            for (size_t k = 0; k < nb; k++)
                same += strcmp(a->members[j], b->members[k]) == 0;
        if (same == na)
            return 1;
    }
    return 0;
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
                        const char *label, const struct results_measure *m)
{
    if (!rmodel_has_est(m))
        return row;    /* hidden, or not asked: no comparison */
    for (size_t i = 0; i < m->nvs; i++) {
        const struct results_vs *vs = &m->vs[i];
        const char *net = c->r->groups[vs->network].slug;
        int sig = results_significant(&vs->test);

        if (same_as_earlier(c, m->vs, i))
            continue;    /* the same cities as a network above: the same figures */
        xlsx_text(&c->x, ws, row, N_CODE, code, XF_PLAIN);
        xlsx_wrapped(&c->x, ws, row, N_LABEL, label, net_cols[N_LABEL].width, XF_WRAP);
        xlsx_text(&c->x, ws, row, N_NET, report_network_name(c->meta, net, c->x.english),
                  XF_PLAIN);
        xlsx_number(&c->x, ws, row, N_CITY, m->est.mean, XF_DEC2);
        xlsx_number(&c->x, ws, row, N_REST, vs->rest, XF_DEC2);
        xlsx_number(&c->x, ws, row, N_DIFF, vs->diff, sig ? XF_SIG2 : XF_SIGNED2);
        xlsx_number(&c->x, ws, row, N_P, city_p_adj(&vs->test), XF_PVAL);
        if (isfinite(vs->test.p) && isfinite(vs->test.p_adj)) {
            xlsx_text(&c->x, ws, row, N_SIG, vocab_difference(vs->diff, sig, c->x.english),
                      XF_PLAIN);
            xlsx_text(&c->x, ws, row, N_EFFECT,
                      vocab_effect(vs->is_enps ? NAN : vs->d, c->x.english), XF_PLAIN);
        }
        xlsx_number(&c->x, ws, row, N_RANK, vs->rank, XF_INT);
        xlsx_number(&c->x, ws, row++, N_OF, vs->of, XF_INT);
    }
    return row;
}

void city_sheet_networks(struct city *c)
{
    lxw_worksheet *ws = xlsx_sheet(&c->x, xlsx_label(&c->x, L_NETWORK_CMP));
    const struct results *r = c->r;
    int row = 3;

    if (ws == NULL)
        return;
    sheets_title(&c->x, ws, xlsx_label(&c->x, L_VS_NETWORK), c->subtitle);
    xlsx_header(&c->x, ws, 2, 0, net_cols, N_NCOLS);
    for (size_t d = 0; d < r->ndims; d++)
        row = network_rows(c, ws, row, agg_dim_def(r->in->agg, d)->code,
                           rmodel_dim_label(r, d, c->x.english), rmodel_dim(c->g, d));
    for (size_t k = 0; k < r->nitems; k++) {
        const struct survey_item *it = agg_item_def(r->in->agg, k);
        char text[600];

        if (it->type != SURVEY_TEXT && rmodel_scored(it))
            row = network_rows(c, ws, row, it->code,
                               rmodel_item_label(r, k, c->x.english, text, sizeof text),
                               rmodel_item(c->g, k));
    }
    xlsx_table(&c->x, ws, 2, row - 1, N_NCOLS);
}

/* ---- what drives eNPS ---- */

struct driver {
    const char *code;
    const char *label;
    const struct results_driver *d;
    int is_dim;
    size_t k;             /* an item's agg index */
    char text[600];
};

static int by_r(const void *a, const void *b)
{
    double x = ((const struct driver *)a)->d->r;
    double y = ((const struct driver *)b)->d->r;

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
void city_sheet_drivers(struct city *c)
{
    const struct results *r = c->r;
    int enps = rmodel_enps_item(r);
    size_t n = c->g->ndims + c->g->nitems, k = 0, i;
    struct driver *rows;
    lxw_worksheet *ws;
    int row = 4;

    if (enps < 0)
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
    if (!c->g->hidden) {
        for (i = 0; i < c->g->ndims; i++) {
            const struct results_measure *m = &c->g->dims[i];

            if (!rmodel_has_est(m) || !m->driver.present)
                continue;
            rows[k].code = agg_dim_def(r->in->agg, m->index)->code;
            rows[k].label = rmodel_dim_label(r, m->index, c->x.english);
            rows[k].is_dim = 1;
            rows[k++].d = &m->driver;
        }
        for (i = 0; i < c->g->nitems; i++) {
            const struct results_measure *m = &c->g->items[i];

            if (!rmodel_has_est(m) || !m->driver.present || (int)m->index == enps)
                continue;
            rows[k].code = agg_item_def(r->in->agg, m->index)->code;
            rows[k].label = NULL;    /* after sorting: text[] moves with the row */
            rows[k].k = m->index;
            rows[k++].d = &m->driver;
        }
    }
    qsort(rows, k, sizeof *rows, by_r);
    for (i = 0; i < k; i++, row++) {
        int sig = results_significant(&rows[i].d->test);

        if (rows[i].label == NULL)
            rows[i].label = rmodel_item_label(r, rows[i].k, c->x.english, rows[i].text,
                                              sizeof rows[i].text);
        xlsx_text(&c->x, ws, row, R_CODE, rows[i].code, XF_PLAIN);
        xlsx_wrapped(&c->x, ws, row, R_LABEL, rows[i].label, driver_cols[R_LABEL].width,
                     XF_WRAP);
        xlsx_label_cell(&c->x, ws, row, R_KIND, rows[i].is_dim ? L_DIMENSION : L_ITEM_KIND,
                        XF_PLAIN);
        xlsx_number(&c->x, ws, row, R_R, rows[i].d->r, sig ? XF_SIG2 : XF_SIGNED2);
        xlsx_number(&c->x, ws, row, R_P, city_p_adj(&rows[i].d->test), XF_PVAL);
        xlsx_label_cell(&c->x, ws, row, R_SIG, sig ? L_SIG_R_YES : L_SIG_R_NO, XF_PLAIN);
        xlsx_number(&c->x, ws, row, R_N, rows[i].d->n, XF_INT);
    }
    if (k == 0)
        xlsx_label_cell(&c->x, ws, row++, 0, L_DRIVERS_NONE, XF_NOTE);
    xlsx_table(&c->x, ws, 3, row - 1, R_NCOLS);
    free(rows);
}

/* ---- breakdown by attribute ---- */

/* One attribute's block (rb: the model split by it): rows are the scored
 * items asked in the wave, columns the attribute's parts with respondents;
 * a cell is the part's mean minus the city's, coloured red (below) to
 * green (above) around 0. */
static int breakdown_block(struct city *c, lxw_worksheet *ws, int row, const struct results *rb,
                           size_t *widest)
{
    const struct results_group *g = results_find(rb, c->wave, RESULTS_CITY, c->slug);
    int enps = rmodel_enps_item(rb);
    size_t np = g != NULL ? g->nparts : 0, p;
    struct xlsx_col *cols;
    char (*heads)[200];
    int first, last;
    lxw_conditional_format cf;

    if (g == NULL || g->hidden || !rb->split || np == 0)
        return row;
    if (np > *widest)
        *widest = np;
    cols = calloc(3 + np, sizeof *cols);
    heads = calloc(np + 1, sizeof *heads);
    if (cols == NULL || heads == NULL) {
        free(cols);
        free(heads);
        xlsx_check(&c->x, LXW_ERROR_MEMORY_MALLOC_FAILED, "the breakdown");
        return row;
    }
    {
        const struct survey_attr *attr = &rb->in->survey->attrs[rb->attr];
        char title[300];

        snprintf(title, sizeof title, "%s: %s", xlsx_label(&c->x, L_BREAKDOWN_BY),
                 rmodel_word(c->x.english, attr->label_pl, attr->label_en));
        xlsx_text(&c->x, ws, row++, 0, title, XF_BOLD);
    }
    cols[0] = (struct xlsx_col){ L_CODE, NULL, 14 };
    cols[1] = (struct xlsx_col){ L_ITEM_TEXT, NULL, 50 };
    cols[2] = (struct xlsx_col){ L_CITY_MEAN, NULL, 12 };
    for (p = 0; p < np; p++) {
        const struct results_part *part = &g->parts[p];
        const char *label = rmodel_part_label(rb, part->part, c->x.english);

        if (part->hidden)
            snprintf(heads[p], sizeof heads[p], "%s", label);
        else
            snprintf(heads[p], sizeof heads[p], "%s (n = %.0f)", label, part->respondents);
        /* one width for every block: the blocks share the columns */
        cols[3 + p] = (struct xlsx_col){ L_COUNT, heads[p], 16 };
    }
    xlsx_header(&c->x, ws, row++, 0, cols, 3 + np);
    first = row;
    for (size_t k = 0; k < rb->nitems; k++) {
        const struct survey_item *it = agg_item_def(rb->in->agg, k);
        const struct results_measure *m = rmodel_item(g, k);
        char text[600];
        double cm;

        if (it->type == SURVEY_TEXT || !rmodel_scored(it) || m == NULL || m->not_asked ||
            (int)k == enps)
            continue;
        cm = rmodel_has_est(m) ? m->est.mean : NAN;
        xlsx_text(&c->x, ws, row, 0, it->code, XF_PLAIN);
        xlsx_wrapped(&c->x, ws, row, 1, rmodel_item_label(rb, k, c->x.english, text, sizeof text),
                     50, XF_WRAP);
        xlsx_value(&c->x, ws, row, 2, m->hidden, cm, XF_DEC2);
        for (p = 0; p < np; p++) {
            const struct results_part *part = &g->parts[p];
            const struct results_measure *pm = part->hidden ? NULL : rmodel_part_item(part, k);

            if (m->hidden || !rmodel_shown(pm))
                /* the note says why: the item's own reason, or the part's */
                xlsx_hidden_flag(&c->x, ws, row, 3 + (int)p,
                                 m->hidden      ? m->hidden
                                 : part->hidden ? part->hidden
                                                : rmodel_why(pm));
            else if (isfinite(pm->est.mean) && isfinite(cm))
                xlsx_number(&c->x, ws, row, 3 + (int)p, pm->est.mean - cm, XF_SIGNED2);
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

void city_sheet_breakdown(struct city *c)
{
    lxw_worksheet *ws;
    int row = 4;
    size_t widest = 0;

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
    if (c->g->hidden)
        return;
    for (size_t i = 0; i < c->nby; i++)
        row = breakdown_block(c, ws, row, c->rby[i], &widest);
    /* one table per attribute: no header repeats across pages */
    xlsx_print_table(&c->x, ws, 3 + (int)widest, 0, 0, 2);
}

