#include "registry.h"

#include "db.h"
#include "err.h"
#include "jsonv.h"
#include "survey.h"

#include <glob.h>
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
};

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

/*
 * "population": {SURVEY: {"example": bool, "source": text,
 *                         "cells": {CODE1: {CODE2: count}} | "margins": {ATTR: {CODE: count}}}}
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
        json_object_foreach((json_t *)(cells ? cells : margins), key, v) {
            /* cells are keyed by the first attribute's codes, margins by
             * attribute codes */
            if (cells != NULL && !is_code_key(key))
                return err_set(err, errlen, "%s: field \"cells\": \"%s\" is not a category "
                               "code", at, key);
            if (validate_counts(v, at, cells ? "cells" : "margins", err, errlen) != 0)
                return -1;
        }
    }
    return 0;
}

static int validate_cities(const char *file, json_t *cities, char *err, size_t errlen)
{
    static const char *const keys[] = { "slug", "name", "voivodeship", "programme",
                                        "seed_form", "headcount", "population", NULL };
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
            jsonv_int(c, "headcount", 0, 1, 1000000, 0, &v, where, err, errlen) != 0)
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
