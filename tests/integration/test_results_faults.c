/*
 * Failures that matter fail loudly (issue 12): every allocation of the
 * suppression (anon_table, its audit, the results' flags) and of the
 * Benjamini-Hochberg family is made to fail in turn (fail.h), and each
 * build must then fail with an error instead of publishing a document with
 * less suppression or a smaller family.
 *
 * Each build is a fresh results_build of the same input (results_src_build
 * would reuse the source's model).
 *
 * The data: three cities of Kapitał Ludzki in wave 2025, one of them with a
 * department of 3 respondents, so complementary suppression and the audit
 * both have work to do.
 */
#include "catalog.h"
#include "err.h"
#include "fail.h"
#include "results.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SURVEY "satysfakcja-pracownikow"

static struct testdb db;

static void insert(const char *city, const char *attrs, int n)
{
    char sql[2048];
    PGresult *res;

    snprintf(sql, sizeof sql,
             "INSERT INTO response (city, id, survey, wave, survey_version, attrs, answers) "
             "SELECT '%s', gen_random_uuid(), w.survey, w.label, w.survey_version, '%s', "
             "array_fill((1 + i %% 5)::smallint, ARRAY[(SELECT jsonb_array_length("
             "s.definition->'items') FROM survey s WHERE s.slug = w.survey AND "
             "s.version = w.survey_version)]) FROM wave w, generate_series(1, %d) AS i "
             "WHERE w.survey = '" SURVEY "' AND w.label = '2025'",
             city, attrs, n);
    res = PQexec(db.conn, sql);
    cr_assert(PQresultStatus(res) == PGRES_COMMAND_OK, "%s", PQresultErrorMessage(res));
    PQclear(res);
}

static void setup(void)
{
    testdb_create(&db, 1);
    testdb_load_registry(&db);
    insert("konin", "{1,1,1}", 27);
    insert("konin", "{2,1,1}", 3);
    insert("jaslo", "{1,1,1}", 20);
    insert("jaslo", "{2,2,1}", 20);
    insert("krosno", "{1,2,2}", 25);
}

static void teardown(void)
{
    fail_arm(0);
    testdb_drop(&db);
}

Test(results_faults, every_allocation_of_suppression_and_bh_fails_the_build, .init = setup,
     .fini = teardown, .timeout = 600)
{
    struct catalog *cat = NULL;
    struct results_src *src;
    char err[ERR_MAX];
    json_t *doc;
    long n;

    /* every build must run the suppression, not answer from the memo */
    results_memo(0);
    cat = testdb_catalog(&db);
    src = results_src_load(db.conn, cat, NULL, SURVEY, "wydzial", NULL, NULL, err, sizeof err);
    cr_assert(src != NULL, "%s", err);
    /* a whole build, counting the allocations that matter */
    fail_arm(0);
    doc = results_build(results_src_input(src), err, sizeof err);
    n = fail_count();
    cr_assert(doc != NULL, "%s", err);
    /* the build hid something for another group's sake: the rules ran */
    {
        char *text = json_dumps(doc, 0);

        cr_assert(text != NULL && strstr(text, "protects_another_group") != NULL,
                  "no figure hidden to protect another: the test data do not exercise the rules");
        free(text);
    }
    json_decref(doc);
    cr_assert(n > 10, "only %ld allocations counted", n);
    for (long k = 1; k <= n; k++) {
        err[0] = '\0';
        fail_arm(k);
        doc = results_build(results_src_input(src), err, sizeof err);
        fail_arm(0);
        cr_expect(doc == NULL, "allocation %ld of %ld failed, yet a document was published", k,
                  n);
        cr_expect(err[0] != '\0', "allocation %ld of %ld failed without an error", k, n);
        json_decref(doc);
        if (doc != NULL)
            break;
    }
    cr_log_info("results_faults: %ld allocations made to fail in turn", n);
    results_src_free(src);
    catalog_free(cat);
}
