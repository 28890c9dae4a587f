/* Integration: migrate and registry load against a real throwaway cluster. */
#include "err.h"
#include "jsonv.h"
#include "migrate.h"
#include "queries.h"
#include "registry.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct testdb db;

static void setup(void)
{
    testdb_create(&db, 1);
}

static void teardown(void)
{
    testdb_drop(&db);
}

/* The migrations built into the binary (queries/migrations/). */
static size_t migrations(void)
{
    size_t n = 0;

    for (size_t i = 0; i < queries_nfiles; i++)
        n += strncmp(queries_files[i].name, "migrations/", 11) == 0;
    return n;
}

/* A dump of everything the registry and migrations write, to compare two
 * states of the database. */
static char *snapshot(void)
{
    return testdb_value(
        &db,
        "SELECT md5(concat_ws('|',"
        " (SELECT string_agg(format('%s/%s', version, name), ',' ORDER BY version) FROM schema_migration),"
        " (SELECT string_agg(format('%s/%s/%s/%s/%s', slug, name, voivodeship, programme, extra), ',' ORDER BY slug) FROM city),"
        " (SELECT string_agg(format('%s/%s/%s/%s', slug, name, name_en, description), ',' ORDER BY slug) FROM network),"
        " (SELECT string_agg(format('%s/%s/%s/%s/%s/%s', network, city, role, since, until, example), ',' ORDER BY network, city) FROM network_member),"
        " (SELECT string_agg(format('%s/%s/%s', slug, version, definition), ',' ORDER BY slug, version) FROM survey),"
        " (SELECT string_agg(format('%s/%s/%s/%s/%s', survey, label, survey_version, opens_on, closes_on), ',' ORDER BY survey, label) FROM wave),"
        " (SELECT string_agg(format('%s.%s', table_name, column_name), ',' ORDER BY table_name, column_name) FROM information_schema.columns WHERE table_schema = 'public')"
        "))");
}

static void load_dir(const char *dir)
{
    char err[ERR_MAX];
    struct registry *reg;

    char surveys[1200];

    snprintf(surveys, sizeof surveys, "%s/surveys", testdb_root());
    cr_assert(registry_read(dir, surveys, &reg, err, sizeof err) == 0, "%s", err);
    cr_assert(registry_store(db.conn, reg, NULL, err, sizeof err) == 0, "%s", err);
    registry_free(reg);
}

static const char *registry_dir(void)
{
    static char dir[1024];

    snprintf(dir, sizeof dir, "%s/surveys/registry", testdb_root());
    return dir;
}

TestSuite(registry, .init = setup, .fini = teardown);

Test(registry, migrate_twice_changes_nothing)
{
    char err[ERR_MAX];
    int applied = -1;
    char *before = snapshot();
    char *after;

    cr_assert(migrate_run(db.conn, &applied, err, sizeof err) == 0, "%s", err);
    cr_expect_eq(applied, 0, "nothing pending after the first run");
    after = snapshot();
    cr_expect_str_eq(before, after);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM schema_migration"), (long)migrations());
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM information_schema.tables "
                                  "WHERE table_schema = 'public' AND table_name IN "
                                  "('city','network','network_member','survey','wave',"
                                  "'response','api_token','schema_migration')"),
                 8);
    free(before);
    free(after);
}

Test(registry, load_twice_gives_the_same_database)
{
    char *first;
    char *second;

    load_dir(registry_dir());
    first = snapshot();
    load_dir(registry_dir());
    second = snapshot();
    cr_expect_str_eq(first, second);
    free(first);
    free(second);
}

/* Every entry of the files is in the database with the same values. */
Test(registry, counts_and_names_as_in_the_files)
{
    char path[1200], err[ERR_MAX], sql[512];
    json_t *root;
    json_t *cities;
    json_t *c;
    size_t i;

    load_dir(registry_dir());
    snprintf(path, sizeof path, "%s/cities.json", registry_dir());
    cr_assert(jsonv_load_file(path, &root, err, sizeof err) == 0, "%s", err);
    cities = json_object_get(root, "cities");
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM city"), (long)json_array_size(cities));
    json_array_foreach(cities, i, c) {
        char *name;

        snprintf(sql, sizeof sql, "SELECT name FROM city WHERE slug = '%s'",
                 json_string_value(json_object_get(c, "slug")));
        name = testdb_value(&db, sql);
        cr_expect_str_eq(name, json_string_value(json_object_get(c, "name")));
        free(name);
    }
    json_decref(root);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM city WHERE programme"), 29);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM network"), 8);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM network_member "
                                  "WHERE network = 'siec-liderow' AND NOT example"),
                 26);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM city WHERE name IN "
                                  "('Kędzierzyn-Koźle', 'Ostrów Wielkopolski', 'Łomża', "
                                  "'Żywiec', 'Złotów', 'Ostrowiec Świętokrzyski')"),
                 6);
}

/* The names of the leaders' network on its own slides (seed 003), in the
 * nominative: each is a programme city and a member of Sieć Liderów. */
Test(registry, leaders_network_as_in_the_seeds)
{
    static const char *const slide[] = {
        "Cieszyn", "Hajnówka", "Hrubieszów", "Jarosław", "Jasło", "Konin",
        "Krosno", "Nisko", "Opoczno", "Ostrów Wielkopolski", "Przemyśl",
        "Rydułtowy", "Starachowice", "Zabrze", "Zawiercie", "Złotów", "Żywiec",
    };
    char sql[512];

    load_dir(registry_dir());
    for (size_t i = 0; i < sizeof slide / sizeof slide[0]; i++) {
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM network_member m JOIN city c ON c.slug = m.city "
                 "WHERE m.network = 'siec-liderow' AND m.role = 'member' AND c.programme "
                 "AND c.name = '%s'",
                 slide[i]);
        cr_expect_eq(testdb_long(&db, sql), 1, "%s", slide[i]);
    }
}

/* Each city's seed_form is spelled exactly as in the seed documents, which
 * CI has beside the clone in ../shared/seeds. */
Test(registry, seed_forms_appear_in_the_seeds)
{
    char path[1200], err[ERR_MAX];
    char *text = NULL;
    size_t len = 0;
    json_t *root;
    json_t *c;
    size_t i;
    int missing = 0;
    FILE *cat;

    snprintf(path, sizeof path, "cat %s/../shared/seeds/*.txt 2>/dev/null", testdb_root());
    cat = popen(path, "r");
    cr_assert(cat != NULL);
    for (;;) {
        char buf[4096];
        size_t got = fread(buf, 1, sizeof buf, cat);
        char *grown;

        if (got == 0)
            break;
        grown = realloc(text, len + got + 1);
        cr_assert(grown != NULL);
        text = grown;
        memcpy(text + len, buf, got);
        len += got;
    }
    pclose(cat);
    if (text == NULL)
        cr_skip_test("../shared/seeds is not beside this checkout");
    text[len] = '\0';
    snprintf(path, sizeof path, "%s/cities.json", registry_dir());
    cr_assert(jsonv_load_file(path, &root, err, sizeof err) == 0, "%s", err);
    json_array_foreach(json_object_get(root, "cities"), i, c) {
        const char *form = json_string_value(json_object_get(c, "seed_form"));

        /* the three programme cities the seeds do not name have none */
        if (form == NULL) {
            missing++;
            continue;
        }
        cr_expect(strstr(text, form) != NULL, "\"%s\" is not in the seeds", form);
    }
    cr_expect_eq(missing, 3);
    json_decref(root);
    free(text);
}

/* Copies the registry to a temporary folder, where a test may break it. */
static void copy_registry(char *dir, size_t n)
{
    char cmd[2400];

    snprintf(dir, n, "/tmp/empirie-registry-XXXXXX");
    cr_assert(mkdtemp(dir) != NULL);
    snprintf(cmd, sizeof cmd, "cp %s/*.json %s/", registry_dir(), dir);
    cr_assert(system(cmd) == 0);
}

static void remove_dir(const char *dir)
{
    char cmd[1200];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert(system(cmd) == 0);
}

/* A membership with a bad role is rejected with file, entry and field, and
 * a change to a city in the same load is not written either. */
Test(registry, bad_file_rejected_nothing_written)
{
    char dir[64], cmd[512], out[8192];
    char *before;
    char *after;
    int rc;

    load_dir(registry_dir());
    before = snapshot();
    copy_registry(dir, sizeof dir);
    snprintf(cmd, sizeof cmd,
             "sed -i '0,/\"Konin\"/s//\"Konin-zmieniony\"/' %s/cities.json && "
             "sed -i '0,/\"role\": \"member\"/s//\"role\": \"leader\"/' %s/memberships.json",
             dir, dir);
    cr_assert(system(cmd) == 0);
    rc = testdb_run(out, sizeof out, "registry load --dir %s --db \"%s\"", dir, db.conninfo);
    cr_expect_eq(rc, 1, "%s", out);
    cr_expect(strstr(out, "memberships.json") != NULL, "%s", out);
    cr_expect(strstr(out, "memberships[0]") != NULL, "%s", out);
    cr_expect(strstr(out, "field \"role\"") != NULL, "%s", out);
    cr_expect(strstr(out, "\"leader\"") != NULL, "%s", out);
    after = snapshot();
    cr_expect_str_eq(before, after, "a rejected load wrote something");
    free(before);
    free(after);
    remove_dir(dir);
}

Test(registry, unknown_city_and_malformed_json_rejected)
{
    char dir[64], cmd[512], out[8192];
    int rc;

    copy_registry(dir, sizeof dir);
    snprintf(cmd, sizeof cmd, "sed -i '0,/\"city\": \"cieszyn\"/s//\"city\": \"atlantyda\"/' %s/memberships.json", dir);
    cr_assert(system(cmd) == 0);
    rc = testdb_run(out, sizeof out, "registry load --dir %s --db \"%s\"", dir, db.conninfo);
    cr_expect_eq(rc, 1);
    cr_expect(strstr(out, "field \"city\": \"atlantyda\" is not in cities.json") != NULL, "%s", out);
    snprintf(cmd, sizeof cmd, "printf '{\"cities\": [' > %s/cities.json", dir);
    cr_assert(system(cmd) == 0);
    rc = testdb_run(out, sizeof out, "registry load --dir %s --db \"%s\"", dir, db.conninfo);
    cr_expect_eq(rc, 1);
    cr_expect(strstr(out, "cities.json:1:") != NULL, "%s", out);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM city"), 0);
    remove_dir(dir);
}

/* The programme's 29 cities, spelled as on the programme operator's list
 * (docs/registry.md), with the TERC codes of their gminas as in the GUS
 * TERYT list named there; each code's first two digits are the code of
 * the city's voivodeship. */
Test(registry, programme_cities_with_teryt_codes)
{
    static const char *const list[][2] = {
        { "Cieszyn", "2403011" },        { "Hajnówka", "2005011" },
        { "Hrubieszów", "0604011" },     { "Jarocin", "3006023" },
        { "Jarosław", "1804011" },       { "Jasło", "1805011" },
        { "Jelenia Góra", "0261011" },   { "Kędzierzyn-Koźle", "1603011" },
        { "Konin", "3062011" },          { "Krosno", "1861011" },
        { "Łomża", "2062011" },          { "Nisko", "1812053" },
        { "Opoczno", "1007043" },        { "Ostrowiec Świętokrzyski", "2607011" },
        { "Ostrów Wielkopolski", "3017011" }, { "Piła", "3019011" },
        { "Przemyśl", "1862011" },       { "Rydułtowy", "2415031" },
        { "Stalowa Wola", "1818011" },   { "Starachowice", "2611011" },
        { "Tarnów", "1263011" },         { "Tomaszów Mazowiecki", "1016011" },
        { "Włocławek", "0464011" },      { "Zabrze", "2478011" },
        { "Zawiercie", "2416021" },      { "Zgierz", "1020031" },
        { "Złotów", "3031011" },         { "Żary", "0811021" },
        { "Żywiec", "2417011" },
    };
    char sql[512];
    char *v;

    load_dir(registry_dir());
    cr_expect_eq(sizeof list / sizeof list[0], 29);
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) {
        snprintf(sql, sizeof sql,
                 "SELECT extra->>'teryt' || '/' || (extra->>'voivodeship_code') FROM city "
                 "WHERE programme AND name = '%s'",
                 list[i][0]);
        v = testdb_value(&db, sql);
        cr_expect(v != NULL && strncmp(v, list[i][1], 7) == 0 && v[7] == '/' &&
                      strncmp(v + 8, list[i][1], 2) == 0,
                  "%s: %s, expected %s", list[i][0], v ? v : "(none)", list[i][1]);
        free(v);
    }
    /* every city with a code: 7 digits, a gmina's kind, its voivodeship's */
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM city WHERE extra ? 'teryt' AND NOT ("
                                  "extra->>'teryt' ~ '^[0-3][0-9]{5}[123]$' AND "
                                  "left(extra->>'teryt', 2) = extra->>'voivodeship_code')"),
                 0);
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM city WHERE programme AND NOT "
                                  "extra ? 'teryt'"),
                 0);
    cr_expect_eq(registry_voivodeship_code("łódzkie") != NULL &&
                     strcmp(registry_voivodeship_code("łódzkie"), "10") == 0,
                 1);
    cr_expect_eq(registry_voivodeship_code("Łódzkie"), NULL);
    cr_expect(registry_teryt_valid("3062011"));
    cr_expect(!registry_teryt_valid("3062014"), "a town inside a gmina is not a gmina");
    cr_expect(!registry_teryt_valid("306201"));
    cr_expect(!registry_teryt_valid("3462011"), "no voivodeship 34");
    cr_expect(!registry_teryt_valid("30620a1"));
}

/* A code of another voivodeship, a malformed code, a code used twice, an
 * unknown voivodeship: each rejected with the entry and the field. */
Test(registry, teryt_checked_on_load)
{
    static const struct {
        const char *sed, *message;
    } cases[] = {
        { "s/\"3062011\"/\"2462011\"/", "cities[7] \"konin\": field \"teryt\": \"2462011\" is "
                                        "a gmina of voivodeship 24 (śląskie), but "
                                        "\"voivodeship\" is \"wielkopolskie\" (30)" },
        { "s/\"3062011\"/\"306201\"/", "cities[7] \"konin\": field \"teryt\": expected the "
                                       "7-digit TERC code" },
        { "s/\"3062011\"/3062011/", "field \"teryt\": expected the 7-digit TERC code of a "
                                    "gmina" },
        { "s/\"3062011\"/\"3019011\"/", "field \"teryt\": \"3019011\" is used twice" },
        { "0,/\"wielkopolskie\"/s//\"Wielkopolska\"/",
          "cities[3] \"jarocin\": field \"voivodeship\": expected one of the 16 voivodeships" },
    };
    char dir[64], cmd[768], out[8192];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        copy_registry(dir, sizeof dir);
        snprintf(cmd, sizeof cmd, "sed -i '%s' %s/cities.json", cases[i].sed, dir);
        cr_assert(system(cmd) == 0);
        cr_expect_eq(testdb_run(out, sizeof out, "registry load --dir %s --db \"%s\"", dir,
                                db.conninfo),
                     1, "%s", out);
        cr_expect(strstr(out, cases[i].message) != NULL, "%s: %s", cases[i].sed, out);
        remove_dir(dir);
    }
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM city"), 0);
}

/* `empirie registry list` orders cities as Polish does (engine/base/collate.h),
 * and pads its columns by characters, not bytes. */
Test(registry, list_in_polish_order)
{
    static char out[65536];
    const char *order[] = { "Jasło ", "Kędzierzyn-Koźle ", "Konin ", "Krosno ", "Łomża ",
                            "Nisko ", "Zawiercie ", "Złotów ", "Żary ", "Żywiec " };
    const char *prev = NULL, *lomza, *konin;

    cr_assert_eq(testdb_run(out, sizeof out, "registry load --db \"%s\"", db.conninfo), 0,
                 "%s", out);
    cr_assert_eq(testdb_run(out, sizeof out, "registry list --db \"%s\"", db.conninfo), 0,
                 "%s", out);
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const char *at = strstr(out, order[i]);

        cr_assert(at != NULL, "%s missing from %s", order[i], out);
        cr_expect(prev == NULL || at > prev, "%s is not after %s", order[i], order[i - 1]);
        prev = at;
    }
    /* "Łomża" is 7 bytes but 5 characters: its slug column lines up */
    lomza = strstr(out, "  Łomża ");
    konin = strstr(out, "  Konin ");
    cr_assert(lomza != NULL && konin != NULL);
    cr_expect_eq(strstr(lomza, "lomza") - lomza - 2, strstr(konin, "konin") - konin,
                 "%.80s / %.80s", lomza, konin);
    /* the headings and notes in Polish, in English with --lang en */
    cr_expect(strstr(out, "Miasta (") != NULL && strstr(out, "\nSieci (") != NULL &&
                  strstr(out, "\nBadania (wersje: ") != NULL && strstr(out, " (poza programem)\n")
                  != NULL && strstr(out, " członkowie: ") != NULL && strstr(out, ", obserwatorzy: ")
                  != NULL && strstr(out, " fale: ") != NULL,
              "%s", out);
    cr_assert_eq(testdb_run(out, sizeof out, "--lang en registry list --db \"%s\"", db.conninfo),
                 0, "%s", out);
    cr_expect(strstr(out, "Cities (") != NULL && strstr(out, "\nNetworks (") != NULL &&
                  strstr(out, "\nSurveys (") != NULL && strstr(out, " (outside the programme)\n")
                  != NULL && strstr(out, " members, ") != NULL && strstr(out, " waves: ") != NULL,
              "%s", out);
}

/* benchmark_networks says how reports compare, not what an answer means: a
 * loaded version takes a change of it in place (and nothing else). */
Test(registry, benchmark_networks_change_in_place)
{
    static char out[65536];
    char *v;

    cr_assert_eq(testdb_run(out, sizeof out, "registry load --db \"%s\"", db.conninfo), 0,
                 "%s", out);
    /* as if loaded before the field existed */
    free(testdb_value(&db, "WITH u AS (UPDATE survey SET definition = definition - "
                           "'benchmark_networks' WHERE slug = 'mlodziez-partycypacja' "
                           "RETURNING 1) SELECT count(*) FROM u"));
    cr_assert_eq(testdb_run(out, sizeof out, "registry load --db \"%s\"", db.conninfo), 0,
                 "%s", out);
    v = testdb_value(&db, "SELECT definition -> 'benchmark_networks' ->> 0 FROM survey "
                          "WHERE slug = 'mlodziez-partycypacja'");
    cr_expect_str_eq(v, "miasto-obywateli");
    free(v);
    /* any other change of a loaded version is still refused */
    free(testdb_value(&db, "WITH u AS (UPDATE survey SET definition = jsonb_set(definition, "
                           "'{favourable_top}', '1') WHERE slug = 'mlodziez-partycypacja' "
                           "RETURNING 1) SELECT count(*) FROM u"));
    cr_expect_eq(testdb_run(out, sizeof out, "registry load --db \"%s\"", db.conninfo), 1,
                 "%s", out);
    cr_expect(strstr(out, "different definition") != NULL, "%s", out);
}
