/*
 * Integration: empirie report end to end. Loads the registry, imports a
 * synthetic data set (tests/reports/gen_responses.py) with `empirie import`,
 * writes the reports, and reads them back with openpyxl
 * (tests/reports/check_reports.py): sheet names, headers, every number equal
 * to `empirie stats --json` for the same group, hidden cells without values,
 * charts on the trend sheets.
 */
#include "testdb.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SURVEY "satysfakcja-pracownikow"

static struct testdb db;
static char dir[256];
static char out[65536];

static void setup(void)
{
    char cmd[1024];

    testdb_create(&db, 1);
    snprintf(dir, sizeof dir, "/tmp/empirie-reports-%s", db.name);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s' && /usr/bin/python3 "
                              "'%s/tests/reports/gen_responses.py' '%s' '%s/data.ndjson'",
             dir, dir, testdb_root(), testdb_root(), dir);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    cr_assert_eq(testdb_run(out, sizeof out, "registry load --db \"%s\"", db.conninfo), 0, "%s",
                 out);
    cr_assert_eq(testdb_run(out, sizeof out, "import -q --allow-closed-wave --db \"%s\" '%s/data.ndjson'",
                            db.conninfo, dir),
                 0, "%s", out);
}

static void teardown(void)
{
    char cmd[512];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        cr_log_warn("could not remove %s", dir);
    testdb_drop(&db);
}

/* `empirie stats --json` of one group into DIR/NAME.json. */
static void stats(const char *survey, const char *group, const char *name, const char *lang)
{
    cr_assert_eq(testdb_run(out, sizeof out,
                            "stats --db \"%s\" --survey %s %s --json --lang %s > '%s/%s.json'",
                            db.conninfo, survey, group, lang, dir, name),
                 0, "stats %s: %s", group, out);
}

/* Runs the checker; fails the test with its report. */
static void check(const char *kind, const char *book, const char *name, const char *lang)
{
    char cmd[2048];
    FILE *p;
    size_t len;
    int status;

    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/tests/reports/check_reports.py' %s "
                              "'%s/%s' '%s/%s.json' %s 2>&1",
             testdb_root(), kind, dir, book, dir, name, lang);
    p = popen(cmd, "r");
    cr_assert(p != NULL);
    len = fread(out, 1, sizeof out - 1, p);
    out[len] = '\0';
    status = pclose(p);
    cr_expect_eq(status, 0, "%s: %s", book, out);
    cr_expect(strstr(out, "ok ") != NULL, "%s", out);
}

TestSuite(reports, .init = setup, .fini = teardown, .timeout = 240);

Test(reports, all_workbooks_match_stats)
{
    cr_assert_eq(testdb_run(out, sizeof out, "report --db \"%s\" --survey " SURVEY
                                             " --all --out '%s'",
                            db.conninfo, dir),
                 0, "%s", out);
    cr_expect(strstr(out, "2025/miasto-konin-" SURVEY ".xlsx") != NULL, "%s", out);
    cr_expect(strstr(out, "2025/siec-kapital-ludzki-" SURVEY ".xlsx") != NULL, "%s", out);
    cr_expect(strstr(out, "2025/ministerstwo-" SURVEY ".csv") != NULL, "%s", out);
    cr_expect(strstr(out, "miasto-nisko") == NULL, "a hidden city gets no report: %s", out);
    cr_expect(strstr(out, ".tmp") == NULL, "%s", out);
    stats(SURVEY, "--city konin", "konin", "pl");
    stats(SURVEY, "--network kapital-ludzki", "kl", "pl");
    stats(SURVEY, "--network miasto-cyfrowe", "mc", "pl");
    stats(SURVEY, "--all", "all", "pl");
    check("city", "2025/miasto-konin-" SURVEY ".xlsx", "konin", "pl");
    check("network", "2025/siec-kapital-ludzki-" SURVEY ".xlsx", "kl", "pl");
    check("network", "2025/siec-miasto-cyfrowe-" SURVEY ".xlsx", "mc", "pl");
    check("ministry", "2025/ministerstwo-" SURVEY ".xlsx", "konin", "pl");
    check("ministry", "2025/ministerstwo-" SURVEY ".xlsx", "kl", "pl");
    check("ministry", "2025/ministerstwo-" SURVEY ".xlsx", "all", "pl");
}

Test(reports, hidden_city_and_earlier_wave)
{
    cr_assert_eq(testdb_run(out, sizeof out, "report --db \"%s\" --survey " SURVEY
                                             " --city nisko --wave 2024 --out '%s'",
                            db.conninfo, dir),
                 0, "%s", out);
    stats(SURVEY, "--city nisko --wave 2024", "nisko", "pl");
    check("city", "2024/miasto-nisko-" SURVEY ".xlsx", "nisko", "pl");
    cr_assert_eq(testdb_run(out, sizeof out, "report --db \"%s\" --survey " SURVEY
                                             " --city cieszyn --wave 2024 --out '%s'",
                            db.conninfo, dir),
                 0, "%s", out);
    stats(SURVEY, "--city cieszyn --wave 2024", "cieszyn", "pl");
    check("city", "2024/miasto-cieszyn-" SURVEY ".xlsx", "cieszyn", "pl");
}

Test(reports, youth_survey_in_english)
{
    cr_assert_eq(testdb_run(out, sizeof out, "report --db \"%s\" --survey mlodziez-partycypacja"
                                             " --city konin --lang en --out '%s'",
                            db.conninfo, dir),
                 0, "%s", out);
    stats("mlodziez-partycypacja", "--city konin", "youth", "en");
    check("city", "2025/city-konin-mlodziez-partycypacja.xlsx", "youth", "en");
}

Test(reports, usage_errors)
{
    cr_expect_eq(testdb_run(out, sizeof out, "report --help"), 0);
    cr_expect(strstr(out, "--ministry") != NULL && strstr(out, "--db") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "report --survey x"), 2, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "report --survey x --all --city a"), 2, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "report --db \"%s\" --survey " SURVEY
                                             " --city no-such-city --out '%s'",
                            db.conninfo, dir),
                 1, "%s", out);
    cr_expect(strstr(out, "no-such-city") != NULL, "%s", out);
    cr_expect_eq(access(dir, F_OK), 0);
}
