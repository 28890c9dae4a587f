/* xlsx: shared formats, labels and helpers of the workbooks (see xlsx.h). */
#include "xlsx.h"

#include "anon.h"
#include "err.h"
#include "label.h"
#include "utf8.h"
#include "vocab.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *xlsx_label(const struct xlsx *x, enum label id)
{
    return label_text(id, x->english);
}

void xlsx_check(struct xlsx *x, lxw_error rc, const char *where)
{
    if (rc == LXW_NO_ERROR || x->error != LXW_NO_ERROR)
        return;
    x->error = rc;
    snprintf(x->where, sizeof x->where, "%s", where);
}

int xlsx_ok(const struct xlsx *x)
{
    return x->error == LXW_NO_ERROR;
}

static lxw_format *add_format(struct xlsx *x, const char *num, int bold, lxw_color_t bg)
{
    lxw_format *f = workbook_add_format(x->wb);

    if (f == NULL) {
        xlsx_check(x, LXW_ERROR_MEMORY_MALLOC_FAILED, "a cell format");
        return NULL;
    }
    if (num != NULL)
        format_set_num_format(f, num);
    if (bold)
        format_set_bold(f);
    if (bg != LXW_COLOR_UNSET) {
        format_set_pattern(f, LXW_PATTERN_SOLID);
        format_set_bg_color(f, bg);
    }
    return f;
}

/* The number formats; a significant change's (XF_SIG*) is that of its
 * plain counterpart (sig_plain). */
static const char *const number_formats[XF_COUNT] = {
    [XF_INT] = "0",
    [XF_DEC1] = "0.0",
    [XF_DEC2] = "0.00",
    [XF_SIGNED1] = "+0.0;-0.0;0.0",
    [XF_SIGNED2] = "+0.00;-0.00;0.00",
    [XF_PVAL] = "0.000",
    [XF_PCT] = "0%",
    [XF_PCT1] = "0.0%",
    [XF_SIGNED_PCT] = "+0.0%;-0.0%;0.0%",
};

/* A significant change is shown as its plain change, bold on a tint: the
 * plain format of f, or f itself when it is not a significant one. */
static enum xlsx_fmt sig_plain(enum xlsx_fmt f)
{
    switch (f) {
    case XF_SIG2: return XF_SIGNED2;
    case XF_SIG1: return XF_SIGNED1;
    case XF_SIGPCT: return XF_SIGNED_PCT;
    default: return f;
    }
}

/* Every format, in the order of enum xlsx_fmt: the number format, bold (the
 * title, the header, bold text, a significant change) and the fill (the
 * header's shade, a significant change's tint), then what only some have. */
static void formats_create(struct xlsx *x)
{
    const lxw_color_t tint = 0xFFF2CC, head = 0xDDEBF7;

    for (int i = 0; i < XF_COUNT; i++) {
        enum xlsx_fmt f = (enum xlsx_fmt)i, plain = sig_plain(f);
        int sig = plain != f;

        x->fmt[f] = add_format(x, number_formats[plain],
                               sig || f == XF_TITLE || f == XF_HEAD || f == XF_BOLD,
                               sig ? tint : f == XF_HEAD ? head : LXW_COLOR_UNSET);
    }
    if (!xlsx_ok(x))
        return;
    /* A row grown for wrapped text keeps its other cells level with it. */
    for (int f = 0; f < XF_COUNT; f++)
        if (f != XF_HEAD && f != XF_TITLE)
            format_set_align(x->fmt[f], LXW_ALIGN_VERTICAL_CENTER);
    format_set_font_size(x->fmt[XF_TITLE], 14);
    format_set_text_wrap(x->fmt[XF_HEAD]);
    format_set_align(x->fmt[XF_HEAD], LXW_ALIGN_VERTICAL_TOP);
    format_set_border(x->fmt[XF_HEAD], LXW_BORDER_THIN);
    format_set_text_wrap(x->fmt[XF_WRAP]);
    format_set_align(x->fmt[XF_DASH], LXW_ALIGN_CENTER);
    format_set_font_color(x->fmt[XF_DASH], 0x808080);
    format_set_italic(x->fmt[XF_NOTE]);
    format_set_font_color(x->fmt[XF_NOTE], 0x595959);
}

int xlsx_open(struct xlsx *x, const char *path, int english, int threshold,
              const struct xlsx_props *props, char *err, size_t errlen)
{
    lxw_doc_properties p;

    memset(x, 0, sizeof *x);
    x->english = english;
    x->threshold = threshold;
    snprintf(x->note, sizeof x->note, "%s %d.",
             label_text(L_HIDDEN_NOTE, english), threshold);
    snprintf(x->note_below, sizeof x->note_below,
             english ? "Hidden: fewer respondents than the anonymity threshold (%d)."
                     : "Ukryte: mniej respondentów niż próg anonimowości (%d).",
             threshold);
    snprintf(x->note_protects, sizeof x->note_protects, "%s",
             english ? "Hidden so that another small group cannot be recovered from the "
                       "figures shown (the group itself is large enough)."
                     : "Ukryte, aby nie dało się odtworzyć innej małej grupy z pokazanych "
                       "liczb (sama grupa jest dość liczna).");
    if (props->constant_memory) {
        lxw_workbook_options opts;

        memset(&opts, 0, sizeof opts);
        opts.constant_memory = LXW_TRUE;
        x->wb = workbook_new_opt(path, &opts);
    } else {
        x->wb = workbook_new(path);
    }
    if (x->wb == NULL)
        return err_set(err, errlen, "%s: cannot create the workbook", path);
    formats_create(x);
    memset(&p, 0, sizeof p);
    p.title = (char *)props->title;
    p.subject = (char *)xlsx_label(x, props->subject);
    p.keywords = (char *)"Empirie, ZMP";
    p.author = (char *)xlsx_label(x, L_AUTHOR);
    p.company = (char *)xlsx_label(x, L_COMPANY);
    p.created = props->created;
    xlsx_check(x, workbook_set_properties(x->wb, &p), "document properties");
    return 0;
}

int xlsx_close(struct xlsx *x, char *err, size_t errlen)
{
    lxw_error rc;

    if (x->wb == NULL)
        return err_set(err, errlen, "no workbook");
    xlsx_print_finish(x);
    rc = workbook_close(x->wb);
    x->wb = NULL;
    if (x->error != LXW_NO_ERROR)
        return err_set(err, errlen, "%s: %s", x->where, lxw_strerror(x->error));
    if (rc != LXW_NO_ERROR)
        return err_set(err, errlen, "writing the workbook: %s", lxw_strerror(rc));
    return 0;
}

lxw_worksheet *xlsx_sheet(struct xlsx *x, const char *name)
{
    lxw_worksheet *ws;

    if (!xlsx_ok(x))
        return NULL;
    ws = workbook_add_worksheet(x->wb, name);
    if (ws == NULL) {
        xlsx_check(x, LXW_ERROR_WORKSHEET_INDEX_OUT_OF_RANGE, name);
        return NULL;
    }
    worksheet_set_landscape(ws);
    worksheet_set_paper(ws, 9);    /* A4 */
    worksheet_fit_to_pages(ws, 1, 0);
    worksheet_set_comments_author(ws, (char *)xlsx_label(x, L_AUTHOR));
    return ws;
}

void xlsx_text(struct xlsx *x, lxw_worksheet *ws, int row, int col, const char *s,
               enum xlsx_fmt f)
{
    if (!xlsx_ok(x) || ws == NULL || s == NULL)
        return;
    xlsx_check(x, worksheet_write_string(ws, (lxw_row_t)row, (lxw_col_t)col, s, x->fmt[f]),
               s);
}

void xlsx_label_cell(struct xlsx *x, lxw_worksheet *ws, int row, int col, enum label id,
                     enum xlsx_fmt f)
{
    xlsx_text(x, ws, row, col, xlsx_label(x, id), f);
}

void xlsx_number(struct xlsx *x, lxw_worksheet *ws, int row, int col, double v,
                 enum xlsx_fmt f)
{
    if (!xlsx_ok(x) || ws == NULL || !isfinite(v))
        return;
    xlsx_check(x, worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)col, v, x->fmt[f]),
               "a number");
}

void xlsx_hidden_flag(struct xlsx *x, lxw_worksheet *ws, int row, int col, int why)
{
    const char *note = why < 0                  ? x->note
                       : why == ANON_PROTECTS ? x->note_protects
                                              : x->note_below;

    if (!xlsx_ok(x) || ws == NULL)
        return;
    xlsx_check(x, worksheet_write_string(ws, (lxw_row_t)row, (lxw_col_t)col, "—",
                                         x->fmt[XF_DASH]),
               "a hidden cell");
    xlsx_check(x, worksheet_write_comment(ws, (lxw_row_t)row, (lxw_col_t)col, note),
               "the note of a hidden cell");
}

void xlsx_hidden(struct xlsx *x, lxw_worksheet *ws, int row, int col)
{
    xlsx_hidden_flag(x, ws, row, col, XLSX_UNTOLD);
}

void xlsx_value(struct xlsx *x, lxw_worksheet *ws, int row, int col, int why, double v,
                enum xlsx_fmt f)
{
    if (why != 0)
        xlsx_hidden_flag(x, ws, row, col, why);
    else
        xlsx_number(x, ws, row, col, v, f);
}

/* The width of text in column units: characters (not UTF-8 bytes), a
 * tenth more for bold. */
static double text_width(const char *s, size_t bytes, int bold)
{
    size_t chars = 0;

    for (size_t i = 0; i < bytes; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            chars++;
    /* a column unit is the width of a digit; text runs narrower on
     * average (measured on LibreOffice's rendering of the items) */
    return bold ? (double)chars * 1.05 : (double)chars * 0.88;
}

/* The widest word of text, in column units. */
static double longest_word(const char *text, int bold)
{
    double best = 0;

    while (*text != '\0') {
        size_t len = strcspn(text, " ");
        double w = text_width(text, len, bold);

        if (w > best)
            best = w;
        text += len;
        text += strspn(text, " ");
    }
    return best;
}

int xlsx_wrap_lines(const char *text, double width, int bold)
{
    double cap = width - 1.5, line = 0;
    int lines = 1;

    if (cap < 1)
        cap = 1;
    /* greedy word wrap, as the viewers do; a word wider than the column
     * takes lines of its own */
    while (*text != '\0') {
        size_t len = strcspn(text, " \n");
        double w = text_width(text, len, bold);

        if (line > 0 && line + 1 + w > cap) {
            lines++;
            line = 0;
        }
        while (w > cap) {
            lines++;
            w -= cap;
        }
        line += (line > 0 ? 1 : 0) + w;
        text += len;
        if (*text == '\n') {
            lines++;
            line = 0;
            text++;
        }
        text += strspn(text, " ");
    }
    return lines;
}

void xlsx_header(struct xlsx *x, lxw_worksheet *ws, int row, int col0,
                 const struct xlsx_col *cols, size_t n)
{
    int lines = 1;

    if (!xlsx_ok(x) || ws == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        const char *s = cols[i].label < L_COUNT ? xlsx_label(x, cols[i].label) : cols[i].text;
        int c = col0 + (int)i;
        /* Wide enough for the longest word, so a label breaks between
         * words ("p skorygowane"), never inside one. */
        double width = cols[i].width, word = longest_word(s ? s : "", 1) * 1.15 + 2;
        int l;

        if (width < word)
            width = word;
        /* tables one above another share the columns: a column keeps the
         * widest width any of their headers gave it, so no earlier header
         * is squeezed into breaking inside a word */
        if (width < xlsx_print_colw(x, ws, c))
            width = xlsx_print_colw(x, ws, c);
        xlsx_text(x, ws, row, c, s, XF_HEAD);
        xlsx_check(x, worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, width, NULL),
                   "a column width");
        xlsx_print_col(x, ws, c, width);
        l = xlsx_wrap_lines(s ? s : "", width, 1);
        if (l > lines)
            lines = l;
    }
    /* Wrapped headers need their lines: viewers do not grow the row. A
     * header written column by column keeps its tallest column's lines. */
    if (x->head_ws == ws && x->head_row == row && x->head_lines > lines)
        lines = x->head_lines;
    x->head_ws = ws;
    x->head_row = row;
    x->head_lines = lines;
    xlsx_check(x, worksheet_set_row(ws, (lxw_row_t)row, 15.0 * lines + 3, NULL), "a row height");
    xlsx_print_row(x, ws, row, 15.0 * lines + 3);
}

void xlsx_wrapped(struct xlsx *x, lxw_worksheet *ws, int row, int col, const char *s,
                  double width, enum xlsx_fmt f)
{
    int lines;

    if (!xlsx_ok(x) || ws == NULL || s == NULL)
        return;
    lines = xlsx_wrap_lines(s, width, f == XF_BOLD || f == XF_HEAD);
    xlsx_text(x, ws, row, col, s, f);
    /* several wrapped cells of a row: the row fits the tallest */
    if (lines > 1 && 15.0 * lines + 2 > xlsx_print_rowh(x, ws, row)) {
        xlsx_check(x, worksheet_set_row(ws, (lxw_row_t)row, 15.0 * lines + 2, NULL),
                   "a row height");
        xlsx_print_row(x, ws, row, 15.0 * lines + 2);
    }
}

void xlsx_table(struct xlsx *x, lxw_worksheet *ws, int header_row, int last_row, int ncols)
{
    if (!xlsx_ok(x) || ws == NULL || ncols < 1)
        return;
    worksheet_freeze_panes(ws, (lxw_row_t)(header_row + 1), 0);
    if (last_row < header_row)
        last_row = header_row;
    xlsx_check(x, worksheet_autofilter(ws, (lxw_row_t)header_row, 0, (lxw_row_t)last_row,
                                       (lxw_col_t)(ncols - 1)),
               "an autofilter");
    xlsx_print_table(x, ws, ncols, header_row, last_row, 2);
}

lxw_chart *xlsx_chart(struct xlsx *x, uint8_t type, const char *title)
{
    lxw_chart *chart;

    if (!xlsx_ok(x))
        return NULL;
    chart = workbook_add_chart(x->wb, type);
    if (chart == NULL) {
        xlsx_check(x, LXW_ERROR_MEMORY_MALLOC_FAILED, "a chart");
        return NULL;
    }
    chart_title_set_name(chart, title);
    chart_legend_set_position(chart, LXW_CHART_LEGEND_BOTTOM);
    return chart;
}

void xlsx_insert_chart(struct xlsx *x, lxw_worksheet *ws, int row, int col, lxw_chart *chart,
                       int width, int height)
{
    lxw_chart_options o;

    if (!xlsx_ok(x) || ws == NULL || chart == NULL)
        return;
    memset(&o, 0, sizeof o);
    o.x_scale = width / 480.0;
    o.y_scale = height / 288.0;
    /* a few pixels into the row: a chart that starts a printed page has
     * its border wholly on that page, no sliver at the foot of the one
     * before */
    o.y_offset = 4;
    xlsx_check(x, worksheet_insert_chart_opt(ws, (lxw_row_t)row, (lxw_col_t)col, chart, &o),
               "a chart");
}

lxw_chart_series *xlsx_series(struct xlsx *x, lxw_chart *chart, const char *sheet, int cat_row0,
                 int cat_col0, int cat_row1, int cat_col1, int val_row0, int val_col0,
                 int val_row1, int val_col1, const char *name)
{
    lxw_chart_series *s;

    if (!xlsx_ok(x) || chart == NULL)
        return NULL;
    s = chart_add_series(chart, NULL, NULL);
    if (s == NULL) {
        xlsx_check(x, LXW_ERROR_MEMORY_MALLOC_FAILED, "a chart series");
        return NULL;
    }
    chart_series_set_categories(s, sheet, (lxw_row_t)cat_row0, (lxw_col_t)cat_col0,
                                (lxw_row_t)cat_row1, (lxw_col_t)cat_col1);
    chart_series_set_values(s, sheet, (lxw_row_t)val_row0, (lxw_col_t)val_col0,
                            (lxw_row_t)val_row1, (lxw_col_t)val_col1);
    if (name != NULL)
        chart_series_set_name(s, name);
    return s;
}

void xlsx_heat(struct xlsx *x, lxw_worksheet *ws, int row0, int col0, int row1, int col1)
{
    lxw_conditional_format cf;

    if (!xlsx_ok(x) || ws == NULL || row1 < row0 || col1 < col0)
        return;
    memset(&cf, 0, sizeof cf);
    cf.type = LXW_CONDITIONAL_3_COLOR_SCALE;
    cf.min_color = 0xF8696B;
    cf.mid_color = 0xFFEB84;
    cf.max_color = 0x63BE7B;
    xlsx_check(x, worksheet_conditional_format_range(ws, (lxw_row_t)row0, (lxw_col_t)col0,
                                                     (lxw_row_t)row1, (lxw_col_t)col1, &cf),
               "a colour scale");
}
