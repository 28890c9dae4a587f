/* rmodel.h: rmodel_group, the group a city's or a network's workbook is of,
 * found in a small model computed from aggregates (two waves, two cities of
 * one network; kk answered in 2024 only). */
#include "agg.h"
#include "err.h"
#include "results.h"
#include "results_model.h"
#include "rmodel.h"

#include <criterion/criterion.h>
#include <string.h>

static const struct survey_item items[] = {
    { .code = "a", .type = SURVEY_LIKERT, .text_pl = "A", .min = 1, .max = 5, .dimension = -1 },
};
static const struct survey srv = {
    .slug = "s", .version = 1, .title_pl = "S", .items = items, .nitems = 1,
    .anonymity_threshold = 3, .enps_item = -1, .favourable_top = 2,
};
static const char *const members[] = { "jj", "kk" };
static const struct results_network nets[] = {
    { .slug = "net", .name = "Net", .members = members, .nmembers = 2 },
};
static const struct results_city cities[] = { { "jj", "Jj", 0 }, { "kk", "Kk", 0 } };
static const double wave_x[] = { 2023, 2024 };

static void add(struct agg *a, const char *city, size_t wave, int n)
{
    char err[ERR_MAX];

    for (int i = 0; i < n; i++) {
        int16_t ans[1] = { (int16_t)(1 + i % 5) };

        cr_assert(agg_add(a, city, strlen(city), wave, 1, NULL, 0, ans, 1, 0, err, sizeof err) ==
                      0,
                  "%s", err);
    }
}

Test(rmodel, group_of_a_workbook)
{
    const struct survey *versions[] = { &srv };
    const char *waves[] = { "2023", "2024" };
    char err[ERR_MAX];
    struct agg *a = agg_new(versions, 1, waves, 2, NULL, err, sizeof err);
    struct results_input in = {
        .agg = a, .survey = &srv, .wave_x = wave_x, .cities = cities, .ncities = 2,
        .networks = nets, .nnetworks = 1, .threshold = 3,
    };
    struct results *r;
    const struct results_group *g;
    long wi = 99;

    cr_assert(a != NULL, "%s", err);
    add(a, "jj", 0, 6);
    add(a, "jj", 1, 7);
    add(a, "kk", 1, 8);
    r = results_compute(&in, err, sizeof err);
    cr_assert(r != NULL, "%s", err);

    g = rmodel_group(r, "2024", RESULTS_CITY, "kk", &wi);
    cr_assert_not_null(g);
    cr_expect_eq(wi, 1);
    cr_expect_eq(g->type, RESULTS_CITY);
    cr_expect_str_eq(g->slug, "kk");
    cr_expect_eq(g->respondents, 8);
    g = rmodel_group(r, "2023", RESULTS_NETWORK, "net", &wi);
    cr_assert_not_null(g);
    cr_expect_eq(wi, 0);
    cr_expect_str_eq(g->slug, "net");
    cr_expect_eq(g->respondents, 6);
    /* no such wave: no group, and no index */
    cr_expect_null(rmodel_group(r, "1999", RESULTS_CITY, "jj", &wi));
    cr_expect_eq(wi, -1);
    cr_expect_null(rmodel_group(r, NULL, RESULTS_CITY, "jj", &wi));
    cr_expect_eq(wi, -1);
    /* the wave, but no such group in it (or not of that type) */
    cr_expect_null(rmodel_group(r, "2024", RESULTS_CITY, "zz", &wi));
    cr_expect_eq(wi, 1);
    cr_expect_null(rmodel_group(r, "2024", RESULTS_NETWORK, "jj", &wi));
    results_free(r);
    agg_free(a);
}
