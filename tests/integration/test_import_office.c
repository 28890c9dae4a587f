/* Integration: CSV files as Polish offices save them: Excel's ';' and
 * Windows-1250, ISO-8859-2 with tabs, names and labels instead of codes.
 * The same rows in any of these give the same database as the UTF-8 CSV
 * with commas. Also the errors (line and header column) and --template. */
#include "testdb.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SURVEY "satysfakcja-pracownikow"

static char out[1 << 16];
static char dir[] = "/tmp/empirie-office-XXXXXX";

static void setup(void)
{
    cr_assert(mkdtemp(dir) != NULL, "%s", strerror(errno));
}

static void teardown(void)
{
    char cmd[256];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect(system(cmd) == 0);
}

TestSuite(import_office, .init = setup, .fini = teardown, .timeout = 180);

/*
 * Four responses of wave 2025, with the cities by name (with Polish letters,
 * in capitals, as a slug) and answers and attributes as labels or codes.
 * The header is the columns used; the rest of the instrument's items are
 * left out (no answer). %c is the delimiter.
 */
static const char *const rows[] = {
    "survey;wave;city;id;attr.wydzial;attr.staz;warunki_01;warunki_02;enps;uwagi",
    SURVEY ";2025;Kędzierzyn-Koźle;00000000-0000-4000-8000-000000000001;"
    "Finanse, budżet i podatki;Od roku do 3 lat;Raczej się zgadzam;5;9;Więcej szkoleń, proszę",
    SURVEY ";2025;KONIN;00000000-0000-4000-8000-000000000002;2;1;"
    "Zdecydowanie się nie zgadzam;2;3;",
    "Badanie satysfakcji pracowników urzędu;2025;jaslo;00000000-0000-4000-8000-000000000003;"
    "finanse budzet i podatki;PONAD 20 LAT;4;ANI SIĘ ZGADZAM, ANI NIE ZGADZAM;10;Żółć",
    SURVEY ";2025;Jasło;00000000-0000-4000-8000-000000000004;1;5;3;3;7;",
};

/* Writes the rows with delim, converted to enc (NULL: UTF-8), into
 * dir/name. Fields holding the delimiter are quoted. */
static void write_csv(const char *name, char delim, const char *enc, char *path, size_t n)
{
    char text[8192], conv[8192];
    size_t o = 0;
    FILE *f;

    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        const char *p = rows[r];

        while (*p != '\0') {
            size_t len = strcspn(p, ";");
            int quote = memchr(p, delim, len) != NULL;

            o += (size_t)snprintf(text + o, sizeof text - o, "%s%.*s%s", quote ? "\"" : "",
                                  (int)len, p, quote ? "\"" : "");
            p += len;
            if (*p == ';') {
                text[o++] = delim;
                p++;
            }
        }
        o += (size_t)snprintf(text + o, sizeof text - o, "\r\n");
    }
    snprintf(path, n, "%s/%s", dir, name);
    f = fopen(path, "wb");
    cr_assert(f != NULL);
    if (enc == NULL) {
        cr_assert(fwrite(text, 1, o, f) == o);
    } else {
        iconv_t cd = iconv_open(enc, "UTF-8");
        char *ip = text, *op = conv;
        size_t il = o, ol = sizeof conv;

        cr_assert(cd != (iconv_t)-1);
        cr_assert(iconv(cd, &ip, &il, &op, &ol) != (size_t)-1, "%s", strerror(errno));
        iconv_close(cd);
        cr_assert(fwrite(conv, 1, (size_t)(op - conv), f) == (size_t)(op - conv));
    }
    cr_assert(fclose(f) == 0);
}

/* Every stored column of every response, in key order. */
static char *dump(struct testdb *db)
{
    return testdb_value(db, "SELECT string_agg(format('%s|%s|%s|%s|%s|%s|%s|%s', city, id, "
                            "survey, wave, survey_version, attrs, answers, texts), E'\\n' "
                            "ORDER BY city, id) FROM response");
}

static char *import_into(const char *args, const char *path)
{
    struct testdb db;
    char *d;

    testdb_create(&db, 1);
    testdb_load_registry(&db);
    cr_expect_eq(testdb_run(out, sizeof out, "import --allow-closed-wave %s --db \"%s\" %s", args, db.conninfo,
                            path),
                 0, "import %s %s: %s", args, path, out);
    cr_expect(strstr(out, "4 rekordy: zapisane: 4,") != NULL, "%s %s: %s", args, path, out);
    d = dump(&db);
    testdb_drop(&db);
    return d;
}

Test(import_office, same_database_from_every_encoding_and_delimiter)
{
    char utf8[512], cp[512], iso[512];
    char *want, *got;

    write_csv("utf8.csv", ',', NULL, utf8, sizeof utf8);
    write_csv("excel.csv", ';', "WINDOWS-1250", cp, sizeof cp);
    write_csv("latin2.csv", '\t', "ISO-8859-2", iso, sizeof iso);
    want = import_into("", utf8);
    cr_assert(strstr(want, "kedzierzyn-kozle|00000000-0000-4000-8000-000000000001|") != NULL,
              "the city by its name: %s", want);
    cr_expect(strstr(want, "konin|00000000-0000-4000-8000-000000000002|") != NULL, "%s", want);
    cr_expect(strstr(want, "Więcej szkoleń, proszę") != NULL, "%s", want);
    cr_expect(strstr(want, "Żółć") != NULL, "%s", want);

    got = import_into("--encoding windows-1250 --delimiter ';'", cp);
    cr_expect_str_eq(got, want, "Windows-1250 with ';' given");
    free(got);
    got = import_into("", cp);   /* both detected */
    cr_expect_str_eq(got, want, "Windows-1250 with ';' detected");
    cr_expect(strstr(out, "czytam go jako WINDOWS-1250") != NULL, "%s", out);
    free(got);
    got = import_into("--encoding iso-8859-2", iso);
    cr_expect_str_eq(got, want, "ISO-8859-2 with tabs");
    free(got);
    got = import_into("", iso);
    cr_expect_str_eq(got, want, "ISO-8859-2 with tabs detected");
    cr_expect(strstr(out, "czytam go jako ISO-8859-2") != NULL, "%s", out);
    free(got);
    free(want);
}

Test(import_office, labels_match_codes)
{
    struct testdb db;
    char path[512];
    char *a;

    write_csv("utf8.csv", ',', NULL, path, sizeof path);
    testdb_create(&db, 1);
    testdb_load_registry(&db);
    cr_assert_eq(testdb_run(out, sizeof out, "import --allow-closed-wave --db \"%s\" %s", db.conninfo, path), 0, "%s",
                 out);
    /* "Raczej się zgadzam" is 4, "Zdecydowanie się nie zgadzam" 1, "Ani się
     * zgadzam, ani nie zgadzam" 3 in the instrument */
    a = testdb_value(&db, "SELECT string_agg(answers[1]::text || '/' || answers[2]::text, ',' "
                          "ORDER BY id) FROM response");
    cr_expect_str_eq(a, "4/5,1/2,4/3,3/3");
    free(a);
    /* "Finanse, budżet i podatki" is 2, "Od roku do 3 lat" 2, "Ponad 20 lat" 5 */
    a = testdb_value(&db, "SELECT string_agg(attrs[1]::text || '/' || attrs[2]::text, ',' "
                          "ORDER BY id) FROM response");
    cr_expect_str_eq(a, "2/2,2/1,2/5,1/5");
    free(a);
    testdb_drop(&db);
}

Test(import_office, errors_name_the_line_and_the_header_column)
{
    struct testdb db;
    char path[512];
    FILE *f;

    snprintf(path, sizeof path, "%s/bad.csv", dir);
    f = fopen(path, "w");
    cr_assert(f != NULL);
    fputs("survey;wave;city;id;attr.wydzial;attr.staz;warunki_01\n" SURVEY
          ";2025;Konin;00000000-0000-4000-8000-000000000001;1;1;4\n" SURVEY
          ";2025;Konin;00000000-0000-4000-8000-000000000002;1;1;Raczej tak\n" SURVEY
          ";2025;Konim;00000000-0000-4000-8000-000000000003;1;1;4\n",
          f);
    cr_assert(fclose(f) == 0);
    testdb_create(&db, 1);
    testdb_load_registry(&db);
    cr_expect_eq(testdb_run(out, sizeof out, "import --allow-closed-wave --db \"%s\" %s", db.conninfo, path), 1, "%s",
                 out);
    cr_expect(strstr(out, "bad.csv:3: kolumna \"warunki_01\": ") != NULL, "%s", out);
    cr_expect(strstr(out, "\"Raczej tak\"") != NULL, "the value quoted: %s", out);
    cr_expect(strstr(out, "bad.csv:4: kolumna \"city\": unknown city \"Konim\"") != NULL, "%s",
              out);
    cr_expect(strstr(out, "(czy chodziło o: konin (Konin)?)") != NULL, "%s", out);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM response"), 0);
    /* with the wrong delimiter given: the header says what to do */
    cr_expect_eq(testdb_run(out, sizeof out, "import --allow-closed-wave --delimiter , --db \"%s\" %s", db.conninfo,
                            path),
                 1, "%s", out);
    cr_expect(strstr(out, "nagłówek nie jest rozdzielony znakiem ','; podaj --delimiter ';'") != NULL,
              "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "import --delimiter '|' %s", path), 2, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "import --encoding klingon %s", path), 2, "%s", out);
    testdb_drop(&db);
}

Test(import_office, template_imports_as_it_is)
{
    struct testdb db;
    char path[512];

    snprintf(path, sizeof path, "%s/template.csv", dir);
    testdb_create(&db, 1);
    testdb_load_registry(&db);
    cr_assert_eq(testdb_run(out, sizeof out,
                            "import --template 'Badanie satysfakcji pracowników urzędu' "
                            "--delimiter ';' --db \"%s\" > %s",
                            db.conninfo, path),
                 0, "%s", out);
    cr_assert_eq(testdb_run(out, sizeof out, "import --allow-closed-wave --db \"%s\" %s", db.conninfo, path), 0,
                 "the template as written: %s", out);
    cr_expect(strstr(out, "1 rekord: zapisane: 1,") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "import --template nope --db \"%s\"", db.conninfo),
                 2, "%s", out);
    testdb_drop(&db);
}
