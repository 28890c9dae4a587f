/* import_fast: the import's fast check of a record (import_priv.h):
 * response_from_json's rules, item codes looked up by hash, no error text
 * built; and the text scan of an NDJSON line (rscan.h). */
#include "import_priv.h"

#include "catalog.h"
#include "err.h"
#include "jsonv.h"
#include "response.h"
#include "survey.h"
#include "utf8.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the fast check: response_from_json's rules, no messages ---- */

/* The codemap of s, built on first use. NULL when out of memory. */
const struct rscan_codes *import_codemap_get(struct importer *imp, const struct survey *s)
{
    struct rscan_codes *bigger;

    for (size_t i = 0; i < imp->nmaps; i++)
        if (imp->maps[i].s == s)
            return &imp->maps[i];
    bigger = realloc(imp->maps, (imp->nmaps + 1) * sizeof *imp->maps);
    if (bigger == NULL)
        return NULL;
    imp->maps = bigger;
    if (rscan_codes_init(&imp->maps[imp->nmaps], s) != 0)
        return NULL;
    return &imp->maps[imp->nmaps++];
}

/* A non-empty string member, or NULL. */
static const char *fast_string(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);

    return json_is_string(v) && json_string_length(v) > 0 ? json_string_value(v) : NULL;
}

static int fast_fields(const json_t *obj)
{
    static const char *const fields[] = { "survey", "wave", "city", "id", "attributes",
                                          "answers", "weight" };
    const char *key;
    json_t *v;

    json_object_foreach((json_t *)obj, key, v) {
        int known = 0;

        for (size_t i = 0; !known && i < sizeof fields / sizeof fields[0]; i++)
            known = strcmp(key, fields[i]) == 0;
        if (!known)
            return -1;
    }
    return 0;
}

static int fast_key(struct importer *imp, const char *id, struct response *r);

/* survey, wave, city, id; the last survey, wave and city seen are remembered,
 * since a file tends to repeat them. */
static int fast_head(struct importer *imp, const json_t *obj, struct response *r)
{
    const char *id = fast_string(obj, "id");

    r->survey = fast_string(obj, "survey");
    r->wave = fast_string(obj, "wave");
    r->city = fast_string(obj, "city");
    return fast_key(imp, id, r);
}

/* r->survey, wave and city are set (NULL when absent or empty): checks
 * them and id against the catalog and sets r->instrument and r->id. */
static int fast_key(struct importer *imp, const char *id, struct response *r)
{
    if (r->survey == NULL || r->wave == NULL || r->city == NULL || id == NULL ||
        response_uuid(id, r->id) != 0)
        return -1;
    if (imp->last_instrument == NULL || strcmp(r->survey, imp->last_survey) != 0 ||
        strcmp(r->wave, imp->last_wave) != 0) {
        const struct catalog_wave *w;

        imp->last_instrument = NULL;
        if (catalog_survey_latest(imp->cat, r->survey) == NULL)
            return -1;
        w = catalog_wave(imp->cat, r->survey, r->wave);
        if (w == NULL || catalog_survey(imp->cat, r->survey, w->survey_version) == NULL)
            return -1;
        imp->last_instrument = catalog_survey(imp->cat, r->survey, w->survey_version);
        imp->last_survey = imp->last_instrument->slug;
        imp->last_wave = w->label;
    }
    r->instrument = imp->last_instrument;
    if (strcmp(r->city, imp->last_city) != 0) {
        if (!catalog_has_city(imp->cat, r->city))
            return -1;
        if (strlen(r->city) < sizeof imp->last_city)
            memcpy(imp->last_city, r->city, strlen(r->city) + 1);
    }
    return 0;
}

/* A multi answer: distinct option codes, as bits (rscan_multi_bits). */
static int fast_multi(const struct survey_item *it, const json_t *v, int16_t *out)
{
    long codes[RSCAN_MAX_LIST];
    size_t i;
    json_t *c;

    if (!json_is_array(v) || json_array_size(v) > RSCAN_MAX_LIST)
        return -1;
    json_array_foreach(v, i, c) {
        if (!json_is_integer(c) || json_integer_value(c) < -1000000 ||
            json_integer_value(c) > 1000000)
            return -1;
        codes[i] = (long)json_integer_value(c);
    }
    return rscan_multi_bits(it, codes, json_array_size(v), out);
}

static int fast_answers(const json_t *obj, const struct rscan_codes *m, struct response *r)
{
    const json_t *answers = json_object_get(obj, "answers");
    size_t given = 0;
    const char *key;
    json_t *v;

    if (!json_is_object(answers))
        return -1;
    json_object_foreach((json_t *)answers, key, v) {
        int k = rscan_codes_find(m, key, 0);
        const struct survey_item *it;

        if (k < 0)
            return -1;
        if (json_is_null(v))
            continue;
        it = &m->s->items[k];
        if (it->type == SURVEY_MULTI) {
            if (fast_multi(it, v, &r->answers[k]) != 0)
                return -1;
        } else if (it->type == SURVEY_TEXT) {
            if (!json_is_string(v) || utf8_chars(json_string_value(v)) > (size_t)it->max_length)
                return -1;
            if (json_string_length(v) > 0)
                r->texts[k] = (char *)json_string_value(v);
        } else {
            if (!json_is_integer(v) || !survey_item_accepts(it, json_integer_value(v)))
                return -1;
            r->answers[k] = (int16_t)json_integer_value(v);
        }
        given++;
    }
    return given > 0 ? 0 : -1;
}

static int fast_attrs(const json_t *obj, const struct rscan_codes *m, struct response *r)
{
    const struct survey *s = m->s;
    const json_t *attrs = json_object_get(obj, "attributes");
    const char *key;
    json_t *v;

    if (attrs != NULL && !json_is_object(attrs))
        return -1;
    json_object_foreach((json_t *)attrs, key, v) {
        int k = rscan_codes_find(m, key, 1);
        int ok = 0;

        if (k < 0)
            return -1;
        if (json_is_null(v))
            continue;
        for (size_t o = 0; json_is_integer(v) && o < s->attrs[k].noptions; o++)
            ok |= s->attrs[k].options[o].code == json_integer_value(v);
        if (!ok)
            return -1;
        r->attrs[k] = (int16_t)json_integer_value(v);
    }
    for (size_t k = 0; k < s->nattrs; k++)
        if (s->attrs[k].required && r->attrs[k] == SURVEY_NA)
            return -1;
    return 0;
}

static int fast_weight(const json_t *obj, struct response *r)
{
    const json_t *v = json_object_get(obj, "weight");

    r->weight = 0;
    if (!r->instrument->weighted)
        return v == NULL || json_is_null(v) ? 0 : -1;
    if (!json_is_number(v) || !isfinite(json_number_value(v)) || json_number_value(v) <= 0)
        return -1;
    r->weight = json_number_value(v);
    return 0;
}

/* The importer's arrays, large enough for s and reset to "no answer".
 * Returns -1 when out of memory. */
static int fast_arrays(struct importer *imp, const struct rscan_codes *m, struct response *r)
{
    const struct survey *s = m->s;

    if (s->nitems > imp->cap_items) {
        int16_t *a = realloc(imp->answers, s->nitems * sizeof *a);
        char **t;

        if (a == NULL)
            return -1;
        imp->answers = a;
        t = realloc(imp->texts, s->nitems * sizeof *t);
        if (t == NULL)
            return -1;
        imp->texts = t;
        imp->cap_items = s->nitems;
    }
    if (s->nattrs > imp->cap_attrs) {
        int16_t *a = realloc(imp->attrs, s->nattrs * sizeof *a);

        if (a == NULL)
            return -1;
        imp->attrs = a;
        imp->cap_attrs = s->nattrs;
    }
    r->answers = imp->answers;
    r->attrs = imp->attrs;
    r->texts = m->has_text ? imp->texts : NULL;
    for (size_t i = 0; i < s->nitems; i++)
        r->answers[i] = SURVEY_NA;
    for (size_t i = 0; i < s->nattrs; i++)
        r->attrs[i] = SURVEY_NA;
    if (r->texts != NULL)
        memset(r->texts, 0, s->nitems * sizeof *r->texts);
    return 0;
}

/*
 * The fast check. Returns 0 when obj is a valid response (then *r points
 * into obj and into the importer's arrays: no response_clear), -1 when it is
 * not, or not surely so: then response_from_json decides.
 */
int import_fast_response(struct importer *imp, const json_t *obj, struct response *r)
{
    const struct rscan_codes *m;

    memset(r, 0, sizeof *r);
    if (!json_is_object(obj) || fast_fields(obj) != 0 || fast_head(imp, obj, r) != 0)
        return -1;
    m = import_codemap_get(imp, r->instrument);
    if (m == NULL || fast_arrays(imp, m, r) != 0)
        return -1;
    if (fast_answers(obj, m, r) != 0 || fast_attrs(obj, m, r) != 0 || fast_weight(obj, r) != 0)
        return -1;
    return 0;
}

/* ---- the text scan (rscan.h): the fast check straight from an NDJSON line ---- */

/*
 * The fast check from the text of an NDJSON line (len bytes). Returns 0
 * with *r filled (pointing into the importer's scratch copy and arrays: no
 * response_clear), -1 to leave the line to jansson and fast_response.
 */
int import_scan_response(struct importer *imp, const char *line, size_t len, struct response *r)
{
    struct rscan_obj *o = imp->scan;
    const struct rscan_codes *m;
    char *p;

    memset(r, 0, sizeof *r);
    if (o == NULL && (o = imp->scan = malloc(sizeof *o)) == NULL)
        return -1;
    if (len + 1 > imp->scratch_cap) {
        char *bigger = realloc(imp->scratch, len + 1);

        if (bigger == NULL)
            return -1;
        imp->scratch = bigger;
        imp->scratch_cap = len + 1;
    }
    memcpy(imp->scratch, line, len);
    imp->scratch[len] = '\0';
    if (memchr(imp->scratch, '\0', len) != NULL)
        return -1;
    p = imp->scratch;
    if (rscan_object(&p, o) != 0)
        return -1;
    rscan_ws(&p);
    if (*p != '\0')
        return -1;
    r->survey = o->survey != NULL && o->survey[0] != '\0' ? o->survey : NULL;
    r->wave = o->wave != NULL && o->wave[0] != '\0' ? o->wave : NULL;
    r->city = o->city != NULL && o->city[0] != '\0' ? o->city : NULL;
    if (fast_key(imp, o->id, r) != 0)
        return -1;
    m = import_codemap_get(imp, r->instrument);
    if (m == NULL || fast_arrays(imp, m, r) != 0)
        return -1;
    if (r->instrument->nitems + r->instrument->nattrs > imp->cap_seen) {
        unsigned char *bigger = realloc(imp->seen, r->instrument->nitems + r->instrument->nattrs);

        if (bigger == NULL)
            return -1;
        imp->seen = bigger;
        imp->cap_seen = r->instrument->nitems + r->instrument->nattrs;
    }
    return rscan_fill(o, m, imp->seen, r);
}
