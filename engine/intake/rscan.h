/*
 * rscan: survey responses read straight from JSON text, for the plain shape
 * nearly every client sends: a flat object of survey, wave, city, id,
 * answers and attributes (objects of integer codes or null) and weight.
 *
 * Parsing such a line with jansson builds a value for every part and a hash
 * table for every object: two thirds of `empirie import`'s CPU time, half of
 * the daemon's on batches. rscan reads the text in place (it writes NULs
 * into it: give it a copy) and gives up (-1) on anything outside the plain
 * shape -- an escape in a string, a byte past ASCII outside a text answer,
 * invalid UTF-8, a real where an integer goes, a number of more than 6
 * digits, a nested value other than answers, attributes and a multi-choice
 * list, a key given twice, an unknown field. The caller then parses with
 * jansson and validates with
 * response_from_json as before. So rscan never decides an error and never
 * words one: what it takes is exactly what jansson and the validator would
 * take, with the same values (tests/integration/test_import.c and
 * test_http_submit.c write the same responses both ways and compare).
 */
#ifndef EMPIRIE_RSCAN_H
#define EMPIRIE_RSCAN_H

#include "response.h"
#include "survey.h"

#include <stddef.h>

/* An instrument's item and attribute codes in hash tables. */
struct rscan_codes {
    const struct survey *s;
    size_t mask;
    int *items, *attrs;   /* slot: index + 1, 0 = empty */
    int has_text;         /* the instrument has a text item */
    unsigned char *seen;  /* rscan_fill's scratch: a flag per item or attribute */
};

/* The code tables of every instrument a scanner has met, each built on
 * first use (zeroed: none yet). */
struct rscan_codes_set {
    struct rscan_codes *codes;
    size_t n, cap;
};

/* The code tables of instrument s, from set or built into it; NULL when
 * out of memory. */
const struct rscan_codes *rscan_codes_of(struct rscan_codes_set *set, const struct survey *s);
/* Frees every table of set and leaves it empty. */
void rscan_codes_set_clear(struct rscan_codes_set *set);

/* Index of an item (attr: attribute) code of m's instrument, or -1. */
int rscan_codes_find(const struct rscan_codes *m, const char *code, int attr);

#define RSCAN_MAX_PAIRS 256
#define RSCAN_MAX_LIST 15

enum rscan_kind { RSCAN_INT, RSCAN_NULL, RSCAN_TEXT, RSCAN_LIST };

/* A member of answers or attributes: an integer, null, a string (valid
 * UTF-8, no escape), or a list of at most RSCAN_MAX_LIST integers. */
struct rscan_pair {
    const char *key;
    enum rscan_kind kind;
    long value;                   /* RSCAN_INT */
    const char *text;             /* RSCAN_TEXT, NUL-terminated in the text */
    long list[RSCAN_MAX_LIST];    /* RSCAN_LIST */
    size_t nlist;
};

/* One object as scanned: strings point into the text; NULL when absent. */
struct rscan_obj {
    const char *survey, *wave, *city, *id;
    struct rscan_pair answers[RSCAN_MAX_PAIRS], attrs[RSCAN_MAX_PAIRS];
    size_t nanswers, nattrs;
    int has_answers, has_attrs, has_weight, weight_null;
    double weight;
};

/* A multi-choice answer: n distinct option codes of it, as bits in *out.
 * -1 for anything else (codes past 14 do not fit the bits: left to the
 * validator). */
int rscan_multi_bits(const struct survey_item *it, const long *codes, size_t n, int16_t *out);

/* Skips JSON whitespace. */
void rscan_ws(char **p);

/* After a member of an array or object: skips white space, then consumes
 * close (1: the last member) or a comma and the white space after it (0:
 * another member follows); -1 when *p holds neither. */
int rscan_next(char **p, char close);

/* Scans one object of the plain shape at *p (after whitespace) and moves *p
 * past its closing brace. 0, or -1 when it is not plain (*p undefined). */
int rscan_object(char **p, struct rscan_obj *o);

/*
 * The validator's rules on a scanned object for instrument m->s:
 * answers (at least one given, each an item code once: an accepted code, a
 * list of distinct option codes for a multi-choice item, a text within its
 * length for a text item, or null), attributes (each a code once, an option or null; every required
 * one given) and weight. r->instrument is m->s; r->answers and r->attrs are
 * allocated and set to SURVEY_NA (r->texts, when the instrument has a text
 * item, to NULLs); this fills them and r->weight (using m's scratch: one
 * call at a time per m). 0, or -1 when the object is not surely valid.
 */
int rscan_fill(const struct rscan_obj *o, const struct rscan_codes *m, struct response *r);

#endif
