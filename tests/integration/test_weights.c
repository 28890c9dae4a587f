/*
 * Post-stratification of the youth survey to each city's population from
 * the registry. Every respondent answers wplyw_01 with their own age-band
 * code (1-4), so the weighted mean of wplyw_01 must equal the population's
 * mean age-band code, Σ a·N_a / N, whatever the sample's own mix: exactly
 * for post-stratification on full cells (Konin's figures), and for raking
 * to margins (Nisko's figures, margins only) because raking fits the age
 * margin. The expected values are computed here from cities.json.
 */
#include "err.h"
#include "jsonv.h"
#include "registry.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SURVEY "mlodziez-partycypacja"

static struct testdb db;

static void setup(void)
{
    testdb_create(&db, 1);
    testdb_load_registry(&db);
}

static void teardown(void)
{
    testdb_drop(&db);
}

TestSuite(weights, .init = setup, .fini = teardown);

/* Inserts respondents of city in wave 2025: in cell (age a, gender g),
 * 2 + a + 3g of them (a sample whose mix differs from the population's),
 * each answering wplyw_01 = a; and `extra` respondents of gender 3. */
static void insert(const char *city, int extra)
{
    char sql[2048];
    PGresult *res;

    snprintf(sql, sizeof sql,
             "INSERT INTO response (city, id, survey, wave, survey_version, attrs, answers, weight) "
             "SELECT '%s', gen_random_uuid(), '" SURVEY "', '2025', 1, ARRAY[a, g, 2]::smallint[], "
             "array_prepend(a::smallint, array_fill(NULL::smallint, ARRAY[(SELECT "
             "jsonb_array_length(definition->'items') - 1 FROM survey WHERE slug = '" SURVEY "')])), 1 "
             "FROM generate_series(1, 4) a, generate_series(1, 3) g, generate_series(1, 20) i "
             "WHERE (g < 3 AND i <= 2 + a + 3 * g) OR (g = 3 AND i <= %d AND a = 1)",
             city, extra);
    res = PQexec(db.conn, sql);
    cr_assert(PQresultStatus(res) == PGRES_COMMAND_OK, "%s", PQresultErrorMessage(res));
    PQclear(res);
}

/* Σ a·N_a / N from the city's population figures in cities.json. */
static double population_mean_age(const char *slug)
{
    char path[1024], err[ERR_MAX];
    json_t *root, *c, *pop;
    size_t i;
    double sum = 0, n = 0;

    snprintf(path, sizeof path, "%s/surveys/registry/cities.json", testdb_root());
    cr_assert(jsonv_load_file(path, &root, err, sizeof err) == 0, "%s", err);
    json_array_foreach(json_object_get(root, "cities"), i, c) {
        if (strcmp(json_string_value(json_object_get(c, "slug")), slug) != 0)
            continue;
        pop = json_object_get(json_object_get(c, "population"), SURVEY);
        cr_assert(pop != NULL, "no population figures for %s", slug);
        for (int a = 1; a <= 4; a++) {
            char key[8];
            json_t *cells = json_object_get(pop, "cells");
            double na;

            snprintf(key, sizeof key, "%d", a);
            if (cells != NULL)
                na = json_number_value(json_object_get(json_object_get(cells, key), "1")) +
                     json_number_value(json_object_get(json_object_get(cells, key), "2"));
            else
                na = json_number_value(
                    json_object_get(json_object_get(json_object_get(pop, "margins"), "wiek"), key));
            sum += a * na;
            n += na;
        }
    }
    json_decref(root);
    cr_assert(n > 0);
    return sum / n;
}

static json_t *stats_of(const char *city)
{
    static char out[1 << 21];
    json_error_t je;
    json_t *doc;

    cr_assert_eq(testdb_run(out, sizeof out, "stats --survey " SURVEY " --wave 2025 --city %s "
                            "--json --db \"%s\" 2>/dev/null", city, db.conninfo), 0, "%s", out);
    doc = json_loads(out, 0, &je);
    cr_assert(doc != NULL, "%s", je.text);
    return doc;
}

static double item_mean(json_t *doc, const char *code)
{
    size_t i;
    json_t *it;

    json_array_foreach(json_object_get(json_object_get(doc, "group"), "items"), i, it)
        if (strcmp(json_string_value(json_object_get(it, "code")), code) == 0)
            return json_number_value(json_object_get(it, "mean"));
    cr_assert_fail("no item %s", code);
    return 0;
}

Test(weights, cells_post_stratify_to_the_population)
{
    json_t *doc;
    double expected = population_mean_age("konin");

    insert("konin", 0);
    doc = stats_of("konin");
    cr_expect_float_eq(item_mean(doc, "wplyw_01"), expected, 1e-9, "got %.12f want %.12f",
                       item_mean(doc, "wplyw_01"), expected);
    json_decref(doc);
}

Test(weights, margins_are_raked)
{
    json_t *doc;
    double expected = population_mean_age("nisko");

    insert("nisko", 0);
    doc = stats_of("nisko");
    cr_expect_float_eq(item_mean(doc, "wplyw_01"), expected, 1e-8, "got %.12f want %.12f",
                       item_mean(doc, "wplyw_01"), expected);
    json_decref(doc);
}

/* Respondents outside the population's categories keep weight 1: with 5
 * of them (all age band 1) the mean moves towards 1 by exactly that. */
Test(weights, unclassified_respondents_keep_weight_one)
{
    json_t *doc;
    double expected = population_mean_age("konin");
    double n_classified = 0;

    for (int a = 1; a <= 4; a++)
        for (int g = 1; g <= 2; g++)
            n_classified += 2 + a + 3 * g;
    insert("konin", 5);
    doc = stats_of("konin");
    /* post-stratified weights average 1 over the classified respondents */
    expected = (expected * n_classified + 5 * 1.0) / (n_classified + 5);
    cr_expect_float_eq(item_mean(doc, "wplyw_01"), expected, 1e-9, "got %.12f want %.12f",
                       item_mean(doc, "wplyw_01"), expected);
    json_decref(doc);
}
