/*
 * results_model: the typed results of a survey, every figure of every
 * group in every wave, as results_compute builds them from the aggregates
 * (agg), the formulas (stats) and the anonymity rules (anon).
 *
 * The model holds numbers and codes only; words (labels, names, the
 * significance vocabulary) are resolved by the views when they render:
 * results_to_json (results.h), the CLI's tables, the workbooks. So a
 * language change renders again without reading the database.
 *
 * Conventions: a number that is not known is NAN; a figure that is absent
 * has present == 0; a hidden figure has hidden != 0 (an anon_flag: why it is
 * hidden) and no value. Every test has its p and, after Benjamini-Hochberg
 * over the tests of its group (its breakdown excluded), its p_adj; a test
 * whose p is not a number is outside the family and has p_adj NAN.
 *
 * The model borrows its input (results_input: the agg, the survey, the
 * registry names): it is valid while they are.
 *
 * Made from an accumulator that keeps one wave (agg_keep_only_wave: a city
 * report's breakdown sheet), the groups of the other waves have no
 * respondents and no measures (nitems, ndims, nparts 0); made from a
 * breakdown-only one (agg_breakdown_only), drivers and alpha are not
 * computable (their sums were not kept).
 */
#ifndef EMPIRIE_RESULTS_MODEL_H
#define EMPIRIE_RESULTS_MODEL_H

#include <stddef.h>

struct results_input;
struct results_network;

enum results_group_type { RESULTS_CITY, RESULTS_NETWORK, RESULTS_ALL };

/* A test: its p-value and the BH-adjusted one (NAN: not in the family). */
struct results_test {
    double p, p_adj;
};

/* One estimate: n, the mean with SD, SE and 95% CI, the median, and the
 * favourable share with its Wilson CI (has_fav). */
struct results_est {
    double n, n_eff, mean, sd, se, ci_lo, ci_hi, median;
    int has_fav;
    double fav, fav_lo, fav_hi;
};

/* A change against the previous wave (prev_wave): Welch's t (diff, se, t,
 * df, d) for a scored measure, the z test (diff, se, z) for eNPS, the
 * two-proportion z test (diff, z) for a share; for a scored item also the
 * favourable share's z test (has_fav). */
struct results_change {
    int present;
    size_t prev_wave;
    double diff, se, t, df, d, z;
    struct results_test test;
    int has_fav;
    double fav_diff, fav_z;
    struct results_test fav_test;
};

/* The trend over the waves shown up to this one: WLS slope of the wave
 * means (se_resid: -1 when the measure has none, as for eNPS). */
struct results_trend {
    int present, waves;
    double slope, se, se_resid;
    struct results_test test;
};

/* The correlation with eNPS (drivers). */
struct results_driver {
    int present;
    double n, r;
    struct results_test test;
};

/* A city against the rest of a network it is a member of: network is the
 * group index of the network (in the same wave); rank among the network's
 * shown cities, of them. Scored: t, df, d; eNPS: se, z. */
struct results_vs {
    size_t network;
    double rest, diff, t, df, d, se, z, rank;
    int of, is_enps;
    struct results_test test;
};

/* Across the shown cities of a network or of all: Welch's ANOVA (scored)
 * or chi-square with Cramér's V (single choice). */
struct results_across {
    int present, cities;
    double f, df1, df2;        /* ANOVA */
    double chi2, df, v;        /* chi-square */
    struct results_test test;
};

struct results_alpha {
    int present, items;
    double value, lo, hi, n;
};

/* One option of a choice item: its share with a Wilson CI and its change. */
struct results_share {
    int code;
    double share, lo, hi;
    struct results_change change;   /* diff, z, test */
};

/* An item (index: its agg item index) or a dimension (is_dim; index: its
 * dimension index). */
struct results_measure {
    size_t index;
    int is_dim, not_asked, hidden, choice;
    struct results_est est;          /* scored items and dimensions */
    double n;                        /* choice items: who answered */
    double *dist;                    /* the distribution, the answers as given (items) */
    size_t ndist;
    struct results_change change;
    struct results_trend trend;
    struct results_driver driver;
    struct results_vs *vs;           /* city groups */
    size_t nvs;
    struct results_across across;    /* network and all groups */
    struct results_share *shares;    /* choice items */
    size_t nshares;
    struct results_alpha alpha;      /* dimensions */
};

struct results_enps {
    int present, hidden;
    double n, promoters, passives, detractors, value, se, ci_lo, ci_hi;
    struct results_change change;
    struct results_trend trend;
    struct results_vs *vs;
    size_t nvs;
};

/* One part of a group broken down by an attribute: part is the option's
 * index (the attribute's noptions: "not given"). Only parts with
 * respondents are listed. items: the scored items asked in the wave. */
struct results_part {
    size_t part;
    int hidden;
    double respondents;
    struct results_measure *items;
    size_t nitems;
};

struct results_group {
    size_t wave;                 /* agg wave index */
    size_t group;                /* index in the wave's groups (cities, networks, all) */
    enum results_group_type type;
    const char *slug;            /* NULL for all */
    const char *name;            /* the registry's name (cities, networks); NULL for all */
    const struct results_network *network;
    int hidden;
    double respondents;
    int has_fpc;
    double population, fpc;
    struct results_measure *items;   /* every item but text items, in instrument order */
    size_t nitems;
    struct results_measure *dims;
    size_t ndims;
    struct results_enps enps;
    struct results_part *parts;      /* when the input is split by an attribute */
    size_t nparts;
};

struct results {
    const struct results_input *in;
    size_t nwaves, nitems, ndims;
    size_t ngroups;              /* per wave */
    int threshold, weighted;
    int split;                   /* the input's by_attr: attr is its index */
    size_t attr;
    unsigned char *asked;        /* per wave x item */
    int *item_min;               /* per item: the value of distribution slot 0 */
    size_t *item_nvalues;        /* per item: distribution slots */
    struct results_group *groups;    /* nwaves * ngroups, wave-major */
};

/* Builds the model. NULL and err on failure: any allocation failure, in
 * the suppression or the BH family included, fails the whole build. */
struct results *results_compute(const struct results_input *in, char *err, size_t errlen);
void results_free(struct results *r);

/* One group: type and slug (NULL for all) in wave (its label); NULL when
 * there is none. */
const struct results_group *results_find(const struct results *r, const char *wave,
                                         enum results_group_type type, const char *slug);

/* The index of the wave a reader shows when none is asked for: the latest
 * wave that has opened (wavewin_default, the one rule: docs/survey-format.md);
 * -1 when no wave has opened. */
long results_default_wave(const struct results *r);

/* The name every view shows for group g in the language asked: a city's
 * registry name, a network's (its English name when asked and given),
 * "Wszystkie miasta" / "All cities" (label.h) for all. The one place that
 * decides it: the JSON, the CLI's tables and the workbooks call it. */
const char *results_group_name(const struct results_group *g, int english);

/* Whether a test is significant: its adjusted p below STATS_ALPHA
 * (vocab_significant), the one rule behind every word and colour. */
int results_significant(const struct results_test *t);

/* Whether group g counts city (its slug) in its figures: the city itself,
 * a network's member, every city for "all". */
int results_group_has(const struct results_group *g, const char *city);

/* One city whose sample was not weighted as the instrument asks, and why. */
struct results_wline {
    char city[128];
    char method[32];   /* "cells", "raking" or "none" (the weights sent are used) */
    char note[512];
};

/*
 * The weighting of group g in its wave: *lines (malloc'd, *nlines of them)
 * for its cities that are shown and have a note (a hidden city's weighting
 * could tell about its cells: never). 1 when the survey is post-stratified,
 * 0 when not (nothing in *lines), -1 when out of memory.
 */
int results_wlines(const struct results *r, const struct results_group *g,
                      struct results_wline **lines, size_t *nlines);
/* A line's note in the language asked for: the notes weights.c writes, in
 * Polish unless english; any other note (the registry's own words) as
 * given. */
const char *results_wline_note(const struct results_wline *l, int english);

/* Whether item k was asked in wave w. */
int results_asked(const struct results *r, size_t w, size_t k);

#endif
