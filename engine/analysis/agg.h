/*
 * agg: one streaming pass over the responses of a survey that accumulates
 * sufficient statistics per cell, where a cell is wave x city (x one value of
 * a respondent attribute, when asked). Networks and "all cities" are not
 * accumulated separately: sufficient statistics add up, so their cells are
 * sums of city cells (agg_cell_merge). Memory grows with the number of
 * cells, never with the number of responses.
 *
 * Items are joined across instrument versions by their stable code: the
 * accumulator's item k is the k-th distinct code over all versions given
 * (the newest version's order first), so a trend over waves that used
 * different versions compares the same question. An older version's item
 * whose wording changed later (the newest item's wording_changed is a
 * higher version) is kept apart (its code gets the suffix "@vN"), so trends
 * never join different questions.
 *
 * What a cell holds, per item (see struct agg_item):
 *   LIKERT/SCALE/SINGLE/NUMBER: count and sum of weights and of squared
 *     weights per value (after reverse coding for LIKERT/SCALE), so n, mean,
 *     SD, median, the distribution, % favourable, the weighted mean and its
 *     linearized SE all follow;
 *   MULTI: per option, the count (and weight) of respondents who chose it,
 *     and how many answered the item at all;
 *   drivers: pairwise-complete sums with the eNPS item (n, Sx, Sy, Sxx, Syy, Sxy).
 * Per dimension: the score (mean of its items after reverse coding, for
 * respondents with at least min_items answered) as counts per (items
 * answered m, sum of their scores): a few dozen slots, where a histogram of
 * the score itself would need thousands (agg_dim_points lists the distinct
 * scores in order when a figure is computed); and,
 * over respondents who answered every item of the dimension, the item sums
 * and cross-products for Cronbach's alpha.
 */
#ifndef EMPIRIE_AGG_H
#define EMPIRIE_AGG_H

#include "stats.h"
#include "survey.h"

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

struct agg;

/* One value slot of an item's distribution. */
struct agg_value {
    double n;    /* respondents */
    double w;    /* sum of weights (= n when unweighted) */
    double w2;   /* sum of squared weights */
};

/* The drivers below are pairwise-complete sums (stats_xysums, stats.h) of
 * an item or dimension score (x) with the eNPS item (y). */

/*
 * Calibration sums (weights.h) of one item or dimension score, for the
 * linearization of a post-stratified or raked mean (stats_cal_group). In a
 * city cell, h holds per post-stratum n, Σy, Σy² of the calibrated answers
 * (agg_set_strata; NULL when the survey is not calibrated); agg_calibrate
 * then turns them into cal[0..2], which add up over cities like every
 * other sum (h does not: it is not merged). unc: n, Σw, Σwy, Σw², Σw²y,
 * Σw²y² of the answers of respondents outside any post-stratum.
 */
struct agg_cal {
    double *h;
    double cal[3];
    double unc[6];
};

struct agg_item {
    size_t nvalues;            /* max - min + 1 (MULTI: number of options) */
    int min;                   /* value of slot 0 (MULTI: 0) */
    struct agg_value *values;  /* nvalues slots */
    struct agg_value answered; /* MULTI: respondents who answered the item */
    struct stats_xysums driver;    /* with the eNPS item (LIKERT/SCALE only) */
    struct agg_cal cal;        /* scored items of a calibrated survey */
    struct agg_cal fav;        /* the same for the favourable indicator (LIKERT: 1 when
                                * the score is in the top favourable_top points) */
};

struct agg_dim {
    size_t nslots;             /* slots of (m, sum): see agg_dim_points */
    struct agg_value *hist;
    struct stats_xysums driver;    /* the dimension score with eNPS */
    /* complete cases for Cronbach's alpha: n, sums s[i], cross-products
     * ss[i * k + j] over the dimension's k items, for j >= i only (the
     * matrix is symmetric; the lower triangle stays 0) */
    double cc_n;
    double *cc_s;
    double *cc_ss;
    struct agg_cal cal;        /* the score, for a calibrated survey */
};

struct agg_cell {
    size_t wave;               /* index into the waves given to agg_new */
    size_t city;               /* index into agg_cities() */
    int attr_value;            /* the attribute's code, or SURVEY_NA when not split */
    struct agg_value respondents;  /* every response in the cell */
    struct agg_item *items;    /* agg_nitems() */
    struct agg_dim *dims;      /* agg_ndims() */
};

/*
 * Creates an accumulator for one survey. versions: every instrument version
 * whose responses may appear (at least one; versions[0] is the newest and
 * gives the item order, dimensions and eNPS item). waves: the wave labels to
 * keep, in time order (responses of other waves are skipped). by_attr: an
 * attribute code to split every cell by, or NULL. On failure NULL and err.
 */
struct agg *agg_new(const struct survey *const *versions, size_t nversions,
                    const char *const *waves, size_t nwaves, const char *by_attr, char *err,
                    size_t errlen);

void agg_free(struct agg *a);

/*
 * Adds one response. version: the instrument version its answers are laid
 * out in; answers/attrs as stored (SURVEY_NA for none); weight <= 0 means
 * unweighted (1). Fails (and adds nothing) for an unknown version or a
 * length that does not match the instrument.
 */
int agg_add(struct agg *a, const char *city, size_t city_len, size_t wave, int version,
            const int16_t *attrs, size_t nattrs, const int16_t *answers, size_t nanswers,
            double weight, char *err, size_t errlen);

/*
 * A weight hook: called for every response with its city (index and slug),
 * wave index, instrument version, attributes and the weight given with it
 * (0 when none); returns the weight to use. Post-stratification (weights.h)
 * uses it to weight each city's sample to its population.
 */
typedef double (*agg_weight_fn)(void *ctx, size_t city, const char *city_slug, size_t wave,
                                int version, const int16_t *attrs, size_t nattrs, double given);

/* Sets (or, with NULL, clears) the weight hook. */
void agg_set_weight_fn(struct agg *a, agg_weight_fn fn, void *ctx);

/*
 * Accumulates wave w only (set before the first agg_add): responses of the
 * other waves are skipped, so their cells and census blocks stay empty, and
 * the cache of closed waves (agg_cache.h) neither serves nor stores them
 * for this accumulator. For a view that shows one wave, such as a city
 * report's breakdown sheet: its cells of wave w are the same, to the last
 * bit, as those of an accumulator of every wave. agg_wave_kept: 1 when
 * wave w is accumulated (every wave, unless agg_keep_only_wave was called).
 */
void agg_keep_only_wave(struct agg *a, size_t w);
int agg_wave_kept(const struct agg *a, size_t w);

/*
 * Accumulates only what a breakdown sheet shows (set before the first
 * agg_add): respondents and the distributions of items and dimension
 * scores; no sums for drivers or Cronbach's alpha (their figures come out
 * as not computable), and no census: agg_census_take copies it, after the
 * pass, from an accumulator of the same rows (the census covers every
 * attribute whatever the split, so it is the same). Such an accumulator is
 * never stored in the cache of closed waves. For a city report's breakdown
 * sheet, where drivers and alpha per part are not shown: a third of the
 * work per response.
 */
void agg_breakdown_only(struct agg *a);
/* dst's census blocks of the waves it keeps, per city of dst, from src's
 * (the same instrument versions and waves; every city of dst in src):
 * 0, or -1 and err. */
int agg_census_take(struct agg *dst, const struct agg *src, char *err, size_t errlen);

/*
 * Calibration (weights.h): the post-stratum of a response, 0..nstrata-1,
 * or -1 when its weight is not calibrated (an unclassified respondent, a
 * city that keeps the weights sent). Set before the first agg_add; cells
 * then keep the sums of struct agg_cal.
 */
typedef long (*agg_stratum_fn)(void *ctx, size_t city, const char *city_slug, size_t wave,
                               int version, const int16_t *attrs, size_t nattrs);
int agg_set_strata(struct agg *a, size_t nstrata, agg_stratum_fn fn, void *ctx, char *err,
                   size_t errlen);

/* The three sums of one city cell's item (stats_cal_group): given the
 * city, wave and the post-strata sums h (nstrata x 3). */
typedef int (*agg_cal_fn)(void *ctx, size_t city, size_t wave, const double *h, double out[3],
                          char *err, size_t errlen);

/* After reading: fills cal[] of every item and dimension of every cell.
 * Does nothing when no strata were set. */
int agg_calibrate(struct agg *a, agg_cal_fn fn, void *ctx, char *err, size_t errlen);

/* True when agg_set_strata was called (cells carry calibration sums). */
int agg_calibrated(const struct agg *a);

/*
 * Streams every response of the survey from the database (COPY ... TO STDOUT,
 * text format) into the accumulator. The survey slug is passed as a bound
 * parameter (through a session setting), never pasted into SQL. *rows
 * receives how many rows were read. progress, when not NULL, is called every
 * 65536 rows with the count so far.
 */
int agg_read_db(struct agg *a, PGconn *conn, const char *survey, size_t *rows,
                void (*progress)(size_t rows, void *arg), void *arg, char *err,
                size_t errlen);

/*
 * The census: unweighted counts of one wave and city over every attribute
 * of the newest version at once, whatever the split, for the anonymity rules
 * (anon.h), which must decide on the whole linked table a role can read.
 * A block is nslots x nq: slot 0 is the whole cell; attribute i's options
 * are slots agg_census_first(i) + option index, then one slot for "not
 * given" (agg_census_first(i + 1) - 1; the last first is nslots). Quantity
 * 0 counts respondents, 1 + k those who answered unified item k, 1 + nitems
 * + d those with a score on dimension d. agg_census is all zeros for a city
 * without responses in that wave.
 */
size_t agg_census_nslots(const struct agg *a);
size_t agg_census_nq(const struct agg *a);
size_t agg_census_first(const struct agg *a, size_t attr);   /* attr <= newest nattrs */
const double *agg_census(const struct agg *a, size_t wave, size_t city);

/* The same stream into n accumulators at once (n >= 1), each made by
 * agg_new with the same versions and waves (they may differ in by_attr):
 * one pass over the responses for several splits. */
int agg_read_db_many(struct agg *const *aggs, size_t n, PGconn *conn, const char *survey,
                     size_t *rows, void (*progress)(size_t rows, void *arg), void *arg,
                     char *err, size_t errlen);

/* The unified items (codes across versions) and dimensions. */
size_t agg_nitems(const struct agg *a);
const struct survey_item *agg_item_def(const struct agg *a, size_t k);
size_t agg_ndims(const struct agg *a);
const struct survey_dimension *agg_dim_def(const struct agg *a, size_t d);
/* The most distinct scores a cell's dimension d can hold (its slots). */
size_t agg_dim_npoints(const struct agg *a, size_t d);

/* A cell's dimension d as its distinct scores in increasing order: score[i]
 * (the mean of the items answered) with its counts v[i]; only scores that
 * occur. Writes at most cap points (cap >= agg_dim_npoints) and returns how
 * many. Scores equal as fractions (2/2 and 4/4) are one point. */
size_t agg_dim_points(const struct agg *a, size_t d, const struct agg_dim *dim, double *score,
                      struct agg_value *v, size_t cap);

/* 1 when instrument version `version` asks unified item k, 0 when it does
 * not, -1 when the version is not one of the accumulator's. */
int agg_item_in_version(const struct agg *a, int version, size_t k);

/* Index of the eNPS item among the unified items, or -1. */
int agg_enps_item(const struct agg *a);
/* The unified item indices of dimension d (its items' positions in the
 * newest version, mapped): d's k-th item is agg_item_def(a, dim_items[k]). */
const size_t *agg_dim_items(const struct agg *a, size_t d);

size_t agg_nwaves(const struct agg *a);
const char *agg_wave(const struct agg *a, size_t w);

/* Cities seen, in first-seen order. */
size_t agg_ncities(const struct agg *a);
const char *agg_city(const struct agg *a, size_t i);
/* Index of a city, or -1 when no response of it was seen. */
long agg_city_index(const struct agg *a, const char *city);

/* The cell of (wave, city, attr_value), or NULL when empty. */
const struct agg_cell *agg_cell_find(const struct agg *a, size_t wave, size_t city,
                                     int attr_value);

/* A free-standing cell shaped like this accumulator's cells, all zeros, to
 * sum city cells into (networks, all cities). Free with agg_cell_free. */
struct agg_cell *agg_cell_new(const struct agg *a);
/* dst += src (same accumulator). */
void agg_cell_merge(const struct agg *a, struct agg_cell *dst, const struct agg_cell *src);
/* dst -= src: the rest of a network without one city. */
void agg_cell_subtract(const struct agg *a, struct agg_cell *dst, const struct agg_cell *src);
void agg_cell_free(const struct agg *a, struct agg_cell *c);

#endif
