/*
 * city: the city workbook. Sheets: summary (key indicators with their change
 * since the previous wave, trend and the city against its network, marked
 * where significant), items, dimensions with Cronbach's alpha, trends with
 * line charts, distributions with stacked bar charts, the comparison with
 * each network the city belongs to, what drives eNPS, the breakdown by
 * attribute, and methodology. Everything comes from the typed results model
 * (results_model.h) and the registry facts of report.h; the sheets are
 * written by city.c, city_items.c and city_cmp.c (city_sheets.h).
 */
#ifndef EMPIRIE_CITY_H
#define EMPIRIE_CITY_H

#include "report.h"

#include <stddef.h>

struct results;

/*
 * Writes the workbook of one city of r (results_model.h) in one wave to
 * path (through a temporary file beside it, renamed when complete), its
 * words in English or Polish. -1 with err when the city has no group in
 * that wave or the file cannot be written; then path is untouched.
 *
 * With a breakdown sheet ("Podział") when nby > 0: rby[i] is r's survey
 * split by one attribute (results_src_load with by_attr); each gives a heat
 * map of every scored item's mean in each part of the city (department,
 * tenure, ...) minus the city's mean, hidden parts as dashes.
 */
int report_city_write(const struct results *r, const struct results *const *rby, size_t nby,
                      int english, const struct report_meta *meta, const char *wave,
                      const char *city, const char *path, char *err, size_t errlen);

#endif
