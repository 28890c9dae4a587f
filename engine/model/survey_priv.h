/*
 * survey_priv: what the two halves of the survey parser share (survey.c:
 * the document, attributes, dimensions, strata; survey_item.c: one item and
 * its fields). Not for other modules: they use survey.h.
 */
#ifndef EMPIRIE_SURVEY_PRIV_H
#define EMPIRIE_SURVEY_PRIV_H

#include "survey.h"

#define SURVEY_MAX_ITEMS 1000
#define SURVEY_MAX_ATTRS 100
#define SURVEY_MAX_OPTIONS 200
#define SURVEY_MAX_MULTI 15    /* bits 0..14 of a smallint */
#define SURVEY_MAX_MISSING 5
#define SURVEY_MAX_TEXT 4000
#define SURVEY_CODE_MAX 40

/* The public struct first, so a struct survey * is also one of these. */
struct survey_owned {
    struct survey s;
    json_t *doc;
    struct survey_item *items;
    struct survey_attr *attrs;
    struct survey_dimension *dims;
    const char **bench;
    size_t nscales;
};

/* A code field (survey_is_code), required. */
int survey_get_code(const json_t *obj, const char *key, const char **out, const char *where,
                    char *err, size_t n);

/* A label object {"pl": "...", "en": "..."}; "pl" is required. */
int survey_get_label(const json_t *obj, const char *key, int required, const char **pl,
                     const char **en, const char *where, char *err, size_t n);

/* Options [{"code": 1, "label": {...}}]: codes unique within [lo, hi]. */
int survey_parse_options(const json_t *arr, int lo, int hi, struct survey_option **out,
                         size_t *nout, const char *where, char *err, size_t n);

/* Entry i of the document's list ("items", "attributes", "dimensions"):
 * where becomes "FILE: list[i]" and, when the entry has a string "code",
 * "FILE: list[i] \"code\"", for its errors; -1 with err set when the
 * entry is not an object. */
int survey_entry(char *where, size_t size, const char *file, const char *list, size_t i,
                 const json_t *obj, char *err, size_t n);

/* items[i] of the document (merged over its entry of scales) into so->items[i]. */
int survey_parse_item(const json_t *item, const json_t *scales, struct survey_owned *so,
                      size_t i, const char *file, char *err, size_t n);

#endif
