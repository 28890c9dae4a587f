#include "registry.h"

#include "db.h"
#include "err.h"
#include "jsonv.h"
#include "survey.h"

#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct registry {
    json_t *cities;      /* the validated arrays, owned through the roots */
    json_t *networks;
    json_t *memberships;
    json_t *waves;       /* NULL when instruments are not read */
    json_t *roots[4];
    struct survey **surveys;  /* every instrument version, sorted by slug, version */
    char **survey_files;
    size_t nsurveys;
    char **warnings;     /* registry_warning */
    size_t nwarnings;
};

static void registry_warn(struct registry *reg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Records a warning (dropped when memory runs out: it is advice only). */
static void registry_warn(struct registry *reg, const char *fmt, ...)
{
    char buf[ERR_MAX];
    char **grown;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    grown = realloc(reg->warnings, (reg->nwarnings + 1) * sizeof *grown);
    if (grown == NULL)
        return;
    reg->warnings = grown;
    reg->warnings[reg->nwarnings] = strdup(buf);
    if (reg->warnings[reg->nwarnings] != NULL)
        reg->nwarnings++;
}

/* The newest loaded version of a survey, or NULL. */
static const struct survey *newest_survey(const struct registry *reg, const char *slug)
{
    const struct survey *best = NULL;

    for (size_t i = 0; i < reg->nsurveys; i++)
        if (reg->surveys[i] != NULL && strcmp(reg->surveys[i]->slug, slug) == 0 &&
            (best == NULL || reg->surveys[i]->version > best->version))
            best = reg->surveys[i];
    return best;
}

static int attr_has_code(const struct survey_attr *at, const char *key)
{
    char *end;
    long code = strtol(key, &end, 10);

    for (size_t i = 0; i < at->noptions; i++)
        if (at->options[i].code == code && *end == '\0')
            return 1;
    return 0;
}

/* "cities[3] \"konin\"" for messages. */
static void entry_name(char *buf, size_t n, const char *file, const char *array, size_t i,
                       const json_t *entry, const char *key)
{
    const json_t *id = json_object_get(entry, key);

    if (json_is_string(id))
        snprintf(buf, n, "%s: %s[%zu] \"%s\"", file, array, i, json_string_value(id));
    else
        snprintf(buf, n, "%s: %s[%zu]", file, array, i);
}

static int load_array(const char *dir, const char *name, const char *key, json_t **root,
                      json_t **array, char *err, size_t errlen)
{
    char path[4096];
    const char *allowed[] = { key, NULL };

    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (jsonv_load_file(path, root, err, errlen) != 0)
        return -1;
    if (!json_is_object(*root))
        return err_set(err, errlen, "%s: expected a JSON object with the field \"%s\"", path,
                       key);
    if (jsonv_only_keys(*root, allowed, path, err, errlen) != 0)
        return -1;
    if (jsonv_array(*root, key, 1, array, path, err, errlen) != 0)
        return -1;
    return 0;
}

static int check_unique(json_t *array, size_t upto, const char *key, const char *value)
{
    for (size_t j = 0; j < upto; j++) {
        const json_t *other = json_object_get(json_array_get(array, j), key);

        if (json_is_string(other) && strcmp(json_string_value(other), value) == 0)
            return -1;
    }
    return 0;
}

/* The 16 voivodeships and their TERC codes (GUS TERYT): the first two
 * digits of the TERC code of every gmina in them. */
static const struct {
    const char *name, *code;
} voivodeships[] = {
    { "dolnośląskie", "02" },   { "kujawsko-pomorskie", "04" }, { "lubelskie", "06" },
    { "lubuskie", "08" },       { "łódzkie", "10" },            { "małopolskie", "12" },
    { "mazowieckie", "14" },    { "opolskie", "16" },           { "podkarpackie", "18" },
    { "podlaskie", "20" },      { "pomorskie", "22" },          { "śląskie", "24" },
    { "świętokrzyskie", "26" }, { "warmińsko-mazurskie", "28" }, { "wielkopolskie", "30" },
    { "zachodniopomorskie", "32" },
};
#define NVOIVODESHIPS (sizeof voivodeships / sizeof voivodeships[0])

const char *registry_voivodeship_code(const char *name)
{
    for (size_t i = 0; name != NULL && i < NVOIVODESHIPS; i++)
        if (strcmp(voivodeships[i].name, name) == 0)
            return voivodeships[i].code;
    return NULL;
}

static const char *voivodeship_of_code(const char *code)
{
    for (size_t i = 0; i < NVOIVODESHIPS; i++)
        if (strncmp(voivodeships[i].code, code, 2) == 0)
            return voivodeships[i].name;
    return NULL;
}

int registry_teryt_valid(const char *s)
{
    size_t len = s != NULL ? strlen(s) : 0;

    if (len != 7 || strspn(s, "0123456789") != 7)
        return 0;
    /* the kind of gmina: 1 urban, 2 rural, 3 urban-rural (4 and 5 are the
     * town and the rural area inside an urban-rural gmina, not gminas) */
    return s[6] >= '1' && s[6] <= '3' && voivodeship_of_code(s) != NULL;
}

/* The city's voivodeship and TERC code: a known voivodeship, a gmina's code
 * of 7 digits, and the code's voivodeship the city's. */
static int validate_teryt(json_t *cities, size_t i, const json_t *c, const char *where,
                          char *err, size_t errlen)
{
    const char *voiv = json_string_value(json_object_get(c, "voivodeship"));
    const char *code = json_string_value(json_object_get(c, "teryt"));
    const char *vcode = registry_voivodeship_code(voiv);

    if (voiv != NULL && vcode == NULL)
        return err_set(err, errlen, "%s: field \"voivodeship\": expected one of the 16 "
                       "voivodeships in lowercase (e.g. \"wielkopolskie\"), got \"%s\"",
                       where, voiv);
    if (json_object_get(c, "teryt") == NULL)
        return 0;
    if (!registry_teryt_valid(code))
        return err_set(err, errlen, "%s: field \"teryt\": expected the 7-digit TERC code of "
                       "a gmina (a voivodeship code 02..32, then powiat, gmina and its kind 1, "
                       "2 or 3, e.g. \"3062011\"), got %s%s%s", where, code ? "\"" : "",
                       code ? code : "a non-string", code ? "\"" : "");
    if (voiv == NULL)
        return err_set(err, errlen, "%s: field \"teryt\": \"%s\" needs the field "
                       "\"voivodeship\" (%s)", where, code, voivodeship_of_code(code));
    if (strncmp(code, vcode, 2) != 0)
        return err_set(err, errlen, "%s: field \"teryt\": \"%s\" is a gmina of voivodeship "
                       "%.2s (%s), but \"voivodeship\" is \"%s\" (%s)", where, code, code,
                       voivodeship_of_code(code), voiv, vcode);
    if (check_unique(cities, i, "teryt", code) != 0)
        return err_set(err, errlen, "%s: field \"teryt\": \"%s\" is used twice", where,
                       code);
    return 0;
}

/* True when key is a category code ("1", "-2"). */
static int is_code_key(const char *key)
{
    char *end;
    long code = strtol(key, &end, 10);

    return end != key && *end == '\0' && code >= -32767 && code <= 32767;
}

/* {CODE: count, ...}: non-negative numbers keyed by category codes. */
static int validate_counts(const json_t *obj, const char *where, const char *field, char *err,
                           size_t errlen)
{
    const char *key;
    json_t *v;

    if (!json_is_object(obj) || json_object_size(obj) == 0)
        return err_set(err, errlen, "%s: field \"%s\": expected an object of counts by code",
                       where, field);
    json_object_foreach((json_t *)obj, key, v) {
        if (!is_code_key(key))
            return err_set(err, errlen, "%s: field \"%s\": \"%s\" is not a category code",
                           where, field, key);
        if (!json_is_number(v) || json_number_value(v) < 0)
            return err_set(err, errlen, "%s: field \"%s\": code %s: expected a count >= 0",
                           where, field, key);
    }
    return 0;
}

/* A cells table of two attributes ({CODE1: {CODE2: count}}): its first
 * entry is an object. One attribute: {CODE: count}. */
static int cells_two_attributes(const json_t *cells)
{
    const char *key;
    json_t *v;

    json_object_foreach((json_t *)cells, key, v)
        return json_is_object(v);
    return 0;
}

/*
 * "population": {SURVEY: {"example": bool, "source": text,
 *                         "cells": {CODE1: {CODE2: count}} | {CODE: count}
 *                         | "margins": {ATTR: {CODE: count}}}}
 * Population figures for post-stratification (docs/registry.md).
 */
static int validate_population(const json_t *pop, const char *where, char *err, size_t errlen)
{
    static const char *const keys[] = { "example", "source", "cells", "margins", NULL };
    const char *survey;
    json_t *p;

    if (pop == NULL)
        return 0;
    if (!json_is_object(pop))
        return err_set(err, errlen, "%s: field \"population\": expected an object keyed by "
                       "survey slug", where);
    json_object_foreach((json_t *)pop, survey, p) {
        char at[600];
        const char *src, *key;
        const json_t *cells = json_object_get(p, "cells");
        const json_t *margins = json_object_get(p, "margins");
        json_t *v;
        int example;

        snprintf(at, sizeof at, "%s: population \"%s\"", where, survey);
        if (!jsonv_is_slug(survey) || !json_is_object(p))
            return err_set(err, errlen, "%s: expected a survey slug and an object", at);
        if (jsonv_only_keys(p, keys, at, err, errlen) != 0 ||
            jsonv_bool(p, "example", 0, &example, at, err, errlen) != 0 ||
            jsonv_string(p, "source", 0, &src, at, err, errlen) != 0)
            return -1;
        if ((cells == NULL) == (margins == NULL))
            return err_set(err, errlen, "%s: expected exactly one of \"cells\" and "
                           "\"margins\"", at);
        if (!json_is_object(cells ? cells : margins) ||
            json_object_size(cells ? cells : margins) == 0)
            return err_set(err, errlen, "%s: field \"%s\": expected a non-empty object", at,
                           cells ? "cells" : "margins");
        json_object_foreach((json_t *)(cells ? cells : margins), key, v) {
            /* cells are keyed by the first attribute's codes, margins by
             * attribute codes */
            if (cells != NULL && !is_code_key(key))
                return err_set(err, errlen, "%s: field \"cells\": \"%s\" is not a category "
                               "code", at, key);
            /* One attribute: {CODE: count}; two: {CODE1: {CODE2: count}},
             * the same shape for every entry. */
            if (cells != NULL && json_is_object(v) != cells_two_attributes(cells))
                return err_set(err, errlen, "%s: field \"cells\": code %s: expected %s like "
                               "the other entries (one attribute: {CODE: count}; two: "
                               "{CODE1: {CODE2: count}})", at, key,
                               cells_two_attributes(cells) ? "an object of counts" : "a count");
            if (cells != NULL && json_is_number(v)) {
                if (json_number_value(v) < 0)
                    return err_set(err, errlen, "%s: field \"cells\": code %s: expected a "
                                   "count >= 0", at, key);
                continue;
            }
            if (validate_counts(v, at, cells ? "cells" : "margins", err, errlen) != 0)
                return -1;
        }
    }
    return 0;
}

/* The population figures of every city against the instruments: a
 * post-stratified survey's "cells" must have as many levels as it has
 * strata (an error naming file, city and field); codes the strata do not
 * have and figures for a survey that is not post-stratified are warnings
 * (registry_warning). */
static int check_populations(struct registry *reg, const char *file, char *err, size_t errlen)
{
    size_t i;
    json_t *c;

    json_array_foreach(reg->cities, i, c) {
        const char *slug;
        json_t *p;
        char where[512];

        entry_name(where, sizeof where, file, "cities", i, c, "slug");
        json_object_foreach(json_object_get(c, "population"), slug, p) {
            const struct survey *s = newest_survey(reg, slug);
            const json_t *cells = json_object_get(p, "cells");
            const json_t *margins = json_object_get(p, "margins");
            const char *key;
            json_t *v;

            if (s == NULL || !s->weighted || s->nstrata == 0) {
                registry_warn(reg, "%s: population \"%s\": %s; the figures are not used",
                              where, slug, s == NULL ? "no such survey among the instruments"
                                                     : "the survey is not post-stratified");
                continue;
            }
            if (cells != NULL && (size_t)(cells_two_attributes(cells) ? 2 : 1) != s->nstrata)
                return err_set(err, errlen,
                               "%s: population \"%s\": field \"cells\": the survey "
                               "post-stratifies on %s%s%s, so expected %s; got %s", where, slug,
                               s->attrs[s->strata[0]].code, s->nstrata == 2 ? " x " : " alone",
                               s->nstrata == 2 ? s->attrs[s->strata[1]].code : "",
                               s->nstrata == 2 ? "{CODE1: {CODE2: count}}" : "{CODE: count}",
                               cells_two_attributes(cells) ? "a table of two attributes"
                                                           : "counts by one attribute");
            if (cells != NULL) {
                json_object_foreach((json_t *)cells, key, v) {
                    const char *k2;
                    json_t *n;

                    if (!attr_has_code(&s->attrs[s->strata[0]], key))
                        registry_warn(reg, "%s: population \"%s\": field \"cells\": %s has no "
                                      "category %s; its count is not used", where, slug,
                                      s->attrs[s->strata[0]].code, key);
                    json_object_foreach(json_is_object(v) ? v : NULL, k2, n)
                        if (!attr_has_code(&s->attrs[s->strata[1]], k2))
                            registry_warn(reg, "%s: population \"%s\": field \"cells\": %s has "
                                          "no category %s; its count is not used", where, slug,
                                          s->attrs[s->strata[1]].code, k2);
                }
                continue;
            }
            json_object_foreach((json_t *)margins, key, v) {
                const struct survey_attr *at = NULL;
                const char *k2;
                json_t *n;

                for (size_t t = 0; t < s->nstrata; t++)
                    if (strcmp(s->attrs[s->strata[t]].code, key) == 0)
                        at = &s->attrs[s->strata[t]];
                if (at == NULL) {
                    registry_warn(reg, "%s: population \"%s\": field \"margins\": \"%s\" is "
                                  "not an attribute the survey post-stratifies on; not used",
                                  where, slug, key);
                    continue;
                }
                json_object_foreach(v, k2, n)
                    if (!attr_has_code(at, k2))
                        registry_warn(reg, "%s: population \"%s\": field \"margins\": %s has "
                                      "no category %s; its count is not used", where, slug, key,
                                      k2);
            }
        }
    }
    return 0;
}

/* "departments": {ATTRIBUTE: {CODE: headcount, ...}}: the staff of each
 * department (an attribute's option code), for participation by department. */
static int validate_departments(const json_t *d, const char *where, char *err, size_t errlen)
{
    const char *attr;
    json_t *codes;

    if (d == NULL)
        return 0;
    if (!json_is_object(d) || json_object_size(d) == 0)
        return err_set(err, errlen, "%s: field \"departments\": expected an object "
                       "{\"ATTRIBUTE\": {\"CODE\": headcount}}", where);
    json_object_foreach((json_t *)d, attr, codes) {
        char field[160];
        const char *key;
        json_t *v;

        snprintf(field, sizeof field, "departments.%s", attr);
        if (validate_counts(codes, where, field, err, errlen) != 0)
            return -1;
        json_object_foreach(codes, key, v)
            if (!json_is_integer(v) || json_integer_value(v) < 1)
                return err_set(err, errlen, "%s: field \"%s\": code %s: expected a "
                               "headcount, a whole number >= 1", where, field, key);
    }
    return 0;
}

static int validate_cities(const char *file, json_t *cities, char *err, size_t errlen)
{
    static const char *const keys[] = { "slug",       "name",        "voivodeship",
                                        "teryt",      "programme",   "seed_form",
                                        "headcount",  "population",  "departments",
                                        "example_headcount", NULL };
    size_t i;
    json_t *c;

    json_array_foreach(cities, i, c) {
        char where[512];
        const char *s;
        int b;
        long long v;

        entry_name(where, sizeof where, file, "cities", i, c, "slug");
        if (!json_is_object(c))
            return err_set(err, errlen, "%s: expected an object", where);
        if (jsonv_only_keys(c, keys, where, err, errlen) != 0 ||
            jsonv_slug(c, "slug", 1, &s, where, err, errlen) != 0)
            return -1;
        if (check_unique(cities, i, "slug", s) != 0)
            return err_set(err, errlen, "%s: field \"slug\": \"%s\" is used twice", where, s);
        if (jsonv_string(c, "name", 1, &s, where, err, errlen) != 0 ||
            jsonv_string(c, "voivodeship", 0, &s, where, err, errlen) != 0 ||
            jsonv_string(c, "seed_form", 0, &s, where, err, errlen) != 0 ||
            jsonv_bool(c, "programme", 1, &b, where, err, errlen) != 0 ||
            jsonv_int(c, "headcount", 0, 1, 1000000, 0, &v, where, err, errlen) != 0 ||
            validate_teryt(cities, i, c, where, err, errlen) != 0 ||
            jsonv_bool(c, "example_headcount", 0, &b, where, err, errlen) != 0 ||
            validate_departments(json_object_get(c, "departments"), where, err, errlen) != 0)
            return -1;
        if (validate_population(json_object_get(c, "population"), where, err, errlen) != 0)
            return -1;
    }
    return 0;
}

static int validate_networks(const char *file, json_t *networks, char *err, size_t errlen)
{
    static const char *const keys[] = { "slug", "name", "name_en", "description", NULL };
    size_t i;
    json_t *nw;

    json_array_foreach(networks, i, nw) {
        char where[512];
        const char *s;

        entry_name(where, sizeof where, file, "networks", i, nw, "slug");
        if (!json_is_object(nw))
            return err_set(err, errlen, "%s: expected an object", where);
        if (jsonv_only_keys(nw, keys, where, err, errlen) != 0 ||
            jsonv_slug(nw, "slug", 1, &s, where, err, errlen) != 0)
            return -1;
        if (check_unique(networks, i, "slug", s) != 0)
            return err_set(err, errlen, "%s: field \"slug\": \"%s\" is used twice", where, s);
        if (jsonv_string(nw, "name", 1, &s, where, err, errlen) != 0 ||
            jsonv_string(nw, "name_en", 0, &s, where, err, errlen) != 0 ||
            jsonv_string(nw, "description", 0, &s, where, err, errlen) != 0)
            return -1;
    }
    return 0;
}

static int slug_listed(json_t *array, const char *slug)
{
    return check_unique(array, json_array_size(array), "slug", slug) != 0;
}

static int validate_memberships(const char *file, const struct registry *reg, char *err,
                                size_t errlen)
{
    static const char *const keys[] = { "network", "city", "role", "since", "until",
                                        "example", NULL };
    size_t i;
    json_t *m;

    json_array_foreach(reg->memberships, i, m) {
        char where[512];
        const char *network, *city, *role, *since, *until;
        int example;

        snprintf(where, sizeof where, "%s: memberships[%zu]", file, i);
        if (!json_is_object(m))
            return err_set(err, errlen, "%s: expected an object", where);
        if (jsonv_only_keys(m, keys, where, err, errlen) != 0 ||
            jsonv_slug(m, "network", 1, &network, where, err, errlen) != 0 ||
            jsonv_slug(m, "city", 1, &city, where, err, errlen) != 0 ||
            jsonv_string(m, "role", 1, &role, where, err, errlen) != 0 ||
            jsonv_date(m, "since", 0, &since, where, err, errlen) != 0 ||
            jsonv_date(m, "until", 0, &until, where, err, errlen) != 0 ||
            jsonv_bool(m, "example", 0, &example, where, err, errlen) != 0)
            return -1;
        if (!slug_listed(reg->networks, network))
            return err_set(err, errlen, "%s: field \"network\": \"%s\" is not in networks.json",
                           where, network);
        if (!slug_listed(reg->cities, city))
            return err_set(err, errlen, "%s: field \"city\": \"%s\" is not in cities.json",
                           where, city);
        if (strcmp(role, "member") != 0 && strcmp(role, "observer") != 0)
            return err_set(err, errlen,
                           "%s: field \"role\": expected \"member\" or \"observer\", got \"%s\"",
                           where, role);
        if (since != NULL && until != NULL && strcmp(until, since) < 0)
            return err_set(err, errlen, "%s: field \"until\": %s is before since %s", where,
                           until, since);
        for (size_t j = 0; j < i; j++) {
            json_t *o = json_array_get(reg->memberships, j);

            if (strcmp(json_string_value(json_object_get(o, "network")), network) == 0 &&
                strcmp(json_string_value(json_object_get(o, "city")), city) == 0)
                return err_set(err, errlen, "%s: city \"%s\" is listed twice in network \"%s\"",
                               where, city, network);
        }
    }
    return 0;
}

static const char *str_or_null(const json_t *obj, const char *key);

static int survey_order(const void *a, const void *b)
{
    const struct survey *x = *(const struct survey *const *)a;
    const struct survey *y = *(const struct survey *const *)b;
    int c = strcmp(x->slug, y->slug);

    return c != 0 ? c : (x->version > y->version) - (x->version < y->version);
}

static const char *survey_file(const struct registry *reg, const struct survey *s)
{
    for (size_t i = 0; i < reg->nsurveys; i++)
        if (reg->surveys[i] == s)
            return reg->survey_files[i];
    return "?";
}

/* Distinct slug and version; each version keeps the item codes of the
 * versions before it (survey_check_successor). */
static int check_versions(struct registry *reg, char *err, size_t errlen)
{
    struct survey **sorted = malloc((reg->nsurveys + 1) * sizeof *sorted);

    if (sorted == NULL)
        return err_set(err, errlen, "out of memory");
    memcpy(sorted, reg->surveys, reg->nsurveys * sizeof *sorted);
    qsort(sorted, reg->nsurveys, sizeof *sorted, survey_order);
    for (size_t i = 0; i < reg->nsurveys; i++)
        for (size_t j = 0; j < i; j++) {
            if (strcmp(sorted[j]->slug, sorted[i]->slug) != 0)
                continue;
            if (sorted[j]->version == sorted[i]->version) {
                err_set(err, errlen, "%s: survey \"%s\" version %d is also defined in %s",
                        survey_file(reg, sorted[i]), sorted[i]->slug, sorted[i]->version,
                        survey_file(reg, sorted[j]));
                free(sorted);
                return -1;
            }
            if (survey_check_successor(sorted[j], sorted[i], survey_file(reg, sorted[i]), err,
                                       errlen) != 0) {
                free(sorted);
                return -1;
            }
        }
    free(sorted);
    return 0;
}

static int read_instruments(struct registry *reg, const char *surveys_dir, char *err,
                            size_t errlen)
{
    char pattern[4096];
    glob_t g;
    int rc;

    snprintf(pattern, sizeof pattern, "%s/*.json", surveys_dir);
    rc = glob(pattern, GLOB_ERR, NULL, &g);
    if (rc == GLOB_NOMATCH)
        return err_set(err, errlen, "%s: no instrument (*.json) in this folder", surveys_dir);
    if (rc != 0)
        return err_set(err, errlen, "%s: cannot list the folder", surveys_dir);
    reg->surveys = calloc(g.gl_pathc, sizeof *reg->surveys);
    reg->survey_files = calloc(g.gl_pathc, sizeof *reg->survey_files);
    rc = reg->surveys == NULL || reg->survey_files == NULL ? err_set(err, errlen, "out of memory")
                                                           : 0;
    for (size_t i = 0; rc == 0 && i < g.gl_pathc; i++) {
        reg->survey_files[i] = strdup(g.gl_pathv[i]);
        if (reg->survey_files[i] == NULL) {
            rc = err_set(err, errlen, "out of memory");
            break;
        }
        reg->nsurveys = i + 1;
        rc = survey_load_file(g.gl_pathv[i], &reg->surveys[i], err, errlen);
    }
    globfree(&g);
    return rc != 0 ? -1 : check_versions(reg, err, errlen);
}

static const struct survey *find_survey(const struct registry *reg, const char *slug,
                                        long long version)
{
    for (size_t i = 0; i < reg->nsurveys; i++)
        if (reg->surveys[i] != NULL && reg->surveys[i]->version == version &&
            strcmp(reg->surveys[i]->slug, slug) == 0)
            return reg->surveys[i];
    return NULL;
}

/* A wave label: 1-40 characters, no control characters. */
static int check_label(const char *label, const char *where, char *err, size_t errlen)
{
    size_t len = strlen(label);

    for (size_t i = 0; i < len; i++)
        if ((unsigned char)label[i] < 0x20)
            return err_set(err, errlen, "%s: field \"label\": control characters are not allowed",
                           where);
    if (len > 40)
        return err_set(err, errlen, "%s: field \"label\": at most 40 bytes, got %zu", where, len);
    return 0;
}

static int validate_wave(const struct registry *reg, json_t *w, size_t i, const char *file,
                         char *err, size_t errlen)
{
    static const char *const keys[] = { "survey", "label", "survey_version", "opens_on",
                                        "closes_on", NULL };
    const char *survey, *label, *opens, *closes;
    long long version;
    char where[512];

    snprintf(where, sizeof where, "%s: waves[%zu]", file, i);
    if (!json_is_object(w))
        return err_set(err, errlen, "%s: expected an object", where);
    if (jsonv_only_keys(w, keys, where, err, errlen) != 0 ||
        jsonv_slug(w, "survey", 1, &survey, where, err, errlen) != 0 ||
        jsonv_string(w, "label", 1, &label, where, err, errlen) != 0 ||
        check_label(label, where, err, errlen) != 0 ||
        jsonv_int(w, "survey_version", 1, 1, 1000, 1, &version, where, err, errlen) != 0 ||
        jsonv_date(w, "opens_on", 1, &opens, where, err, errlen) != 0 ||
        jsonv_date(w, "closes_on", 1, &closes, where, err, errlen) != 0)
        return -1;
    if (find_survey(reg, survey, version) == NULL)
        return err_set(err, errlen, "%s: field \"survey_version\": survey \"%s\" version %lld is "
                       "not among the instruments", where, survey, version);
    if (strcmp(closes, opens) < 0)
        return err_set(err, errlen, "%s: field \"closes_on\": %s is before opens_on %s", where,
                       closes, opens);
    for (size_t j = 0; j < i; j++) {
        json_t *o = json_array_get(reg->waves, j);

        if (strcmp(str_or_null(o, "survey"), survey) == 0 &&
            strcmp(str_or_null(o, "label"), label) == 0)
            return err_set(err, errlen, "%s: wave \"%s\" of survey \"%s\" is listed twice",
                           where, label, survey);
    }
    return 0;
}

static int read_waves(const char *dir, struct registry *reg, char *err, size_t errlen)
{
    char file[4096];
    size_t i;
    json_t *w;

    if (load_array(dir, "waves.json", "waves", &reg->roots[3], &reg->waves, err, errlen) != 0)
        return -1;
    snprintf(file, sizeof file, "%s/waves.json", dir);
    json_array_foreach(reg->waves, i, w)
        if (validate_wave(reg, w, i, file, err, errlen) != 0)
            return -1;
    return 0;
}

int registry_read(const char *dir, const char *surveys_dir, struct registry **out, char *err,
                  size_t errlen)
{
    struct registry *reg = calloc(1, sizeof *reg);
    char file[4096];

    *out = NULL;
    if (reg == NULL)
        return err_set(err, errlen, "out of memory");
    if (load_array(dir, "cities.json", "cities", &reg->roots[0], &reg->cities, err, errlen) != 0 ||
        load_array(dir, "networks.json", "networks", &reg->roots[1], &reg->networks, err,
                   errlen) != 0 ||
        load_array(dir, "memberships.json", "memberships", &reg->roots[2], &reg->memberships,
                   err, errlen) != 0)
        goto fail;
    snprintf(file, sizeof file, "%s/cities.json", dir);
    if (validate_cities(file, reg->cities, err, errlen) != 0)
        goto fail;
    snprintf(file, sizeof file, "%s/networks.json", dir);
    if (validate_networks(file, reg->networks, err, errlen) != 0)
        goto fail;
    snprintf(file, sizeof file, "%s/memberships.json", dir);
    if (validate_memberships(file, reg, err, errlen) != 0)
        goto fail;
    if (surveys_dir != NULL && (read_instruments(reg, surveys_dir, err, errlen) != 0 ||
                                read_waves(dir, reg, err, errlen) != 0))
        goto fail;
    snprintf(file, sizeof file, "%s/cities.json", dir);
    if (surveys_dir != NULL && check_populations(reg, file, err, errlen) != 0)
        goto fail;
    *out = reg;
    return 0;
fail:
    registry_free(reg);
    return -1;
}

void registry_free(struct registry *reg)
{
    if (reg == NULL)
        return;
    for (size_t i = 0; i < 4; i++)
        json_decref(reg->roots[i]);
    for (size_t i = 0; i < reg->nsurveys; i++) {
        survey_free(reg->surveys[i]);
        free(reg->survey_files[i]);
    }
    free(reg->surveys);
    free(reg->survey_files);
    for (size_t i = 0; i < reg->nwarnings; i++)
        free(reg->warnings[i]);
    free(reg->warnings);
    free(reg);
}

static const char *str_or_null(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);

    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The fields of a city entry that have no column of their own. */
static char *city_extra(const json_t *c)
{
    json_t *extra = json_object();
    const char *key;
    json_t *v;
    char *text;

    if (extra == NULL)
        return NULL;
    json_object_foreach((json_t *)c, key, v) {
        if (strcmp(key, "slug") != 0 && strcmp(key, "name") != 0 &&
            strcmp(key, "voivodeship") != 0 && strcmp(key, "programme") != 0 &&
            key[0] != '_')
            json_object_set(extra, key, v);
    }
    /* the voivodeship's TERC code, for joining to official statistics */
    if (registry_voivodeship_code(str_or_null(c, "voivodeship")) != NULL)
        json_object_set_new(extra, "voivodeship_code",
                            json_string(registry_voivodeship_code(str_or_null(c, "voivodeship"))));
    text = json_dumps(extra, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(extra);
    return text;
}

static int store_cities(PGconn *conn, const struct registry *reg, char *err, size_t errlen)
{
    size_t i;
    json_t *c;

    json_array_foreach(reg->cities, i, c) {
        char *extra = city_extra(c);
        const char *params[5] = { str_or_null(c, "slug"), str_or_null(c, "name"),
                                  str_or_null(c, "voivodeship"),
                                  json_is_true(json_object_get(c, "programme")) ? "t" : "f",
                                  extra };
        int rc;

        if (extra == NULL)
            return err_set(err, errlen, "out of memory");
        rc = db_exec(conn,
                     "INSERT INTO city (slug, name, voivodeship, programme, extra) "
                     "VALUES ($1, $2, $3, $4::boolean, $5::jsonb) "
                     "ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name, "
                     "voivodeship = EXCLUDED.voivodeship, programme = EXCLUDED.programme, "
                     "extra = EXCLUDED.extra",
                     5, params, NULL, NULL, err, errlen);
        free(extra);
        if (rc != 0)
            return err_prefix(err, errlen, "city \"%s\"", params[0]);
    }
    return 0;
}

static int store_networks(PGconn *conn, const struct registry *reg, char *err, size_t errlen)
{
    size_t i;
    json_t *nw;

    json_array_foreach(reg->networks, i, nw) {
        const char *params[4] = { str_or_null(nw, "slug"), str_or_null(nw, "name"),
                                  str_or_null(nw, "name_en"), str_or_null(nw, "description") };

        if (db_exec(conn,
                    "INSERT INTO network (slug, name, name_en, description) "
                    "VALUES ($1, $2, $3, $4) ON CONFLICT (slug) DO UPDATE SET "
                    "name = EXCLUDED.name, name_en = EXCLUDED.name_en, "
                    "description = EXCLUDED.description",
                    4, params, NULL, NULL, err, errlen) != 0)
            return err_prefix(err, errlen, "network \"%s\"", params[0]);
    }
    return 0;
}

static int store_memberships(PGconn *conn, const struct registry *reg, char *err,
                             size_t errlen)
{
    size_t i;
    json_t *m;

    /* The files are the whole truth about memberships: drop the rest first,
     * inside the same transaction. */
    if (db_exec(conn, "DELETE FROM network_member", 0, NULL, NULL, NULL, err, errlen) != 0)
        return -1;
    json_array_foreach(reg->memberships, i, m) {
        const char *params[6] = { str_or_null(m, "network"), str_or_null(m, "city"),
                                  str_or_null(m, "role"), str_or_null(m, "since"),
                                  str_or_null(m, "until"),
                                  json_is_true(json_object_get(m, "example")) ? "t" : "f" };

        if (db_exec(conn,
                    "INSERT INTO network_member (network, city, role, since, until, example) "
                    "VALUES ($1, $2, $3, $4::date, $5::date, $6::boolean)",
                    6, params, NULL, NULL, err, errlen) != 0)
            return err_prefix(err, errlen, "membership %s/%s", params[0], params[1]);
    }
    return 0;
}

/* A copy of v without the comment keys ("_..."), which may change freely. */
static json_t *without_comments(const json_t *v)
{
    json_t *copy;
    const char *key;
    json_t *el;
    size_t i;

    if (json_is_array(v)) {
        copy = json_array();
        json_array_foreach((json_t *)v, i, el)
            if (copy == NULL || json_array_append_new(copy, without_comments(el)) != 0) {
                json_decref(copy);
                return NULL;
            }
        return copy;
    }
    if (!json_is_object(v))
        return json_incref((json_t *)v);
    copy = json_object();
    json_object_foreach((json_t *)v, key, el)
        if (copy == NULL || (key[0] != '_' &&
                             json_object_set_new(copy, key, without_comments(el)) != 0)) {
            json_decref(copy);
            return NULL;
        }
    return copy;
}

static char *definition_text(const struct survey *s)
{
    json_t *clean = without_comments(survey_document(s));
    char *text = clean != NULL ? json_dumps(clean, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

    json_decref(clean);
    return text;
}

/* Inserts versions not stored yet; a stored version must be the same. */
static int store_surveys(PGconn *conn, const struct registry *reg, char *err, size_t errlen)
{
    for (size_t i = 0; i < reg->nsurveys; i++) {
        const struct survey *s = reg->surveys[i];
        char version[16];
        char *def = definition_text(s);
        const char *params[3] = { s->slug, version, def };
        PGresult *res;
        int rc;

        if (def == NULL)
            return err_set(err, errlen, "out of memory");
        snprintf(version, sizeof version, "%d", s->version);
        /* A loaded version's meaning cannot change; which networks its
         * reports compare a city with (benchmark_networks) is no part of
         * that meaning, so only that field may be updated in place. */
        rc = db_exec(conn,
                     "WITH ins AS (INSERT INTO survey (slug, version, definition) "
                     "VALUES ($1, $2::integer, $3::jsonb) ON CONFLICT (slug, version) DO NOTHING "
                     "RETURNING 1), "
                     "upd AS (UPDATE survey SET definition = $3::jsonb WHERE slug = $1 "
                     "AND version = $2::integer AND definition <> $3::jsonb "
                     "AND definition - 'benchmark_networks' = $3::jsonb - 'benchmark_networks' "
                     "RETURNING 1) "
                     "SELECT (SELECT count(*) FROM ins), "
                     "(SELECT definition - 'benchmark_networks' = "
                     "$3::jsonb - 'benchmark_networks' FROM survey WHERE slug = $1 "
                     "AND version = $2::integer), (SELECT count(*) FROM upd)",
                     3, params, &res, NULL, err, errlen);
        free(def);
        if (rc != 0)
            return err_prefix(err, errlen, "%s", reg->survey_files[i]);
        rc = strcmp(PQgetvalue(res, 0, 0), "0") == 0 && strcmp(PQgetvalue(res, 0, 1), "t") != 0;
        PQclear(res);
        if (rc)
            return err_set(err, errlen, "%s: survey \"%s\" version %d is already loaded with a "
                           "different definition; a loaded version cannot change: give the "
                           "changed instrument a new \"version\"", reg->survey_files[i],
                           s->slug, s->version);
    }
    return 0;
}

static int store_waves(PGconn *conn, const struct registry *reg, char *err, size_t errlen)
{
    size_t i;
    json_t *w;

    json_array_foreach(reg->waves, i, w) {
        char version[24];
        const char *params[5] = { str_or_null(w, "survey"), str_or_null(w, "label"), version,
                                  str_or_null(w, "opens_on"), str_or_null(w, "closes_on") };
        PGresult *res;
        int moved;

        snprintf(version, sizeof version, "%" JSON_INTEGER_FORMAT,
                 json_integer_value(json_object_get(w, "survey_version")));
        if (db_exec(conn,
                    "SELECT EXISTS (SELECT 1 FROM response WHERE survey = $1 AND wave = $2 "
                    "AND survey_version <> $3::integer)",
                    3, params, &res, NULL, err, errlen) != 0)
            return err_prefix(err, errlen, "wave %s/%s", params[0], params[1]);
        moved = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
        PQclear(res);
        if (moved)
            return err_set(err, errlen, "waves.json: waves[%zu]: field \"survey_version\": wave "
                           "\"%s\" of \"%s\" has responses to another version of the survey",
                           i, params[1], params[0]);
        if (db_exec(conn,
                    "INSERT INTO wave (survey, label, survey_version, opens_on, closes_on) "
                    "VALUES ($1, $2, $3::integer, $4::date, $5::date) "
                    "ON CONFLICT (survey, label) DO UPDATE SET "
                    "survey_version = EXCLUDED.survey_version, opens_on = EXCLUDED.opens_on, "
                    "closes_on = EXCLUDED.closes_on",
                    5, params, NULL, NULL, err, errlen) != 0)
            return err_prefix(err, errlen, "wave %s/%s", params[0], params[1]);
    }
    return 0;
}

int registry_store(PGconn *conn, const struct registry *reg, struct registry_counts *counts,
                   char *err, size_t errlen)
{
    if (db_begin(conn, err, errlen) != 0)
        return -1;
    if (store_cities(conn, reg, err, errlen) != 0 ||
        store_networks(conn, reg, err, errlen) != 0 ||
        store_memberships(conn, reg, err, errlen) != 0 ||
        store_surveys(conn, reg, err, errlen) != 0 ||
        store_waves(conn, reg, err, errlen) != 0 ||
        db_commit(conn, err, errlen) != 0) {
        db_rollback(conn);
        return -1;
    }
    if (counts != NULL) {
        counts->cities = json_array_size(reg->cities);
        counts->networks = json_array_size(reg->networks);
        counts->memberships = json_array_size(reg->memberships);
        counts->surveys = reg->nsurveys;
        counts->waves = json_array_size(reg->waves);
    }
    return 0;
}

static int catalog_fill(const struct registry *reg, struct catalog *cat, char *err,
                        size_t errlen)
{
    size_t i;
    json_t *v;

    for (i = 0; i < reg->nsurveys; i++) {
        struct survey *copy;

        if (survey_parse(survey_document(reg->surveys[i]), reg->survey_files[i], &copy, err,
                         errlen) != 0 ||
            catalog_add_survey(cat, copy, err, errlen) != 0)
            return -1;
    }
    json_array_foreach(reg->waves, i, v)
        if (catalog_add_wave(cat, str_or_null(v, "survey"), str_or_null(v, "label"),
                             (int)json_integer_value(json_object_get(v, "survey_version")),
                             str_or_null(v, "opens_on"), str_or_null(v, "closes_on"), err,
                             errlen) != 0)
            return -1;
    json_array_foreach(reg->cities, i, v)
        if (catalog_add_city(cat, str_or_null(v, "slug"), err, errlen) != 0)
            return -1;
    return 0;
}

int registry_catalog(const struct registry *reg, struct catalog **out, char *err,
                     size_t errlen)
{
    struct catalog *cat = catalog_new();

    *out = NULL;
    if (cat == NULL)
        return err_set(err, errlen, "out of memory");
    if (catalog_fill(reg, cat, err, errlen) != 0) {
        catalog_free(cat);
        return -1;
    }
    *out = cat;
    return 0;
}

size_t registry_nwarnings(const struct registry *reg)
{
    return reg->nwarnings;
}

const char *registry_warning(const struct registry *reg, size_t i)
{
    return i < reg->nwarnings ? reg->warnings[i] : NULL;
}
