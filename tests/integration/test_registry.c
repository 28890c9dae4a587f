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
    cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM city WHERE programme"), 26);
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

        cr_assert(form != NULL);
        cr_expect(strstr(text, form) != NULL, "\"%s\" is not in the seeds", form);
    }
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
