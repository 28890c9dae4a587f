/*
 * docread: reading the results document (JSON, results.h) in a workbook,
 * for ministry.c until it reads the typed model (issue 12); removed then,
 * with the #include at the end of xlsx.h. The city and network workbooks
 * read the model (results_model.h, rmodel.h) and never these.
 */
#ifndef EMPIRIE_DOCREAD_H
#define EMPIRIE_DOCREAD_H

#include "xlsx.h"

#include <jansson.h>
#include <stddef.h>

/* ---- figures ---- */

/*
 * The figure obj[key] (key may be a dotted path, "favourable.share"): a
 * number when there is one; the dash with its note when obj is NULL, or obj
 * or a part of the path says "suppressed": true; nothing when the figure is
 * null (cannot be computed).
 */
void xlsx_figure(struct xlsx *x, lxw_worksheet *ws, int row, int col, const json_t *obj,
                 const char *key, enum xlsx_fmt f);

/* obj at a dotted path ("change.p_adj"), or NULL. */
const json_t *xlsx_get(const json_t *obj, const char *path);

/* The number at a path, or NAN. */
double xlsx_num(const json_t *obj, const char *path);

/* The string at a path, or dflt. */
const char *xlsx_str(const json_t *obj, const char *path, const char *dflt);

/* True when obj is NULL or says "suppressed": true. */
int xlsx_is_hidden(const json_t *obj);

/* The element of an array whose "code" (or key) equals code, or NULL. */
const json_t *xlsx_find(const json_t *arr, const char *key, const char *code);

/* ---- sheets (sheets.h) ---- */

struct report_meta;

/* The methodology sheet (sheets_methodology_facts) of a document's group:
 * cities (an array of slugs, NULL for every city) whose void responses in
 * the wave it counts; group (NULL: every city) whose weighting it tells. */
void sheets_methodology(struct xlsx *x, const json_t *doc, const struct report_meta *meta,
                        const json_t *cities, const char *wave, enum xlsx_label what,
                        const char *subject, const json_t *group);

/* True for items with a mean (likert, scale, number). */
int sheets_scored(const json_t *item);

/* The eNPS item's code, or NULL. */
const char *sheets_enps_item(const json_t *doc);

/* ---- waves (report.h) ---- */

/* The wave of the document with label wave (NULL: the latest), or NULL
 * when the document has no such wave. Borrowed from doc. */
const char *report_wave(const json_t *doc, const char *wave);

/* The index of a wave in doc's "waves", or -1. */
long report_wave_index(const json_t *doc, const char *wave);

#endif
