/* Integration: the command line as a Polish office types it: names with or
 * without diacritics and in any case, "did you mean", the wave named when it
 * is the wave that is wrong, exit status 2 for usage errors, and tables
 * padded by display width. */
#include "testdb.h"
#include "utf8.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SURVEY "satysfakcja-pracownikow"

static struct testdb db;
static char out[1 << 20];

static void setup(void)
{
    testdb_create(&db, 1);
    testdb_load_registry(&db);
    testdb_fill_staff(&db, "2025", "{konin,kedzierzyn-kozle}", 12);
}

static void teardown(void)
{
    testdb_drop(&db);
}

TestSuite(cli_names, .init = setup, .fini = teardown, .timeout = 120);

static int stats(const char *args)
{
    return testdb_run(out, sizeof out, "stats --lang en --survey " SURVEY " --wave 2025 %s --db \"%s\"", args,
                      db.conninfo);
}

Test(cli_names, cities_and_networks_by_name)
{
    static const char *const konin[] = { "--city konin", "--city Konin", "--city KONIN" };
    static const char *const kk[] = { "--city kedzierzyn-kozle", "--city 'Kędzierzyn-Koźle'",
                                      "--city 'kedzierzyn kozle'", "--city kedzierzyn",
                                      "--city 'KĘDZIERZYN-KOŹLE'" };

    for (size_t i = 0; i < sizeof konin / sizeof konin[0]; i++) {
        cr_expect_eq(stats(konin[i]), 0, "%s: %s", konin[i], out);
        cr_expect(strstr(out, "— Konin (city), wave 2025") != NULL, "%s: %s", konin[i], out);
        cr_expect(strstr(out, "Respondents: 12") != NULL, "%s", out);
    }
    for (size_t i = 0; i < sizeof kk / sizeof kk[0]; i++) {
        cr_expect_eq(stats(kk[i]), 0, "%s: %s", kk[i], out);
        cr_expect(strstr(out, "— Kędzierzyn-Koźle (city)") != NULL, "%s: %s", kk[i], out);
    }
    cr_expect_eq(stats("--network 'Kapitał Ludzki'"), 0, "%s", out);
    cr_expect(strstr(out, "— Human Capital (network)") != NULL, "its English name: %s", out);
    cr_expect_eq(stats("--network 'kapital ludzki'"), 0, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "stats --survey 'Badanie satysfakcji pracowników "
                                             "urzędu' --city Konin --db \"%s\"", db.conninfo),
                 0, "the survey by its title: %s", out);
}

Test(cli_names, unknown_names_are_usage_errors_with_suggestions)
{
    cr_expect_eq(stats("--city Konim"), 2, "%s", out);
    cr_expect(strstr(out, "no city 'Konim' (did you mean: konin (Konin)") != NULL, "%s", out);
    cr_expect_eq(stats("--city 'Kędzieżyn-Koźle'"), 2, "%s", out);
    cr_expect(strstr(out, "did you mean: kedzierzyn-kozle (Kędzierzyn-Koźle)") != NULL, "%s",
              out);
    cr_expect_eq(stats("--network 'Kapitał Ludzky'"), 2, "%s", out);
    cr_expect(strstr(out, "did you mean: kapital-ludzki (Kapitał Ludzki)") != NULL, "%s", out);
    /* the wave, not the city */
    cr_expect_eq(testdb_run(out, sizeof out, "stats --survey " SURVEY " --wave 2031 --city konin "
                                             "--db \"%s\"", db.conninfo),
                 2, "%s", out);
    cr_expect(strstr(out, "nie ma fali '2031' (jego fale: ") != NULL, "%s", out);
    cr_expect(strstr(out, "2025") != NULL, "%s", out);
    cr_expect(strstr(out, "miasta") == NULL, "the city is not blamed: %s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "stats --survey satysfakcja-pracownikuw --db \"%s\"",
                            db.conninfo),
                 2, "%s", out);
    cr_expect(strstr(out, "brak badania 'satysfakcja-pracownikuw' (czy chodziło o: "
                          "satysfakcja-pracownikow") != NULL, "%s", out);
    /* a known city without responses is a failure (1), not a usage error */
    cr_expect_eq(stats("--city Jasło"), 1, "%s", out);
    cr_expect(strstr(out, "no responses of city jaslo in wave 2025") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out,
                            "stats --survey " SURVEY " --wave 2025 --city Jasło --db \"%s\"",
                            db.conninfo),
                 1, "%s", out);
    cr_expect(strstr(out, "brak odpowiedzi: miasto jaslo w fali 2025") != NULL, "%s", out);
    /* the same names in report */
    cr_expect_eq(testdb_run(out, sizeof out, "report --survey " SURVEY " --city Konim --out /tmp "
                                             "--db \"%s\"", db.conninfo),
                 2, "%s", out);
    cr_expect(strstr(out, "brak miasta 'Konim' (czy chodziło o: konin") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "stats --survey " SURVEY " --city konin --network x"),
                 2, "%s", out);
}

Test(cli_names, token_scope_by_name)
{
    cr_expect_eq(testdb_run(out, sizeof out, "token create --role coordinator --scope 'Jasło' "
                                             "--label x --db \"%s\"", db.conninfo),
                 0, "%s", out);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM api_token WHERE scope = 'jaslo'"), 1);
    cr_expect_eq(testdb_run(out, sizeof out, "token create --role analyst --scope 'Kapitał "
                                             "Ludzki' --label x --db \"%s\"", db.conninfo),
                 0, "%s", out);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM api_token WHERE scope = 'kapital-ludzki'"),
                 1);
    cr_expect_eq(testdb_run(out, sizeof out, "token create --role coordinator --scope Jaslą "
                                             "--label x --db \"%s\"", db.conninfo),
                 2, "%s", out);
    cr_expect(strstr(out, "--scope: brak miasta 'Jaslą' (czy chodziło o: jaslo (Jasło)") != NULL,
              "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "--lang en token create --role coordinator --scope "
                                             "Jaslą --label x --db \"%s\"", db.conninfo),
                 2, "%s", out);
    cr_expect(strstr(out, "--scope: no city 'Jaslą' (did you mean: jaslo (Jasło)") != NULL, "%s",
              out);
}

/* The display column where needle starts on the line of out that holds it. */
static size_t column_of(const char *line_key, const char *needle)
{
    char *line = strstr(out, line_key), *end, *at, *copy;
    size_t col;

    cr_assert(line != NULL, "%s not in %s", line_key, out);
    end = strchr(line, '\n');
    while (line > out && line[-1] != '\n')
        line--;
    copy = strndup(line, end != NULL ? (size_t)(end - line) : strlen(line));
    cr_assert(copy != NULL);
    at = strstr(copy, needle);
    cr_assert(at != NULL, "%s not on the line %s", needle, copy);
    *at = '\0';
    col = utf8_width(copy);
    free(copy);
    return col;
}

Test(cli_names, registry_list_aligned_by_display_width)
{
    cr_assert_eq(testdb_run(out, sizeof out, "registry list --db \"%s\"", db.conninfo), 0, "%s",
                 out);
    /* the slug column starts at the same place after a name with four
     * Polish letters as after one with none */
    cr_expect_eq(column_of("Kędzierzyn-Koźle", "kedzierzyn-kozle"), column_of("Konin ", "konin"),
                 "%s", out);
    cr_expect_eq(column_of("Kapitał Ludzki", "kapital-ludzki"),
                 column_of("Zasoby Miast", "zasoby-miast"), "%s", out);
    cr_expect_eq(column_of("Kędzierzyn-Koźle", "opolskie"), column_of("Konin ", "wielkopolskie"),
                 "%s", out);
}

/* The stats table: a dash takes one column like a digit, and each heading
 * sits over its figures. */
Test(cli_names, stats_table_aligned)
{
    cr_assert_eq(stats("--city konin"), 0, "%s", out);
    /* item 16, n 7, mean 7, CI 14, fav 6, change 7 (a dash: no earlier
     * wave), p_adj 7 (a dash), trend 29 (the longest word, 20, and its
     * adjusted p " (0.123)"), two spaces: the text at 97 */
    cr_expect_eq(column_of("warunki_01 ", "My "), 97, "%s", out);
    cr_expect_eq(column_of("  item ", "trend"), 67, "%s", out);
    cr_expect_eq(column_of("  item ", "p_adj") + 5, 66, "%s", out);
    cr_expect_eq(column_of("  item ", "change") + 6, 59, "%s", out);
    cr_expect_eq(column_of("  item ", "fav") + 3, 52, "%s", out);
    cr_expect_eq(column_of("warunki_01 ", "%") + 1, 52, "%s", out);
}
