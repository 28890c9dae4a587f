/*
 * engine/stats: degenerate trends and correlations (a spread of x that is
 * rounding only), and the calibrated linearization (stats_cal_group,
 * stats_calibrated_mean) on cases whose answer follows from the
 * definitions. The comparison with R survey on data is in
 * tests/integration/test_calibration.c.
 */
#include "err.h"
#include "stats.h"
#include "statsfill.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#define EXPECT_REL(got, want, tol, what)                                                 \
    cr_expect(fabs((got) - (want)) <= (tol) * fabs(want), "%s: got %.17g, want %.17g",  \
              (what), (double)(got), (double)(want))

/* Two waves opening on 2026-01-01 whose SEs make the rounded weighted mean
 * of x differ from 2026 in the last bit: before the guard, S_xx was
 * 1.2e-23 > 0 and the "trend" had slope ~5e-4, SE ~3e11, p ~ 1. */
Test(stats_calibration, trend_of_waves_on_one_date_is_null)
{
    double x[] = { 2026.0, 2026.0 }, y[] = { 3.5, 3.6 }, se[] = { 0.0877, 0.10149999999999999 };
    double sw = 0, swx = 0, sxx = 0;
    struct stats_trend t;
    char err[ERR_MAX];

    /* the rounding the guard is there for */
    for (int i = 0; i < 2; i++) {
        sw += 1 / (se[i] * se[i]);
        swx += x[i] / (se[i] * se[i]);
    }
    for (int i = 0; i < 2; i++)
        sxx += (x[i] - swx / sw) * (x[i] - swx / sw) / (se[i] * se[i]);
    cr_assert(sxx > 0, "this case no longer shows the rounding (S_xx = %g)", sxx);
    cr_assert(stats_trend_wls(x, y, se, 2, &t, err, sizeof err) == 0, "%s", err);
    cr_expect(t.k == 2);
    cr_expect(isnan(t.slope) && isnan(t.se) && isnan(t.p) && isnan(t.z));
    cr_expect(t.dir == STATS_TREND_NONE);
}

Test(stats_calibration, trend_guard_is_relative_to_the_times)
{
    double y[] = { 3.5, 3.6 }, se[] = { 0.05, 0.07 };
    double same[] = { 2026.0, 2026.0 + 1e-12 };  /* well under a second apart */
    double day[] = { 2026.0, 2026.0 + 1 / 365.25 };
    double zero[] = { 0.0, 0.0 }, small[] = { 0.0, 1e-6 };
    struct stats_trend t;
    char err[ERR_MAX];

    cr_assert(stats_trend_wls(same, y, se, 2, &t, err, sizeof err) == 0);
    cr_expect(isnan(t.slope), "times 1e-12 years apart do not vary");
    cr_assert(stats_trend_wls(zero, y, se, 2, &t, err, sizeof err) == 0);
    cr_expect(isnan(t.slope), "all x = 0");
    cr_assert(stats_trend_wls(day, y, se, 2, &t, err, sizeof err) == 0);
    EXPECT_REL(t.slope, 0.1 * 365.25, 1e-6, "waves a day apart have a slope");
    cr_assert(stats_trend_wls(small, y, se, 2, &t, err, sizeof err) == 0);
    EXPECT_REL(t.slope, 0.1 / 1e-6, 1e-9, "x near 0: the range is what counts");
}

Test(stats_calibration, pearson_of_a_constant_non_integer_x_is_nan)
{
    struct stats_xysums s;
    struct stats_corr c;
    char err[ERR_MAX];

    memset(&s, 0, sizeof s);
    for (int i = 0; i < 7; i++)
        stats_xysums_add(&s, 2.7, (double)(i % 3));
    cr_assert(stats_pearson(&s, &c, err, sizeof err) == 0, "%s", err);
    cr_expect(isnan(c.r), "x does not vary: got r = %g", c.r);
}

/* n, Σy, Σy² per cell of a list of answers. */
static void sums(const int *cell, const double *y, size_t n, double *nsq, size_t k)
{
    memset(nsq, 0, 3 * k * sizeof *nsq);
    for (size_t i = 0; i < n; i++) {
        nsq[3 * cell[i]] += 1;
        nsq[3 * cell[i] + 1] += y[i];
        nsq[3 * cell[i] + 2] += y[i] * y[i];
    }
}

static struct stats_wsums wsums(const int *cell, const double *y, size_t n, const double *w)
{
    struct stats_wsums s = { 0, 0, 0, 0, 0, 0 };

    for (size_t i = 0; i < n; i++)
        fill_wsums(&s, y[i], w[cell[i]]);
    return s;
}

static const double Y[10] = { 3, 4, 2, 5, 4, 1, 3, 5, 2, 4 };

/* One post-stratum of weight 1 is simple random sampling: SE = s / sqrt(n);
 * with fpc f: s sqrt(f / n). */
Test(stats_calibration, one_post_stratum_is_simple_random_sampling)
{
    int cell[10] = { 0 };
    double w[1] = { 1 }, nsq[3], s2 = 0, mean = 3.3;
    struct stats_calsums cs;
    struct stats_wsums all = wsums(cell, Y, 10, w);
    struct stats_wmean m;
    char err[ERR_MAX];

    for (int i = 0; i < 10; i++)
        s2 += (Y[i] - mean) * (Y[i] - mean) / 9;
    sums(cell, Y, 10, nsq, 1);
    memset(&cs, 0, sizeof cs);
    cr_assert(stats_cal_group(w, nsq, 1, 1, 0, cs.cal, err, sizeof err) == 0, "%s", err);
    cr_assert(stats_calibrated_mean(&all, &cs, 1.0, &m, err, sizeof err) == 0, "%s", err);
    EXPECT_REL(m.mean, mean, 1e-15, "mean");
    EXPECT_REL(m.se, sqrt(s2 / 10), 1e-13, "SE of simple random sampling");
    cr_assert(stats_calibrated_mean(&all, &cs, 1.0 - 10.0 / 40.0, &m, err, sizeof err) == 0);
    EXPECT_REL(m.se, sqrt(s2 / 10 * 0.75), 1e-13, "with the fpc of 10 out of 40");
}

/* Post-stratified, the SE is n/(n-1) Σ_h w_h² Σ_(i in h) (y_i - ȳ_h)² / (Σw)²
 * (Lumley 2010, 7.2); a 1 x c table raked is the same post-stratification. */
Test(stats_calibration, post_strata_and_a_one_row_rake_agree)
{
    int cell[10] = { 0, 0, 1, 1, 1, 2, 2, 0, 1, 2 };
    double w[3] = { 0.8, 1.3, 0.9 }, nsq[9], ss = 0, sw = 0, cm[3] = { 0 }, cn[3] = { 0 };
    struct stats_calsums ps, rk;
    struct stats_wsums all = wsums(cell, Y, 10, w);
    struct stats_wmean a, b;
    char err[ERR_MAX];

    for (int i = 0; i < 10; i++) {
        cm[cell[i]] += Y[i];
        cn[cell[i]] += 1;
        sw += w[cell[i]];
    }
    for (int i = 0; i < 10; i++) {
        double d = Y[i] - cm[cell[i]] / cn[cell[i]];

        ss += w[cell[i]] * w[cell[i]] * d * d;
    }
    sums(cell, Y, 10, nsq, 3);
    memset(&ps, 0, sizeof ps);
    memset(&rk, 0, sizeof rk);
    cr_assert(stats_cal_group(w, nsq, 3, 1, 0, ps.cal, err, sizeof err) == 0, "%s", err);
    cr_assert(stats_cal_group(w, nsq, 1, 3, 1, rk.cal, err, sizeof err) == 0, "%s", err);
    cr_assert(stats_calibrated_mean(&all, &ps, 1.0, &a, err, sizeof err) == 0);
    cr_assert(stats_calibrated_mean(&all, &rk, 1.0, &b, err, sizeof err) == 0);
    EXPECT_REL(a.se, sqrt(10.0 / 9.0 * ss / (sw * sw)), 1e-13, "post-stratified SE");
    EXPECT_REL(b.se, a.se, 1e-12, "a one-row table raked");
}

/* Respondents outside the post-strata keep their weight: with no calibrated
 * answers at all, the SE is stats_weighted_mean's. */
Test(stats_calibration, uncalibrated_answers_give_the_with_replacement_se)
{
    double w[3] = { 0.8, 1.3, 0.9 };
    int cell[10] = { 0, 0, 1, 1, 1, 2, 2, 0, 1, 2 };
    struct stats_wsums all = wsums(cell, Y, 10, w);
    struct stats_calsums cs;
    struct stats_wmean a, b;
    char err[ERR_MAX];

    memset(&cs, 0, sizeof cs);
    cs.unc = all;
    cr_assert(stats_calibrated_mean(&all, &cs, 1.0, &a, err, sizeof err) == 0);
    cr_assert(stats_weighted_mean(&all, &b, err, sizeof err) == 0);
    EXPECT_REL(a.se, b.se, 1e-12, "no calibration");
    EXPECT_REL(a.mean, b.mean, 1e-15, "mean");
}

Test(stats_calibration, invalid_groups_are_errors)
{
    double w[2] = { 1, -1 }, nsq[6] = { 1, 2, 4, 1, 3, 9 }, out[3];
    char err[ERR_MAX];

    cr_expect(stats_cal_group(w, nsq, 1, 2, 0, out, err, sizeof err) == -1);
    cr_expect(strstr(err, "weight -1") != NULL, "%s", err);
    cr_expect(stats_cal_group(NULL, nsq, 1, 2, 0, out, err, sizeof err) == -1);
    cr_expect(stats_cal_group(w, nsq, 0, 2, 0, out, err, sizeof err) == -1);
}
