/*
 * weights: post-stratification of a weighted survey (the youth survey) to
 * each city's population, by the one or two attributes the instrument names
 * in "poststratification" (age band x gender).
 *
 * For every city and wave it counts the sample per cell in the database
 * (one GROUP BY query per instrument version), takes the city's population
 * figures from the registry (city.extra.population.SURVEY: full "cells", or
 * only "margins"), and computes one weight per cell:
 *   cells   -> post-stratification, w_h = (N_h / N) / (n_h / n);
 *   margins -> raking (iterative proportional fitting) to the margins;
 *   cells that cannot be post-stratified (a sample cell with no population,
 *   or a population cell with no respondents) -> raking to the cells'
 *   margins instead.
 * Respondents whose stratum is not given (or outside the population's
 * categories, e.g. "prefer not to say") keep weight 1. Cities without
 * population figures, or whose raking does not converge, keep the weights
 * given with their responses. weights_report says what was done where.
 * weights_stratum and weights_cal give agg the post-stratum of each
 * response and the linearization sums of each city (the SEs of calibrated
 * weights, stats_cal_group). Formulas and sources: docs/statistics.md.
 */
#ifndef EMPIRIE_WEIGHTS_H
#define EMPIRIE_WEIGHTS_H

#include "survey.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

struct weights;

/*
 * Builds the weights of one survey. versions[0] is the newest instrument
 * (its strata define the cells); waves are the labels agg uses, in its
 * order (the array must outlive the weights). The population figures come
 * from reg, the registry snapshot (regsnap.h); the sample is counted from
 * conn. *out is NULL (and the call succeeds) when the survey is not
 * post-stratified.
 */
struct regsnap;
int weights_build(PGconn *conn, const struct regsnap *reg,
                  const struct survey *const *versions, size_t nversions,
                  const char *const *waves, size_t nwaves, struct weights **out, char *err,
                  size_t errlen);

/* The weight of one response (an agg_weight_fn; ctx is the struct weights). */
double weights_lookup(void *ctx, size_t city, const char *city_slug, size_t wave, int version,
                      const int16_t *attrs, size_t nattrs, double given);

/* Calibration for the linearization (agg_set_strata, agg_calibrate): the
 * number of cells, a response's cell (an agg_stratum_fn; -1 when its
 * weight is not calibrated), and a city cell's sums (an agg_cal_fn, with
 * stats_cal_group: post-strata for "cells", the margins for "raking"). */
size_t weights_nstrata(const struct weights *w);
long weights_stratum(void *ctx, size_t city, const char *city_slug, size_t wave, int version,
                     const int16_t *attrs, size_t nattrs);
int weights_cal(void *ctx, size_t city, size_t wave, const double *h, double out[3], char *err,
                size_t errlen);

/* What was done: {"method": "post-stratification", "attributes": [...],
 * "example_population": bool, "by_city": [{"city", "wave", "method",
 * "note"}]}, method "cells", "raking" or "none" (the weights sent are
 * used), note why (no counts in it). A new object. */
json_t *weights_report(const struct weights *w);

/* The same, typed: n entries (city x wave, in weights_report's order);
 * entry i's city slug, its agg wave index, its method ("cells", "raking",
 * or "none") and note. */
size_t weights_nentries(const struct weights *w);
const char *weights_entry(const struct weights *w, size_t i, size_t *wave, const char **method,
                          const char **note);

void weights_free(struct weights *w);

#endif
