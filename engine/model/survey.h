/*
 * survey: the instrument model. An instrument is a JSON file in surveys/
 * (format: docs/survey-format.md) with a slug, a version, Polish labels
 * (English optional), items with stable codes, respondent attributes,
 * dimensions and an optional weight. This module parses and validates such a
 * file into an immutable `struct survey`; it does no I/O beyond reading the
 * file in survey_load_file, and nothing else.
 *
 * Item codes keep their meaning across versions of a survey: a new version
 * may add or drop items, and trends join versions by code, never by
 * position. An item whose wording changed gets a new code (or the field
 * "wording_changed_in" of the format, which makes trends skip it).
 *
 * Answers are stored compactly (see response.h): one int16 per item in the
 * order of `items`, SURVEY_NA when there is no usable answer. "Don't know" /
 * "no answer" codes listed in an item's `missing` are stored as given but
 * count as no answer in every statistic (excluded from n).
 */
#ifndef EMPIRIE_SURVEY_H
#define EMPIRIE_SURVEY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* The stored value of "no answer" (SQL NULL in the answers array). */
#define SURVEY_NA INT16_MIN

enum survey_item_type {
    SURVEY_LIKERT,  /* ordered agreement scale min..max (1-4, 1-5, 1-6, 1-7, ...) */
    SURVEY_SCALE,   /* numeric rating min..max, e.g. 0-10 (eNPS) */
    SURVEY_SINGLE,  /* one option code out of options[] */
    SURVEY_MULTI,   /* any subset of options[]: stored as a bit set, bit k = options[k] */
    SURVEY_NUMBER,  /* an integer min..max (within int16) */
    SURVEY_TEXT     /* short free text, max_length characters; not in the answers array's
                       statistics (stored apart) */
};

struct survey_option {
    int code;              /* the stored value (single) or the bit index (multi) */
    const char *label_pl;
    const char *label_en;  /* NULL when not given */
};

struct survey_item {
    const char *code;             /* stable ASCII identifier, e.g. "zaang_03" */
    enum survey_item_type type;
    const char *text_pl;
    const char *text_en;          /* NULL when not given */
    int min, max;                 /* LIKERT, SCALE, NUMBER */
    int reverse;                  /* LIKERT/SCALE reverse-coded: score = min + max - value */
    const int *missing;           /* codes that mean "don't know" / "no answer" */
    size_t nmissing;
    const struct survey_option *options;  /* SINGLE, MULTI (and labels for LIKERT points) */
    size_t noptions;
    int dimension;                /* index into dimensions[], or -1 */
    int max_length;               /* TEXT */
    int wording_changed;          /* the version whose wording differs from the ones before
                                     ("wording_changed_in"), 0 when never: trends do not
                                     join this item across that version */
};

/* A respondent attribute: a coded category (department, age band, ...). */
struct survey_attr {
    const char *code;
    const char *label_pl;
    const char *label_en;
    const struct survey_option *options;
    size_t noptions;
    int required;
};

/* A dimension: the mean of its items after reverse coding, for respondents who
 * answered at least min_items of them. */
struct survey_dimension {
    const char *code;
    const char *label_pl;
    const char *label_en;
    const size_t *items;   /* indices into items[] */
    size_t nitems;
    size_t min_items;
};

struct survey {
    const char *slug;
    int version;
    const char *title_pl;
    const char *title_en;
    const struct survey_item *items;
    size_t nitems;
    const struct survey_attr *attrs;
    size_t nattrs;
    const struct survey_dimension *dimensions;
    size_t ndimensions;
    int weighted;            /* responses carry a weight (post-stratification) */
    int anonymity_threshold; /* minimum group size shown; default 5, never below 3 */
    int enps_item;           /* index of the eNPS item (0-10 recommend), or -1 */
    /* Post-stratification (weighted surveys): the one or two attributes whose
     * cells (e.g. age band x gender) are weighted to each city's population
     * from the registry; indices into attrs[]. nstrata 0: the weights given
     * with the responses are used as they are. */
    int strata[2];
    size_t nstrata;
    int favourable_top;      /* how many top points count as favourable (default 2) */
    /* "variance": {"fpc": "headcount"}: every SE, CI and test of a city uses
     * the finite population correction 1 - n/N with N the city's headcount
     * in the registry (a network: the sum of its cities'). 0: none. */
    int fpc_headcount;
    /* Networks a city's report compares it with, in order of preference
     * (network slugs; none: the city's largest network). */
    const char *const *benchmark_networks;
    size_t nbenchmark_networks;
};

/* Parses and validates an instrument document. `file` names it in errors,
 * which give the file, the item (or attribute, dimension) and the field. On
 * failure *out is NULL. */
int survey_parse(const json_t *doc, const char *file, struct survey **out, char *err,
                 size_t errlen);

/* Reads and parses a file. */
int survey_load_file(const char *path, struct survey **out, char *err, size_t errlen);

void survey_free(struct survey *s);

/* The document the survey was parsed from (owned by the survey). */
const json_t *survey_document(const struct survey *s);

/* True when s is a valid item, attribute or dimension code: a lowercase ASCII
 * letter, then lowercase letters, digits or '_', at most 40 characters. */
int survey_is_code(const char *s);

/* "likert", "scale", ... as in the format. */
const char *survey_type_name(enum survey_item_type type);

/* Checks that newer keeps the meaning of every item code it shares with
 * older (an earlier version of the same survey): same type, range, options
 * and reverse coding, and the same Polish wording unless newer marks the
 * item with "wording_changed_in" later than older's version. file names newer
 * in the error. */
int survey_check_successor(const struct survey *older, const struct survey *newer,
                           const char *file, char *err, size_t errlen);

/* Index of the item with this code, or -1. */
int survey_item_index(const struct survey *s, const char *code);

/* Index of the attribute with this code, or -1. */
int survey_attr_index(const struct survey *s, const char *code);

/* True when value is one of the item's missing codes (or SURVEY_NA).
 * Inline: called for every answer of every response streamed. */
static inline int survey_is_missing(const struct survey_item *item, int value)
{
    if (value == SURVEY_NA)
        return 1;
    for (size_t i = 0; i < item->nmissing; i++)
        if (item->missing[i] == value)
            return 1;
    return 0;
}

/* The value used in statistics: after reverse coding; only for LIKERT and
 * SCALE items and values that are not missing. */
static inline int survey_score(const struct survey_item *item, int value)
{
    return item->reverse ? item->min + item->max - value : value;
}

/* True when the item has a mean (likert, scale, number): a scored item, as
 * the results, the reports and the checks of missing codes all count it. */
int survey_item_scored(const struct survey_item *it);

/* True when v is an accepted answer of a single-choice or scale item: one
 * of its options, a value of its scale, or one of its no-answer codes. */
int survey_item_accepts(const struct survey_item *it, long long v);

#endif
