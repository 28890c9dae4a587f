#include "rscan.h"

#include "dynarr.h"
#include "utf8.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- codes ---- */

static size_t hash_code(const char *s)
{
    uint32_t h = 2166136261u;

    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void codes_put(int *slots, size_t mask, const char *code, int idx)
{
    size_t i = hash_code(code) & mask;

    while (slots[i] != 0)
        i = (i + 1) & mask;
    slots[i] = idx + 1;
}

static void codes_clear(struct rscan_codes *m)
{
    free(m->items);
    free(m->attrs);
    free(m->seen);
    memset(m, 0, sizeof *m);
}

/* 0, or -1 when out of memory (m is then empty). */
static int codes_init(struct rscan_codes *m, const struct survey *s)
{
    size_t slots = 16;

    memset(m, 0, sizeof *m);
    while (slots < 2 * (s->nitems + s->nattrs + 1))
        slots *= 2;
    m->s = s;
    m->mask = slots - 1;
    m->items = calloc(slots, sizeof *m->items);
    m->attrs = calloc(slots, sizeof *m->attrs);
    m->seen = malloc((s->nitems > s->nattrs ? s->nitems : s->nattrs) + 1);
    if (m->items == NULL || m->attrs == NULL || m->seen == NULL) {
        codes_clear(m);
        return -1;
    }
    for (size_t i = 0; i < s->nitems; i++) {
        codes_put(m->items, m->mask, s->items[i].code, (int)i);
        m->has_text |= s->items[i].type == SURVEY_TEXT;
    }
    for (size_t i = 0; i < s->nattrs; i++)
        codes_put(m->attrs, m->mask, s->attrs[i].code, (int)i);
    return 0;
}

const struct rscan_codes *rscan_codes_of(struct rscan_codes_set *set, const struct survey *s)
{
    struct rscan_codes *bigger;

    for (size_t i = 0; i < set->n; i++)
        if (set->codes[i].s == s)
            return &set->codes[i];
    bigger = dynarr_reserve(set->codes, &set->cap, set->n + 1, sizeof *bigger);
    if (bigger == NULL)
        return NULL;
    set->codes = bigger;
    if (codes_init(&set->codes[set->n], s) != 0)
        return NULL;
    return &set->codes[set->n++];
}

void rscan_codes_set_clear(struct rscan_codes_set *set)
{
    for (size_t i = 0; i < set->n; i++)
        codes_clear(&set->codes[i]);
    free(set->codes);
    memset(set, 0, sizeof *set);
}

int rscan_codes_find(const struct rscan_codes *m, const char *code, int attr)
{
    const int *slots = attr ? m->attrs : m->items;
    size_t i = hash_code(code) & m->mask;

    for (; slots[i] != 0; i = (i + 1) & m->mask) {
        int k = slots[i] - 1;

        if (strcmp(attr ? m->s->attrs[k].code : m->s->items[k].code, code) == 0)
            return k;
    }
    return -1;
}

/* ---- syntax ---- */

void rscan_ws(char **p)
{
    while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
        (*p)++;
}

/* A string of printable ASCII without escapes, NUL-terminated in place. */
static const char *scan_string(char **p)
{
    char *start;

    if (**p != '"')
        return NULL;
    start = ++*p;
    for (; **p != '"'; (*p)++)
        if ((unsigned char)**p < 0x20 || (unsigned char)**p >= 0x80 || **p == '\\')
            return NULL;
    *(*p)++ = '\0';
    return start;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A string of valid UTF-8 without escapes or control characters,
 * NUL-terminated in place. */
static const char *scan_text(char **p)
{
    char *start;

    if (**p != '"')
        return NULL;
    start = ++*p;
    while (**p != '"') {
        unsigned char c = (unsigned char)**p;
        size_t len;

        if (c < 0x20 || c == '\\')
            return NULL;
        len = c < 0x80 ? 1 : utf8_seq((const unsigned char *)*p, 4);
        for (size_t i = 1; i < len; i++)
            if ((*p)[i] == '\0')
                return NULL;
        if (len == 0)
            return NULL;
        *p += len;
    }
    *(*p)++ = '\0';
    return start;
}

/* An integer of at most 6 digits: 0, else -1. */
static int scan_int(char **p, long *v)
{
    int neg = 0, digits = 0;
    long x = 0;

    if (**p == '-') {
        neg = 1;
        (*p)++;
    }
    if (**p == '0' && is_digit((*p)[1]))
        return -1;
    while (is_digit(**p) && digits < 7) {
        x = x * 10 + (*(*p)++ - '0');
        digits++;
    }
    if (digits == 0 || digits > 6 || **p == '.' || **p == 'e' || **p == 'E')
        return -1;
    *v = neg ? -x : x;
    return 0;
}

/* The weight: null, or a JSON number (its grammar checked here, its value
 * by strtod, as jansson does). */
static int scan_weight(char **p, struct rscan_obj *o)
{
    char *start = *p, *end;

    if (strncmp(*p, "null", 4) == 0) {
        *p += 4;
        o->weight_null = 1;
        return 0;
    }
    if (**p == '-')
        (*p)++;
    if (**p == '0')
        (*p)++;
    else if (is_digit(**p))
        while (is_digit(**p))
            (*p)++;
    else
        return -1;
    if (**p == '.') {
        if (!is_digit(*++*p))
            return -1;
        while (is_digit(**p))
            (*p)++;
    }
    if (**p == 'e' || **p == 'E') {
        (*p)++;
        if (**p == '+' || **p == '-')
            (*p)++;
        if (!is_digit(**p))
            return -1;
        while (is_digit(**p))
            (*p)++;
    }
    o->weight = strtod(start, &end);
    return end == *p ? 0 : -1;
}

int rscan_next(char **p, char close)
{
    rscan_ws(p);
    if (**p == close) {
        (*p)++;
        return 1;
    }
    if (*(*p)++ != ',')
        return -1;
    rscan_ws(p);
    return 0;
}

/* The opening open and the white space after it: 1 when close follows at
 * once (consumed: empty), 0 when a member does, -1 when *p is not at open. */
static int scan_open(char **p, char open, char close)
{
    if (*(*p)++ != open)
        return -1;
    rscan_ws(p);
    if (**p != close)
        return 0;
    (*p)++;
    return 1;
}

/* "key" and its colon, with the white space around it: the key (NUL-ended
 * in the text), or NULL when that is not what *p holds. */
static const char *scan_key(char **p)
{
    const char *key = scan_string(p);

    if (key == NULL)
        return NULL;
    rscan_ws(p);
    if (*(*p)++ != ':')
        return NULL;
    rscan_ws(p);
    return key;
}

/* [integer, ...] of at most RSCAN_MAX_LIST. */
static int scan_list(char **p, struct rscan_pair *pr)
{
    int rc = scan_open(p, '[', ']');

    pr->nlist = 0;
    while (rc == 0) {
        if (pr->nlist == RSCAN_MAX_LIST || scan_int(p, &pr->list[pr->nlist++]) != 0)
            return -1;
        rc = rscan_next(p, ']');
    }
    return rc < 0 ? -1 : 0;
}

static int scan_value(char **p, struct rscan_pair *pr)
{
    if (strncmp(*p, "null", 4) == 0) {
        *p += 4;
        pr->kind = RSCAN_NULL;
        return 0;
    }
    if (**p == '"') {
        pr->kind = RSCAN_TEXT;
        return (pr->text = scan_text(p)) != NULL ? 0 : -1;
    }
    if (**p == '[') {
        pr->kind = RSCAN_LIST;
        return scan_list(p, pr);
    }
    pr->kind = RSCAN_INT;
    return scan_int(p, &pr->value);
}

/* {"code": value, ...} into pairs. */
static int scan_pairs(char **p, struct rscan_pair *pairs, size_t *n)
{
    int rc = scan_open(p, '{', '}');

    while (rc == 0) {
        struct rscan_pair *pr;

        if (*n == RSCAN_MAX_PAIRS)
            return -1;
        pr = &pairs[(*n)++];
        pr->key = scan_key(p);
        if (pr->key == NULL || scan_value(p, pr) != 0)
            return -1;
        rc = rscan_next(p, '}');
    }
    return rc < 0 ? -1 : 0;
}

enum { F_SURVEY = 1, F_WAVE = 2, F_CITY = 4, F_ID = 8, F_ANSWERS = 16, F_ATTRS = 32, F_WEIGHT = 64 };

static int scan_member(char **p, struct rscan_obj *o, const char *key, unsigned *seen)
{
    static const struct { const char *name; unsigned bit; } fields[] = {
        { "survey", F_SURVEY }, { "wave", F_WAVE }, { "city", F_CITY }, { "id", F_ID },
        { "answers", F_ANSWERS }, { "attributes", F_ATTRS }, { "weight", F_WEIGHT },
    };
    unsigned bit = 0;

    for (size_t i = 0; bit == 0 && i < sizeof fields / sizeof fields[0]; i++)
        if (strcmp(key, fields[i].name) == 0)
            bit = fields[i].bit;
    if (bit == 0 || (*seen & bit) != 0)
        return -1;
    *seen |= bit;
    switch (bit) {
    case F_SURVEY: return (o->survey = scan_string(p)) != NULL ? 0 : -1;
    case F_WAVE: return (o->wave = scan_string(p)) != NULL ? 0 : -1;
    case F_CITY: return (o->city = scan_string(p)) != NULL ? 0 : -1;
    case F_ID: return (o->id = scan_string(p)) != NULL ? 0 : -1;
    case F_ANSWERS: o->has_answers = 1; return scan_pairs(p, o->answers, &o->nanswers);
    case F_ATTRS: o->has_attrs = 1; return scan_pairs(p, o->attrs, &o->nattrs);
    default: o->has_weight = 1; return scan_weight(p, o);
    }
}

int rscan_object(char **p, struct rscan_obj *o)
{
    unsigned seen = 0;
    int rc;

    o->survey = o->wave = o->city = o->id = NULL;
    o->nanswers = o->nattrs = 0;
    o->has_answers = o->has_attrs = o->has_weight = o->weight_null = 0;
    o->weight = 0;
    rscan_ws(p);
    rc = scan_open(p, '{', '}');
    while (rc == 0) {
        const char *key = scan_key(p);

        if (key == NULL || scan_member(p, o, key, &seen) != 0)
            return -1;
        rc = rscan_next(p, '}');
    }
    /* {} (rc 1 at once) has no answers */
    return rc > 0 && o->has_answers ? 0 : -1;
}

/* ---- the validator's rules ---- */

int rscan_multi_bits(const struct survey_item *it, const long *codes, size_t n, int16_t *out)
{
    unsigned bits = 0;

    for (size_t i = 0; i < n; i++) {
        long code = codes[i];
        int found = 0;

        for (size_t k = 0; !found && k < it->noptions; k++)
            found = it->options[k].code == code;
        if (!found || code < 0 || code > 14 || (bits & (1u << code)) != 0)
            return -1;
        bits |= 1u << code;
    }
    *out = (int16_t)bits;
    return 0;
}

static int fill_answer(const struct survey_item *it, const struct rscan_pair *pr,
                       struct response *r, size_t k)
{
    if (it->type == SURVEY_MULTI)
        return pr->kind == RSCAN_LIST ? rscan_multi_bits(it, pr->list, pr->nlist, &r->answers[k]) : -1;
    if (it->type == SURVEY_TEXT) {
        if (pr->kind != RSCAN_TEXT || r->texts == NULL ||
            utf8_chars(pr->text) > (size_t)it->max_length)
            return -1;
        if (pr->text[0] != '\0')
            r->texts[k] = (char *)pr->text;
        return 0;
    }
    if (pr->kind != RSCAN_INT || !survey_item_accepts(it, pr->value))
        return -1;
    r->answers[k] = (int16_t)pr->value;
    return 0;
}

int rscan_fill(const struct rscan_obj *o, const struct rscan_codes *m, struct response *r)
{
    const struct survey *s = m->s;
    unsigned char *seen = m->seen;
    size_t given = 0;

    memset(seen, 0, s->nitems);
    for (size_t i = 0; i < o->nanswers; i++) {
        const struct rscan_pair *pr = &o->answers[i];
        int k = rscan_codes_find(m, pr->key, 0);

        if (k < 0 || seen[k]++)
            return -1;
        if (pr->kind == RSCAN_NULL)
            continue;
        if (fill_answer(&s->items[k], pr, r, (size_t)k) != 0)
            return -1;
        given++;
    }
    if (given == 0)
        return -1;
    memset(seen, 0, s->nattrs);
    for (size_t i = 0; i < o->nattrs; i++) {
        const struct rscan_pair *pr = &o->attrs[i];
        int k = rscan_codes_find(m, pr->key, 1);
        int ok = 0;

        if (k < 0 || seen[k]++ || pr->kind == RSCAN_TEXT || pr->kind == RSCAN_LIST)
            return -1;
        if (pr->kind == RSCAN_NULL)
            continue;
        for (size_t c = 0; c < s->attrs[k].noptions; c++)
            ok |= s->attrs[k].options[c].code == pr->value;
        if (!ok)
            return -1;
        r->attrs[k] = (int16_t)pr->value;
    }
    for (size_t k = 0; k < s->nattrs; k++)
        if (s->attrs[k].required && r->attrs[k] == SURVEY_NA)
            return -1;
    r->weight = 0;
    if (!s->weighted)
        return !o->has_weight || o->weight_null ? 0 : -1;
    if (!o->has_weight || o->weight_null || !isfinite(o->weight) || o->weight <= 0)
        return -1;
    r->weight = o->weight;
    return 0;
}
