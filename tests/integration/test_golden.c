/*
 * The golden test of issue 12: `empirie stats --json` for every group of
 * the demo's data stays byte-identical while the results code changes.
 *
 * tests/golden/stats.sha256 holds the SHA-256 of what the command printed,
 * captured with the CLI before the typed results model (tests/golden/
 * stats-golden capture, one `stats --json` process per line). Here the same
 * data (empirie-gen with the demo's seed and sizes, imported) is read once
 * per survey and every group's document is rendered in-process exactly as
 * cmd_stats prints it (results_view, two-space indent, 17 digits, newline),
 * so the 632 outputs take seconds instead of minutes; the first line that
 * differs is named. A group the list records as rc=1 (no responses) must
 * be absent from the document.
 */
#include "catalog.h"
#include "err.h"
#include "results.h"
#include "sha256.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* what a command that printed nothing hashes to (rc=1: no such group) */
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static struct testdb db;

static void load_demo(void)
{
    static const char *const spec[][3] = {
        { "satysfakcja-pracownikow", "60",
          "-i surveys/employee-satisfaction.json -i surveys/employee-satisfaction-v2.json" },
        { "mlodziez-partycypacja", "80", "-i surveys/youth-participation.json" },
    };
    char out[4096], cmd[2048];

    for (size_t i = 0; i < 2; i++) {
        snprintf(cmd, sizeof cmd,
                 "cd '%s' && build/san/empirie-gen %s --seed 2024 --per-city %s "
                 "> '%s/golden-%s.ndjson' 2>/dev/null",
                 testdb_root(), spec[i][2], spec[i][1], getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
                 db.name);
        cr_assert(system(cmd) == 0, "empirie-gen failed: %s", cmd);
        cr_assert(testdb_run(out, sizeof out,
                             "import --db '%s' --allow-closed-wave '%s/golden-%s.ndjson'",
                             db.conninfo, getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
                             db.name) == 0,
                  "import: %s", out);
        snprintf(cmd, sizeof cmd, "%s/golden-%s.ndjson",
                 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", db.name);
        remove(cmd);
    }
}

static void setup(void)
{
    testdb_create(&db, 1);
    testdb_load_registry(&db);
    load_demo();
}

static void teardown(void)
{
    testdb_drop(&db);
}

struct line {
    char survey[64], wave[32], what[160], rc[8], hash[65];
};

static size_t read_list(struct line **out)
{
    char path[1024], buf[512];
    size_t n = 0, cap = 0;
    struct line *v = NULL;
    FILE *f;

    snprintf(path, sizeof path, "%s/tests/golden/stats.sha256", testdb_root());
    f = fopen(path, "r");
    cr_assert(f != NULL, "cannot open %s", path);
    while (fgets(buf, sizeof buf, f) != NULL) {
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            v = realloc(v, cap * sizeof *v);
            cr_assert(v != NULL);
        }
        cr_assert(sscanf(buf, "%63s %31s %159s %7s %64s", v[n].survey, v[n].wave, v[n].what,
                         v[n].rc, v[n].hash) == 5,
                  "bad line: %s", buf);
        n++;
    }
    fclose(f);
    *out = v;
    return n;
}

/* What `stats --json` prints for one group of doc: its hash (hex), or ""
 * when the group is not in the document. */
static void hash_of(json_t *doc, const char *survey, const char *wave, const char *what,
                    char hex[65])

{
    char type[16] = "city", slug[128] = "";
    const char *p = what;
    json_t *g, *view;
    char *text;
    size_t len;
    unsigned char h[SHA256_SIZE];

    hex[0] = '\0';
    if (strncmp(p, "city:", 5) == 0) {
        p += 5;
    } else {
        cr_assert(strncmp(p, "net:", 4) == 0, "bad group %s", what);
        p += 4;
        snprintf(type, sizeof type, "network");
    }
    snprintf(slug, sizeof slug, "%.*s", (int)strcspn(p, ":"), p);
    if (strcmp(slug, "ALL") == 0)
        snprintf(type, sizeof type, "all");
    g = results_group(doc, wave, type, strcmp(type, "all") == 0 ? NULL : slug);
    if (g == NULL)
        return;
    view = results_view(doc, g);
    cr_assert(view != NULL);
    text = json_dumps(view, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    cr_assert(text != NULL);
    len = strlen(text);
    text = realloc(text, len + 2);
    cr_assert(text != NULL);
    text[len] = '\n';
    sha256(text, len + 1, h);
    /* EMPIRIE_GOLDEN_DUMP=DIR: every output written there, to diff with the CLI's */
    if (getenv("EMPIRIE_GOLDEN_DUMP") != NULL) {
        char path[1024];
        FILE *f;

        snprintf(path, sizeof path, "%s/%s-%s-%s.json", getenv("EMPIRIE_GOLDEN_DUMP"), survey, wave,
                 what);
        f = fopen(path, "w");
        if (f != NULL) {
            fwrite(text, 1, len + 1, f);
            fclose(f);
        }
    }
    sha256_hex(h, SHA256_SIZE, hex);
    free(text);
    json_decref(view);
}

/* The document a line needs: lang and by from its group's suffix. */
struct docs {
    const char *survey;
    struct results_src *src[8];
    const char *by[8];
    size_t nby;
    json_t *pl[8], *en;
};

static json_t *doc_for(struct docs *d, const char *what)
{
    const char *by = strstr(what, ":by:");

    if (strstr(what, ":en") != NULL && strstr(what, ":en") + 3 == what + strlen(what))
        return d->en;
    for (size_t i = 1; by != NULL && i < d->nby; i++)
        if (strcmp(d->by[i], by + 4) == 0)
            return d->pl[i];
    cr_assert(by == NULL, "no document split by %s", by + 4);
    return d->pl[0];
}

static void docs_build(struct docs *d, const struct catalog *cat, const char *survey,
                       const struct line *v, size_t n)
{
    char err[ERR_MAX];

    memset(d, 0, sizeof *d);
    d->survey = survey;
    d->by[d->nby++] = NULL;
    for (size_t i = 0; i < n; i++) {
        const char *by = strstr(v[i].what, ":by:");
        size_t j;

        if (strcmp(v[i].survey, survey) != 0 || by == NULL)
            continue;
        for (j = 1; j < d->nby && strcmp(d->by[j], by + 4) != 0; j++)
            ;
        if (j == d->nby) {
            cr_assert(d->nby < 8);
            d->by[d->nby++] = by + 4;
        }
    }
    /* each split read as `stats --by` reads it (results_load: one pass each) */
    for (size_t i = 0; i < d->nby; i++) {
        d->src[i] = results_src_load(db.conn, cat, NULL, survey, d->by[i], NULL, NULL, err,
                                     sizeof err);
        cr_assert(d->src[i] != NULL, "%s", err);
        d->pl[i] = results_src_build(d->src[i], 0, err, sizeof err);
        cr_assert(d->pl[i] != NULL, "%s", err);
    }
    d->en = results_src_build(d->src[0], 1, err, sizeof err);
    cr_assert(d->en != NULL, "%s", err);
}

static void docs_free(struct docs *d)
{
    for (size_t i = 0; i < d->nby; i++) {
        json_decref(d->pl[i]);
        results_src_free(d->src[i]);
    }
    json_decref(d->en);
}

Test(golden, stats_json_of_every_demo_group, .init = setup, .fini = teardown, .timeout = 600)
{
    struct line *v;
    size_t n = read_list(&v), checked = 0, differ = 0;
    struct catalog *cat = NULL;
    char hex[65];
    const char *surveys[] = { "mlodziez-partycypacja", "satysfakcja-pracownikow" };

    /* EMPIRIE_GOLDEN_CAPTURE=FILE: write the list there instead of checking
     * (the lines of the committed list, with this code's hashes) */
    FILE *capture = NULL;

    if (getenv("EMPIRIE_GOLDEN_CAPTURE") != NULL) {
        capture = fopen(getenv("EMPIRIE_GOLDEN_CAPTURE"), "w");
        cr_assert(capture != NULL);
    }
    cr_assert(n > 600, "the list has %zu lines", n);
    cat = testdb_catalog(&db);
    for (size_t s = 0; s < 2; s++) {
        struct docs d;

        docs_build(&d, cat, surveys[s], v, n);
        for (size_t i = 0; i < n; i++) {
            if (strcmp(v[i].survey, surveys[s]) != 0)
                continue;
            hash_of(doc_for(&d, v[i].what), v[i].survey, v[i].wave, v[i].what, hex);
            if (capture != NULL)
                fprintf(capture, "%s %s %s rc=%d %s\n", v[i].survey, v[i].wave, v[i].what,
                        hex[0] ? 0 : 1, hex[0] ? hex : EMPTY_SHA256);
            else if (strcmp(v[i].rc, "rc=0") == 0 ? strcmp(hex, v[i].hash) != 0
                                                  : hex[0] != '\0') {
                if (differ++ < 10)
                    cr_log_error("stats --json differs: %s %s %s (%s)", v[i].survey, v[i].wave,
                                 v[i].what, hex[0] ? hex : "absent");
            }
            checked++;
        }
        docs_free(&d);
    }
    catalog_free(cat);
    free(v);
    if (capture != NULL)
        fclose(capture);
    cr_expect(checked == n, "%zu of %zu lines checked", checked, n);
    cr_expect(differ == 0, "%zu of %zu outputs differ from tests/golden/stats.sha256", differ, n);
}
