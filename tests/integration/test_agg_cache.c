/*
 * The cache of closed waves (engine/analysis/agg_cache.h): the results are the same,
 * byte for byte, with and without it: the whole results document read in
 * process (1 and 2 streams, whole and split, cold cache, warm cache) and
 * `empirie stats --json`; a warm cache serves every closed wave x city and
 * never the open wave; a void response, an undone void and a response
 * imported late into a closed wave each make the entry stale (the figures
 * follow at once); the weighted survey is never cached. Data: testgen.h,
 * with the staff survey's wave 2025 still open.
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
/* 9 cities x the staff survey's closed waves (2022-2024) */
#define CLOSED_CELLS (9 * 3)

static struct testdb db;
static struct catalog *cat;

static void setup(void)
{
    testdb_create(&db, 1);
    testdb_load_registry(&db);
    testgen_responses_open(&db);
    cat = testdb_catalog(&db);
}

static void teardown(void)
{
    catalog_free(cat);
    unsetenv("EMPIRIE_AGG_CACHE");
    unsetenv("EMPIRIE_STREAMS");
    testdb_drop(&db);
}

TestSuite(agg_cache, .init = setup, .fini = teardown, .timeout = 120);

/* The whole results document as JSON text; cache "0" (off) or "1". */
static char *doc_text(const char *survey, const char *by, const char *cache,
                      const char *streams)
{
    char err[ERR_MAX];
    json_t *doc;
    char *text;

    cr_assert(setenv("EMPIRIE_AGG_CACHE", cache, 1) == 0);
    cr_assert(setenv("EMPIRIE_STREAMS", streams, 1) == 0);
    doc = results_load(db.conn, cat, survey, by, 0, NULL, NULL, err, sizeof err);
    cr_assert(doc != NULL, "%s: %s", survey, err);
    text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    cr_assert(text != NULL);
    return text;
}

static long entries(const char *where)
{
    char sql[512];

    snprintf(sql, sizeof sql, "SELECT count(*) FROM agg_cache WHERE %s", where);
    return testdb_long(&db, sql);
}

/* Without the cache, then twice with it (the first fills it), for one
 * split and a number of streams: the three texts are the same; returns
 * the text without the cache. */
static char *same_three_ways(const char *by, const char *streams)
{
    char *off = doc_text(STAFF, by, "0", streams);
    char *cold = doc_text(STAFF, by, "1", streams);
    size_t cold_served = agg_par_last_cached();
    char *warm = doc_text(STAFF, by, "1", streams);

    cr_expect(strcmp(off, cold) == 0, "by %s, %s streams: cold cache differs", by ? by : "-",
              streams);
    cr_expect(strcmp(off, warm) == 0, "by %s, %s streams: warm cache differs", by ? by : "-",
              streams);
    cr_expect_eq(agg_par_last_cached(), CLOSED_CELLS, "by %s: %zu served (cold: %zu)",
                 by ? by : "-", agg_par_last_cached(), cold_served);
    free(cold);
    free(warm);
    return off;
}

Test(agg_cache, the_document_is_the_same_with_and_without)
{
    char *a, *b;

    a = same_three_ways(NULL, "1");
    free(a);
    a = same_three_ways("staz", "2");
    free(a);
    testgen_exec(&db, "DELETE FROM agg_cache WHERE breakdown = ''");
    a = same_three_ways(NULL, "2");
    free(a);
    /* what is stored: every closed wave x city of each split, not the open
     * wave, nothing of the weighted survey */
    cr_expect_eq(entries("breakdown = '' AND survey = '" STAFF "'"), CLOSED_CELLS);
    cr_expect_eq(entries("breakdown = 'staz'"), CLOSED_CELLS);
    cr_expect_eq(entries("wave = '2025'"), 0);
    b = doc_text(YOUTH, NULL, "1", "2");
    cr_expect_eq(agg_par_last_cached(), 0);
    cr_expect_eq(entries("survey = '" YOUTH "'"), 0);
    a = doc_text(YOUTH, NULL, "0", "1");
    cr_expect(strcmp(a, b) == 0, "the weighted survey differs");
    free(a);
    free(b);
}

Test(agg_cache, voids_and_late_responses_make_an_entry_stale)
{
    char *before = same_three_ways(NULL, "2");
    char *now, *off;

    /* a void in the closed wave 2023 of krosno */
    testgen_exec(&db, "INSERT INTO response_void_audit (action, survey, wave, city, reason, "
                      "os_user, responses) VALUES ('void', '" STAFF "', '2023', 'krosno', "
                      "'test', 'test', 2)");
    testgen_exec(&db, "INSERT INTO response_void (city, id, audit) SELECT city, id, "
                      "(SELECT max(id) FROM response_void_audit) FROM response "
                      "WHERE city = 'krosno' AND survey = '" STAFF "' AND wave = '2023' "
                      "ORDER BY id LIMIT 2");
    now = doc_text(STAFF, NULL, "1", "2");
    cr_expect_eq(agg_par_last_cached(), CLOSED_CELLS - 1);
    off = doc_text(STAFF, NULL, "0", "1");
    cr_expect(strcmp(now, off) == 0, "with and without the cache differ");
    cr_expect(strcmp(now, before) != 0, "the void changed nothing");
    free(now);
    free(off);
    /* undone: the figures are those of before again */
    testgen_exec(&db, "INSERT INTO response_void_audit (action, undoes, survey, wave, city, "
                      "reason, os_user, responses) SELECT 'undo', max(id), '" STAFF "', "
                      "'2023', 'krosno', 'test', 'test', 2 FROM response_void_audit");
    testgen_exec(&db, "DELETE FROM response_void WHERE audit = (SELECT max(undoes) FROM "
                      "response_void_audit)");
    now = doc_text(STAFF, NULL, "1", "2");
    cr_expect_eq(agg_par_last_cached(), CLOSED_CELLS - 1);
    cr_expect(strcmp(now, before) == 0, "the undone void left a trace");
    free(now);
    /* a response imported late into the closed wave 2022 of zary */
    testgen_exec(&db, "INSERT INTO response (city, id, survey, wave, survey_version, attrs, "
                      "answers) SELECT 'zary', gen_random_uuid(), survey, wave, survey_version, "
                      "attrs, answers FROM response WHERE survey = '" STAFF "' AND wave = '2022' "
                      "AND city = 'zary' ORDER BY id LIMIT 1");
    now = doc_text(STAFF, NULL, "1", "2");
    cr_expect_eq(agg_par_last_cached(), CLOSED_CELLS - 1);
    off = doc_text(STAFF, NULL, "0", "2");
    cr_expect(strcmp(now, off) == 0, "with and without the cache differ");
    cr_expect(strcmp(now, before) != 0, "the late response changed nothing");
    /* and the entries are fresh again */
    free(now);
    now = doc_text(STAFF, NULL, "1", "1");
    cr_expect_eq(agg_par_last_cached(), CLOSED_CELLS);
    cr_expect(strcmp(now, off) == 0, "with and without the cache differ");
    free(now);
    free(off);
    free(before);
}

Test(agg_cache, stats_json_is_byte_identical)
{
    static char off[1 << 20], cold[1 << 20], warm[1 << 20];
    static const char *const args[] = {
        "--city krosno --json", "--city krosno --json --by wydzial", "--all --json --wave 2023",
    };

    for (size_t i = 0; i < sizeof args / sizeof args[0]; i++) {
        cr_assert(setenv("EMPIRIE_AGG_CACHE", "0", 1) == 0);
        cr_assert_eq(testdb_run(off, sizeof off, "stats --db \"%s\" --survey " STAFF " %s",
                                db.conninfo, args[i]), 0, "%s", off);
        cr_assert(setenv("EMPIRIE_AGG_CACHE", "1", 1) == 0);
        cr_assert_eq(testdb_run(cold, sizeof cold, "stats --db \"%s\" --survey " STAFF " %s",
                                db.conninfo, args[i]), 0, "%s", cold);
        cr_assert_eq(testdb_run(warm, sizeof warm, "stats --db \"%s\" --survey " STAFF " %s",
                                db.conninfo, args[i]), 0, "%s", warm);
        cr_expect(strstr(off, "\"respondents\"") != NULL, "%s", off);
        cr_expect(strcmp(off, cold) == 0, "%s: cold cache differs", args[i]);
        cr_expect(strcmp(off, warm) == 0, "%s: warm cache differs", args[i]);
    }
    cr_expect_gt(entries("breakdown = 'wydzial'"), 0);
}

/* The counts the cache's fingerprints read (response_count, migration
 * 0021) are the rows' own counts: after the generated rows, a late insert,
 * rows copied in one statement from two sessions' slots, and a TRUNCATE with
 * rows stored again. */
static long count_mismatches(void)
{
    return testdb_long(&db,
                       "SELECT (SELECT count(*) FROM (SELECT survey, wave, city, sum(n) FROM "
                       "response_count GROUP BY 1, 2, 3 HAVING sum(n) <> 0 EXCEPT SELECT "
                       "survey, wave, city, count(*) FROM response GROUP BY 1, 2, 3) a) + "
                       "(SELECT count(*) FROM (SELECT survey, wave, city, count(*) FROM response "
                       "GROUP BY 1, 2, 3 EXCEPT SELECT survey, wave, city, sum(n) FROM "
                       "response_count GROUP BY 1, 2, 3) b)");
}

Test(agg_cache, the_counts_of_the_fingerprints_follow_every_write)
{
    PGconn *other = PQconnectdb(db.conninfo);

    cr_assert(PQstatus(other) == CONNECTION_OK);
    cr_expect_gt(testdb_long(&db, "SELECT count(*) FROM response"), 1000);
    cr_expect_eq(count_mismatches(), 0, "after the generated rows");
    testgen_exec(&db, "INSERT INTO response (city, id, survey, wave, survey_version, attrs, "
                      "answers) SELECT city, gen_random_uuid(), survey, wave, survey_version, "
                      "attrs, answers FROM response WHERE survey = '" STAFF "' AND wave = '2022' "
                      "ORDER BY id LIMIT 37");
    cr_expect_eq(count_mismatches(), 0, "after a late insert of 37 rows");
    /* the same from another session (another slot, most likely) */
    PQclear(PQexec(other, "INSERT INTO response (city, id, survey, wave, survey_version, attrs, "
                          "answers) SELECT city, gen_random_uuid(), survey, wave, "
                          "survey_version, attrs, answers FROM response WHERE wave = '2024' "
                          "ORDER BY id LIMIT 50"));
    cr_expect_eq(count_mismatches(), 0, "after an insert by another session");
    cr_expect_gt(testdb_long(&db, "SELECT count(DISTINCT slot) FROM response_count"), 0);
    /* a delete (refused by response_immutable: lifted here, as an
     * administrator could) takes its rows away */
    testgen_exec(&db, "ALTER TABLE response DISABLE TRIGGER response_immutable");
    testgen_exec(&db, "DELETE FROM response WHERE id IN (SELECT id FROM response "
                      "WHERE wave = '2023' AND (city, id) NOT IN (SELECT city, id FROM "
                      "response_void) ORDER BY id LIMIT 40)");
    testgen_exec(&db, "ALTER TABLE response ENABLE TRIGGER response_immutable");
    cr_expect_eq(count_mismatches(), 0, "after a delete of 40 rows");
    /* TRUNCATE: no counts; rows again: their counts */
    testgen_exec(&db, "CREATE TEMP TABLE keep AS SELECT * FROM response");
    testgen_exec(&db, "TRUNCATE response, response_void");
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response_count"), 0);
    testgen_exec(&db, "INSERT INTO response SELECT * FROM keep");
    cr_expect_eq(count_mismatches(), 0, "after a TRUNCATE and the rows stored again");
    PQfinish(other);
}
