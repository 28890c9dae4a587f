/*
 * stats_priv: the helpers the stats_*.c modules share (stats.c) and nothing
 * else includes but the unit test of the F quantile: GSL kept from aborting,
 * critical values, count checks, and a summary's sd, se and CI. The public
 * interface is stats.h.
 */
#ifndef EMPIRIE_STATS_PRIV_H
#define EMPIRIE_STATS_PRIV_H

#include "stats.h"

#include <stddef.h>

/* Turns GSL's aborting error handler off, once (GSL then returns NaN). */
void st_gsl_quiet(void);
/* The p-quantile of F(df1, df2), by bisection where GSL does not converge. */
double st_f_quantile(double p, double df1, double df2);
/* Two-sided critical values at STATS_ALPHA: normal, and t (df >= 1). */
double st_z_crit(void);
double st_t_crit(double df);
double st_t_two_sided_p(double t, double df);
double st_clamp(double v, double lo, double hi);
/* 0 when counts[0..n) are finite and >= 0 (n > 0); else -1 with err. */
int st_check_counts(const double *counts, size_t n, char *err, size_t errlen);
double st_sum_of(const double *v, size_t n);
/* Fills sd, se and the t CI from n, mean and the centred sum of squares. */
void st_finish_summary(struct stats_summary *out, double ss);

#endif

