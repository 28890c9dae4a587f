/* Integration: one registry snapshot (regsnap.h) for every reader, so the
 * stats name a network as the workbooks do ("Human Capital" in English: the
 * stats said "Kapitał Ludzki" before), and one default wave: with a wave in
 * the registry that opens in the future (with or without responses), the
 * commands that are not told a wave read the latest wave that has opened. */
#include "catalog.h"
#include "err.h"
#include "regsnap.h"
#include "results.h"
#include "results_model.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SURVEY "satysfakcja-pracownikow"

static struct testdb db;
static char out[1 << 21];

static void setup(void)
{
    testdb_create(&db, 1);
    testdb_load_registry(&db);
    testdb_fill_staff(&db, "2025", "{konin,jaslo,krosno}", 12);
}

static void teardown(void)
{
    testdb_drop(&db);
}

TestSuite(regsnap, .init = setup, .fini = teardown, .timeout = 120);

Test(regsnap, the_registry_as_loaded)
{
    struct regsnap *s = NULL;
    const struct regsnap_network *kl;
    const struct regsnap_city *konin;
    char err[ERR_MAX], *teryt;
    long kk = -1, ko = -1;

    cr_assert_eq(regsnap_load(db.conn, &s, err, sizeof err), 0, "%s", err);
    cr_expect_eq(s->ncities, (size_t)testdb_long(&db, "SELECT count(*) FROM city"));
    cr_expect_eq(s->nnetworks, (size_t)testdb_long(&db, "SELECT count(*) FROM network"));
    kl = regsnap_network(s, "kapital-ludzki");
    cr_assert(kl != NULL);
    cr_expect_str_eq(kl->name, "Kapitał Ludzki");
    cr_expect_str_eq(kl->name_en, "Human Capital");
    cr_expect_str_eq(regsnap_network_name(kl, 1), "Human Capital");
    cr_expect_str_eq(regsnap_network_name(kl, 0), "Kapitał Ludzki");
    cr_expect_eq(kl->nmembers,
                 (size_t)testdb_long(&db, "SELECT count(*) FROM network_member WHERE "
                                          "network = 'kapital-ludzki' AND role = 'member'"));
    cr_expect_eq(kl->nobservers, 2);
    /* members in Polish order of their names: Kędzierzyn-Koźle before Konin */
    for (size_t i = 0; i < kl->nmembers; i++) {
        if (strcmp(kl->members[i], "kedzierzyn-kozle") == 0)
            kk = (long)i;
        if (strcmp(kl->members[i], "konin") == 0)
            ko = (long)i;
    }
    cr_expect(kk >= 0 && ko == kk + 1, "kedzierzyn-kozle %ld, konin %ld", kk, ko);
    cr_expect(regsnap_is_member(s, "kapital-ludzki", "konin"));
    cr_expect(!regsnap_is_member(s, "kapital-ludzki", "gorlice"), "an observer");
    cr_expect(!regsnap_is_member(s, "kapital-ludzki", "warszawa"));
    cr_expect(!regsnap_is_member(s, "no-such-network", "konin"));
    konin = regsnap_city(s, "konin");
    cr_assert(konin != NULL);
    cr_expect_str_eq(konin->name, "Konin");
    teryt = testdb_value(&db, "SELECT extra->>'teryt' FROM city WHERE slug = 'konin'");
    cr_expect_str_eq(konin->teryt, teryt);
    free(teryt);
    cr_expect(konin->programme);
    cr_expect(regsnap_city(s, "nowhere") == NULL);
    regsnap_free(s);
}

/* What participation and the weights read from the registry's nested
 * JSON, typed in the snapshot: a department's headcount by attribute and
 * option code (a code that is not a plain integer, a count that is not a
 * whole number, left out, as participation left them out before), and a
 * survey's population entry, the same JSON the registry holds. */
Test(regsnap, departments_and_population)
{
    struct regsnap *s = NULL;
    const struct regsnap_city *konin, *cieszyn;
    const char *pop;
    char err[ERR_MAX], sql[8192];
    long long h = -1;
    PGresult *res = PQexec(db.conn,
                           "UPDATE city SET extra = extra || '{\"departments\": {\"wydzial\": "
                           "{\"1\": 64, \"2\": 41, \"03\": 7, \"4\": 2.5}, \"staz\": {\"1\": 9}, "
                           "\"kierownik\": {}}}' WHERE slug = 'konin'");

    cr_assert(PQresultStatus(res) == PGRES_COMMAND_OK, "%s", PQresultErrorMessage(res));
    PQclear(res);
    cr_assert_eq(regsnap_load(db.conn, &s, err, sizeof err), 0, "%s", err);
    konin = regsnap_city(s, "konin");
    cr_assert(konin != NULL);
    cr_expect_eq(konin->ndepts, 3, "wydzial 1 and 2, staz 1: got %zu", konin->ndepts);
    cr_expect(regsnap_dept_headcount(konin, "wydzial", 1, &h) && h == 64);
    cr_expect(regsnap_dept_headcount(konin, "wydzial", 2, &h) && h == 41);
    cr_expect(regsnap_dept_headcount(konin, "staz", 1, &h) && h == 9);
    cr_expect(!regsnap_dept_headcount(konin, "wydzial", 3, &h), "\"03\" is not code 3");
    cr_expect(!regsnap_dept_headcount(konin, "wydzial", 4, &h), "2.5 is not a headcount");
    cr_expect(!regsnap_dept_headcount(konin, "staz", 2, &h));
    /* an empty table is still the attribute's table (participation lists
     * the city's departments, none) */
    cr_expect_eq(konin->ndept_attrs, 3);
    for (size_t i = 0; i < konin->ndept_attrs; i++)
        cr_expect(strcmp(konin->dept_attrs[i], "wydzial") == 0 ||
                  strcmp(konin->dept_attrs[i], "staz") == 0 ||
                  strcmp(konin->dept_attrs[i], "kierownik") == 0, "%s", konin->dept_attrs[i]);
    cieszyn = regsnap_city(s, "cieszyn");
    cr_assert(cieszyn != NULL);
    cr_expect_eq(cieszyn->ndepts, 0);
    cr_expect_eq(cieszyn->ndept_attrs, 0);
    pop = regsnap_population(cieszyn, "mlodziez-partycypacja");
    cr_assert(pop != NULL);
    snprintf(sql, sizeof sql,
             "SELECT (extra->'population'->'mlodziez-partycypacja' = $$%s$$::jsonb)::int "
             "FROM city WHERE slug = 'cieszyn'", pop);
    cr_expect_eq(testdb_long(&db, sql), 1, "the entry as the registry holds it");
    cr_expect(regsnap_population(cieszyn, "satysfakcja-pracownikow") == NULL);
    cr_expect(regsnap_population(konin, "no-such-survey") == NULL);
    regsnap_free(s);
}

/* Failed before the snapshot: the results read the networks' Polish names
 * only, so `stats --lang en` said "Kapitał Ludzki" where the English
 * workbook says "Human Capital". */
Test(regsnap, english_network_name_in_stats)
{
    json_error_t je;
    json_t *doc;

    cr_assert_eq(testdb_run(out, sizeof out,
                            "stats --lang en --json --survey " SURVEY " --wave 2025 "
                            "--network kapital-ludzki --db \"%s\" 2>/dev/null",
                            db.conninfo),
                 0, "%s", out);
    doc = json_loads(out, 0, &je);
    cr_assert(doc != NULL, "%s", je.text);
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(doc, "group"), "name")),
                     "Human Capital");
    json_decref(doc);
    cr_assert_eq(testdb_run(out, sizeof out,
                            "stats --lang en --survey " SURVEY " --wave 2025 "
                            "--network kapital-ludzki --db \"%s\" 2>/dev/null",
                            db.conninfo),
                 0, "%s", out);
    cr_expect(strstr(out, "— Human Capital (network), wave 2025") != NULL, "%.300s", out);
    cr_assert_eq(testdb_run(out, sizeof out,
                            "stats --json --survey " SURVEY " --wave 2025 "
                            "--network kapital-ludzki --db \"%s\" 2>/dev/null",
                            db.conninfo),
                 0, "%s", out);
    cr_expect(strstr(out, "\"name\": \"Kapitał Ludzki\"") != NULL, "Polish by default");
}

static void add_future_wave(int with_responses)
{
    PGresult *res = PQexec(db.conn, "INSERT INTO wave (survey, label, survey_version, opens_on, "
                                    "closes_on) VALUES ('" SURVEY "', '2099', 2, '2099-10-01', "
                                    "'2099-10-31')");

    cr_assert(PQresultStatus(res) == PGRES_COMMAND_OK, "%s", PQresultErrorMessage(res));
    PQclear(res);
    if (with_responses)
        testdb_fill_staff(&db, "2099", "{konin,jaslo,krosno}", 12);
}

static void expect_defaults_to_2025(void)
{
    struct catalog *cat = NULL;
    struct results_src *src;
    const struct results *r;
    char err[ERR_MAX];
    json_t *doc;
    long w;

    cr_assert_eq(testdb_run(out, sizeof out,
                            "stats --lang en --survey " SURVEY " --city konin --db \"%s\" "
                            "2>/dev/null",
                            db.conninfo),
                 0, "%s", out);
    cr_expect(strstr(out, "— Konin (city), wave 2025") != NULL, "stats: %.300s", out);
    cr_assert_eq(testdb_run(out, sizeof out,
                            "participation --json --survey " SURVEY " --db \"%s\" 2>/dev/null",
                            db.conninfo),
                 0, "%s", out);
    doc = json_loads(out, 0, NULL);
    cr_assert(doc != NULL, "participation: %.300s", out);
    cr_expect_str_eq(json_string_value(json_object_get(doc, "wave")), "2025", "participation");
    json_decref(doc);
    cr_assert_eq(catalog_load(db.conn, &cat, err, sizeof err), 0, "%s", err);
    src = results_src_load(db.conn, cat, NULL, SURVEY, NULL, NULL, NULL, err, sizeof err);
    cr_assert(src != NULL, "%s", err);
    r = results_src_model(src, err, sizeof err);
    cr_assert(r != NULL, "%s", err);
    w = results_default_wave(r);
    cr_assert(w >= 0);
    cr_expect_str_eq(agg_wave(r->in->agg, (size_t)w), "2025");
    cr_expect_str_eq(agg_wave(r->in->agg, r->nwaves - 1), "2099", "the future wave is listed");
    results_src_free(src);
    catalog_free(cat);
}

Test(regsnap, future_wave_without_responses_is_not_the_default)
{
    add_future_wave(0);
    expect_defaults_to_2025();
}

Test(regsnap, future_wave_with_responses_is_not_the_default)
{
    add_future_wave(1);
    expect_defaults_to_2025();
}
