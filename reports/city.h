/*
 * city: the city workbook. Sheets: summary (key indicators with their change
 * since the previous wave, trend and the city against its network, marked
 * where significant), items, dimensions with Cronbach's alpha, trends with
 * line charts, distributions with stacked bar charts, the comparison with
 * each network the city belongs to, and methodology. Everything comes from
 * the results document (results.h) and the registry facts of report.h.
 */
#ifndef EMPIRIE_CITY_H
#define EMPIRIE_CITY_H

#include "report.h"

#include <jansson.h>
#include <stddef.h>

/* r: the typed model of doc (results_model.h); rby[i] of by[i]; english:
 * the workbook's language (doc's). The
 * writers move from doc to r (issue 12); both describe the same figures. */
struct results;

/*
 * Writes the workbook of one city in one wave to path (through a temporary
 * file beside it, renamed when complete). The document's language is the
 * workbook's. -1 with err when the city has no group in that wave or the
 * file cannot be written; then path is untouched.
 */
int report_city_write(json_t *doc, const struct results *r, int english,
                      const struct report_meta *meta,
                      const char *wave, const char *city, const char *path, char *err, size_t errlen);

/*
 * The same with a breakdown sheet ("Podział"): by[i] is the results
 * document split by one attribute (results_load with by_attr), nby of them;
 * each gives a heat map of every scored item's mean in each part of the
 * city (department, tenure, ...) minus the city's mean, hidden parts as
 * dashes. nby 0: no breakdown sheet.
 */
int report_city_write_by(json_t *doc, const struct results *r, json_t *const *by,
                         const struct results *const *rby, size_t nby, int english,
                         const struct report_meta *meta, const char *wave, const char *city,
                         const char *path, char *err, size_t errlen);

#endif
