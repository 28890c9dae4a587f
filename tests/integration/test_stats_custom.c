/*
 * The engine is not tied to the two built-in instruments: a custom survey
 * (a 1-6 Likert scale, a reverse-keyed item, post-stratification weights,
 * threshold 3) goes through `registry load`, `empirie import` and
 * `empirie stats --json`, and its figures equal values computed here
 * directly from the raw rows with the textbook formulas (weighted mean
 * Σwy/Σw; linearization variance n/(n-1) Σw²(y-ȳ)²/(Σw)², Cochran 1977
 * eq. 6.13 as in docs/statistics.md; Kish's n_eff (Σw)²/Σw²).
 */
#include "testdb.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char instrument[] =
    "{\"slug\": \"ankieta-testowa\", \"version\": 1,\n"
    " \"title\": {\"pl\": \"Ankieta testowa\"}, \"weighted\": true,\n"
    " \"anonymity_threshold\": 3, \"favourable_top\": 2,\n"
    " \"scales\": {\"zgoda6\": {\"type\": \"likert\", \"min\": 1, \"max\": 6}},\n"
    " \"dimensions\": [{\"code\": \"d\", \"label\": {\"pl\": \"Wymiar\"}, \"min_items\": 2}],\n"
    " \"attributes\": [{\"code\": \"grupa\", \"label\": {\"pl\": \"Grupa\"}, \"required\": true,\n"
    "   \"options\": [{\"code\": 1, \"label\": {\"pl\": \"A\"}}, {\"code\": 2, \"label\": {\"pl\": \"B\"}}]}],\n"
    " \"items\": [\n"
    "  {\"code\": \"q1\", \"scale\": \"zgoda6\", \"dimension\": \"d\", \"text\": {\"pl\": \"Pytanie 1\"}},\n"
    "  {\"code\": \"q2\", \"scale\": \"zgoda6\", \"dimension\": \"d\", \"reverse\": true,\n"
    "   \"text\": {\"pl\": \"Pytanie 2 (odwrócone)\"}},\n"
    "  {\"code\": \"q3\", \"scale\": \"zgoda6\", \"dimension\": \"d\", \"text\": {\"pl\": \"Pytanie 3\"}}]}\n";

static const char waves[] =
    "{\"waves\": [{\"survey\": \"ankieta-testowa\", \"label\": \"w1\", \"survey_version\": 1,\n"
    "  \"opens_on\": \"2024-01-01\", \"closes_on\": \"2024-01-31\"},\n"
    " {\"survey\": \"ankieta-testowa\", \"label\": \"w2\", \"survey_version\": 1,\n"
    "  \"opens_on\": \"2025-01-01\", \"closes_on\": \"2025-01-31\"}]}\n";

/* Konin, wave w2: 12 respondents (q1, q2 as answered, q3, weight). */
static const int q1[12] = { 6, 5, 4, 6, 3, 5, 2, 6, 5, 4, 1, 5 };
static const int q2[12] = { 1, 2, 3, 1, 4, 2, 5, 1, 2, 3, 6, 2 };
static const int q3[12] = { 5, 5, 4, 6, 3, 4, 2, 5, 6, 4, 2, 5 };
static const double w[12] = { 1.2, 0.8, 1.0, 1.5, 0.7, 1.1, 0.9, 1.3, 1.0, 0.6, 2.0, 1.4 };

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    cr_assert(f != NULL, "%s", path);
    cr_assert(fputs(text, f) >= 0);
    cr_assert(fclose(f) == 0);
}

static void write_responses(const char *path)
{
    FILE *f = fopen(path, "w");

    cr_assert(f != NULL);
    for (int i = 0; i < 12; i++)
        fprintf(f,
                "{\"survey\": \"ankieta-testowa\", \"wave\": \"w2\", \"city\": \"konin\", "
                "\"id\": \"00000000-0000-4000-8000-%012d\", \"attributes\": {\"grupa\": %d}, "
                "\"answers\": {\"q1\": %d, \"q2\": %d, \"q3\": %d}, \"weight\": %.17g}\n",
                i, 1 + i % 2, q1[i], q2[i], q3[i], w[i]);
    /* Jasło, w2, and Konin, w1: enough for the comparisons to exist. */
    for (int i = 0; i < 6; i++)
        fprintf(f,
                "{\"survey\": \"ankieta-testowa\", \"wave\": \"w2\", \"city\": \"jaslo\", "
                "\"id\": \"00000000-0000-4000-8001-%012d\", \"attributes\": {\"grupa\": 1}, "
                "\"answers\": {\"q1\": %d, \"q2\": %d, \"q3\": %d}, \"weight\": 1}\n",
                i, 1 + i % 6, 1 + (i + 2) % 6, 1 + (i + 4) % 6);
    for (int i = 0; i < 6; i++)
        fprintf(f,
                "{\"survey\": \"ankieta-testowa\", \"wave\": \"w1\", \"city\": \"konin\", "
                "\"id\": \"00000000-0000-4000-8002-%012d\", \"attributes\": {\"grupa\": 2}, "
                "\"answers\": {\"q1\": %d, \"q2\": %d, \"q3\": %d}, \"weight\": 1}\n",
                i, 1 + i % 3, 3, 4);
    cr_assert(fclose(f) == 0);
}

static json_t *find_item(json_t *group, const char *key, const char *code)
{
    size_t i;
    json_t *it;

    json_array_foreach(json_object_get(group, key), i, it)
        if (strcmp(json_string_value(json_object_get(it, "code")), code) == 0)
            return it;
    cr_assert_fail("no %s in %s", code, key);
    return NULL;
}

static double num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    cr_assert(json_is_number(v), "%s is not a number", key);
    return json_number_value(v);
}

Test(stats_custom, likert_1_6_reverse_weighted_through_import)
{
    struct testdb db;
    char dir[] = "/tmp/empirie-custom-XXXXXX";
    char path[512], cmd[2048];
    static char out[1 << 20];
    double sw = 0, sw2 = 0, swy = 0, mean, var = 0, fav = 0;
    json_error_t je;
    json_t *doc, *group, *q2item;

    testdb_create(&db, 1);
    cr_assert(mkdtemp(dir) != NULL);
    snprintf(cmd, sizeof cmd, "mkdir -p %s/registry %s/surveys && cp %s/surveys/registry/"
             "cities.json %s/surveys/registry/networks.json %s/surveys/registry/memberships.json "
             "%s/registry/", dir, dir, testdb_root(), testdb_root(), testdb_root(), dir);
    cr_assert(system(cmd) == 0);
    snprintf(path, sizeof path, "%s/surveys/ankieta-testowa.json", dir);
    write_file(path, instrument);
    snprintf(path, sizeof path, "%s/registry/waves.json", dir);
    write_file(path, waves);
    cr_assert_eq(testdb_run(out, sizeof out, "registry load -q --dir %s/registry --surveys "
                            "%s/surveys --db \"%s\"", dir, dir, db.conninfo), 0, "%s", out);
    snprintf(path, sizeof path, "%s/responses.ndjson", dir);
    write_responses(path);
    cr_assert_eq(testdb_run(out, sizeof out, "import -q --allow-closed-wave %s --db \"%s\"", path, db.conninfo), 0,
                 "%s", out);
    cr_assert_eq(testdb_long(&db, "SELECT count(*) FROM response"), 24);
    cr_assert_eq(testdb_run(out, sizeof out, "stats --survey ankieta-testowa --wave w2 --city "
                            "konin --json --db \"%s\" 2>/dev/null", db.conninfo), 0, "%s", out);
    doc = json_loads(out, 0, &je);
    cr_assert(doc != NULL, "%s: %s", je.text, out);
    cr_expect_eq(json_integer_value(json_object_get(doc, "threshold")), 3);
    group = json_object_get(doc, "group");
    cr_assert(json_is_false(json_object_get(group, "suppressed")), "%s", out);
    cr_expect_eq(num(group, "respondents"), 12);

    /* q2 is reverse-keyed on 1..6: the score is 7 - answer. */
    for (int i = 0; i < 12; i++) {
        double y = 7 - q2[i];

        sw += w[i];
        sw2 += w[i] * w[i];
        swy += w[i] * y;
        if (y >= 5)
            fav += w[i];
    }
    mean = swy / sw;
    for (int i = 0; i < 12; i++)
        var += w[i] * w[i] * (7 - q2[i] - mean) * (7 - q2[i] - mean);
    var = 12.0 / 11.0 * var / (sw * sw);
    q2item = find_item(group, "items", "q2");
    cr_expect_eq(num(q2item, "n"), 12);
    cr_expect_float_eq(num(q2item, "mean"), mean, 1e-9 * mean);
    cr_expect_float_eq(num(q2item, "se"), sqrt(var), 1e-9 * sqrt(var));
    cr_expect_float_eq(num(q2item, "n_eff"), sw * sw / sw2, 1e-9);
    cr_expect_float_eq(num(json_object_get(q2item, "favourable"), "share"), fav / sw, 1e-9);
    /* six points of distribution, the answers as given (issue 13): slot 0
     * holds the weight of those who answered 1, though 1 scores 6 */
    cr_expect_eq(json_array_size(json_object_get(q2item, "distribution")), 6);
    for (int v = 1; v <= 6; v++) {
        double wv = 0;

        for (int i = 0; i < 12; i++)
            if (q2[i] == v)
                wv += w[i];
        cr_expect_float_eq(json_number_value(json_array_get(
                               json_object_get(q2item, "distribution"), (size_t)v - 1)),
                           wv / sw, 1e-9, "answer %d", v);
    }
    cr_expect_str_eq(json_string_value(json_object_get(
                         find_item(json_object_get(doc, "instrument"), "items", "q2"), "note")),
                     "(pytanie odwrócone: wyższy wynik = lepiej)");
    /* the dimension exists with alpha; the city is compared with its networks */
    cr_expect(json_is_object(json_object_get(find_item(group, "dimensions", "d"), "alpha")));
    cr_expect(json_is_object(json_object_get(q2item, "change")), "w1 -> w2");
    json_decref(doc);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert(system(cmd) == 0);
    testdb_drop(&db);
}
