/* xlsx_print: paper, scale and page breaks of the sheets (see xlsx_print.h). */
#include "xlsx_print.h"

#include "dynarr.h"
#include "xlsx.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COLS 128
#define MAX_BREAKS 256
#define MAX_CHARTS 64
#define ROW_PT 15.0            /* libxlsxwriter's default row height */
#define PX_PT 0.75             /* 96 pixels per inch */
#define PAPER_A4 9
#define PAPER_A3 8
/* Printable landscape areas in points: the page less 0.7" each side and
 * 0.75" top and bottom; 90% of the width and 95% of the height of it, for
 * the viewers' widths (LibreOffice with Carlito draws the columns about 5%
 * wider than libxlsxwriter's pixels). */
#define A4_W ((841.89 - 100.8) * 0.90)
#define A4_H ((595.28 - 108.0) * 0.95)
#define A3_W ((1190.55 - 100.8) * 0.90)
#define A3_H ((841.89 - 108.0) * 0.95)

struct xlsx_sheetp {
    lxw_worksheet *ws;
    double colw[MAX_COLS];     /* characters; 0: the default 8.43 */
    struct xlsx_rowh { int row; double h; } *rows;
    size_t nrows, caprows;
    lxw_row_t breaks[MAX_BREAKS + 1];
    size_t nbreaks;
    /* what must not straddle a page: a chart (last < 0) or the header and
     * first rows of a table (rows row..last) */
    struct xlsx_chartp { int row, last; double w, h; } charts[MAX_CHARTS];
    size_t ncharts;
    double page_h;             /* points of the sheet on a page; 0: not fixed */
};

/* base (n elements used, *cap allocated) with room for one more; NULL with
 * the workbook failed when out of memory. */
static void *room(struct xlsx *x, void *base, size_t n, size_t *cap, size_t size)
{
    void *p = dynarr_reserve(base, cap, n + 1, size);

    if (p == NULL)
        xlsx_check(x, LXW_ERROR_MEMORY_MALLOC_FAILED, "the print layout");
    return p;
}

static struct xlsx_sheetp *sheet_of(struct xlsx *x, lxw_worksheet *ws)
{
    struct xlsx_sheetp *p;

    if (ws == NULL || !xlsx_ok(x))
        return NULL;
    for (size_t i = 0; i < x->nprint; i++)
        if (x->print[i].ws == ws)
            return &x->print[i];
    p = room(x, x->print, x->nprint, &x->capprint, sizeof *p);
    if (p == NULL)
        return NULL;
    x->print = p;
    p = &x->print[x->nprint++];
    memset(p, 0, sizeof *p);
    p->ws = ws;
    return p;
}

void xlsx_print_col(struct xlsx *x, lxw_worksheet *ws, int col, double width)
{
    struct xlsx_sheetp *p = sheet_of(x, ws);

    if (p != NULL && col >= 0 && col < MAX_COLS)
        p->colw[col] = width;
}

double xlsx_print_colw(struct xlsx *x, lxw_worksheet *ws, int col)
{
    struct xlsx_sheetp *p = sheet_of(x, ws);

    return p != NULL && col >= 0 && col < MAX_COLS ? p->colw[col] : 0;
}

void xlsx_print_row(struct xlsx *x, lxw_worksheet *ws, int row, double height)
{
    struct xlsx_sheetp *p = sheet_of(x, ws);
    struct xlsx_rowh *nr;

    if (p == NULL)
        return;
    for (size_t i = 0; i < p->nrows; i++)
        if (p->rows[i].row == row) {
            p->rows[i].h = height;
            return;
        }
    nr = room(x, p->rows, p->nrows, &p->caprows, sizeof *nr);
    if (nr == NULL)
        return;
    p->rows = nr;
    p->rows[p->nrows].row = row;
    p->rows[p->nrows++].h = height;
}

double xlsx_print_rowh(struct xlsx *x, lxw_worksheet *ws, int row)
{
    struct xlsx_sheetp *p = sheet_of(x, ws);

    for (size_t i = 0; p != NULL && i < p->nrows; i++)
        if (p->rows[i].row == row)
            return p->rows[i].h;
    return 0;
}

static double row_height(const struct xlsx_sheetp *p, int row)
{
    for (size_t i = 0; i < p->nrows; i++)
        if (p->rows[i].row == row)
            return p->rows[i].h;
    return ROW_PT;
}

static double col_pt(double width)
{
    if (width <= 0)
        width = 8.43;
    return (floor(width * 7 + 0.5) + 5) * PX_PT;
}

double xlsx_print_width(struct xlsx *x, lxw_worksheet *ws, int ncols)
{
    struct xlsx_sheetp *p = sheet_of(x, ws);
    double w = 0;

    for (int c = 0; c < ncols; c++)
        w += col_pt(p != NULL && c < MAX_COLS ? p->colw[c] : 0);
    return w;
}

void xlsx_print_table(struct xlsx *x, lxw_worksheet *ws, int ncols, int header_row,
                      int last_row, int label_cols)
{
    double w = xlsx_print_width(x, ws, ncols);

    if (!xlsx_ok(x) || ws == NULL)
        return;
    worksheet_set_landscape(ws);
    if (w * 0.70 <= A4_W) {
        worksheet_set_paper(ws, PAPER_A4);
        worksheet_fit_to_pages(ws, 1, 0);
    } else if (w * 0.62 <= A3_W) {
        worksheet_set_paper(ws, PAPER_A3);
        worksheet_fit_to_pages(ws, 1, 0);
    } else {
        /* pages across, each with the label columns and ~85% of the rest */
        double labels = label_cols > 0 ? xlsx_print_width(x, ws, label_cols) : 0;
        double per = A3_W / 0.85 - labels;
        int across = per > 0 ? (int)ceil((w - labels) / per) : 2;

        worksheet_set_paper(ws, PAPER_A3);
        worksheet_fit_to_pages(ws, (uint16_t)(across < 2 ? 2 : across), 0);
        if (label_cols > 0)
            xlsx_check(x, worksheet_repeat_columns(ws, 0, (lxw_col_t)(label_cols - 1)),
                       "repeated columns");
    }
    /* a table longer than a page shows its header on every page */
    if (last_row - header_row > 20)
        xlsx_check(x, worksheet_repeat_rows(ws, (lxw_row_t)header_row, (lxw_row_t)header_row),
                   "repeated rows");
}

/* Where row starts on its page, in points from the page's top: the last
 * break above it, then rows as the viewer lays them out, a row that does
 * not fit starting the next page. */
static double y_on_page(const struct xlsx_sheetp *p, int row)
{
    int r = p->nbreaks > 0 ? (int)p->breaks[p->nbreaks - 1] : 0;
    double y = 0;

    for (; r < row; r++) {
        double h = row_height(p, r);

        if (y > 0 && y + h > p->page_h)
            y = 0;
        y += h;
    }
    return y > p->page_h ? 0 : y;
}

/* The scale at which w x h points fit the printable pw x ph, in whole
 * percent, at most 100%. */
static double fit_scale(double w, double h, double pw, double ph)
{
    double scale = fmin(1.0, fmin(pw / w, ph / h));

    scale = floor(scale * 100) / 100;
    return scale < 0.10 ? 0.10 : scale;
}

void xlsx_print_charts(struct xlsx *x, lxw_worksheet *ws, int ncols)
{
    struct xlsx_sheetp *p = sheet_of(x, ws);
    double w = xlsx_print_width(x, ws, ncols), h = ROW_PT, pw = A4_W, ph = A4_H, scale;
    int paper = PAPER_A4;

    if (p == NULL)
        return;
    for (size_t i = 0; i < p->ncharts; i++) {
        w = fmax(w, p->charts[i].w);
        h = fmax(h, p->charts[i].h);
    }
    scale = fit_scale(w, h, pw, ph);
    if (scale < 0.70) {    /* A4 would shrink the text: A3 */
        paper = PAPER_A3;
        pw = A3_W;
        ph = A3_H;
        scale = fit_scale(w, h, pw, ph);
    }
    worksheet_set_landscape(ws);
    worksheet_set_paper(ws, (uint8_t)paper);
    /* after any fit_to_pages, so this one holds (the last call wins) */
    worksheet_set_print_scale(ws, (uint16_t)lround(scale * 100));
    p->page_h = ph / scale;
    /* a chart, or a table's head, that would not fit whole where it falls
     * starts a page */
    for (size_t i = 0; i < p->ncharts; i++) {
        const struct xlsx_chartp *c = &p->charts[i];
        double y = y_on_page(p, c->row), hk = c->h;

        for (int r = c->row; c->last >= 0 && r <= c->last; r++)
            hk += row_height(p, r);
        if (y > 0 && y + hk > p->page_h)
            xlsx_page_break(x, ws, c->row);
    }
}

void xlsx_page_break(struct xlsx *x, lxw_worksheet *ws, int row)
{
    struct xlsx_sheetp *p = sheet_of(x, ws);

    if (p == NULL || row <= 0 || p->nbreaks >= MAX_BREAKS)
        return;
    if (p->nbreaks > 0 && p->breaks[p->nbreaks - 1] >= (lxw_row_t)row)
        return;    /* breaks come top to bottom */
    p->breaks[p->nbreaks++] = (lxw_row_t)row;
}

int xlsx_place_chart(struct xlsx *x, lxw_worksheet *ws, int row, int col, lxw_chart *chart,
                     int width, int height)
{
    struct xlsx_sheetp *p = sheet_of(x, ws);
    double h = height * PX_PT;

    if (p != NULL && p->ncharts < MAX_CHARTS && chart != NULL) {
        p->charts[p->ncharts].row = row;
        p->charts[p->ncharts].last = -1;
        p->charts[p->ncharts].w = xlsx_print_width(x, ws, col) + width * PX_PT;
        p->charts[p->ncharts++].h = h;
    }
    xlsx_insert_chart(x, ws, row, col, chart, width, height);
    /* the chart covers default rows: the next content starts below it */
    return row + (int)ceil(h / ROW_PT) + 1;
}

void xlsx_print_keep(struct xlsx *x, lxw_worksheet *ws, int row, int last)
{
    struct xlsx_sheetp *p = sheet_of(x, ws);

    if (p == NULL || p->ncharts >= MAX_CHARTS || last < row)
        return;
    p->charts[p->ncharts].row = row;
    p->charts[p->ncharts].last = last;
    p->charts[p->ncharts].w = 0;
    p->charts[p->ncharts++].h = 0;
}

void xlsx_print_finish(struct xlsx *x)
{
    for (size_t i = 0; i < x->nprint; i++) {
        struct xlsx_sheetp *p = &x->print[i];

        if (p->nbreaks > 0 && xlsx_ok(x)) {
            p->breaks[p->nbreaks] = 0;
            xlsx_check(x, worksheet_set_h_pagebreaks(p->ws, p->breaks), "page breaks");
        }
        free(p->rows);
    }
    free(x->print);
    x->print = NULL;
    x->nprint = x->capprint = 0;
}
