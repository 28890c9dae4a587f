/* Unit: parsing and validating responses (engine/intake/response.c), against a
 * catalog built from the instrument files, without a database. */
#include "err.h"
#include "registry.h"
#include "response.h"
#include "rscan.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct catalog *cat;

static void setup(void)
{
    char dir[1200], surveys[1200], err[ERR_MAX];
    struct registry *reg;

    snprintf(dir, sizeof dir, "%s/surveys/registry", testdb_root());
    snprintf(surveys, sizeof surveys, "%s/surveys", testdb_root());
    cr_assert(registry_read(dir, surveys, &reg, err, sizeof err) == 0, "%s", err);
    cr_assert(registry_catalog(reg, &cat, err, sizeof err) == 0, "%s", err);
    registry_free(reg);
}

static void teardown(void)
{
    catalog_free(cat);
}

TestSuite(response, .init = setup, .fini = teardown);

#define EMP "\"survey\": \"satysfakcja-pracownikow\", \"wave\": \"2023\", \"city\": \"konin\", " \
            "\"attributes\": {\"wydzial\": 2, \"staz\": 3}, "
#define ID1 "\"id\": \"4A6C2F0E-8D1B-4C3A-9F2E-0B5D7C8E1A24\", "
#define ID2 "\"id\": \"0b5d7c8e-1a24-4c3a-9f2e-4a6c2f0e8d1b\", "
#define YOUTH "\"survey\": \"mlodziez-partycypacja\", \"wave\": \"2024\", \"city\": \"zabrze\", " \
              "\"attributes\": {\"wiek\": 2, \"plec\": 1}, "

static struct response_batch *ok(const char *body)
{
    struct response_batch *b = NULL;
    struct response_error e;

    memset(&e, 0, sizeof e);
    cr_assert(response_parse(body, strlen(body), cat, RESPONSE_MAX_BATCH, &b, &e) == 0,
              "%s -> %s", body, e.message);
    return b;
}

/* Expects a rejection whose message holds every fragment and whose path is
 * path. */
static void bad_len(const char *body, size_t len, const char *path, const char *const *fragments)
{
    struct response_batch *b = (struct response_batch *)1;
    struct response_error e;

    memset(&e, 0, sizeof e);
    cr_assert(response_parse(body, len, cat, 3, &b, &e) == -1, "accepted: %s", body);
    cr_expect_null(b);
    cr_expect_str_eq(e.path, path, "path of: %s", e.message);
    for (size_t i = 0; fragments[i] != NULL; i++)
        cr_expect(strstr(e.message, fragments[i]) != NULL, "\"%s\" not in: %s", fragments[i],
                  e.message);
}

static void bad(const char *body, const char *path, const char *const *fragments)
{
    bad_len(body, strlen(body), path, fragments);
}

#define F(...) ((const char *const[]){ __VA_ARGS__, NULL })

Test(response, valid_employee_response)
{
    struct response_batch *b = ok("{" EMP ID1 "\"answers\": {\"warunki_01\": 4, \"warunki_03\": 9, "
                                  "\"enps\": 10, \"przel_01\": null, \"uwagi\": \"Więcej szkoleń\"}}");
    const struct response *r = &b->items[0];
    const struct survey *s = r->instrument;

    cr_assert_eq(b->n, 1);
    cr_expect_eq(b->was_array, 0);
    cr_expect_str_eq(r->id, "4a6c2f0e-8d1b-4c3a-9f2e-0b5d7c8e1a24");
    cr_expect_eq(s->version, 1, "wave 2023 uses version 1");
    cr_expect_eq(r->answers[survey_item_index(s, "warunki_01")], 4);
    cr_expect_eq(r->answers[survey_item_index(s, "warunki_03")], 9);
    cr_expect_eq(r->answers[survey_item_index(s, "enps")], 10);
    cr_expect_eq(r->answers[survey_item_index(s, "przel_01")], SURVEY_NA);
    cr_expect_eq(r->answers[survey_item_index(s, "zaang_01")], SURVEY_NA);
    cr_expect_str_eq(r->texts[survey_item_index(s, "uwagi")], "Więcej szkoleń");
    cr_expect_null(r->texts[survey_item_index(s, "warunki_01")]);
    cr_expect_eq(r->attrs[survey_attr_index(s, "staz")], 3);
    cr_expect_eq(r->attrs[survey_attr_index(s, "kierownik")], SURVEY_NA);
    cr_expect_eq(r->weight, 0);
    response_batch_free(b);
}

Test(response, valid_youth_batch_with_multi_and_weight)
{
    struct response_batch *b = ok("[{" YOUTH ID1 "\"weight\": 1.27, \"answers\": {\"zrodla_info\": "
                                  "[0, 4, 9], \"zostanie\": 2, \"wplyw_01\": 3}}, {" YOUTH ID2
                                  "\"weight\": 0.8, \"answers\": {\"bo_udzial\": []}}]");
    const struct survey *s = b->items[0].instrument;

    cr_assert_eq(b->n, 2);
    cr_expect(b->was_array);
    cr_expect_eq(b->items[0].answers[survey_item_index(s, "zrodla_info")], (1 << 0) | (1 << 4) | (1 << 9));
    cr_expect_eq(b->items[1].answers[survey_item_index(s, "bo_udzial")], 0);
    cr_expect_eq(b->items[0].weight, 1.27);
    response_batch_free(b);
}

Test(response, same_id_same_content_once_different_content_rejected)
{
    struct response_batch *b = ok("[{" EMP ID1 "\"answers\": {\"warunki_01\": 4}}, {" EMP ID1
                                  "\"answers\": {\"warunki_01\": 4}}]");

    cr_expect_eq(b->n, 1);
    response_batch_free(b);
    bad("[{" EMP ID1 "\"answers\": {\"warunki_01\": 4}}, {" EMP ID1 "\"answers\": {\"warunki_01\": 5}}]",
        "[1].id", F("given twice", "different content", "[0]"));
}

Test(response, malformed_json_and_bad_utf8)
{
    bad("{\"survey\": ", "", F("invalid JSON", "line 1"));
    bad("", "", F("empty"));
    bad("{" EMP ID1 "\"answers\": {\"warunki_01\": 4}} trailing", "", F("invalid JSON"));
    bad_len("{\"survey\": \"a\xff\xfe\"}", 16, "", F("invalid JSON"));
    bad("{\"a\": 1, \"a\": 2}", "", F("invalid JSON", "duplicate"));
    bad("\"text\"", "", F("expected a response object or an array"));
    bad("[1]", "[0]", F("expected a response object, got 1"));
}

/* jansson quotes the bad bytes; the message must stay valid UTF-8. */
Test(response, error_messages_are_valid_utf8)
{
    struct response_batch *b;
    struct response_error e;
    const char body[] = "[\"\xc3\x28\xff\"";
    json_t *s;

    cr_assert(response_parse(body, sizeof body - 1, cat, 3, &b, &e) == -1);
    s = json_string(e.message);
    cr_expect_not_null(s, "message is not UTF-8: %s", e.message);
    json_decref(s);
}

Test(response, wrong_types_and_ranges)
{
    bad("{" EMP ID1 "\"answers\": {\"warunki_01\": 6}}", "answers.warunki_01",
        F("expected an integer from 1 to 5", "or 9", "got 6"));
    bad("[{" EMP ID1 "\"answers\": {\"warunki_01\": \"4\"}}]", "[0].answers.warunki_01",
        F("expected an integer", "got \"4\""));
    bad("{" EMP ID1 "\"answers\": {\"warunki_01\": 4.5}}", "answers.warunki_01", F("got 4.5"));
    bad("{" EMP ID1 "\"answers\": {\"enps\": 11}}", "answers.enps", F("from 0 to 10", "got 11"));
    bad("{" YOUTH ID1 "\"weight\": 1, \"answers\": {\"zostanie\": 7}}", "answers.zostanie",
        F("one of the codes", "got 7"));
    bad("{" YOUTH ID1 "\"weight\": 1, \"answers\": {\"zrodla_info\": [1, 12]}}", "answers.zrodla_info",
        F("element 1", "got 12"));
    bad("{" YOUTH ID1 "\"weight\": 1, \"answers\": {\"zrodla_info\": [1, 1]}}", "answers.zrodla_info",
        F("twice"));
    bad("{" YOUTH ID1 "\"weight\": 1, \"answers\": {\"zrodla_info\": 3}}", "answers.zrodla_info",
        F("expected an array"));
    bad("{" EMP ID1 "\"answers\": {\"uwagi\": 5}}", "answers.uwagi", F("expected a text"));
    bad("{" EMP ID1 "\"answers\": [4]}", "answers", F("expected an object"));
    bad("{" EMP ID1 "\"answers\": {}}", "answers", F("no item is answered"));
    bad("{" EMP ID1 "\"answers\": {\"warunki_01\": null}}", "answers", F("no item is answered"));
}

Test(response, text_length_limit)
{
    char body[4096];
    char text[1200];

    memset(text, 'a', 1001);
    text[1001] = '\0';
    snprintf(body, sizeof body, "{" EMP ID1 "\"answers\": {\"uwagi\": \"%s\"}}", text);
    bad(body, "answers.uwagi", F("1001 characters", "at most 1000"));
}

Test(response, unknown_items_fields_and_versions)
{
    bad("{" EMP ID1 "\"answers\": {\"warunki_99\": 4}}", "answers.warunki_99", F("unknown item"));
    /* warunki_05 exists only from version 2, which wave 2023 does not use */
    bad("{" EMP ID1 "\"answers\": {\"warunki_05\": 4}}", "answers.warunki_05",
        F("unknown item", "version 1"));
    bad("{" EMP ID1 "\"answers\": {\"warunki_01\": 4}, \"ip\": \"1.2.3.4\"}", "ip",
        F("unknown field"));
    bad("{" EMP ID1 "\"answers\": {\"warunki_01\": 4}, \"attributes\": {\"wydzial\": 2, \"staz\": 3, "
        "\"plec\": 1}}", "", F("invalid JSON", "duplicate"));
}

Test(response, bad_uuid)
{
    bad("{" EMP "\"id\": \"4a6c2f0e8d1b4c3a9f2e0b5d7c8e1a24\", \"answers\": {\"warunki_01\": 4}}",
        "id", F("expected a UUID", "got \"4a6c2f0e8d1b4c3a9f2e0b5d7c8e1a24\""));
    bad("{" EMP "\"id\": \"4a6c2f0e-8d1b-4c3a-9f2e-0b5d7c8e1a2g\", \"answers\": {\"warunki_01\": 4}}",
        "id", F("expected a UUID"));
    bad("{" EMP "\"id\": 17, \"answers\": {\"warunki_01\": 4}}", "id", F("expected a non-empty string",
                                                                        "got 17"));
}

Test(response, unknown_city_wave_survey)
{
    bad("{\"survey\": \"satysfakcja-pracownikow\", \"wave\": \"2023\", \"city\": \"atlantyda\", " ID1
        "\"attributes\": {\"wydzial\": 2, \"staz\": 3}, \"answers\": {\"warunki_01\": 4}}", "city",
        F("unknown city \"atlantyda\""));
    bad("{\"survey\": \"satysfakcja-pracownikow\", \"wave\": \"2019\", \"city\": \"konin\", " ID1
        "\"answers\": {\"warunki_01\": 4}}", "wave", F("no wave \"2019\""));
    bad("{\"survey\": \"nieznana\", \"wave\": \"2023\", \"city\": \"konin\", " ID1
        "\"answers\": {\"warunki_01\": 4}}", "survey", F("unknown survey \"nieznana\""));
    bad("{\"wave\": \"2023\", \"city\": \"konin\", " ID1 "\"answers\": {\"warunki_01\": 4}}", "survey",
        F("missing"));
}

Test(response, attributes)
{
    bad("{\"survey\": \"satysfakcja-pracownikow\", \"wave\": \"2023\", \"city\": \"konin\", " ID1
        "\"attributes\": {\"wydzial\": 2}, \"answers\": {\"warunki_01\": 4}}", "attributes.staz",
        F("required attribute", "missing"));
    bad("{\"survey\": \"satysfakcja-pracownikow\", \"wave\": \"2023\", \"city\": \"konin\", " ID1
        "\"attributes\": {\"wydzial\": 2, \"staz\": 8}, \"answers\": {\"warunki_01\": 4}}",
        "attributes.staz", F("got 8"));
    bad("{\"survey\": \"satysfakcja-pracownikow\", \"wave\": \"2023\", \"city\": \"konin\", " ID1
        "\"attributes\": {\"wydzial\": 2, \"staz\": 3, \"wiek\": 1}, \"answers\": {\"warunki_01\": 4}}",
        "attributes.wiek", F("unknown attribute"));
}

Test(response, weight)
{
    bad("{" YOUTH ID1 "\"answers\": {\"zostanie\": 2}}", "weight", F("weighted", "got nothing"));
    bad("{" YOUTH ID1 "\"weight\": 0, \"answers\": {\"zostanie\": 2}}", "weight",
        F("greater than 0", "got 0"));
    bad("{" YOUTH ID1 "\"weight\": -1.5, \"answers\": {\"zostanie\": 2}}", "weight", F("got -1.5"));
    bad("{" YOUTH ID1 "\"weight\": \"1\", \"answers\": {\"zostanie\": 2}}", "weight", F("got \"1\""));
    bad("{" EMP ID1 "\"weight\": 1.0, \"answers\": {\"warunki_01\": 4}}", "weight",
        F("not weighted"));
}

Test(response, batch_limits)
{
    bad("[]", "", F("expected 1 to 3 responses", "got 0"));
    bad("[{" EMP ID1 "\"answers\": {\"warunki_01\": 4}}, {}, {}, {}]", "",
        F("expected 1 to 3 responses", "got 4"));
    bad("[{" EMP ID1 "\"answers\": {\"warunki_01\": 4}}, {" EMP ID2 "\"answers\": {\"warunki_01\": 9, "
        "\"enps\": -1}}]", "[1].answers.enps", F("got -1"));
}

Test(response, same_content)
{
    struct response_batch *a = ok("{" EMP ID1 "\"answers\": {\"warunki_01\": 4}}");
    struct response_batch *b = ok("{" EMP ID1 "\"answers\": {\"warunki_01\": 4, \"warunki_02\": null}}");
    struct response_batch *c = ok("{" EMP ID1 "\"answers\": {\"warunki_01\": 3}}");

    cr_expect(response_same_content(&a->items[0], &b->items[0]));
    cr_expect(!response_same_content(&a->items[0], &c->items[0]));
    response_batch_free(a);
    response_batch_free(b);
    response_batch_free(c);
}

/* A plain body is read by the text scan (rscan.h), and jansson with the
 * validator reads it to the same responses; a body the scan cannot be sure
 * of goes to jansson. */
static void scanned_like_jansson(const char *body, int scanned)
{
    struct response_batch *fast = ok(body), *slow = NULL;
    struct response_error e;

    cr_expect_eq(fast->text != NULL, scanned, "%s: %s", scanned ? "not scanned" : "scanned", body);
    cr_assert(response_parse_json(body, strlen(body), cat, RESPONSE_MAX_BATCH, &slow, &e) == 0,
              "%s", e.message);
    cr_assert_eq(slow->n, fast->n);
    cr_expect_eq(slow->was_array, fast->was_array);
    for (size_t i = 0; i < fast->n; i++) {
        cr_expect_str_eq(fast->items[i].id, slow->items[i].id);
        cr_expect_str_eq(fast->items[i].city, slow->items[i].city);
        cr_expect_eq(fast->items[i].texts == NULL, slow->items[i].texts == NULL);
        cr_expect(response_same_content(&fast->items[i], &slow->items[i]), "item %zu: %s", i,
                  body);
    }
    response_batch_free(fast);
    response_batch_free(slow);
}

/* rscan_next after a member: where *p is left and what it says, for each
 * way the text can go on. */
static void next_is(const char *text, char close, int want, const char *rest)
{
    char buf[32];
    char *p = buf;
    int got;

    snprintf(buf, sizeof buf, "%s", text);
    got = rscan_next(&p, close);
    cr_expect_eq(got, want, "\"%s\": %d, expected %d", text, got, want);
    if (want >= 0)
        cr_expect_str_eq(p, rest, "\"%s\": left \"%s\", expected \"%s\"", text, p, rest);
}

Test(response, rscan_next_after_a_member)
{
    next_is("]", ']', 1, "");
    next_is(" \t\n] , 3", ']', 1, " , 3");
    next_is("}x", '}', 1, "x");
    next_is(",2]", ']', 0, "2]");
    next_is("  ,\r\n \"k\": 1}", '}', 0, "\"k\": 1}");
    next_is("]", '}', -1, NULL);     /* the other bracket */
    next_is(" 2]", ']', -1, NULL);   /* no comma */
    next_is("", ']', -1, NULL);
}

Test(response, plain_bodies_scanned_like_jansson)
{
    scanned_like_jansson("{" EMP ID1 "\"answers\": {\"warunki_01\": 4, \"enps\": 0, "
                         "\"warunki_03\": null}}", 1);
    scanned_like_jansson(" [ {" YOUTH ID1 "\"weight\": 1.27, \"answers\": {\"zostanie\": 2}} ,\n"
                         "{" YOUTH ID2 "\"weight\": 3e-1, \"answers\": {\"zostanie\": 9}} ]\r\n", 1);
    scanned_like_jansson("{\"answers\":{\"enps\":10},\"weight\":null," ID2
                         "\"attributes\":{\"staz\":1,\"wydzial\":4,\"kierownik\":null},"
                         "\"city\":\"konin\",\"wave\":\"2023\",\"survey\":\"satysfakcja-pracownikow\"}", 1);
    /* a text answer in UTF-8, an empty one, multi-choice lists */
    scanned_like_jansson("{" EMP ID1 "\"answers\": {\"warunki_01\": 4, \"enps\": 0, "
                         "\"uwagi\": \"Więcej szkoleń \xf0\x9f\x99\x82\"}}", 1);
    scanned_like_jansson("{" EMP ID1 "\"answers\": {\"enps\": 0, \"uwagi\": \"\"}}", 1);
    scanned_like_jansson("{" YOUTH ID1 "\"weight\": 1, \"answers\": {\"zrodla_info\": [0, 4], "
                         "\"bo_udzial\": []}}", 1);
    /* not plain: an escape, a key twice in the body */
    scanned_like_jansson("{" EMP ID1 "\"answers\": {\"warunki_01\": 4, \"enps\": 0, "
                         "\"uwagi\": \"Wi\\u0119cej\"}}", 0);
    scanned_like_jansson("[{" EMP ID1 "\"answers\": {\"enps\": 3}}, {" EMP ID1
                         "\"answers\": {\"enps\": 3}}]", 0);
}
