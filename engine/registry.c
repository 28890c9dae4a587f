#include "registry.h"

#include "db.h"
#include "err.h"
#include "jsonv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct registry {
    json_t *cities;      /* the validated arrays, owned through the roots */
    json_t *networks;
    json_t *memberships;
    json_t *roots[3];
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
        if (json_object_get(c, "population") != NULL &&
            !json_is_object(json_object_get(c, "population")))
            return err_set(err, errlen, "%s: field \"population\": expected an object", where);
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

int registry_read(const char *dir, struct registry **out, char *err, size_t errlen)
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
    for (size_t i = 0; i < 3; i++)
        json_decref(reg->roots[i]);
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

int registry_store(PGconn *conn, const struct registry *reg, struct registry_counts *counts,
                   char *err, size_t errlen)
{
    if (db_begin(conn, err, errlen) != 0)
        return -1;
    if (store_cities(conn, reg, err, errlen) != 0 ||
        store_networks(conn, reg, err, errlen) != 0 ||
        store_memberships(conn, reg, err, errlen) != 0 ||
        db_commit(conn, err, errlen) != 0) {
        db_rollback(conn);
        return -1;
    }
    if (counts != NULL) {
        counts->cities = json_array_size(reg->cities);
        counts->networks = json_array_size(reg->networks);
        counts->memberships = json_array_size(reg->memberships);
    }
    return 0;
}
