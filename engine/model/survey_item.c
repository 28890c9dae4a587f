/*
 * survey_item: parsing and validating one item of an instrument (type,
 * range, options, missing codes, reverse coding, dimension) on the merge of
 * the item over its shared scale; errors name the item. Declared in
 * survey_priv.h.
 */
#include "survey_priv.h"

#include "err.h"
#include "jsonv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int survey_get_code(const json_t *obj, const char *key, const char **out, const char *where,
                    char *err, size_t n)
{
    char got[96];

    if (jsonv_string(obj, key, 1, out, where, err, n) != 0)
        return -1;
    if (!survey_is_code(*out))
        return err_set(err, n,
                       "%s: field \"%s\": expected a code (a lowercase ASCII letter, then "
                       "letters, digits or _, at most %d characters), got %s",
                       where, key, SURVEY_CODE_MAX,
                       jsonv_describe(json_object_get(obj, key), got, sizeof got));
    return 0;
}

/* A label object {"pl": "...", "en": "..."}; "pl" is required. */
int survey_get_label(const json_t *obj, const char *key, int required, const char **pl,
                     const char **en, const char *where, char *err, size_t n)
{
    static const char *const keys[] = { "pl", "en", NULL };
    const json_t *v = json_object_get(obj, key);
    char sub[600];
    char got[96];

    *pl = NULL;
    *en = NULL;
    if (v == NULL && !required)
        return 0;
    if (!json_is_object(v)) {
        if (v == NULL)
            return err_set(err, n, "%s: field \"%s\": expected an object {\"pl\": ..., "
                           "\"en\": ...}, but it is missing", where, key);
        return err_set(err, n, "%s: field \"%s\": expected an object {\"pl\": ..., \"en\": ...}, "
                       "got %s", where, key, jsonv_describe(v, got, sizeof got));
    }
    snprintf(sub, sizeof sub, "%s: field \"%s\"", where, key);
    if (jsonv_only_keys(v, keys, sub, err, n) != 0 ||
        jsonv_string(v, "pl", 1, pl, sub, err, n) != 0 ||
        jsonv_string(v, "en", 0, en, sub, err, n) != 0)
        return -1;
    return 0;
}

/* Options [{"code": 1, "label": {...}}]: codes unique within [lo, hi]. */
int survey_parse_options(const json_t *arr, int lo, int hi, struct survey_option **out,
                         size_t *nout, const char *where, char *err, size_t n)
{
    static const char *const keys[] = { "code", "label", NULL };
    struct survey_option *opts;
    size_t i;
    json_t *o;

    *out = NULL;
    *nout = 0;
    if (json_array_size(arr) == 0 || json_array_size(arr) > SURVEY_MAX_OPTIONS)
        return err_set(err, n, "%s: field \"options\": expected 1 to %d options, got %zu",
                       where, SURVEY_MAX_OPTIONS, json_array_size(arr));
    opts = calloc(json_array_size(arr), sizeof *opts);
    if (opts == NULL)
        return err_set(err, n, "out of memory");
    json_array_foreach(arr, i, o) {
        char sub[600];
        long long code;

        snprintf(sub, sizeof sub, "%s: options[%zu]", where, i);
        if (!json_is_object(o)) {
            err_set(err, n, "%s: expected an object {\"code\": ..., \"label\": ...}", sub);
            goto fail;
        }
        if (jsonv_only_keys(o, keys, sub, err, n) != 0 ||
            jsonv_int(o, "code", 1, lo, hi, 0, &code, sub, err, n) != 0 ||
            survey_get_label(o, "label", 1, &opts[i].label_pl, &opts[i].label_en, sub, err, n) != 0)
            goto fail;
        opts[i].code = (int)code;
        for (size_t j = 0; j < i; j++)
            if (opts[j].code == opts[i].code) {
                err_set(err, n, "%s: field \"code\": %d is used twice", sub, opts[i].code);
                goto fail;
            }
    }
    *out = opts;
    *nout = json_array_size(arr);
    return 0;
fail:
    free(opts);
    return -1;
}

int survey_entry(char *where, size_t size, const char *file, const char *list, size_t i,
                 const json_t *obj, char *err, size_t n)
{
    snprintf(where, size, "%s: %s[%zu]", file, list, i);
    if (!json_is_object(obj))
        return err_set(err, n, "%s: expected an object", where);
    if (json_is_string(json_object_get(obj, "code")))
        snprintf(where, size, "%s: %s[%zu] \"%s\"", file, list, i,
                 json_string_value(json_object_get(obj, "code")));
    return 0;
}

static int find_type(const char *name)
{
    for (int t = SURVEY_LIKERT; t <= SURVEY_TEXT; t++)
        if (strcmp(name, survey_type_name((enum survey_item_type)t)) == 0)
            return t;
    return -1;
}

/* The item merged over its scale: the item's own fields win. */
static json_t *merged_item(const json_t *item, const json_t *scales, const char *where,
                           char *err, size_t n)
{
    const json_t *sv = json_object_get(item, "scale");
    json_t *merged = json_object();
    char got[96];

    if (merged == NULL) {
        err_set(err, n, "out of memory");
        return NULL;
    }
    if (sv != NULL) {
        const json_t *scale = json_is_string(sv) ? json_object_get(scales, json_string_value(sv))
                                                 : NULL;

        if (scale == NULL) {
            err_set(err, n, "%s: field \"scale\": expected the name of an entry of \"scales\", "
                    "got %s", where, jsonv_describe(sv, got, sizeof got));
            json_decref(merged);
            return NULL;
        }
        json_object_update(merged, (json_t *)scale);
    }
    json_object_update(merged, (json_t *)item);
    return merged;
}

static int missing_conflicts(const struct survey_item *it, int code)
{
    if (survey_item_scored(it) && code >= it->min && code <= it->max)
        return 1;
    for (size_t k = 0; it->type == SURVEY_SINGLE && k < it->noptions; k++)
        if (it->options[k].code == code)
            return 1;
    return 0;
}

/* "missing": [9] or [{"code": 9, "label": {...}}]: codes outside the answers. */
static int parse_missing(const json_t *arr, struct survey_item *it, const char *where,
                         char *err, size_t n)
{
    static const char *const keys[] = { "code", "label", NULL };
    int *codes;
    size_t i;
    json_t *m;

    if (!json_is_array(arr) || json_array_size(arr) > SURVEY_MAX_MISSING)
        return err_set(err, n, "%s: field \"missing\": expected an array of at most %d codes",
                       where, SURVEY_MAX_MISSING);
    if (it->type == SURVEY_MULTI || it->type == SURVEY_TEXT)
        return json_array_size(arr) == 0 ? 0 :
            err_set(err, n, "%s: field \"missing\": not allowed for a %s item (null or an "
                    "absent answer means no answer)", where, survey_type_name(it->type));
    codes = calloc(json_array_size(arr) + 1, sizeof *codes);
    if (codes == NULL)
        return err_set(err, n, "out of memory");
    it->missing = codes;
    json_array_foreach(arr, i, m) {
        char sub[600];
        const json_t *cv = m;
        const char *pl, *en;

        snprintf(sub, sizeof sub, "%s: missing[%zu]", where, i);
        if (json_is_object(m)) {
            if (jsonv_only_keys(m, keys, sub, err, n) != 0 ||
                survey_get_label(m, "label", 0, &pl, &en, sub, err, n) != 0)
                return -1;
            cv = json_object_get(m, "code");
        }
        if (!json_is_integer(cv) || json_integer_value(cv) < -32767 ||
            json_integer_value(cv) > 32767)
            return err_set(err, n, "%s: expected an integer code from -32767 to 32767 (or "
                           "{\"code\": ..., \"label\": ...})", sub);
        codes[i] = (int)json_integer_value(cv);
        if (missing_conflicts(it, codes[i]))
            return err_set(err, n, "%s: code %d is also a valid answer", sub, codes[i]);
        for (size_t j = 0; j < i; j++)
            if (codes[j] == codes[i])
                return err_set(err, n, "%s: code %d is listed twice", sub, codes[i]);
    }
    it->nmissing = json_array_size(arr);
    return 0;
}

/* min/max for the ranged types, with the limits of each. */
static int parse_range(const json_t *obj, struct survey_item *it, const char *where,
                       char *err, size_t n)
{
    long long lo, hi;

    if (it->type == SURVEY_LIKERT) {
        if (jsonv_int(obj, "min", 1, 0, 1, 0, &lo, where, err, n) != 0 ||
            jsonv_int(obj, "max", 1, lo + 2, lo + 10, 0, &hi, where, err, n) != 0)
            return -1;
    } else if (it->type == SURVEY_SCALE) {
        if (jsonv_int(obj, "min", 1, 0, 99, 0, &lo, where, err, n) != 0 ||
            jsonv_int(obj, "max", 1, lo + 1, 100, 0, &hi, where, err, n) != 0)
            return -1;
    } else {
        if (jsonv_int(obj, "min", 1, -32767, 32766, 0, &lo, where, err, n) != 0 ||
            jsonv_int(obj, "max", 1, lo + 1, 32767, 0, &hi, where, err, n) != 0)
            return -1;
    }
    it->min = (int)lo;
    it->max = (int)hi;
    return 0;
}

static int forbid(const json_t *obj, const char *key, const struct survey_item *it,
                  const char *where, char *err, size_t n)
{
    if (json_object_get(obj, key) != NULL)
        return err_set(err, n, "%s: field \"%s\": not allowed for a %s item", where, key,
                       survey_type_name(it->type));
    return 0;
}

/* The fields that depend on the type: range, options, text length. */
static int parse_typed(const json_t *obj, struct survey_item *it, const char *where,
                       char *err, size_t n)
{
    const json_t *opts = json_object_get(obj, "options");
    struct survey_option *o = NULL;
    long long v;

    switch (it->type) {
    case SURVEY_LIKERT:
    case SURVEY_SCALE:
    case SURVEY_NUMBER:
        if (parse_range(obj, it, where, err, n) != 0)
            return -1;
        if (it->type == SURVEY_NUMBER && forbid(obj, "options", it, where, err, n) != 0)
            return -1;
        if (opts != NULL &&
            (!json_is_array(opts) ||
             survey_parse_options(opts, it->min, it->max, &o, &it->noptions, where, err, n) != 0))
            return json_is_array(opts) ? -1 :
                err_set(err, n, "%s: field \"options\": expected an array", where);
        break;
    case SURVEY_SINGLE:
    case SURVEY_MULTI:
        if (forbid(obj, "min", it, where, err, n) != 0 ||
            forbid(obj, "max", it, where, err, n) != 0)
            return -1;
        if (!json_is_array(opts))
            return err_set(err, n, "%s: field \"options\": expected an array of options",
                           where);
        if (it->type == SURVEY_MULTI && json_array_size(opts) > SURVEY_MAX_MULTI)
            return err_set(err, n, "%s: field \"options\": a multi item has at most %d options",
                           where, SURVEY_MAX_MULTI);
        if (survey_parse_options(opts, it->type == SURVEY_MULTI ? 0 : -32767,
                          it->type == SURVEY_MULTI ? SURVEY_MAX_MULTI - 1 : 32767, &o,
                          &it->noptions, where, err, n) != 0)
            return -1;
        break;
    case SURVEY_TEXT:
        if (forbid(obj, "min", it, where, err, n) != 0 ||
            forbid(obj, "max", it, where, err, n) != 0 ||
            forbid(obj, "options", it, where, err, n) != 0 ||
            jsonv_int(obj, "max_length", 0, 1, SURVEY_MAX_TEXT, 500, &v, where, err, n) != 0)
            return -1;
        it->max_length = (int)v;
        break;
    }
    it->options = o;
    if (it->type != SURVEY_TEXT && forbid(obj, "max_length", it, where, err, n) != 0)
        return -1;
    return 0;
}

static int find_dimension(const struct survey_owned *so, const char *code)
{
    for (size_t d = 0; d < so->s.ndimensions; d++)
        if (strcmp(so->dims[d].code, code) == 0)
            return (int)d;
    return -1;
}

static int parse_item_flags(const json_t *obj, struct survey_owned *so, struct survey_item *it,
                            const char *where, char *err, size_t n)
{
    const json_t *dim = json_object_get(obj, "dimension");
    const json_t *miss = json_object_get(obj, "missing");
    long long changed;
    char got[96];

    if (jsonv_bool(obj, "reverse", 0, &it->reverse, where, err, n) != 0)
        return -1;
    if (it->reverse && it->type != SURVEY_LIKERT && it->type != SURVEY_SCALE)
        return err_set(err, n, "%s: field \"reverse\": only a likert or scale item can be "
                       "reverse-coded", where);
    if (miss != NULL && parse_missing(miss, it, where, err, n) != 0)
        return -1;
    if (jsonv_int(obj, "wording_changed_in", 0, 2, so->s.version, 0, &changed, where, err,
                  n) != 0)
        return -1;
    it->wording_changed = (int)changed;
    it->dimension = -1;
    if (dim == NULL)
        return 0;
    if (!json_is_string(dim) || find_dimension(so, json_string_value(dim)) < 0)
        return err_set(err, n, "%s: field \"dimension\": expected the code of an entry of "
                       "\"dimensions\", got %s", where, jsonv_describe(dim, got, sizeof got));
    if (it->type != SURVEY_LIKERT && it->type != SURVEY_SCALE)
        return err_set(err, n, "%s: field \"dimension\": only likert and scale items form "
                       "dimensions", where);
    it->dimension = find_dimension(so, json_string_value(dim));
    return 0;
}

int survey_parse_item(const json_t *item, const json_t *scales, struct survey_owned *so,
                      size_t i, const char *file, char *err, size_t n)
{
    static const char *const keys[] = { "code", "type", "scale", "text", "min", "max",
                                        "options", "missing", "reverse", "dimension",
                                        "max_length", "wording_changed_in", NULL };
    struct survey_item *it = &so->items[i];
    char where[600];
    const char *type;
    json_t *obj = NULL;

    if (survey_entry(where, sizeof where, file, "items", i, item, err, n) != 0)
        return -1;
    if (jsonv_only_keys(item, keys, where, err, n) != 0 ||
        survey_get_code(item, "code", &it->code, where, err, n) != 0)
        return -1;
    obj = merged_item(item, scales, where, err, n);
    if (obj == NULL)
        return -1;
    if (jsonv_string(obj, "type", 1, &type, where, err, n) != 0)
        goto fail;
    if (find_type(type) < 0) {
        err_set(err, n, "%s: field \"type\": expected likert, scale, single, multi, number or "
                "text, got \"%s\"", where, type);
        goto fail;
    }
    it->type = (enum survey_item_type)find_type(type);
    if (survey_get_label(item, "text", 1, &it->text_pl, &it->text_en, where, err, n) != 0 ||
        parse_typed(obj, it, where, err, n) != 0 ||
        parse_item_flags(obj, so, it, where, err, n) != 0)
        goto fail;
    json_decref(obj);
    return 0;
fail:
    json_decref(obj);
    return -1;
}
