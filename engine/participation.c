#include "participation.h"

#include "anon.h"
#include "db.h"
#include "err.h"
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

/* Responses per city and code of the attribute at position $5 (1-based). */
static const char *const depts_sql =
    "SELECT r.city, r.attrs[$5::int]::text, count(*) FROM response r "
    "WHERE r.survey = $3 AND r.wave = $4 AND ($1::text IS NULL OR r.city = $1) "
    "AND ($2::text IS NULL OR r.city IN (SELECT m.city FROM network_member m "
    "WHERE m.network = $2 AND m.role = 'member')) "
    "AND (r.city, r.id) NOT IN (SELECT v.city, v.id FROM response_void v) "
    "AND r.attrs[$5::int] IS NOT NULL GROUP BY 1, 2";

static json_t *rate(double responses, double headcount)
{
    return headcount > 0 ? json_real(responses / headcount) : json_null();
}

/* The responses of city with attribute value code in the department query. */
static double dept_count(PGresult *res, const char *city, int code)
{
    char want[16];

    snprintf(want, sizeof want, "%d", code);
    for (int i = 0; res != NULL && i < PQntuples(res); i++)
        if (strcmp(PQgetvalue(res, i, 0), city) == 0 && strcmp(PQgetvalue(res, i, 1), want) == 0)
            return strtod(PQgetvalue(res, i, 2), NULL);
    return 0;
}

/* The departments of one city that the registry gives a headcount for
 * (heads: code -> number) for attribute attr, with their responses from
 * res; anonymity applied within the city's total: the listed departments
 * and the rest (every other department, and no department given) are one
 * partition, so no hidden count can be recovered by subtraction. */
static json_t *departments(const struct survey_attr *attr, json_t *heads, PGresult *res,
                           const char *city, double total, int threshold)
{
    size_t k = 0, m = 0;
    const struct survey_option **opt = calloc(attr->noptions + 1, sizeof *opt);
    double *n = calloc(attr->noptions + 1, sizeof *n);
    int *hidden = calloc(attr->noptions + 1, sizeof *hidden);
    json_t *arr = json_array();
    double listed = 0;

    if (opt == NULL || n == NULL || hidden == NULL || arr == NULL)
        goto fail;
    for (size_t i = 0; i < attr->noptions; i++) {
        char code[16];

        snprintf(code, sizeof code, "%d", attr->options[i].code);
        if (!json_is_integer(json_object_get(heads, code)))
            continue;
        opt[k] = &attr->options[i];
        n[k] = dept_count(res, city, attr->options[i].code);
        listed += n[k];
        k++;
    }
    n[k] = total - listed > 0 ? total - listed : 0;
    anon_partition(n, k + 1, threshold, hidden);
    for (m = 0; m < k; m++) {
        char code[16];
        json_t *h, *d;
        double hc;

        snprintf(code, sizeof code, "%d", opt[m]->code);
        h = json_object_get(heads, code);
        hc = (double)json_integer_value(h);
        d = json_pack("{s:i,s:s,s:I,s:o,s:o,s:b}", "code", opt[m]->code, "label",
                      opt[m]->label_pl != NULL ? opt[m]->label_pl : "", "headcount",
                      (json_int_t)hc, "responses",
                      hidden[m] ? json_null() : json_integer((json_int_t)n[m]), "rate",
                      hidden[m] ? json_null() : rate(n[m], hc), "hidden", hidden[m] != 0);
        if (d == NULL || json_array_append_new(arr, d) != 0)
            goto fail;
    }
    free(opt);
    free(n);
    free(hidden);
    return arr;
fail:
    free(opt);
    free(n);
    free(hidden);
    json_decref(arr);
    return NULL;
}

json_t *participation_load(PGconn *conn, const struct catalog *cat, const char *survey,
                           const char *wave, const char *city, const char *network,
                           int *unknown, char *err, size_t errlen)
{
    const struct catalog_wave *const *waves;
    const struct catalog_wave *w = NULL;
    const struct survey *s;
    PGresult *cres = NULL, *dres = NULL, *pres = NULL;
    const char *params[5];
    char pos[16];
    size_t nwaves = 0;
    json_t *doc = NULL, *list, *dept_attr = NULL;
    double total = 0, total_heads = 0;
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
    if (dept_index >= 0) {
        snprintf(pos, sizeof pos, "%d", dept_index + 1);
        params[4] = pos;
        if (db_exec(conn, depts_sql, 5, params, &pres, NULL, err, errlen) != 0)
            goto fail;
        dept_attr = json_string(s->attrs[dept_index].code);
    }
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
        if (dept_index >= 0) {
            json_t *all = json_loads(PQgetvalue(cres, i, 4), 0, NULL);
            json_t *heads_d = json_object_get(all, s->attrs[dept_index].code);

            if (json_is_object(heads_d))
                depts = departments(&s->attrs[dept_index], heads_d, pres, slug, n, threshold);
            json_decref(all);
            if (depts == NULL) {
                json_decref(days);
                goto oom;
            }
        }
        c = json_pack("{s:s,s:s,s:I,s:o,s:o,s:b,s:o,s:o}", "city", slug, "name",
                      PQgetvalue(cres, i, 1), "responses", (json_int_t)n, "headcount",
                      heads > 0 ? json_integer((json_int_t)heads) : json_null(), "rate",
                      rate(n, heads), "example_headcount",
                      strcmp(PQgetvalue(cres, i, 3), "t") == 0, "by_day", days, "departments",
                      depts);
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
    PQclear(cres);
    PQclear(dres);
    PQclear(pres);
    return doc;
oom:
    err_set(err, errlen, "out of memory");
fail:
    json_decref(doc);
    PQclear(cres);
    PQclear(dres);
    PQclear(pres);
    return NULL;
}
