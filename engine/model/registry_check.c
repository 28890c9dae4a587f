/* registry_check: the registry's tables checked (registry_priv.h): cities,
 * TERYT codes, departments, networks, memberships, populations. */
#include "registry_priv.h"

#include "db.h"
#include "err.h"
#include "jsonv.h"
#include "survey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int registry_load_array(const char *dir, const char *name, const char *key, json_t **root,
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
int registry_check_populations(struct registry *reg, const char *file, char *err, size_t errlen)
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

/* What every entry of cities.json and networks.json must be: an object with
 * only the allowed keys and a well-formed "slug" no earlier entry has. The
 * entry's name for messages (`file: list[i] "slug"`) goes into where. */
static int check_entry(const char *file, const char *list, json_t *array, size_t i,
                       const char *const *keys, char *where, size_t wn, char *err, size_t errlen)
{
    const json_t *e = json_array_get(array, i);
    const char *s;

    entry_name(where, wn, file, list, i, e, "slug");
    if (jsonv_object_only(e, keys, where, err, errlen) != 0 ||
        jsonv_slug(e, "slug", 1, &s, where, err, errlen) != 0)
        return -1;
    if (check_unique(array, i, "slug", s) != 0)
        return err_set(err, errlen, "%s: field \"slug\": \"%s\" is used twice", where, s);
    return 0;
}

int registry_validate_cities(const char *file, json_t *cities, char *err, size_t errlen)
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

        if (check_entry(file, "cities", cities, i, keys, where, sizeof where, err, errlen) != 0)
            return -1;
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

int registry_validate_networks(const char *file, json_t *networks, char *err, size_t errlen)
{
    static const char *const keys[] = { "slug", "name", "name_en", "description", NULL };
    size_t i;
    json_t *nw;

    json_array_foreach(networks, i, nw) {
        char where[512];
        const char *s;

        if (check_entry(file, "networks", networks, i, keys, where, sizeof where, err,
                        errlen) != 0)
            return -1;
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

int registry_validate_memberships(const char *file, const struct registry *reg, char *err,
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
        if (jsonv_object_only(m, keys, where, err, errlen) != 0 ||
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
