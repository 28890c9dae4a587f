/*
 * Tests of engine/stats against values computed independently by SciPy and
 * NumPy from the raw data: tests/data/stats/reference.py writes the data and
 * the expected values into tests/data/stats/reference.h, whose comments name
 * the source of every value. Raw data (answers, weights, item matrices) are
 * accumulated here the way agg does it, so the sums feed the module exactly
 * as in production. Tolerance: 1e-11 relative (the brief asks 1e-9 or better), with an absolute floor of 1e-13
 * for values that are exactly 0.
 */
#include "err.h"
#include "stats.h"
#include "statsfill.h"

#include "../data/stats/reference.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#define REL 1e-11
#define ABS_FLOOR 1e-13
#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static int near(double got, double want)
{
    if (isnan(want))
        return isnan(got);
    if (isinf(want))
        return got == want;
    double tol = REL * fmax(fabs(got), fabs(want));
    return fabs(got - want) <= fmax(tol, ABS_FLOOR);
}

#define EXPECT_NEAR(got, want, what)                                                    \
    cr_expect(near((got), (want)), "%s: got %.17g, want %.17g", (what), (double)(got),  \
              (double)(want))

/* ---- distributions ---- */

static void check_dist(const double *counts, size_t nv, double min, double top, double n,
                       double mean, double sd, double se, double lo, double hi,
                       double median, double fav, double fav_lo, double fav_hi)
{
    struct stats_summary s;
    struct stats_prop f;
    char err[ERR_MAX];

    cr_assert(stats_dist_summary(counts, nv, (int)min, &s, err, sizeof err) == 0, "%s", err);
    EXPECT_NEAR(s.n, n, "n");
    EXPECT_NEAR(s.mean, mean, "mean: numpy.mean");
    EXPECT_NEAR(s.sd, sd, "sd: numpy.std(ddof=1)");
    EXPECT_NEAR(s.se, se, "se: scipy.stats.sem");
    EXPECT_NEAR(s.ci_lo, lo, "ci_lo: scipy.stats.t.interval");
    EXPECT_NEAR(s.ci_hi, hi, "ci_hi: scipy.stats.t.interval");
    EXPECT_NEAR(s.median, median, "median: numpy.median");
    /* the share as the results compute it: Wilson, top answers of all */
    {
        double x = 0, all = 0;

        for (size_t i = 0; i < nv; i++) {
            all += counts[i];
            if (i >= nv - (size_t)top)
                x += counts[i];
        }
        cr_assert(stats_wilson(x, all, &f, err, sizeof err) == 0, "%s", err);
    }
    EXPECT_NEAR(f.p, fav, "favourable share");
    EXPECT_NEAR(f.ci_lo, fav_lo, "favourable lo: scipy binomtest wilson");
    EXPECT_NEAR(f.ci_hi, fav_hi, "favourable hi: scipy binomtest wilson");
}

#define CHECK_DIST(C)                                                                    \
    check_dist(REF_##C##_COUNTS, REF_##C##_COUNTS_LEN, REF_##C##_MIN, REF_##C##_TOP,     \
               REF_##C##_N, REF_##C##_MEAN, REF_##C##_SD, REF_##C##_SE, REF_##C##_CI_LO, \
               REF_##C##_CI_HI, REF_##C##_MEDIAN, REF_##C##_FAV_P,                       \
               REF_##C##_FAV_LO, REF_##C##_FAV_HI)

Test(stats, distribution_likert_1_5) { CHECK_DIST(D1); }
Test(stats, distribution_even_n_median_between_values) { CHECK_DIST(D2); }
Test(stats, distribution_0_10) { CHECK_DIST(D3); }
Test(stats, distribution_1_7_lower_half_empty) { CHECK_DIST(D4); }

Test(stats, moments_of_dimension_scores)
{
    struct stats_moments m = {0};
    struct stats_summary s;
    char err[ERR_MAX];

    for (size_t i = 0; i < REF_M_Y_LEN; i++)
        fill_moments(&m, REF_M_Y[i]);
    cr_assert(stats_moments_summary(&m, &s, err, sizeof err) == 0, "%s", err);
    EXPECT_NEAR(s.mean, REF_M_MEAN, "numpy.mean");
    EXPECT_NEAR(s.sd, REF_M_SD, "numpy.std(ddof=1)");
    EXPECT_NEAR(s.se, REF_M_SE, "scipy.stats.sem");
    EXPECT_NEAR(s.ci_lo, REF_M_CI_LO, "t quantile by brentq on scipy t.sf");
    EXPECT_NEAR(s.ci_hi, REF_M_CI_HI, "t quantile by brentq on scipy t.sf");
    cr_expect(isnan(s.median));
}

Test(stats, wilson_against_scipy_including_boundaries)
{
    struct stats_prop p;
    char err[ERR_MAX];

    for (size_t i = 0; i < REF_WIL_X_LEN; i++) {
        cr_assert(stats_wilson(REF_WIL_X[i], REF_WIL_N[i], &p, err, sizeof err) == 0);
        EXPECT_NEAR(p.ci_lo, REF_WIL_LO[i], "scipy binomtest().proportion_ci('wilson') low");
        EXPECT_NEAR(p.ci_hi, REF_WIL_HI[i], "scipy binomtest().proportion_ci('wilson') high");
    }
    cr_assert(stats_wilson(0, 10, &p, err, sizeof err) == 0);
    cr_expect(p.ci_lo == 0.0, "x = 0: lower bound exactly 0");
    cr_assert(stats_wilson(10, 10, &p, err, sizeof err) == 0);
    cr_expect(p.ci_hi == 1.0, "x = n: upper bound exactly 1");
}

/* ---- scales ---- */

Test(stats, cronbach_alpha_and_feldt_ci)
{
    enum { K = 5 };
    double sum[K] = {0}, prod[K * K] = {0};
    struct stats_alpha a;
    char err[ERR_MAX];
    size_t n = REF_A_ITEMS_LEN / K;

    cr_assert(K == (int)REF_A_K && n == (size_t)REF_A_N);
    for (size_t r = 0; r < n; r++) {
        const double *x = REF_A_ITEMS + r * K;
        for (size_t j = 0; j < K; j++) {
            sum[j] += x[j];
            for (size_t l = j; l < K; l++)
                prod[j * K + l] += x[j] * x[l];
        }
    }
    cr_assert(stats_cronbach_alpha(K, (double)n, sum, prod, &a, err, sizeof err) == 0, "%s",
              err);
    EXPECT_NEAR(a.alpha, REF_A_ALPHA, "alpha from numpy.cov");
    EXPECT_NEAR(a.ci_lo, REF_A_LO, "Feldt lo with scipy.stats.f.ppf");
    EXPECT_NEAR(a.ci_hi, REF_A_HI, "Feldt hi with scipy.stats.f.ppf");
}

Test(stats, enps_against_numpy)
{
    struct stats_enps e;
    char err[ERR_MAX];

    cr_assert(stats_enps(REF_E_COUNTS, &e, err, sizeof err) == 0, "%s", err);
    EXPECT_NEAR(e.n, REF_E_N, "n");
    EXPECT_NEAR(e.promoters, REF_E_PROM, "% promoters");
    EXPECT_NEAR(e.detractors, REF_E_DETR, "% detractors");
    EXPECT_NEAR(e.promoters + e.passives + e.detractors, 100.0, "shares add up");
    EXPECT_NEAR(e.enps, REF_E_ENPS, "eNPS");
    EXPECT_NEAR(e.se, REF_E_SE, "SE: numpy.var of the +1/0/-1 score");
    EXPECT_NEAR(e.ci_lo, REF_E_LO, "CI lo: scipy.stats.norm.ppf");
    EXPECT_NEAR(e.ci_hi, REF_E_HI, "CI hi: scipy.stats.norm.ppf");
}

/* ---- comparisons ---- */

#define CHECK_WELCH(C)                                                                    \
    do {                                                                                  \
        struct stats_group a = {REF_##C##_A_N, REF_##C##_A_MEAN, REF_##C##_A_SD};         \
        struct stats_group b = {REF_##C##_B_N, REF_##C##_B_MEAN, REF_##C##_B_SD};         \
        struct stats_ttest t;                                                             \
        char err[ERR_MAX];                                                                \
        cr_assert(stats_welch_t(&a, &b, &t, err, sizeof err) == 0, "%s", err);            \
        EXPECT_NEAR(t.t, REF_##C##_T, "t: scipy.stats.ttest_ind(equal_var=False)");       \
        EXPECT_NEAR(t.p, REF_##C##_P, "p: scipy.stats.ttest_ind(equal_var=False)");       \
        EXPECT_NEAR(t.df, REF_##C##_DF, "Welch-Satterthwaite df");                        \
        EXPECT_NEAR(t.ci_lo, REF_##C##_LO, "CI lo: t quantile by brentq on scipy t.sf");                   \
        EXPECT_NEAR(t.ci_hi, REF_##C##_HI, "CI hi: t quantile by brentq on scipy t.sf");                   \
        EXPECT_NEAR(t.d, REF_##C##_D, "Cohen's d, pooled SD");                            \
    } while (0)

Test(stats, welch_t_against_scipy) { CHECK_WELCH(W1); }
Test(stats, welch_t_one_group_without_variance) { CHECK_WELCH(W2); }

Test(stats, two_proportion_z_against_scipy_chi2)
{
    struct stats_ztest z;
    char err[ERR_MAX];

    for (size_t i = 0; i < REF_Z_X1_LEN; i++) {
        cr_assert(stats_prop_ztest(REF_Z_X1[i], REF_Z_N1[i], REF_Z_X2[i], REF_Z_N2[i], &z,
                                   err, sizeof err) == 0, "%s", err);
        EXPECT_NEAR(z.z, REF_Z_Z[i], "z: sqrt of scipy chi2_contingency(correction=False)");
        EXPECT_NEAR(z.p, REF_Z_P[i], "p: scipy chi2_contingency(correction=False)");
    }
}

static void check_trend(const double *x, const double *y, const double *se, size_t k,
                        double slope, double se_known, double se_resid, double p,
                        double chi2, double chi2_p)
{
    struct stats_trend t;
    char err[ERR_MAX];

    cr_assert(stats_trend_wls(x, y, se, k, &t, err, sizeof err) == 0, "%s", err);
    cr_expect(t.k == k);
    EXPECT_NEAR(t.slope, slope, "slope: numpy lstsq / polyfit");
    EXPECT_NEAR(t.se_known, se_known, "known-variance SE: numpy (X'WX)^-1");
    EXPECT_NEAR(t.se, se_known, "the reported SE is the known-variance one");
    EXPECT_NEAR(t.se_resid, se_resid, "residual-scaled SE");
    EXPECT_NEAR(t.p, p, "p: scipy.stats.norm.sf");
    EXPECT_NEAR(t.chi2, chi2, "lack of fit chi2 (numpy)");
    EXPECT_NEAR(t.chi2_p, chi2_p, "scipy.stats.chi2.sf");
    if (p < 0.05)
        cr_expect(t.dir == (slope > 0 ? STATS_TREND_RISING : STATS_TREND_FALLING));
    else
        cr_expect(t.dir == STATS_TREND_NONE);
}

#define CHECK_TREND(C)                                                                    \
    check_trend(REF_##C##_X, REF_##C##_Y, REF_##C##_SE, REF_##C##_X_LEN, REF_##C##_SLOPE, \
                REF_##C##_SE_KNOWN, REF_##C##_SE_RESID, REF_##C##_P, REF_##C##_CHI2,      \
                REF_##C##_CHI2_P)

Test(stats, trend_four_waves_rising) { CHECK_TREND(T1); }
Test(stats, trend_three_waves_on_a_line) { CHECK_TREND(T2); }
Test(stats, trend_two_waves) { CHECK_TREND(T3); }
Test(stats, trend_five_waves_zigzag) { CHECK_TREND(T4); }

Test(stats, trend_the_two_ses_differ_by_orders_of_magnitude)
{
    cr_expect(REF_T2_SE_KNOWN / REF_T2_SE_RESID > 1000.0);
}

Test(stats, trend_skips_unusable_waves)
{
    double x[] = {2021, 2022, 2023, 2024, 2025};
    double y[] = {3.41, 3.48, NAN, 3.52, 3.63};
    double se[] = {0.041, 0.038, 0.05, 0.044, 0.0};
    struct stats_trend t;
    char err[ERR_MAX];

    cr_assert(stats_trend_wls(x, y, se, 5, &t, err, sizeof err) == 0);
    cr_expect(t.k == 3, "the NaN mean and the zero SE are skipped");
    cr_assert(stats_trend_wls(x, y, se, 1, &t, err, sizeof err) == 0);
    cr_expect(isnan(t.slope) && t.dir == STATS_TREND_NONE, "one wave: no trend");
}

Test(stats, welch_anova_against_textbook_formula)
{
    struct stats_group g[4] = {
        {REF_AN_N0, REF_AN_M0, REF_AN_S0},
        {REF_AN_N1, REF_AN_M1, REF_AN_S1},
        {REF_AN_N2, REF_AN_M2, REF_AN_S2},
        {REF_AN_N3, REF_AN_M3, REF_AN_S3},
    };
    struct stats_anova a;
    struct stats_ttest t;
    char err[ERR_MAX];

    cr_assert(stats_welch_anova(g, 4, &a, err, sizeof err) == 0, "%s", err);
    EXPECT_NEAR(a.f, REF_AN_F, "F: Welch 1951");
    EXPECT_NEAR(a.df1, REF_AN_DF1, "df1");
    EXPECT_NEAR(a.df2, REF_AN_DF2, "df2");
    EXPECT_NEAR(a.p, REF_AN_P, "p: scipy.stats.f.sf");
    /* k = 2: F = t², df2 = Welch df, same p as scipy's Welch t-test. */
    cr_assert(stats_welch_anova(g, 2, &a, err, sizeof err) == 0, "%s", err);
    EXPECT_NEAR(a.f, REF_AN2_F, "k=2 F: scipy ttest_ind(equal_var=False)**2");
    EXPECT_NEAR(a.p, REF_AN2_P, "k=2 p: scipy ttest_ind(equal_var=False)");
    cr_assert(stats_welch_t(&g[0], &g[1], &t, err, sizeof err) == 0);
    EXPECT_NEAR(a.df2, REF_AN2_DF2, "k=2 df2");
    EXPECT_NEAR(t.df, REF_AN2_DF2, "Welch df");
}

Test(stats, chisq_against_scipy)
{
    struct stats_chisq c;
    char err[ERR_MAX];

    cr_assert(stats_chisq_indep(REF_C1_TABLE, 3, 4, &c, err, sizeof err) == 0, "%s", err);
    cr_assert(REF_C1_TABLE_LEN == 12);
    EXPECT_NEAR(c.chi2, REF_C1_CHI2, "scipy.stats.chi2_contingency");
    EXPECT_NEAR(c.df, REF_C1_DF, "df");
    EXPECT_NEAR(c.p, REF_C1_P, "p: scipy.stats.chi2_contingency");
    EXPECT_NEAR(c.v, REF_C1_V, "scipy.stats.contingency.association(cramer)");
}

Test(stats, chisq_drops_empty_rows_and_columns)
{
    struct stats_chisq c;
    char err[ERR_MAX];

    cr_assert(REF_C2_TABLE_LEN == 9);
    cr_assert(stats_chisq_indep(REF_C2_TABLE, 3, 3, &c, err, sizeof err) == 0, "%s", err);
    EXPECT_NEAR(c.chi2, REF_C2_CHI2, "scipy on the table without the empty row/column");
    EXPECT_NEAR(c.df, REF_C2_DF, "df of the 2x2 that remains");
    EXPECT_NEAR(c.p, REF_C2_P, "p");
    EXPECT_NEAR(c.v, REF_C2_V, "Cramér's V");
}

Test(stats, benjamini_hochberg_against_textbook)
{
    double q[REF_BH_P_LEN];
    char err[ERR_MAX];

    cr_assert(stats_bh_adjust(REF_BH_P, REF_BH_P_LEN, q, err, sizeof err) == 0, "%s", err);
    for (size_t i = 0; i < REF_BH_P_LEN; i++) {
        EXPECT_NEAR(q[i], REF_BH_Q[i], "BH 1995 step-up");
        cr_expect(q[i] >= REF_BH_P[i] && q[i] <= 1.0, "q >= p and capped at 1");
        for (size_t j = 0; j < REF_BH_P_LEN; j++)
            if (REF_BH_P[j] <= REF_BH_P[i])
                cr_expect(q[j] <= q[i], "monotone in p");
    }
}

Test(stats, benjamini_hochberg_nan_and_in_place)
{
    double p[] = {0.02, NAN, 0.04, 0.5};
    char err[ERR_MAX];

    cr_assert(stats_bh_adjust(p, 4, p, err, sizeof err) == 0);
    cr_expect(isnan(p[1]), "NaN stays NaN");
    EXPECT_NEAR(p[0], 0.06, "m = 3 (the NaN does not count): 0.02*3/1, then min with 0.04*3/2");
    EXPECT_NEAR(p[2], 0.06, "0.04*3/2");
    EXPECT_NEAR(p[3], 0.5, "0.5*3/3");
    double bad[] = {0.2, 1.5};
    cr_expect(stats_bh_adjust(bad, 2, bad, err, sizeof err) == -1);
    cr_expect(stats_bh_adjust(NULL, 0, NULL, err, sizeof err) == 0, "no p-values, no work");
}

/* ---- weighted estimates ---- */

Test(stats, weighted_mean_linearization_against_raw_numpy)
{
    struct stats_wsums s = {0};
    struct stats_wmean m;
    char err[ERR_MAX];

    for (size_t i = 0; i < REF_WM_Y_LEN; i++)
        fill_wsums(&s, REF_WM_Y[i], REF_WM_W[i]);
    cr_assert(stats_weighted_mean(&s, &m, err, sizeof err) == 0, "%s", err);
    EXPECT_NEAR(m.mean, REF_WM_MEAN, "numpy sum(w y)/sum(w)");
    EXPECT_NEAR(m.se, REF_WM_SE, "numpy on raw data: linearization");
    EXPECT_NEAR(m.ci_lo, REF_WM_LO, "t quantile by brentq on scipy t.sf");
    EXPECT_NEAR(m.ci_hi, REF_WM_HI, "t quantile by brentq on scipy t.sf");
    EXPECT_NEAR(m.n_eff, REF_WM_NEFF, "Kish (numpy)");
}

Test(stats, poststratification_weights)
{
    double w[REF_PS_POP_LEN];
    char err[ERR_MAX];

    cr_assert(stats_poststrat(REF_PS_POP, REF_PS_SAMPLE, REF_PS_POP_LEN, w, err, sizeof err)
              == 0, "%s", err);
    for (size_t h = 0; h < REF_PS_POP_LEN; h++)
        EXPECT_NEAR(w[h], REF_PS_W[h], "numpy (N_h/N)/(n_h/n)");
}

Test(stats, poststratification_refuses_empty_cells)
{
    double pop[] = {100, 200, 0}, smp[] = {10, 0, 0}, w[3];
    char err[ERR_MAX];

    cr_expect(stats_poststrat(pop, smp, 3, w, err, sizeof err) == -1);
    cr_expect(strstr(err, "cell 1") != NULL, "%s", err);
    double pop2[] = {100, 0}, smp2[] = {10, 4};
    cr_expect(stats_poststrat(pop2, smp2, 2, w, err, sizeof err) == -1);
    double pop3[] = {100, 200, 0}, smp3[] = {10, 5, 0};
    cr_assert(stats_poststrat(pop3, smp3, 3, w, err, sizeof err) == 0);
    cr_expect(w[2] == 0.0, "an empty cell of an empty stratum weighs 0");
}

Test(stats, raking_against_numpy_ipf)
{
    double w[REF_RK_SAMPLE_LEN];
    char err[ERR_MAX];
    int it = 0;

    cr_assert(stats_rake(REF_RK_SAMPLE, 4, 2, REF_RK_ROWS, REF_RK_COLS, 1e-13, 1000, w, &it,
                         err, sizeof err) == 0, "%s", err);
    cr_expect(it > 1 && it < 1000);
    cr_assert(REF_RK_ROWS_LEN == 4 && REF_RK_COLS_LEN == 2);
    for (size_t i = 0; i < REF_RK_SAMPLE_LEN; i++)
        EXPECT_NEAR(w[i], REF_RK_W[i], "Deming-Stephan IPF (numpy)");
}

Test(stats, raking_that_cannot_converge_fails)
{
    /* Structural zeros: row 0 only has column 0 and row 1 only column 1, so
     * rows 50/50 and columns 30/70 cannot both hold: IPF oscillates. */
    double smp[] = {10, 0, 0, 10}, rows[] = {50, 50}, cols[] = {30, 70}, w[REF_RK_SAMPLE_LEN];
    char err[ERR_MAX];
    int it = 0;

    cr_expect(stats_rake(smp, 2, 2, rows, cols, 1e-10, 200, w, &it, err, sizeof err) == -1);
    cr_expect(it == 200);
    cr_expect(strstr(err, "did not converge") != NULL, "%s", err);
    /* And an iteration cap too low for a solvable problem. */
    cr_expect(stats_rake(REF_RK_SAMPLE, 4, 2, REF_RK_ROWS, REF_RK_COLS, 1e-15, 1, w, &it,
                         err, sizeof err) == -1);
    /* A target with no respondents to carry it. */
    double smp2[] = {10, 5, 0, 0}, rows2[] = {50, 50}, cols2[] = {50, 50};
    cr_expect(stats_rake(smp2, 2, 2, rows2, cols2, 1e-10, 100, w, &it, err, sizeof err) == -1);
    cr_expect(strstr(err, "row 1") != NULL, "%s", err);
}

/* ---- association ---- */

Test(stats, pearson_from_sums_against_scipy)
{
    struct stats_xysums s = {0};
    struct stats_corr c;
    char err[ERR_MAX];

    cr_assert(REF_P_X_LEN == REF_P_Y_LEN);
    for (size_t i = 0; i < REF_P_X_LEN; i++)
        stats_xysums_add(&s, REF_P_X[i], REF_P_Y[i]);
    cr_assert(stats_pearson(&s, &c, err, sizeof err) == 0, "%s", err);
    EXPECT_NEAR(c.r, REF_P_R, "scipy.stats.pearsonr");
    EXPECT_NEAR(c.p, REF_P_P, "scipy.stats.pearsonr");
    EXPECT_NEAR(c.df, REF_P_X_LEN - 2.0, "df = n - 2");
}

Test(stats, pearson_boundaries)
{
    struct stats_xysums s = {0};
    struct stats_corr c;
    char err[ERR_MAX];

    for (int i = 0; i < 5; i++)
        stats_xysums_add(&s, i, 2 * i + 1);
    cr_assert(stats_pearson(&s, &c, err, sizeof err) == 0);
    EXPECT_NEAR(c.r, 1.0, "a perfect line");
    cr_expect(c.p == 0.0, "p exactly 0 at |r| = 1");
    struct stats_xysums flat = {0};
    for (int i = 0; i < 5; i++)
        stats_xysums_add(&flat, i, 3);
    cr_assert(stats_pearson(&flat, &c, err, sizeof err) == 0);
    cr_expect(isnan(c.r) && isnan(c.p), "zero variance: r undefined");
    struct stats_xysums two = {0};
    stats_xysums_add(&two, 1, 2);
    stats_xysums_add(&two, 2, 1);
    cr_assert(stats_pearson(&two, &c, err, sizeof err) == 0);
    EXPECT_NEAR(c.r, -1.0, "n = 2: r is -1");
    cr_expect(isnan(c.p), "n = 2: no test");
}

/* ---- a city against its network ---- */

Test(stats, city_against_the_rest_of_its_network)
{
    const double *cities[] = {REF_NET_CITY0, REF_NET_CITY1, REF_NET_CITY2, REF_NET_CITY3};
    size_t lens[] = {REF_NET_CITY0_LEN, REF_NET_CITY1_LEN, REF_NET_CITY2_LEN,
                     REF_NET_CITY3_LEN};
    struct stats_moments city = {0}, net = {0};
    struct stats_ttest t;
    char err[ERR_MAX];

    for (size_t c = 0; c < 4; c++)
        for (size_t i = 0; i < lens[c]; i++) {
            fill_moments(&net, cities[c][i]);
            if (c == 0)
                fill_moments(&city, cities[c][i]);
        }
    /* as the results compute it: the rest's moments (network minus city),
     * each side summarized, Welch's t */
    struct stats_moments rest = { net.n - city.n, net.sum - city.sum, net.sumsq - city.sumsq };
    struct stats_summary a, b;

    cr_assert(stats_moments_summary(&city, &a, err, sizeof err) == 0, "%s", err);
    cr_assert(stats_moments_summary(&rest, &b, err, sizeof err) == 0, "%s", err);
    cr_assert(stats_welch_t(&(struct stats_group){ a.n, a.mean, a.sd },
                            &(struct stats_group){ b.n, b.mean, b.sd }, &t, err, sizeof err) == 0,
              "%s", err);
    EXPECT_NEAR(t.diff, REF_NET_DIFF, "numpy city - rest");
    EXPECT_NEAR(t.t, REF_NET_T, "scipy.stats.ttest_ind(city, rest, equal_var=False)");
    EXPECT_NEAR(t.p, REF_NET_P, "scipy.stats.ttest_ind(city, rest, equal_var=False)");
    EXPECT_NEAR(t.d, REF_NET_D, "Cohen's d pooled");
}

Test(stats, ranks_against_scipy_rankdata)
{
    double r[REF_RANK_V_LEN];
    char err[ERR_MAX];

    cr_assert(stats_rank(REF_RANK_V, REF_RANK_V_LEN, r, err, sizeof err) == 0);
    for (size_t i = 0; i < REF_RANK_V_LEN; i++)
        EXPECT_NEAR(r[i], REF_RANK_R[i], "scipy.stats.rankdata(-v, method='min')");
}

/* A published worked example: R's `sleep` data (Student 1908), whose
 * t.test(extra ~ group, data = sleep) output is printed in R's documentation
 * and countless tutorials as "t = -1.8608, df = 17.776, p-value = 0.07939,
 * 95 percent confidence interval: -3.3654832 0.2054832". Welch's ANOVA with
 * k = 2 is the same test: F = t² = 3.4626 on (1, 17.776). Tolerance: half a
 * unit of the last printed digit. */
Test(stats, published_example_r_sleep_welch)
{
    static const double g1[] = {0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0};
    static const double g2[] = {1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4};
    struct stats_moments m1 = {0}, m2 = {0};
    struct stats_group g[2];
    struct stats_ttest t;
    struct stats_anova a;
    char err[ERR_MAX];

    for (size_t i = 0; i < LEN(g1); i++) {
        fill_moments(&m1, g1[i]);
        fill_moments(&m2, g2[i]);
    }
    {
        struct stats_summary s1, s2;

        cr_assert(stats_moments_summary(&m1, &s1, err, sizeof err) == 0);
        cr_assert(stats_moments_summary(&m2, &s2, err, sizeof err) == 0);
        g[0] = (struct stats_group){ s1.n, s1.mean, s1.sd };
        g[1] = (struct stats_group){ s2.n, s2.mean, s2.sd };
    }
    cr_assert(stats_welch_t(&g[0], &g[1], &t, err, sizeof err) == 0, "%s", err);
    cr_expect(fabs(t.t - -1.8608) <= 0.5e-4, "t = %.6f", t.t);
    cr_expect(fabs(t.df - 17.776) <= 0.5e-3, "df = %.6f", t.df);
    cr_expect(fabs(t.p - 0.07939) <= 0.5e-5, "p = %.7f", t.p);
    cr_expect(fabs(t.ci_lo - -3.3654832) <= 0.5e-7, "lo = %.9f", t.ci_lo);
    cr_expect(fabs(t.ci_hi - 0.2054832) <= 0.5e-7, "hi = %.9f", t.ci_hi);
    cr_assert(stats_welch_anova(g, 2, &a, err, sizeof err) == 0, "%s", err);
    cr_expect(fabs(a.f - 3.4626) <= 0.5e-4, "F = %.6f", a.f);
    cr_expect(fabs(a.df2 - 17.776) <= 0.5e-3 && a.df1 == 1.0);
    cr_expect(fabs(a.p - 0.07939) <= 0.5e-5, "p = %.7f", a.p);
}

Test(stats, weighted_distribution_median_and_share)
{
    double wc[5] = {0};
    struct stats_wsums fav = {0};
    struct stats_wmean m;
    char err[ERR_MAX];

    for (size_t i = 0; i < REF_WM_Y_LEN; i++) {
        wc[(int)REF_WM_Y[i] - 1] += REF_WM_W[i];
        fill_wsums(&fav, REF_WM_Y[i] >= 4 ? 1.0 : 0.0, REF_WM_W[i]);
    }
    EXPECT_NEAR(stats_dist_median(wc, 5, 1), REF_WD_MEDIAN, "weighted median (numpy)");
    cr_assert(stats_weighted_mean(&fav, &m, err, sizeof err) == 0, "%s", err);
    EXPECT_NEAR(m.mean, REF_WF_P, "weighted favourable share (numpy)");
    EXPECT_NEAR(m.se, REF_WF_SE, "its linearization SE (numpy on raw data)");
}
