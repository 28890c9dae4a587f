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

/* The dash with the note for the reason a figure gives (its "reason":
 * below_threshold or protects_another_group; NULL: the general note). */
void xlsx_hidden_why(struct xlsx *x, lxw_worksheet *ws, int row, int col, const char *reason);
/* The reason a hidden figure gives ("reason"), or NULL (also for NULL). */
const char *xlsx_reason(const json_t *obj);

/*
 * The figure obj[key] (key may be a dotted path, "favourable.share"): a
 * number when there is one; the dash with its note when obj is NULL, or obj
 * or a part of the path says "suppressed": true; nothing when the figure is
 * null (cannot be computed).
 */
void xlsx_figure(struct xlsx *x, lxw_worksheet *ws, int row, int col, const json_t *obj,
                 const char *key, enum xlsx_fmt f);

/* The element of arr whose integer key equals value, or NULL. */
const json_t *xlsx_find_int(const json_t *arr, const char *key, long long value);

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

/* True when the p-value at path is below 0.05 (the reports' "significant"). */
int xlsx_significant(const json_t *obj, const char *path);

#endif
