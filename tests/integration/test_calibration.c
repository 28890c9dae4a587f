/*
 * Design-based standard errors of calibrated weights, the finite
 * population correction, the one-attribute "cells" table, the weighting
 * section of `stats --json` and degenerate trends, end to end (registry
 * load, import, stats --json) on Empirie's own test data:
 * tests/data/stats/calibration.csv (made by make_calibration_data.py). The
 * references are R survey's, computed by tests/data/stats/calibration.R
 * (the R call of each value is named in calibration_ref.h):
 *   PS1  Konin, survey kal-jeden: postStratify on grupa (cells 500/300/200);
 *   PS2  Jasło, survey kal-dwa: postStratify on grupa x plec (6 cells);
 *   RK   Konin, survey kal-dwa: calibrate(~grupa+plec, calfun="raking") to
 *        the margins grupa 500/300/200, plec 550/450;
 *   *_FPC the same with svydesign(fpc=~N), N the registry headcount (Konin
 *        1000, Jasło 500): the instruments kal-jeden-fpc and kal-dwa-fpc
 *        say "variance": {"fpc": "headcount"}.
 * Means and SEs of q1, q2 and the dimension d; the favourable shares of q1
 * and q2 (f1, f2: svymean of the 0/1 indicator) through their Wilson
 * interval on the effective n p(1-p)/SE².
 */
#include "testdb.h"

#include "../data/stats/calibration_ref.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct testdb db;
static char dir[64];

static const char attrs[] =
    " \"attributes\": [{\"code\": \"grupa\", \"label\": {\"pl\": \"Grupa\"}, \"required\": true,\n"
    "   \"options\": [{\"code\": 1, \"label\": {\"pl\": \"A\"}}, {\"code\": 2, \"label\": {\"pl\": \"B\"}},\n"
    "                {\"code\": 3, \"label\": {\"pl\": \"C\"}}]},\n"
    "  {\"code\": \"plec\", \"label\": {\"pl\": \"Płeć\"}, \"required\": true,\n"
    "   \"options\": [{\"code\": 1, \"label\": {\"pl\": \"K\"}}, {\"code\": 2, \"label\": {\"pl\": \"M\"}}]}],\n";

static const char items[] =
    " \"scales\": {\"zgoda5\": {\"type\": \"likert\", \"min\": 1, \"max\": 5}},\n"
    " \"dimensions\": [{\"code\": \"d\", \"label\": {\"pl\": \"Wymiar\"}, \"min_items\": 2}],\n"
    " \"items\": [\n"
    "  {\"code\": \"q1\", \"scale\": \"zgoda5\", \"dimension\": \"d\", \"text\": {\"pl\": \"P1\"}},\n"
    "  {\"code\": \"q2\", \"scale\": \"zgoda5\", \"dimension\": \"d\", \"text\": {\"pl\": \"P2\"}},\n"
    "  {\"code\": \"rec\", \"type\": \"scale\", \"min\": 0, \"max\": 10, \"text\": {\"pl\": \"eNPS\"}}]}\n";

static const char cells1[] = "{\"cells\": {\"1\": 500, \"2\": 300, \"3\": 200}}";
static const char cells2[] =
    "{\"cells\": {\"1\": {\"1\": 150, \"2\": 100}, \"2\": {\"1\": 120, \"2\": 80}, "
    "\"3\": {\"1\": 30, \"2\": 20}}}";
static const char margins[] =
    "{\"margins\": {\"grupa\": {\"1\": 500, \"2\": 300, \"3\": 200}, "
    "\"plec\": {\"1\": 550, \"2\": 450}}}";

static void write_file(const char *name, const char *text)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "w");
    cr_assert(f != NULL, "%s", path);
    cr_assert(fputs(text, f) >= 0);
    cr_assert(fclose(f) == 0);
}

static void write_instrument(const char *slug, const char *strata, int fpc)
{
    char name[128], text[4096];

    snprintf(name, sizeof name, "surveys/%s.json", slug);
    snprintf(text, sizeof text,
             "{\"slug\": \"%s\", \"version\": 1, \"title\": {\"pl\": \"Test %s\"},\n"
             " \"weighted\": true, \"anonymity_threshold\": 3, \"enps_item\": \"rec\",\n"
             " \"poststratification\": {\"attributes\": [%s]},%s\n%s%s",
             slug, slug, strata, fpc ? " \"variance\": {\"fpc\": \"headcount\"}," : "", attrs,
             items);
    write_file(name, text);
}

/* cities.json with konin's kal-jeden figures given as konin_one. */
static void write_cities(const char *konin_one)
{
    char text[4096];

    snprintf(text, sizeof text,
             "{\"cities\": [\n"
             " {\"slug\": \"konin\", \"name\": \"Konin\", \"programme\": true, \"headcount\": 1000,\n"
             "  \"population\": {\"kal-jeden\": %s, \"kal-jeden-fpc\": %s,\n"
             "                  \"kal-dwa\": %s, \"kal-dwa-fpc\": %s}},\n"
             " {\"slug\": \"jaslo\", \"name\": \"Jasło\", \"programme\": true, \"headcount\": 500,\n"
             "  \"population\": {\"kal-dwa\": %s, \"kal-dwa-fpc\": %s}},\n"
             " {\"slug\": \"nisko\", \"name\": \"Nisko\", \"programme\": true},\n"
             " {\"slug\": \"zary\", \"name\": \"Żary\", \"programme\": true}]}\n",
             konin_one, cells1, margins, margins, cells2, cells2);
    write_file("registry/cities.json", text);
}

static const char *const surveys[] = { "kal-jeden", "kal-jeden-fpc", "kal-dwa", "kal-dwa-fpc" };

static void write_registry(void)
{
    char text[4096];
    size_t len = 0;

    write_instrument("kal-jeden", "\"grupa\"", 0);
    write_instrument("kal-jeden-fpc", "\"grupa\"", 1);
    write_instrument("kal-dwa", "\"grupa\", \"plec\"", 0);
    write_instrument("kal-dwa-fpc", "\"grupa\", \"plec\"", 1);
    write_cities(cells1);
    write_file("registry/networks.json",
               "{\"networks\": [{\"slug\": \"siec\", \"name\": \"Sieć\"}]}\n");
    write_file("registry/memberships.json",
               "{\"memberships\": [{\"network\": \"siec\", \"city\": \"konin\", \"role\": "
               "\"member\"}, {\"network\": \"siec\", \"city\": \"jaslo\", \"role\": "
               "\"member\"}]}\n");
    /* Two waves of every survey, both opening on the same day. */
    len += (size_t)snprintf(text + len, sizeof text - len, "{\"waves\": [");
    for (size_t s = 0; s < 4; s++)
        for (int w = 1; w <= 2; w++)
            len += (size_t)snprintf(text + len, sizeof text - len,
                                    "%s{\"survey\": \"%s\", \"label\": \"w%d\", \"survey_version\": "
                                    "1, \"opens_on\": \"2026-01-01\", \"closes_on\": "
                                    "\"2026-01-31\"}",
                                    s + w > 1 ? ", " : "", surveys[s], w);
    snprintf(text + len, sizeof text - len, "]}\n");
    write_file("registry/waves.json", text);
}

static int load(char *out, size_t n)
{
    return testdb_run(out, n, "registry load -q --dir %s/registry --surveys %s/surveys --db \"%s\"",
                      dir, dir, db.conninfo);
}

/* Every row of calibration.csv into wave w2 of its survey and its -fpc
 * twin; Konin's kal-jeden rows also into w1 (q1 one point lower where it
 * can be), for a trend across waves on the same date. Nisko: 6 rows of
 * kal-jeden, a city without population figures. */
static void import_data(void)
{
    char path[256], line[256], city[32], survey[32];
    static char out[1 << 16];
    FILE *in, *f;
    int g, p, q1, q2, id = 0;

    snprintf(path, sizeof path, "%s/tests/data/stats/calibration.csv", testdb_root());
    in = fopen(path, "r");
    cr_assert(in != NULL, "%s", path);
    snprintf(path, sizeof path, "%s/responses.ndjson", dir);
    f = fopen(path, "w");
    cr_assert(f != NULL);
    cr_assert(fgets(line, sizeof line, in) != NULL);
    while (fgets(line, sizeof line, in) != NULL) {
        cr_assert(sscanf(line, "%31[^,],%31[^,],%d,%d,%d,%d", city, survey, &g, &p, &q1, &q2) == 6,
                  "%s", line);
        for (int twin = 0; twin < 2; twin++)
            for (int w = 1; w <= 2; w++) {
                int a1 = w == 1 ? (q1 > 1 ? q1 - 1 : q1) : q1;

                if (w == 1 && (strcmp(city, "konin") != 0 || strcmp(survey, "kal-jeden") != 0))
                    continue;
                fprintf(f,
                        "{\"survey\": \"%s%s\", \"wave\": \"w%d\", \"city\": \"%s\", "
                        "\"id\": \"00000000-0000-4000-8000-%012d\", \"attributes\": {\"grupa\": "
                        "%d, \"plec\": %d}, \"answers\": {\"q1\": %d, \"q2\": %d, \"rec\": %d}, "
                        "\"weight\": 1}\n",
                        survey, twin ? "-fpc" : "", w, city, id++, g, p, a1, q2,
                        (2 * a1 + q2 + g + p) % 11);
            }
    }
    /* Żary: 2 respondents of kal-dwa in w1 (alone there), under the
     * threshold of 3 */
    for (int i = 0; i < 2; i++)
        fprintf(f,
                "{\"survey\": \"kal-dwa\", \"wave\": \"w1\", \"city\": \"zary\", "
                "\"id\": \"00000000-0000-4000-8000-%012d\", \"attributes\": {\"grupa\": 1, "
                "\"plec\": 1}, \"answers\": {\"q1\": 2, \"q2\": 3, \"rec\": 5}, \"weight\": 1}\n",
                id++);
    for (int i = 0; i < 6; i++)
        fprintf(f,
                "{\"survey\": \"kal-jeden\", \"wave\": \"w2\", \"city\": \"nisko\", "
                "\"id\": \"00000000-0000-4000-8000-%012d\", \"attributes\": {\"grupa\": %d, "
                "\"plec\": 1}, \"answers\": {\"q1\": %d, \"q2\": 3}, \"weight\": 1}\n",
                id++, 1 + i % 3, 1 + i % 5);
    cr_assert(fclose(f) == 0);
    cr_assert(fclose(in) == 0);
    cr_assert_eq(testdb_run(out, sizeof out, "import -q --allow-closed-wave %s --db \"%s\"", path, db.conninfo), 0,
                 "%s", out);
}

static void setup(void)
{
    char cmd[256];
    static char out[1 << 16];

    testdb_create(&db, 1);
    snprintf(dir, sizeof dir, "/tmp/empirie-cal-XXXXXX");
    cr_assert(mkdtemp(dir) != NULL);
    snprintf(cmd, sizeof cmd, "mkdir %s/registry %s/surveys", dir, dir);
    cr_assert(system(cmd) == 0);
    write_registry();
    cr_assert_eq(load(out, sizeof out), 0, "%s", out);
}

static void teardown(void)
{
    char cmd[200];

    testdb_drop(&db);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert(system(cmd) == 0);
}

TestSuite(calibration, .init = setup, .fini = teardown);

static json_t *stats_json_of(const char *survey, const char *group);

static json_t *stats_json(const char *survey, const char *city)
{
    char group[64];

    snprintf(group, sizeof group, "--city %s", city);
    return stats_json_of(survey, group);
}

/* `stats --json` of survey's wave w2 for group ("--city konin", ...). */
static json_t *stats_json_of(const char *survey, const char *group)
{
    static char out[1 << 21];
    json_error_t je;
    json_t *doc;
    const char *start;

    cr_assert_eq(testdb_run(out, sizeof out, "stats --survey %s --wave w2 %s --json "
                            "--db \"%s\" 2>/dev/null", survey, group, db.conninfo),
                 0, "%s", out);
    /* testdb_run captures stderr too: the JSON starts at the first "{" line
     * (a weighting warning may come before it) */
    start = out[0] == '{' ? out : strstr(out, "\n{");
    cr_assert(start != NULL, "%s", out);
    doc = json_loads(start, 0, &je);
    cr_assert(doc != NULL, "%s: %s", je.text, out);
    return doc;
}

static json_t *measure(json_t *doc, const char *key, const char *code)
{
    size_t i;
    json_t *it;

    json_array_foreach(json_object_get(json_object_get(doc, "group"), key), i, it)
        if (strcmp(json_string_value(json_object_get(it, "code")), code) == 0)
            return it;
    cr_assert_fail("no %s %s", key, code);
    return NULL;
}

static void expect_rel(json_t *m, const char *field, double want, const char *what)
{
    json_t *v = json_object_get(m, field);
    double got = json_number_value(v);

    cr_expect(json_is_number(v) && fabs(got - want) <= 1e-9 * fabs(want),
              "%s %s: got %.17g, R survey: %.17g (rel. %.2g)", what, field, got, want,
              fabs(got - want) / fabs(want));
}

/* The favourable share of item m and its Wilson interval on the effective
 * n p(1 - p)/SE², p and SE from R (svymean of the 0/1 indicator). */
static void expect_fav(json_t *m, double p, double se, const char *what)
{
    json_t *fav = json_object_get(m, "favourable");
    double z = 1.959963984540054, n = p * (1 - p) / (se * se), z2n = z * z / n;
    double centre = (p + z2n / 2) / (1 + z2n);
    double half = z * sqrt(p * (1 - p) / n + z2n / (4 * n)) / (1 + z2n);

    cr_assert(json_is_object(fav), "%s: no favourable share", what);
    expect_rel(fav, "share", p, what);
    expect_rel(fav, "ci_low", centre - half, what);
    expect_rel(fav, "ci_high", centre + half, what);
}

/* q1, q2 and the dimension d of one city against the R references. */
#define CHECK_R(SURVEY, CITY, P)                                                          \
    do {                                                                                  \
        json_t *doc = stats_json(SURVEY, CITY);                                           \
        json_t *q1 = measure(doc, "items", "q1"), *q2 = measure(doc, "items", "q2");     \
        json_t *dd = measure(doc, "dimensions", "d");                                     \
        expect_rel(q1, "mean", P##_Q1##_MEAN, #P " q1");                                  \
        expect_rel(q1, "se", P##_Q1##_SE, #P " q1");                                      \
        expect_rel(q2, "mean", P##_Q2##_MEAN, #P " q2");                                  \
        expect_rel(q2, "se", P##_Q2##_SE, #P " q2");                                      \
        expect_rel(dd, "mean", P##_D##_MEAN, #P " d");                                    \
        expect_rel(dd, "se", P##_D##_SE, #P " d");                                        \
        expect_fav(q1, P##_F1_MEAN, P##_F1_SE, #P " q1 favourable");                      \
        expect_fav(q2, P##_F2_MEAN, P##_F2_SE, #P " q2 favourable");                      \
        json_decref(doc);                                                                 \
    } while (0)

#define CHECK_R_FPC(SURVEY, CITY, P)                                                      \
    do {                                                                                  \
        json_t *doc = stats_json(SURVEY, CITY);                                           \
        json_t *q1 = measure(doc, "items", "q1"), *q2 = measure(doc, "items", "q2");     \
        json_t *dd = measure(doc, "dimensions", "d");                                     \
        expect_rel(q1, "mean", P##_Q1_FPC_MEAN, #P " q1 fpc");                            \
        expect_rel(q1, "se", P##_Q1_FPC_SE, #P " q1 fpc");                                \
        expect_rel(q2, "mean", P##_Q2_FPC_MEAN, #P " q2 fpc");                            \
        expect_rel(q2, "se", P##_Q2_FPC_SE, #P " q2 fpc");                                \
        expect_rel(dd, "mean", P##_D_FPC_MEAN, #P " d fpc");                              \
        expect_rel(dd, "se", P##_D_FPC_SE, #P " d fpc");                                  \
        expect_fav(q1, P##_F1_FPC_MEAN, P##_F1_FPC_SE, #P " q1 favourable fpc");          \
        expect_fav(q2, P##_F2_FPC_MEAN, P##_F2_FPC_SE, #P " q2 favourable fpc");          \
        json_decref(doc);                                                                 \
    } while (0)

Test(calibration, one_attribute_cells_post_stratify_as_r_survey)
{
    import_data();
    CHECK_R("kal-jeden", "konin", PS1);
}

Test(calibration, two_attribute_cells_post_stratify_as_r_survey)
{
    import_data();
    CHECK_R("kal-dwa", "jaslo", PS2);
}

Test(calibration, margins_rake_as_r_survey_calibrate)
{
    import_data();
    CHECK_R("kal-dwa", "konin", RK);
}

/* A network of a raked and a post-stratified city: the formula of
 * docs/statistics.md for groups of cities, evaluated in R from survey's
 * fits (calibration.R, NET_*; survey has no design for it). */
Test(calibration, network_of_calibrated_cities)
{
    const char *const groups[2] = { "kal-dwa", "kal-dwa-fpc" };
    const double want[2][6] = {
        { NET_Q1_MEAN, NET_Q1_SE, NET_Q2_MEAN, NET_Q2_SE, NET_D_MEAN, NET_D_SE },
        { NET_Q1_FPC_MEAN, NET_Q1_FPC_SE, NET_Q2_FPC_MEAN, NET_Q2_FPC_SE, NET_D_FPC_MEAN,
          NET_D_FPC_SE },
    };

    import_data();
    for (int k = 0; k < 2; k++) {
        json_t *doc = stats_json_of(groups[k], "--network siec");

        expect_rel(measure(doc, "items", "q1"), "mean", want[k][0], groups[k]);
        expect_rel(measure(doc, "items", "q1"), "se", want[k][1], groups[k]);
        expect_rel(measure(doc, "items", "q2"), "mean", want[k][2], groups[k]);
        expect_rel(measure(doc, "items", "q2"), "se", want[k][3], groups[k]);
        expect_rel(measure(doc, "dimensions", "d"), "mean", want[k][4], groups[k]);
        expect_rel(measure(doc, "dimensions", "d"), "se", want[k][5], groups[k]);
        json_decref(doc);
    }
}

Test(calibration, fpc_from_the_headcount_as_r_survey)
{
    import_data();
    CHECK_R_FPC("kal-jeden-fpc", "konin", PS1);
    CHECK_R_FPC("kal-dwa-fpc", "jaslo", PS2);
    CHECK_R_FPC("kal-dwa-fpc", "konin", RK);
}

Test(calibration, fpc_section_says_what_was_used)
{
    json_t *doc, *fpc;

    import_data();
    doc = stats_json("kal-jeden-fpc", "konin");
    fpc = json_object_get(json_object_get(doc, "group"), "fpc");
    cr_expect_eq(json_number_value(json_object_get(fpc, "population")), 1000);
    cr_expect_float_eq(json_number_value(json_object_get(fpc, "factor")), 1 - 45.0 / 1000,
                       1e-15);
    json_decref(doc);
    /* a network: the sum of its cities' headcounts and respondents */
    doc = stats_json_of("kal-dwa-fpc", "--network siec");
    fpc = json_object_get(json_object_get(doc, "group"), "fpc");
    cr_expect_eq(json_number_value(json_object_get(fpc, "population")), 1500);
    cr_expect_float_eq(json_number_value(json_object_get(fpc, "factor")), 1 - 100.0 / 1500,
                       1e-15);
    json_decref(doc);
    doc = stats_json("kal-dwa", "konin");
    cr_expect(json_object_get(json_object_get(doc, "group"), "fpc") == NULL,
              "no fpc section without the option");
    json_decref(doc);
}

/* eNPS (unweighted counts, multinomial SE) takes the same factor. */
Test(calibration, fpc_applies_to_enps)
{
    json_t *a, *b, *ea, *eb;
    double f = 1 - 45.0 / 1000, z = 1.959963984540054;

    import_data();
    a = stats_json("kal-jeden", "konin");
    b = stats_json("kal-jeden-fpc", "konin");
    ea = json_object_get(json_object_get(a, "group"), "enps");
    eb = json_object_get(json_object_get(b, "group"), "enps");
    cr_assert(json_is_number(json_object_get(ea, "se")) && json_is_number(json_object_get(eb, "se")));
    cr_expect_float_eq(json_number_value(json_object_get(eb, "value")),
                       json_number_value(json_object_get(ea, "value")), 1e-12);
    cr_expect_float_eq(json_number_value(json_object_get(eb, "se")),
                       json_number_value(json_object_get(ea, "se")) * sqrt(f), 1e-12);
    cr_expect_float_eq(json_number_value(json_object_get(eb, "ci_high")),
                       fmin(100, json_number_value(json_object_get(eb, "value")) +
                                     z * json_number_value(json_object_get(eb, "se"))),
                       1e-9);
    json_decref(a);
    json_decref(b);
}

/* The weighting section of one city: its method and note in wave w2. */
static json_t *weighting_of(json_t *doc)
{
    json_t *by = json_object_get(json_object_get(doc, "weighting"), "by_city");

    cr_assert(json_is_array(by) && json_array_size(by) == 1, "weighting.by_city of one entry");
    return json_array_get(by, 0);
}

Test(calibration, weighting_section_shows_method_and_fallback)
{
    static char out[1 << 16];
    json_t *doc, *e;

    import_data();
    doc = stats_json("kal-jeden", "konin");
    e = weighting_of(doc);
    cr_expect_str_eq(json_string_value(json_object_get(e, "city")), "konin");
    cr_expect_str_eq(json_string_value(json_object_get(e, "method")), "cells");
    json_decref(doc);
    doc = stats_json("kal-dwa", "konin");
    cr_expect_str_eq(json_string_value(json_object_get(weighting_of(doc), "method")), "raking");
    json_decref(doc);
    doc = stats_json("kal-jeden", "nisko");
    e = weighting_of(doc);
    cr_expect_str_eq(json_string_value(json_object_get(e, "method")), "none");
    cr_expect_str_eq(json_string_value(json_object_get(e, "note")),
                     "no population figures in the registry");
    json_decref(doc);
    /* a hidden city's entry says only that it is hidden (Żary, kal-dwa w1) */
    cr_assert_eq(testdb_run(out, sizeof out, "stats --survey kal-dwa --wave w1 --all --json "
                            "--db \"%s\"", db.conninfo), 0, "%s", out);
    doc = json_loads(out, 0, NULL);
    cr_assert(doc != NULL, "%s", out);
    e = json_array_get(json_object_get(json_object_get(doc, "weighting"), "by_city"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(e, "city")), "zary");
    cr_expect(json_is_true(json_object_get(e, "suppressed")), "%s", out);
    cr_expect(json_object_get(e, "note") == NULL && json_object_get(e, "method") == NULL,
              "a hidden city's weighting is not shown: %s", out);
    json_decref(doc);
    /* ... and `stats` says so on stderr */
    cr_assert_eq(testdb_run(out, sizeof out, "stats --survey kal-jeden --wave w2 --city nisko "
                            "--db \"%s\"", db.conninfo), 0, "%s", out);
    cr_expect(strstr(out, "stats: uwaga: nisko, fala w2: brak danych o ludności w rejestrze; "
                          "użyto wag przesłanych z odpowiedziami") != NULL,
              "%s", out);
    cr_assert_eq(testdb_run(out, sizeof out, "stats --survey kal-jeden --wave w2 --city nisko "
                            "--lang en --db \"%s\"", db.conninfo), 0, "%s", out);
    cr_expect(strstr(out, "stats: warning: nisko, wave w2: no population figures in the "
                          "registry; the weights sent with the responses are used") != NULL,
              "%s", out);
}

Test(calibration, two_attribute_cells_for_one_attribute_survey_rejected_at_load)
{
    static char out[1 << 16];

    write_cities(cells2);
    cr_assert_neq(load(out, sizeof out), 0, "%s", out);
    cr_expect(strstr(out, "cities.json: cities[0] \"konin\": population \"kal-jeden\": field "
                          "\"cells\": the survey post-stratifies on grupa alone") != NULL,
              "%s", out);
}

Test(calibration, cells_mixing_counts_and_tables_rejected_at_load)
{
    static char out[1 << 16];

    write_cities("{\"cells\": {\"1\": 500, \"2\": {\"1\": 300}}}");
    cr_assert_neq(load(out, sizeof out), 0, "%s", out);
    cr_expect(strstr(out, "cities.json: cities[0] \"konin\": population \"kal-jeden\": field "
                          "\"cells\": code 2: expected a count") != NULL,
              "%s", out);
}

Test(calibration, population_codes_the_survey_lacks_warn_at_load)
{
    static char out[1 << 16];

    write_cities("{\"cells\": {\"1\": 500, \"2\": 300, \"3\": 200, \"9\": 5}}");
    cr_assert_eq(load(out, sizeof out), 0, "%s", out);
    cr_expect(strstr(out, "registry: uwaga: ") != NULL && strstr(out, "grupa has no category 9")
                  != NULL, "%s", out);
}

/* Every object with a "p" in the group (as results.c's BH family). */
static void collect(json_t *v, json_t **found, size_t *n, size_t cap)
{
    const char *key;
    json_t *child;
    size_t i;

    if (json_is_object(v)) {
        if (json_is_real(json_object_get(v, "p")) && *n < cap)
            found[(*n)++] = v;
        json_object_foreach(v, key, child)
            if (strcmp(key, "breakdown") != 0)
                collect(child, found, n, cap);
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, child)
            collect(child, found, n, cap);
    }
}

/* Two waves opening on the same day: no trend, and no trend p among the
 * p-values the Benjamini-Hochberg adjustment counts: every p_adj is BH
 * over exactly the tests shown (recomputed here: q_i = min over p_j >= p_i
 * of p_j m / rank_j). */
Test(calibration, waves_on_one_date_give_no_trend)
{
    json_t *doc, *it, *found[256];
    size_t i, n = 0, changes = 0;

    import_data();
    doc = stats_json("kal-jeden", "konin");
    json_array_foreach(json_object_get(json_object_get(doc, "group"), "items"), i, it) {
        cr_expect(json_is_null(json_object_get(it, "trend")), "item %s has a trend",
                  json_string_value(json_object_get(it, "code")));
        changes += json_is_object(json_object_get(it, "change"));
    }
    json_array_foreach(json_object_get(json_object_get(doc, "group"), "dimensions"), i, it)
        cr_expect(json_is_null(json_object_get(it, "trend")));
    it = json_object_get(json_object_get(doc, "group"), "enps");
    cr_expect(json_is_object(it) && json_is_null(json_object_get(it, "trend")), "eNPS trend");
    cr_expect_eq(changes, 3, "q1, q2 and rec have a change against w1");
    collect(json_object_get(doc, "group"), found, &n, 256);
    cr_assert(n >= 2);
    for (size_t a = 0; a < n; a++) {
        double pa = json_real_value(json_object_get(found[a], "p")), q = 1.0;

        for (size_t b = 0; b < n; b++) {
            double pb = json_real_value(json_object_get(found[b], "p"));
            size_t rank = 0;

            if (pb < pa)
                continue;
            for (size_t k = 0; k < n; k++)
                rank += json_real_value(json_object_get(found[k], "p")) <= pb;
            q = fmin(q, pb * (double)n / (double)rank);
        }
        cr_expect(fabs(json_number_value(json_object_get(found[a], "p_adj")) - q) <= 1e-12,
                  "p %.17g: p_adj %.17g, BH over the %zu tests shown %.17g", pa,
                  json_number_value(json_object_get(found[a], "p_adj")), n, q);
    }
    json_decref(doc);
}

/* The ministry workbook's methodology sheet says how the sample was
 * weighted and names the visible city that was not (Nisko), in Polish. */
Test(calibration, workbook_methodology_names_the_fallback)
{
    static char out[1 << 16];
    char cmd[1024];
    FILE *p;
    size_t len;

    import_data();
    cr_assert_eq(testdb_run(out, sizeof out, "report --db \"%s\" --survey kal-jeden --wave w2 "
                            "--ministry --out '%s/out'", db.conninfo, dir),
                 0, "%s", out);
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c 'import glob, openpyxl; "
             "ws = openpyxl.load_workbook(glob.glob(\"%s/out/w2/ministerstwo-*.xlsx\")[0])"
             "[\"Metodologia\"]; "
             "[print(r[0], \"|\", r[1]) for r in ws.iter_rows(values_only=True) if r[1]]' 2>&1",
             dir);
    p = popen(cmd, "r");
    cr_assert(p != NULL);
    len = fread(out, 1, sizeof out - 1, p);
    out[len] = '\0';
    cr_assert_eq(pclose(p), 0, "%s", out);
    cr_expect(strstr(out, "Ważenie | Próba każdego miasta jest ważona") != NULL, "%s", out);
    cr_expect(strstr(out, "None | nisko: nie ważono do struktury ludności: brak danych o "
                          "ludności w rejestrze") != NULL, "%s", out);
    cr_expect(strstr(out, "konin:") == NULL, "konin was post-stratified: %s", out);
}

