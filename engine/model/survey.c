/*
 * survey: parsing and validating an instrument (format: docs/survey-format.md).
 *
 * The parsed survey points into the JSON document, which it keeps a
 * reference to, so labels are not copied. An item may name a shared "scale"
 * (type, range, option labels, missing codes); the item's own fields win, so
 * each item is validated on the merge of the two, and errors name the item
 * (survey_item.c). This file: the document, attributes, dimensions, strata,
 * the accessors and the successor check.
 */
#include "survey_priv.h"

#include "err.h"
#include "jsonv.h"
#include "mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[] = { "likert", "scale", "single", "multi", "number",
                                          "text" };

int survey_is_code(const char *s)
{
    size_t len = strlen(s);

    if (len == 0 || len > SURVEY_CODE_MAX || s[0] < 'a' || s[0] > 'z')
        return 0;
    for (size_t i = 1; i < len; i++) {
        char c = s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return 1;
}

static int parse_scales(const json_t *scales, const char *file, char *err, size_t n)
{
    static const char *const keys[] = { "type", "min", "max", "options", "missing", NULL };
    const char *name;
    json_t *sc;

    if (scales == NULL)
        return 0;
    if (!json_is_object(scales))
        return err_set(err, n, "%s: field \"scales\": expected an object of named scales", file);
    json_object_foreach((json_t *)scales, name, sc) {
        char where[600];

        snprintf(where, sizeof where, "%s: scales \"%s\"", file, name);
        if (name[0] == '_')
            continue;
        if (!json_is_object(sc))
            return err_set(err, n, "%s: expected an object", where);
        if (jsonv_only_keys(sc, keys, where, err, n) != 0)
            return -1;
    }
    return 0;
}

static int parse_attr(const json_t *a, struct survey_attr *at, size_t i, const char *file,
                      char *err, size_t n)
{
    static const char *const keys[] = { "code", "label", "required", "options", NULL };
    struct survey_option *opts = NULL;
    char where[600];

    if (survey_entry(where, sizeof where, file, "attributes", i, a, err, n) != 0)
        return -1;
    if (jsonv_only_keys(a, keys, where, err, n) != 0 ||
        survey_get_code(a, "code", &at->code, where, err, n) != 0 ||
        survey_get_label(a, "label", 1, &at->label_pl, &at->label_en, where, err, n) != 0 ||
        jsonv_bool(a, "required", 0, &at->required, where, err, n) != 0)
        return -1;
    if (!json_is_array(json_object_get(a, "options")))
        return err_set(err, n, "%s: field \"options\": expected an array of options", where);
    if (survey_parse_options(json_object_get(a, "options"), 0, 32767, &opts, &at->noptions, where,
                      err, n) != 0)
        return -1;
    at->options = opts;
    return 0;
}

static int parse_dimension(const json_t *d, struct survey_dimension *dim, size_t i,
                           const char *file, char *err, size_t n)
{
    static const char *const keys[] = { "code", "label", "min_items", NULL };
    char where[600];

    if (survey_entry(where, sizeof where, file, "dimensions", i, d, err, n) != 0)
        return -1;
    if (jsonv_only_keys(d, keys, where, err, n) != 0 ||
        survey_get_code(d, "code", &dim->code, where, err, n) != 0 ||
        survey_get_label(d, "label", 1, &dim->label_pl, &dim->label_en, where, err, n) != 0)
        return -1;
    return 0;
}

/* Fills each dimension's item list and checks min_items and ranges. */
static int link_dimensions(const json_t *dims, struct survey_owned *so, const char *file,
                           char *err, size_t n)
{
    for (size_t d = 0; d < so->s.ndimensions; d++) {
        struct survey_dimension *dim = &so->dims[d];
        size_t *idx = calloc(so->s.nitems, sizeof *idx);
        const struct survey_item *first = NULL;
        char where[600];
        long long min_items;

        if (idx == NULL)
            return err_set(err, n, "out of memory");
        dim->items = idx;
        snprintf(where, sizeof where, "%s: dimensions[%zu] \"%s\"", file, d, dim->code);
        for (size_t i = 0; i < so->s.nitems; i++) {
            if (so->items[i].dimension != (int)d)
                continue;
            if (first != NULL && (so->items[i].min != first->min ||
                                  so->items[i].max != first->max))
                return err_set(err, n, "%s: item \"%s\" has the range %d-%d, item \"%s\" "
                               "%d-%d: the items of a dimension share one range", where,
                               so->items[i].code, so->items[i].min, so->items[i].max,
                               first->code, first->min, first->max);
            first = first != NULL ? first : &so->items[i];
            idx[dim->nitems++] = i;
        }
        if (dim->nitems == 0)
            return err_set(err, n, "%s: no item belongs to it", where);
        if (jsonv_int(json_array_get(dims, d), "min_items", 0, 1, (long long)dim->nitems,
                      (long long)(dim->nitems + 1) / 2, &min_items, where, err, n) != 0)
            return -1;
        dim->min_items = (size_t)min_items;
    }
    return 0;
}

static int check_unique_codes(const struct survey_owned *so, const char *file, char *err,
                              size_t n)
{
    for (size_t i = 0; i < so->s.nitems; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(so->items[i].code, so->items[j].code) == 0)
                return err_set(err, n, "%s: items[%zu] \"%s\": field \"code\": \"%s\" is used "
                               "twice", file, i, so->items[i].code, so->items[i].code);
    for (size_t i = 0; i < so->s.nattrs; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(so->attrs[i].code, so->attrs[j].code) == 0)
                return err_set(err, n, "%s: attributes[%zu] \"%s\": field \"code\": \"%s\" is "
                               "used twice", file, i, so->attrs[i].code, so->attrs[i].code);
    for (size_t i = 0; i < so->s.ndimensions; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(so->dims[i].code, so->dims[j].code) == 0)
                return err_set(err, n, "%s: dimensions[%zu] \"%s\": field \"code\": \"%s\" is "
                               "used twice", file, i, so->dims[i].code, so->dims[i].code);
    return 0;
}

static int parse_head(const json_t *doc, struct survey_owned *so, const char *file, char *err,
                      size_t n)
{
    static const char *const keys[] = { "slug", "version", "title", "description", "weighted",
                                        "anonymity_threshold", "favourable_top", "enps_item",
                                        "scales", "dimensions", "attributes", "items",
                                        "poststratification", "variance",
                                        "benchmark_networks", NULL };
    const char *dpl, *den;
    long long v;
    json_t *bench;

    if (!json_is_object(doc))
        return err_set(err, n, "%s: expected a JSON object (an instrument)", file);
    if (jsonv_only_keys(doc, keys, file, err, n) != 0 ||
        jsonv_slug(doc, "slug", 1, &so->s.slug, file, err, n) != 0 ||
        jsonv_int(doc, "version", 1, 1, 1000, 1, &v, file, err, n) != 0)
        return -1;
    so->s.version = (int)v;
    if (survey_get_label(doc, "title", 1, &so->s.title_pl, &so->s.title_en, file, err, n) != 0 ||
        survey_get_label(doc, "description", 0, &dpl, &den, file, err, n) != 0 ||
        jsonv_bool(doc, "weighted", 0, &so->s.weighted, file, err, n) != 0 ||
        jsonv_int(doc, "anonymity_threshold", 0, 3, 1000, 5, &v, file, err, n) != 0)
        return -1;
    so->s.anonymity_threshold = (int)v;
    if (jsonv_int(doc, "favourable_top", 0, 1, 5, 2, &v, file, err, n) != 0)
        return -1;
    so->s.favourable_top = (int)v;
    /* The networks a city is compared with in its report, in order of
     * preference (docs/survey-format.md): network slugs. */
    if (jsonv_array(doc, "benchmark_networks", 0, &bench, file, err, n) != 0)
        return -1;
    for (size_t i = 0; bench != NULL && i < json_array_size(bench); i++)
        if (!json_is_string(json_array_get(bench, i)) ||
            !jsonv_is_slug(json_string_value(json_array_get(bench, i)))) {
            char got[64];

            return err_set(err, n, "%s: field \"benchmark_networks\"[%zu]: expected a network "
                           "slug, got %s", file, i,
                           jsonv_describe(json_array_get(bench, i), got, sizeof got));
        }
    if (bench != NULL && json_array_size(bench) > 0) {
        so->bench = calloc(json_array_size(bench), sizeof *so->bench);
        if (so->bench == NULL)
            return err_set(err, n, "out of memory");
        for (size_t i = 0; i < json_array_size(bench); i++)
            so->bench[i] = json_string_value(json_array_get(bench, i));
        so->s.benchmark_networks = so->bench;
        so->s.nbenchmark_networks = json_array_size(bench);
    }
    return parse_scales(json_object_get(doc, "scales"), file, err, n);
}

/* Allocates the arrays sized by the document. */
static int alloc_parts(const json_t *doc, struct survey_owned *so, json_t **items,
                       json_t **attrs, json_t **dims, const char *file, char *err, size_t n)
{
    if (jsonv_array(doc, "items", 1, items, file, err, n) != 0 ||
        jsonv_array(doc, "attributes", 0, attrs, file, err, n) != 0 ||
        jsonv_array(doc, "dimensions", 0, dims, file, err, n) != 0)
        return -1;
    if (json_array_size(*items) == 0 || json_array_size(*items) > SURVEY_MAX_ITEMS)
        return err_set(err, n, "%s: field \"items\": expected 1 to %d items, got %zu", file,
                       SURVEY_MAX_ITEMS, json_array_size(*items));
    if (json_array_size(*attrs) > SURVEY_MAX_ATTRS)
        return err_set(err, n, "%s: field \"attributes\": at most %d", file, SURVEY_MAX_ATTRS);
    so->items = calloc(json_array_size(*items), sizeof *so->items);
    so->attrs = calloc(json_array_size(*attrs) + 1, sizeof *so->attrs);
    so->dims = calloc(json_array_size(*dims) + 1, sizeof *so->dims);
    if (so->items == NULL || so->attrs == NULL || so->dims == NULL)
        return err_set(err, n, "out of memory");
    so->s.items = so->items;
    so->s.attrs = so->attrs;
    so->s.dimensions = so->dims;
    return 0;
}

static int check_enps_and_top(const json_t *doc, struct survey_owned *so, const char *file,
                              char *err, size_t n)
{
    const json_t *e = json_object_get(doc, "enps_item");
    char got[96];
    int k;

    for (size_t i = 0; i < so->s.nitems; i++)
        if (so->items[i].type == SURVEY_LIKERT &&
            so->s.favourable_top >= so->items[i].max - so->items[i].min + 1)
            return err_set(err, n, "%s: field \"favourable_top\": %d is not fewer than the %d "
                           "points of item \"%s\"", file, so->s.favourable_top,
                           so->items[i].max - so->items[i].min + 1, so->items[i].code);
    so->s.enps_item = -1;
    if (e == NULL)
        return 0;
    k = json_is_string(e) ? survey_item_index(&so->s, json_string_value(e)) : -1;
    if (k < 0)
        return err_set(err, n, "%s: field \"enps_item\": expected the code of an item, got %s",
                       file, jsonv_describe(e, got, sizeof got));
    if (so->items[k].type != SURVEY_SCALE || so->items[k].min != 0 || so->items[k].max != 10 ||
        so->items[k].reverse)
        return err_set(err, n, "%s: field \"enps_item\": item \"%s\" must be a scale from 0 to "
                       "10, not reverse-coded", file, so->items[k].code);
    so->s.enps_item = k;
    return 0;
}

/* An optional section of the document (poststratification, variance):
 * *out = the object named, or NULL when it is absent; not an object is an
 * error. where (size wsize) gets "FILE: NAME", the path its fields' errors
 * name. */
static int optional_section(const json_t *doc, const char *name, const json_t **out,
                            const char *file, char *where, size_t wsize, char *err, size_t n)
{
    *out = json_object_get(doc, name);
    if (*out == NULL)
        return 0;
    snprintf(where, wsize, "%s: %s", file, name);
    if (!json_is_object(*out))
        return err_set(err, n, "%s: field \"%s\": expected an object", file, name);
    return 0;
}

/* "poststratification": {"attributes": ["wiek", "plec"]}: one or two
 * attribute codes; only for weighted surveys. */
static int parse_strata(const json_t *doc, struct survey_owned *so, const char *file, char *err,
                        size_t n)
{
    static const char *const keys[] = { "attributes", NULL };
    const json_t *ps;
    char where[512];
    json_t *arr;
    size_t i;
    json_t *a;

    so->s.nstrata = 0;
    if (optional_section(doc, "poststratification", &ps, file, where, sizeof where, err, n) != 0)
        return -1;
    if (ps == NULL)
        return 0;
    if (!so->s.weighted)
        return err_set(err, n, "%s: field \"poststratification\": only a weighted survey "
                       "(\"weighted\": true) is post-stratified", file);
    if (jsonv_only_keys(ps, keys, where, err, n) != 0 ||
        jsonv_array(ps, "attributes", 1, &arr, where, err, n) != 0)
        return -1;
    if (json_array_size(arr) < 1 || json_array_size(arr) > 2)
        return err_set(err, n, "%s: field \"attributes\": expected one or two attribute codes",
                       where);
    json_array_foreach(arr, i, a) {
        int k = json_is_string(a) ? survey_attr_index(&so->s, json_string_value(a)) : -1;
        char got[96];

        if (k < 0)
            return err_set(err, n, "%s: field \"attributes\": expected the code of an "
                           "attribute, got %s", where, jsonv_describe(a, got, sizeof got));
        if (i == 1 && k == so->s.strata[0])
            return err_set(err, n, "%s: field \"attributes\": \"%s\" is given twice", where,
                           json_string_value(a));
        so->s.strata[so->s.nstrata++] = k;
    }
    return 0;
}

/* "variance": {"fpc": "headcount" | "none"}: the finite population
 * correction from each city's registry headcount (docs/statistics.md). */
static int parse_variance(const json_t *doc, struct survey_owned *so, const char *file,
                          char *err, size_t n)
{
    static const char *const keys[] = { "fpc", NULL };
    const json_t *v;
    char where[512];
    const char *fpc;

    so->s.fpc_headcount = 0;
    if (optional_section(doc, "variance", &v, file, where, sizeof where, err, n) != 0)
        return -1;
    if (v == NULL)
        return 0;
    if (jsonv_only_keys(v, keys, where, err, n) != 0 ||
        jsonv_string(v, "fpc", 0, &fpc, where, err, n) != 0)
        return -1;
    if (fpc == NULL || strcmp(fpc, "none") == 0)
        return 0;
    if (strcmp(fpc, "headcount") != 0)
        return err_set(err, n, "%s: field \"fpc\": expected \"headcount\" or \"none\", got "
                       "\"%s\"", where, fpc);
    so->s.fpc_headcount = 1;
    return 0;
}

static int parse_body(const json_t *doc, struct survey_owned *so, const char *file, char *err,
                      size_t n)
{
    json_t *items, *attrs, *dims;

    if (parse_head(doc, so, file, err, n) != 0 ||
        alloc_parts(doc, so, &items, &attrs, &dims, file, err, n) != 0)
        return -1;
    for (size_t d = 0; d < json_array_size(dims); d++, so->s.ndimensions++)
        if (parse_dimension(json_array_get(dims, d), &so->dims[d], d, file, err, n) != 0)
            return -1;
    for (size_t a = 0; a < json_array_size(attrs); a++, so->s.nattrs++)
        if (parse_attr(json_array_get(attrs, a), &so->attrs[a], a, file, err, n) != 0)
            return -1;
    for (size_t i = 0; i < json_array_size(items); i++) {
        so->s.nitems = i + 1;  /* so that survey_free sees the partial item */
        if (survey_parse_item(json_array_get(items, i), json_object_get(doc, "scales"), so, i, file,
                       err, n) != 0)
            return -1;
    }
    if (check_unique_codes(so, file, err, n) != 0 ||
        link_dimensions(dims, so, file, err, n) != 0 ||
        parse_strata(doc, so, file, err, n) != 0 ||
        parse_variance(doc, so, file, err, n) != 0)
        return -1;
    return check_enps_and_top(doc, so, file, err, n);
}

int survey_parse(const json_t *doc, const char *file, struct survey **out, char *err,
                 size_t errlen)
{
    struct survey_owned *so = calloc(1, sizeof *so);

    *out = NULL;
    if (so == NULL)
        return err_set(err, errlen, "out of memory");
    so->doc = json_incref((json_t *)doc);
    if (parse_body(doc, so, file, err, errlen) != 0) {
        survey_free(&so->s);
        return -1;
    }
    *out = &so->s;
    return 0;
}

int survey_load_file(const char *path, struct survey **out, char *err, size_t errlen)
{
    json_t *doc;
    int rc;

    *out = NULL;
    if (jsonv_load_file(path, &doc, err, errlen) != 0)
        return -1;
    rc = survey_parse(doc, path, out, err, errlen);
    json_decref(doc);
    return rc;
}

void survey_free(struct survey *s)
{
    struct survey_owned *so = (struct survey_owned *)s;

    if (s == NULL)
        return;
    for (size_t i = 0; so->items != NULL && i < s->nitems; i++)
        FREE_ALL((void *)so->items[i].options, (void *)so->items[i].missing);
    for (size_t i = 0; i < s->nattrs; i++)
        free((void *)so->attrs[i].options);
    for (size_t i = 0; i < s->ndimensions; i++)
        free((void *)so->dims[i].items);
    json_decref(so->doc);
    FREE_ALL(so->items, so->attrs, so->dims, so->bench, so);
}

const json_t *survey_document(const struct survey *s)
{
    return ((const struct survey_owned *)s)->doc;
}

int survey_item_index(const struct survey *s, const char *code)
{
    for (size_t i = 0; i < s->nitems; i++)
        if (strcmp(s->items[i].code, code) == 0)
            return (int)i;
    return -1;
}

int survey_attr_index(const struct survey *s, const char *code)
{
    for (size_t i = 0; i < s->nattrs; i++)
        if (strcmp(s->attrs[i].code, code) == 0)
            return (int)i;
    return -1;
}

const char *survey_type_name(enum survey_item_type type)
{
    return type_names[type];
}

static int same_options(const struct survey_item *a, const struct survey_item *b)
{
    if (a->type != SURVEY_SINGLE && a->type != SURVEY_MULTI)
        return 1;
    if (a->noptions != b->noptions)
        return 0;
    for (size_t i = 0; i < a->noptions; i++)
        if (a->options[i].code != b->options[i].code)
            return 0;
    return 1;
}

int survey_check_successor(const struct survey *older, const struct survey *newer,
                           const char *file, char *err, size_t errlen)
{
    for (size_t i = 0; i < newer->nitems; i++) {
        const struct survey_item *b = &newer->items[i];
        int k = survey_item_index(older, b->code);
        const struct survey_item *a = k >= 0 ? &older->items[k] : NULL;

        if (a == NULL)
            continue;
        if (a->type != b->type || a->min != b->min || a->max != b->max ||
            a->reverse != b->reverse || !same_options(a, b))
            return err_set(err, errlen, "%s: items[%zu] \"%s\": its type, range, options or "
                           "reverse coding differ from version %d: an item code keeps its "
                           "meaning across versions, give the changed item a new code",
                           file, i, b->code, older->version);
        if (strcmp(a->text_pl, b->text_pl) != 0 && b->wording_changed <= older->version)
            return err_set(err, errlen, "%s: items[%zu] \"%s\": field \"text\": the wording "
                           "differs from version %d: give the item a new code or set "
                           "\"wording_changed_in\": %d", file, i, b->code, older->version,
                           newer->version);
    }
    return 0;
}

int survey_item_scored(const struct survey_item *it)
{
    return it->type == SURVEY_LIKERT || it->type == SURVEY_SCALE || it->type == SURVEY_NUMBER;
}

int survey_item_accepts(const struct survey_item *it, long long v)
{
    if (it->type == SURVEY_SINGLE) {
        for (size_t k = 0; k < it->noptions; k++)
            if (it->options[k].code == v)
                return 1;
    } else if (v >= it->min && v <= it->max) {
        return 1;
    }
    for (size_t k = 0; k < it->nmissing; k++)
        if (it->missing[k] == v)
            return 1;
    return 0;
}
