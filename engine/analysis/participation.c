#include "participation.h"

#include "anon.h"
#include "db.h"
#include "err.h"
#include "results.h"
#include "survey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The cities in scope: the programme's, and any other with responses in
 * the wave. $1 city, $2 network (either NULL), $3 survey, $4 wave. */
static const char *const cities_sql =
    "SELECT c.slug, c.name, (c.extra->>'headcount')::int, "
    "coalesce((c.extra->>'example_headcount')::boolean, false), "
    "coalesce(c.extra->'departments', '{}')::text "
    "FROM city c WHERE ($1::text IS NULL OR c.slug = $1) "
    "AND ($2::text IS NULL OR c.slug IN (SELECT m.city FROM network_member m "
    "WHERE m.network = $2 AND m.role = 'member')) "
    "AND (c.programme OR c.slug = $1 OR EXISTS (SELECT 1 FROM response r WHERE r.city = c.slug "
    "AND r.survey = $3 AND r.wave = $4)) ORDER BY c.slug";

/* Responses per city and day of receipt, void ones left out. */
static const char *const days_sql =
    "SELECT r.city, r.received_on::text, count(*) FROM response r "
    "WHERE r.survey = $3 AND r.wave = $4 AND ($1::text IS NULL OR r.city = $1) "
    "AND ($2::text IS NULL OR r.city IN (SELECT m.city FROM network_member m "
    "WHERE m.network = $2 AND m.role = 'member')) "
    "AND (r.city, r.id) NOT IN (SELECT v.city, v.id FROM response_void v) "
    "GROUP BY 1, 2 ORDER BY 1, 2";

static json_t *rate(double responses, double headcount)
{
    return headcount > 0 ? json_real(responses / headcount) : json_null();
}

/* A department's part in the results document's city group (broken down
 * by the department attribute): its respondents, -1 when hidden (its
 * reason in *why), 0 when it holds nobody. */
static double part_count(const json_t *group, int code, const char **why)
{
    size_t i;
    json_t *p;

    *why = NULL;
    json_array_foreach(json_object_get(json_object_get(group, "breakdown"), "parts"), i, p) {
        if (!json_is_integer(json_object_get(p, "value")) ||
            json_integer_value(json_object_get(p, "value")) != code)
            continue;
        if (json_is_true(json_object_get(p, "suppressed"))) {
            *why = json_string_value(json_object_get(p, "reason"));
            return -1;
        }
        return json_number_value(json_object_get(p, "respondents"));
    }
    return 0;
}

/* The departments of one city that the registry gives a headcount for
 * (heads: code -> number) for attribute attr, with their responses as the
 * results document shows them (group: the city, broken down by attr): a
 * department the statistics hide is hidden here too, for the same reason,
 * so participation never shows what the anonymity rules hide (anon.h). */
static json_t *departments(const struct survey_attr *attr, json_t *heads, const json_t *group)
{
    json_t *arr = json_array();

    if (arr == NULL)
        return NULL;
    for (size_t i = 0; i < attr->noptions; i++) {
        const struct survey_option *opt = &attr->options[i];
        const char *why;
        char code[16];
        json_t *h, *d;
        double hc, n;

        snprintf(code, sizeof code, "%d", opt->code);
        h = json_object_get(heads, code);
        if (!json_is_integer(h))
            continue;
        hc = (double)json_integer_value(h);
        n = group != NULL && !json_is_true(json_object_get(group, "suppressed"))
                ? part_count(group, opt->code, &why)
                : (why = json_string_value(json_object_get(group, "reason")), -1);
        d = json_pack("{s:i,s:s,s:I,s:o,s:o,s:b}", "code", opt->code, "label",
                      opt->label_pl != NULL ? opt->label_pl : "", "headcount", (json_int_t)hc,
                      "responses", n < 0 ? json_null() : json_integer((json_int_t)n), "rate",
                      n < 0 ? json_null() : rate(n, hc), "hidden", n < 0);
        if (d != NULL && n < 0)
            json_object_set_new(d, "reason", json_string(why ? why : "below_threshold"));
        if (d == NULL || json_array_append_new(arr, d) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

json_t *participation_load(PGconn *conn, const struct catalog *cat, const char *survey,
                           const char *wave, const char *city, const char *network,
                           int *unknown, char *err, size_t errlen)
{
    const struct catalog_wave *const *waves;
    const struct catalog_wave *w = NULL;
    const struct survey *s;
    PGresult *cres = NULL, *dres = NULL;
    const char *params[4];
    json_t *results = NULL;
    size_t nwaves = 0;
    json_t *doc = NULL, *list, *dept_attr = NULL;
    double total = 0, total_heads = 0;
    size_t hidden_cities = 0;
    int threshold, dept_index = -1, heads_known = 0;

    *unknown = 0;
    waves = catalog_waves(cat, survey, &nwaves);
    if (nwaves == 0) {
        *unknown = 1;
        return err_set(err, errlen, "no survey '%s' (or it has no waves)", survey), NULL;
    }
    w = wave != NULL ? catalog_wave(cat, survey, wave) : waves[nwaves - 1];
    if (w == NULL) {
        *unknown = 1;
        return err_set(err, errlen, "survey '%s' has no wave '%s'", survey, wave), NULL;
    }
    s = catalog_survey(cat, survey, w->survey_version);
    if (s == NULL)
        return err_set(err, errlen, "survey '%s' version %d is not loaded", survey,
                       w->survey_version), NULL;
    threshold = anon_threshold(s->anonymity_threshold);
    params[0] = city;
    params[1] = network;
    params[2] = survey;
    params[3] = w->label;
    if (db_exec(conn, cities_sql, 4, params, &cres, NULL, err, errlen) != 0 ||
        db_exec(conn, days_sql, 4, params, &dres, NULL, err, errlen) != 0)
        goto fail;
    /* the department attribute: the first one a city in scope has headcounts for */
    for (int i = 0; i < PQntuples(cres) && dept_index < 0; i++) {
        json_t *d = json_loads(PQgetvalue(cres, i, 4), 0, NULL);
        const char *key;
        json_t *v;

        json_object_foreach(d, key, v) {
            int k = survey_attr_index(s, key);

            if (k >= 0 && json_is_object(v)) {
                dept_index = k;
                break;
            }
        }
        json_decref(d);
    }
    /* what the statistics show and hide of the wave, broken down by the
     * department attribute when there is one: the same document, so the
     * same anonymity flags */
    if (dept_index >= 0)
        dept_attr = json_string(s->attrs[dept_index].code);
    results = results_load(conn, cat, survey, dept_index >= 0 ? s->attrs[dept_index].code : NULL,
                           0, NULL, NULL, err, errlen);
    if (results == NULL)
        goto fail;
    list = json_array();
    doc = json_pack("{s:s,s:s,s:s,s:s,s:i,s:o,s:o}", "survey", survey, "wave", w->label,
                    "opens_on", w->opens_on, "closes_on", w->closes_on, "threshold", threshold,
                    "department_attribute", dept_attr != NULL ? dept_attr : json_null(),
                    "cities", list);
    if (doc == NULL)
        goto oom;
    for (int i = 0; i < PQntuples(cres); i++) {
        const char *slug = PQgetvalue(cres, i, 0);
        double n = 0, heads = PQgetisnull(cres, i, 2) ? 0 : strtod(PQgetvalue(cres, i, 2), NULL);
        json_t *days = json_array(), *c, *depts = json_null();
        const json_t *g = results_group(results, w->label, "city", slug);
        int hidden = g != NULL && json_is_true(json_object_get(g, "suppressed"));

        if (days == NULL)
            goto oom;
        for (int j = 0; j < PQntuples(dres); j++) {
            if (strcmp(PQgetvalue(dres, j, 0), slug) != 0)
                continue;
            n += strtod(PQgetvalue(dres, j, 2), NULL);
            if (json_array_append_new(days, json_pack("{s:s,s:I}", "day", PQgetvalue(dres, j, 1),
                                                      "responses",
                                                      (json_int_t)strtoll(PQgetvalue(dres, j, 2),
                                                                          NULL, 10))) != 0) {
                json_decref(days);
                goto oom;
            }
        }
        if (dept_index >= 0 && !hidden) {
            json_t *all = json_loads(PQgetvalue(cres, i, 4), 0, NULL);
            json_t *heads_d = json_object_get(all, s->attrs[dept_index].code);

            if (json_is_object(heads_d))
                depts = departments(&s->attrs[dept_index], heads_d, g);
            json_decref(all);
            if (depts == NULL) {
                json_decref(days);
                goto oom;
            }
        }
        if (hidden) {
            /* the statistics hide the city in this wave: so does this */
            json_decref(days);
            c = json_pack("{s:s,s:s,s:n,s:o,s:n,s:b,s:n,s:n,s:b,s:s}", "city", slug, "name",
                          PQgetvalue(cres, i, 1), "responses", "headcount",
                          heads > 0 ? json_integer((json_int_t)heads) : json_null(), "rate",
                          "example_headcount", strcmp(PQgetvalue(cres, i, 3), "t") == 0,
                          "by_day", "departments", "hidden", 1, "reason",
                          json_string_value(json_object_get(g, "reason"))
                              ? json_string_value(json_object_get(g, "reason"))
                              : "below_threshold");
            if (c == NULL || json_array_append_new(list, c) != 0)
                goto oom;
            hidden_cities++;
            continue;
        }
        c = json_pack("{s:s,s:s,s:I,s:o,s:o,s:b,s:o,s:o,s:b}", "city", slug, "name",
                      PQgetvalue(cres, i, 1), "responses", (json_int_t)n, "headcount",
                      heads > 0 ? json_integer((json_int_t)heads) : json_null(), "rate",
                      rate(n, heads), "example_headcount",
                      strcmp(PQgetvalue(cres, i, 3), "t") == 0, "by_day", days, "departments",
                      depts, "hidden", 0);
        if (c == NULL || json_array_append_new(list, c) != 0)
            goto oom;
        total += n;
        if (heads > 0) {
            total_heads += heads;
            heads_known++;
        }
    }
    /* the total's rate counts only the cities whose headcount is known */
    if (json_object_set_new(doc, "total",
                            json_pack("{s:I,s:o,s:i}", "responses", (json_int_t)total,
                                      "headcount", heads_known > 0
                                                       ? json_integer((json_int_t)total_heads)
                                                       : json_null(),
                                      "cities_with_headcount", heads_known)) != 0)
        goto oom;
    if (heads_known > 0) {
        double with = 0;
        size_t i;
        json_t *c;

        json_array_foreach(list, i, c)
            if (json_is_integer(json_object_get(c, "headcount")))
                with += json_number_value(json_object_get(c, "responses"));
        json_object_set_new(json_object_get(doc, "total"), "rate", rate(with, total_heads));
    } else {
        json_object_set_new(json_object_get(doc, "total"), "rate", json_null());
    }
    /* a hidden city's count is in no total either: the total of the shown
     * cities, and how many are hidden */
    json_object_set_new(json_object_get(doc, "total"), "hidden_cities",
                        json_integer((json_int_t)hidden_cities));
    json_decref(results);
    PQclear(cres);
    PQclear(dres);
    return doc;
oom:
    err_set(err, errlen, "out of memory");
fail:
    json_decref(results);
    json_decref(doc);
    PQclear(cres);
    PQclear(dres);
    return NULL;
}
