/* city_items: the city workbook's items, dimensions and distributions
 * (see city_sheets.h). */
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

/* ---- what the items and the dimensions share ---- */

/* A measure's sheet (items, dimensions) has three columns of its own, then
 * the estimate's: the respondents, the mean, the SD and the 95% CI; then
 * the rest of its own. */
enum { E_N = 3, E_MEAN, E_SD, E_CI_LO, E_CI_HI, E_END };

static const struct xlsx_col est_cols[E_END - E_N] = {
    { L_N, NULL, 10 },       { L_MEAN, NULL, 9 },      { L_SD, NULL, 12 },
    { L_CI_LOW, NULL, 9 },   { L_CI_HIGH, NULL, 9 },
};

/* The header of a measure's sheet: head's E_N columns, the estimate's, then
 * nrest of rest. */
static void measure_header(struct city *c, lxw_worksheet *ws, const struct xlsx_col *head,
                           const struct xlsx_col *rest, size_t nrest)
{
    xlsx_header(&c->x, ws, 2, 0, head, E_N);
    xlsx_header(&c->x, ws, 2, E_N, est_cols, E_END - E_N);
    xlsx_header(&c->x, ws, 2, E_END, rest, nrest);
}

/* The estimate's mean, SD and CI: dashes when why is not 0, nothing when m
 * has no estimate. */
static void est_cells(struct city *c, lxw_worksheet *ws, int row, int why,
                      const struct results_measure *m)
{
    int est = rmodel_has_est(m);

    xlsx_value(&c->x, ws, row, E_MEAN, why, est ? m->est.mean : NAN, XF_DEC2);
    xlsx_value(&c->x, ws, row, E_SD, why, est ? m->est.sd : NAN, XF_DEC2);
    xlsx_value(&c->x, ws, row, E_CI_LO, why, est ? m->est.ci_lo : NAN, XF_DEC2);
    xlsx_value(&c->x, ws, row, E_CI_HI, why, est ? m->est.ci_hi : NAN, XF_DEC2);
}

/* ---- items ---- */

enum {
    I_CODE, I_TEXT, I_DIM,   /* then the estimate's, from E_N */
    I_MEDIAN = E_END, I_FAV, I_FAV_LO, I_FAV_HI, I_CHANGE, I_P, I_FAV_CHANGE, I_FAV_P, I_TREND,
    I_DIST, I_N_EFF, I_NCOLS
};

static const struct xlsx_col item_head[] = {
    { L_CODE, NULL, 14 }, { L_ITEM_TEXT, NULL, 50 }, { L_DIMENSION, NULL, 18 },
};
static const struct xlsx_col item_rest[] = {
    { L_MEDIAN, NULL, 9 },       { L_FAV, NULL, 11 },      { L_FAV_CI_LOW, NULL, 12 },
    { L_FAV_CI_HIGH, NULL, 12 }, { L_CHANGE, NULL, 12 },   { L_P_ADJ, NULL, 11 },
    { L_FAV_CHANGE, NULL, 12 },  { L_FAV_P_ADJ, NULL, 12 }, { L_TREND, NULL, 22 },
    { L_DISTRIBUTION, NULL, 60 }, { L_N_EFF, NULL, 10 },
};
_Static_assert(sizeof item_head / sizeof item_head[0] == E_N, "an item's own first columns");
_Static_assert(sizeof item_rest / sizeof item_rest[0] == I_NCOLS - E_END, "an item's columns");

/* Who answered: a choice item's n, a scored one's estimate's. */
static double item_n(const struct results_measure *m)
{
    return !rmodel_shown(m) ? NAN : m->choice ? m->n : m->est.n;
}

/* "1: 5% · 2: 10% · ..." (or option labels for choices). */
static void distribution_text(const struct city *c, size_t k, const struct results_measure *m,
                              char *buf, size_t n)
{
    const struct survey_item *it = agg_item_def(c->r->in->agg, k);
    int scored = rmodel_scored(it);
    size_t len = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < m->ndist; i++) {
        char slot[200];
        double share = m->dist[i];

        if (scored)
            snprintf(slot, sizeof slot, "%ld", rmodel_slot_value(c->r, k, i));
        else
            snprintf(slot, sizeof slot, "%s",
                     i < it->noptions ? rmodel_word(c->x.english, it->options[i].label_pl,
                                                    it->options[i].label_en)
                                      : "?");
        if (len < n)
            len += (size_t)snprintf(buf + len, n - len, "%s%s: %.0f%%", i ? " · " : "", slot,
                                    isfinite(share) ? 100 * share : 0.0);
    }
}

static void item_row(struct city *c, lxw_worksheet *ws, int row, size_t k)
{
    const struct survey_item *it = agg_item_def(c->r->in->agg, k);
    const struct results_measure *m = c->g->hidden ? NULL : rmodel_item(c->g, k);
    const char *dim = rmodel_item_dim_label(c->r, k, c->x.english);
    int why = rmodel_why(m), est = rmodel_has_est(m);
    char dist[1200], text[600];

    xlsx_text(&c->x, ws, row, I_CODE, it->code, XF_PLAIN);
    xlsx_wrapped(&c->x, ws, row, I_TEXT, rmodel_item_label(c->r, k, c->x.english, text, sizeof text),
                 item_head[I_TEXT].width, XF_WRAP);
    if (dim != NULL)   /* wrapped too: "Wynagrodzenie i świadczenia" is wider than its column */
        xlsx_wrapped(&c->x, ws, row, I_DIM, dim, item_head[I_DIM].width, XF_WRAP);
    xlsx_value(&c->x, ws, row, E_N, why, item_n(m), XF_INT);
    if (est && c->r->weighted)
        xlsx_number(&c->x, ws, row, I_N_EFF, m->est.n_eff, XF_DEC1);
    if (why) {
        xlsx_hidden_flag(&c->x, ws, row, I_DIST, why);
    } else {
        distribution_text(c, k, m, dist, sizeof dist);
        xlsx_text(&c->x, ws, row, I_DIST, dist, XF_PLAIN);
    }
    if (!rmodel_scored(it))
        return;
    est_cells(c, ws, row, why, m);
    xlsx_value(&c->x, ws, row, I_MEDIAN, why, est ? m->est.median : NAN, XF_DEC1);
    if (why || (est && m->est.has_fav)) {
        xlsx_value(&c->x, ws, row, I_FAV, why, why ? NAN : m->est.fav, XF_PCT);
        xlsx_value(&c->x, ws, row, I_FAV_LO, why, why ? NAN : m->est.fav_lo, XF_PCT);
        xlsx_value(&c->x, ws, row, I_FAV_HI, why, why ? NAN : m->est.fav_hi, XF_PCT);
    }
    city_change(c, ws, row, I_CHANGE, why, why ? NULL : &m->change, 0, XF_SIGNED2, XF_SIG2);
    city_change(c, ws, row, I_FAV_CHANGE, why, why ? NULL : &m->change, 1, XF_SIGNED_PCT,
                XF_SIGPCT);
    xlsx_text(&c->x, ws, row, I_TREND, sheets_trend_word(&c->x, m), XF_PLAIN);
}

/* Whether item k is one the wave's instrument did not ask (for the city). */
static int not_asked(const struct city *c, size_t k)
{
    const struct results_measure *m = rmodel_item(c->g, k);

    return m != NULL && m->not_asked;
}

void city_sheet_items(struct city *c)
{
    lxw_worksheet *ws = xlsx_sheet(&c->x, xlsx_label(&c->x, L_ITEMS));
    int row = 3, ncols = c->r->weighted ? I_NCOLS : I_NCOLS - 1;

    if (ws == NULL)
        return;
    sheets_title(&c->x, ws, xlsx_label(&c->x, L_ITEMS), c->subtitle);
    measure_header(c, ws, item_head, item_rest, (size_t)(ncols - E_END));
    for (size_t k = 0; k < c->r->nitems; k++) {
        if (agg_item_def(c->r->in->agg, k)->type == SURVEY_TEXT || not_asked(c, k))
            continue;    /* not in this wave's instrument: no row */
        item_row(c, ws, row++, k);
    }
    xlsx_table(&c->x, ws, 2, row - 1, ncols);
}

/* ---- dimensions ---- */

enum {
    D_CODE, D_LABEL, D_NITEMS,   /* then the estimate's, from E_N */
    D_ALPHA = E_END, D_ALPHA_LO, D_ALPHA_HI, D_ALPHA_N, D_CHANGE, D_P, D_SIG, D_TREND, D_NCOLS
};

static const struct xlsx_col dim_head[] = {
    { L_CODE, NULL, 14 }, { L_DIMENSION, NULL, 34 }, { L_NITEMS, NULL, 9 },
};
static const struct xlsx_col dim_rest[] = {
    { L_ALPHA, NULL, 10 },   { L_ALPHA_CI_LOW, NULL, 11 }, { L_ALPHA_CI_HIGH, NULL, 11 },
    { L_ALPHA_N, NULL, 12 }, { L_CHANGE, NULL, 12 },       { L_P_ADJ, NULL, 11 },
    { L_SIGNIFICANT, NULL, 15 }, { L_TREND, NULL, 22 },
};
_Static_assert(sizeof dim_head / sizeof dim_head[0] == E_N, "a dimension's own first columns");
_Static_assert(sizeof dim_rest / sizeof dim_rest[0] == D_NCOLS - E_END, "a dimension's columns");

static void dim_row(struct city *c, lxw_worksheet *ws, int row, size_t d)
{
    const struct results_measure *m = c->g->hidden ? NULL : rmodel_dim(c->g, d);
    const struct results_alpha *a = rmodel_shown(m) && m->alpha.present ? &m->alpha : NULL;
    const char *sig = m != NULL ? sheets_change_word(&c->x, m, &m->change) : NULL;
    int why = rmodel_why(m), est = rmodel_has_est(m);

    xlsx_text(&c->x, ws, row, D_CODE, agg_dim_def(c->r->in->agg, d)->code, XF_PLAIN);
    xlsx_text(&c->x, ws, row, D_LABEL, rmodel_dim_label(c->r, d, c->x.english), XF_PLAIN);
    xlsx_number(&c->x, ws, row, D_NITEMS, (double)agg_dim_def(c->r->in->agg, d)->nitems, XF_INT);
    xlsx_value(&c->x, ws, row, E_N, why, est ? m->est.n : NAN, XF_INT);
    est_cells(c, ws, row, why, m);
    xlsx_value(&c->x, ws, row, D_ALPHA, why, a != NULL ? a->value : NAN, XF_DEC2);
    xlsx_value(&c->x, ws, row, D_ALPHA_LO, why, a != NULL ? a->lo : NAN, XF_DEC2);
    xlsx_value(&c->x, ws, row, D_ALPHA_HI, why, a != NULL ? a->hi : NAN, XF_DEC2);
    xlsx_value(&c->x, ws, row, D_ALPHA_N, why, a != NULL ? a->n : NAN, XF_INT);
    city_change(c, ws, row, D_CHANGE, why, why ? NULL : &m->change, 0, XF_SIGNED2, XF_SIG2);
    if (sig != NULL)
        xlsx_text(&c->x, ws, row, D_SIG, sig, XF_PLAIN);
    xlsx_text(&c->x, ws, row, D_TREND, sheets_trend_word(&c->x, m), XF_PLAIN);
}

void city_sheet_dimensions(struct city *c)
{
    lxw_worksheet *ws = xlsx_sheet(&c->x, xlsx_label(&c->x, L_DIMENSIONS));
    int row = 3;

    if (ws == NULL)
        return;
    sheets_title(&c->x, ws, xlsx_label(&c->x, L_DIMENSIONS), c->subtitle);
    measure_header(c, ws, dim_head, dim_rest, D_NCOLS - E_END);
    for (size_t d = 0; d < c->r->ndims; d++)
        dim_row(c, ws, row++, d);
    xlsx_table(&c->x, ws, 2, row - 1, D_NCOLS);
}

/* ---- distributions ---- */

/* Items share a block when their answer slots and labels are the same and
 * both are reverse-coded or neither is (a block's colours say which answers
 * are good: for a reverse-coded item agreeing is the unfavourable end). */
static int same_scale(const struct city *c, size_t ka, size_t kb)
{
    const struct survey_item *a = agg_item_def(c->r->in->agg, ka);
    const struct survey_item *b = agg_item_def(c->r->in->agg, kb);
    int en = c->x.english;

    if (!rmodel_scored(a) || !rmodel_scored(b) ||
        c->r->item_nvalues[ka] != c->r->item_nvalues[kb] ||
        (c->r->item_nvalues[ka] > 0 && c->r->item_min[ka] != c->r->item_min[kb]) ||
        a->noptions != b->noptions || !a->reverse != !b->reverse)
        return 0;
    for (size_t i = 0; i < a->noptions; i++)
        if (a->options[i].code != b->options[i].code ||
            strcmp(rmodel_word(en, a->options[i].label_pl, a->options[i].label_en),
                   rmodel_word(en, b->options[i].label_pl, b->options[i].label_en)) != 0)
            return 0;
    return 1;
}

/* The label of answer slot s of item k: "1: Zdecydowanie się nie zgadzam". */
static void slot_label(const struct city *c, size_t k, size_t s, char *label, size_t n)
{
    const struct survey_item *it = agg_item_def(c->r->in->agg, k);
    long v = rmodel_slot_value(c->r, k, s);

    if (!rmodel_scored(it)) {
        snprintf(label, n, "%s",
                 s < it->noptions ? rmodel_word(c->x.english, it->options[s].label_pl,
                                                it->options[s].label_en)
                                  : "");
        return;
    }
    snprintf(label, n, "%ld", v);
    for (size_t j = 0; j < it->noptions; j++)
        if (it->options[j].code == v)
            snprintf(label, n, "%ld: %s", v,
                     rmodel_word(c->x.english, it->options[j].label_pl, it->options[j].label_en));
}

/* The number of answer slots of item k's block. */
static size_t slots_of(const struct city *c, size_t k)
{
    const struct survey_item *it = agg_item_def(c->r->in->agg, k);

    return rmodel_scored(it) ? c->r->item_nvalues[k] : it->noptions;
}

/* The header of a block: one column per answer slot. Returns the slots. */
static size_t block_header(struct city *c, lxw_worksheet *ws, int row, size_t k)
{
    size_t nslots = slots_of(c, k);
    struct xlsx_col cols[3 + 32];
    char labels[32][200];

    if (nslots > 32)
        nslots = 32;
    cols[0] = (struct xlsx_col){ L_CODE, NULL, 14 };
    cols[1] = (struct xlsx_col){ L_ITEM_TEXT, NULL, 50 };
    cols[2] = (struct xlsx_col){ L_N, NULL, 10 };
    for (size_t s = 0; s < nslots; s++) {
        slot_label(c, k, s, labels[s], sizeof labels[s]);
        cols[3 + s] = (struct xlsx_col){ L_COUNT, labels[s], 13 };
    }
    /* One call: the row's height fits the longest header of all. */
    xlsx_header(&c->x, ws, row, 0, cols, 3 + nslots);
    return nslots;
}

static void block_row(struct city *c, lxw_worksheet *ws, int row, size_t k, size_t nslots)
{
    const struct results_measure *m = c->g->hidden ? NULL : rmodel_item(c->g, k);
    int why = rmodel_why(m);
    char text[600];

    xlsx_text(&c->x, ws, row, 0, agg_item_def(c->r->in->agg, k)->code, XF_PLAIN);
    xlsx_wrapped(&c->x, ws, row, 1, rmodel_item_label(c->r, k, c->x.english, text, sizeof text),
                 50, XF_WRAP);
    xlsx_value(&c->x, ws, row, 2, why, item_n(m), XF_INT);
    for (size_t s = 0; s < nslots; s++)
        xlsx_value(&c->x, ws, row, 3 + (int)s, why, !why && s < m->ndist ? m->dist[s] : NAN,
                   XF_PCT);
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

/* text for a chart title: whole when it has fewer than 120 bytes, else cut
 * after its last whole word before that, with an ellipsis (never inside a
 * word or a UTF-8 sequence). Returns buf. */
static const char *shorten(const char *text, char *buf, size_t size)
{
    size_t n = strlen(text), cut = 120;

    if (n < cut || size < cut + 4) {
        snprintf(buf, size, "%s", text);
        return buf;
    }
    while (cut > 0 && text[cut] != ' ')
        cut--;
    if (cut == 0)   /* one long word: cut before a UTF-8 lead byte */
        for (cut = 120; cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80; cut--)
            ;
    while (cut > 0 && strchr(" ,;:(", text[cut - 1]) != NULL)
        cut--;
    snprintf(buf, size, "%.*s…", (int)cut, text);
    return buf;
}

/* A block of items with one scale (ks: the items, their agg indices), and
 * its bar chart below it. Returns the next free row. */
static int block(struct city *c, lxw_worksheet *ws, int row, const size_t *ks, size_t nks,
                 char *used, size_t first, size_t *widest)
{
    size_t k0 = ks[first];
    const struct survey_item *item0 = agg_item_def(c->r->in->agg, k0);
    const char *sheet = xlsx_label(&c->x, L_DISTRIBUTIONS);
    int multi = item0->type == SURVEY_MULTI;
    int likert = item0->type == SURVEY_LIKERT;
    int reverse = item0->reverse != 0;
    int header = row, r = row + 1, height, asked = 0;
    size_t nslots;
    lxw_chart *chart;
    lxw_chart_font font;
    char title[400], lo[200], hi[200];

    for (size_t i = first; i < nks; i++)
        if (!used[i] && (i == first || same_scale(c, k0, ks[i])) && !not_asked(c, ks[i]))
            asked++;
    nslots = asked > 0 ? block_header(c, ws, header, k0) : 0;
    if (nslots > *widest)
        *widest = nslots;
    for (size_t i = first; i < nks; i++) {
        if (used[i] || (i != first && !same_scale(c, k0, ks[i])))
            continue;
        used[i] = 1;
        if (not_asked(c, ks[i]))
            continue;    /* not in this wave's instrument: no row, no bar */
        block_row(c, ws, r++, ks[i], nslots);
    }
    if (asked == 0)
        return row;    /* every item of the block was not asked: no block */
    /* the header with its first rows on one printed page */
    xlsx_print_keep(&c->x, ws, header, header + 3 < r - 1 ? header + 3 : r - 1);
    /* The title says what the chart shows: the answers' range, or the
     * question of a choice item. */
    if (rmodel_scored(item0) && nslots > 0) {
        slot_label(c, k0, 0, lo, sizeof lo);
        slot_label(c, k0, nslots - 1, hi, sizeof hi);
        snprintf(title, sizeof title, "%s: %s … %s%s%s", xlsx_label(&c->x, L_DISTRIBUTION), lo,
                 hi, reverse ? " " : "",
                 reverse ? (c->x.english ? VOCAB_REVERSED_EN : VOCAB_REVERSED_PL) : "");
    } else {
        char q[200];

        snprintf(title, sizeof title, "%s: %s", xlsx_label(&c->x, L_DISTRIBUTION),
                 shorten(rmodel_item_text(c->r, k0, c->x.english), q, sizeof q));
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
        font.size = 9;
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
    return xlsx_place_chart(&c->x, ws, r + 1, 0, chart, 1000, height) + 1;
}

void city_sheet_distributions(struct city *c)
{
    lxw_worksheet *ws = xlsx_sheet(&c->x, xlsx_label(&c->x, L_DISTRIBUTIONS));
    size_t ks[512], n = 0, widest = 0;
    char used[512];
    int row = 3;

    if (ws == NULL)
        return;
    sheets_title(&c->x, ws, xlsx_label(&c->x, L_DISTRIBUTIONS), c->subtitle);
    for (size_t k = 0; k < c->r->nitems && n < sizeof ks / sizeof ks[0]; k++)
        if (agg_item_def(c->r->in->agg, k)->type != SURVEY_TEXT)
            ks[n++] = k;
    memset(used, 0, sizeof used);
    for (size_t i = 0; i < n; i++) {
        if (used[i])
            continue;
        row = block(c, ws, row, ks, n, used, i, &widest);
    }
    worksheet_freeze_panes(ws, 2, 0);
    /* a fixed scale and a page break above a chart that would not fit */
    xlsx_print_charts(&c->x, ws, 3 + (int)widest);
}
