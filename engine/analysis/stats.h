/*
 * stats: the statistics of Empirie, as pure functions on top of GSL.
 *
 * No I/O, no database, no global state. The module reads what one streaming
 * pass over the responses can accumulate per group (module agg): counts per
 * answer value, sums and sums of squares, cross-products, weighted sums. Each
 * accumulator's struct says what it holds (the pairs' sums are added by
 * stats_xysums_add, inline: agg calls it for every pair).
 *
 * It offers: descriptive statistics of a distribution of counts (n, mean, SD,
 * SE, t CI, median, % favourable with a Wilson CI); Cronbach's alpha with
 * Feldt's CI; eNPS with its CI; Welch's t-test with Cohen's d; the
 * two-proportion z-test; the weighted least-squares trend of wave means;
 * Welch's one-way ANOVA; the chi-square test of independence with Cramér's V;
 * Benjamini-Hochberg adjusted p-values; the weighted (ratio) mean with its
 * linearization SE and Kish's effective n; post-stratification and raking
 * weights; Pearson's correlation from sums; a city against the rest of its
 * network; ranks. Every formula and its source: docs/statistics.md.
 *
 * Conventions, the same for every function:
 *  - Returns 0 on success, -1 when the input is invalid (a NULL pointer, a
 *    negative count, a share above its total, sizes that do not fit); then
 *    err (of size errlen, may be NULL) says why and the outputs are unspecified.
 *  - A result the data cannot support (n too small, zero variance, an empty
 *    group) is not an error: the function returns 0 and that field is NaN.
 *    Each contract below names when that happens. Callers test with isnan().
 *  - Confidence intervals are 95% two-sided (STATS_LEVEL); p-values are
 *    two-sided unless said otherwise.
 *  - Counts are doubles so that the same functions take weighted counts
 *    (sums of weights per answer value) where the contract allows it.
 */
#ifndef EMPIRIE_STATS_H
#define EMPIRIE_STATS_H

#include <stddef.h>

/* Confidence level of every interval, and the significance level of every
 * label ("rising", ...): p < STATS_ALPHA. Written as two literals so that
 * p = 0.05 exactly is not significant (1 - 0.95 is 0.05000000000000004). */
#define STATS_LEVEL 0.95
#define STATS_ALPHA 0.05

/* Relative tolerance under which a spread of x is taken as none: the times
 * of a trend whose range is at most STATS_X_RTOL times their magnitude (or
 * whose weighted S_xx is at most STATS_X_RTOL * Σw * range²), a centred sum
 * of squares at most STATS_X_RTOL times the raw one (Pearson). */
#define STATS_X_RTOL 1e-9

/* ---- accumulators (what agg keeps per group) ---- */

/* Unweighted moments of one variable: n, Σy, Σy². */
struct stats_moments {
    double n, sum, sumsq;
};

/* Weighted sums for the ratio mean Σwy/Σw and its linearization variance:
 * n (respondents), Σw, Σw², Σwy, Σw²y, Σw²y². */
struct stats_wsums {
    double n, sw, sw2, swy, sw2y, sw2y2;
};

/* Sums of a pair of variables over complete pairs: n, Σx, Σy, Σx², Σy², Σxy. */
struct stats_xysums {
    double n, sx, sy, sxx, syy, sxy;
};

static inline void stats_xysums_add(struct stats_xysums *s, double x, double y)
{
    /* inline: agg adds a pair per item of every response */
    s->n += 1;
    s->sx += x;
    s->sy += y;
    s->sxx += x * x;
    s->syy += y * y;
    s->sxy += x * y;
}

/* ---- results ---- */

/* A group as the tests between groups need it. sd uses n-1. */
struct stats_group {
    double n, mean, sd;
};

struct stats_summary {
    double n;              /* total count */
    double mean;           /* NaN when n = 0 */
    double sd;             /* sample SD (n-1); NaN when n < 2 */
    double se;             /* sd / sqrt(n); NaN when n < 2 */
    double ci_lo, ci_hi;   /* mean ± t(0.975, n-1)·se; NaN when n < 2 */
    double median;         /* see stats_dist_median; NaN when n = 0 or from moments */
};

struct stats_prop {
    double x, n;           /* successes and trials */
    double p;              /* x / n; NaN when n = 0 */
    double ci_lo, ci_hi;   /* Wilson score interval; NaN when n = 0 */
};

struct stats_alpha {
    double alpha;          /* NaN when n < 2 or the total variance is 0 */
    double ci_lo, ci_hi;   /* Feldt (1965); NaN when alpha is */
    double n;
    size_t k;
};

struct stats_enps {
    double n;
    double promoters, passives, detractors;  /* % of n (9-10, 7-8, 0-6) */
    double enps;           /* promoters - detractors, in points -100..100 */
    double se;             /* in points; multinomial variance */
    double ci_lo, ci_hi;   /* enps ± z·se, clipped to [-100, 100] */
};

struct stats_ttest {
    double diff;           /* mean(a) - mean(b) */
    double se;             /* sqrt(sa²/na + sb²/nb) */
    double t, df, p;       /* Welch; df by Welch-Satterthwaite; two-sided p */
    double ci_lo, ci_hi;   /* diff ± t(0.975, df)·se */
    double d;              /* Cohen's d, pooled SD with n-1 weights */
};

struct stats_ztest {
    double p1, p2, diff;   /* diff = p1 - p2 */
    double se;             /* pooled under H0: sqrt(p(1-p)(1/n1 + 1/n2)) */
    double z, p;
};

enum stats_trend_dir {
    STATS_TREND_NONE = 0,  /* no clear change (p >= 0.05, or not computable) */
    STATS_TREND_RISING,
    STATS_TREND_FALLING
};

struct stats_trend {
    double slope;          /* per unit of x (e.g. per year) */
    double se;             /* the reported SE: se_known (docs/statistics.md says why) */
    double se_known;       /* 1 / sqrt(Σw(x - x̄w)²), w = 1/SE² */
    double se_resid;       /* se_known · sqrt(Σw·r² / (k-2)); NaN when k < 3 */
    double z, p;           /* slope / se, two-sided normal p */
    double chi2, chi2_df;  /* lack of fit Σw·r² on k-2 df */
    double chi2_p;         /* upper tail; NaN when k < 3 */
    enum stats_trend_dir dir;
    size_t k;              /* waves used */
};

struct stats_anova {
    double f, df1, df2, p;
};

struct stats_chisq {
    double chi2, df, p;
    double v;              /* Cramér's V */
    double n;
};

struct stats_wmean {
    double n, sum_w;
    double mean;           /* Σwy / Σw; NaN when Σw = 0 */
    double se;             /* linearization; NaN when n < 2 */
    double ci_lo, ci_hi;   /* mean ± t(0.975, n-1)·se */
    double n_eff;          /* Kish: (Σw)² / Σw² */
};

struct stats_corr {
    double n, r, t, df, p;
};

/* ---- distributions of answers ---- */

/* n, mean, SD (n-1), SE, 95% t CI and median of the distribution
 * counts[i] = number of answers with value min + i, i < nvalues.
 * Unweighted counts only (n is the number of answers); for weights use
 * stats_weighted_mean. Fields follow struct stats_summary: mean NaN when
 * n = 0; sd, se, CI NaN when n < 2; sd = 0 and CI = [mean, mean] when all
 * answers are the same value. Fails on NULL, nvalues = 0, a negative or
 * non-finite count. */
int stats_dist_summary(const double *counts, size_t nvalues, int min,
                       struct stats_summary *out, char *err, size_t errlen);

/* The same summary from moments (n, Σy, Σy²), e.g. of dimension scores;
 * median is NaN (not recoverable from moments). Fails on NULL or n < 0. */
int stats_moments_summary(const struct stats_moments *m, struct stats_summary *out,
                          char *err, size_t errlen);

/* Median of a discrete distribution (counts may be weighted): with h half of
 * the total, the smallest value v whose cumulative count reaches h; when the
 * cumulative count at v equals h exactly, the mean of v and the next value
 * with a positive count. For whole counts this is the textbook median of the
 * expanded data (the mean of the two middle answers when n is even).
 * NaN when the total is 0 or the input is invalid. */
double stats_dist_median(const double *counts, size_t nvalues, int min);



/* x out of n with the Wilson score 95% interval. p and CI NaN when n = 0;
 * x = 0 gives lower bound 0 and x = n upper bound 1. Fails when x < 0,
 * n < 0 or x > n. */
int stats_wilson(double x, double n, struct stats_prop *out, char *err, size_t errlen);

/* ---- scales ---- */

/* Cronbach's alpha of k items over n complete cases, from sum[j] = Σx_j and
 * sumprod[j*k + l] = Σx_j·x_l (the full k×k row-major matrix; only the upper
 * triangle j <= l is read). Feldt's 95% CI uses F(n-1, (n-1)(k-1)).
 * alpha and CI NaN when n < 2 or the total score has zero variance. Fails
 * when k < 2, n < 0 or on NULL. Alpha can be negative. */
int stats_cronbach_alpha(size_t k, double n, const double *sum, const double *sumprod,
                         struct stats_alpha *out, char *err, size_t errlen);

/* eNPS from counts[0..10] of the answers 0..10 (11 values; unweighted).
 * All fields NaN when n = 0; se = 0 when every answer is in one group.
 * CI = enps ± z(0.975)·se, clipped to [-100, 100]. */
int stats_enps(const double counts[11], struct stats_enps *out, char *err, size_t errlen);

/* ---- comparisons ---- */

/* Welch's t-test of a against b (a - b) from (n, mean, SD). diff is NaN when
 * a group is empty; t, df, p, CI NaN when a group has n < 2 or both SDs are 0;
 * d NaN when a group has n < 2 or the pooled SD is 0. Fails on NULL, n < 0,
 * sd < 0. */
int stats_welch_t(const struct stats_group *a, const struct stats_group *b,
                  struct stats_ttest *out, char *err, size_t errlen);

/* Two-proportion z-test of x1/n1 against x2/n2 with the pooled SE under H0.
 * z and p NaN when n1 or n2 is 0 or the pooled share is 0 or 1 (no variance).
 * Fails when a count is negative or x > n. */
int stats_prop_ztest(double x1, double n1, double x2, double n2, struct stats_ztest *out,
                     char *err, size_t errlen);

/* Trend of wave means: weighted least squares of mean[i] on x[i] (e.g. the
 * year) with weights 1/se[i]². Waves whose se is not finite and positive or
 * whose mean is NaN are skipped (k counts the used ones). slope NaN (every
 * field NaN, dir NONE) when k < 2 or the x do not vary: their range is at
 * most STATS_X_RTOL of their magnitude (waves on one date); the reported
 * se is se_known and the test a z-test (docs/statistics.md: why). dir is RISING/FALLING when p < 0.05. */
int stats_trend_wls(const double *x, const double *mean, const double *se, size_t nwaves,
                    struct stats_trend *out, char *err, size_t errlen);

/* Welch's (1951) one-way ANOVA across k groups given as (n, mean, SD).
 * Every field NaN when k < 2, or a group has n < 2 or SD = 0 (weights
 * n/SD² undefined): the caller drops or suppresses such groups first. */
int stats_welch_anova(const struct stats_group *g, size_t k, struct stats_anova *out,
                      char *err, size_t errlen);

/* Pearson chi-square test of independence of an r×c table of counts
 * (row-major; no continuity correction). Rows and columns with a zero total
 * are dropped (df counts the rest). chi2, df, p, V NaN when fewer than two
 * non-empty rows or columns remain. */
int stats_chisq_indep(const double *table, size_t r, size_t c, struct stats_chisq *out,
                      char *err, size_t errlen);

/* Benjamini-Hochberg adjusted p-values: q[i] = min over p(j) >= p(i) of
 * p(j)·m/rank(j), capped at 1 (monotone in p). NaN entries stay NaN and do
 * not count in m. q may equal p. Fails on NULL, a p outside [0, 1], or when
 * memory runs out (q is then unchanged). */
int stats_bh_adjust(const double *p, size_t m, double *q, char *err, size_t errlen);

/* ---- weighted estimates ---- */

/* Ratio mean Σwy/Σw with its linearization (Taylor) SE
 * var ≈ n/(n-1) · Σw²(y - ȳw)² / (Σw)², expanded from the sums, and Kish's
 * effective n (Σw)²/Σw². For a weighted share, y is 0/1. mean and n_eff NaN
 * when Σw = 0; se and CI NaN when n < 2. Fails on a negative n, Σw or Σw². */
int stats_weighted_mean(const struct stats_wsums *s, struct stats_wmean *out,
                        char *err, size_t errlen);

/*
 * The linearization of a ratio mean whose weights were calibrated, in the
 * manner of R survey's svymean after postStratify (residuals within the
 * post-strata) or calibrate(calfun = "raking") (residuals of the regression
 * on the margins); Lumley (2010) 7.1-7.4, Särndal, Swensson & Wretman (1992)
 * 6.5-6.7 and 7.6; formulas in docs/statistics.md.
 *
 * A calibration group g (a city in a wave) has r x c cells h with one weight
 * w_h each; nsq[3h..3h+2] = n_h, Σy, Σy² of its respondents' answers in cell
 * h. raked = 0: post-stratification, the fit of cell h is its mean; raked =
 * 1: the least-squares fit of the additive model row + column. With ȳ_g the
 * group's weighted mean, f_h the fit of y - ȳ_g, r_i = w_h (y_i - ȳ_g - f_h):
 * out[0] = n_g, out[1] = R1 + n_g ȳ_g, out[2] = R2 + 2 ȳ_g R1 + n_g ȳ_g²,
 * with R1 = Σ r_i and R2 = Σ r_i². These add up over groups (cities of a
 * network); stats_calibrated_mean turns them into the SE. A group without
 * answers gives zeros. Fails on NULL, a negative count or weight, r or c 0.
 */
int stats_cal_group(const double *w, const double *nsq, size_t r, size_t c, int raked,
                    double out[3], char *err, size_t errlen);

/* Sums of a weighted mean for the calibrated linearization: cal[0..2] the
 * sums of stats_cal_group over the groups, unc the weighted sums of the
 * respondents outside any calibration (their weight is taken as fixed). */
struct stats_calsums {
    double cal[3];
    struct stats_wsums unc;
};

/* The ratio mean of all (every respondent) with the calibrated
 * linearization SE: with e_i = r_i + (ȳ_g - ȳ) for a calibrated respondent
 * and w_i (y_i - ȳ) for the others, var = n/(n-1) Σ(e_i - ē)² / (Σw)²,
 * times fpc when 0 <= fpc < 1 (1 - n/N; pass 1 for none). The other fields
 * as stats_weighted_mean. se NaN when n < 2. */
int stats_calibrated_mean(const struct stats_wsums *all, const struct stats_calsums *cs,
                          double fpc, struct stats_wmean *out, char *err, size_t errlen);

/* Post-stratification: for each cell h (e.g. age band × gender, any order),
 * weight[h] = (pop[h]/Σpop) / (sample[h]/Σsample), so the weights average 1
 * over the sample. A cell with pop = sample = 0 gets weight 0. Fails when a
 * cell has respondents but no population, or population but no respondents
 * (collapse cells first; err names the cell), or on negative counts. */
int stats_poststrat(const double *pop, const double *sample, size_t ncells, double *weight,
                    char *err, size_t errlen);

/* Raking (iterative proportional fitting) of the r×c sample table (row-major)
 * to the row and column margins (population counts or shares; each set is
 * normalised to the sample total). Rows then columns are scaled until every
 * margin is within tol (relative to the sample total) of its target, at most
 * max_iter rounds. weight[i] = fitted[i] / sample[i] (0 for empty cells).
 * *iterations (may be NULL) gets the rounds used. Fails when it does not
 * converge (weight is then unspecified), when a target margin is positive
 * but its sample margin empty, or on invalid input. */
int stats_rake(const double *sample, size_t r, size_t c, const double *row_target,
               const double *col_target, double tol, int max_iter, double *weight,
               int *iterations, char *err, size_t errlen);

/* ---- association ---- */

/* Pearson's r from sums over complete pairs, with t = r·sqrt((n-2)/(1-r²))
 * on n-2 df and its two-sided p (p = 0 when |r| = 1). r NaN when n < 2 or a
 * variable has zero variance; t, p NaN when n < 3. The caller applies the
 * minimum n for reporting (30 in Empirie's reports). */
int stats_pearson(const struct stats_xysums *s, struct stats_corr *out, char *err,
                  size_t errlen);

/* Competition ranks, highest value first ("1, 2, 2, 4"); NaN values get a
 * NaN rank and do not count. ranks may not alias values. */
int stats_rank(const double *values, size_t n, double *ranks, char *err, size_t errlen);

/* ---- distributions ---- */

/* Two-sided p of a standard normal z; NaN when z is not finite. */
double stats_z_p(double z);

/* The standard normal quantile of the 95% two-sided intervals (1.95996...). */
double stats_z_crit(void);

#endif
