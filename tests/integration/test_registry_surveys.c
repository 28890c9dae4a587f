/* Integration: registry load with instruments and waves. */
#include "err.h"
#include "registry.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct testdb db;
static char tmp[64];

static void setup(void)
{
    char cmd[1400];

    testdb_create(&db, 1);
    snprintf(tmp, sizeof tmp, "/tmp/empirie-surveys-XXXXXX");
    cr_assert(mkdtemp(tmp) != NULL);
    snprintf(cmd, sizeof cmd, "mkdir %s/registry && cp %s/surveys/*.json %s/ && "
             "cp %s/surveys/registry/*.json %s/registry/", tmp, testdb_root(), tmp,
             testdb_root(), tmp);
    cr_assert(system(cmd) == 0);
}

static void teardown(void)
{
    char cmd[200];

    testdb_drop(&db);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    cr_assert(system(cmd) == 0);
}

TestSuite(registry_surveys, .init = setup, .fini = teardown);

static char *snapshot(void)
{
    return testdb_value(
        &db,
        "SELECT md5(concat_ws('|',"
        " (SELECT string_agg(format('%s/%s', slug, name), ',' ORDER BY slug) FROM city),"
        " (SELECT string_agg(format('%s/%s/%s', slug, version, definition), ',' ORDER BY slug, version) FROM survey),"
        " (SELECT string_agg(format('%s/%s/%s/%s/%s', survey, label, survey_version, opens_on, closes_on), ',' ORDER BY survey, label) FROM wave)"
        "))");
}

static int load(char *out, size_t n)
{
    return testdb_run(out, n, "registry load -q --dir %s/registry --surveys %s --db \"%s\"", tmp,
                      tmp, db.conninfo);
}

static void edit(const char *sed, const char *file)
{
    char cmd[1400];

    snprintf(cmd, sizeof cmd, "sed -i '%s' %s/%s", sed, tmp, file);
    cr_assert(system(cmd) == 0);
}

Test(registry_surveys, load_twice_gives_the_same_database)
{
    char out[8192];
    char *first, *second;

    cr_assert_eq(load(out, sizeof out), 0, "%s", out);
    cr_expect(strstr(out, "wersje badań: 3 i fale: 8") != NULL, "%s", out);
    first = snapshot();
    cr_assert_eq(load(out, sizeof out), 0, "%s", out);
    second = snapshot();
    cr_expect_str_eq(first, second);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM survey"), 3);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM wave WHERE survey = 'satysfakcja-pracownikow' "
                                  "AND survey_version = 2"), 2);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM wave WHERE survey = 'mlodziez-partycypacja'"), 4);
    free(first);
    free(second);
}

/* A bad item in an instrument: rejected with file, item and field, and the
 * city renamed in the same load is not written either. */
Test(registry_surveys, bad_instrument_rejected_nothing_written)
{
    char out[8192];
    char *before, *after;

    cr_assert_eq(load(out, sizeof out), 0, "%s", out);
    before = snapshot();
    edit("0,/\"Konin\"/s//\"Konin-zmieniony\"/", "registry/cities.json");
    edit("0,/\"type\": \"scale\"/s//\"type\": \"slider\"/", "employee-satisfaction.json");
    cr_expect_eq(load(out, sizeof out), 1, "%s", out);
    cr_expect(strstr(out, "employee-satisfaction.json: items[31] \"enps\": field \"type\": "
                          "expected likert, scale") != NULL, "%s", out);
    after = snapshot();
    cr_expect_str_eq(before, after, "a rejected load wrote something");
    free(before);
    free(after);
}

Test(registry_surveys, bad_instrument_on_empty_database)
{
    char out[8192];

    edit("0,/\"scale\": \"zgoda4\"/s//\"scale\": \"zgoda7\"/", "youth-participation.json");
    cr_expect_eq(load(out, sizeof out), 1, "%s", out);
    cr_expect(strstr(out, "youth-participation.json: items[0] \"wplyw_01\": field \"scale\": "
                          "expected the name of an entry of \"scales\", got \"zgoda7\"") != NULL,
              "%s", out);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM city"), 0);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM survey"), 0);
}

/* A loaded version cannot change; a comment may. */
Test(registry_surveys, stored_version_is_immutable)
{
    char out[8192];

    cr_assert_eq(load(out, sizeof out), 0, "%s", out);
    edit("s/Badanie satysfakcji pracowników urzędu miasta (sieć/Badanie (sieć/", "employee-satisfaction.json");
    cr_expect_eq(load(out, sizeof out), 0, "a changed comment is not a change: %s", out);
    edit("s/Moje stanowisko pracy jest odpowiednio/Moje stanowisko jest odpowiednio/",
         "employee-satisfaction.json");
    edit("s/Moje stanowisko pracy jest odpowiednio/Moje stanowisko jest odpowiednio/",
         "employee-satisfaction-v2.json");
    cr_expect_eq(load(out, sizeof out), 1, "%s", out);
    cr_expect(strstr(out, ".json: survey \"satysfakcja-pracownikow\" version ") != NULL, "%s", out);
    cr_expect(strstr(out, "is already loaded with a different definition") != NULL, "%s", out);
}

Test(registry_surveys, wave_of_unknown_version_rejected)
{
    char out[8192];

    edit("0,/\"survey_version\": 2/s//\"survey_version\": 3/", "registry/waves.json");
    cr_expect_eq(load(out, sizeof out), 1, "%s", out);
    cr_expect(strstr(out, "waves.json: waves[2]: field \"survey_version\"") != NULL, "%s", out);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM city"), 0);
}

Test(registry_surveys, changed_meaning_of_a_code_rejected)
{
    char out[8192];

    edit("0,/Moje stanowisko pracy jest odpowiednio/s//Moje biurko jest odpowiednio/",
         "employee-satisfaction-v2.json");
    cr_expect_eq(load(out, sizeof out), 1, "%s", out);
    cr_expect(strstr(out, "employee-satisfaction-v2.json: items[0] \"warunki_01\": field \"text\"") !=
              NULL, "%s", out);
}
