/*
 * xlsx_print: how a workbook's sheets print, so that every printed page
 * shows whole charts and text large enough to read. It keeps, per sheet,
 * the column widths and row heights the xlsx helpers set (xlsx_header,
 * xlsx_wrapped), and from them decides the paper, the scale and the page
 * breaks; the breaks are written by xlsx_close.
 *
 * Two kinds of sheet:
 * - a table (xlsx_print_table, called by xlsx_table): landscape A4 fitted
 *   to one page wide while that keeps the text at 70% or more, else A3 one
 *   page wide down to 62%, else A3 as many pages wide as keep it near 85%
 *   with the label columns repeated on each; a long table repeats its
 *   header row on every page;
 * - a sheet with charts (xlsx_place_chart for each chart, then
 *   xlsx_print_charts): a fixed scale that fits the sheet one page wide, since "fit to
 *   pages" would override page breaks, and a page break before every chart
 *   that would not fit whole on the page it starts on.
 *
 * Sizes follow libxlsxwriter's defaults: rows of 15 points, a column of
 * width w (characters) 7w + 5 pixels, 0.7" side and 0.75" top and bottom
 * margins, charts sized in pixels at 96 per inch.
 */
#ifndef EMPIRIE_XLSX_PRINT_H
#define EMPIRIE_XLSX_PRINT_H

#include <xlsxwriter.h>

struct xlsx;

/* Records a column's width and a row's height that a helper set. */
void xlsx_print_col(struct xlsx *x, lxw_worksheet *ws, int col, double width);
void xlsx_print_row(struct xlsx *x, lxw_worksheet *ws, int row, double height);

/* The width (characters) a helper gave column col of ws, 0 when none. */
double xlsx_print_colw(struct xlsx *x, lxw_worksheet *ws, int col);

/* The height (points) a helper gave row of ws, 0 when none. */
double xlsx_print_rowh(struct xlsx *x, lxw_worksheet *ws, int row);

/* The width in points of the first ncols columns of ws. */
double xlsx_print_width(struct xlsx *x, lxw_worksheet *ws, int ncols);

/* A table of ncols columns whose header is header_row and last row
 * last_row; label_cols columns (code, name) repeat on every page across. */
void xlsx_print_table(struct xlsx *x, lxw_worksheet *ws, int ncols, int header_row,
                      int last_row, int label_cols);

/* A page break above row (0 and breaks above an earlier one are ignored). */
void xlsx_page_break(struct xlsx *x, lxw_worksheet *ws, int row);

/* Inserts chart at (row, col), width x height pixels, and records it for
 * xlsx_print_charts. Returns the first row below the chart. */
int xlsx_place_chart(struct xlsx *x, lxw_worksheet *ws, int row, int col, lxw_chart *chart,
                     int width, int height);

/* Keeps rows row..last (a table's header and first rows) on one page, on a
 * sheet of xlsx_print_charts: a page starts above row when they would not
 * fit where they fall. Calls come top to bottom, with xlsx_place_chart's. */
void xlsx_print_keep(struct xlsx *x, lxw_worksheet *ws, int row, int last);

/* The print layout of a sheet with charts, once they are placed: ncols
 * columns of tables beside the charts; the paper and a fixed scale that
 * fit the widest of them one page wide and the tallest chart on a page,
 * and a page break above every chart that would not fit whole on the page
 * where it falls. */
void xlsx_print_charts(struct xlsx *x, lxw_worksheet *ws, int ncols);

/* Writes the page breaks of every sheet and frees the records (xlsx_close). */
void xlsx_print_finish(struct xlsx *x);

#endif
