/*
 * response_scan: the fast way in for plain bodies (rscan.h, no jansson):
 * response_parse tries it first and falls back to response_parse_json,
 * which words the errors. Declared in response.h.
 */
#include "response.h"

#include "response_priv.h"
#include "rscan.h"

#include <stdlib.h>
#include <string.h>

#define SCAN_MAX_INSTRUMENTS 8

struct body_scan {
    struct rscan_obj obj;
    struct rscan_codes codes[SCAN_MAX_INSTRUMENTS];
    size_t ncodes;
    unsigned char *seen;
    size_t cap_seen;
};

static void body_scan_free(struct body_scan *sc)
{
    for (size_t i = 0; i < sc->ncodes; i++)
        rscan_codes_clear(&sc->codes[i]);
    free(sc->seen);
    free(sc);
}

static const struct rscan_codes *scan_codes(struct body_scan *sc, const struct survey *s)
{
    size_t need = s->nitems > s->nattrs ? s->nitems : s->nattrs;

    if (need > sc->cap_seen) {
        unsigned char *bigger = realloc(sc->seen, need);

        if (bigger == NULL)
            return NULL;
        sc->seen = bigger;
        sc->cap_seen = need;
    }
    for (size_t i = 0; i < sc->ncodes; i++)
        if (sc->codes[i].s == s)
            return &sc->codes[i];
    if (sc->ncodes == SCAN_MAX_INSTRUMENTS || rscan_codes_init(&sc->codes[sc->ncodes], s) != 0)
        return NULL;
    return &sc->codes[sc->ncodes++];
}

/* One scanned object into r: 0, or -1 (r cleared) when not surely valid. */
static int scan_one(struct body_scan *sc, const struct catalog *cat, struct response *r)
{
    const struct rscan_obj *o = &sc->obj;
    const struct catalog_wave *w;
    const struct rscan_codes *m;
    struct response_error ignored;

    memset(r, 0, sizeof *r);
    if (o->survey == NULL || o->wave == NULL || o->city == NULL || o->id == NULL ||
        o->survey[0] == '\0' || o->wave[0] == '\0' || o->city[0] == '\0' ||
        catalog_survey_latest(cat, o->survey) == NULL ||
        (w = catalog_wave(cat, o->survey, o->wave)) == NULL ||
        (r->instrument = catalog_survey(cat, o->survey, w->survey_version)) == NULL ||
        !catalog_has_city(cat, o->city) || response_uuid(o->id, r->id) != 0)
        return -1;
    r->survey = o->survey;
    r->wave = o->wave;
    r->city = o->city;
    m = scan_codes(sc, r->instrument);
    if (m == NULL || response_alloc_arrays(r, "", &ignored) != 0 || rscan_fill(o, m, sc->seen, r) != 0) {
        response_clear(r);
        return -1;
    }
    return 0;
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
    /* not calloc: the pairs are large and rscan_object sets what it uses */
    struct body_scan *sc = malloc(sizeof *sc);
    size_t cap = 0;
    char *p;

    if (sc != NULL) {
        sc->ncodes = 0;
        sc->seen = NULL;
        sc->cap_seen = 0;
    }
    if (b == NULL || sc == NULL || len == 0 || (b->text = malloc(len + 1)) == NULL)
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
        if (b->n == cap) {
            size_t more = cap == 0 ? 16 : 2 * cap;
            struct response *bigger = realloc(b->items, more * sizeof *bigger);

            if (bigger == NULL)
                goto no;
            b->items = bigger;
            cap = more;
        }
        if (rscan_object(&p, &sc->obj) != 0 || scan_one(sc, cat, &b->items[b->n]) != 0)
            goto no;
        b->n++;
        rscan_ws(&p);
        if (!b->was_array)
            break;
        if (*p == ']') {
            p++;
            break;
        }
        if (*p++ != ',')
            goto no;
    }
    rscan_ws(&p);
    if (*p != '\0' || response_repeats_key(b->items, b->n))
        goto no;
    body_scan_free(sc);
    return b;
no:
    if (sc != NULL)
        body_scan_free(sc);
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
