/*
 * Anonymity against a hostile reader, on a real database and daemon.
 *
 * The data make the attack of issue 11 work under the old rules: in wave
 * 2025 Konin has 30 staff (27 in department 1, 3 in department 2), Jasło 40
 * (20 and 20), Krosno 25 (all in department 1), all three members of
 * Kapitał Ludzki. Konin's two departments are hidden (3, and 27 so that 3
 * cannot be had by subtraction); the network's department 2 (23) minus
 * Jasło's (20) and Krosno's (0) gives Konin's 3 back. Gorlice, an observer
 * of the network, has 12; Nisko has 3 in wave 2024.
 */
#include "anon.h"
#include "audit_run.h"
#include "auth.h"
#include "catalog.h"
#include "daemon.h"
#include "err.h"
#include "httpc.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SURVEY "satysfakcja-pracownikow"

static struct testdb db;
static struct daemon dmn;
static char ministry[AUTH_TOKEN_SIZE], analyst[AUTH_TOKEN_SIZE], admin[AUTH_TOKEN_SIZE];

static void insert(const char *city, const char *wave, const char *attrs, int n)
{
    char sql[2048];
    PGresult *res;

    snprintf(sql, sizeof sql,
             "INSERT INTO response (city, id, survey, wave, survey_version, attrs, answers) "
             "SELECT '%s', gen_random_uuid(), w.survey, w.label, w.survey_version, '%s', "
             "array_fill((1 + i %% 5)::smallint, ARRAY[(SELECT jsonb_array_length("
             "s.definition->'items') FROM survey s WHERE s.slug = w.survey AND "
             "s.version = w.survey_version)]) FROM wave w, generate_series(1, %d) AS i "
             "WHERE w.survey = '" SURVEY "' AND w.label = '%s'",
             city, attrs, n, wave);
    res = PQexec(db.conn, sql);
    cr_assert(PQresultStatus(res) == PGRES_COMMAND_OK, "%s", PQresultErrorMessage(res));
    PQclear(res);
}

static void setup(void)
{
    char err[ERR_MAX];

    testdb_create(&db, 1);
    testdb_load_registry(&db);
    insert("konin", "2025", "{1,1,1}", 27);
    insert("konin", "2025", "{2,1,1}", 3);
    insert("jaslo", "2025", "{1,1,1}", 20);
    insert("jaslo", "2025", "{2,1,1}", 20);
    insert("krosno", "2025", "{1,1,1}", 25);
    insert("gorlice", "2025", "{1,1,1}", 12);
    insert("nisko", "2024", "{1,1,1}", 3);
    cr_assert(auth_token_create(db.conn, AUTH_MINISTRY, NULL, ministry, err, sizeof err) == 0);
    cr_assert(auth_token_create(db.conn, AUTH_ANALYST, "kapital-ludzki", analyst, err,
                                sizeof err) == 0, "%s", err);
    cr_assert(auth_token_create(db.conn, AUTH_ADMIN, NULL, admin, err, sizeof err) == 0);
    daemon_start(&dmn, db.conninfo, "");
}

static void teardown(void)
{
    cr_expect_eq(daemon_stop(&dmn, SIGTERM), 0);
    testdb_drop(&db);
}

TestSuite(anonymity, .init = setup, .fini = teardown, .timeout = 240);

static json_t *get_json(const char *path, const char *token)
{
    struct httpc_resp r;
    json_error_t je;
    json_t *doc;

    cr_assert(httpc_request(dmn.port, "GET", path, token, NULL, NULL, 0, &r) == 0, "%s", path);
    cr_assert_eq(r.status, 200, "%s: %s", path, r.body);
    doc = json_loads(r.body, 0, &je);
    httpc_free(&r);
    cr_assert(doc != NULL, "%s", je.text);
    return doc;
}

/* The part of department d in a /v1/stats answer broken down by wydzial:
 * its respondents, or -1 when hidden (its reason in *why), 0 when absent. */
static double part(json_t *view, int d, const char **why)
{
    size_t i;
    json_t *p;

    *why = NULL;
    json_array_foreach(json_object_get(json_object_get(json_object_get(view, "group"),
                                                       "breakdown"), "parts"), i, p) {
        if (json_integer_value(json_object_get(p, "value")) != d)
            continue;
        if (json_is_true(json_object_get(p, "suppressed"))) {
            *why = json_string_value(json_object_get(p, "reason"));
            return -1;
        }
        return json_number_value(json_object_get(p, "respondents"));
    }
    return 0;
}

Test(anonymity, the_subtraction_attack_fails_for_analyst_and_ministry)
{
    const char *tokens[] = { analyst, ministry };

    for (size_t t = 0; t < 2; t++) {
        json_t *net = get_json("/v1/stats?survey=" SURVEY "&wave=2025&network=kapital-ludzki"
                               "&by=wydzial", tokens[t]);
        json_t *konin = get_json("/v1/stats?survey=" SURVEY "&wave=2025&city=konin&by=wydzial",
                                 tokens[t]);
        json_t *jaslo = get_json("/v1/stats?survey=" SURVEY "&wave=2025&city=jaslo&by=wydzial",
                                 tokens[t]);
        json_t *krosno = get_json("/v1/stats?survey=" SURVEY "&wave=2025&city=krosno&by=wydzial",
                                  tokens[t]);
        const char *why;
        double n_net = part(net, 2, &why), n_j = part(jaslo, 2, &why);
        double n_k = part(krosno, 2, &why), n_konin = part(konin, 2, &why);

        cr_expect_eq(n_konin, -1, "Konin's 3 are hidden");
        cr_expect_str_eq(why, "below_threshold");
        /* what the attack needs: the network's part and every other
         * member's part shown */
        cr_expect(n_net < 0 || n_j < 0 || n_k < 0,
                  "network %g - Jasło %g - Krosno %g would give Konin's department 2 back",
                  n_net, n_j, n_k);
        part(konin, 1, &why);
        cr_expect_str_eq(why, "protects_another_group", "Konin's 27 protect its 3");
        json_decref(net);
        json_decref(konin);
        json_decref(jaslo);
        json_decref(krosno);
    }
}

static size_t audit_in_process(const char *network, int cross_table, char *listing, size_t n)
{
    struct catalog *cat = NULL;
    struct audit_summary sum;
    char err[ERR_MAX];
    FILE *out = fmemopen(listing, n, "w");
    int rc;

    cr_assert(out != NULL);
    cat = testdb_catalog(&db);
    anon_cross_table = cross_table;
    rc = audit_survey(db.conn, cat, NULL, SURVEY, NULL, network, out, &sum, err, sizeof err);
    anon_cross_table = 1;
    fclose(out);
    catalog_free(cat);
    cr_assert_eq(rc, 0, "%s", err);
    cr_expect_gt(sum.hidden, 0);
    return sum.recoverable;
}

Test(anonymity, the_audit_passes_and_can_fail)
{
    static char out[1 << 16], listing[1 << 16];

    cr_expect_eq(testdb_run(out, sizeof out, "audit --survey " SURVEY " --db \"%s\"",
                            db.conninfo), 0, "%s", out);
    cr_expect(strstr(out, "żadnej ukrytej liczby nie da się odtworzyć") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "--lang en audit --survey " SURVEY " --db \"%s\"",
                            db.conninfo), 0, "%s", out);
    cr_expect(strstr(out, "no hidden figure can be recovered") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "audit --survey " SURVEY " --role analyst "
                            "--scope kapital-ludzki --db \"%s\"", db.conninfo), 0, "%s", out);
    cr_expect_eq(audit_in_process(NULL, 1, listing, sizeof listing), 0, "%s", listing);
    cr_expect_eq(audit_in_process("kapital-ludzki", 1, listing, sizeof listing), 0, "%s",
                 listing);
    /* without the cross-table rules the attack works, and the audit says so */
    cr_expect_gt(audit_in_process("kapital-ludzki", 0, listing, sizeof listing), 0);
    cr_expect(strstr(listing, "recoverable: wave 2025, city konin, wydzial = 2, respondents") !=
                  NULL, "%s", listing);
    cr_expect_neq(testdb_run(out, sizeof out, "audit --survey " SURVEY
                             " --without-cross-table --db \"%s\"", db.conninfo), 0, "%s", out);
    cr_expect(strstr(out, "ukryte liczby, które da się odtworzyć: ") != NULL, "%s", out);
}

/* The workbook says why a figure is hidden: Konin's breakdown by
 * department shows department 2 (3 people) as below the threshold and
 * department 1 (27) as hidden to protect another group, in the notes of
 * its dashes, read back with openpyxl. */
Test(anonymity, workbook_notes_give_the_reason)
{
    static char out[1 << 16];
    char dir[] = "/tmp/empirie-anon-XXXXXX", cmd[1024];
    FILE *p;
    size_t len;

    cr_assert(mkdtemp(dir) != NULL);
    cr_assert_eq(testdb_run(out, sizeof out, "report --survey " SURVEY " --wave 2025 --city konin "
                            "--out %s --db \"%s\"", dir, db.conninfo), 0, "%s", out);
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c 'import glob, openpyxl; "
             "ws = openpyxl.load_workbook(glob.glob(\"%s/2025/miasto-konin-*.xlsx\")[0])"
             "[\"Podział\"]; "
             "[print(c.value, \"|\", c.comment.text) for r in ws.iter_rows() for c in r "
             "if c.comment is not None]' 2>&1; rm -rf %s", dir, dir);
    p = popen(cmd, "r");
    cr_assert(p != NULL);
    len = fread(out, 1, sizeof out - 1, p);
    out[len] = '\0';
    cr_assert_eq(pclose(p), 0, "%s", out);
    cr_expect(strstr(out, "— | Ukryte: mniej respondentów niż próg anonimowości (5).") != NULL,
              "%s", out);
    cr_expect(strstr(out, "— | Ukryte, aby nie dało się odtworzyć innej małej grupy") != NULL,
              "%s", out);
}

static json_t *count_of(json_t *doc, const char *wave, const char *city)
{
    size_t i;
    json_t *c;

    json_array_foreach(json_object_get(doc, "counts"), i, c)
        if (strcmp(json_string_value(json_object_get(c, "wave")), wave) == 0 &&
            strcmp(json_string_value(json_object_get(c, "city")), city) == 0)
            return c;
    return NULL;
}

Test(anonymity, counts_follow_the_same_rules)
{
    json_t *all = get_json("/v1/responses/counts?survey=" SURVEY, ministry);
    json_t *mine = get_json("/v1/responses/counts?survey=" SURVEY, analyst);
    json_t *c;

    c = count_of(all, "2024", "nisko");
    cr_assert(c != NULL);
    cr_expect(json_is_null(json_object_get(c, "responses")), "3 responses: no count");
    cr_expect_str_eq(json_string_value(json_object_get(c, "reason")), "below_threshold");
    c = count_of(all, "2025", "konin");
    cr_assert(c != NULL);
    cr_expect_eq(json_integer_value(json_object_get(c, "responses")), 30);
    cr_expect(count_of(all, "2025", "gorlice") != NULL, "the ministry sees every city");
    cr_expect(count_of(mine, "2025", "gorlice") == NULL,
              "an observer city is not the analyst's network's");
    cr_expect(count_of(mine, "2025", "konin") != NULL);
    cr_expect(count_of(mine, "2025", "krosno") != NULL);
    json_decref(all);
    json_decref(mine);
}

/* Participation shows what the statistics show: a city-wave of 3 is hidden. */
Test(anonymity, participation_follows_the_same_rules)
{
    json_t *p = get_json("/v1/participation?survey=" SURVEY "&wave=2024", ministry);
    size_t i;
    json_t *c, *nisko = NULL;

    json_array_foreach(json_object_get(p, "cities"), i, c)
        if (strcmp(json_string_value(json_object_get(c, "city")), "nisko") == 0)
            nisko = c;
    cr_assert(nisko != NULL, "%s", json_dumps(p, 0));
    cr_expect(json_is_null(json_object_get(nisko, "responses")));
    cr_expect(json_is_null(json_object_get(nisko, "by_day")), "no day counts either");
    cr_expect_str_eq(json_string_value(json_object_get(nisko, "reason")), "below_threshold");
    cr_expect_eq(json_integer_value(json_object_get(json_object_get(p, "total"), "responses")), 0,
                 "a hidden city is in no total");
    json_decref(p);
}

Test(anonymity, metrics_name_no_city_or_survey)
{
    struct httpc_resp r;

    /* after some reading, so that per-route counters have moved */
    json_decref(get_json("/v1/responses/counts?survey=" SURVEY, ministry));
    cr_assert(httpc_request(dmn.port, "GET", "/metrics", admin, NULL, NULL, 0, &r) == 0);
    cr_expect_eq(r.status, 200, "%s", r.body);
    cr_expect(strstr(r.body, "empirie_") != NULL, "%s", r.body);
    cr_expect(strstr(r.body, "konin") == NULL && strstr(r.body, "jaslo") == NULL &&
                  strstr(r.body, SURVEY) == NULL,
              "%s", r.body);
    httpc_free(&r);
}
