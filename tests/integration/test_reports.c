/*
 * Integration: empirie report end to end. Loads the registry, imports a
 * synthetic data set (tests/reports/gen_responses.py) with `empirie import`,
 * writes the reports, and reads them back with openpyxl
 * (tests/reports/check_reports.py): sheet names, headers, every number equal
 * to `empirie stats --json` for the same group, hidden cells without values,
 * charts on the trend sheets. The ministry's export is also read with pandas
 * (tests/reports/check_ministry_export.py: types, the same rows in the sheet,
 * CSV and JSON, statuses, codebook) and its data package checked against
 * the CSV (tests/reports/check_datapackage.py).
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

    /* a city's reverse-coded items are checked against the raw answers in
     * the database too */
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/tests/reports/check_reports.py' %s "
                              "'%s/%s' '%s/%s.json' %s '%s' 2>&1",
             testdb_root(), kind, dir, book, dir, name, lang,
             strcmp(kind, "city") == 0 ? db.conninfo : "");
    p = popen(cmd, "r");
    cr_assert(p != NULL);
    len = fread(out, 1, sizeof out - 1, p);
    out[len] = '\0';
    status = pclose(p);
    cr_expect_eq(status, 0, "%s: %s", book, out);
    cr_expect(strstr(out, "ok ") != NULL, "%s", out);
}

/* Runs a checker script with its arguments; fails the test with its report. */
static void check_script(const char *script, const char *args)
{
    char cmd[4096];
    FILE *p;
    size_t len;
    int status;

    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/tests/reports/%s' %s 2>&1", testdb_root(),
             script, args);
    p = popen(cmd, "r");
    cr_assert(p != NULL);
    len = fread(out, 1, sizeof out - 1, p);
    out[len] = '\0';
    status = pclose(p);
    cr_expect_eq(status, 0, "%s: %s", script, out);
    cr_expect(strncmp(out, "ok ", 3) == 0, "%s", out);
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
    char path[4096];

    /* a hidden city gets no workbook of dashes: the command says why */
    cr_assert_eq(testdb_run(out, sizeof out, "report --db \"%s\" --survey " SURVEY
                                             " --city nisko --wave 2024 --out '%s'",
                            db.conninfo, dir),
                 1, "%s", out);
    cr_expect(strstr(out, "mniej respondentów niż próg anonimowości") != NULL, "%s", out);
    snprintf(path, sizeof path, "%s/2024/miasto-nisko-" SURVEY ".xlsx", dir);
    cr_expect_neq(access(path, F_OK), 0, "no workbook written");
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
                 2, "an unknown city is a usage error: %s", out);
    cr_expect(strstr(out, "no-such-city") != NULL, "%s", out);
    cr_expect_eq(access(dir, F_OK), 0);
}

/* The programme-wide export (--ministry without --survey): both surveys in
 * one workbook, CSV and JSON, typed cleanly and equal to each other, items
 * outside a wave's instrument version not_asked, the codebook and the data
 * package valid against the CSV; the same for one survey in English. A
 * broken CSV fails the data package check. */
/* The instruments whose "reverse" flags the codebook's reverse column and
 * notes are checked against. */
#define INSTRUMENTS                                                                        \
    " --instrument '%s/surveys/employee-satisfaction.json'"                                \
    " --instrument '%s/surveys/employee-satisfaction-v2.json'"                             \
    " --instrument '%s/surveys/youth-participation.json'"

Test(reports, ministry_export_tidy_and_described)
{
    char args[2048];

    cr_assert_eq(testdb_run(out, sizeof out, "report --db \"%s\" --ministry --csv-dialect "
                                             "excel-pl --out '%s'",
                            db.conninfo, dir),
                 0, "%s", out);
    cr_expect(strstr(out, "2025/ministerstwo.xlsx\n") != NULL, "%s", out);
    cr_expect(strstr(out, "2025/ministerstwo-excel-pl.csv\n") != NULL, "%s", out);
    cr_expect(strstr(out, "2025/ministerstwo-codebook.csv\n") != NULL, "%s", out);
    cr_expect(strstr(out, "2025/datapackage.json\n") != NULL, "%s", out);
    /* v1 (2022, 2023) lacks warunki_05 and wynagr_05, v2 (2024, 2025) wynagr_04 */
    snprintf(args, sizeof args,
             "'%s/2025/ministerstwo' --surveys 2"
             " --not-asked " SURVEY " 2023 item.warunki_05"
             " --not-asked " SURVEY " 2022 item.wynagr_05.favourable"
             " --not-asked " SURVEY " 2025 item.wynagr_04" INSTRUMENTS,
             dir, testdb_root(), testdb_root(), testdb_root());
    check_script("check_ministry_export.py", args);
    snprintf(args, sizeof args, "'%s/2025/datapackage.json'", dir);
    check_script("check_datapackage.py", args);
    /* The Polish Excel CSV through LibreOffice, when it is installed (make
     * check-office-csv installs it; it is not among the test's packages). */
    if (access("/usr/bin/soffice", X_OK) == 0) {
        snprintf(args, sizeof args, "'%s/2025/ministerstwo-excel-pl.csv'", dir);
        check_script("check_excel_pl.py", args);
    } else {
        cr_log_info("no LibreOffice: the excel-pl round trip is not checked "
                    "(make check-office-csv)");
    }

    cr_assert_eq(testdb_run(out, sizeof out, "report --db \"%s\" --survey " SURVEY
                                             " --ministry --lang en --out '%s'",
                            db.conninfo, dir),
                 0, "%s", out);
    snprintf(args, sizeof args,
             "'%s/2025/ministry-" SURVEY "' --surveys 1 --not-asked " SURVEY
             " 2024 item.wynagr_04.favourable" INSTRUMENTS,
             dir, testdb_root(), testdb_root(), testdb_root());
    check_script("check_ministry_export.py", args);
    snprintf(args, sizeof args, "'%s/2025/ministry-" SURVEY ".datapackage.json'", dir);
    check_script("check_datapackage.py", args);

    /* the check can fail: a dash in n, a status outside the enum */
    snprintf(args, sizeof args,
             "sed -i '2s/,ok,0,/,ok,—,/; 3s/,no_data,/,hidden,/' '%s/2025/ministerstwo.csv'",
             dir);
    cr_assert_eq(system(args), 0);
    snprintf(args, sizeof args, "/usr/bin/python3 '%s/tests/reports/check_datapackage.py' "
                                "'%s/2025/datapackage.json' > '%s/dp.out' 2>&1",
             testdb_root(), dir, dir);
    cr_expect_neq(system(args), 0, "a broken CSV passed the data package check");
    snprintf(args, sizeof args, "grep -q \"n: '—' is not of type integer\" '%s/dp.out' && "
                                "grep -q \"status: 'hidden' is not one of\" '%s/dp.out'",
             dir, dir);
    cr_expect_eq(system(args), 0, "the check did not name the broken fields");
}

Test(reports, ministry_usage)
{
    cr_expect_eq(testdb_run(out, sizeof out, "report --survey all --city konin"), 2, "%s", out);
    cr_expect(strstr(out, "--survey all: tylko z --ministry") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "report --survey all --city konin --lang en"), 2,
                 "%s", out);
    cr_expect(strstr(out, "--survey all: only with --ministry") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "report --ministry --csv-dialect excel"), 2, "%s",
                 out);
    cr_expect(strstr(out, "--csv-dialect: oczekiwano excel-pl lub rfc4180, podano 'excel'") != NULL,
              "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "report --db \"%s\" --ministry --wave 1999 "
                                             "--out '%s'",
                            db.conninfo, dir),
                 1, "%s", out);
    cr_expect(strstr(out, "żadne badanie nie ma fali \"1999\"") != NULL, "%s", out);
}

/* `empirie stats` prints Polish by default and English with --lang en, with
 * the same trend words as the JSON and the workbooks, and says which items
 * were not asked and which are reverse-coded. */
Test(reports, stats_text_in_polish)
{
    cr_assert_eq(testdb_run(out, sizeof out, "stats --db \"%s\" --survey " SURVEY
                                             " --city konin",
                            db.conninfo),
                 0, "%s", out);
    cr_expect(strstr(out, "Respondenci: 40") != NULL, "%s", out);
    cr_expect(strstr(out, "(miasto), fala 2025 (próg anonimowości") != NULL, "%s", out);
    cr_expect(strstr(out, "wynagr_04") != NULL && strstr(out, "nie zadane w tej fali") != NULL,
              "%s", out);
    cr_expect(strstr(out, "(odwr.) Ilość pracy") != NULL, "%s", out);
    cr_expect(strstr(out, "rośnie") != NULL || strstr(out, "spada") != NULL ||
                  strstr(out, "bez wyraźnego trendu") != NULL,
              "%s", out);
    cr_expect(strstr(out, "Respondents") == NULL && strstr(out, "rising") == NULL, "%s", out);
    cr_assert_eq(testdb_run(out, sizeof out, "stats --db \"%s\" --survey " SURVEY
                                             " --city konin --lang en",
                            db.conninfo),
                 0, "%s", out);
    cr_expect(strstr(out, "Respondents: 40") != NULL, "%s", out);
    cr_expect(strstr(out, "not asked in this wave") != NULL, "%s", out);
    cr_expect(strstr(out, "Respondenci") == NULL, "%s", out);
}
