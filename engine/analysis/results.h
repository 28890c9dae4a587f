/*
 * results: every figure of a survey, computed once from the aggregates and
 * made safe to show. It joins agg (sufficient statistics per wave x city)
 * with the registry (cities, networks and their members) and stats (the
 * formulas), applies the anonymity rules of anon.h, and builds the typed
 * model of results_model.h; this header offers the way there from the
 * database (results_src_*: a source computes its model once and renders
 * it in either language), the JSON view (results_to_json: docs/results.md)
 * and its lookups. The JSON feeds `empirie stats --json` and GET /v1/stats;
 * the stats table (results_table.h) and the XLSX reports read the model, so
 * all of them show the same numbers.
 *
 * Groups: every city, every network (its member cities; observers are not
 * part of a network's figures) and "all" (every city with responses), in
 * every wave. Per group: respondents; per item n, mean, SD, SE, CI, median,
 * distribution, % favourable with Wilson CI (weighted estimates and Kish's
 * effective n for weighted surveys); per dimension the score and Cronbach's
 * alpha; eNPS; change against the previous wave; trend over all waves; a city
 * against the rest of each network it belongs to, with its rank; across the
 * cities of a network or of all: Welch's ANOVA and chi-square; correlations
 * with eNPS (drivers) for groups of at least RESULTS_MIN_DRIVER_N; and
 * Benjamini-Hochberg adjusted p-values over the tests of each group.
 * A suppressed figure is absent (JSON null) and the group or item says
 * "suppressed": true; the value is never written.
 */
#ifndef EMPIRIE_RESULTS_H
#define EMPIRIE_RESULTS_H

#include "agg.h"
#include "anon.h"
#include "catalog.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>

/* The most waves a survey's results cover (results_compute fails beyond). */
#define RESULTS_MAX_WAVES 64

/* Correlations with eNPS are shown for groups at least this large. */
#define RESULTS_MIN_DRIVER_N 30

struct results_city {
    const char *slug;
    const char *name;
    double headcount;   /* the registry's headcount; 0 when not given */
};

struct weights;
struct regsnap;

struct results_network {
    const char *slug;
    const char *name;
    const char *name_en;           /* NULL when the registry has none */
    const char *const *members;    /* city slugs (role member) */
    size_t nmembers;
    const char *const *observers;  /* city slugs (role observer): listed, not counted */
    size_t nobservers;
};

struct results_input {
    const struct agg *agg;
    const struct survey *survey;          /* the newest version (labels, dimensions) */
    const double *wave_x;                 /* per agg wave: its time, in years */
    const struct results_city *cities;    /* names for slugs (may miss some) */
    size_t ncities;
    const struct results_network *networks;
    size_t nnetworks;
    /* The registry snapshot the cities and networks come from (NULL when
     * the input was made without one): what the daemon's access decisions
     * read (policy.h). */
    const struct regsnap *registry;
    const char *by_attr;                  /* the attribute agg was split by, or NULL */
    int threshold;                        /* anonymity threshold (anon_threshold applied) */
    int english;                          /* labels in English where given */
    /* Per agg wave: the instrument version its responses were asked with
     * (0: unknown). An item that version does not ask is "not_asked" in the
     * wave: no figures, no change, and left out of the trend. NULL: every
     * item is asked in every wave. */
    const int *wave_version;
    /* Per agg wave: the day it opens (YYYY-MM-DD), for the default wave
     * (results_default_wave). NULL: the last wave is the default. */
    const char *const *wave_opens;
    /* The survey's post-stratification weights (weights.h; NULL: not
     * weighted): for the views that tell how each city was weighted. */
    const struct weights *weights;
};

/* Computes the results document: results_compute (results_model.h), then
 * results_to_json. NULL and err on failure. */
json_t *results_build(const struct results_input *in, char *err, size_t errlen);

struct results;
/* The JSON view of a typed model, its words in English or Polish (a new
 * reference). NULL and err when it cannot be made whole. */
json_t *results_to_json(const struct results *r, int english, char *err, size_t errlen);

/*
 * The whole path from the database: reads the registry, streams the
 * survey's responses through agg (split by by_attr when not NULL) and builds
 * the document. progress as in agg_read_db (may be NULL).
 */
json_t *results_load(PGconn *conn, const struct catalog *cat, const char *survey,
                     const char *by_attr, int english,
                     void (*progress)(size_t rows, void *arg), void *arg, char *err,
                     size_t errlen);

/*
 * The same in two steps, for callers that need the inputs too (the audit):
 * results_src_load reads everything from the database (split by by_attr
 * when not NULL); results_src_build builds a document from it (any number
 * of times); results_src_input shows the input (agg with its census, the
 * networks). NULL and err on failure.
 *
 * reg: the command's registry snapshot (regsnap.h), borrowed: it must
 * outlive the sources made from it. A command reads the registry once and
 * passes it to every source and every other reader (names, policy, the
 * workbooks' facts), so that all of them see the same registry. NULL: each
 * source reads its own (results_load does).
 */
struct results_src;
struct results_src *results_src_load(PGconn *conn, const struct catalog *cat,
                                     const struct regsnap *reg, const char *survey,
                                     const char *by_attr,
                                     void (*progress)(size_t rows, void *arg), void *arg,
                                     char *err, size_t errlen);
/* n sources of one survey from a single pass over its responses, split by
 * by_attr[i] (NULL: not split) each; out[i] receive them. 0, or -1 with
 * err and nothing in out. */
int results_src_load_many(PGconn *conn, const struct catalog *cat, const struct regsnap *reg,
                          const char *survey, const char *const *by_attr, size_t n,
                          struct results_src **out, void (*progress)(size_t rows, void *arg),
                          void *arg, char *err, size_t errlen);
/* What one source of such a pass accumulates: split by by_attr (NULL: not
 * split), and only the wave labelled wave (NULL: every wave): a source for
 * a view that shows one wave (a city report's breakdown sheet), whose
 * model has that wave's figures (the same as a source of every wave) and
 * no responses in the others (agg_keep_only_wave). breakdown_only: no
 * drivers and no alpha in its model (agg_breakdown_only; its census is
 * taken from a source of the same pass that is not split and keeps its
 * wave, which must be there). */
struct results_src_want {
    const char *by_attr;
    const char *wave;
    int breakdown_only;
};
int results_src_load_wants(PGconn *conn, const struct catalog *cat, const struct regsnap *reg,
                           const char *survey, const struct results_src_want *want, size_t n,
                           struct results_src **out, void (*progress)(size_t rows, void *arg),
                           void *arg, char *err, size_t errlen);
json_t *results_src_build(struct results_src *src, int english, char *err, size_t errlen);
/* The typed model of src (results_model.h), computed on the first call and
 * owned by src (valid until results_src_free); NULL and err on failure. */
struct results;
const struct results *results_src_model(struct results_src *src, char *err, size_t errlen);
/* The post-stratification weights of src (weights.h), or NULL for a survey
 * that is not weighted; the responses read. */
struct weights;
const struct weights *results_src_weights(const struct results_src *src);
size_t results_src_rows(const struct results_src *src);
const struct results_input *results_src_input(const struct results_src *src);
void results_src_free(struct results_src *src);

/*
 * The linked table of a document's groups, in its order: the cities as agg
 * lists them, the networks as given (their member cities with responses),
 * "all" (every city). Used by the suppression and by the audit, so both
 * see the same table. The arrays are owned by y (results_layout_free).
 */
struct results_layout {
    struct anon_layout L;
    size_t *attr_first;
    size_t **members;
    size_t *nmembers;
};
int results_layout_build(const struct results_input *in, struct results_layout *y);

/* The suppression's answers are remembered for the process (the same
 * table asked again, e.g. by each split of a report, is answered at once);
 * results_memo(0) forgets them and stops remembering (a test that must see
 * the suppression run), results_memo(1) starts again. */
void results_memo(int on);
void results_layout_free(struct results_layout *y);

/* One group of the document (type "city", "network" or "all"; slug NULL for
 * "all"), borrowed from doc, or NULL. */
json_t *results_group(json_t *doc, const char *wave, const char *type, const char *slug);

/* The document's "weighting" for one group (a new reference; JSON null for
 * a survey that is not post-stratified): by_city cut to the group's wave
 * and cities, a hidden city's entry reduced to {"city", "wave",
 * "suppressed": true}. */
json_t *results_weighting(json_t *doc, json_t *group);

/* What `empirie stats --json` and GET /v1/stats answer for one group: the
 * survey's slug, title, threshold, weighting and instrument, and the group.
 * A new object (the caller decrefs). */
json_t *results_view(json_t *doc, json_t *group);

#endif
