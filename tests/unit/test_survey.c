/* Unit: instrument parsing and validation (engine/model/survey.c). */
#include "err.h"
#include "survey.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static struct survey *load(const char *name)
{
    char path[1200], err[ERR_MAX];
    struct survey *s;

    snprintf(path, sizeof path, "%s/surveys/%s", testdb_root(), name);
    cr_assert(survey_load_file(path, &s, err, sizeof err) == 0, "%s", err);
    return s;
}

Test(survey, employee_satisfaction_instrument)
{
    struct survey *s = load("employee-satisfaction.json");
    size_t likert = 0, reversed = 0;
    int k;

    cr_expect_str_eq(s->slug, "satysfakcja-pracownikow");
    cr_expect_eq(s->version, 1);
    cr_expect_eq(s->weighted, 0);
    cr_expect_eq(s->anonymity_threshold, 5);
    cr_expect_geq(s->ndimensions, 6);
    for (size_t i = 0; i < s->nitems; i++) {
        likert += s->items[i].type == SURVEY_LIKERT && s->items[i].min == 1 &&
                  s->items[i].max == 5;
        reversed += s->items[i].reverse != 0;
    }
    cr_expect_geq(likert, 25);
    cr_expect_geq(reversed, 3);
    cr_assert_geq(s->enps_item, 0);
    cr_expect_str_eq(s->items[s->enps_item].code, "enps");
    cr_expect_eq(s->items[s->enps_item].max, 10);
    k = survey_item_index(s, "warunki_03");
    cr_assert_geq(k, 0);
    cr_expect(s->items[k].reverse);
    cr_expect_eq(survey_score(&s->items[k], 2), 4);
    cr_expect(survey_is_missing(&s->items[k], 9));
    cr_expect(!survey_is_missing(&s->items[k], 5));
    cr_expect(survey_is_missing(&s->items[k], SURVEY_NA));
    cr_expect_str_eq(s->items[k].options[0].label_pl, "Zdecydowanie się nie zgadzam");
    cr_expect_geq(survey_attr_index(s, "wydzial"), 0);
    cr_expect_geq(survey_attr_index(s, "staz"), 0);
    cr_expect_geq(survey_attr_index(s, "kierownik"), 0);
    for (size_t d = 0; d < s->ndimensions; d++) {
        cr_expect_geq(s->dimensions[d].nitems, 3, "%s", s->dimensions[d].code);
        cr_expect_eq(s->dimensions[d].min_items, (s->dimensions[d].nitems + 1) / 2);
    }
    survey_free(s);
}

Test(survey, youth_instrument_and_versions)
{
    struct survey *y = load("youth-participation.json");
    struct survey *v1 = load("employee-satisfaction.json");
    struct survey *v2 = load("employee-satisfaction-v2.json");
    char err[ERR_MAX];
    int k;

    cr_expect_str_eq(y->slug, "mlodziez-partycypacja");
    cr_expect(y->weighted);
    k = survey_item_index(y, "zrodla_info");
    cr_assert_geq(k, 0);
    cr_expect_eq(y->items[k].type, SURVEY_MULTI);
    k = survey_item_index(y, "zostanie");
    cr_assert_geq(k, 0);
    cr_expect_eq(y->items[k].type, SURVEY_SINGLE);
    cr_expect_eq(y->items[survey_item_index(y, "wplyw_01")].max, 4);
    cr_expect_eq(survey_attr_index(y, "wiek"), 0);
    cr_expect(y->attrs[0].required);
    cr_expect_str_eq(y->attrs[0].options[0].label_pl, "13–15 lat");
    cr_expect_eq(v2->version, 2);
    cr_expect_lt(survey_item_index(v1, "warunki_05"), 0);
    cr_expect_geq(survey_item_index(v2, "warunki_05"), 0);
    cr_expect_lt(survey_item_index(v2, "wynagr_04"), 0);
    cr_expect(survey_check_successor(v1, v2, "v2", err, sizeof err) == 0, "%s", err);
    /* the youth survey compares a city with Miasto Obywateli (issue 13) */
    cr_assert_eq(y->nbenchmark_networks, 1);
    cr_expect_str_eq(y->benchmark_networks[0], "miasto-obywateli");
    cr_expect_eq(v2->nbenchmark_networks, 0);
    survey_free(y);
    survey_free(v1);
    survey_free(v2);
}

/* Parses text; expects failure with every fragment in the message. */
static void expect_error(const char *text, const char *const *fragments)
{
    char err[ERR_MAX];
    json_error_t je;
    json_t *doc = json_loads(text, 0, &je);
    struct survey *s = (struct survey *)1;

    cr_assert(doc != NULL, "test JSON: %s", je.text);
    cr_assert(survey_parse(doc, "surveys/test.json", &s, err, sizeof err) == -1, "%s", text);
    cr_expect_null(s);
    for (size_t i = 0; fragments[i] != NULL; i++)
        cr_expect(strstr(err, fragments[i]) != NULL, "\"%s\" not in: %s", fragments[i], err);
    json_decref(doc);
}

#define HEAD "{\"slug\": \"t\", \"version\": 1, \"title\": {\"pl\": \"Test\"}, "
#define DIMS "\"dimensions\": [{\"code\": \"d\", \"label\": {\"pl\": \"D\"}}], "

Test(survey, errors_name_file_item_and_field)
{
    expect_error(HEAD "\"items\": [{\"code\": \"a\", \"type\": \"likert\", \"min\": 1, \"max\": 5, "
                 "\"text\": {\"pl\": \"A\"}}, {\"code\": \"b\", \"type\": \"likert\", \"min\": 1, "
                 "\"max\": 50, \"text\": {\"pl\": \"B\"}}]}",
                 (const char *const[]){ "surveys/test.json", "items[1] \"b\"", "field \"max\"",
                                        "50", NULL });
    expect_error(HEAD "\"items\": [{\"code\": \"a\", \"type\": \"slider\", \"text\": {\"pl\": \"A\"}}]}",
                 (const char *const[]){ "items[0] \"a\"", "field \"type\"", "\"slider\"", NULL });
    expect_error(HEAD "\"items\": [{\"code\": \"Zła\", \"type\": \"text\", \"text\": {\"pl\": \"A\"}}]}",
                 (const char *const[]){ "items[0]", "field \"code\"", NULL });
    expect_error(HEAD "\"items\": [{\"code\": \"a\", \"type\": \"text\"}]}",
                 (const char *const[]){ "items[0] \"a\"", "field \"text\"", "missing", NULL });
    expect_error(HEAD "\"items\": [{\"code\": \"a\", \"type\": \"likert\", \"min\": 1, \"max\": 5, "
                 "\"missing\": [3], \"text\": {\"pl\": \"A\"}}]}",
                 (const char *const[]){ "items[0] \"a\"", "missing[0]", "also a valid answer", NULL });
    expect_error(HEAD "\"items\": [{\"code\": \"a\", \"type\": \"single\", \"options\": [{\"code\": 1, "
                 "\"label\": {\"pl\": \"x\"}}, {\"code\": 1, \"label\": {\"pl\": \"y\"}}], "
                 "\"text\": {\"pl\": \"A\"}}]}",
                 (const char *const[]){ "items[0] \"a\"", "options[1]", "used twice", NULL });
    expect_error(HEAD "\"items\": [{\"code\": \"a\", \"scale\": \"nope\", \"text\": {\"pl\": \"A\"}}]}",
                 (const char *const[]){ "items[0] \"a\"", "field \"scale\"", NULL });
    expect_error(HEAD DIMS "\"items\": [{\"code\": \"a\", \"type\": \"number\", \"min\": 0, \"max\": 99, "
                 "\"dimension\": \"d\", \"text\": {\"pl\": \"A\"}}]}",
                 (const char *const[]){ "items[0] \"a\"", "field \"dimension\"", NULL });
    expect_error(HEAD "\"anonymity_threshold\": 2, \"items\": []}",
                 (const char *const[]){ "surveys/test.json", "field \"anonymity_threshold\"",
                                        "from 3", NULL });
    expect_error(HEAD "\"enps_item\": \"a\", \"items\": [{\"code\": \"a\", \"type\": \"likert\", "
                 "\"min\": 1, \"max\": 5, \"text\": {\"pl\": \"A\"}}]}",
                 (const char *const[]){ "field \"enps_item\"", "scale from 0 to 10", NULL });
    expect_error(HEAD "\"items\": [{\"code\": \"a\", \"type\": \"text\", \"text\": {\"pl\": \"A\"}}, "
                 "{\"code\": \"a\", \"type\": \"text\", \"text\": {\"pl\": \"B\"}}]}",
                 (const char *const[]){ "items[1] \"a\"", "used twice", NULL });
    expect_error(HEAD "\"attributes\": [{\"code\": \"wiek\", \"label\": {\"pl\": \"Wiek\"}}], "
                 "\"items\": [{\"code\": \"a\", \"type\": \"text\", \"text\": {\"pl\": \"A\"}}]}",
                 (const char *const[]){ "attributes[0] \"wiek\"", "field \"options\"", NULL });
    expect_error(HEAD "\"items\": [{\"code\": \"a\", \"type\": \"text\", \"colour\": 1, "
                 "\"text\": {\"pl\": \"A\"}}]}",
                 (const char *const[]){ "items[0] \"a\"", "unknown field \"colour\"", NULL });
    expect_error(HEAD "\"benchmark_networks\": [\"miasto-obywateli\", 7], \"items\": []}",
                 (const char *const[]){ "surveys/test.json", "field \"benchmark_networks\"[1]",
                                        "expected a network slug", "7", NULL });
    expect_error(HEAD "\"items\": [{\"code\": \"a\", \"type\": \"multi\", \"options\": [{\"code\": 15, "
                 "\"label\": {\"pl\": \"x\"}}], \"text\": {\"pl\": \"A\"}}]}",
                 (const char *const[]){ "items[0] \"a\"", "options[0]", "field \"code\"", NULL });
}

#define TEXT_ITEM "\"items\": [{\"code\": \"a\", \"type\": \"text\", \"text\": {\"pl\": \"A\"}}]"

/* The optional sections (poststratification, variance): absent is fine, not
 * an object is an error on the field, their fields' errors name the section. */
Test(survey, optional_sections_errors)
{
    expect_error(HEAD "\"weighted\": true, \"poststratification\": 3, " TEXT_ITEM "}",
                 (const char *const[]){ "surveys/test.json: field \"poststratification\": "
                                        "expected an object", NULL });
    expect_error(HEAD "\"variance\": [\"fpc\"], " TEXT_ITEM "}",
                 (const char *const[]){ "surveys/test.json: field \"variance\": expected an "
                                        "object", NULL });
    expect_error(HEAD "\"poststratification\": {\"attributes\": [\"a\"]}, " TEXT_ITEM "}",
                 (const char *const[]){ "only a weighted survey", NULL });
    expect_error(HEAD "\"weighted\": true, \"poststratification\": {\"cells\": 1}, "
                 TEXT_ITEM "}",
                 (const char *const[]){ "surveys/test.json: poststratification: unknown field "
                                        "\"cells\"", NULL });
    expect_error(HEAD "\"variance\": {\"fpc\": \"census\"}, " TEXT_ITEM "}",
                 (const char *const[]){ "surveys/test.json: variance: field \"fpc\"",
                                        "\"headcount\" or \"none\"", "\"census\"", NULL });
}

Test(survey, version_rules)
{
    const char *a = HEAD "\"items\": [{\"code\": \"a\", \"type\": \"likert\", \"min\": 1, \"max\": 5, "
                    "\"text\": {\"pl\": \"Stare\"}}]}";
    const char *b = "{\"slug\": \"t\", \"version\": 2, \"title\": {\"pl\": \"Test\"}, "
                    "\"items\": [{\"code\": \"a\", \"type\": \"likert\", \"min\": 1, \"max\": 5, "
                    "\"text\": {\"pl\": \"Nowe\"}}]}";
    const char *c = "{\"slug\": \"t\", \"version\": 2, \"title\": {\"pl\": \"Test\"}, "
                    "\"items\": [{\"code\": \"a\", \"type\": \"likert\", \"min\": 1, \"max\": 5, "
                    "\"wording_changed_in\": 2, \"text\": {\"pl\": \"Nowe\"}}]}";
    const char *d = "{\"slug\": \"t\", \"version\": 2, \"title\": {\"pl\": \"Test\"}, "
                    "\"items\": [{\"code\": \"a\", \"type\": \"likert\", \"min\": 1, \"max\": 7, "
                    "\"text\": {\"pl\": \"Stare\"}}]}";
    struct survey *s[4];
    const char *texts[4] = { a, b, c, d };
    char err[ERR_MAX];

    for (int i = 0; i < 4; i++) {
        json_t *doc = json_loads(texts[i], 0, NULL);

        cr_assert(survey_parse(doc, "x.json", &s[i], err, sizeof err) == 0, "%s", err);
        json_decref(doc);
    }
    cr_expect(survey_check_successor(s[0], s[1], "v2.json", err, sizeof err) == -1);
    cr_expect(strstr(err, "wording_changed_in") != NULL, "%s", err);
    cr_expect(strstr(err, "v2.json: items[0] \"a\"") != NULL, "%s", err);
    cr_expect(survey_check_successor(s[0], s[2], "v2.json", err, sizeof err) == 0, "%s", err);
    cr_expect_eq(s[2]->items[0].wording_changed, 2);
    cr_expect(survey_check_successor(s[0], s[3], "v2.json", err, sizeof err) == -1);
    cr_expect(strstr(err, "new code") != NULL, "%s", err);
    for (int i = 0; i < 4; i++)
        survey_free(s[i]);
}
