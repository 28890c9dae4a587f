/* registry_store: a checked registry stored in the database, in one
 * transaction (registry.h, registry_store). */
#include "registry_priv.h"

#include "db.h"
#include "err.h"
#include "jsonv.h"
#include "survey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *registry_str_or_null(const json_t *obj, const char *key)
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
    if (registry_voivodeship_code(registry_str_or_null(c, "voivodeship")) != NULL)
        json_object_set_new(extra, "voivodeship_code",
                            json_string(registry_voivodeship_code(registry_str_or_null(c, "voivodeship"))));
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
        const char *params[5] = { registry_str_or_null(c, "slug"), registry_str_or_null(c, "name"),
                                  registry_str_or_null(c, "voivodeship"),
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
        const char *params[4] = { registry_str_or_null(nw, "slug"), registry_str_or_null(nw, "name"),
                                  registry_str_or_null(nw, "name_en"), registry_str_or_null(nw, "description") };

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
        const char *params[6] = { registry_str_or_null(m, "network"), registry_str_or_null(m, "city"),
                                  registry_str_or_null(m, "role"), registry_str_or_null(m, "since"),
                                  registry_str_or_null(m, "until"),
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
        const char *params[5] = { registry_str_or_null(w, "survey"), registry_str_or_null(w, "label"), version,
                                  registry_str_or_null(w, "opens_on"), registry_str_or_null(w, "closes_on") };
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
