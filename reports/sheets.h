/*
 * sheets: the sheets that city and network workbooks share: the title
 * lines, the trend over every wave of one group with its line charts, and
 * the methodology (definitions, threshold, the data's date, what
 * "significant" means). The group is named as in the results document:
 * type "city", "network" or "all" and a slug.
 */
#ifndef EMPIRIE_SHEETS_H
#define EMPIRIE_SHEETS_H

#include "report.h"
#include "xlsx.h"

#include <jansson.h>

/* The first rows of a sheet: a title (row 0) and a subtitle (row 1). */
void sheets_title(struct xlsx *x, lxw_worksheet *ws, const char *title, const char *subtitle);

/*
 * A sheet called name (L_TRENDS, L_NETWORK_TREND) with the group's dimension means and eNPS in every wave up to wave index wi,
 * a chart-data copy of the table without hidden values, line charts of the
 * dimensions and of eNPS, and the trend of each dimension (slope, adjusted
 * p, label) as of wave wi.
 */
void sheets_trends(struct xlsx *x, enum xlsx_label name, json_t *doc, const char *type,
                   const char *slug, long wi, const char *subtitle);

/* The methodology sheet. subject is the group's name (NULL: none), what
 * says what it is (L_CITY, L_NETWORK); cities (an array of slugs, NULL for
 * every city) are the cities whose void responses in the wave it counts;
 * group (NULL: every city) chooses the cities whose weighting is described
 * for a weighted survey. */
void sheets_methodology(struct xlsx *x, const json_t *doc, const struct report_meta *meta,
                        const json_t *cities, const char *wave, enum xlsx_label what,
                        const char *subject, const json_t *group);

/* The label of an item (its text) or a dimension, from the instrument. */
const char *sheets_item_text(const json_t *doc, const char *code);
const char *sheets_dim_label(const json_t *doc, const char *code);

/* An item's text for a sheet: with its note appended when it has one (a
 * reverse-coded item: "(pytanie odwrócone: wyższy wynik = lepiej)"); buf
 * holds it then. */
const char *sheets_item_label(const json_t *item, char *buf, size_t n);

/* True when the measure is an item the wave's instrument did not ask: it
 * gets no row, bar or heat-map row in that wave. */
int sheets_not_asked(const json_t *m);

/* True for items with a mean (likert, scale, number). */
int sheets_scored(const json_t *item);

/* The eNPS item's code, or NULL. */
const char *sheets_enps_item(const json_t *doc);

/* The trend's direction in the workbook's language; "" when there is no
 * trend. */
const char *sheets_trend_label(const struct xlsx *x, const json_t *measure);

/* "istotny wzrost" / "istotny spadek" / "brak istotnej zmiany" (vocab.h) for a change at path
 * (e.g. "change"), or NULL when there is no change. */
const char *sheets_change_label(const struct xlsx *x, const json_t *measure, const char *path);

#endif
