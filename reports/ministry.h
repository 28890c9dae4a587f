/*
 * ministry: the programme-wide export for the ministry. One workbook with a
 * tidy sheet (one row per survey x wave x group x indicator, with stable
 * ASCII snake_case column names: survey, wave, group_type, group_slug,
 * group_name, indicator, indicator_label, statistic, n, value, ci_low,
 * ci_high, suppressed), a codebook sheet defining every column and
 * indicator, and a summary sheet per network; the same tidy rows as CSV and
 * JSON files beside it. Hidden figures are empty (null) with suppressed
 * true, never their value. Columns and indicator codes: docs/reports.md.
 */
#ifndef EMPIRIE_MINISTRY_H
#define EMPIRIE_MINISTRY_H

#include "report.h"

#include <jansson.h>
#include <stddef.h>

/*
 * Writes the export of one survey up to wave: the workbook to xlsx_path and
 * the same rows to csv_path and json_path (each written through a temporary
 * file and renamed when complete; any path may be NULL to skip it).
 */
int report_ministry_write(json_t *doc, const struct report_meta *meta, const char *wave,
                          const char *xlsx_path, const char *csv_path, const char *json_path,
                          char *err, size_t errlen);

#endif
