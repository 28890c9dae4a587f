/* results: plumbing from aggregates to the document, and anonymity. The
 * formulas themselves are checked against SciPy in test_stats.c; here the
 * expected values are computed directly from the raw answers. */
#include "agg.h"
#include "err.h"
#include "results.h"
#include "results_model.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

static const struct survey_item items[] = {
    { .code = "a", .type = SURVEY_LIKERT, .text_pl = "A", .min = 1, .max = 5, .dimension = 0 },
    { .code = "b", .type = SURVEY_LIKERT, .text_pl = "B", .min = 1, .max = 5, .dimension = 0 },
    { .code = "enps", .type = SURVEY_SCALE, .text_pl = "E", .min = 0, .max = 10,
      .dimension = -1 },
};
static const size_t dim_items[] = { 0, 1 };
static const struct survey_dimension dims[] = {
    { .code = "D", .label_pl = "D", .items = dim_items, .nitems = 2, .min_items = 2 },
};
static const struct survey_option dept_options[] = {
    { .code = 1, .label_pl = "X" }, { .code = 2, .label_pl = "Y" }, { .code = 3, .label_pl = "Z" },
};
static const struct survey_attr attrs[] = {
    { .code = "dzial", .label_pl = "Dział", .options = dept_options, .noptions = 3 },
};
static const struct survey srv = {
    .slug = "s", .version = 1, .title_pl = "S", .items = items, .nitems = 3, .attrs = attrs,
    .nattrs = 1, .dimensions = dims, .ndimensions = 1, .anonymity_threshold = 5,
    .enps_item = 2, .favourable_top = 2,
};

static const char *const net_members[] = { "aa", "bb", "cc" };
static const struct results_network nets[] = {
    { .slug = "net", .name = "Net", .members = net_members, .nmembers = 3 },
};
static const struct results_city cities[] = {
    { "aa", "Aa", 0 }, { "bb", "Bb", 0 }, { "cc", "Cc", 0 },
};
static const double wave_x[] = { 2023, 2024 };

static struct agg *new_agg(const char *by)
{
    const struct survey *versions[] = { &srv };
    const char *waves[] = { "2023", "2024" };
    char err[ERR_MAX];
    struct agg *a = agg_new(versions, 1, waves, 2, by, err, sizeof err);

    cr_assert(a != NULL, "%s", err);
    return a;
}

static void add(struct agg *a, const char *city, size_t wave, int16_t dept, int16_t x0,
                int16_t x1, int16_t e)
{
    int16_t at[1] = { dept };
    int16_t ans[3] = { x0, x1, e };
    char err[ERR_MAX];

    cr_assert(agg_add(a, city, strlen(city), wave, 1, at, 1, ans, 3, 0, err, sizeof err) == 0,
              "%s", err);
}

static json_t *build(struct agg *a, const char *by)
{
    struct results_input in = {
        .agg = a, .survey = &srv, .wave_x = wave_x, .cities = cities, .ncities = 3,
        .networks = nets, .nnetworks = 1, .by_attr = by, .threshold = 5,
    };
    char err[ERR_MAX];
    json_t *doc = results_build(&in, err, sizeof err);

    cr_assert(doc != NULL, "%s", err);
    return doc;
}

static double num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    cr_assert(json_is_number(v), "%s is not a number", key);
    return json_number_value(v);
}

static json_t *item(json_t *group, const char *code)
{
    size_t i;
    json_t *it;

    json_array_foreach(json_object_get(group, "items"), i, it)
        if (strcmp(json_string_value(json_object_get(it, "code")), code) == 0)
            return it;
    cr_assert_fail("no item %s", code);
    return NULL;
}

/* aa: 10 respondents, bb: 8, cc: 3 in wave 2024. */
static void fill(struct agg *a)
{
    static const int16_t aa[10] = { 5, 4, 4, 3, 5, 2, 4, 5, 3, 4 };
    static const int16_t bb[8] = { 2, 3, 1, 2, 4, 3, 2, 2 };

    for (int i = 0; i < 10; i++)
        add(a, "aa", 1, (int16_t)(1 + i % 2), aa[i], aa[(i + 3) % 10], (int16_t)(6 + i % 5));
    for (int i = 0; i < 8; i++)
        add(a, "bb", 1, 1, bb[i], bb[(i + 1) % 8], (int16_t)(i % 11));
    for (int i = 0; i < 3; i++)
        add(a, "cc", 1, 1, 5, 5, 10);
    for (int i = 0; i < 6; i++)
        add(a, "aa", 0, 1, (int16_t)(1 + i % 5), 3, 7);
}

Test(results, means_and_sds_equal_the_raw_data)
{
    static const double aa[10] = { 5, 4, 4, 3, 5, 2, 4, 5, 3, 4 };
    struct agg *a = new_agg(NULL);
    json_t *doc, *g, *it;
    double mean = 0, ss = 0;

    fill(a);
    doc = build(a, NULL);
    g = results_group(doc, "2024", "city", "aa");
    cr_assert(g != NULL);
    cr_expect_eq(num(g, "respondents"), 10);
    it = item(g, "a");
    for (int i = 0; i < 10; i++)
        mean += aa[i] / 10.0;
    for (int i = 0; i < 10; i++)
        ss += (aa[i] - mean) * (aa[i] - mean);
    cr_expect_float_eq(num(it, "mean"), mean, 1e-12);
    cr_expect_float_eq(num(it, "sd"), sqrt(ss / 9), 1e-12);
    cr_expect_float_eq(num(it, "median"), 4, 1e-12);
    /* favourable: answers 4 or 5: 7 of 10 */
    cr_expect_float_eq(num(json_object_get(it, "favourable"), "share"), 0.7, 1e-12);
    /* the answer 5 (slot 4): 3 of 10 */
    cr_expect_float_eq(json_number_value(json_array_get(json_object_get(it, "distribution"), 4)),
                       0.3, 1e-12);
    json_decref(doc);
    agg_free(a);
}

/* cc has 3 respondents (< 5): hidden. Hiding only cc would let
 * network - aa - bb = cc, so bb (the smallest visible) is hidden too. */
Test(results, subtraction_cannot_recover_a_small_city)
{
    struct agg *a = new_agg(NULL);
    json_t *doc, *net, *aa, *bb, *cc;
    double visible = 0;

    fill(a);
    doc = build(a, NULL);
    net = results_group(doc, "2024", "network", "net");
    aa = results_group(doc, "2024", "city", "aa");
    bb = results_group(doc, "2024", "city", "bb");
    cc = results_group(doc, "2024", "city", "cc");
    cr_assert(net && aa && bb && cc);
    cr_expect(json_is_true(json_object_get(cc, "suppressed")));
    cr_expect(json_is_null(json_object_get(cc, "respondents")));
    cr_expect_null(json_object_get(cc, "items"), "no figure of a hidden group is written");
    cr_expect(json_is_true(json_object_get(bb, "suppressed")), "complementary suppression");
    cr_expect(json_is_false(json_object_get(aa, "suppressed")));
    cr_expect_eq(num(net, "respondents"), 21);
    /* The attack: the network minus every visible city. */
    visible = num(aa, "respondents");
    cr_expect_geq(num(net, "respondents") - visible, 5,
                  "what subtraction recovers is a group of at least the threshold");
    /* Nothing in the whole document holds cc's own numbers. */
    {
        char *text = json_dumps(cc, 0);

        cr_expect(strstr(text, "\"mean\"") == NULL, "%s", text);
        free(text);
    }
    json_decref(doc);
    agg_free(a);
}

/* Departments of aa in 2024: X 5, Y 5, and Z 2 added below. */
Test(results, breakdown_parts_are_suppressed_together)
{
    struct agg *a = new_agg("dzial");
    json_t *doc, *aa, *parts, *p;
    size_t i, hidden = 0;

    fill(a);
    /* Z gets 2 people in aa: too small, and with X and Y visible aa - X - Y = Z. */
    add(a, "aa", 1, 3, 4, 4, 9);
    add(a, "aa", 1, 3, 5, 5, 9);
    doc = build(a, "dzial");
    aa = results_group(doc, "2024", "city", "aa");
    cr_assert(aa != NULL);
    parts = json_object_get(json_object_get(aa, "breakdown"), "parts");
    cr_assert(json_array_size(parts) == 3, "X, Y, Z (no 'not given')");
    json_array_foreach(parts, i, p) {
        json_int_t v = json_integer_value(json_object_get(p, "value"));

        if (v == 3)
            cr_expect(json_is_true(json_object_get(p, "suppressed")), "Z has 2");
        if (json_is_true(json_object_get(p, "suppressed"))) {
            hidden++;
            cr_expect_null(json_object_get(p, "respondents"));
        }
    }
    /* Z alone (2) could be recovered as aa - X - Y: one of X, Y (5 each) is
     * hidden with it, so subtraction gives at least 7 people. */
    cr_expect_eq(hidden, 2);
    json_decref(doc);
    agg_free(a);
}

Test(results, change_trend_and_network_comparison_present)
{
    struct agg *a = new_agg(NULL);
    json_t *doc, *aa, *it, *vs;

    fill(a);
    doc = build(a, NULL);
    aa = results_group(doc, "2024", "city", "aa");
    it = item(aa, "a");
    cr_expect(json_is_object(json_object_get(it, "change")));
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(it, "change"),
                                                       "previous_wave")), "2023");
    cr_expect(json_is_object(json_object_get(it, "trend")));
    vs = json_array_get(json_object_get(it, "vs_networks"), 0);
    cr_assert(json_is_object(vs), "aa against the rest of net (bb + cc = 11 >= 5)");
    cr_expect_str_eq(json_string_value(json_object_get(vs, "network")), "net");
    cr_expect(json_is_number(json_object_get(vs, "p_adj")));
    json_decref(doc);
    agg_free(a);
}

/* The one rule for significance (issue 13): the adjusted p below 0.05; a
 * test outside the BH family (its p not a number) is never significant
 * (the JSON once said "significant": true there, reading a missing p_adj
 * as 0). */
Test(results, significance_is_the_adjusted_p_below_alpha_only)
{
    struct results_test none = { NAN, NAN }, low = { 0.001, 0.02 }, adj = { 0.01, 0.06 };
    struct results_test edge = { 0.01, 0.05 };

    cr_expect(!results_significant(&none), "no p, no p_adj: not significant");
    cr_expect(results_significant(&low), "p_adj 0.02 < 0.05");
    cr_expect(!results_significant(&adj), "p 0.01 but p_adj 0.06: not significant");
    cr_expect(!results_significant(&edge), "p_adj 0.05 is not below 0.05");
}
