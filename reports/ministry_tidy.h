/*
 * ministry_tidy: the rows of the ministry's export (ministry.h), read from
 * the typed models of its surveys (results_model.h) and the registry facts
 * (report.h): one row per survey x wave x group x indicator, each with its
 * status (ok, suppressed, not_asked, no_data) and numbers or nothing; the
 * codebook's entries (every column, then every indicator of each survey
 * once); and the columns. The export's files
 * (ministry_files.h) and its workbook (ministry.c) write what this builds.
 */
#ifndef EMPIRIE_MINISTRY_TIDY_H
#define EMPIRIE_MINISTRY_TIDY_H

#include "dynbuf.h"
#include "ministry.h"

#include <jansson.h>
#include <stddef.h>

/* ---- the columns of the tidy data and of the codebook ---- */

enum ministry_col_type { MT_STRING, MT_INTEGER, MT_NUMBER };
extern const char *const ministry_type_names[];   /* "string", "integer", "number" */

struct ministry_column {
    const char *name;
    enum ministry_col_type type;
    int required;
    const char *unit;
    const char *pl, *en;
};
#define MINISTRY_NCOLUMNS 15
#define MINISTRY_NTEXT 11 /* the text columns, before n, value, ci_low, ci_high */
extern const struct ministry_column ministry_columns[MINISTRY_NCOLUMNS];

#define MINISTRY_NCB 10
#define MINISTRY_CB_REVERSE 7 /* true for a reverse-coded item's indicators; empty for columns */
extern const char *const ministry_cb_columns[MINISTRY_NCB];

enum ministry_status { ST_OK, ST_SUPPRESSED, ST_NOT_ASKED, ST_NO_DATA };
extern const char *const ministry_status_names[4];
extern const char *const ministry_voivodeships[16];

/* ---- the rows ---- */

/*
 * The rows are plain structs (about 15,000 of them for five waves of a
 * network of 29 cities): the names come from the models and the registry
 * facts (borrowed), the indicator's code and labels are built here and kept
 * in one text buffer. A text that is not valid UTF-8 (a label cut at its
 * buffer's end inside a character) is absent: an empty cell, an empty CSV
 * field, a JSON null.
 */
#define MINISTRY_ABSENT ((size_t)-1)

/* The most the texts of one export may take: a stop for a runaway, far
 * above what the programme's groups and indicators need. */
#define MINISTRY_MAX_TEXT ((size_t)1 << 30)

/* The group a row is of, in the order of the first columns (borrowed; teryt
 * and voiv NULL outside city rows). */
struct tidy_group {
    const char *survey, *wave, *type, *slug, *name, *teryt, *voiv;
};

struct tidy_row {
    struct tidy_group grp;
    size_t indicator, label;                   /* offsets into tidy.text, or ABSENT */
    const char *statistic;                     /* a literal */
    double n, value, lo, hi;                   /* NAN: empty */
    enum ministry_status status;
};

/* An indicator of the codebook: the first row of each survey x indicator. */
struct cb_entry {
    const char *survey, *statistic, *unit;
    size_t code, label_pl, label_en;           /* offsets, or ABSENT */
    char scale[32];
    int reverse;                               /* a reverse-coded item's indicator */
};

struct tidy {
    struct tidy_row *rows;
    size_t nrows, cap;
    struct cb_entry *cb;
    size_t ncb, cbcap;
    json_t *seen;                              /* "survey\x01indicator": the codebook's */
    struct dynbuf text;                        /* the rows' and entries' texts, NUL after each */
    int oom;
};

/* The tidy rows of every group in every wave up to each input's wave
 * (inclusive). -1 when out of memory (t then holds nothing to free). */
int ministry_tidy_build(struct tidy *t, const struct ministry_input *in, size_t n,
                        const struct report_meta *meta);
void ministry_tidy_free(struct tidy *t);

/* The text columns of a row, in the order of the columns (NULL: empty),
 * and its numbers (n, value, ci_low, ci_high; NAN: empty). */
void ministry_row_texts(const struct tidy *t, const struct tidy_row *row,
                        const char *out[MINISTRY_NTEXT]);
void ministry_row_numbers(const struct tidy_row *row, double out[4]);

/* The codebook's rows: every column, then every indicator; the texts of
 * row i (NULL: empty). */
size_t ministry_cb_rows(const struct tidy *t);
void ministry_cb_row(const struct tidy *t, size_t i, const char *out[MINISTRY_NCB]);

#endif
