/*
 * The property through the documents users get: random registries and
 * responses -> agg -> results_build (without a breakdown and by each
 * attribute, as stats, the API and the reports publish) -> audit_docs for
 * the ministry and every network's analyst: nothing hidden can be
 * recovered. Unlike test_audit.c this goes through the census, the JSON
 * rendering and its reasons, so a flag lost on the way would show.
 */
#include "agg.h"
#include "anon.h"
#include "audit_run.h"
#include "err.h"
#include "results.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const struct survey_item items[] = {
    { .code = "a", .type = SURVEY_LIKERT, .text_pl = "A", .min = 1, .max = 5, .dimension = 0 },
    { .code = "b", .type = SURVEY_LIKERT, .text_pl = "B", .min = 1, .max = 5, .dimension = 0 },
};
static const size_t dim_items[] = { 0, 1 };
static const struct survey_dimension dims[] = {
    { .code = "D", .label_pl = "D", .items = dim_items, .nitems = 2, .min_items = 1 },
};
static const struct survey_option o3[] = {
    { .code = 1, .label_pl = "X" }, { .code = 2, .label_pl = "Y" }, { .code = 3, .label_pl = "Z" },
};
static const struct survey_option o2[] = { { .code = 1, .label_pl = "P" },
                                           { .code = 2, .label_pl = "Q" } };
static const struct survey_attr attrs[] = {
    { .code = "dzial", .label_pl = "Dział", .options = o3, .noptions = 3 },
    { .code = "staz", .label_pl = "Staż", .options = o2, .noptions = 2 },
};
static const struct survey srv = {
    .slug = "s", .version = 1, .title_pl = "S", .items = items, .nitems = 2, .attrs = attrs,
    .nattrs = 2, .dimensions = dims, .ndimensions = 1, .anonymity_threshold = 5,
    .enps_item = -1, .favourable_top = 2,
};
static const char *const slugs[] = { "c0", "c1", "c2", "c3", "c4", "c5" };
static const struct results_city cities[] = { { "c0", "C0", 0 }, { "c1", "C1", 0 }, { "c2", "C2", 0 },
                                              { "c3", "C3", 0 }, { "c4", "C4", 0 }, { "c5", "C5", 0 } };
static const double wave_x[] = { 2024, 2025 };

static uint64_t state = 777;

static uint32_t rnd(uint32_t n)
{
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)((state >> 33) % n);
}

struct resp {
    size_t city, wave;
    int16_t at[2], ans[2];
};

static json_t *build(const struct resp *r, size_t n, const char *by, struct agg **keep,
                     const struct results_network *nets, size_t nnets)
{
    const struct survey *versions[] = { &srv };
    const char *waves[] = { "2024", "2025" };
    char err[ERR_MAX];
    struct agg *a = agg_new(versions, 1, waves, 2, by, err, sizeof err);
    struct results_input in = { .survey = &srv, .wave_x = wave_x, .cities = cities,
                                .ncities = 6, .networks = nets, .nnetworks = nnets,
                                .by_attr = by, .threshold = 5 };
    json_t *doc;

    cr_assert(a != NULL, "%s", err);
    for (size_t i = 0; i < n; i++)
        cr_assert(agg_add(a, slugs[r[i].city], 2, r[i].wave, 1, r[i].at, 2, r[i].ans, 2, 0, err,
                          sizeof err) == 0, "%s", err);
    in.agg = a;
    doc = results_build(&in, err, sizeof err);
    cr_assert(doc != NULL, "%s", err);
    if (keep != NULL)
        *keep = a;
    else
        agg_free(a);
    return doc;
}

Test(audit_docs, property_through_the_published_documents, .timeout = 600)
{
    size_t hidden = 0, cases = 0, legacy_leaks = 0;

    for (int round = 0; round < 300; round++) {
        static struct resp r[400];
        const char *mem[4][6];
        struct results_network nets[4];
        size_t n = 0, nc = 3 + rnd(4), nn = 1 + rnd(3);
        struct agg *a0;
        json_t *doc, *by[2];
        char err[ERR_MAX];

        memset(nets, 0, sizeof nets);
        for (size_t k = 0; k < nn; k++) {
            nets[k].slug = k == 0 ? "n0" : k == 1 ? "n1" : "n2";
            nets[k].name = nets[k].slug;
            nets[k].members = mem[k];
            for (size_t c = 0; c < nc; c++)
                if (rnd(3) != 0)
                    mem[k][nets[k].nmembers++] = slugs[c];
        }
        for (size_t c = 0; c < nc; c++)
            for (size_t w = 0; w < 2; w++) {
                uint32_t people = rnd(4) == 0 ? rnd(6) : rnd(45);

                for (uint32_t p = 0; p < people && n < 400; p++, n++) {
                    r[n].city = c;
                    r[n].wave = w;
                    r[n].at[0] = rnd(3) ? 1 : (int16_t)(1 + rnd(3));
                    r[n].at[1] = rnd(8) == 0 ? SURVEY_NA : (int16_t)(1 + rnd(2));
                    r[n].ans[0] = (int16_t)(1 + rnd(5));
                    r[n].ans[1] = rnd(6) == 0 ? SURVEY_NA : (int16_t)(1 + rnd(5));
                }
            }
        if (n == 0)
            continue;
        doc = build(r, n, NULL, &a0, nets, nn);
        by[0] = build(r, n, "dzial", NULL, nets, nn);
        by[1] = build(r, n, "staz", NULL, nets, nn);
        {
            struct results_input in = { .agg = a0, .survey = &srv, .wave_x = wave_x,
                                        .cities = cities, .ncities = 6, .networks = nets,
                                        .nnetworks = nn, .threshold = 5 };
            struct audit_summary sum;

            cr_assert_eq(audit_docs(&in, doc, by, NULL, NULL, NULL, &sum, err, sizeof err), 0,
                         "%s", err);
            cr_assert_eq(sum.recoverable, 0, "round %d: the ministry recovers %zu", round,
                         sum.recoverable);
            hidden += sum.hidden;
            for (size_t k = 0; k < nn; k++) {
                cr_assert_eq(audit_docs(&in, doc, by, nets[k].slug, NULL, NULL, &sum, err,
                                        sizeof err), 0, "%s", err);
                cr_assert_eq(sum.recoverable, 0, "round %d: analyst of %s recovers %zu", round,
                             nets[k].slug, sum.recoverable);
            }
        }
        json_decref(doc);
        json_decref(by[0]);
        json_decref(by[1]);
        agg_free(a0);
        if (round < 100) {
            /* the same under the old rules: the reading of the documents
             * finds leaks, so the property above is not vacuous */
            struct audit_summary sum;
            struct results_input in = { .survey = &srv, .wave_x = wave_x, .cities = cities,
                                        .ncities = 6, .networks = nets, .nnetworks = nn,
                                        .threshold = 5 };

            anon_cross_table = 0;
            doc = build(r, n, NULL, &a0, nets, nn);
            by[0] = build(r, n, "dzial", NULL, nets, nn);
            by[1] = build(r, n, "staz", NULL, nets, nn);
            anon_cross_table = 1;
            in.agg = a0;
            cr_assert_eq(audit_docs(&in, doc, by, NULL, NULL, NULL, &sum, err, sizeof err), 0,
                         "%s", err);
            legacy_leaks += sum.recoverable > 0;
            json_decref(doc);
            json_decref(by[0]);
            json_decref(by[1]);
            agg_free(a0);
        }
        cases++;
    }
    fprintf(stderr, "[info] documents: %zu cases, %zu hidden figures; the old rules leak in %zu of the "
                "first 100\n", cases, hidden, legacy_leaks);
    cr_expect_gt(legacy_leaks, 10);
    cr_expect_gt(cases, 250);
    cr_expect_gt(hidden, 1000);
}
