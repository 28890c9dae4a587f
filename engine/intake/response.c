/*
 * response: parsing and validating responses against their instrument.
 *
 * Everything that comes from the client may end up in an error message, and
 * the message goes back to the client inside JSON and into the log, so
 * messages are kept short and valid UTF-8: values and keys are cut at a
 * character boundary, control characters become '?', and the final text is
 * checked once more (jansson's own parse errors may quote raw input bytes).
 */
#include "response.h"

#include "jsonv.h"
#include "response_priv.h"
#include "utf8.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHOWN_MAX 48   /* bytes of a client's key or string shown in a message */

static const char *const response_fields[] = { "survey", "wave", "city", "id", "attributes",
                                               "answers", "weight", NULL };


/* Replaces invalid UTF-8 and control characters with '?', in place. */
static void utf8_sanitize(char *s)
{
    size_t n = strlen(s);

    for (size_t i = 0; i < n;) {
        size_t len = utf8_seq((const unsigned char *)s + i, n - i);

        if (len == 0 || (len == 1 && (unsigned char)s[i] < 0x20)) {
            s[i++] = '?';
            continue;
        }
        i += len;
    }
}

/* Copies at most SHOWN_MAX bytes of s into buf (size >= SHOWN_MAX + 4), cut at
 * a character boundary, "..." when cut. */
static const char *shown(const char *s, char *buf)
{
    size_t n = strlen(s);
    size_t i = 0;

    while (i < n) {
        size_t len = utf8_seq((const unsigned char *)s + i, n - i);

        if (len == 0)
            len = 1;
        if (i + len > SHOWN_MAX)
            break;
        i += len;
    }
    memcpy(buf, s, i);
    memcpy(buf + i, i < n ? "..." : "", i < n ? 4 : 1);
    utf8_sanitize(buf);
    return buf;
}

/* A short description of a client's value, valid UTF-8 however it was cut. */
static const char *describe(const json_t *v, char *buf, size_t n)
{
    jsonv_describe(v, buf, n);
    utf8_sanitize(buf);
    return buf;
}

/* Fills e: path, and "path: message" (or only the message at the top). */
static int fail(struct response_error *e, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int vfail(struct response_error *e, const char *path, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static int vfail(struct response_error *e, const char *path, const char *fmt, va_list ap)
{
    char msg[sizeof e->message];

    vsnprintf(msg, sizeof msg, fmt, ap);
    snprintf(e->path, sizeof e->path, "%s", path);
    if (path[0] != '\0')
        snprintf(e->message, sizeof e->message, "%s: %s", path, msg);
    else
        snprintf(e->message, sizeof e->message, "%s", msg);
    utf8_sanitize(e->path);
    utf8_sanitize(e->message);
    return -1;
}

static int fail(struct response_error *e, const char *path, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = vfail(e, path, fmt, ap);
    va_end(ap);
    return rc;
}

/* base + field: "[3].answers.x", "line 12: answers.x", "answers.x". */
static void join(char *out, size_t n, const char *base, const char *field)
{
    size_t len = strlen(base);

    if (len == 0)
        snprintf(out, n, "%s", field);
    else if (base[len - 1] == ']')
        snprintf(out, n, "%s.%s", base, field);
    else
        snprintf(out, n, "%s: %s", base, field);
}

static void join2(char *out, size_t n, const char *base, const char *field, const char *key)
{
    char cut[SHOWN_MAX + 4];
    char f[160];

    snprintf(f, sizeof f, "%s.%s", field, shown(key, cut));
    join(out, n, base, f);
}

/*
 * Where a value is, for a message: base + field, or base + field.key. The
 * path text is only built when something fails: valid input (the common
 * case, thousands of values a second) never pays for formatting it.
 */
struct where {
    const char *base, *field, *key;   /* key: NULL for a field itself */
};

static int fail_at(struct response_error *e, const struct where *w, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at(struct response_error *e, const struct where *w, const char *fmt, ...)
{
    char path[300];
    va_list ap;
    int rc;

    if (w->key != NULL)
        join2(path, sizeof path, w->base, w->field, w->key);
    else
        join(path, sizeof path, w->base, w->field);
    va_start(ap, fmt);
    rc = vfail(e, path, fmt, ap);
    va_end(ap);
    return rc;
}

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int response_uuid(const char *s, char out[37])
{
    if (strlen(s) != 36)
        return -1;
    for (int i = 0; i < 36; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;

        if (dash ? s[i] != '-' : !is_hex(s[i]))
            return -1;
        out[i] = (s[i] >= 'A' && s[i] <= 'F') ? (char)(s[i] - 'A' + 'a') : s[i];
    }
    out[36] = '\0';
    return 0;
}

static int get_string(const json_t *obj, const char *key, const char **out, const char *base,
                      struct response_error *e)
{
    const json_t *v = json_object_get(obj, key);
    const struct where w = { base, key, NULL };
    char got[96];

    if (v == NULL)
        return fail_at(e, &w, "expected a string, but the field is missing");
    if (!json_is_string(v) || json_string_length(v) == 0)
        return fail_at(e, &w, "expected a non-empty string, got %s",
                    describe(v, got, sizeof got));
    *out = json_string_value(v);
    return 0;
}

static int check_fields(const json_t *obj, const char *base, struct response_error *e)
{
    const char *key;
    json_t *v;

    json_object_foreach((json_t *)obj, key, v) {
        int known = 0;
        char path[300];

        for (size_t i = 0; !known && response_fields[i] != NULL; i++)
            known = strcmp(key, response_fields[i]) == 0;
        if (!known) {
            char cut[SHOWN_MAX + 4];

            join(path, sizeof path, base, shown(key, cut));
            return fail(e, path, "unknown field (expected survey, wave, city, id, attributes, "
                        "answers, weight)");
        }
    }
    return 0;
}

/* survey, wave, city and id: which instrument, and the key. */
static int parse_head(const json_t *obj, const struct catalog *cat, const char *base,
                      struct response *r, struct response_error *e)
{
    const struct catalog_wave *w;
    const char *id;
    char cut[SHOWN_MAX + 4];

    if (get_string(obj, "survey", &r->survey, base, e) != 0 ||
        get_string(obj, "wave", &r->wave, base, e) != 0 ||
        get_string(obj, "city", &r->city, base, e) != 0 ||
        get_string(obj, "id", &id, base, e) != 0)
        return -1;
    if (catalog_survey_latest(cat, r->survey) == NULL)
        return fail_at(e, &(struct where){ base, "survey", NULL }, "unknown survey \"%s\"",
                       shown(r->survey, cut));
    w = catalog_wave(cat, r->survey, r->wave);
    if (w == NULL)
        return fail_at(e, &(struct where){ base, "wave", NULL },
                       "survey \"%s\" has no wave \"%s\"", r->survey, shown(r->wave, cut));
    r->instrument = catalog_survey(cat, r->survey, w->survey_version);
    if (r->instrument == NULL)
        return fail_at(e, &(struct where){ base, "wave", NULL }, "wave \"%s\" uses version %d of the survey, which is not loaded",
                    r->wave, w->survey_version);
    if (!catalog_has_city(cat, r->city))
        return fail_at(e, &(struct where){ base, "city", NULL }, "unknown city \"%s\" (expected a city slug of the registry)",
                    shown(r->city, cut));
    if (response_uuid(id, r->id) != 0)
        return fail_at(e, &(struct where){ base, "id", NULL }, "expected a UUID like \"4a6c2f0e-8d1b-4c3a-9f2e-0b5d7c8e1a24\", "
                    "got \"%s\"", shown(id, cut));
    return 0;
}

/* "1 to 5, or 9 (no answer)" for messages. */
static void expected_range(const struct survey_item *it, char *buf, size_t n)
{
    size_t len;

    if (it->type == SURVEY_SINGLE) {
        len = (size_t)snprintf(buf, n, "one of the codes");
        for (size_t k = 0; k < it->noptions && len < n; k++)
            len += (size_t)snprintf(buf + len, n - len, "%s %d", k ? "," : "",
                                    it->options[k].code);
    } else {
        len = (size_t)snprintf(buf, n, "an integer from %d to %d", it->min, it->max);
    }
    for (size_t k = 0; k < it->nmissing && len < n; k++)
        len += (size_t)snprintf(buf + len, n - len, "%s %d", k ? "," : ", or", it->missing[k]);
    if (len < n)
        snprintf(buf + len, n - len, "%s", it->nmissing ? " (no answer), or null" : ", or null");
}

static int option_index(const struct survey_item *it, long long code)
{
    for (size_t k = 0; k < it->noptions; k++)
        if (it->options[k].code == code)
            return (int)k;
    return -1;
}

static int parse_multi(const struct survey_item *it, const json_t *v, int16_t *out,
                       const struct where *path, struct response_error *e)
{
    char got[96];
    unsigned bits = 0;
    size_t i;
    json_t *c;

    if (!json_is_array(v))
        return fail_at(e, path, "expected an array of option codes (0 to %zu), or null; got %s",
                    it->noptions - 1, describe(v, got, sizeof got));
    json_array_foreach(v, i, c) {
        long long code = json_is_integer(c) ? json_integer_value(c) : -1;

        if (option_index(it, code) < 0)
            return fail_at(e, path, "element %zu: expected an option code from 0 to %zu, got %s",
                        i, it->noptions - 1, describe(c, got, sizeof got));
        if (bits & (1u << code))
            return fail_at(e, path, "option %lld is given twice", code);
        bits |= 1u << code;
    }
    *out = (int16_t)bits;
    return 0;
}

/* One answer; v is not NULL and not null. */
static int parse_answer(const struct survey_item *it, const json_t *v, struct response *r,
                        size_t idx, const struct where *path, struct response_error *e)
{
    char got[96], exp[400];

    if (it->type == SURVEY_MULTI)
        return parse_multi(it, v, &r->answers[idx], path, e);
    if (it->type == SURVEY_TEXT) {
        if (!json_is_string(v))
            return fail_at(e, path, "expected a text of at most %d characters, or null; got %s",
                        it->max_length, describe(v, got, sizeof got));
        if (utf8_chars(json_string_value(v)) > (size_t)it->max_length)
            return fail_at(e, path, "the text has %zu characters, at most %d are accepted",
                        utf8_chars(json_string_value(v)), it->max_length);
        if (json_string_length(v) > 0)
            r->texts[idx] = (char *)json_string_value(v);
        return 0;
    }
    if (!json_is_integer(v) || !survey_item_accepts(it, json_integer_value(v))) {
        expected_range(it, exp, sizeof exp);
        return fail_at(e, path, "expected %s; got %s", exp, describe(v, got, sizeof got));
    }
    r->answers[idx] = (int16_t)json_integer_value(v);
    return 0;
}

static int parse_answers(const json_t *obj, const char *base, struct response *r,
                         struct response_error *e)
{
    const struct survey *s = r->instrument;
    const json_t *answers = json_object_get(obj, "answers");
    const struct where here = { base, "answers", NULL };
    char got[96];
    size_t given = 0;
    const char *key;
    json_t *v;
    int k = -1;

    if (!json_is_object(answers))
        return fail_at(e, &here, "expected an object of answers keyed by item code, got %s",
                       answers != NULL ? describe(answers, got, sizeof got) : "nothing");
    json_object_foreach((json_t *)answers, key, v) {
        const struct where at = { base, "answers", key };

        /* clients send the items in instrument order: try the next first */
        if (k + 1 >= (int)s->nitems || strcmp(s->items[k + 1].code, key) != 0)
            k = survey_item_index(s, key);
        else
            k++;
        if (k < 0)
            return fail_at(e, &at, "unknown item: survey \"%s\" version %d has no item with "
                           "this code", s->slug, s->version);
        if (json_is_null(v))
            continue;
        if (parse_answer(&s->items[k], v, r, (size_t)k, &at, e) != 0)
            return -1;
        given++;
    }
    if (given == 0)
        return fail_at(e, &here, "no item is answered");
    return 0;
}

static int parse_attrs(const json_t *obj, const char *base, struct response *r,
                       struct response_error *e)
{
    const struct survey *s = r->instrument;
    const json_t *attrs = json_object_get(obj, "attributes");
    char got[96];
    const char *key;
    json_t *v;

    if (attrs != NULL && !json_is_object(attrs))
        return fail_at(e, &(struct where){ base, "attributes", NULL }, "expected an object of attribute codes, got %s",
                    describe(attrs, got, sizeof got));
    json_object_foreach((json_t *)attrs, key, v) {
        int k = survey_attr_index(s, key);
        const struct survey_attr *a = k >= 0 ? &s->attrs[k] : NULL;
        const struct where at = { base, "attributes", key };
        int ok = 0;

        if (a == NULL)
            return fail_at(e, &at, "unknown attribute: survey \"%s\" version %d has no attribute "
                        "with this code", s->slug, s->version);
        if (json_is_null(v))
            continue;
        for (size_t o = 0; json_is_integer(v) && o < a->noptions; o++)
            ok |= a->options[o].code == json_integer_value(v);
        if (!ok)
            return fail_at(e, &at, "expected one of the codes %d to %d listed in the instrument%s; "
                        "got %s", a->options[0].code, a->options[a->noptions - 1].code,
                        a->required ? "" : ", or null", describe(v, got, sizeof got));
        r->attrs[k] = (int16_t)json_integer_value(v);
    }
    for (size_t k = 0; k < s->nattrs; k++)
        if (s->attrs[k].required && r->attrs[k] == SURVEY_NA)
            return fail_at(e, &(struct where){ base, "attributes", s->attrs[k].code },
                           "required attribute (%s) is missing", s->attrs[k].label_pl);
    return 0;
}

static int parse_weight(const json_t *obj, const char *base, struct response *r,
                        struct response_error *e)
{
    const json_t *v = json_object_get(obj, "weight");
    const struct where here = { base, "weight", NULL };
    char got[96];
    double w;

    r->weight = 0;
    if (!r->instrument->weighted) {
        if (v != NULL && !json_is_null(v))
            return fail_at(e, &here, "survey \"%s\" is not weighted: leave the weight out, got %s",
                        r->instrument->slug, describe(v, got, sizeof got));
        return 0;
    }
    if (v == NULL || !json_is_number(v))
        return fail_at(e, &here, "survey \"%s\" is weighted: expected a number greater than 0, got %s",
                    r->instrument->slug, v != NULL ? describe(v, got, sizeof got) : "nothing");
    w = json_number_value(v);
    if (!isfinite(w) || w <= 0)
        return fail_at(e, &here, "expected a finite number greater than 0, got %s",
                    describe(v, got, sizeof got));
    r->weight = w;
    return 0;
}

int response_alloc_arrays(struct response *r, const char *base, struct response_error *e)
{
    const struct survey *s = r->instrument;
    int has_text = 0;

    r->answers = malloc((s->nitems + 1) * sizeof *r->answers);
    r->attrs = malloc((s->nattrs + 1) * sizeof *r->attrs);
    for (size_t i = 0; i < s->nitems; i++)
        has_text |= s->items[i].type == SURVEY_TEXT;
    r->texts = has_text ? calloc(s->nitems, sizeof *r->texts) : NULL;
    if (r->answers == NULL || r->attrs == NULL || (has_text && r->texts == NULL))
        return fail(e, base, "out of memory");
    response_set_unanswered(r);
    return 0;
}

void response_set_unanswered(struct response *r)
{
    const struct survey *s = r->instrument;

    for (size_t i = 0; i < s->nitems; i++)
        r->answers[i] = SURVEY_NA;
    for (size_t i = 0; i < s->nattrs; i++)
        r->attrs[i] = SURVEY_NA;
    if (r->texts != NULL)
        memset(r->texts, 0, s->nitems * sizeof *r->texts);
}

int response_from_json(const json_t *obj, const struct catalog *cat, const char *path,
                       struct response *out, struct response_error *e)
{
    char got[96];

    memset(out, 0, sizeof *out);
    if (!json_is_object(obj))
        return fail(e, path, "expected a response object, got %s", describe(obj, got, sizeof got));
    if (check_fields(obj, path, e) != 0 || parse_head(obj, cat, path, out, e) != 0)
        return -1;
    if (response_alloc_arrays(out, path, e) != 0 || parse_answers(obj, path, out, e) != 0 ||
        parse_attrs(obj, path, out, e) != 0 || parse_weight(obj, path, out, e) != 0) {
        response_clear(out);
        return -1;
    }
    return 0;
}

void response_clear(struct response *r)
{
    free(r->answers);
    free(r->attrs);
    free(r->texts);
    r->answers = NULL;
    r->attrs = NULL;
    r->texts = NULL;
}

void response_batch_free(struct response_batch *b)
{
    if (b == NULL)
        return;
    for (size_t i = 0; i < b->n; i++)
        response_clear(&b->items[i]);
    free(b->items);
    free(b->pos);
    json_decref(b->root);
    free(b->text);
    free(b);
}

static int same_text(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

int response_same_content(const struct response *a, const struct response *b)
{
    const struct survey *s = a->instrument;

    if (s != b->instrument || strcmp(a->survey, b->survey) != 0 ||
        strcmp(a->wave, b->wave) != 0 || a->weight != b->weight)
        return 0;
    if (memcmp(a->answers, b->answers, s->nitems * sizeof *a->answers) != 0 ||
        memcmp(a->attrs, b->attrs, s->nattrs * sizeof *a->attrs) != 0)
        return 0;
    for (size_t i = 0; a->texts != NULL && i < s->nitems; i++)
        if (!same_text(a->texts[i], b->texts[i]))
            return 0;
    return 1;
}

/* Earlier response of the batch with the same key, or -1. */
static long find_key(const struct response *items, size_t n, const struct response *r)
{
    for (size_t j = 0; j < n; j++)
        if (strcmp(items[j].id, r->id) == 0 && strcmp(items[j].city, r->city) == 0)
            return (long)j;
    return -1;
}

/* Validates every element into b->items; a repeated key with the same content
 * is kept once. */
static int parse_elements(struct response_batch *b, const json_t *arr, const struct catalog *cat,
                          struct response_error *e)
{
    size_t i;
    json_t *el;

    json_array_foreach(arr, i, el) {
        struct response *r = &b->items[b->n];
        char path[32];
        long dup;

        path[0] = '\0';
        if (b->was_array)
            snprintf(path, sizeof path, "[%zu]", i);
        if (response_from_json(el, cat, path, r, e) != 0)
            return -1;
        dup = find_key(b->items, b->n, r);
        if (dup >= 0 && !response_same_content(&b->items[dup], r)) {
            response_clear(r);
            snprintf(path, sizeof path, "[%zu].id", i);
            return fail(e, path, "the id \"%s\" for city \"%s\" is given twice in this body "
                        "with different content (first at [%ld])", r->id, r->city, dup);
        }
        if (dup >= 0) {
            response_clear(r);
        } else {
            b->pos[b->n] = i;
            b->n++;
        }
    }
    return 0;
}

static int load_body(const char *body, size_t len, json_t **root, struct response_error *e)
{
    json_error_t je;

    *root = NULL;
    if (len == 0)
        return fail(e, "", "the body is empty: expected a JSON object or array of responses");
    *root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (*root == NULL)
        return fail(e, "", "invalid JSON at line %d, column %d: %s", je.line, je.column,
                    je.text);
    return 0;
}

static int key_order(const void *a, const void *b)
{
    const struct response *x = *(const struct response *const *)a;
    const struct response *y = *(const struct response *const *)b;
    int c = strcmp(x->city, y->city);

    return c != 0 ? c : strcmp(x->id, y->id);
}

int response_repeats_key(const struct response *items, size_t n)
{
    const struct response **v;
    int repeated = 0;

    if (n < 2)
        return 0;
    v = malloc(n * sizeof *v);
    if (v == NULL)
        return 1;
    for (size_t i = 0; i < n; i++)
        v[i] = &items[i];
    qsort(v, n, sizeof *v, key_order);
    for (size_t i = 1; i < n && !repeated; i++)
        repeated = key_order(&v[i - 1], &v[i]) == 0;
    free(v);
    return repeated;
}

int response_parse_json(const char *body, size_t len, const struct catalog *cat,
                        size_t max_batch, struct response_batch **out,
                        struct response_error *e)
{
    struct response_batch *b;
    json_t *arr = NULL;
    char got[96];

    *out = NULL;
    b = calloc(1, sizeof *b);
    if (b == NULL)
        return fail(e, "", "out of memory");
    if (load_body(body, len, &b->root, e) != 0)
        goto fail;
    b->was_array = json_is_array(b->root);
    if (!b->was_array && !json_is_object(b->root)) {
        fail(e, "", "expected a response object or an array of them, got %s",
             describe(b->root, got, sizeof got));
        goto fail;
    }
    arr = b->was_array ? json_incref(b->root) : json_pack("[O]", b->root);
    if (arr == NULL) {
        fail(e, "", "out of memory");
        goto fail;
    }
    if (json_array_size(arr) == 0 || json_array_size(arr) > max_batch) {
        fail(e, "", "expected 1 to %zu responses in one body, got %zu", max_batch,
             json_array_size(arr));
        goto fail;
    }
    b->items = calloc(json_array_size(arr), sizeof *b->items);
    b->pos = malloc(json_array_size(arr) * sizeof *b->pos);
    if (b->items == NULL || b->pos == NULL) {
        fail(e, "", "out of memory");
        goto fail;
    }
    if (parse_elements(b, arr, cat, e) != 0)
        goto fail;
    json_decref(arr);
    *out = b;
    return 0;
fail:
    json_decref(arr);
    response_batch_free(b);
    return -1;
}
