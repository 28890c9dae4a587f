/*
 * Parallel streams (engine/analysis/agg_par.h) give the same results as one stream,
 * to the last bit: the results document of both surveys (the staff survey
 * unweighted over two instrument versions; the youth survey post-stratified
 * to the registry's populations, with weights sent that are not integers,
 * so the order of every floating-point sum shows), whole and split by an
 * attribute, with some responses void, is byte for byte the same JSON text
 * read over 1, 2 and 3 connections; and so is the output of
 * `empirie stats --json`. The rows are stored in random order, so the
 * cities' order of first appearance (which orders the document) is not the
 * order of their slugs nor the order in which the streams are dealt them.
 */
#include "agg_par.h"
#include "catalog.h"
#include "err.h"
#include "results.h"
#include "testdb.h"
#include "testgen.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STAFF "satysfakcja-pracownikow"
#define YOUTH "mlodziez-partycypacja"

static struct testdb db;

static void setup(void)
{
    testdb_create(&db, 1);
    testdb_load_registry(&db);
    testgen_responses(&db);
}

static void teardown(void)
{
    unsetenv("EMPIRIE_STREAMS");
    testdb_drop(&db);
}

TestSuite(streams, .init = setup, .fini = teardown, .timeout = 120);

/* The results document as JSON text, read over `streams` connections. */
static char *doc_text(const struct catalog *cat, const char *survey, const char *by,
                      const char *streams)
{
    char err[ERR_MAX];
    json_t *doc;
    char *text;

    cr_assert(setenv("EMPIRIE_STREAMS", streams, 1) == 0);
    doc = results_load(db.conn, cat, survey, by, 0, NULL, NULL, err, sizeof err);
    cr_assert(doc != NULL, "%s (by %s, %s streams): %s", survey, by ? by : "-", streams, err);
    text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    cr_assert(text != NULL);
    return text;
}

Test(streams, the_document_is_the_same_over_one_two_and_three_connections)
{
    static const struct {
        const char *survey, *by;
    } cases[] = {
        { STAFF, NULL }, { STAFF, "staz" }, { YOUTH, NULL }, { YOUTH, "plec" },
    };
    struct catalog *cat = NULL;

    cat = testdb_catalog(&db);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *one = doc_text(cat, cases[i].survey, cases[i].by, "1");
        char *two = doc_text(cat, cases[i].survey, cases[i].by, "2");
        char *three = doc_text(cat, cases[i].survey, cases[i].by, "3");

        /* the document is not trivial: every city, weights that are not 1 */
        cr_expect(strstr(one, "\"przemysl\"") != NULL && strlen(one) > 10000, "%s", one);
        if (strcmp(cases[i].survey, YOUTH) == 0)
            cr_expect(strstr(one, "\"method\":\"post-stratification\"") != NULL);
        cr_expect(strcmp(one, two) == 0, "%s by %s: 1 and 2 streams differ", cases[i].survey,
                  cases[i].by ? cases[i].by : "-");
        cr_expect(strcmp(one, three) == 0, "%s by %s: 1 and 3 streams differ",
                  cases[i].survey, cases[i].by ? cases[i].by : "-");
        free(one);
        free(two);
        free(three);
    }
    /* the cities' order of first appearance is not their slugs' order: the
     * order was rebuilt from the rows, not taken from the registry */
    {
        char *seen = testdb_value(&db, "SELECT string_agg(city, ',' ORDER BY f) FROM (SELECT "
                                       "city, min(ctid) AS f FROM response WHERE survey = '"
                                       STAFF "' GROUP BY city) x");
        char *sorted = testdb_value(&db, "SELECT string_agg(DISTINCT city, ',') FROM response");

        cr_expect_str_neq(seen, sorted);
        free(seen);
        free(sorted);
    }
    catalog_free(cat);
}

Test(streams, the_streams_are_used_and_leave_nothing_behind)
{
    struct catalog *cat = NULL;
    char err[ERR_MAX];
    json_t *doc;

    cat = testdb_catalog(&db);
    cr_assert(setenv("EMPIRIE_STREAMS", "2", 1) == 0);
    cr_expect_eq(agg_par_streams(), 2);
    doc = results_load(db.conn, cat, STAFF, NULL, 0, NULL, NULL, err, sizeof err);
    cr_assert(doc != NULL, "%s", err);
    cr_expect_eq(agg_par_last_streams(), 2);
    json_decref(doc);
    /* the connection is back as it was: no transaction, no setting */
    cr_expect_eq(PQtransactionStatus(db.conn), PQTRANS_IDLE);
    {
        char *v = testdb_value(&db, "SELECT current_setting('enable_indexscan')");

        cr_expect_str_eq(v, "on");
        free(v);
    }
    /* inside the caller's transaction: the single stream */
    testgen_exec(&db, "BEGIN");
    doc = results_load(db.conn, cat, STAFF, NULL, 0, NULL, NULL, err, sizeof err);
    cr_assert(doc != NULL, "%s", err);
    cr_expect_eq(agg_par_last_streams(), 1);
    json_decref(doc);
    testgen_exec(&db, "COMMIT");
    cr_assert(setenv("EMPIRIE_STREAMS", "1", 1) == 0);
    cr_expect_eq(agg_par_streams(), 1);
    cr_assert(setenv("EMPIRIE_STREAMS", "x", 1) == 0);
    cr_expect_eq(agg_par_streams(), 1);
    catalog_free(cat);
}

Test(streams, stats_json_is_byte_identical)
{
    static char one[1 << 20], two[1 << 20];

    for (int by = 0; by < 2; by++) {
        const char *opt = by ? " --by wydzial" : "";

        cr_assert(setenv("EMPIRIE_STREAMS", "1", 1) == 0);
        cr_assert_eq(testdb_run(one, sizeof one, "stats --db \"%s\" --survey " STAFF
                                " --city krosno --json%s", db.conninfo, opt), 0, "%s", one);
        cr_assert(setenv("EMPIRIE_STREAMS", "2", 1) == 0);
        cr_assert_eq(testdb_run(two, sizeof two, "stats --db \"%s\" --survey " STAFF
                                " --city krosno --json%s", db.conninfo, opt), 0, "%s", two);
        cr_expect(strstr(one, "\"respondents\"") != NULL, "%s", one);
        cr_expect(strcmp(one, two) == 0, "stats --json differs over 1 and 2 streams");
        cr_assert(setenv("EMPIRIE_STREAMS", "1", 1) == 0);
        cr_assert_eq(testdb_run(one, sizeof one, "stats --db \"%s\" --survey " YOUTH
                                " --all --json%s", db.conninfo, by ? " --by plec" : ""), 0,
                     "%s", one);
        cr_assert(setenv("EMPIRIE_STREAMS", "2", 1) == 0);
        cr_assert_eq(testdb_run(two, sizeof two, "stats --db \"%s\" --survey " YOUTH
                                " --all --json%s", db.conninfo, by ? " --by plec" : ""), 0,
                     "%s", two);
        cr_expect(strcmp(one, two) == 0, "stats --json differs over 1 and 2 streams");
    }
}
