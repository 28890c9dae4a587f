/*
 * results_ctx: what the parts of results_compute share (private to
 * results_groups.c, results_est.c and results_compute.c; not for other
 * modules): the groups of a build with their summed cells and hidden
 * flags (results_groups.c), and the estimates of one measure in one cell
 * with the tests between them (results_est.c).
 */
#ifndef EMPIRIE_RESULTS_CTX_H
#define EMPIRIE_RESULTS_CTX_H

#include "agg.h"
#include "results.h"
#include "stats.h"
#include "survey.h"

#include <stddef.h>

enum group_type { GROUP_CITY, GROUP_NETWORK, GROUP_ALL };

struct group {
    enum group_type type;
    const char *slug;             /* NULL for "all" */
    const char *name;
    const struct results_network *network;  /* GROUP_NETWORK */
    size_t *cities;               /* agg city indices counted in the group */
    size_t ncities;
    double headcount;             /* Σ the cities' headcounts (fpc); NaN: not known */
    struct agg_cell **total;      /* per wave, owned */
    struct agg_cell **parts;      /* per wave x part (split by an attribute), owned */
    int *hidden;                  /* per wave: the whole group */
    int *item_hidden;             /* per wave x item */
    int *dim_hidden;              /* per wave x dimension */
    int *part_hidden;             /* per wave x part */
    int *part_item_hidden;        /* per wave x part x item */
};

struct ctx {
    const struct results_input *in;
    const struct agg *agg;
    size_t nwaves, nitems, ndims;
    int t;
    int weighted;
    int split;                    /* parts per group: the attribute's codes + "not given" */
    const struct survey_attr *attr;
    size_t attr_index;            /* the split attribute's index in the survey */
    size_t nparts;
    struct group *groups;
    size_t ngroups;
    size_t first_network, first_all;   /* group index ranges: cities, networks, all */
    unsigned char *asked;         /* per wave x item: the wave's instrument asks it */
};


/* What the tests between groups and waves need of one measure. */
struct est {
    double n;          /* respondents with an answer */
    double n_eff;      /* Kish effective n (= n when unweighted) */
    double mean, sd, se, ci_lo, ci_hi, median;
    double fav_x, fav_n;             /* favourable answers (weighted: effective) */
    struct stats_prop fav;
    int has_fav;
    double fpc;        /* the finite population correction applied: 1 - n/N, or 1 */
};

/* ---- results_groups.c ---- */

/* Whether item k was asked in wave w (see results_input.wave_version). */
int res_item_asked(const struct ctx *c, size_t w, size_t k);
/* Who answered an item in a cell (a multiple choice: who chose anything). */
double res_item_n(const struct agg_item *it, const struct survey_item *def);
/* A city's registry name, or its slug. */
const char *res_city_name(const struct results_input *in, const char *slug);
/* c->groups: every city, network and all, with their cells summed per wave
 * (and part). 0, or -1 out of memory (res_groups_free frees what was made). */
int res_groups_build(struct ctx *c);
void res_groups_free(struct ctx *c);
/* Every group's hidden flags (anon_table on the census). 0, or -1 and err:
 * nothing may be published then. */
int res_suppress(struct ctx *c, char *err, size_t errlen);

/* ---- results_est.c ---- */

/* 1 - n/N, or 1 when N is not known or below n. */
double res_fpc_factor(double n, double N);
void res_est_apply_fpc(struct est *e, double f);
double res_sd_test(const struct est *e);
/* Welch's t of a against b (corrected variances; plain Cohen's d). */
int res_welch_est(const struct est *a, const struct est *b, struct stats_ttest *t);
void res_est_item(const struct ctx *c, const struct agg_cell *cell, size_t k, struct est *e);
void res_est_dim(const struct ctx *c, const struct agg_cell *cell, size_t d, struct est *e);

/* Measures: items m < nitems, dimensions nitems + d. */
size_t res_nmeasures(const struct ctx *c);
/* The measure's anon_flag in group g, wave w: 0 when shown. */
int res_measure_hidden(const struct ctx *c, const struct group *g, size_t w, size_t m);
void res_est_measure(const struct ctx *c, const struct agg_cell *cell, size_t m, struct est *e);
/* The estimates of every group, wave and scored measure, with the groups'
 * fpc: [group][wave][measure]; NULL out of memory. */
struct est *res_cache_build(const struct ctx *c);
struct est *res_cache_at(struct est *cache, const struct ctx *c, size_t g, size_t w, size_t m);

/* ---- results_measure.c: the typed figures of one group (results_model.h) ---- */

/* The rest of one network without the city being built, in one wave: its
 * estimates for every measure, computed once per (city, network, wave). */
struct rest {
    size_t net;          /* group index of the network */
    struct est *est;     /* nmeasures */
    struct stats_enps enps;
    int has_enps;
};

struct build {
    const struct ctx *c;
    struct est *cache;
    struct rest *rests;  /* the networks of the city group being built */
    size_t nrests;
};

struct results_est;
struct results_measure;
struct results_alpha;
struct results_enps;

/* b->rests for city group gi in wave w. 0, or -1 out of memory. */
int res_rests_build(struct build *b, size_t gi, size_t w);
void res_rests_free(struct build *b);
void res_est_copy(struct results_est *o, const struct est *e);
/* A scored item or a dimension m; a choice item k; a dimension's alpha;
 * eNPS: of group gi in wave w. 0, or -1 out of memory. */
int res_fill_measure(const struct build *b, size_t gi, size_t w, size_t m,
                     struct results_measure *o);
int res_fill_choice(const struct build *b, size_t gi, size_t w, size_t k,
                    struct results_measure *o);
void res_fill_alpha(const struct agg_dim *d, size_t k, struct results_alpha *o);
int res_fill_enps(const struct build *b, size_t gi, size_t w, struct results_enps *o);

#endif
