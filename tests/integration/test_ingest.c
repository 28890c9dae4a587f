/* Integration: storing responses (engine/intake/ingest.c) in a real database. */
#include "catalog.h"
#include "db.h"
#include "err.h"
#include "ingest.h"
#include "registry.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct testdb db;
static struct catalog *cat;

static void setup(void)
{
    testdb_create(&db, 1);
    testdb_load_registry(&db);
    cat = testdb_catalog(&db);
}

static void teardown(void)
{
    catalog_free(cat);
    testdb_drop(&db);
}

TestSuite(ingest, .init = setup, .fini = teardown);

#define EMP(id, city, a) "{\"survey\": \"satysfakcja-pracownikow\", \"wave\": \"2024\", " \
    "\"city\": \"" city "\", \"id\": \"" id "\", \"attributes\": {\"wydzial\": 1, \"staz\": 2}, " \
    "\"answers\": {\"warunki_01\": " a ", \"warunki_05\": 5, \"uwagi\": \"Więcej \\\"szkoleń\\\"\"}}"
#define U1 "11111111-1111-4111-8111-111111111111"
#define U2 "22222222-2222-4222-8222-222222222222"
#define U3 "33333333-3333-4333-8333-333333333333"

static int post(const char *body, const char *only_city, struct ingest_result *res)
{
    return ingest_body(db.conn, cat, body, strlen(body), only_city, res);
}

static char *snapshot(void)
{
    return testdb_value(&db, "SELECT coalesce(string_agg(format('%s/%s/%s/%s/%s/%s/%s/%s', city, "
                             "id, survey, wave, survey_version, attrs, answers, texts), ',' "
                             "ORDER BY city, id), '') FROM response");
}

Test(ingest, created_then_stored_as_given)
{
    struct ingest_result res;
    char *v;

    cr_assert_eq(post("[" EMP(U1, "konin", "4") "," EMP(U2, "konin", "2") "]", NULL, &res), OUTCOME_OK,
                 "%s", res.error.message);
    cr_expect_eq(res.created, 2);
    cr_expect_eq(res.duplicates, 0);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 2);
    v = testdb_value(&db, "SELECT answers[1] || '/' || answers[5] || '/' || survey_version || '/' "
                          "|| attrs::text || '/' || texts[array_length(texts, 1)] || '/' || "
                          "coalesce(weight::text, 'none') || '/' || (received_on = current_date) "
                          "FROM response WHERE id = '" U1 "'");
    cr_expect_str_eq(v, "4/5/2/{1,2,NULL}/Więcej \"szkoleń\"/none/true");
    free(v);
}

Test(ingest, duplicate_with_same_content_is_stored_once)
{
    struct ingest_result res;

    cr_assert_eq(post(EMP(U1, "konin", "4"), NULL, &res), OUTCOME_OK, "%s", res.error.message);
    cr_assert_eq(post("[" EMP(U1, "konin", "4") "," EMP(U2, "konin", "3") "]", NULL, &res), OUTCOME_OK,
                 "%s", res.error.message);
    cr_expect_eq(res.created, 1);
    cr_expect_eq(res.duplicates, 1);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 2);
    /* the same id in another city is another respondent */
    cr_assert_eq(post(EMP(U1, "zabrze", "4"), NULL, &res), OUTCOME_OK, "%s", res.error.message);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 3);
}

Test(ingest, weighted_youth_response_round_trips)
{
    struct ingest_result res;
    const char *body = "{\"survey\": \"mlodziez-partycypacja\", \"wave\": \"2025\", \"city\": "
                       "\"krosno\", \"id\": \"" U3 "\", \"attributes\": {\"wiek\": 1}, \"weight\": "
                       "0.1, \"answers\": {\"zrodla_info\": [1, 5], \"zostanie\": 9}}";
    char *v;

    cr_assert_eq(post(body, NULL, &res), OUTCOME_OK, "%s", res.error.message);
    cr_assert_eq(post(body, NULL, &res), OUTCOME_OK, "%s", res.error.message);
    cr_expect_eq(res.duplicates, 1, "a weight of 0.1 compares equal after the round trip");
    v = testdb_value(&db, "SELECT (weight = 0.1::float8 AND texts[array_length(texts, 1)] IS NULL "
                          "AND array_length(texts, 1) = array_length(answers, 1))::text FROM response");
    cr_expect_str_eq(v, "true");
    free(v);
    cr_expect_eq(testdb_long(&db, "SELECT answers[array_position(answers, 34::smallint)] FROM response"),
                 34);
}

Test(ingest, conflict_is_409_and_changes_nothing)
{
    struct ingest_result res;
    char *before, *after;

    cr_assert_eq(post(EMP(U1, "konin", "4"), NULL, &res), OUTCOME_OK, "%s", res.error.message);
    before = snapshot();
    cr_expect_eq(post("[" EMP(U2, "konin", "4") "," EMP(U1, "konin", "5") "]", NULL, &res), OUTCOME_CONFLICT);
    cr_expect_str_eq(res.error.path, "[1].id");
    cr_expect(strstr(res.error.message, "different content") != NULL, "%s", res.error.message);
    after = snapshot();
    cr_expect_str_eq(before, after, "the 409 body stored something");
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 1);
    free(before);
    free(after);
}

/* A response given twice with the same content is kept once; the paths of
 * later errors still count the body's own positions. */
Test(ingest, error_paths_count_positions_in_the_body)
{
    struct ingest_result res;

    cr_assert_eq(post(EMP(U1, "konin", "4"), NULL, &res), OUTCOME_OK, "%s", res.error.message);
    cr_expect_eq(post("[" EMP(U2, "konin", "4") "," EMP(U2, "konin", "4") "," EMP(U1, "konin", "5")
                      "]", NULL, &res), OUTCOME_CONFLICT);
    cr_expect_str_eq(res.error.path, "[2].id");
    cr_expect_eq(post("[" EMP(U2, "konin", "4") "," EMP(U2, "konin", "4") "," EMP(U3, "zabrze", "4")
                      "]", "konin", &res), OUTCOME_FORBIDDEN);
    cr_expect_str_eq(res.error.path, "[2].city");
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 1);
}

Test(ingest, collector_scope_is_403_and_changes_nothing)
{
    struct ingest_result res;

    cr_expect_eq(post("[" EMP(U1, "konin", "4") "," EMP(U2, "zabrze", "4") "]", "konin", &res), OUTCOME_FORBIDDEN);
    cr_expect_str_eq(res.error.path, "[1].city");
    cr_expect(strstr(res.error.message, "\"konin\" only") != NULL, "%s", res.error.message);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 0);
    cr_expect_eq(post(EMP(U1, "konin", "4"), "konin", &res), OUTCOME_OK, "%s", res.error.message);
}

Test(ingest, invalid_body_is_400)
{
    struct ingest_result res;

    cr_expect_eq(post(EMP(U1, "konin", "7"), NULL, &res), OUTCOME_INVALID);
    cr_expect_str_eq(res.error.path, "answers.warunki_01");
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 0);
}

Test(ingest, broken_connection_is_503)
{
    struct ingest_result res;
    PGconn *dead = PQconnectdb(db.conninfo);
    char sql[128];
    PGresult *r;

    cr_assert(PQstatus(dead) == CONNECTION_OK);
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%d)", PQbackendPID(dead));
    r = PQexec(db.conn, sql);
    PQclear(r);
    cr_expect_eq(ingest_body(dead, cat, EMP(U1, "konin", "4"), strlen(EMP(U1, "konin", "4")), NULL,
                             &res), OUTCOME_UNAVAILABLE, "%d %s", (int)res.outcome,
                 res.error.message);
    PQfinish(dead);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 0);
}

/* 1000 responses in one body: one transaction, a handful of round trips. */
Test(ingest, full_batch)
{
    size_t cap = 1000 * 400;
    char *body = malloc(cap);
    size_t len = 0;
    struct ingest_result res;

    cr_assert(body != NULL);
    body[len++] = '[';
    for (int i = 0; i < RESPONSE_MAX_BATCH; i++)
        len += (size_t)snprintf(body + len, cap - len,
                                "%s{\"survey\": \"satysfakcja-pracownikow\", \"wave\": \"2022\", "
                                "\"city\": \"konin\", \"id\": \"00000000-0000-4000-8000-%012d\", "
                                "\"attributes\": {\"wydzial\": %d, \"staz\": 1}, \"answers\": "
                                "{\"warunki_01\": %d, \"enps\": %d}}",
                                i ? "," : "", i, 1 + i % 9, 1 + i % 5, i % 11);
    body[len++] = ']';
    cr_assert_eq(ingest_body(db.conn, cat, body, len, NULL, &res), OUTCOME_OK, "%s", res.error.message);
    cr_expect_eq(res.created, 1000);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response WHERE survey_version = 1"), 1000);
    cr_expect_eq(testdb_long(&db, "SELECT sum(answers[1]) FROM response"), 3000);
    free(body);
}

/* A body of 100 responses, ids first..first+99; the response at position
 * odd (or none: -1) has other answers than the rest. Caller frees. */
static char *hundred(int first, int odd)
{
    size_t cap = 100 * 400, len = 0;
    char *body = malloc(cap);

    cr_assert(body != NULL);
    body[len++] = '[';
    for (int i = 0; i < 100; i++)
        len += (size_t)snprintf(body + len, cap - len,
                                "%s{\"survey\": \"satysfakcja-pracownikow\", \"wave\": \"2022\", "
                                "\"city\": \"konin\", \"id\": \"00000000-0000-4000-8000-%012d\", "
                                "\"attributes\": {\"wydzial\": 1, \"staz\": 1}, \"answers\": "
                                "{\"warunki_01\": %d}}",
                                i ? "," : "", first + i, i == odd ? 5 : 3);
    body[len++] = ']';
    body[len] = '\0';
    return body;
}

Test(ingest, resubmitted_batch_is_all_duplicates)
{
    struct ingest_result res;
    char *body = hundred(0, -1);

    cr_assert_eq(post(body, NULL, &res), OUTCOME_OK, "%s", res.error.message);
    cr_expect_eq(res.created, 100);
    cr_assert_eq(post(body, NULL, &res), OUTCOME_OK, "%s", res.error.message);
    cr_expect_eq(res.created, 0);
    cr_expect_eq(res.duplicates, 100);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 100);
    free(body);
}

/* New rows around one stored with other content: 409 naming it, and none of
 * the new rows stored. */
Test(ingest, batch_with_one_conflict_stores_nothing)
{
    struct ingest_result res;
    char *first = hundred(50, -1), *second = hundred(0, 57), *before, *after;

    cr_assert_eq(post(first, NULL, &res), OUTCOME_OK, "%s", res.error.message);
    before = snapshot();
    cr_expect_eq(post(second, NULL, &res), OUTCOME_CONFLICT, "%d %s", (int)res.outcome,
                 res.error.message);
    cr_expect_str_eq(res.error.path, "[57].id");
    after = snapshot();
    cr_expect_str_eq(before, after, "the 409 body stored something");
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 100);
    /* the same ids with the stored content: the new half is stored */
    free(second);
    second = hundred(0, -1);
    cr_assert_eq(post(second, NULL, &res), OUTCOME_OK, "%s", res.error.message);
    cr_expect_eq(res.created, 50);
    cr_expect_eq(res.duplicates, 50);
    free(first);
    free(second);
    free(before);
    free(after);
}

/* The fast statement is prepared per connection: a session that lost it
 * (DEALLOCATE, as after a reconnect) prepares it again. */
Test(ingest, prepared_again_when_the_session_lost_it)
{
    struct ingest_result res;
    PGresult *r;

    cr_assert_eq(post(EMP(U1, "konin", "4"), NULL, &res), OUTCOME_OK, "%s", res.error.message);
    r = PQexec(db.conn, "DEALLOCATE ALL");
    cr_assert_eq(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    cr_assert_eq(post(EMP(U2, "konin", "4"), NULL, &res), OUTCOME_OK, "%s", res.error.message);
    cr_assert_eq(post(EMP(U3, "konin", "4"), NULL, &res), OUTCOME_OK, "%s", res.error.message);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM pg_prepared_statements"), 1);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 3);
}

/* ingest_batch with a key given twice: compared, not counted as stored. */
Test(ingest, batch_with_a_repeated_key)
{
    struct ingest_result res;
    struct response_batch *b1, *b2;
    struct response_error e;
    struct response two[2];
    const char *same = EMP(U1, "konin", "4"), *other = EMP(U1, "konin", "5");

    cr_assert(response_parse(same, strlen(same), cat, 1, &b1, &e) == 0, "%s", e.message);
    cr_assert(response_parse(other, strlen(other), cat, 1, &b2, &e) == 0, "%s", e.message);
    two[0] = b1->items[0];
    two[1] = b1->items[0];
    cr_assert_eq(ingest_batch(db.conn, two, 2, NULL, &res), OUTCOME_OK, "%s", res.error.message);
    cr_expect_eq(res.created, 1);
    cr_expect_eq(res.duplicates, 1);
    two[0] = b2->items[0];
    two[1] = b2->items[0];
    cr_expect_eq(ingest_batch(db.conn, two, 2, NULL, &res), OUTCOME_CONFLICT, "%s", res.error.message);
    cr_expect_eq(testdb_long(&db, "SELECT answers[1] FROM response"), 4);
    response_batch_free(b1);
    response_batch_free(b2);
}

struct racer {
    PGconn *conn;
    const char *body;
    struct ingest_result res;
};

static void *race_post(void *arg)
{
    struct racer *r = arg;

    ingest_body(r->conn, cat, r->body, strlen(r->body), NULL, &r->res);
    return NULL;
}

/* Another session inserts the key while this one's statement runs (it waits
 * on the other's uncommitted row, then skips it but cannot see it in its
 * snapshot): the content is still compared, in a fresh snapshot. */
static void race(const char *theirs, const char *mine, enum outcome expect)
{
    struct racer r = { .body = mine };
    PGconn *other;
    pthread_t t;
    char err[ERR_MAX], sql[160];
    struct ingest_result res;
    PGresult *pr;
    int waiting = 0;

    cr_assert(db_connect(db.conninfo, &other, err, sizeof err) == 0, "%s", err);
    cr_assert(db_connect(db.conninfo, &r.conn, err, sizeof err) == 0, "%s", err);
    /* theirs is stored for zabrze, then copied to konin in an open
     * transaction: the same encoding as ingest's */
    cr_assert_eq(ingest_body(other, cat, theirs, strlen(theirs), NULL, &res), OUTCOME_OK, "%s",
                 res.error.message);
    pr = PQexec(other, "BEGIN");
    PQclear(pr);
    pr = PQexec(other, "INSERT INTO response (city, id, survey, wave, survey_version, attrs, "
                "answers, texts, weight) SELECT 'konin', id, survey, wave, survey_version, "
                "attrs, answers, texts, weight FROM response WHERE city = 'zabrze'");
    cr_assert_eq(PQresultStatus(pr), PGRES_COMMAND_OK, "%s", PQresultErrorMessage(pr));
    PQclear(pr);
    cr_assert_eq(pthread_create(&t, NULL, race_post, &r), 0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM pg_stat_activity WHERE pid = %d AND "
             "wait_event_type = 'Lock'", PQbackendPID(r.conn));
    for (int i = 0; i < 1000 && !waiting; i++) {
        waiting = testdb_long(&db, sql) == 1;
        if (!waiting)
            usleep(10000);
    }
    pr = PQexec(other, "COMMIT");
    cr_expect_eq(PQresultStatus(pr), PGRES_COMMAND_OK);
    PQclear(pr);
    cr_assert_eq(pthread_join(t, NULL), 0);
    cr_expect(waiting, "the second insert never waited on the first");
    cr_expect_eq(r.res.outcome, expect, "%d %s", (int)r.res.outcome, r.res.error.message);
    PQfinish(other);
    PQfinish(r.conn);
}

Test(ingest, concurrent_insert_with_other_content_is_409)
{
    race(EMP(U1, "zabrze", "4"), "[" EMP(U2, "konin", "4") "," EMP(U1, "konin", "5") "]", OUTCOME_CONFLICT);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response WHERE city = 'konin'"), 1);
    cr_expect_eq(testdb_long(&db, "SELECT answers[1] FROM response WHERE city = 'konin'"), 4);
}

Test(ingest, concurrent_insert_with_the_same_content_is_a_duplicate)
{
    race(EMP(U1, "zabrze", "4"), "[" EMP(U2, "konin", "4") "," EMP(U1, "konin", "4") "]", OUTCOME_OK);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response WHERE city = 'konin'"), 2);
}

/* Free text goes to the server inside the JSON parameter: quotes,
 * backslashes and control characters come back as given, and a
 * resubmission compares equal. */
Test(ingest, free_text_round_trips)
{
    struct ingest_result res;
    const char *body = "{\"survey\": \"satysfakcja-pracownikow\", \"wave\": \"2024\", "
                       "\"city\": \"konin\", \"id\": \"" U1 "\", \"attributes\": {\"wydzial\": 1, "
                       "\"staz\": 2}, \"answers\": {\"warunki_01\": 4, \"uwagi\": "
                       "\"a\\\\b \\\"c\\\"\\nd\\te\\u0001 ż/\"}}";
    char *v;

    cr_assert_eq(post(body, NULL, &res), OUTCOME_OK, "%s", res.error.message);
    cr_assert_eq(post(body, NULL, &res), OUTCOME_OK, "%s", res.error.message);
    cr_expect_eq(res.duplicates, 1);
    v = testdb_value(&db, "SELECT (texts[array_length(texts, 1)] = E'a\\\\b \"c\"\\nd\\te\\x01 ż/')"
                          "::text FROM response");
    cr_expect_str_eq(v, "true");
    free(v);
}

/* One object (not an array) takes the one-row statement: the same rules. */
Test(ingest, single_object_conflict_is_409)
{
    struct ingest_result res;

    cr_assert_eq(post(EMP(U1, "konin", "4"), NULL, &res), OUTCOME_OK, "%s", res.error.message);
    cr_expect_eq(res.created, 1);
    cr_expect_eq(post(EMP(U1, "konin", "5"), NULL, &res), OUTCOME_CONFLICT);
    cr_expect_str_eq(res.error.path, "id");
    cr_expect_eq(testdb_long(&db, "SELECT answers[1] FROM response"), 4);
    cr_assert_eq(post(EMP(U1, "konin", "4"), NULL, &res), OUTCOME_OK, "%s", res.error.message);
    cr_expect_eq(res.created, 0);
    cr_expect_eq(res.duplicates, 1);
}

Test(ingest, single_object_racing_an_insert)
{
    race(EMP(U1, "zabrze", "4"), EMP(U1, "konin", "5"), OUTCOME_CONFLICT);
    cr_expect_eq(testdb_long(&db, "SELECT answers[1] FROM response WHERE city = 'konin'"), 4);
}

Test(ingest, single_object_racing_the_same_insert)
{
    race(EMP(U2, "zabrze", "4"), EMP(U2, "konin", "4"), OUTCOME_OK);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response WHERE city = 'konin'"), 1);
}
