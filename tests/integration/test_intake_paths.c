/*
 * Integration: one response, every way in. The API (one object: typed
 * parameters; an array: JSON), group commit (JSON, and COPY from 64 rows),
 * the respondent's form, and import (an NDJSON line read by the text scan,
 * one read by jansson, CSV by the direct COPY, CSV through a pipe by the
 * staging table) must store byte-identical rows (one encoder per format,
 * ingest_encode.h), and all of them must be "the same content" for every
 * other way (RESPONSE_CONTENT, sqlfrag.h). A rule broken is refused by every
 * way with the API's own field-precise message.
 */
#include "catalog.h"
#include "err.h"
#include "form_response.h"
#include "formdata.h"
#include "ingest.h"
#include "registry.h"
#include "sqlfrag.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static struct testdb db;
static struct catalog *cat;
static char dir[64];
static int next_id;

static void setup(void)
{
    testdb_create(&db, 1);
    testdb_load_registry(&db);
    cat = testdb_catalog(&db);
    snprintf(dir, sizeof dir, "/tmp/empirie-paths-XXXXXX");
    cr_assert(mkdtemp(dir) != NULL);
}

static void teardown(void)
{
    char cmd[128];

    catalog_free(cat);
    testdb_drop(&db);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert(system(cmd) == 0);
}

TestSuite(intake_paths, .init = setup, .fini = teardown);

/* A response's content, written for each way in. */
struct content {
    const char *head;      /* "survey":..., "wave":..., "city":... */
    const char *members;   /* the JSON members after "id" */
    const char *csv_header, *csv_cells;   /* the cells after survey,wave,city,id */
    const char *csv_head;  /* survey,wave,city */
    const char *form;      /* the form's body, or NULL (a weighted survey has no form) */
};

static void new_id(char id[37])
{
    snprintf(id, 37, "c0000000-0000-4000-8000-%012d", ++next_id);
}

static char *object(const struct content *c, const char *id)
{
    size_t n = strlen(c->head) + strlen(c->members) + 128;
    char *s = malloc(n);

    cr_assert(s != NULL);
    snprintf(s, n, "{%s,\"id\":\"%s\",%s}", c->head, id, c->members);
    return s;
}

static void post(const char *body)
{
    struct ingest_result res;

    cr_assert_eq(ingest_body(db.conn, cat, body, strlen(body), NULL, &res), OUTCOME_OK, "%s: %s",
                 res.error.message, body);
    cr_assert_eq(res.created, 1, "%s", body);
}

/* n responses in one group commit (COPY from 64). */
static void group(const struct content *c, size_t n)
{
    size_t cap = n * 1024 + 8, len = 1;
    char *body = malloc(cap), err[ERR_MAX];
    struct response_batch *b;
    struct response_error e;
    struct ingest_part part;

    cr_assert(body != NULL);
    body[0] = '[';
    for (size_t i = 0; i < n; i++) {
        char id[37], *o;

        new_id(id);
        o = object(c, id);
        len += (size_t)snprintf(body + len, cap - len, "%s%s", i > 0 ? "," : "", o);
        free(o);
    }
    snprintf(body + len, cap - len, "]");
    cr_assert(response_parse(body, strlen(body), cat, RESPONSE_MAX_BATCH, &b, &e) == 0, "%s",
              e.message);
    part.items = b->items;
    part.n = b->n;
    cr_assert_eq(ingest_group(db.conn, &part, 1, NULL, 0, err, sizeof err), OUTCOME_OK, "%s", err);
    response_batch_free(b);
    free(body);
}

/* The form's body posted for the link of head ("survey,wave,city") and
 * validated: *n errors in errs, r the response when *ok. Returns the
 * object r points into (json_decref it after r). */
static json_t *form_post(const char *head, const char *body, const char *id, struct response *r,
                         int *ok, struct form_error *errs, size_t *n)
{
    const struct catalog_wave *w;
    const struct survey *s;
    struct formlink l = { 0 };
    struct formdata fd;
    char err[ERR_MAX];
    json_t *obj;

    cr_assert(sscanf(head, "%63[^,],%63[^,],%63s", l.survey, l.wave, l.city) == 3);
    w = catalog_wave(cat, l.survey, l.wave);
    cr_assert(w != NULL);
    s = catalog_survey(cat, l.survey, w->survey_version);
    cr_assert(s != NULL);
    cr_assert(formdata_parse(body, strlen(body), 65536, 256, &fd, err, sizeof err) == 0, "%s",
              err);
    obj = form_response_object(s, &l, id, &fd);
    cr_assert(obj != NULL);
    *n = form_response_validate(cat, s, obj, 0, r, ok, errs, 8);
    formdata_free(&fd);
    return obj;
}

static void form(const struct content *c)
{
    struct form_error errs[8];
    struct ingest_result res;
    struct response r;
    char id[37];
    json_t *obj;
    size_t n;
    int ok;

    new_id(id);
    obj = form_post(c->csv_head, c->form, id, &r, &ok, errs, &n);
    cr_assert_eq(n, 0, "%s: %s", errs[0].field, errs[0].message);
    cr_assert(ok);
    cr_assert_eq(ingest_batch(db.conn, &r, 1, NULL, &res), OUTCOME_OK, "%s", res.error.message);
    cr_assert_eq(res.created, 1);
    response_clear(&r);
    json_decref(obj);
}

static const char *write_file(const char *name, const char *text)
{
    static char path[128];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "w");
    cr_assert(f != NULL);
    cr_assert(fputs(text, f) >= 0);
    cr_assert(fclose(f) == 0);
    return path;
}

static int import(const char *path, const char *how, char *out, size_t n)
{
    if (strcmp(how, "pipe") == 0)
        return testdb_run(out, n, "import -q --allow-closed-wave --format csv --db \"%s\" - < %s",
                          db.conninfo, path);
    return testdb_run(out, n, "import -q --allow-closed-wave --db \"%s\" %s", db.conninfo, path);
}

/* A CSV file of one row of c with a fresh id. */
static const char *csv_file(const struct content *c, const char *name)
{
    char text[4096], id[37];

    new_id(id);
    snprintf(text, sizeof text, "survey,wave,city,id,%s\n%s,%s,%s\n", c->csv_header, c->csv_head,
             id, c->csv_cells);
    return write_file(name, text);
}

/* Stores c every way in; returns how many rows that made. */
static long store_every_way(const struct content *c, const char *escaped_head)
{
    char id[37], out[8192], line[4096], *o;
    long rows = 0;

    new_id(id);
    o = object(c, id);
    post(o);                       /* one object: typed parameters */
    free(o);
    new_id(id);
    o = object(c, id);
    snprintf(line, sizeof line, "[%s]", o);
    post(line);                    /* an array: JSON */
    free(o);
    group(c, 1);                   /* group commit: JSON */
    group(c, 64);                  /* group commit: COPY */
    rows += 2 + 1 + 64;
    if (c->form != NULL) {
        form(c);
        rows++;
    }
    new_id(id);
    o = object(c, id);
    snprintf(line, sizeof line, "%s\n", o);
    free(o);
    cr_assert_eq(import(write_file("plain.ndjson", line), "file", out, sizeof out), 0, "%s", out);
    /* the same with the head spelled with an escape: jansson reads it */
    new_id(id);
    snprintf(line, sizeof line, "{%s,\"id\":\"%s\",%s}\n", escaped_head, id, c->members);
    cr_assert_eq(import(write_file("escaped.ndjson", line), "file", out, sizeof out), 0, "%s", out);
    cr_assert_eq(import(csv_file(c, "direct.csv"), "file", out, sizeof out), 0, "%s", out);
    cr_assert_eq(import(csv_file(c, "piped.csv"), "pipe", out, sizeof out), 0, "%s", out);
    return rows + 4;
}

/* Every row stored has one content (RESPONSE_CONTENT, byte for byte as
 * PostgreSQL prints it), and a file of every id with c's content is all
 * duplicates: the same content for each way in. */
static void expect_one_content(const struct content *c, long rows)
{
    char *v, *ndjson, *p, out[8192];
    size_t cap;

    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), rows);
    cr_expect_eq(testdb_long(&db, "SELECT count(DISTINCT " RESPONSE_CONTENT("r") "::text) "
                                  "FROM response r"), 1);
    v = testdb_value(&db, "SELECT string_agg(DISTINCT " RESPONSE_CONTENT("r") "::text, ' // ') "
                          "FROM response r");
    cr_log_info("stored: %s", v);
    free(v);
    /* one NDJSON line for each stored id */
    cap = (size_t)rows * 1024 + 1;
    ndjson = malloc(cap);
    cr_assert(ndjson != NULL);
    p = ndjson;
    *p = '\0';
    for (long i = next_id - rows + 1; i <= next_id; i++) {
        char id[37], *o;

        snprintf(id, sizeof id, "c0000000-0000-4000-8000-%012ld", i);
        o = object(c, id);
        p += snprintf(p, cap - (size_t)(p - ndjson), "%s\n", o);
        free(o);
    }
    cr_assert_eq(import(write_file("again.ndjson", ndjson), "file", out, sizeof out), 0, "%s", out);
    snprintf(ndjson, cap, "zapisane: 0, już zapisane wcześniej: %ld", rows);
    cr_expect(strstr(out, ndjson) != NULL, "%s", out);
    free(ndjson);
}

/* The value of one item (or "attrs", "weight") of the stored rows, all alike. */
static char *stored(const char *survey, int version, const char *what)
{
    char sql[512];
    const struct survey *s = catalog_survey(cat, survey, version);
    int k = s != NULL ? survey_item_index(s, what) : -1;

    cr_assert(s != NULL);
    if (k >= 0 && s->items[k].type == SURVEY_TEXT)
        snprintf(sql, sizeof sql, "SELECT string_agg(DISTINCT texts[%d], ' // ') FROM response", k + 1);
    else if (k >= 0)
        snprintf(sql, sizeof sql, "SELECT string_agg(DISTINCT answers[%d]::text, ' // ') FROM response", k + 1);
    else
        snprintf(sql, sizeof sql, "SELECT string_agg(DISTINCT %s::text, ' // ') FROM response", what);
    return testdb_value(&db, sql);
}

static void expect_stored(const char *survey, int version, const char *what, const char *want)
{
    char *v = stored(survey, version, what);

    cr_expect_str_eq(v, want, "%s", what);
    free(v);
}

#define EMP_HEAD "\"survey\":\"satysfakcja-pracownikow\",\"wave\":\"2023\",\"city\":\"konin\""
#define EMP_HEAD_ESCAPED "\"survey\":\"satysfakcja-pracownikow\",\"wave\":\"2023\",\"city\":\"ko\\u006ein\""
#define EMP "satysfakcja-pracownikow"

/* Letters past ASCII in a text: every way, the text scan's too. */
Test(intake_paths, a_text_with_letters_past_ascii)
{
    static const struct content c = {
        EMP_HEAD,
        "\"attributes\":{\"wydzial\":2,\"staz\":3},"
        "\"answers\":{\"warunki_01\":4,\"enps\":9,\"uwagi\":\"Lepiej, zażółć gęślą jaźń\"}",
        "attr.wydzial,attr.staz,warunki_01,enps,uwagi", "2,3,4,9,\"Lepiej, zażółć gęślą jaźń\"",
        EMP ",2023,konin",
        "a-wydzial=2&a-staz=3&q-warunki_01=4&q-enps=9&q-uwagi=Lepiej%2C%20za%C5%BC%C3%B3%C5%82"
        "%C4%87%20g%C4%99%C5%9Bl%C4%85%20ja%C5%BA%C5%84",
    };

    expect_one_content(&c, store_every_way(&c, EMP_HEAD_ESCAPED));
    expect_stored(EMP, 1, "uwagi", "Lepiej, zażółć gęślą jaźń");
    expect_stored(EMP, 1, "warunki_01", "4");
    expect_stored(EMP, 1, "enps", "9");
    expect_stored(EMP, 1, "attrs", "{2,3,NULL}");
    expect_stored(EMP, 1, "weight", "");
    expect_stored(EMP, 1, "survey_version", "1");
}

/* A tab, a line break, a backslash and quotes: what COPY, the array
 * literal and JSON each escape their own way. */
Test(intake_paths, a_text_every_format_escapes)
{
    static const struct content c = {
        EMP_HEAD,
        "\"attributes\":{\"wydzial\":1,\"staz\":2,\"kierownik\":1},"
        "\"answers\":{\"warunki_01\":5,\"uwagi\":\"Tab\\there, back\\\\slash, \\\"quoted\\\",\\nline two\"}",
        "attr.wydzial,attr.staz,attr.kierownik,warunki_01,uwagi",
        "1,2,1,5,\"Tab\there, back\\slash, \"\"quoted\"\",\nline two\"",
        EMP ",2023,konin",
        "a-wydzial=1&a-staz=2&a-kierownik=1&q-warunki_01=5&q-uwagi=Tab%09here%2C%20back%5Cslash"
        "%2C%20%22quoted%22%2C%0Aline%20two",
    };

    expect_one_content(&c, store_every_way(&c, EMP_HEAD_ESCAPED));
    expect_stored(EMP, 1, "uwagi", "Tab\there, back\\slash, \"quoted\",\nline two");
    expect_stored(EMP, 1, "attrs", "{1,2,1}");
}

#define YOUTH_HEAD "\"survey\":\"mlodziez-partycypacja\",\"wave\":\"2024\",\"city\":\"zabrze\""
#define YOUTH_HEAD_ESCAPED "\"survey\":\"mlodziez-partycypacja\",\"wave\":\"2024\",\"city\":\"zabrz\\u0065\""

/* A weight that has no exact binary form and a multiple choice. */
Test(intake_paths, a_weight_and_a_multiple_choice)
{
    static const struct content c = {
        YOUTH_HEAD,
        "\"weight\":0.1,\"attributes\":{\"wiek\":2},\"answers\":{\"zrodla_info\":[0,4,9],\"zostanie\":2}",
        "weight,attr.wiek,zrodla_info,zostanie", "0.1,2,0|4|9,2",
        "mlodziez-partycypacja,2024,zabrze",
        NULL,
    };

    expect_one_content(&c, store_every_way(&c, YOUTH_HEAD_ESCAPED));
    expect_stored("mlodziez-partycypacja", 1, "zrodla_info", "529");   /* bits 0, 4, 9 */
    expect_stored("mlodziez-partycypacja", 1, "zostanie", "2");
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response WHERE weight = 0.1::float8"),
                 testdb_long(&db, "SELECT count(*) FROM response"));
}

/*
 * A rule broken (an answer out of range) is refused by every way in with
 * the validator's message, naming the field: the API (one object, an
 * array), import (a plain NDJSON line, which the text scan leaves to the
 * validator; a CSV row, named by its column) and the form (the field of the
 * item). Nothing is stored.
 */
Test(intake_paths, a_broken_rule_has_one_message)
{
    static const char members[] =
        "\"attributes\":{\"wydzial\":2,\"staz\":3},\"answers\":{\"warunki_01\":7,\"enps\":9}";
    const char *want = "answers.warunki_01: expected an integer from 1 to 5, or 9 (no answer), or null; got 7";
    char body[2048], id[37], out[8192], expect[1024];
    struct ingest_result res;
    struct response_batch *b;
    struct response_error e;
    struct form_error errs[8];
    struct response r;
    size_t n;
    int ok;
    json_t *obj;

    new_id(id);
    snprintf(body, sizeof body, "{" EMP_HEAD ",\"id\":\"%s\",%s}", id, members);
    cr_assert_eq(ingest_body(db.conn, cat, body, strlen(body), NULL, &res), OUTCOME_INVALID);
    cr_expect_str_eq(res.error.path, "answers.warunki_01");
    cr_expect_str_eq(res.error.message, want);
    cr_assert(response_parse(body, strlen(body), cat, 8, &b, &e) != 0);
    cr_expect_str_eq(e.message, want);
    snprintf(body, sizeof body, "[{" EMP_HEAD ",\"id\":\"%s\",%s}]", id, members);
    cr_assert_eq(ingest_body(db.conn, cat, body, strlen(body), NULL, &res), OUTCOME_INVALID);
    snprintf(expect, sizeof expect, "[0].%s", want);
    cr_expect_str_eq(res.error.message, expect);

    /* import: the same words after the file and line */
    snprintf(body, sizeof body, "{" EMP_HEAD ",\"id\":\"%s\",%s}\n", id, members);
    cr_expect_eq(import(write_file("bad.ndjson", body), "file", out, sizeof out), 1, "%s", out);
    snprintf(expect, sizeof expect, "bad.ndjson:1: %s", want);
    cr_expect(strstr(out, expect) != NULL, "%s", out);
    snprintf(body, sizeof body, "survey,wave,city,id,attr.wydzial,attr.staz,warunki_01,enps\n"
             EMP ",2023,konin,%s,2,3,7,9\n", id);
    cr_expect_eq(import(write_file("bad.csv", body), "file", out, sizeof out), 1, "%s", out);
    snprintf(expect, sizeof expect, "bad.csv:2: kolumna \"warunki_01\": %s",
             want + strlen("answers.warunki_01: "));
    cr_expect(strstr(out, expect) != NULL, "%s", out);

    /* the form: the item's own field */
    obj = form_post(EMP ",2023,konin", "a-wydzial=2&a-staz=3&q-warunki_01=7&q-enps=9", id, &r,
                    &ok, errs, &n);
    cr_expect_eq(n, 1);
    cr_expect(!ok);
    cr_expect_str_eq(errs[0].field, "q-warunki_01");
    json_decref(obj);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 0);
}
