/*
 * ministry: the programme-wide export for the ministry. One workbook with a
 * tidy sheet (one row per survey x wave x group x indicator, with stable
 * ASCII snake_case column names: survey, wave, group_type, group_slug,
 * group_name, teryt, voivodeship, indicator, indicator_label, statistic,
 * status, n, value, ci_low, ci_high), a codebook sheet defining every
 * column and indicator, a sheet per network (and survey) with every wave,
 * and a methodology sheet; the same tidy rows as CSV (RFC 4180, and on
 * request the dialect of a Polish Excel) and JSON files beside it, with a
 * codebook CSV and a Frictionless Data Package descriptor of the CSV.
 *
 * The tidy data holds numbers or nothing: a figure hidden by the anonymity
 * rules is empty with status "suppressed", never its value and never a
 * dash; an item the wave's instrument version did not have is "not_asked";
 * a figure that could not be computed (no answers) is "no_data".
 * Columns, statuses and indicator codes: docs/reports.md.
 */
#ifndef EMPIRIE_MINISTRY_H
#define EMPIRIE_MINISTRY_H

#include "catalog.h"
#include "report.h"

#include <stddef.h>

/* One survey of the export: its typed model (results_model.h) in the
 * export's language and the wave up to which (inclusive) its waves are
 * exported. cat, when not NULL, holds the survey's instrument versions: it
 * tells which items each wave asked (without it every item counts as asked)
 * and gives the indicators' labels in both languages for the codebook. */
struct results;
struct ministry_input {
    const struct results *r;
    int english;                 /* the language of the export */
    const char *wave;
    const struct catalog *cat;
};

/* The files to write; NULL skips one. Each is written through a temporary
 * file and renamed when complete. The data package descriptor names the CSV
 * and the codebook by their file names, so it belongs beside them. */
struct ministry_files {
    const char *xlsx, *csv, *json, *codebook, *datapackage;
    const char *csv_excel_pl;    /* UTF-8 with BOM, ';', decimal comma, CRLF */
};

/* The names of the export's files: DIR/WAVE/ministerstwo-SURVEY.xlsx, .csv,
 * .json, -codebook.csv, .datapackage.json and -excel-pl.csv (ministry- in
 * English); for the programme-wide export (survey NULL) ministerstwo.xlsx
 * and so on, and the descriptor DIR/WAVE/datapackage.json. -1 when a name
 * does not fit. */
struct ministry_paths {
    char xlsx[4096], csv[4096], json[4096], codebook[4096], datapackage[4096],
        csv_excel_pl[4096];
};
int report_ministry_paths(struct ministry_paths *p, const char *dir, const char *wave,
                          const char *survey, int english);

/* Writes the export of n surveys (their rows one after another, in the
 * given order) to the files asked for. meta's data_date should be the
 * latest of the surveys'. */
int report_ministry_export(const struct ministry_input *in, size_t n,
                           const struct report_meta *meta, const struct ministry_files *f,
                           char *err, size_t errlen);

/*
 * The export of one survey up to wave, without the catalog: the workbook to
 * xlsx_path and the same rows to csv_path and json_path (any may be NULL).
 */
int report_ministry_write(const struct results *r, int english,
                          const struct report_meta *meta, const char *wave,
                          const char *xlsx_path, const char *csv_path, const char *json_path,
                          char *err, size_t errlen);

/* The index of wave (a label) among the model's waves, or -1 when it has
 * none such; NULL: the default wave (results_default_wave: the latest that
 * has opened; -1 when none has). */
long report_ministry_wave(const struct results *r, const char *wave);

#endif
