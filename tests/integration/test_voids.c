/* Integration: `empirie responses void` and `--undo` (engine/intake/voids.h):
 * void responses leave every figure and come back after an undo, each step
 * has its audit record, a bad request voids nothing, and the responses
 * themselves still cannot be changed or deleted. */
#include "testdb.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SURVEY "satysfakcja-pracownikow"
#define WAVE "2025"   /* opens 2025-10-01 */

static struct testdb db;
static char out[1 << 21];

static void exec_ok(const char *sql)
{
    PGresult *res = PQexec(db.conn, sql);

    cr_assert(PQresultStatus(res) == PGRES_COMMAND_OK, "%s", PQresultErrorMessage(res));
    PQclear(res);
}

static void setup(void)
{
    testdb_create(&db, 1);
    testdb_load_registry(&db);
    /* konin: 20 responses of the wave (every item 4) and 5 test responses
     * received before it opened (every item 1); jaslo: 20 (every item 3).
     * Ids: konin ...8000-0000000000NN (1..25, the tests 21..25), jaslo
     * ...9000-0000000000NN. */
    exec_ok("INSERT INTO response (city, id, survey, wave, survey_version, received_on, attrs, "
            "answers) SELECT c, ('00000000-0000-4000-' || p || '-' || lpad(i::text, 12, '0'))::uuid, "
            "'" SURVEY "', w.label, w.survey_version, "
            "CASE WHEN i > 20 THEN date '2025-09-20' ELSE date '2025-10-02' END, '{1,1,1}', "
            "array_fill((CASE WHEN i > 20 THEN 1 ELSE v END)::smallint, "
            "ARRAY[(SELECT jsonb_array_length(s.definition->'items') FROM survey s "
            "WHERE s.slug = w.survey AND s.version = w.survey_version)]) "
            "FROM wave w, (VALUES ('konin', '8000', 4, 25), ('jaslo', '9000', 3, 20)) "
            "AS t(c, p, v, n), generate_series(1, t.n) AS i "
            "WHERE w.survey = '" SURVEY "' AND w.label = '" WAVE "'");
}

static void teardown(void)
{
    testdb_drop(&db);
}

TestSuite(voids, .init = setup, .fini = teardown, .timeout = 120);

/* `stats --json` of a city: its respondents, and the mean of the first
 * item (into *mean). */
static double respondents(const char *city, double *mean)
{
    json_error_t je;
    json_t *doc, *g, *items;
    double n;

    cr_assert_eq(testdb_run(out, sizeof out,
                            "stats --survey " SURVEY " --wave " WAVE " --city %s --json --db \"%s\"",
                            city, db.conninfo),
                 0, "%s", out);
    doc = json_loads(strchr(out, '{'), 0, &je);
    cr_assert(doc != NULL, "%s: %.300s", je.text, out);
    g = json_object_get(doc, "group");
    n = json_number_value(json_object_get(g, "respondents"));
    items = json_object_get(g, "items");
    if (mean != NULL)
        *mean = json_number_value(json_object_get(json_array_get(items, 0), "mean"));
    json_decref(doc);
    return n;
}

static long audit_count(void)
{
    return testdb_long(&db, "SELECT count(*) FROM response_void_audit");
}

Test(voids, received_before_then_undo)
{
    double mean = 0;
    long long audit;
    char *rec, *p;

    cr_expect_eq(respondents("konin", &mean), 25);
    cr_expect_float_eq(mean, (20 * 4 + 5 * 1) / 25.0, 1e-9, "%f", mean);
    cr_assert_eq(testdb_run(out, sizeof out,
                            "responses void --survey " SURVEY " --wave " WAVE " --city konin "
                            "--received-before 2025-10-01 --reason 'tests before the wave' "
                            "--db \"%s\"",
                            db.conninfo),
                 0, "%s", out);
    cr_expect(strstr(out, "unieważniono 5 odpowiedzi miasta konin w fali " WAVE) != NULL, "%s",
              out);
    cr_expect(strstr(out, "\ncofnięcie: empirie responses void --undo ") != NULL, "%s", out);
    p = strstr(out, "zapis audytu ");
    cr_assert(p != NULL, "%s", out);
    audit = strtoll(p + strlen("zapis audytu "), NULL, 10);
    cr_expect(audit > 0);
    cr_expect_eq(respondents("konin", &mean), 20, "the void responses are not counted");
    cr_expect_float_eq(mean, 4.0, 1e-9, "%f", mean);
    cr_expect_eq(respondents("jaslo", NULL), 20, "another city is untouched");
    /* still stored, unchanged */
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response WHERE city = 'konin'"), 25);
    rec = testdb_value(&db, "SELECT action || ',' || city || ',' || wave || ',' || responses || "
                            "',' || reason || ',' || (os_user <> '') FROM response_void_audit");
    cr_expect_str_eq(rec, "void,konin," WAVE ",5,tests before the wave,true");
    free(rec);
    /* again: nothing left to void, and no record for it */
    cr_expect_eq(testdb_run(out, sizeof out,
                            "responses void --survey " SURVEY " --wave " WAVE " --city konin "
                            "--received-before 2025-10-01 --reason again --db \"%s\"",
                            db.conninfo),
                 1, "%s", out);
    cr_expect(strstr(out, "nothing to void") != NULL, "%s", out);
    cr_expect_eq(audit_count(), 1);

    cr_assert_eq(testdb_run(out, sizeof out, "responses void --undo %lld --db \"%s\"", audit,
                            db.conninfo),
                 0, "%s", out);
    cr_expect(strstr(out, "przywrócono 5 odpowiedzi z unieważnienia ") != NULL, "%s", out);
    cr_expect_eq(respondents("konin", &mean), 25, "back after the undo");
    cr_expect_float_eq(mean, (20 * 4 + 5 * 1) / 25.0, 1e-9, "%f", mean);
    cr_expect_eq(audit_count(), 2);
    cr_expect_eq(testdb_run(out, sizeof out, "responses void --undo %lld --db \"%s\"", audit,
                            db.conninfo),
                 1, "%s", out);
    cr_expect(strstr(out, "undone already") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "responses audit --db \"%s\"", db.conninfo), 0, "%s",
                 out);
    cr_expect(strstr(out, "tests before the wave") != NULL && strstr(out, "undo of void") != NULL,
              "%s", out);
}

Test(voids, ids_from_a_file_all_or_nothing)
{
    char path[] = "/tmp/empirie-voids-XXXXXX";
    int fd = mkstemp(path);
    FILE *f;

    cr_assert(fd >= 0);
    f = fdopen(fd, "w");
    cr_assert(f != NULL);
    fputs("# two test responses\n00000000-0000-4000-8000-000000000021\n\n"
          "00000000-0000-4000-8000-000000000022\n",
          f);
    cr_assert(fclose(f) == 0);
    cr_assert_eq(testdb_run(out, sizeof out,
                            "responses void --survey " SURVEY " --wave " WAVE " --city konin "
                            "--ids %s --reason 'test' --db \"%s\"",
                            path, db.conninfo),
                 0, "%s", out);
    cr_expect(strstr(out, "unieważniono 2 odpowiedzi") != NULL, "%s", out);
    cr_expect_eq(respondents("konin", NULL), 23);

    /* a jaslo id in a konin void: nothing voided, no audit record */
    f = fopen(path, "w");
    cr_assert(f != NULL);
    fputs("00000000-0000-4000-8000-000000000023\n00000000-0000-4000-9000-000000000001\n", f);
    cr_assert(fclose(f) == 0);
    cr_expect_eq(testdb_run(out, sizeof out,
                            "responses void --survey " SURVEY " --wave " WAVE " --city konin "
                            "--ids %s --reason 'test' --db \"%s\"",
                            path, db.conninfo),
                 1, "%s", out);
    cr_expect(strstr(out, "1 id of the file is no response of konin") != NULL, "%s", out);
    cr_expect(strstr(out, "00000000-0000-4000-9000-000000000001") != NULL, "%s", out);
    cr_expect_eq(respondents("konin", NULL), 23);
    cr_expect_eq(audit_count(), 1);

    /* a line that is no id: a usage error naming the line */
    f = fopen(path, "w");
    cr_assert(f != NULL);
    fputs("00000000-0000-4000-8000-000000000023\nkonin-17\n", f);
    cr_assert(fclose(f) == 0);
    cr_expect_eq(testdb_run(out, sizeof out,
                            "responses void --survey " SURVEY " --wave " WAVE " --city konin "
                            "--ids %s --reason 'test' --db \"%s\"",
                            path, db.conninfo),
                 2, "%s", out);
    cr_expect(strstr(out, "line 2: 'konin-17' is not a response id") != NULL, "%s", out);
    unlink(path);
}

Test(voids, usage_errors_name_what_is_wrong)
{
    cr_expect_eq(testdb_run(out, sizeof out,
                            "responses void --survey " SURVEY " --wave 2031 --city konin "
                            "--received-before 2025-10-01 --reason x --db \"%s\"",
                            db.conninfo),
                 2, "%s", out);
    cr_expect(strstr(out, "nie ma fali '2031'") != NULL, "the wave, not the city: %s", out);
    cr_expect_eq(testdb_run(out, sizeof out,
                            "responses void --survey " SURVEY " --wave " WAVE " --city atlantis "
                            "--received-before 2025-10-01 --reason x --db \"%s\"",
                            db.conninfo),
                 2, "%s", out);
    cr_expect(strstr(out, "brak miasta 'atlantis'") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out,
                            "--lang en responses void --survey " SURVEY " --wave " WAVE
                            " --city atlantis --received-before 2025-10-01 --reason x --db \"%s\"",
                            db.conninfo),
                 2, "%s", out);
    cr_expect(strstr(out, "no city 'atlantis'") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out,
                            "responses void --survey " SURVEY " --wave " WAVE " --city konin "
                            "--received-before 2025-10-01 --db \"%s\"",
                            db.conninfo),
                 2, "%s", out);
    cr_expect(strstr(out, "--reason") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out,
                            "responses void --survey " SURVEY " --wave " WAVE " --city konin "
                            "--reason x --db \"%s\"",
                            db.conninfo),
                 2, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "responses void --undo abc"), 2, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "responses void --undo 77 --db \"%s\"", db.conninfo),
                 1, "%s", out);
    cr_expect(strstr(out, "no void record 77") != NULL, "%s", out);
    cr_expect_eq(audit_count(), 0);
}

/* Voiding changes no response: the trigger still refuses UPDATE and DELETE. */
Test(voids, responses_stay_immutable)
{
    PGresult *res;

    cr_assert_eq(testdb_run(out, sizeof out,
                            "responses void --survey " SURVEY " --wave " WAVE " --city konin "
                            "--received-before 2025-10-01 --reason x --db \"%s\"",
                            db.conninfo),
                 0, "%s", out);
    res = PQexec(db.conn, "UPDATE response SET weight = 2 WHERE city = 'konin'");
    cr_expect_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
    cr_expect(strstr(PQresultErrorMessage(res), "responses cannot be changed or deleted") != NULL,
              "%s", PQresultErrorMessage(res));
    PQclear(res);
    res = PQexec(db.conn, "DELETE FROM response WHERE city = 'konin'");
    cr_expect_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
    cr_expect(strstr(PQresultErrorMessage(res), "responses cannot be changed or deleted") != NULL,
              "%s", PQresultErrorMessage(res));
    PQclear(res);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 45);
    /* a void row names a stored response: no void of what does not exist */
    res = PQexec(db.conn, "INSERT INTO response_void (city, id, audit) VALUES ('konin', "
                          "'00000000-0000-4000-8000-000000000999', 1)");
    cr_expect_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
    PQclear(res);
}

/* The city workbook's methodology sheet counts the void responses of the
 * city in the wave; its figures leave them out. */
Test(voids, counted_in_the_methodology_sheet)
{
    char dir[] = "/tmp/empirie-voids-report-XXXXXX";
    char cmd[1024];
    FILE *p;
    size_t n;

    cr_assert(mkdtemp(dir) != NULL);
    cr_assert_eq(testdb_run(out, sizeof out,
                            "responses void --survey " SURVEY " --wave " WAVE " --city konin "
                            "--received-before 2025-10-01 --reason x --db \"%s\"",
                            db.conninfo),
                 0, "%s", out);
    cr_assert_eq(testdb_run(out, sizeof out, "report --survey " SURVEY " --wave " WAVE
                            " --city konin --out %s --db \"%s\"", dir, db.conninfo),
                 0, "%s", out);
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c \"import openpyxl,sys; wb = openpyxl.load_workbook(sys.argv[1]);"
             " ws = wb['Metodologia'];"
             " print([r[1] for r in ws.iter_rows(values_only=True) if r[0] and "
             "str(r[0]).startswith('Odpowiedzi unieważnione')]);"
             " ws = wb['Podsumowanie'];"
             " print([r[2] for r in ws.iter_rows(values_only=True) if r[0] == 'respondents'])\" "
             "%s/" WAVE "/miasto-konin-" SURVEY ".xlsx 2>&1",
             dir);
    p = popen(cmd, "r");
    cr_assert(p != NULL);
    n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    cr_expect_eq(pclose(p), 0, "%s", out);
    cr_expect(strstr(out, "[5]") != NULL, "5 void responses of konin: %s", out);
    cr_expect(strstr(out, "[20]") != NULL, "20 respondents counted: %s", out);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect(system(cmd) == 0);
}
