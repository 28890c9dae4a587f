/*
 * Edge cases of engine/stats: empty groups, single answers, no variance, all
 * answers in one category, p-values at their bounds, invalid input. The
 * expected values here follow from the definitions (derivations inline);
 * tests/unit/test_stats.c checks the formulas against SciPy.
 */
#include "err.h"
#include "stats.h"
#include "stats_priv.h"
#include "statsfill.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

static int near(double got, double want)
{
    return fabs(got - want) <= fmax(1e-12 * fabs(want), 1e-14);
}

#define EXPECT_NEAR(got, want, what)                                                    \
    cr_expect(near((got), (want)), "%s: got %.17g, want %.17g", (what), (double)(got),  \
              (double)(want))

static const double Z975 = 1.959963984540054; /* the normal 97.5% point */

/* The favourable share as the results compute it (results_est.c): the
 * Wilson interval of the top answers out of all answers. */
static int favourable(const double *counts, size_t n, size_t top, struct stats_prop *f,
                      char *err, size_t errlen)
{
    double x = 0, all = 0;

    for (size_t i = 0; i < n; i++) {
        all += counts[i];
        if (i >= n - top)
            x += counts[i];
    }
    return stats_wilson(x, all, f, err, errlen);
}

/* A city against the rest of its network as the results compute it: the
 * rest's moments (network minus city), each side summarized, Welch's t. */
static int vs_rest(const struct stats_moments *city, const struct stats_moments *net,
                   struct stats_ttest *t, char *err, size_t errlen)
{
    struct stats_moments rest = { net->n - city->n, net->sum - city->sum,
                                  net->sumsq - city->sumsq };
    struct stats_summary a, b;

    if (stats_moments_summary(city, &a, err, errlen) != 0 ||
        stats_moments_summary(&rest, &b, err, errlen) != 0)
        return -1;
    return stats_welch_t(&(struct stats_group){ a.n, a.mean, a.sd },
                         &(struct stats_group){ b.n, b.mean, b.sd }, t, err, errlen);
}

Test(stats_edges, no_answers)
{
    double zero[5] = {0};
    struct stats_summary s;
    struct stats_prop f;
    char err[ERR_MAX];

    cr_assert(stats_dist_summary(zero, 5, 1, &s, err, sizeof err) == 0);
    cr_expect(s.n == 0 && isnan(s.mean) && isnan(s.sd) && isnan(s.se) && isnan(s.ci_lo));
    cr_expect(isnan(s.median));
    cr_assert(favourable(zero, 5, 2, &f, err, sizeof err) == 0);
    cr_expect(isnan(f.p) && isnan(f.ci_lo) && isnan(f.ci_hi));

    struct stats_moments m = {0};
    cr_assert(stats_moments_summary(&m, &s, err, sizeof err) == 0);
    cr_expect(isnan(s.mean) && isnan(s.sd));

    double e0[11] = {0};
    struct stats_enps e;
    cr_assert(stats_enps(e0, &e, err, sizeof err) == 0);
    cr_expect(e.n == 0 && isnan(e.enps) && isnan(e.se) && isnan(e.ci_lo));

    struct stats_group empty = {0, NAN, NAN}, g = {20, 3.5, 1.0};
    struct stats_ttest t;
    cr_assert(stats_welch_t(&g, &empty, &t, err, sizeof err) == 0);
    cr_expect(isnan(t.diff) && isnan(t.t) && isnan(t.p) && isnan(t.d));

    struct stats_ztest z;
    cr_assert(stats_prop_ztest(0, 0, 3, 10, &z, err, sizeof err) == 0);
    cr_expect(isnan(z.p1) && isnan(z.z) && isnan(z.p));

    struct stats_wsums ws = {0};
    struct stats_wmean wm;
    cr_assert(stats_weighted_mean(&ws, &wm, err, sizeof err) == 0);
    cr_expect(isnan(wm.mean) && isnan(wm.se) && isnan(wm.n_eff));

    struct stats_xysums xy = {0};
    struct stats_corr c;
    cr_assert(stats_pearson(&xy, &c, err, sizeof err) == 0);
    cr_expect(isnan(c.r) && isnan(c.p));

    double sum[2] = {0}, prod[4] = {0};
    struct stats_alpha a;
    cr_assert(stats_cronbach_alpha(2, 0, sum, prod, &a, err, sizeof err) == 0);
    cr_expect(isnan(a.alpha) && isnan(a.ci_lo));

    double table[6] = {0};
    struct stats_chisq ch;
    cr_assert(stats_chisq_indep(table, 2, 3, &ch, err, sizeof err) == 0);
    cr_expect(isnan(ch.chi2) && isnan(ch.p) && isnan(ch.v));

    struct stats_anova an;
    cr_assert(stats_welch_anova(&g, 1, &an, err, sizeof err) == 0);
    cr_expect(isnan(an.f) && isnan(an.p), "one group: nothing to compare");

    double q[1];
    cr_assert(stats_bh_adjust(NULL, 0, q, err, sizeof err) == 0);
}

Test(stats_edges, one_answer)
{
    double counts[5] = {0, 0, 0, 1, 0};
    struct stats_summary s;
    char err[ERR_MAX];

    cr_assert(stats_dist_summary(counts, 5, 1, &s, err, sizeof err) == 0);
    cr_expect(s.n == 1 && s.mean == 4.0 && s.median == 4.0);
    cr_expect(isnan(s.sd) && isnan(s.se) && isnan(s.ci_lo) && isnan(s.ci_hi));

    struct stats_group one = {1, 4.0, NAN}, g = {20, 3.5, 1.0};
    struct stats_ttest t;
    cr_assert(stats_welch_t(&one, &g, &t, err, sizeof err) == 0);
    EXPECT_NEAR(t.diff, 0.5, "the difference is still known");
    cr_expect(isnan(t.t) && isnan(t.p) && isnan(t.d), "but not its uncertainty");

    struct stats_wsums ws = {0};
    struct stats_wmean wm;
    fill_wsums(&ws, 3.0, 2.5);
    cr_assert(stats_weighted_mean(&ws, &wm, err, sizeof err) == 0);
    cr_expect(wm.mean == 3.0 && isnan(wm.se));
    EXPECT_NEAR(wm.n_eff, 1.0, "Kish n of one answer");

    double sum[2] = {3, 4}, prod[4] = {9, 12, 12, 16};
    struct stats_alpha a;
    cr_assert(stats_cronbach_alpha(2, 1, sum, prod, &a, err, sizeof err) == 0);
    cr_expect(isnan(a.alpha));

    struct stats_moments city = {0}, net = {0};
    fill_moments(&city, 4);
    fill_moments(&net, 4);
    for (int i = 0; i < 10; i++)
        fill_moments(&net, 1 + i % 5);
    cr_assert(vs_rest(&city, &net, &t, err, sizeof err) == 0);
    EXPECT_NEAR(t.diff, 1.0, "4 against the rest's mean 3");
    cr_expect(isnan(t.p), "a city of one answer: no test");
}

Test(stats_edges, all_answers_in_one_category)
{
    double counts[5] = {0, 0, 0, 0, 40};
    struct stats_summary s;
    struct stats_prop f;
    char err[ERR_MAX];

    cr_assert(stats_dist_summary(counts, 5, 1, &s, err, sizeof err) == 0);
    cr_expect(s.mean == 5.0 && s.sd == 0.0 && s.se == 0.0);
    cr_expect(s.ci_lo == 5.0 && s.ci_hi == 5.0 && s.median == 5.0);
    cr_assert(favourable(counts, 5, 2, &f, err, sizeof err) == 0);
    cr_expect(f.p == 1.0 && f.ci_hi == 1.0);
    /* Wilson at x = n: lower bound n / (n + z²). */
    EXPECT_NEAR(f.ci_lo, 40.0 / (40.0 + Z975 * Z975), "Wilson lower bound at x = n");

    double none_fav[5] = {12, 8, 0, 0, 0};
    cr_assert(favourable(none_fav, 5, 2, &f, err, sizeof err) == 0);
    cr_expect(f.p == 0.0 && f.ci_lo == 0.0);
    EXPECT_NEAR(f.ci_hi, Z975 * Z975 / (20.0 + Z975 * Z975), "Wilson upper bound at x = 0");

    /* A categorical item answered with one option only: nothing to test. */
    double table[6] = {10, 0, 0, 7, 0, 0};
    struct stats_chisq ch;
    cr_assert(stats_chisq_indep(table, 2, 3, &ch, err, sizeof err) == 0);
    cr_expect(isnan(ch.chi2) && isnan(ch.p));
}

Test(stats_edges, enps_all_in_one_group)
{
    double prom[11] = {[9] = 4, [10] = 6}, det[11] = {[0] = 3, [6] = 2}, pas[11] = {[7] = 5};
    struct stats_enps e;
    char err[ERR_MAX];

    cr_assert(stats_enps(prom, &e, err, sizeof err) == 0);
    cr_expect(e.enps == 100.0 && e.se == 0.0 && e.ci_lo == 100.0 && e.ci_hi == 100.0);
    cr_assert(stats_enps(det, &e, err, sizeof err) == 0);
    cr_expect(e.enps == -100.0 && e.se == 0.0 && e.ci_lo == -100.0);
    cr_assert(stats_enps(pas, &e, err, sizeof err) == 0);
    cr_expect(e.enps == 0.0 && e.se == 0.0 && e.passives == 100.0);
    /* Near the edge the Wald interval would pass 100: it is clipped. */
    double edge[11] = {[8] = 1, [10] = 19};
    cr_assert(stats_enps(edge, &e, err, sizeof err) == 0);
    cr_expect(e.ci_hi == 100.0 && e.ci_lo < 95.0);
}

Test(stats_edges, zero_variance)
{
    struct stats_group a = {10, 3.0, 0.0}, b = {12, 3.0, 0.0}, c = {12, 4.0, 0.0};
    struct stats_ttest t;
    char err[ERR_MAX];

    cr_assert(stats_welch_t(&a, &b, &t, err, sizeof err) == 0);
    cr_expect(t.diff == 0.0 && isnan(t.t) && isnan(t.p) && isnan(t.d));
    cr_assert(stats_welch_t(&a, &c, &t, err, sizeof err) == 0);
    cr_expect(t.diff == -1.0 && isnan(t.t), "different constants: no sampling error to test");

    struct stats_group g[3] = {{10, 3.0, 1.0}, {12, 3.4, 0.0}, {9, 3.1, 0.8}};
    struct stats_anova an;
    cr_assert(stats_welch_anova(g, 3, &an, err, sizeof err) == 0);
    cr_expect(isnan(an.f) && isnan(an.p), "a group with SD 0 has infinite weight");

    /* Two items nobody varied on: total variance 0. */
    double sum[2] = {30, 40}, prod[4] = {90, 120, 120, 160};
    struct stats_alpha al;
    cr_assert(stats_cronbach_alpha(2, 10, sum, prod, &al, err, sizeof err) == 0);
    cr_expect(isnan(al.alpha) && isnan(al.ci_lo));

    struct stats_ztest z;
    cr_assert(stats_prop_ztest(10, 10, 20, 20, &z, err, sizeof err) == 0);
    cr_expect(z.diff == 0.0 && isnan(z.z) && isnan(z.p), "pooled share 1: no variance");

    struct stats_wsums ws = {0};
    struct stats_wmean wm;
    for (int i = 0; i < 6; i++)
        fill_wsums(&ws, 4.0, 0.5 + i);
    cr_assert(stats_weighted_mean(&ws, &wm, err, sizeof err) == 0);
    cr_expect(wm.mean == 4.0 && wm.se == 0.0 && wm.ci_lo == 4.0);

    double x[] = {2021, 2021}, y[] = {3.0, 3.2}, se[] = {0.1, 0.1};
    struct stats_trend tr;
    cr_assert(stats_trend_wls(x, y, se, 2, &tr, err, sizeof err) == 0);
    cr_expect(isnan(tr.slope) && tr.dir == STATS_TREND_NONE, "two waves at the same time");
}

Test(stats_edges, p_values_at_their_bounds)
{
    struct stats_group a = {30, 3.5, 1.0}, b = {40, 3.5, 1.2};
    struct stats_ttest t;
    char err[ERR_MAX];

    cr_assert(stats_welch_t(&a, &b, &t, err, sizeof err) == 0);
    cr_expect(t.t == 0.0 && t.p == 1.0, "equal means: p exactly 1");

    struct stats_ztest z;
    cr_assert(stats_prop_ztest(15, 30, 20, 40, &z, err, sizeof err) == 0);
    cr_expect(z.z == 0.0 && z.p == 1.0);

    struct stats_group far_a = {500, 4.8, 0.2}, far_b = {500, 1.2, 0.2};
    cr_assert(stats_welch_t(&far_a, &far_b, &t, err, sizeof err) == 0);
    cr_expect(t.p >= 0.0 && t.p < 1e-100, "a huge effect: p tiny, not negative");

    double indep[4] = {10, 20, 30, 60};
    struct stats_chisq ch;
    cr_assert(stats_chisq_indep(indep, 2, 2, &ch, err, sizeof err) == 0);
    cr_expect(ch.chi2 == 0.0 && ch.p == 1.0 && ch.v == 0.0, "exact independence");

    double p[] = {0.0, 1.0, 1.0, 0.0}, q[4];
    cr_assert(stats_bh_adjust(p, 4, q, err, sizeof err) == 0);
    cr_expect(q[0] == 0.0 && q[3] == 0.0 && q[1] == 1.0 && q[2] == 1.0);
    double big[] = {0.9, 0.95}, qb[2];
    cr_assert(stats_bh_adjust(big, 2, qb, err, sizeof err) == 0);
    cr_expect(qb[0] == 0.95 && qb[1] == 0.95, "0.9*2/1 = 1.8 is capped by the step-up");

    double x[] = {2021, 2022, 2023}, y[] = {3.5, 3.5, 3.5}, se[] = {0.05, 0.04, 0.05};
    struct stats_trend tr;
    cr_assert(stats_trend_wls(x, y, se, 3, &tr, err, sizeof err) == 0);
    cr_expect(tr.slope == 0.0 && tr.p == 1.0 && tr.dir == STATS_TREND_NONE);
    cr_expect(tr.chi2 == 0.0 && tr.chi2_p == 1.0 && tr.se_resid == 0.0);

    struct stats_prop w;
    cr_assert(stats_wilson(5, 5, &w, err, sizeof err) == 0);
    cr_expect(w.ci_hi == 1.0 && w.ci_lo > 0.0);
}

Test(stats_edges, trend_direction_labels)
{
    double x[] = {2021, 2022, 2023, 2024}, up[] = {3.2, 3.35, 3.5, 3.6};
    double down[] = {3.6, 3.5, 3.35, 3.2}, se[] = {0.03, 0.03, 0.03, 0.03};
    struct stats_trend tr;
    char err[ERR_MAX];

    cr_assert(stats_trend_wls(x, up, se, 4, &tr, err, sizeof err) == 0);
    cr_expect(tr.dir == STATS_TREND_RISING && tr.p < 0.05);
    cr_assert(stats_trend_wls(x, down, se, 4, &tr, err, sizeof err) == 0);
    cr_expect(tr.dir == STATS_TREND_FALLING);
}

Test(stats_edges, weights_reproduce_their_targets)
{
    double pop[] = {300, 200, 500}, smp[] = {10, 30, 10}, w[3];
    char err[ERR_MAX];

    cr_assert(stats_poststrat(pop, smp, 3, w, err, sizeof err) == 0);
    double tot = 0;
    for (int h = 0; h < 3; h++)
        tot += w[h] * smp[h];
    EXPECT_NEAR(tot, 50.0, "weights average 1 over the sample");
    EXPECT_NEAR(w[2] * smp[2] / tot, 0.5, "the weighted share is the population share");

    double s2[] = {20, 10, 5, 15}, rows[] = {0.6, 0.4}, cols[] = {30, 70}, rw[4];
    int it;
    cr_assert(stats_rake(s2, 2, 2, rows, cols, 1e-12, 500, rw, &it, err, sizeof err) == 0,
              "%s", err);
    double r0 = s2[0] * rw[0] + s2[1] * rw[1], c0 = s2[0] * rw[0] + s2[2] * rw[2];
    EXPECT_NEAR(r0 / 50.0, 0.6, "row margin");
    cr_expect(fabs(c0 / 50.0 - 0.3) < 1e-10, "column margin");
}

Test(stats_edges, invalid_input_is_an_error)
{
    double neg[3] = {1, -2, 3}, ok[3] = {1, 2, 3}, out[3];
    struct stats_summary s;
    struct stats_prop p;
    struct stats_alpha a;
    char err[ERR_MAX];

    cr_expect(stats_dist_summary(neg, 3, 1, &s, err, sizeof err) == -1);
    cr_expect(strstr(err, "count 1") != NULL, "%s", err);
    cr_expect(stats_dist_summary(NULL, 3, 1, &s, err, sizeof err) == -1);
    cr_expect(stats_wilson(6, 5, &p, err, sizeof err) == -1);
    cr_expect(stats_wilson(NAN, 5, &p, err, sizeof err) == -1);
    cr_expect(stats_cronbach_alpha(1, 10, ok, ok, &a, err, sizeof err) == -1);
    cr_expect(isnan(stats_dist_median(neg, 3, 1)));

    struct stats_group g = {-1, 3, 1}, h = {10, 3, -0.5};
    struct stats_ttest t;
    cr_expect(stats_welch_t(&g, &h, &t, err, sizeof err) == -1);
    struct stats_ztest z;
    cr_expect(stats_prop_ztest(5, 4, 1, 2, &z, err, sizeof err) == -1);
    cr_expect(stats_chisq_indep(ok, 0, 3, NULL, err, sizeof err) == -1);
    double r[3];
    cr_expect(stats_rank(ok, 3, (double *)ok, err, sizeof err) == -1, "aliasing");
    cr_expect(stats_rank(ok, 3, r, err, sizeof err) == 0);
    cr_expect(r[0] == 3 && r[2] == 1);
    cr_expect(stats_rake(ok, 1, 3, ok, ok, 0, 10, out, NULL, err, sizeof err) == -1, "tol 0");
    cr_expect(stats_dist_summary(ok, 3, 1, &s, NULL, 0) == 0, "err may be NULL");
    cr_expect(stats_dist_summary(neg, 3, 1, &s, NULL, 0) == -1);
}

Test(stats_edges, trend_label_at_the_5_percent_boundary)
{
    /* Two waves one year apart with SE 1/√2 each: SE of the slope is 1, so
     * z is the slope itself, and the label flips at z = 1.96. */
    double x[] = {0, 1}, se[] = {M_SQRT1_2, M_SQRT1_2};
    double below[] = {0, 1.959}, above[] = {0, 1.961}, fall[] = {0, -1.961};
    struct stats_trend tr;
    char err[ERR_MAX];

    cr_assert(stats_trend_wls(x, below, se, 2, &tr, err, sizeof err) == 0);
    EXPECT_NEAR(tr.se, 1.0, "SE of the slope");
    cr_expect(tr.p > 0.05 && tr.dir == STATS_TREND_NONE, "p = %.6f", tr.p);
    cr_assert(stats_trend_wls(x, above, se, 2, &tr, err, sizeof err) == 0);
    cr_expect(tr.p < 0.05 && tr.dir == STATS_TREND_RISING, "p = %.6f", tr.p);
    cr_assert(stats_trend_wls(x, fall, se, 2, &tr, err, sizeof err) == 0);
    cr_expect(tr.dir == STATS_TREND_FALLING);
    cr_expect(isnan(tr.se_resid) && isnan(tr.chi2_p), "two waves: no residual df");
}

/* gsl_cdf_fdist_Pinv returns NaN (and GSL's default handler would abort)
 * for these parameters of Feldt's interval: n = 317, 382, 427, 476 with
 * k = 7, 8, 6, 8. Reference: scipy.stats.f.ppf (SciPy 1.10) at 0.975 and
 * 0.025 with df1 = n - 1, df2 = (n - 1)(k - 1). */
Test(stats_edges, f_quantile_where_gsl_does_not_converge)
{
    static const struct { double df1, df2, hi, lo; } ref[] = {
        { 316, 1896, 1.1776472600663928, 0.84045937165379747 },
        { 381, 2667, 1.159054489468037, 0.8552355851186817 },
        { 426, 2130, 1.154430208348346, 0.85990780667920552 },
        { 475, 3325, 1.1417633835766499, 0.86969792050602546 },
    };

    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++) {
        double hi = st_f_quantile(0.975, ref[i].df1, ref[i].df2);
        double lo = st_f_quantile(0.025, ref[i].df1, ref[i].df2);

        cr_expect(fabs(hi - ref[i].hi) <= 1e-12 * ref[i].hi, "%zu: %.17g vs %.17g", i, hi,
                  ref[i].hi);
        cr_expect(fabs(lo - ref[i].lo) <= 1e-12 * ref[i].lo, "%zu: %.17g vs %.17g", i, lo,
                  ref[i].lo);
    }
}

/* Alpha over 317 complete cases of 7 items: the interval exists (no abort,
 * no NaN) and contains alpha. */
Test(stats_edges, alpha_ci_at_parameters_gsl_cannot_invert)
{
    double sum[7], sumprod[49];
    struct stats_alpha a;
    double n = 317;

    for (int j = 0; j < 7; j++) {
        sum[j] = 3.0 * n;
        for (int l = 0; l < 7; l++)
            sumprod[j * 7 + l] = 9.0 * n + (j == l ? 1.0 : 0.5) * (n - 1);
    }
    cr_assert(stats_cronbach_alpha(7, n, sum, sumprod, &a, NULL, 0) == 0);
    cr_expect(isfinite(a.ci_lo) && isfinite(a.ci_hi), "%g %g", a.ci_lo, a.ci_hi);
    cr_expect(a.ci_lo < a.alpha && a.alpha < a.ci_hi);
}

/* The normal quantile and two-sided p the eNPS tests use (results_measure.c):
 * SciPy 1.10, scipy.stats.norm.ppf(0.975) and 2 * norm.sf(|z|). */
Test(stats_edges, normal_quantile_and_two_sided_p_against_scipy)
{
    static const double z[] = { 0.0, 1.0, 1.959963984540054, 2.5, -3.2, 6.0 };
    static const double p[] = { 1.0, 0.31731050786291415, 0.05, 0.012419330651552265,
                                0.0013742758758316942, 1.973175290075389e-09 };

    EXPECT_NEAR(stats_z_crit(), 1.959963984540054, "scipy.stats.norm.ppf(0.975)");
    for (size_t i = 0; i < sizeof z / sizeof z[0]; i++)
        EXPECT_NEAR(stats_z_p(z[i]), p[i], "2 * scipy.stats.norm.sf(|z|)");
    cr_expect(isnan(stats_z_p(NAN)) && isnan(stats_z_p(INFINITY)), "z not finite: NaN");
}
