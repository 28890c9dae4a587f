/* agg: accumulation checked against hand-counted values. */
#include "agg.h"
#include "err.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* Version 2: items a, b (reverse-coded), enps; dimension D = {a, b}.
 * Version 1: items a, c, enps (c was dropped in v2, b added). */
static const int no_missing[] = { 9 };
static const struct survey_item items_v2[] = {
    { .code = "a", .type = SURVEY_LIKERT, .text_pl = "A", .min = 1, .max = 5,
      .missing = no_missing, .nmissing = 1, .dimension = 0 },
    { .code = "b", .type = SURVEY_LIKERT, .text_pl = "B", .min = 1, .max = 5, .reverse = 1,
      .dimension = 0 },
    { .code = "enps", .type = SURVEY_SCALE, .text_pl = "E", .min = 0, .max = 10,
      .dimension = -1 },
};
static const size_t dim_items_v2[] = { 0, 1 };
static const struct survey_dimension dims_v2[] = {
    { .code = "D", .label_pl = "D", .items = dim_items_v2, .nitems = 2, .min_items = 1 },
};
static const struct survey_option dept_options[] = {
    { .code = 1, .label_pl = "X" }, { .code = 2, .label_pl = "Y" },
};
static const struct survey_attr attrs[] = {
    { .code = "dzial", .label_pl = "Dział", .options = dept_options, .noptions = 2 },
};
static const struct survey v2 = {
    .slug = "s", .version = 2, .title_pl = "S", .items = items_v2, .nitems = 3,
    .attrs = attrs, .nattrs = 1, .dimensions = dims_v2, .ndimensions = 1,
    .anonymity_threshold = 5, .enps_item = 2, .favourable_top = 2,
};
static const struct survey_item items_v1[] = {
    { .code = "a", .type = SURVEY_LIKERT, .text_pl = "A", .min = 1, .max = 5,
      .missing = no_missing, .nmissing = 1, .dimension = 0 },
    { .code = "c", .type = SURVEY_LIKERT, .text_pl = "C", .min = 1, .max = 5, .dimension = -1 },
    { .code = "enps", .type = SURVEY_SCALE, .text_pl = "E", .min = 0, .max = 10,
      .dimension = -1 },
};
static const size_t dim_items_v1[] = { 0 };
static const struct survey_dimension dims_v1[] = {
    { .code = "D", .label_pl = "D", .items = dim_items_v1, .nitems = 1, .min_items = 1 },
};
static const struct survey v1 = {
    .slug = "s", .version = 1, .title_pl = "S", .items = items_v1, .nitems = 3,
    .attrs = attrs, .nattrs = 1, .dimensions = dims_v1, .ndimensions = 1,
    .anonymity_threshold = 5, .enps_item = 2, .favourable_top = 2,
};

static struct agg *make(const char *by)
{
    const struct survey *versions[] = { &v2, &v1 };
    const char *waves[] = { "2023", "2024" };
    char err[ERR_MAX];
    struct agg *a = agg_new(versions, 2, waves, 2, by, err, sizeof err);

    cr_assert(a != NULL, "%s", err);
    return a;
}

static void add(struct agg *a, const char *city, size_t wave, int version, int16_t dept,
                int16_t x0, int16_t x1, int16_t x2)
{
    int16_t at[1] = { dept };
    int16_t ans[3] = { x0, x1, x2 };
    char err[ERR_MAX];

    cr_assert(agg_add(a, city, strlen(city), wave, version, at, 1, ans, 3, 0, err,
                      sizeof err) == 0, "%s", err);
}

Test(agg, items_are_joined_by_code_across_versions)
{
    struct agg *a = make(NULL);

    cr_expect_eq(agg_nitems(a), 4, "a, b, enps from v2, then c from v1");
    cr_expect_str_eq(agg_item_def(a, 0)->code, "a");
    cr_expect_str_eq(agg_item_def(a, 1)->code, "b");
    cr_expect_str_eq(agg_item_def(a, 2)->code, "enps");
    cr_expect_str_eq(agg_item_def(a, 3)->code, "c");
    cr_expect_eq(agg_enps_item(a), 2);
    agg_free(a);
}

Test(agg, counts_reverse_coding_missing_and_drivers)
{
    struct agg *a = make(NULL);
    const struct agg_cell *c;

    /* wave 1 (2024), version 2: a, b (reverse), enps */
    add(a, "konin", 1, 2, 1, 5, 1, 10);           /* b scores 5 */
    add(a, "konin", 1, 2, 2, 4, 2, 9);            /* b scores 4 */
    add(a, "konin", 1, 2, 1, 9, SURVEY_NA, 3);    /* a: "don't know" (9) */
    /* wave 0 (2023), version 1: a, c, enps */
    add(a, "konin", 0, 1, 1, 2, 3, 6);
    c = agg_cell_find(a, 1, (size_t)agg_city_index(a, "konin"), SURVEY_NA);
    cr_assert(c != NULL);
    cr_expect_eq(c->respondents.n, 3);
    /* item a: values 5 and 4; the 9 is missing */
    cr_expect_eq(c->items[0].values[4].n, 1);
    cr_expect_eq(c->items[0].values[3].n, 1);
    cr_expect_eq(c->items[0].values[0].n + c->items[0].values[1].n + c->items[0].values[2].n, 0);
    /* item b after reverse coding: 5 and 4 */
    cr_expect_eq(c->items[1].values[4].n, 1);
    cr_expect_eq(c->items[1].values[3].n, 1);
    /* eNPS: 10, 9, 3 */
    cr_expect_eq(c->items[2].values[10].n, 1);
    cr_expect_eq(c->items[2].values[9].n, 1);
    cr_expect_eq(c->items[2].values[3].n, 1);
    /* driver of a with eNPS: pairs (5,10), (4,9) */
    cr_expect_eq(c->items[0].driver.n, 2);
    cr_expect_eq(c->items[0].driver.sxy, 5 * 10 + 4 * 9);
    cr_expect_eq(c->items[0].driver.sxx, 25 + 16);
    /* item c is not in v2: nothing */
    cr_expect_eq(c->items[3].values[2].n, 0);
    /* the 2023 cell used v1: c = 3 counted, a = 2 */
    c = agg_cell_find(a, 0, (size_t)agg_city_index(a, "konin"), SURVEY_NA);
    cr_assert(c != NULL);
    cr_expect_eq(c->items[3].values[2].n, 1);
    cr_expect_eq(c->items[0].values[1].n, 1);
    agg_free(a);
}

Test(agg, dimension_scores_and_alpha_sums)
{
    struct agg *a = make(NULL);
    const struct agg_cell *c;
    const struct agg_dim *d;

    add(a, "jaslo", 1, 2, 1, 5, 1, 10);   /* scores 5, 5: mean 5, complete */
    add(a, "jaslo", 1, 2, 1, 2, 3, 7);    /* scores 2, 3: mean 2.5, complete */
    add(a, "jaslo", 1, 2, 1, 4, SURVEY_NA, SURVEY_NA);  /* mean 4 from one item */
    c = agg_cell_find(a, 1, (size_t)agg_city_index(a, "jaslo"), SURVEY_NA);
    cr_assert(c != NULL);
    d = &c->dims[0];
    {
        double x[32];
        struct agg_value v[32];
        size_t n = agg_dim_points(a, 0, d, x, v, 32);

        /* scores 2.5, 4 (one item) and 5, in order, one each */
        cr_assert_eq(n, 3);
        cr_expect_float_eq(x[0], 2.5, 1e-12);
        cr_expect_float_eq(x[1], 4.0, 1e-12);
        cr_expect_float_eq(x[2], 5.0, 1e-12);
        cr_expect(v[0].n == 1 && v[1].n == 1 && v[2].n == 1);
    }
    cr_expect_lt(d->nslots, 20, "(m, sum) slots: 5 for m = 1, 9 for m = 2");
    cr_expect_eq(d->cc_n, 2, "two complete cases");
    cr_expect_eq(d->cc_s[0], 7);
    cr_expect_eq(d->cc_s[1], 8);
    cr_expect_eq(d->cc_ss[0 * 2 + 1], 5 * 5 + 2 * 3);
    cr_expect_eq(d->cc_ss[1 * 2 + 1], 25 + 9);
    cr_expect_eq(d->driver.n, 2);
    cr_expect_eq(d->driver.sxy, 5.0 * 10 + 2.5 * 7);
    agg_free(a);
}

Test(agg, split_by_attribute_and_merge_subtract)
{
    struct agg *a = make("dzial");
    struct agg_cell *sum;
    size_t konin, jaslo;

    add(a, "konin", 1, 2, 1, 5, 1, 10);
    add(a, "konin", 1, 2, 2, 4, 2, 9);
    add(a, "konin", 1, 2, 2, 3, 3, 8);
    add(a, "jaslo", 1, 2, 1, 1, 5, 0);
    konin = (size_t)agg_city_index(a, "konin");
    jaslo = (size_t)agg_city_index(a, "jaslo");
    cr_expect_eq(agg_cell_find(a, 1, konin, 1)->respondents.n, 1);
    cr_expect_eq(agg_cell_find(a, 1, konin, 2)->respondents.n, 2);
    cr_expect_null(agg_cell_find(a, 1, konin, SURVEY_NA));
    sum = agg_cell_new(a);
    cr_assert(sum != NULL);
    agg_cell_merge(a, sum, agg_cell_find(a, 1, konin, 1));
    agg_cell_merge(a, sum, agg_cell_find(a, 1, konin, 2));
    agg_cell_merge(a, sum, agg_cell_find(a, 1, jaslo, 1));
    cr_expect_eq(sum->respondents.n, 4);
    cr_expect_eq(sum->items[0].values[0].n, 1);
    cr_expect_eq(sum->items[2].driver.n, 0, "eNPS is not its own driver");
    cr_expect_eq(sum->items[0].driver.n, 4);
    agg_cell_subtract(a, sum, agg_cell_find(a, 1, jaslo, 1));
    cr_expect_eq(sum->respondents.n, 3);
    cr_expect_eq(sum->items[0].values[0].n, 0);
    agg_cell_free(a, sum);
    agg_free(a);
}

Test(agg, bad_input_is_an_error_not_a_crash)
{
    struct agg *a = make(NULL);
    int16_t ans[2] = { 1, 2 };
    char err[ERR_MAX];

    cr_expect_eq(agg_add(a, "x", 1, 0, 2, NULL, 0, ans, 2, 0, err, sizeof err), -1);
    cr_expect(strstr(err, "2 answers") != NULL, "%s", err);
    cr_expect_eq(agg_add(a, "x", 1, 0, 7, NULL, 0, ans, 2, 0, err, sizeof err), -1);
    cr_expect(strstr(err, "version 7") != NULL, "%s", err);
    agg_free(a);
}

/* The same responses into a full accumulator split by dzial and into one
 * that keeps wave 1 only, breakdown-only (agg_scope.c): wave 1's
 * distributions are the same, wave 0 stays empty, drivers and alpha sums are
 * not kept, and the census taken from the full one is its census. */
Test(agg, one_wave_breakdown_only_keeps_that_waves_distributions)
{
    struct agg *full = make("dzial"), *part = make("dzial"), *whole = make(NULL);
    const struct agg_cell *f, *p;
    char err[ERR_MAX];
    size_t block;

    agg_keep_only_wave(part, 1);
    agg_breakdown_only(part);
    cr_expect(agg_wave_kept(part, 1) && !agg_wave_kept(part, 0));
    cr_expect(agg_wave_kept(full, 0) && agg_wave_kept(full, 1));
    for (int i = 0; i < 3; i++) {
        struct agg *each[] = { full, part, whole };

        add(each[i], "konin", 0, 1, 1, 2, 3, 6);       /* wave 0: skipped by part */
        add(each[i], "konin", 1, 2, 1, 5, 1, 10);
        add(each[i], "konin", 1, 2, 2, 4, 2, 9);
        add(each[i], "jaslo", 1, 2, 2, 3, 4, 8);
    }
    cr_assert_eq(agg_ncities(part), 2, "the cities of wave 1, in first-seen order");
    cr_expect_str_eq(agg_city(part, 0), "konin");
    cr_expect_str_eq(agg_city(part, 1), "jaslo");
    cr_expect_null(agg_cell_find(part, 0, 0, 1), "wave 0 is not kept");
    f = agg_cell_find(full, 1, 0, 2);
    p = agg_cell_find(part, 1, 0, 2);
    cr_assert(f != NULL && p != NULL);
    cr_expect_eq(p->respondents.n, f->respondents.n);
    for (size_t k = 0; k < agg_nitems(full); k++)
        for (size_t v = 0; v < f->items[k].nvalues; v++)
            cr_expect_eq(p->items[k].values[v].n, f->items[k].values[v].n, "item %zu value %zu",
                         k, v);
    cr_expect_eq(f->items[0].driver.n, 1);
    cr_expect_eq(p->items[0].driver.n, 0, "no drivers in a breakdown-only accumulator");
    cr_expect_eq(f->dims[0].cc_n, 1);
    cr_expect_eq(p->dims[0].cc_n, 0, "no alpha sums");
    for (size_t i = 0; i < f->dims[0].nslots; i++)
        cr_expect_eq(p->dims[0].hist[i].n, f->dims[0].hist[i].n, "dimension slot %zu", i);
    /* no census of its own until taken */
    block = agg_census_nslots(part) * agg_census_nq(part);
    cr_expect_eq(agg_census(part, 1, 0)[0], 0);
    cr_assert_eq(agg_census_take(part, whole, err, sizeof err), 0, "%s", err);
    for (size_t i = 0; i < block; i++) {
        cr_expect_eq(agg_census(part, 1, 0)[i], agg_census(full, 1, 0)[i], "slot %zu", i);
        cr_expect_eq(agg_census(part, 0, 0)[i], 0, "wave 0's census not taken");
    }
    cr_expect_eq(agg_census(part, 1, 0)[0], 2, "konin's two responses of wave 1");
    /* another layout is refused, not copied */
    {
        const struct survey *versions[] = { &v2 };
        const char *one[] = { "2024" };
        struct agg *other = agg_new(versions, 1, one, 1, NULL, err, sizeof err);

        cr_assert(other != NULL, "%s", err);
        cr_expect_eq(agg_census_take(part, other, err, sizeof err), -1);
        cr_expect(strstr(err, "layout") != NULL, "%s", err);
        agg_free(other);
    }
    agg_free(full);
    agg_free(part);
    agg_free(whole);
}

/* The accessors' index ranges are preconditions (a programming error, not
 * input), asserted in every build: out of range aborts instead of reading
 * past the arrays. */
Test(agg, an_index_out_of_range_is_asserted, .signal = SIGABRT)
{
    struct agg *a = make(NULL);

    add(a, "konin", 1, 2, 1, 3, 3, 8);
    cr_expect_str_eq(agg_wave(a, 1), "2024");
    cr_expect_str_eq(agg_city(a, 0), "konin");
    cr_expect_eq(agg_census(a, 1, 0)[0], 1, "one respondent in wave 2024");
    (void)agg_wave(a, 2);   /* two waves */
}
