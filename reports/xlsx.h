/*
 * xlsx: what every Empirie workbook shares, on top of libxlsxwriter. It owns
 * the workbook handle, one set of cell formats (headers, counts, means with
 * two decimals, percentages, signed changes, p-values, the dash of a hidden
 * cell), the Polish/English label table, and the layout rules every table
 * follows: a bold header row with column widths, frozen under the header,
 * an autofilter over the table, and a print layout (xlsx_print.h) whose
 * pages show whole charts and readable text.
 *
 * Errors are sticky, like stdio's ferror: every libxlsxwriter call made
 * through these helpers is checked, the first failure is kept with where it
 * happened, later calls become no-ops, and xlsx_close reports it (together
 * with workbook_close's own code). That keeps the sheet writers short while
 * no return code goes unchecked.
 *
 * A hidden (suppressed) figure is written as a dash with a cell note that
 * names the anonymity threshold, never as its value; a figure that cannot
 * be computed (a trend of one wave) is left empty.
 */
#ifndef EMPIRIE_XLSX_H
#define EMPIRIE_XLSX_H

#include <stddef.h>
#include <time.h>
#include <xlsxwriter.h>

#include "label.h"
#include "xlsx_print.h"

enum xlsx_fmt {
    XF_PLAIN,
    XF_TITLE,    /* the sheet's title line */
    XF_HEAD,     /* header cells: bold, shaded, wrapped */
    XF_WRAP,     /* long text */
    XF_BOLD,
    XF_INT,      /* counts: 0 */
    XF_DEC1,     /* 0.0 */
    XF_DEC2,     /* means, SDs: 0.00 */
    XF_SIGNED1,  /* eNPS and changes in points: +0.0 */
    XF_SIGNED2,  /* changes of means: +0.00 */
    XF_PVAL,     /* p-values: 0.000 */
    XF_PCT,      /* shares: 0% */
    XF_PCT1,     /* shares: 0.0% */
    XF_SIGNED_PCT, /* changes of shares: +0.0% */
    XF_SIG2,     /* a significant change: +0.00, bold on a tint */
    XF_SIG1,     /* a significant change: +0.0, bold on a tint */
    XF_SIGPCT,   /* a significant change of a share */
    XF_DASH,     /* the dash of a hidden figure */
    XF_NOTE,     /* small grey explanatory text */
    XF_COUNT
};

/* Labels shown in workbooks: the one label table (label.h). */

struct xlsx {
    lxw_workbook *wb;
    lxw_format *fmt[XF_COUNT];
    int english;
    int threshold;         /* for the note on hidden cells */
    lxw_error error;       /* the first failure, LXW_NO_ERROR while all is well */
    char where[160];       /* what was being written when it failed */
    char note[200];        /* the note on hidden cells whose reason is not known */
    char note_below[200];  /* ... hidden because the group is below the threshold */
    char note_protects[200]; /* ... hidden so that another group cannot be recovered */
    /* the last header row written: a header written in several calls
     * keeps the height of its tallest part */
    lxw_worksheet *head_ws;
    int head_row;
    int head_lines;
    /* the print layout's record of each sheet (xlsx_print.c) */
    struct xlsx_sheetp *print;
    size_t nprint, capprint;
};

/* The document properties every report carries. */
struct xlsx_props {
    const char *title;
    enum label subject;   /* L_CITY_REPORT, L_NETWORK_REPORT, L_MINISTRY_REPORT */
    /* libxlsxwriter's constant-memory mode: each row goes to disk when the
     * next one starts, so every sheet must be written top to bottom. */
    int constant_memory;
    /* The creation date; 0: now. Workbooks written at the same time on
     * several threads must share one (libxlsxwriter 1.1.4 formats it
     * through gmtime's static buffer, so they all then write the same). */
    time_t created;
};

/* One column of a table: its header label (or literal text) and width. */
struct xlsx_col {
    enum label label;  /* L_COUNT: use text */
    const char *text;
    double width;
};

/* Creates the workbook at path (written only by xlsx_close) with the
 * formats and properties. Returns -1 with err when libxlsxwriter cannot. */
int xlsx_open(struct xlsx *x, const char *path, int english, int threshold,
              const struct xlsx_props *props, char *err, size_t errlen);

/* Writes the file and frees the workbook, also after an earlier failure
 * (then nothing usable is written, and -1 says why). */
int xlsx_close(struct xlsx *x, char *err, size_t errlen);

/* Records rc as the workbook's failure if it is the first one. */
void xlsx_check(struct xlsx *x, lxw_error rc, const char *where);

/* True while no call has failed. */
int xlsx_ok(const struct xlsx *x);

const char *xlsx_label(const struct xlsx *x, enum label id);

/* A new sheet, landscape A4 fitted to one page wide, or NULL (recorded). */
lxw_worksheet *xlsx_sheet(struct xlsx *x, const char *name);

void xlsx_text(struct xlsx *x, lxw_worksheet *ws, int row, int col, const char *s,
               enum xlsx_fmt f);
void xlsx_label_cell(struct xlsx *x, lxw_worksheet *ws, int row, int col, enum label id,
                     enum xlsx_fmt f);
void xlsx_number(struct xlsx *x, lxw_worksheet *ws, int row, int col, double v,
                 enum xlsx_fmt f);

/* Why a figure is hidden: 0 shown; an anon_flag (anon.h: below the
 * threshold, or protecting another group), whose note the cell gets; or
 * XLSX_UNTOLD: hidden, the reason not told (the general note). */
#define XLSX_UNTOLD (-1)

/* The dash of a hidden figure with the note for why (not 0). */
void xlsx_hidden_flag(struct xlsx *x, lxw_worksheet *ws, int row, int col, int why);
/* The same with the general note. */
void xlsx_hidden(struct xlsx *x, lxw_worksheet *ws, int row, int col);

/*
 * A figure: the dash with its note when why is not 0, else the number v
 * (nothing when v is not a number: a figure that cannot be computed).
 */
void xlsx_value(struct xlsx *x, lxw_worksheet *ws, int row, int col, int why, double v,
                enum xlsx_fmt f);

/* The header row of a table with the columns' widths (a column keeps the
 * widest width a header of its sheet gave it) and the row's height. */
void xlsx_header(struct xlsx *x, lxw_worksheet *ws, int row, int col0,
                 const struct xlsx_col *cols, size_t n);

/* How many lines text takes wrapped in a column of width (column units),
 * word by word as the viewers wrap. */
int xlsx_wrap_lines(const char *text, double width, int bold);

/* Long text in a wrapping cell (f: XF_WRAP or a wrapping format) with the
 * row's height set to its lines: viewers do not grow a row by themselves. */
void xlsx_wrapped(struct xlsx *x, lxw_worksheet *ws, int row, int col, const char *s,
                  double width, enum xlsx_fmt f);

/* A finished table: panes frozen below the header, autofilter over it, and
 * the sheet's print layout for a table (xlsx_print_table: the first two
 * columns, code and name, repeat on each page across). */
void xlsx_table(struct xlsx *x, lxw_worksheet *ws, int header_row, int last_row, int ncols);

/* A chart inserted at (row, col), sized in pixels; NULL on failure. */
lxw_chart *xlsx_chart(struct xlsx *x, uint8_t type, const char *title);
void xlsx_insert_chart(struct xlsx *x, lxw_worksheet *ws, int row, int col, lxw_chart *chart,
                       int width, int height);

/* A series of a chart from cells of a sheet; NULL on failure (recorded). */
lxw_chart_series *xlsx_series(struct xlsx *x, lxw_chart *chart, const char *sheet, int cat_row0,
                 int cat_col0, int cat_row1, int cat_col1, int val_row0, int val_col0,
                 int val_row1, int val_col1, const char *name);

/* A three-colour scale (red, yellow, green) over a range. */
void xlsx_heat(struct xlsx *x, lxw_worksheet *ws, int row0, int col0, int row1, int col1);


#endif
