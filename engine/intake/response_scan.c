/*
 * response_scan: the fast way in for plain text (rscan.h, no jansson), one
 * check for request bodies and import's NDJSON lines. One check of a
 * scanned object (scan_one) for both callers: request bodies (response_parse tries the scan first and falls back to
 * response_parse_json, which words the errors) and import's NDJSON lines
 * (response_scan_line; import falls back to jansson and response_from_json
 * the same way). Declared in response.h. The fuzzer (tests/fuzz) runs both
 * and checks that whatever the scan takes, jansson and the validator take
 * the same.
 */
#include "response.h"

#include "dynarr.h"
#include "dynbuf.h"
#include "mem.h"
#include "response_priv.h"
#include "rscan.h"

#include <stdlib.h>
#include <string.h>

struct response_scanner {
    const struct catalog *cat;
    struct rscan_obj *obj;       /* the object being read */
    struct rscan_codes_set codes; /* of each instrument seen */
    /* the survey, wave and city last taken: a body or a file tends to
     * repeat them (the strings are the catalog's, or last_city's own) */
    const char *last_survey, *last_wave;
    const struct survey *last_instrument;
    char last_city[128];         /* "": none yet */
    /* response_scan_line: a copy of the line (no cap of its own: the line
     * is in memory whole already, getline's), and the arrays of every line */
    struct dynbuf line;
    struct response lent;        /* only its arrays: lent to each line's response */
    size_t cap_answers, cap_texts, cap_attrs;
};

struct response_scanner *response_scanner_new(const struct catalog *cat)
{
    struct response_scanner *sc = calloc(1, sizeof *sc);
    /* not calloc: the pairs are large and rscan_object sets what it uses */
    struct rscan_obj *obj = malloc(sizeof *obj);

    if (sc == NULL || obj == NULL) {
        free(sc);
        free(obj);
        return NULL;
    }
    sc->cat = cat;
    sc->obj = obj;
    dynbuf_init(&sc->line, DYNBUF_MAX_CAP);
    return sc;
}

void response_scanner_free(struct response_scanner *sc)
{
    if (sc == NULL)
        return;
    rscan_codes_set_clear(&sc->codes);
    dynbuf_free(&sc->line);
    response_clear(&sc->lent);
    FREE_ALL(sc->obj, sc);
}

const struct rscan_codes *response_scanner_codes(struct response_scanner *sc,
                                                 const struct survey *s)
{
    return rscan_codes_of(&sc->codes, s);
}

static int nonempty(const char *s)
{
    return s != NULL && s[0] != '\0';
}

/* survey, wave, city and id of the scanned object against the catalog:
 * sets r's key, strings and instrument. 0, or -1 when not surely valid. */
static int scan_head(struct response_scanner *sc, const struct rscan_obj *o, struct response *r)
{
    if (!nonempty(o->survey) || !nonempty(o->wave) || !nonempty(o->city) || o->id == NULL ||
        response_uuid(o->id, r->id) != 0)
        return -1;
    if (sc->last_instrument == NULL || strcmp(o->survey, sc->last_survey) != 0 ||
        strcmp(o->wave, sc->last_wave) != 0) {
        const struct catalog_wave *w = catalog_wave(sc->cat, o->survey, o->wave);
        const struct survey *s = w != NULL ? catalog_survey(sc->cat, o->survey, w->survey_version)
                                           : NULL;

        sc->last_instrument = NULL;
        if (s == NULL || catalog_survey_latest(sc->cat, o->survey) == NULL)
            return -1;
        sc->last_instrument = s;
        sc->last_survey = s->slug;
        sc->last_wave = w->label;
    }
    if (strcmp(o->city, sc->last_city) != 0) {
        size_t n = strlen(o->city);

        if (!catalog_has_city(sc->cat, o->city))
            return -1;
        if (n < sizeof sc->last_city)
            memcpy(sc->last_city, o->city, n + 1);
    }
    r->instrument = sc->last_instrument;
    r->survey = o->survey;
    r->wave = o->wave;
    r->city = o->city;
    return 0;
}

/* The scanner's arrays, large enough for m's instrument and reset to "no
 * answer", as r's. -1 when out of memory. */
static int reuse_arrays(struct response_scanner *sc, const struct rscan_codes *m,
                        struct response *r)
{
    const struct survey *s = m->s;

    struct response *l = &sc->lent;

    if (s->nitems > 0) {
        int16_t *a = dynarr_reserve(l->answers, &sc->cap_answers, s->nitems, sizeof *a);
        char **t;

        if (a == NULL)
            return -1;
        l->answers = a;
        t = dynarr_reserve(l->texts, &sc->cap_texts, s->nitems, sizeof *t);
        if (t == NULL)
            return -1;
        l->texts = t;
    }
    if (s->nattrs > 0) {
        int16_t *a = dynarr_reserve(l->attrs, &sc->cap_attrs, s->nattrs, sizeof *a);

        if (a == NULL)
            return -1;
        l->attrs = a;
    }
    r->answers = l->answers;
    r->attrs = l->attrs;
    r->texts = m->has_text ? l->texts : NULL;
    response_set_unanswered(r);
    return 0;
}

/*
 * The scanned object (sc->obj) into r: the head, then the validator's rules
 * (rscan_fill). own: r gets arrays of its own (response_clear frees them),
 * else the scanner's, valid until the next call. 0, or -1 (r holds nothing
 * to free) when the object is not surely valid.
 */
static int scan_one(struct response_scanner *sc, struct response *r, int own)
{
    const struct rscan_codes *m;
    struct response_error ignored;

    memset(r, 0, sizeof *r);
    if (scan_head(sc, sc->obj, r) != 0)
        return -1;
    m = response_scanner_codes(sc, r->instrument);
    if (m == NULL)
        goto no;
    if (own ? response_alloc_arrays(r, "", &ignored) != 0 : reuse_arrays(sc, m, r) != 0)
        goto no;
    if (rscan_fill(sc->obj, m, r) != 0)
        goto no;
    return 0;
no:
    if (own)
        response_clear(r);
    memset(r, 0, sizeof *r);
    return -1;
}

int response_scan_line(struct response_scanner *sc, const char *text, size_t len,
                       struct response *r)
{
    char *p;

    memset(r, 0, sizeof *r);
    dynbuf_reset(&sc->line);
    if (dynbuf_addn(&sc->line, text, len) != 0)
        return -1;
    p = dynbuf_ptr(&sc->line);
    if (memchr(p, '\0', len) != NULL)
        return -1;
    if (rscan_object(&p, sc->obj) != 0)
        return -1;
    rscan_ws(&p);
    if (*p != '\0')
        return -1;
    return scan_one(sc, r, 0);
}

/*
 * The body when it is plain (rscan.h): one object or an array of 1 to
 * max_batch of them, each valid, no key twice. NULL otherwise -- also when
 * it may be invalid: then jansson and response_from_json decide, and word
 * the error.
 */
static struct response_batch *scan_body(const char *body, size_t len, const struct catalog *cat,
                                        size_t max_batch)
{
    struct response_batch *b = calloc(1, sizeof *b);
    struct response_scanner *sc = response_scanner_new(cat);
    size_t cap = 0;
    char *p;
    int next;

    if (b == NULL || sc == NULL || len == 0)
        goto no;
    b->text = malloc(len + 1);
    if (b->text == NULL)
        goto no;
    memcpy(b->text, body, len);
    b->text[len] = '\0';
    if (memchr(b->text, '\0', len) != NULL)
        goto no;
    p = b->text;
    rscan_ws(&p);
    if (*p == '[') {
        b->was_array = 1;
        p++;
    }
    for (;;) {
        if (b->n == max_batch)
            goto no;
        struct response *bigger = dynarr_reserve(b->items, &cap, b->n + 1, sizeof *bigger);

        if (bigger == NULL)
            goto no;
        b->items = bigger;
        if (rscan_object(&p, sc->obj) != 0 || scan_one(sc, &b->items[b->n], 1) != 0)
            goto no;
        b->n++;
        if (!b->was_array)
            break;
        next = rscan_next(&p, ']');
        if (next < 0)
            goto no;
        if (next > 0)
            break;
    }
    rscan_ws(&p);
    if (*p != '\0' || response_repeats_key(b->items, b->n))
        goto no;
    response_scanner_free(sc);
    return b;
no:
    response_scanner_free(sc);
    response_batch_free(b);
    return NULL;
}

int response_parse(const char *body, size_t len, const struct catalog *cat, size_t max_batch,
                   struct response_batch **out, struct response_error *e)
{
    *out = scan_body(body, len, cat, max_batch);
    if (*out != NULL)
        return 0;
    return response_parse_json(body, len, cat, max_batch, out, e);
}
