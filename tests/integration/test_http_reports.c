/* GET /v1/reports/...: the workbooks of `empirie report` over HTTP, within
 * the caller's role, read back with openpyxl; no temporary file is left in
 * the daemon's TMPDIR. */
#include "auth.h"
#include "daemon.h"
#include "err.h"
#include "httpc.h"
#include "registry.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SURVEY "satysfakcja-pracownikow"
#define XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

static struct testdb db;
static struct daemon dmn;
static char admin[AUTH_TOKEN_SIZE], ministry[AUTH_TOKEN_SIZE], analyst[AUTH_TOKEN_SIZE],
    collector[AUTH_TOKEN_SIZE];
static char base[256];     /* this suite's folder */
static char tmpdir[300];   /* the daemon's TMPDIR: must stay empty */

static void insert_responses(void)
{
    PGresult *res;

    /* Wave 2025 of Kapitał Ludzki: konin 30, jaslo 20, krosno 20 respondents
     * and opoczno 2, below the threshold (hidden; complementary suppression
     * hides jaslo or krosno too, never konin, the largest). */
    res = PQexec(db.conn,
                 "INSERT INTO response (city, id, survey, wave, survey_version, attrs, answers) "
                 "SELECT t.c, gen_random_uuid(), '" SURVEY "', w.label, w.survey_version, "
                 "'{1,1,1}', array_fill((1 + (i + t.k) % 5)::smallint, "
                 "ARRAY[(SELECT jsonb_array_length(s.definition->'items') FROM survey s "
                 "WHERE s.slug = w.survey AND s.version = w.survey_version)]) "
                 "FROM wave w, (VALUES ('konin', 1, 30), ('jaslo', 2, 20), ('krosno', 3, 20), "
                 "('opoczno', 4, 2)) AS t(c, k, n), generate_series(1, t.n) AS i "
                 "WHERE w.survey = '" SURVEY "' AND w.label = '2025'");
    cr_assert(PQresultStatus(res) == PGRES_COMMAND_OK, "%s", PQresultErrorMessage(res));
    PQclear(res);
}

static void setup(void)
{
    char cmd[1024], err[ERR_MAX];
    const char *old;
    char *saved = NULL;

    testdb_create(&db, 1);
    testdb_load_registry(&db);
    insert_responses();
    cr_assert(auth_token_create(db.conn, AUTH_ADMIN, NULL, admin, err, sizeof err) == 0);
    cr_assert(auth_token_create(db.conn, AUTH_MINISTRY, NULL, ministry, err, sizeof err) == 0);
    cr_assert(auth_token_create(db.conn, AUTH_ANALYST, "kapital-ludzki", analyst, err,
                                sizeof err) == 0, "%s", err);
    cr_assert(auth_token_create(db.conn, AUTH_COLLECTOR, "konin", collector, err, sizeof err) == 0);
    snprintf(base, sizeof base, "/tmp/empirie-http-reports-%s", db.name);
    snprintf(tmpdir, sizeof tmpdir, "%s/tmp", base);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", base, tmpdir);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    /* Only the daemon writes into tmpdir. */
    old = getenv("TMPDIR");
    if (old != NULL)
        cr_assert((saved = strdup(old)) != NULL);
    cr_assert_eq(setenv("TMPDIR", tmpdir, 1), 0);
    daemon_start(&dmn, db.conninfo, "--allow-closed-waves");
    if (saved != NULL)
        cr_assert_eq(setenv("TMPDIR", saved, 1), 0);
    else
        cr_assert_eq(unsetenv("TMPDIR"), 0);
    free(saved);
}

static void teardown(void)
{
    char cmd[512];

    cr_expect_eq(daemon_stop(&dmn, SIGTERM), 0);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    if (system(cmd) != 0)
        cr_log_warn("could not remove %s", base);
    testdb_drop(&db);
}

TestSuite(http_reports, .init = setup, .fini = teardown, .timeout = 120);

static int get(const char *path, const char *token, struct httpc_resp *r)
{
    cr_assert(httpc_request(dmn.port, "GET", path, token, NULL, NULL, 0, r) == 0, "%s", path);
    return r->status;
}

/* Files in the daemon's TMPDIR (there must be none between requests). */
static int tmp_files(void)
{
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    int n = 0;

    cr_assert(d != NULL, "%s", tmpdir);
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            cr_log_error("left behind: %s/%s", tmpdir, e->d_name);
            n++;
        }
    closedir(d);
    return n;
}

/* Saves a workbook answer as base/name and returns its sheet names, joined
 * with "|", as openpyxl reads them (into out). */
static void sheets(const struct httpc_resp *r, const char *name, char *out, size_t n)
{
    char path[512], cmd[1024];
    FILE *f;
    size_t len;

    snprintf(path, sizeof path, "%s/%s", base, name);
    f = fopen(path, "wb");
    cr_assert(f != NULL, "%s", path);
    cr_assert_eq(fwrite(r->body, 1, r->len, f), r->len);
    cr_assert_eq(fclose(f), 0);
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c 'import sys, openpyxl; "
             "print(\"|\".join(openpyxl.load_workbook(sys.argv[1]).sheetnames))' '%s' 2>&1",
             path);
    f = popen(cmd, "r");
    cr_assert(f != NULL);
    len = fread(out, 1, n - 1, f);
    out[len] = '\0';
    cr_assert_eq(pclose(f), 0, "openpyxl cannot read %s: %s", name, out);
    out[strcspn(out, "\n")] = '\0';
}

/* A 200 workbook answer with the CLI's file name. */
static void expect_workbook(const struct httpc_resp *r, const char *filename)
{
    char value[512], want[512];

    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert(r->len > 4 && memcmp(r->body, "PK", 2) == 0, "not a zip file");
    cr_expect_str_eq(httpc_header(r, "Content-Type", value, sizeof value), XLSX_TYPE);
    snprintf(want, sizeof want, "attachment; filename=\"%s\"", filename);
    cr_expect_str_eq(httpc_header(r, "Content-Disposition", value, sizeof value), want);
}

Test(http_reports, city_workbook)
{
    struct httpc_resp r;
    char names[1024];

    get("/v1/reports/city/konin.xlsx?survey=" SURVEY "&wave=2025", admin, &r);
    expect_workbook(&r, "miasto-konin-" SURVEY ".xlsx");
    sheets(&r, "konin.xlsx", names, sizeof names);
    httpc_free(&r);
    /* "Dane wykresów": the trend charts' data, a hidden sheet */
    cr_expect_str_eq(names, "Podsumowanie|Pytania|Wymiary|Trendy|Dane wykresów|Rozkłady|"
                            "Porównanie z siecią|Co wpływa na eNPS|Metodologia");

    /* The latest wave by default; English labels and file name. */
    get("/v1/reports/city/konin.xlsx?survey=" SURVEY "&lang=en", analyst, &r);
    expect_workbook(&r, "city-konin-" SURVEY ".xlsx");
    sheets(&r, "konin-en.xlsx", names, sizeof names);
    httpc_free(&r);
    cr_expect_str_eq(names, "Summary|Items|Dimensions|Trends|Chart data|Distributions|"
                            "Network comparison|What drives eNPS|Methodology");
    cr_expect_eq(tmp_files(), 0);
}

Test(http_reports, network_workbook)
{
    struct httpc_resp r;
    char names[1024];

    get("/v1/reports/network/kapital-ludzki.xlsx?survey=" SURVEY "&wave=2025", analyst, &r);
    expect_workbook(&r, "siec-kapital-ludzki-" SURVEY ".xlsx");
    sheets(&r, "kl.xlsx", names, sizeof names);
    httpc_free(&r);
    cr_expect_str_eq(names, "Podsumowanie|Miasta|Ranking|Trend sieci|Dane wykresów|Metodologia");
    cr_expect_eq(tmp_files(), 0);
}

Test(http_reports, ministry_export)
{
    struct httpc_resp r;
    char names[1024], value[256];
    json_error_t je;
    json_t *doc;

    get("/v1/reports/ministry.xlsx?survey=" SURVEY, ministry, &r);
    expect_workbook(&r, "ministerstwo-" SURVEY ".xlsx");
    sheets(&r, "ministry.xlsx", names, sizeof names);
    httpc_free(&r);
    cr_expect(strncmp(names, "Dane|Słownik|", strlen("Dane|Słownik|")) == 0, "%s", names);
    cr_expect(strstr(names, "Metodologia") != NULL, "%s", names);

    cr_assert_eq(get("/v1/reports/ministry.csv?survey=" SURVEY "&lang=en", admin, &r), 200,
                 "%s", r.body);
    cr_expect_str_eq(httpc_header(&r, "Content-Type", value, sizeof value),
                     "text/csv; charset=utf-8");
    cr_expect_str_eq(httpc_header(&r, "Content-Disposition", value, sizeof value),
                     "attachment; filename=\"ministry-" SURVEY ".csv\"");
    cr_expect(strncmp(r.body, "survey,wave,group_type,group_slug", 33) == 0, "%.80s", r.body);
    httpc_free(&r);

    cr_assert_eq(get("/v1/reports/ministry.json?survey=" SURVEY, ministry, &r), 200, "%s",
                 r.body);
    doc = json_loads(r.body, 0, &je);
    httpc_free(&r);
    cr_assert(doc != NULL, "%s", je.text);
    /* the waves covered: the rows run from the first wave to 2025 */
    cr_expect_str_eq(json_string_value(json_array_get(json_object_get(doc, "waves"),
                                                      json_array_size(json_object_get(
                                                          doc, "waves")) - 1)),
                     "2025");
    cr_expect(json_array_size(json_object_get(doc, "rows")) > 0);
    json_decref(doc);
    cr_expect_eq(tmp_files(), 0);
}

Test(http_reports, roles)
{
    struct httpc_resp r;

    /* An analyst: their network and its member cities. */
    cr_expect_eq(get("/v1/reports/city/konin.xlsx?survey=" SURVEY, analyst, &r), 200, "%s",
                 r.body);
    httpc_free(&r);
    cr_expect_eq(get("/v1/reports/network/kapital-ludzki.xlsx?survey=" SURVEY, analyst, &r), 200);
    httpc_free(&r);
    cr_expect_eq(get("/v1/reports/network/siec-liderow.xlsx?survey=" SURVEY, analyst, &r), 403);
    httpc_free(&r);
    cr_expect_eq(get("/v1/reports/city/warszawa.xlsx?survey=" SURVEY, analyst, &r), 403);
    httpc_free(&r);
    cr_expect_eq(get("/v1/reports/ministry.xlsx?survey=" SURVEY, analyst, &r), 403);
    httpc_free(&r);
    /* The ministry reads aggregates of every group. */
    cr_expect_eq(get("/v1/reports/network/kapital-ludzki.xlsx?survey=" SURVEY, ministry, &r),
                 200, "%s", r.body);
    httpc_free(&r);
    cr_expect_eq(get("/v1/reports/city/konin.xlsx?survey=" SURVEY, ministry, &r), 200);
    httpc_free(&r);
    /* A collector: none; no token: 401. */
    cr_expect_eq(get("/v1/reports/city/konin.xlsx?survey=" SURVEY, collector, &r), 403);
    httpc_free(&r);
    cr_expect_eq(get("/v1/reports/ministry.xlsx?survey=" SURVEY, collector, &r), 403);
    httpc_free(&r);
    cr_expect_eq(get("/v1/reports/ministry.xlsx?survey=" SURVEY, NULL, &r), 401);
    httpc_free(&r);
    cr_expect_eq(get("/v1/reports/city/konin.xlsx?survey=" SURVEY, "emp_nosuchtoken", &r), 401);
    httpc_free(&r);
    cr_expect_eq(tmp_files(), 0);
}

Test(http_reports, not_found_and_bad_queries)
{
    struct httpc_resp r;

    /* A hidden city: never a workbook, a JSON error. */
    cr_assert_eq(get("/v1/stats?survey=" SURVEY "&city=opoczno", admin, &r), 200, "%s", r.body);
    cr_expect(strstr(r.body, "\"suppressed\":true") != NULL, "%s", r.body);
    httpc_free(&r);
    cr_expect_eq(get("/v1/reports/city/opoczno.xlsx?survey=" SURVEY, admin, &r), 404, "%s",
                 r.body);
    cr_expect(strncmp(r.body, "{\"error\":", 9) == 0, "%s", r.body);
    httpc_free(&r);
    cr_expect_eq(get("/v1/reports/city/opoczno.xlsx?survey=" SURVEY, analyst, &r), 404);
    httpc_free(&r);
    cr_expect_eq(get("/v1/reports/city/warszawa.xlsx?survey=" SURVEY, admin, &r), 404);
    httpc_free(&r);
    cr_expect_eq(get("/v1/reports/network/no-such-net.xlsx?survey=" SURVEY, admin, &r), 404);
    httpc_free(&r);
    cr_expect_eq(get("/v1/reports/city/konin.xlsx?survey=no-such-survey", admin, &r), 404, "%s",
                 r.body);
    httpc_free(&r);
    cr_expect_eq(get("/v1/reports/ministry.xlsx?survey=no-such-survey", ministry, &r), 404);
    httpc_free(&r);
    cr_expect_eq(get("/v1/reports/city/konin.xlsx?survey=" SURVEY "&wave=1999", admin, &r), 404);
    httpc_free(&r);
    /* Routes that do not exist. */
    cr_expect_eq(get("/v1/reports/city/konin.csv?survey=" SURVEY, admin, &r), 404);
    httpc_free(&r);
    cr_expect_eq(get("/v1/reports/city/Konin.xlsx?survey=" SURVEY, admin, &r), 404);
    httpc_free(&r);
    cr_expect_eq(get("/v1/reports/ministry.pdf?survey=" SURVEY, admin, &r), 404);
    httpc_free(&r);
    cr_expect_eq(get("/v1/reports/city/.xlsx?survey=" SURVEY, admin, &r), 404);
    httpc_free(&r);
    /* Bad queries. */
    cr_expect_eq(get("/v1/reports/city/konin.xlsx", admin, &r), 400);
    cr_expect(strstr(r.body, "\"path\":\"survey\"") != NULL, "%s", r.body);
    httpc_free(&r);
    cr_expect_eq(get("/v1/reports/city/konin.xlsx?survey=" SURVEY "&lang=de", admin, &r), 400);
    httpc_free(&r);
    cr_expect_eq(httpc_request(dmn.port, "POST", "/v1/reports/ministry.xlsx?survey=" SURVEY,
                               admin, "application/json", "{}", 2, &r), 0);
    cr_expect_eq(r.status, 405);
    httpc_free(&r);
    cr_expect_eq(tmp_files(), 0);
}

Test(http_reports, metrics)
{
    struct httpc_resp r;

    cr_expect_eq(get("/v1/reports/ministry.json?survey=" SURVEY, ministry, &r), 200);
    httpc_free(&r);
    cr_assert_eq(get("/metrics", admin, &r), 200);
    cr_expect(strstr(r.body, "empirie_http_requests_total{route=\"/v1/reports/ministry.{ext}\","
                             "status=\"200\"} 1\n") != NULL, "%s", r.body);
    httpc_free(&r);
}
