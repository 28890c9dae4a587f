/*
 * The sources of a city report's breakdown sheet (results_src_load_wants:
 * one wave, breakdown-only, read in the survey's own pass) against the
 * sources `stats --by` reads (every wave, every sum, a pass each): in the
 * wave they keep, every city's parts are the same parts with the same
 * hidden flags, respondents and item figures, to the last bit; with the
 * cache of closed waves off, cold and warm; the breakdown-only sources never
 * write the cache; the other waves hold nothing. Data: testgen.h (9 cities,
 * parts of every size, so some are hidden), the staff survey's 2025 open.
 */
#include "catalog.h"
#include "err.h"
#include "results.h"
#include "results_model.h"
#include "testdb.h"
#include "testgen.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define STAFF "satysfakcja-pracownikow"
#define MAXA 8

static struct testdb db;
static struct catalog *cat;

static void setup(void)
{
    testdb_create(&db, 1);
    testdb_load_registry(&db);
    testgen_responses_open(&db);
    cat = testdb_catalog(&db);
}

static void teardown(void)
{
    catalog_free(cat);
    unsetenv("EMPIRIE_AGG_CACHE");
    testdb_drop(&db);
}

TestSuite(breakdown, .init = setup, .fini = teardown, .timeout = 180);

/* Equal doubles, NaN equal to NaN. */
static int same(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

/* Every city group of wave w: the parts of the breakdown model b against
 * the full model f. Returns how many parts were compared, and counts the
 * hidden ones in *hidden. */
static size_t compare_wave(const struct results *b, const struct results *f, size_t w,
                           const char *wave, size_t *hidden)
{
    size_t parts = 0;

    for (size_t i = 0; i < b->ngroups; i++) {
        const struct results_group *gb = &b->groups[w * b->ngroups + i];
        const struct results_group *gf;

        if (gb->type != RESULTS_CITY)
            continue;
        gf = results_find(f, wave, RESULTS_CITY, gb->slug);
        cr_assert(gf != NULL, "%s: no group in the full model", gb->slug);
        cr_expect_eq(gb->hidden, gf->hidden, "%s: group hidden %d, full %d", gb->slug,
                     gb->hidden, gf->hidden);
        cr_assert_eq(gb->nparts, gf->nparts, "%s: %zu parts, full %zu", gb->slug, gb->nparts,
                     gf->nparts);
        for (size_t p = 0; p < gb->nparts; p++) {
            const struct results_part *pb = &gb->parts[p], *pf = &gf->parts[p];

            parts++;
            *hidden += pb->hidden != 0;
            cr_expect_eq(pb->part, pf->part);
            cr_expect_eq(pb->hidden, pf->hidden, "%s part %zu: hidden %d, full %d", gb->slug,
                         pb->part, pb->hidden, pf->hidden);
            cr_expect(same(pb->respondents, pf->respondents));
            cr_assert_eq(pb->nitems, pf->nitems);
            for (size_t k = 0; k < pb->nitems; k++) {
                const struct results_measure *mb = &pb->items[k], *mf = &pf->items[k];

                *hidden += mb->hidden != 0;
                cr_expect_eq(mb->index, mf->index);
                cr_expect_eq(mb->hidden, mf->hidden, "%s part %zu item %zu: hidden %d, full %d",
                             gb->slug, pb->part, mb->index, mb->hidden, mf->hidden);
                cr_expect(same(mb->est.n, mf->est.n) && same(mb->est.mean, mf->est.mean) &&
                              same(mb->est.sd, mf->est.sd) && same(mb->est.ci_lo, mf->est.ci_lo),
                          "%s part %zu item %zu: mean %.17g, full %.17g", gb->slug, pb->part,
                          mb->index, mb->est.mean, mf->est.mean);
            }
        }
    }
    return parts;
}

/* The report's pass for wave (its own source and one breakdown per
 * attribute) against a `stats --by` source per attribute. */
static void check_wave(const char *wave)
{
    const struct survey *s = catalog_survey_latest(cat, STAFF);
    struct results_src_want want[1 + MAXA];
    struct results_src *got[1 + MAXA];
    char err[ERR_MAX];
    size_t n = 1, parts = 0, hidden = 0, w = 0, nwaves = 0;
    const struct catalog_wave *const *waves = catalog_waves(cat, STAFF, &nwaves);

    cr_assert(s != NULL && s->nattrs > 0 && s->nattrs <= MAXA);
    while (w < nwaves && strcmp(waves[w]->label, wave) != 0)
        w++;
    cr_assert(w < nwaves, "no wave %s", wave);
    want[0] = (struct results_src_want){ NULL, NULL, 0 };
    for (size_t a = 0; a < s->nattrs; a++)
        want[n++] = (struct results_src_want){ s->attrs[a].code, wave, 1 };
    cr_assert(results_src_load_wants(db.conn, cat, NULL, STAFF, want, n, got, NULL, NULL, err,
                                     sizeof err) == 0,
              "%s", err);
    for (size_t a = 1; a < n; a++) {
        struct results_src *full =
            results_src_load(db.conn, cat, NULL, STAFF, want[a].by_attr, NULL, NULL, err,
                             sizeof err);
        const struct results *b, *f;

        cr_assert(full != NULL, "%s", err);
        b = results_src_model(got[a], err, sizeof err);
        cr_assert(b != NULL, "%s", err);
        f = results_src_model(full, err, sizeof err);
        cr_assert(f != NULL, "%s", err);
        parts += compare_wave(b, f, w, wave, &hidden);
        /* the waves it did not keep: groups without figures */
        for (size_t ow = 0; ow < b->nwaves; ow++)
            for (size_t i = 0; ow != w && i < b->ngroups; i++) {
                const struct results_group *g = &b->groups[ow * b->ngroups + i];

                cr_expect(g->nitems == 0 && g->nparts == 0 && !(g->respondents > 0),
                          "wave %zu, %s: figures in a wave not kept", ow,
                          g->slug ? g->slug : "all");
            }
        results_src_free(full);
    }
    for (size_t i = 0; i < n; i++)
        results_src_free(got[i]);
    cr_expect_gt(parts, 9, "parts compared in wave %s: %zu", wave, parts);
    cr_expect_gt(hidden, 0, "some part or item hidden in wave %s (the test needs them)", wave);
}

Test(breakdown, one_wave_sources_equal_full_splits_without_cache)
{
    setenv("EMPIRIE_AGG_CACHE", "0", 1);
    check_wave("2025");
    check_wave("2023");
}

Test(breakdown, one_wave_sources_equal_full_splits_cold_and_warm_cache)
{
    setenv("EMPIRIE_AGG_CACHE", "1", 1);
    /* cold: the report's pass alone stores its own source's closed waves,
     * never a breakdown-only source's */
    {
        const struct survey *s = catalog_survey_latest(cat, STAFF);
        struct results_src_want want[1 + MAXA];
        struct results_src *got[1 + MAXA];
        char err[ERR_MAX];
        size_t n = 1;

        want[0] = (struct results_src_want){ NULL, NULL, 0 };
        for (size_t a = 0; a < s->nattrs && a < MAXA; a++)
            want[n++] = (struct results_src_want){ s->attrs[a].code, "2024", 1 };
        cr_assert(results_src_load_wants(db.conn, cat, NULL, STAFF, want, n, got, NULL, NULL, err,
                                         sizeof err) == 0,
                  "%s", err);
        for (size_t i = 0; i < n; i++)
            results_src_free(got[i]);
        cr_expect_gt(testdb_long(&db, "SELECT count(*) FROM agg_cache WHERE breakdown = ''"), 0);
        cr_expect_eq(testdb_long(&db, "SELECT count(*) FROM agg_cache WHERE breakdown <> ''"),
                     0, "a breakdown-only source wrote the cache");
    }
    /* the full splits (which fill the cache of every split), then warm */
    check_wave("2024");
    cr_expect_gt(testdb_long(&db, "SELECT count(*) FROM agg_cache WHERE breakdown <> ''"), 0);
    check_wave("2024");
    check_wave("2025");
}

/* A wave the survey does not have is an error naming it, not an empty sheet. */
Test(breakdown, unknown_wave_is_an_error)
{
    struct results_src_want want[2] = { { NULL, NULL, 0 }, { "staz", "1999", 1 } };
    struct results_src *got[2];
    char err[ERR_MAX];

    cr_expect_eq(results_src_load_wants(db.conn, cat, NULL, STAFF, want, 2, got, NULL, NULL, err,
                                        sizeof err),
                 -1);
    cr_expect(strstr(err, "1999") != NULL, "%s", err);
    /* breakdown-only without a source that has the census */
    want[0] = (struct results_src_want){ "staz", "2025", 1 };
    cr_expect_eq(results_src_load_wants(db.conn, cat, NULL, STAFF, want, 1, got, NULL, NULL, err,
                                        sizeof err),
                 -1);
    cr_expect(strstr(err, "census") != NULL, "%s", err);
}
