/* Integration: the respondent's form through the daemon (http_form.c): the
 * pages' headers and statuses, resends, and the access codes' unlinkability
 * (docs/privacy.md, "Form codes"). The browser's side is in
 * tests/browser/form.test.mjs. */
#include "auth.h"
#include "daemon.h"
#include "err.h"
#include "formlink.h"
#include "httpc.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NCODES 40

static struct testdb db;
static struct daemon dmn;
static char key[FORMLINK_KEY_SIZE], coded_key[FORMLINK_KEY_SIZE], closed_key[FORMLINK_KEY_SIZE];
static char codes[NCODES * FORMLINK_CODE_SIZE];
static int coded_id;

static void make_link(const char *wave, size_t ncodes, char *k, int *id, char *out_codes)
{
    struct formlink_new nl = { .survey = "satysfakcja-pracownikow", .wave = wave,
                               .city = "konin", .ncodes = ncodes };
    char err[ERR_MAX];
    int lid;

    cr_assert(formlink_create(db.conn, &nl, &lid, k, out_codes, err, sizeof err) == 0, "%s", err);
    if (id != NULL)
        *id = lid;
}

static void setup(void)
{
    char *v;
    int closed_id;
    char err[ERR_MAX];

    testdb_create(&db, 1);
    testdb_load_registry(&db);
    v = testdb_value(&db, "INSERT INTO wave VALUES ('satysfakcja-pracownikow', 'form-test', 2,"
                          " current_date - 1, current_date + 30) RETURNING label");
    free(v);
    make_link("form-test", 0, key, NULL, NULL);
    make_link("form-test", NCODES, coded_key, &coded_id, codes);
    make_link("form-test", 0, closed_key, &closed_id, NULL);
    cr_assert(formlink_close(db.conn, closed_id, err, sizeof err) == 0, "%s", err);
    daemon_start(&dmn, db.conninfo, "--connections 16 --pool 4");
}

static void teardown(void)
{
    if (dmn.pid > 0)
        cr_expect_eq(daemon_stop(&dmn, SIGTERM), 0, "the daemon exits 0 on SIGTERM");
    testdb_drop(&db);
}

TestSuite(form, .init = setup, .fini = teardown);

static int post(const char *k, const char *body, struct httpc_resp *r)
{
    char path[96];

    snprintf(path, sizeof path, "/s/%s", k);
    return httpc_request(dmn.port, "POST", path, NULL, "application/x-www-form-urlencoded", body,
                         strlen(body), r);
}

static void expect_page_headers(const struct httpc_resp *r)
{
    char v[512];

    cr_expect_not_null(httpc_header(r, "Content-Security-Policy", v, sizeof v));
    cr_expect(strstr(v, "default-src 'self'") != NULL && strstr(v, "frame-ancestors 'none'"), "%s", v);
    cr_expect_str_eq(httpc_header(r, "Referrer-Policy", v, sizeof v), "no-referrer");
    cr_expect_str_eq(httpc_header(r, "X-Content-Type-Options", v, sizeof v), "nosniff");
    cr_expect_str_eq(httpc_header(r, "Cache-Control", v, sizeof v), "no-store");
    cr_expect_null(httpc_header(r, "Set-Cookie", v, sizeof v));
}

Test(form, pages_statuses_and_headers)
{
    struct httpc_resp r;
    char path[96], v[256], *log;

    snprintf(path, sizeof path, "/s/%s", key);
    cr_assert(httpc_request(dmn.port, "GET", path, NULL, NULL, NULL, 0, &r) == 0);
    cr_expect_eq(r.status, 200);
    expect_page_headers(&r);
    cr_expect_str_eq(httpc_header(&r, "Content-Type", v, sizeof v), "text/html; charset=utf-8");
    cr_expect(strstr(r.body, "name=\"rid\" value=\"") != NULL);
    httpc_free(&r);
    cr_assert(httpc_request(dmn.port, "GET", "/s/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL, NULL,
                            NULL, 0, &r) == 0);
    cr_expect_eq(r.status, 404);
    expect_page_headers(&r);
    httpc_free(&r);
    cr_assert(httpc_request(dmn.port, "GET", "/s/short", NULL, NULL, NULL, 0, &r) == 0);
    cr_expect_eq(r.status, 404);
    httpc_free(&r);
    snprintf(path, sizeof path, "/s/%s", closed_key);
    cr_assert(httpc_request(dmn.port, "GET", path, NULL, NULL, NULL, 0, &r) == 0);
    cr_expect_eq(r.status, 410);
    httpc_free(&r);
    cr_assert(post(closed_key, "rid=9a8b7c6d-1111-4222-8333-444455556666&q-warunki_01=4"
                               "&a-wydzial=1&a-staz=1", &r) == 0);
    cr_expect_eq(r.status, 410);
    httpc_free(&r);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 0);
    snprintf(path, sizeof path, "/s/%s", key);
    cr_assert(httpc_request(dmn.port, "PUT", path, NULL, NULL, NULL, 0, &r) == 0);
    cr_expect_eq(r.status, 405);
    cr_expect_str_eq(httpc_header(&r, "Allow", v, sizeof v), "GET, HEAD, POST");
    httpc_free(&r);
    cr_assert(httpc_request(dmn.port, "GET", "/form.css", NULL, NULL, NULL, 0, &r) == 0);
    cr_expect_eq(r.status, 200);
    cr_expect_str_eq(httpc_header(&r, "Content-Type", v, sizeof v), "text/css; charset=utf-8");
    httpc_free(&r);
    /* a body of another type */
    snprintf(path, sizeof path, "/s/%s", key);
    cr_assert(httpc_request(dmn.port, "POST", path, NULL, "multipart/form-data; boundary=x",
                            "--x--", 5, &r) == 0);
    cr_expect_eq(r.status, 415);
    httpc_free(&r);
    /* a body the form parser refuses */
    cr_assert(post(key, "rid=%zz", &r) == 0);
    cr_expect_eq(r.status, 400);
    cr_expect(strstr(r.body, "malformed %XX escape") != NULL, "%s", r.body);
    httpc_free(&r);
    log = daemon_log(&dmn);
    cr_expect_null(strstr(log, key), "the key is in the log");
    cr_expect_null(strstr(log, closed_key), "the key is in the log");
    cr_expect(strstr(log, "path=/s/[key] status=410") != NULL, "%s", log);
    free(log);
}

Test(form, resend_errors_and_a_conflict)
{
    const char *ok = "rid=9a8b7c6d-1111-4222-8333-444455556666&lang=pl&q-warunki_01=4&q-enps=10"
                     "&q-uwagi=Wi%C4%99cej%0D%0Azieleni&a-wydzial=3&a-staz=1";
    struct httpc_resp r;
    char v[256], *got;

    /* the required attribute "staz" missing, an answer out of range, too long a text */
    cr_assert(post(key, "rid=9a8b7c6d-1111-4222-8333-444455556666&q-warunki_01=7&q-enps=4"
                        "&a-wydzial=3", &r) == 0);
    cr_expect_eq(r.status, 400);
    cr_expect(strstr(r.body, "<a href=\"#f-q-warunki_01-1\">") != NULL, "%s", r.body);
    cr_expect(strstr(r.body, "<a href=\"#f-a-staz-1\">") != NULL);
    cr_expect(strstr(r.body, "id=\"q-a-staz\" aria-describedby=\"e-a-staz\"") != NULL);
    cr_expect(strstr(r.body, "name=\"q-enps\" value=\"4\" checked") != NULL, "answers kept");
    cr_expect(strstr(r.body, "name=\"a-wydzial\" value=\"3\" checked") != NULL, "answers kept");
    cr_expect(strstr(r.body, "name=\"rid\" value=\"9a8b7c6d-1111-4222-8333-444455556666\"") != NULL,
              "the same response id");
    httpc_free(&r);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 0);
    /* stored once, however often it is sent */
    for (int i = 0; i < 3; i++) {
        cr_assert(post(key, ok, &r) == 0);
        cr_expect_eq(r.status, 303, "send %d: %d %s", i, r.status, r.body);
        cr_expect_not_null(httpc_header(&r, "Location", v, sizeof v));
        cr_expect(strncmp(v, "/s/", 3) == 0 && strstr(v, "/thanks") != NULL, "%s", v);
        httpc_free(&r);
    }
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 1);
    got = testdb_value(&db, "SELECT answers[1] || ',' || answers[33] || ',' || texts[34] || ',' ||"
                            " array_to_string(attrs, '/', '-') || ',' || received_on FROM response");
    {
        char want[128];
        char *today = testdb_value(&db, "SELECT current_date::text");

        snprintf(want, sizeof want, "4,10,Więcej\nzieleni,3/1/-,%s", today);
        cr_expect_str_eq(got, want);
        free(today);
    }
    free(got);
    cr_expect_eq(testdb_long(&db, "SELECT received FROM form_link ORDER BY id LIMIT 1"), 1);
    /* the same form with other answers: refused, the first kept */
    cr_assert(post(key, "rid=9a8b7c6d-1111-4222-8333-444455556666&q-warunki_01=2&a-wydzial=3"
                        "&a-staz=1", &r) == 0);
    cr_expect_eq(r.status, 409);
    httpc_free(&r);
    cr_expect_eq(testdb_long(&db, "SELECT answers[1] FROM response"), 4);
}

/* A small deterministic generator: the order of use is a shuffle. */
static unsigned next(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 16) & 0x7fff;
}

/*
 * N codes used for N responses in a random order. What is stored must not
 * pair them: the code table has one row for the link (so no per-code ctid,
 * xmin or row order), no column but the link and two arrays, and its used
 * array is sorted by hash, whatever the order of use. The check: for each
 * order the response table offers (ctid = insertion order, xmin, id), pair
 * the k-th response with the k-th hash of the used array and count the true
 * pairs; a random pairing of 40 has 1 on average, and 6 or more with a
 * probability under 0.001. The test asserts at most 5, and that the used
 * array equals the sorted hashes, which depends on the codes alone.
 */
Test(form, codes_once_and_unlinkable)
{
    int perm[NCODES];
    char hashes[NCODES][FORMLINK_HASH_SIZE];
    unsigned seed = 15;
    struct httpc_resp r;
    char body[512], sql[512], *v;
    const char *orders[] = { "ctid", "xmin::text::bigint", "id" };

    for (int i = 0; i < NCODES; i++)
        perm[i] = i;
    for (int i = NCODES - 1; i > 0; i--) {
        int j = (int)(next(&seed) % (unsigned)(i + 1)), t = perm[i];

        perm[i] = perm[j];
        perm[j] = t;
    }
    for (int i = 0; i < NCODES; i++) {
        char canon[FORMLINK_CODE_CHARS + 1];
        const char *code = codes + perm[i] * FORMLINK_CODE_SIZE;

        cr_assert(formlink_code_normalize(code, canon) == 0, "%s", code);
        formlink_code_hash(coded_id, canon, hashes[i]);
        /* ids in the order of use too, so that id order is insertion order */
        snprintf(body, sizeof body, "rid=00000000-0000-4000-8000-%012d&q-warunki_01=%d"
                                    "&a-wydzial=1&a-staz=1&code=%s", i, i % 5 + 1, code);
        cr_assert(post(coded_key, body, &r) == 0);
        cr_expect_eq(r.status, 303, "code %d: %d", i, r.status);
        httpc_free(&r);
    }
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), NCODES);
    /* every code used once: a second use is 403 and stores nothing */
    snprintf(body, sizeof body, "rid=00000000-0000-4000-8000-999999999999&q-warunki_01=1"
                                "&a-wydzial=1&a-staz=1&code=%s", codes);
    cr_assert(post(coded_key, body, &r) == 0);
    cr_expect_eq(r.status, 403);
    cr_expect(strstr(r.body, "wykorzystany") != NULL);
    httpc_free(&r);
    /* a code that is not one of the link's: 403, the form again */
    cr_assert(post(coded_key, "rid=00000000-0000-4000-8000-999999999999&q-warunki_01=1"
                              "&a-wydzial=1&a-staz=1&code=00000-00000", &r) == 0);
    cr_expect_eq(r.status, 403);
    cr_expect(strstr(r.body, "id=\"e-code\"") != NULL);
    httpc_free(&r);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), NCODES);
    /* the code table: one row, three columns, no time, no sequence */
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM form_code_set"), 1);
    v = testdb_value(&db, "SELECT string_agg(column_name || ':' || data_type, ',' ORDER BY"
                          " ordinal_position) FROM information_schema.columns"
                          " WHERE table_name = 'form_code_set'");
    cr_expect_str_eq(v, "link:integer,unused:ARRAY,used:ARRAY");
    free(v);
    cr_expect_eq(testdb_long(&db, "SELECT cardinality(used) FROM form_code_set"), NCODES);
    cr_expect_eq(testdb_long(&db, "SELECT cardinality(unused) FROM form_code_set"), 0);
    cr_expect_eq(testdb_long(&db, "SELECT (used = ARRAY(SELECT h FROM unnest(used) AS h"
                                  " ORDER BY h COLLATE \"C\"))::int FROM form_code_set"), 1,
                 "the used hashes are in hash order");
    /* no order of the responses pairs them with the used array better than chance */
    for (size_t o = 0; o < sizeof orders / sizeof orders[0]; o++) {
        int pairs = 0;

        for (int k = 0; k < NCODES; k++) {
            char *h;

            snprintf(sql, sizeof sql,
                     "SELECT (SELECT used[%d] FROM form_code_set) FROM response"
                     " ORDER BY %s OFFSET %d LIMIT 1", k + 1, orders[o], k);
            h = testdb_value(&db, sql);
            /* the k-th response (in this order) was sent with hashes[k] */
            pairs += strcmp(h, hashes[k]) == 0;
            free(h);
        }
        cr_expect(pairs <= 5, "ordering responses by %s pairs %d of %d with their codes", orders[o],
                  pairs, NCODES);
    }
    /* and the response table has nothing of a code or a link */
    v = testdb_value(&db, "SELECT string_agg(column_name, ',' ORDER BY ordinal_position)"
                          " FROM information_schema.columns WHERE table_name = 'response'");
    cr_expect_str_eq(v, "city,id,survey,wave,survey_version,received_on,attrs,answers,texts,weight");
    free(v);
}

/* The API enforces the wave's window (409); import takes a closed wave only
 * with --allow-closed-wave. */
Test(form, api_and_import_enforce_the_wave_window)
{
    char token[AUTH_TOKEN_SIZE], err[ERR_MAX], auth[128], out[4096], path[] = "/tmp/empirie-wave-XXXXXX";
    const char *closed = "{\"survey\":\"satysfakcja-pracownikow\",\"wave\":\"2024\",\"city\":\"konin\","
                         "\"id\":\"4a6c1d2e-8b1f-4c3e-9a57-0d5b2f6e7a10\",\"attributes\":{\"wydzial\":1,"
                         "\"staz\":1},\"answers\":{\"warunki_01\":4}}";
    const char *open_now = "{\"survey\":\"satysfakcja-pracownikow\",\"wave\":\"form-test\","
                           "\"city\":\"konin\",\"id\":\"4a6c1d2e-8b1f-4c3e-9a57-0d5b2f6e7a11\","
                           "\"attributes\":{\"wydzial\":1,\"staz\":1},\"answers\":{\"warunki_01\":4}}";
    struct httpc_resp r;
    FILE *f;
    int fd;

    cr_assert(auth_token_create(db.conn, AUTH_ADMIN, NULL, token, err, sizeof err) == 0, "%s", err);
    snprintf(auth, sizeof auth, "%s", token);
    cr_assert(httpc_request(dmn.port, "POST", "/v1/responses", auth, "application/json", closed,
                            strlen(closed), &r) == 0);
    cr_expect_eq(r.status, 409, "%s", r.body);
    cr_expect(strstr(r.body, "\"path\":\"wave\"") != NULL, "%s", r.body);
    cr_expect(strstr(r.body, "wave \\\"2024\\\" of survey \\\"satysfakcja-pracownikow\\\" closed on "
                             "2024-10-31") != NULL, "%s", r.body);
    httpc_free(&r);
    cr_assert(httpc_request(dmn.port, "POST", "/v1/responses", auth, "application/json", open_now,
                            strlen(open_now), &r) == 0);
    cr_expect_eq(r.status, 201, "%s", r.body);
    httpc_free(&r);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response WHERE wave = '2024'"), 0);
    /* import: refused without the flag, stored with it */
    fd = mkstemp(path);
    cr_assert(fd >= 0);
    f = fdopen(fd, "w");
    cr_assert_not_null(f);
    fprintf(f, "%s\n", closed);
    fclose(f);
    cr_expect_eq(testdb_run(out, sizeof out, "import -q --format ndjson --db \"%s\" %s", db.conninfo,
                            path), 1, "%s", out);
    cr_expect(strstr(out, "closed on 2024-10-31") != NULL, "%s", out);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response WHERE wave = '2024'"), 0);
    cr_expect_eq(testdb_run(out, sizeof out, "import -q --format ndjson --allow-closed-wave --db \"%s\" %s",
                            db.conninfo, path), 0, "%s", out);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response WHERE wave = '2024'"), 1);
    unlink(path);
}

/* The same links over the API, for an admin only. */
Test(form, links_over_the_api)
{
    char admin[AUTH_TOKEN_SIZE], collector[AUTH_TOKEN_SIZE], err[ERR_MAX], path[128], v[64];
    const char *body = "{\"survey\":\"satysfakcja-pracownikow\",\"wave\":\"form-test\","
                       "\"city\":\"konin\",\"label\":\"API\",\"codes\":2}";
    struct httpc_resp r;
    json_t *doc, *links;
    json_error_t je;
    int id;

    cr_assert(auth_token_create(db.conn, AUTH_ADMIN, NULL, admin, err, sizeof err) == 0, "%s", err);
    cr_assert(auth_token_create(db.conn, AUTH_COLLECTOR, "konin", collector, err, sizeof err) == 0,
              "%s", err);
    cr_assert(httpc_request(dmn.port, "POST", "/v1/links", collector, "application/json", body,
                            strlen(body), &r) == 0);
    cr_expect_eq(r.status, 403, "%s", r.body);
    httpc_free(&r);
    cr_assert(httpc_request(dmn.port, "POST", "/v1/links", admin, "application/json", body,
                            strlen(body), &r) == 0);
    cr_assert_eq(r.status, 201, "%s", r.body);
    doc = json_loads(r.body, 0, &je);
    httpc_free(&r);
    cr_assert_not_null(doc);
    id = (int)json_integer_value(json_object_get(doc, "id"));
    snprintf(path, sizeof path, "%s", json_string_value(json_object_get(doc, "path")));
    cr_expect_eq(strlen(path), 3 + FORMLINK_KEY_CHARS, "%s", path);
    cr_expect_eq(json_array_size(json_object_get(doc, "codes")), 2);
    cr_expect_eq(strlen(json_string_value(json_array_get(json_object_get(doc, "codes"), 0))), 11);
    json_decref(doc);
    cr_assert(httpc_request(dmn.port, "GET", path, NULL, NULL, NULL, 0, &r) == 0);
    cr_expect_eq(r.status, 200);
    cr_expect(strstr(r.body, "name=\"code\"") != NULL, "a link with codes asks for one");
    httpc_free(&r);
    cr_assert(httpc_request(dmn.port, "GET", "/v1/links", admin, NULL, NULL, 0, &r) == 0);
    cr_expect_eq(r.status, 200, "%s", r.body);
    doc = json_loads(r.body, 0, &je);
    httpc_free(&r);
    links = json_object_get(doc, "links");
    cr_expect_eq(json_array_size(links), 4, "three made in setup, one here");
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(links, 3), "label")), "API");
    cr_expect_eq(json_integer_value(json_object_get(json_array_get(links, 3), "codes")), 2);
    cr_expect_eq(json_integer_value(json_object_get(json_array_get(links, 3), "codes_used")), 0);
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(links, 2), "state")), "closed");
    json_decref(doc);
    snprintf(v, sizeof v, "/v1/links/%d/close", id);
    cr_assert(httpc_request(dmn.port, "POST", v, admin, "application/json", "", 0, &r) == 0);
    cr_expect_eq(r.status, 200, "%s", r.body);
    httpc_free(&r);
    cr_assert(httpc_request(dmn.port, "GET", path, NULL, NULL, NULL, 0, &r) == 0);
    cr_expect_eq(r.status, 410);
    httpc_free(&r);
    cr_assert(httpc_request(dmn.port, "POST", "/v1/links/999/close", admin, "application/json",
                            "", 0, &r) == 0);
    cr_expect_eq(r.status, 404, "%s", r.body);
    httpc_free(&r);
    body = "{\"survey\":\"satysfakcja-pracownikow\",\"wave\":\"form-test\",\"city\":\"atlantyda\"}";
    cr_assert(httpc_request(dmn.port, "POST", "/v1/links", admin, "application/json", body,
                            strlen(body), &r) == 0);
    cr_expect_eq(r.status, 404, "%s", r.body);
    httpc_free(&r);
    body = "{\"survey\":\"satysfakcja-pracownikow\",\"wave\":\"form-test\",\"city\":\"konin\",\"codes\":-1}";
    cr_assert(httpc_request(dmn.port, "POST", "/v1/links", admin, "application/json", body,
                            strlen(body), &r) == 0);
    cr_expect_eq(r.status, 400, "%s", r.body);
    cr_expect(strstr(r.body, "\"path\":\"codes\"") != NULL, "%s", r.body);
    httpc_free(&r);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM form_link"), 4);
}

/* empirie link create|list|close through the binary. */
Test(form, link_command)
{
    char out[8192];
    int id;

    cr_expect_eq(testdb_run(out, sizeof out, "link create --db \"%s\" --survey x", db.conninfo), 2,
                 "%s", out);
    cr_expect(strstr(out, "--survey, --wave i --city są wymagane") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "link create --db \"%s\" --survey satysfakcja-pracownikow"
                            " --wave form-test --city atlantyda", db.conninfo), 1, "%s", out);
    cr_expect(strstr(out, "unknown city \"atlantyda\"") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "link create --db \"%s\" --survey satysfakcja-pracownikow"
                            " --wave form-test --city konin --codes 0", db.conninfo), 2, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "link create --db \"%s\" --survey satysfakcja-pracownikow"
                            " --wave form-test --city konin --label 'Kadry' --closes 2099-12-31"
                            " --codes 3 --base-url https://ankiety.example", db.conninfo), 0, "%s", out);
    cr_assert(sscanf(out, "link %d\n", &id) == 1, "%s", out);
    cr_expect(strstr(out, "\nhttps://ankiety.example/s/") != NULL, "%s", out);
    cr_expect(strstr(out, "\ncodes 3\n") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "link list --db \"%s\"", db.conninfo), 0, "%s", out);
    cr_expect(strstr(out, "\tKadry\tsatysfakcja-pracownikow\tform-test\tkonin\t") != NULL, "%s", out);
    cr_expect(strstr(out, "\t2099-12-31\topen\t0/3\t0\n") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "link close --db \"%s\" %d", db.conninfo, id), 0, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "link close --db \"%s\" 999", db.conninfo), 1, "%s", out);
    cr_expect(strstr(out, "no link with id 999") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "link list --db \"%s\"", db.conninfo), 0, "%s", out);
    cr_expect(strstr(out, "\t2099-12-31\tclosed\t0/3\t0\n") != NULL, "%s", out);
}
