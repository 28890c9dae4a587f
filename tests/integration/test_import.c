/* Integration: empirie import (CSV and NDJSON) against a real database. */
#include "catalog.h"
#include "err.h"
#include "ingest.h"
#include "registry.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static struct testdb db;
static char dir[64];

static void setup(void)
{
    testdb_create(&db, 1);
    testdb_load_registry(&db);
    snprintf(dir, sizeof dir, "/tmp/empirie-import-XXXXXX");
    cr_assert(mkdtemp(dir) != NULL);
}

static void teardown(void)
{
    char cmd[128];

    testdb_drop(&db);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert(system(cmd) == 0);
}

TestSuite(import, .init = setup, .fini = teardown);

/* Writes dir/name; the path stays valid for the next three calls too. */
static const char *write_file(const char *name, const char *text)
{
    static char paths[4][128];
    static int next;
    char *path = paths[next++ % 4];
    FILE *f;

    snprintf(path, sizeof paths[0], "%s/%s", dir, name);
    f = fopen(path, "w");
    cr_assert(f != NULL);
    cr_assert(fputs(text, f) >= 0);
    cr_assert(fclose(f) == 0);
    return path;
}

static int import(const char *path, char *out, size_t n)
{
    return testdb_run(out, n, "import -q --allow-closed-wave --db \"%s\" %s", db.conninfo, path);
}

/* Runs a shell command line (with $EMPIRIE_BIN in it) like testdb_run. */
static int run_sh(char *out, size_t n, const char *cmd)
{
    FILE *p = popen(cmd, "r");
    size_t len = 0;
    int status;

    cr_assert(p != NULL);
    while (len + 1 < n) {
        size_t got = fread(out + len, 1, n - 1 - len, p);

        if (got == 0)
            break;
        len += got;
    }
    out[len] = '\0';
    while (fgetc(p) != EOF)
        ;
    status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* empirie import of a file through a pipe on stdin (not seekable). */
static int import_piped(const char *path, const char *format, char *out, size_t n)
{
    char cmd[2048];

    snprintf(cmd, sizeof cmd, "cat '%s' | \"$EMPIRIE_BIN\" import -q --allow-closed-wave --db \"%s\" --format %s - 2>&1",
             path, db.conninfo, format);
    return run_sh(out, n, cmd);
}

#define HEADER "survey,wave,city,id,weight,attr.wydzial,attr.staz,attr.wiek,warunki_01,enps,uwagi,zrodla_info,zostanie\n"
#define ROW1 "satysfakcja-pracownikow,2023,konin,11111111-1111-4111-8111-111111111111,,2,3,,4,9,\"Lepsza \"\"komunikacja\"\",\nwięcej szkoleń\",,\n"
#define ROW2 "mlodziez-partycypacja,2024,zabrze,22222222-2222-4222-8222-222222222222,1.25,,,2,,,,0|4|9,2\n"
#define ROW3 "mlodziez-partycypacja,2024,zabrze,33333333-3333-4333-8333-333333333333,0.5,,,4,,,,-,9\n"

Test(import, valid_csv_then_again)
{
    const char *path = write_file("ok.csv", HEADER ROW1 ROW2 ROW3);
    char out[8192];
    char *v;

    cr_assert_eq(import(path, out, sizeof out), 0, "%s", out);
    cr_expect(strstr(out, "import: 3 rekordy: zapisane: 3, już zapisane wcześniej: 0\n") != NULL,
              "%s", out);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 3);
    v = testdb_value(&db, "SELECT texts[array_length(texts, 1)] FROM response "
                          "WHERE id = '11111111-1111-4111-8111-111111111111'");
    cr_expect_str_eq(v, "Lepsza \"komunikacja\",\nwięcej szkoleń");
    free(v);
    cr_expect_eq(testdb_long(&db, "SELECT answers[array_position(answers, 529::smallint)] "
                                  "FROM response WHERE weight = 1.25"), 529);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response WHERE weight = 0.5 "
                                  "AND 0::smallint = ANY (answers)"), 1);
    cr_assert_eq(testdb_run(out, sizeof out, "--lang en import -q --allow-closed-wave --db \"%s\" %s",
                            db.conninfo, path),
                 0, "%s", out);
    cr_expect(strstr(out, "import: 3 records: 0 stored, 3 already stored\n") != NULL, "%s", out);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 3);
}

Test(import, one_bad_row_stores_nothing_and_names_it)
{
    const char *path = write_file("bad.csv", HEADER ROW1 ROW2
        "mlodziez-partycypacja,2024,zabrze,44444444-4444-4444-8444-444444444444,1,,,2,,,,0|12,2\n" ROW3);
    char out[8192];

    cr_expect_eq(import(path, out, sizeof out), 1, "%s", out);
    cr_expect(strstr(out, "bad.csv:5: kolumna \"zrodla_info\": element 1: expected an option code") !=
              NULL, "%s", out);
    cr_expect(strstr(out, "nic nie zaimportowano") != NULL, "%s", out);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 0);
}

Test(import, several_errors_reported)
{
    const char *path = write_file("bad2.csv", HEADER
        "satysfakcja-pracownikow,2023,konin,11111111-1111-4111-8111-111111111111,,2,9,,4,,,,\n"
        "satysfakcja-pracownikow,2023,atlantyda,11111111-1111-4111-8111-111111111112,,2,3,,4,,,,\n"
        "satysfakcja-pracownikow,2023,konin,xyz,,2,3,,4,,,,\n"
        "satysfakcja-pracownikow,2023,konin,11111111-1111-4111-8111-111111111113,,2,3,,4,,,,,\n");
    char out[8192];

    cr_expect_eq(import(path, out, sizeof out), 1, "%s", out);
    cr_expect(strstr(out, "bad2.csv:2: kolumna \"attr.staz\"") != NULL, "%s", out);
    cr_expect(strstr(out, "bad2.csv:3: kolumna \"city\": unknown city \"atlantyda\"") != NULL, "%s", out);
    cr_expect(strstr(out, "bad2.csv:4: kolumna \"id\": expected a UUID") != NULL, "%s", out);
    cr_expect(strstr(out, "bad2.csv:5: pól: 14, a nagłówek ma kolumn: 13") != NULL, "%s", out);
    cr_expect(strstr(out, "nic nie zaimportowano (przeczytane rekordy: 4)") != NULL, "%s", out);
    /* the same in English (the details after the column come from the
     * validation, which speaks English in either language) */
    cr_expect_eq(testdb_run(out, sizeof out, "--lang en import -q --db \"%s\" %s", db.conninfo,
                            path),
                 1, "%s", out);
    cr_expect(strstr(out, "bad2.csv:3: column \"city\": unknown city \"atlantyda\"") != NULL, "%s",
              out);
    cr_expect(strstr(out, "bad2.csv:5: 14 fields, but the header has 13 columns") != NULL, "%s", out);
    cr_expect(strstr(out, "nothing was imported (4 records read)") != NULL, "%s", out);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 0);
}

Test(import, header_errors)
{
    char out[8192];

    cr_expect_eq(import(write_file("h.csv", "survey,wave,city,id,warunki_99\n"), out, sizeof out), 1);
    cr_expect(strstr(out, "h.csv:1: kolumna 5 \"warunki_99\"") != NULL, "%s", out);
    cr_expect_eq(import(write_file("h2.csv", "survey,wave,id,warunki_01\n"), out, sizeof out), 1);
    cr_expect(strstr(out, "brak kolumny \"city\"") != NULL, "%s", out);
}

Test(import, ndjson_valid_and_invalid)
{
    const char *ok = write_file("ok.ndjson",
        "{\"survey\": \"satysfakcja-pracownikow\", \"wave\": \"2025\", \"city\": \"krosno\", "
        "\"id\": \"55555555-5555-4555-8555-555555555555\", \"attributes\": {\"wydzial\": 1, \"staz\": 1}, "
        "\"answers\": {\"warunki_05\": 5}}\n\n"
        "{\"survey\": \"mlodziez-partycypacja\", \"wave\": \"2022\", \"city\": \"krosno\", "
        "\"id\": \"66666666-6666-4666-8666-666666666666\", \"attributes\": {\"wiek\": 1}, "
        "\"weight\": 2, \"answers\": {\"zostanie\": 1}}\n");
    const char *bad = write_file("bad.ndjson",
        "{\"survey\": \"satysfakcja-pracownikow\", \"wave\": \"2025\", \"city\": \"krosno\", "
        "\"id\": \"77777777-5555-4555-8555-555555555555\", \"attributes\": {\"wydzial\": 1, \"staz\": 1}, "
        "\"answers\": {\"warunki_05\": 5}}\n"
        "{\"survey\": \"satysfakcja-pracownikow\", \"wave\": \"2025\", \"city\": \"krosno\"\n");
    char out[8192];

    cr_assert_eq(import(ok, out, sizeof out), 0, "%s", out);
    cr_expect(strstr(out, "2 rekordy: zapisane: 2,") != NULL, "%s", out);
    cr_expect_eq(import(bad, out, sizeof out), 1, "%s", out);
    cr_expect(strstr(out, "bad.ndjson:2: niepoprawny JSON") != NULL, "%s", out);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 2);
}

Test(import, same_id_twice_in_file_and_conflict_with_stored)
{
    char out[8192];
    const char *twice = write_file("twice.csv", HEADER ROW2
        "mlodziez-partycypacja,2024,zabrze,22222222-2222-4222-8222-222222222222,1.25,,,3,,,,0|4|9,2\n"
        ROW2);
    const char *same = write_file("same.csv", HEADER ROW2 ROW2);
    const char *changed = write_file("changed.csv", HEADER ROW3
        "mlodziez-partycypacja,2024,zabrze,22222222-2222-4222-8222-222222222222,1.25,,,2,,,,0|4,2\n");

    cr_expect_eq(import(twice, out, sizeof out), 1, "%s", out);
    cr_expect(strstr(out, "twice.csv:3: kolumna \"id\": id 22222222-2222-4222-8222-222222222222 "
                          "miasta \"zabrze\" jest też w wierszu 2, z inną treścią") != NULL,
              "%s", out);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 0);
    cr_assert_eq(import(same, out, sizeof out), 0, "%s", out);
    cr_expect(strstr(out, "2 rekordy: zapisane: 1, już zapisane wcześniej: 1") != NULL, "%s", out);
    cr_expect_eq(import(changed, out, sizeof out), 1, "%s", out);
    cr_expect(strstr(out, "changed.csv:3: kolumna \"id\": odpowiedź o id "
                          "22222222-2222-4222-8222-222222222222 miasta \"zabrze\" jest już "
                          "zapisana z inną treścią") != NULL, "%s", out);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 1);
}

/* The API and import encode a response the same way: one after the other is
 * a duplicate, not a conflict. */
Test(import, api_and_import_agree_on_content)
{
    const char *body = "[{\"survey\": \"satysfakcja-pracownikow\", \"wave\": \"2023\", \"city\": "
                       "\"konin\", \"id\": \"11111111-1111-4111-8111-111111111111\", \"attributes\": "
                       "{\"wydzial\": 2, \"staz\": 3}, \"answers\": {\"warunki_01\": 4, \"enps\": 9, "
                       "\"uwagi\": \"Lepsza \\\"komunikacja\\\",\\nwięcej szkoleń\"}}, "
                       "{\"survey\": \"mlodziez-partycypacja\", \"wave\": \"2024\", \"city\": \"zabrze\", "
                       "\"id\": \"22222222-2222-4222-8222-222222222222\", \"weight\": 1.25, "
                       "\"attributes\": {\"wiek\": 2}, \"answers\": {\"zrodla_info\": [0, 4, 9], "
                       "\"zostanie\": 2}}]";
    struct ingest_result res;
    struct catalog *cat;
    char out[8192];

    cat = testdb_catalog(&db);
    cr_assert_eq(ingest_body(db.conn, cat, body, strlen(body), NULL, &res), OUTCOME_OK, "%s",
                 res.error.message);
    catalog_free(cat);
    cr_assert_eq(import(write_file("same.csv", HEADER ROW1 ROW2), out, sizeof out), 0, "%s", out);
    cr_expect(strstr(out, "2 rekordy: zapisane: 0, już zapisane wcześniej: 2") != NULL, "%s", out);
}

/*
 * Plain lines are read by import's own text scan, others by jansson (an
 * escape, a byte past ASCII, a real where an integer goes, a key twice...).
 * The same responses written both ways must be stored identically (the
 * second import finds every one already stored with the same content), and
 * lines the scan could misread must get jansson's verdict.
 */
Test(import, text_scan_and_jansson_agree)
{
    const char *plain = write_file("plain.ndjson",
        "{\"survey\":\"satysfakcja-pracownikow\",\"wave\":\"2025\",\"city\":\"krosno\","
        "\"id\":\"a0000000-0000-4000-8000-000000000001\",\"attributes\":{\"wydzial\":1,\"staz\":2},"
        "\"answers\":{\"warunki_05\":5,\"enps\":10,\"warunki_01\":null}}\n"
        "  {\t\"answers\" : { \"enps\" : 0 } , \"id\":\"A0000000-0000-4000-8000-000000000002\","
        "\"city\":\"konin\",\"wave\":\"2023\",\"survey\":\"satysfakcja-pracownikow\","
        "\"attributes\":{\"staz\":1,\"wydzial\":3,\"kierownik\":null},\"weight\":null}\r\n"
        "{\"survey\":\"mlodziez-partycypacja\",\"wave\":\"2022\",\"city\":\"krosno\","
        "\"id\":\"a0000000-0000-4000-8000-000000000003\",\"attributes\":{\"wiek\":1},"
        "\"weight\":1.25e0,\"answers\":{\"zostanie\":1}}\n"
        "{\"survey\":\"mlodziez-partycypacja\",\"wave\":\"2022\",\"city\":\"krosno\","
        "\"id\":\"a0000000-0000-4000-8000-000000000004\",\"attributes\":{\"wiek\":2},"
        "\"weight\":3,\"answers\":{\"zostanie\":2}}\n");
    /* the same four, each with something only jansson reads */
    const char *escaped = write_file("escaped.ndjson",
        "{\"survey\":\"satysfakcja-pracownikow\",\"wave\":\"202\\u0035\",\"city\":\"krosno\","
        "\"id\":\"a0000000-0000-4000-8000-000000000001\",\"attributes\":{\"wydzial\":1,\"staz\":2},"
        "\"answers\":{\"warunki_05\":5,\"enps\":10,\"warunki_01\":null}}\n"
        "{\"answers\":{\"enps\":0},\"id\":\"a0000000-0000-4000-8000-000000000002\","
        "\"city\":\"konin\",\"wave\":\"2023\",\"survey\":\"satysfakcja-pracownikow\","
        "\"attributes\":{\"staz\":1,\"wydzial\":3,\"kierownik\":null},\"weight\":null,"
        "\"answers\":{\"enps\":0}}\n"
        "{\"survey\":\"mlodziez-partycypacja\",\"wave\":\"2022\",\"city\":\"kros\\u006eo\","
        "\"id\":\"a0000000-0000-4000-8000-000000000003\",\"attributes\":{\"wiek\":1},"
        "\"weight\":1.25,\"answers\":{\"zostanie\":1}}\n"
        "{\"survey\":\"mlodziez-partycypacja\",\"wave\":\"2022\",\"city\":\"krosno\","
        "\"id\":\"a0000000-0000-4000-8000-000000000004\",\"attributes\":{\"wiek\":2},"
        "\"weight\":3.0,\"answers\":{\"zostanie\":2}}\n");
    const char *bad = write_file("scanbad.ndjson",
        "{\"survey\":\"satysfakcja-pracownikow\",\"wave\":\"2025\",\"city\":\"krosno\","
        "\"id\":\"b0000000-0000-4000-8000-000000000001\",\"attributes\":{\"wydzial\":1,\"staz\":2},"
        "\"answers\":{\"warunki_05\":5,\"warunki_05\":4}}\n"
        "{\"survey\":\"satysfakcja-pracownikow\",\"wave\":\"2025\",\"city\":\"krosno\","
        "\"id\":\"b0000000-0000-4000-8000-000000000002\",\"attributes\":{\"wydzial\":1,\"staz\":2},"
        "\"answers\":{\"warunki_05\":05}}\n"
        "{\"survey\":\"satysfakcja-pracownikow\",\"wave\":\"2025\",\"city\":\"krosno\","
        "\"id\":\"b0000000-0000-4000-8000-000000000003\",\"attributes\":{\"wydzial\":1,\"staz\":2},"
        "\"answers\":{\"warunki_05\":4.0}}\n"
        "{\"survey\":\"satysfakcja-pracownikow\",\"wave\":\"2025\",\"city\":\"krosno\","
        "\"id\":\"b0000000-0000-4000-8000-000000000004\",\"attributes\":{\"wydzial\":1,\"staz\":2},"
        "\"answers\":{\"warunki_05\":4}} x\n"
        "{\"survey\":\"satysfakcja-pracownikow\",\"wave\":\"2025\",\"city\":\"krosno\","
        "\"id\":\"b0000000-0000-4000-8000-000000000005\",\"attributes\":null,"
        "\"answers\":{\"warunki_05\":4}}\n"
        "{\"survey\":\"satysfakcja-pracownikow\",\"wave\":\"2025\",\"city\":\"krosno\","
        "\"id\":\"b0000000-0000-4000-8000-000000000006\",\"attributes\":{\"wydzial\":1,\"staz\":2},"
        "\"answers\":{\"warunki_05\":6}}\n"
        "{\"survey\":\"satysfakcja-pracownikow\",\"wave\":\"2025\",\"city\":\"krosno\","
        "\"id\":\"b0000000-0000-4000-8000-000000000007\",\"attributes\":{\"wydzial\":1},"
        "\"answers\":{\"warunki_05\":4}}\n"
        "{\"survey\":\"mlodziez-partycypacja\",\"wave\":\"2022\",\"city\":\"krosno\","
        "\"id\":\"b0000000-0000-4000-8000-000000000008\",\"attributes\":{\"wiek\":1},"
        "\"answers\":{\"zostanie\":1}}\n"
        "{\"survey\":\"satysfakcja-pracownikow\",\"wave\":\"2025\",\"city\":\"krosno\","
        "\"id\":\"b0000000-0000-4000-8000-000000000009\",\"attributes\":{\"wydzial\":1,\"staz\":2},"
        "\"answers\":{\"warunki_05\":4},\"extra\":1}\n");
    char out[16384];

    cr_assert_eq(import(plain, out, sizeof out), 0, "%s", out);
    cr_expect(strstr(out, "4 rekordy: zapisane: 4,") != NULL, "%s", out);
    cr_assert_eq(import(escaped, out, sizeof out), 1, "the repeated answers key: %s", out);
    cr_expect(strstr(out, "escaped.ndjson:2: niepoprawny JSON") != NULL, "%s", out);
    /* without the repeated key: all four are the stored ones */
    escaped = write_file("escaped2.ndjson",
        "{\"survey\":\"satysfakcja-pracownikow\",\"wave\":\"202\\u0035\",\"city\":\"krosno\","
        "\"id\":\"a0000000-0000-4000-8000-000000000001\",\"attributes\":{\"wydzial\":1,\"staz\":2},"
        "\"answers\":{\"warunki_05\":5,\"enps\":10,\"warunki_01\":null}}\n"
        "{\"answers\":{\"enps\":0},\"id\":\"a0000000-0000-4000-8000-00000000000\\u0032\","
        "\"city\":\"konin\",\"wave\":\"2023\",\"survey\":\"satysfakcja-pracownikow\","
        "\"attributes\":{\"staz\":1,\"wydzial\":3,\"kierownik\":null},\"weight\":null}\n"
        "{\"survey\":\"mlodziez-partycypacja\",\"wave\":\"2022\",\"city\":\"kros\\u006eo\","
        "\"id\":\"a0000000-0000-4000-8000-000000000003\",\"attributes\":{\"wiek\":1},"
        "\"weight\":1.25,\"answers\":{\"zostanie\":1}}\n"
        "{\"survey\":\"mlodziez-partycypacja\",\"wave\":\"2022\",\"city\":\"krosno\","
        "\"id\":\"a0000000-0000-4000-8000-000000000004\",\"attributes\":{\"wiek\":2},"
        "\"weight\":3.0,\"answers\":{\"zostanie\":2}}\n");
    cr_assert_eq(import(escaped, out, sizeof out), 0, "%s", out);
    cr_expect(strstr(out, "4 rekordy: zapisane: 0, już zapisane wcześniej: 4") != NULL, "%s", out);
    cr_expect_eq(import(bad, out, sizeof out), 1, "%s", out);
    for (int line = 1; line <= 9; line++) {
        char want[64];

        snprintf(want, sizeof want, "scanbad.ndjson:%d: ", line);
        cr_expect(strstr(out, want) != NULL, "line %d is refused: %s", line, out);
    }
    cr_expect(strstr(out, "scanbad.ndjson:2: niepoprawny JSON") != NULL, "%s", out);
    cr_expect(strstr(out, "scanbad.ndjson:9: extra: unknown field") != NULL, "%s", out);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 4);
}

Test(import, help_and_usage)
{
    char out[8192];

    cr_expect_eq(testdb_run(out, sizeof out, "import --help"), 0);
    cr_expect(strstr(out, "--dry-run") != NULL && strstr(out, "--format") != NULL &&
              strstr(out, "--max-errors") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "import"), 2);
    cr_expect_eq(testdb_run(out, sizeof out, "import --db \"%s\" %s/none.txt", db.conninfo, dir), 1);
}

#define NDJ(id, city, enps) "{\"survey\": \"satysfakcja-pracownikow\", \"wave\": \"2025\", " \
    "\"city\": \"" city "\", \"id\": \"" id "\", \"attributes\": {\"wydzial\": 1, " \
    "\"staz\": 1}, \"answers\": {\"warunki_05\": 5, \"enps\": " enps "}}\n"
#define ID_A "aaaaaaaa-0000-4000-8000-000000000001"
#define ID_B "aaaaaaaa-0000-4000-8000-000000000002"
#define ID_C "aaaaaaaa-0000-4000-8000-000000000003"

/* Some ids already stored with the same content: the direct COPY fails on
 * the key, the staging way stores only the new ones and counts the rest. */
Test(import, partly_stored_same_content)
{
    char out[8192];

    cr_assert_eq(import(write_file("first.csv", HEADER ROW1 ROW2), out, sizeof out), 0, "%s", out);
    cr_expect(strstr(out, "2 rekordy: zapisane: 2, już zapisane wcześniej: 0") != NULL, "%s", out);
    cr_assert_eq(import(write_file("more.csv", HEADER ROW2 ROW3 ROW1), out, sizeof out), 0, "%s",
                 out);
    cr_expect(strstr(out, "3 rekordy: zapisane: 1, już zapisane wcześniej: 2") != NULL, "%s", out);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 3);

    cr_assert_eq(import(write_file("a.ndjson", NDJ(ID_A, "krosno", "8")), out, sizeof out), 0,
                 "%s", out);
    cr_assert_eq(import(write_file("abc.ndjson", NDJ(ID_A, "krosno", "8") NDJ(ID_B, "krosno", "7")
                                                 NDJ(ID_C, "krosno", "6")), out, sizeof out),
                 0, "%s", out);
    cr_expect(strstr(out, "3 rekordy: zapisane: 2, już zapisane wcześniej: 1") != NULL, "%s", out);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 6);
}

/* One id twice in the file with different content: the line is named and
 * nothing is stored, not even the new rows before it. */
Test(import, repeated_id_different_content_stores_nothing)
{
    char out[8192];
    const char *path = write_file("rep.ndjson", NDJ(ID_A, "krosno", "8") NDJ(ID_B, "krosno", "7")
                                                NDJ(ID_C, "krosno", "6") NDJ(ID_B, "krosno", "1"));

    cr_expect_eq(import(path, out, sizeof out), 1, "%s", out);
    cr_expect(strstr(out, "rep.ndjson:4: kolumna \"id\": id " ID_B " miasta \"krosno\" "
                          "jest też w wierszu 2, z inną treścią") != NULL, "%s", out);
    cr_expect(strstr(out, "nic nie zaimportowano (przeczytane rekordy: 4)") != NULL, "%s", out);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 0);

    /* the same against a stored row, with invalid records after it: every
     * error is listed, as without the direct way */
    cr_assert_eq(import(write_file("b.ndjson", NDJ(ID_B, "krosno", "7")), out, sizeof out), 0,
                 "%s", out);
    path = write_file("rep2.ndjson", NDJ(ID_A, "krosno", "8") NDJ(ID_B, "krosno", "2")
                                     NDJ(ID_C, "krosno", "11") NDJ(ID_C, "atlantyda", "1"));
    cr_expect_eq(import(path, out, sizeof out), 1, "%s", out);
    cr_expect(strstr(out, "rep2.ndjson:3: answers.enps") != NULL, "%s", out);
    cr_expect(strstr(out, "rep2.ndjson:4: city: unknown city") != NULL, "%s", out);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 1);
    path = write_file("rep3.ndjson", NDJ(ID_A, "krosno", "8") NDJ(ID_B, "krosno", "2"));
    cr_expect_eq(import(path, out, sizeof out), 1, "%s", out);
    cr_expect(strstr(out, "rep3.ndjson:2: kolumna \"id\": odpowiedź o id " ID_B " miasta "
                          "\"krosno\" jest już zapisana z inną treścią") != NULL,
              "%s", out);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 1);
}

/* Standard input: a pipe goes the staging way at once, a redirected file
 * the direct way (with the staging way in reserve). */
Test(import, stdin_pipe_and_redirect)
{
    char out[8192], cmd[2048];
    const char *csv = write_file("in.csv", HEADER ROW1 ROW2);
    const char *more = write_file("in2.ndjson", NDJ(ID_A, "krosno", "8") NDJ(ID_A, "krosno", "8"));

    cr_assert_eq(import_piped(csv, "csv", out, sizeof out), 0, "%s", out);
    cr_expect(strstr(out, "2 rekordy: zapisane: 2, już zapisane wcześniej: 0") != NULL, "%s", out);
    cr_assert_eq(import_piped(csv, "csv", out, sizeof out), 0, "%s", out);
    cr_expect(strstr(out, "2 rekordy: zapisane: 0, już zapisane wcześniej: 2") != NULL, "%s", out);
    cr_assert_eq(import_piped(more, "ndjson", out, sizeof out), 0, "%s", out);
    cr_expect(strstr(out, "2 rekordy: zapisane: 1, już zapisane wcześniej: 1") != NULL, "%s", out);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 3);

    snprintf(cmd, sizeof cmd, "\"$EMPIRIE_BIN\" import -q --allow-closed-wave --db \"%s\" --format ndjson - < '%s' 2>&1",
             db.conninfo, write_file("in3.ndjson", NDJ(ID_B, "krosno", "8")));
    cr_assert_eq(run_sh(out, sizeof out, cmd), 0, "%s", out);
    cr_expect(strstr(out, "1 rekord: zapisane: 1, już zapisane wcześniej: 0") != NULL, "%s", out);
    snprintf(cmd, sizeof cmd, "\"$EMPIRIE_BIN\" import -q --allow-closed-wave --db \"%s\" --format csv - < '%s' 2>&1",
             db.conninfo, write_file("in4.csv", HEADER ROW3 ROW2));
    cr_assert_eq(run_sh(out, sizeof out, cmd), 0, "%s", out);
    cr_expect(strstr(out, "2 rekordy: zapisane: 1, już zapisane wcześniej: 1") != NULL, "%s", out);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 5);
    cr_expect_eq(import_piped(write_file("bad.csv", HEADER ROW3 "x,y\n"), "csv", out, sizeof out),
                 1, "%s", out);
    cr_expect(strstr(out, "stdin:3: pól: 2, a nagłówek ma kolumn: 13") != NULL, "%s", out);
}

/* --dry-run on the direct way stores nothing and counts what it would. */
Test(import, dry_run_direct)
{
    char out[8192];
    const char *path = write_file("dry.csv", HEADER ROW1 ROW2 ROW3);

    cr_assert_eq(testdb_run(out, sizeof out, "import -q --dry-run --allow-closed-wave --db \"%s\" %s", db.conninfo,
                            path), 0, "%s", out);
    cr_expect(strstr(out, "3 rekordy: zapisane: 3, już zapisane wcześniej: 0 (próba") != NULL, "%s", out);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 0);
}
