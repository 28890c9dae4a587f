/*
 * empirie-gen: a fast, deterministic generator of realistic synthetic
 * responses for any instrument (the JSON files in surveys/, read with survey_load_file).
 *
 * The model, per respondent r of city c in wave w (wave index t):
 *   z     = city_effect(c) + trend(c) * t + sum of attribute-option effects + N(0,1)
 *   theta = dim_mean(d) + 0.8 z + 0.6 N(0,1)        per dimension d (items outside
 *                                                   a dimension use z itself)
 *   Likert item i: value = round(mid + spread (theta - difficulty(i) + 0.75 N(0,1)))
 *   clamped to the scale, then stored reversed for reverse-coded items, so the
 *   score (after reverse coding) rises with the latent value; items of one
 *   dimension share theta, which gives Cronbach's alpha around 0.8.
 *   eNPS (0-10 scale): 7 + 1.9 z + 1.2 N(0,1), so the drivers are real.
 *   Single / multiple choice: option shares shift with z.
 * Every parameter comes from a hash of (seed, a code): city, item and option
 * codes, so an item keeps its difficulty across instrument versions and the
 * output for one city and wave does not depend on any other. Each (city,
 * wave) cell draws from its own random stream, and ids are UUIDs hashed from
 * (seed, survey, city, wave, index): the same command prints the same bytes,
 * and posting them twice stores them once.
 *
 * Speed: no allocation per row, hand-written number formatting, one 1 MiB
 * output buffer; a few million rows a minute on one core.
 */
#include "survey.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define GEN_MAX_VERSIONS 16
#define GEN_MAX_WAVES 64
#define GEN_BUF (1u << 20)

/* ---- random numbers: splitmix64 for hashing, xoshiro256** for streams ---- */

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static uint64_t hash_str(uint64_t h, const char *s)
{
    for (; *s != '\0'; s++)
        h = mix64(h ^ (unsigned char)*s);
    return mix64(h ^ 0xffu);
}

static uint64_t hash2(uint64_t seed, const char *a, const char *b)
{
    uint64_t h = hash_str(mix64(seed), a);

    return b != NULL ? hash_str(h, b) : h;
}

/* A uniform double in [0,1) from a hash. */
static double hash_unit(uint64_t h)
{
    return (double)(mix64(h) >> 11) * 0x1.0p-53;
}

/* A standard normal value from a hash (Box-Muller on two hashed uniforms). */
static double hash_normal(uint64_t h)
{
    double u = hash_unit(h), v = hash_unit(h ^ 0x5bd1e995ull);

    if (u < 1e-300)
        u = 1e-300;
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

struct rng {
    uint64_t s[4];
    int has_spare;
    double spare;
};

static void rng_seed(struct rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) {
        seed = mix64(seed + (uint64_t)i);
        r->s[i] = seed;
    }
    r->has_spare = 0;
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

static double rng_unit(struct rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Marsaglia's polar method, keeping the second value. */
static double rng_normal(struct rng *r)
{
    double u, v, s;

    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    do {
        u = 2.0 * rng_unit(r) - 1.0;
        v = 2.0 * rng_unit(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    s = sqrt(-2.0 * log(s) / s);
    r->spare = v * s;
    r->has_spare = 1;
    return u * s;
}

/* ---- buffered output ---- */

struct out {
    FILE *f;
    const char *name;
    char *buf;
    size_t len;
    int failed;
};

static void out_flush(struct out *o)
{
    if (o->len > 0 && !o->failed && fwrite(o->buf, 1, o->len, o->f) != o->len)
        o->failed = errno != 0 ? errno : EIO;
    o->len = 0;
}

/* Room for n more bytes (n is small: one field). */
static char *out_room(struct out *o, size_t n)
{
    if (o->len + n > GEN_BUF)
        out_flush(o);
    return o->buf + o->len;
}

static void out_mem(struct out *o, const char *s, size_t n)
{
    if (n > GEN_BUF / 2) {
        out_flush(o);
        if (!o->failed && fwrite(s, 1, n, o->f) != n)
            o->failed = errno != 0 ? errno : EIO;
        return;
    }
    memcpy(out_room(o, n), s, n);
    o->len += n;
}

static void out_str(struct out *o, const char *s)
{
    out_mem(o, s, strlen(s));
}

static void out_ch(struct out *o, char c)
{
    *out_room(o, 1) = c;
    o->len++;
}

static void out_int(struct out *o, long long v)
{
    char tmp[24], *p = tmp + sizeof tmp;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;

    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        *--p = '-';
    out_mem(o, p, (size_t)(tmp + sizeof tmp - p));
}

/* A positive number with 4 decimals (weights). */
static void out_fixed4(struct out *o, double v)
{
    long long k = llround(v * 10000.0);

    out_int(o, k / 10000);
    out_ch(o, '.');
    k %= 10000;
    out_ch(o, (char)('0' + k / 1000));
    out_ch(o, (char)('0' + k / 100 % 10));
    out_ch(o, (char)('0' + k / 10 % 10));
    out_ch(o, (char)('0' + k % 10));
}

static void out_json_str(struct out *o, const char *s)
{
    out_ch(o, '"');
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\') {
            out_ch(o, '\\');
            out_ch(o, (char)c);
        } else if (c < 0x20) {
            static const char hex[] = "0123456789abcdef";
            out_str(o, "\\u00");
            out_ch(o, hex[c >> 4]);
            out_ch(o, hex[c & 15]);
        } else {
            out_ch(o, (char)c);
        }
    }
    out_ch(o, '"');
}

/* COPY text format escapes. */
static void out_copy_str(struct out *o, const char *s)
{
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '\\': out_str(o, "\\\\"); break;
        case '\t': out_str(o, "\\t"); break;
        case '\n': out_str(o, "\\n"); break;
        case '\r': out_str(o, "\\r"); break;
        default: out_ch(o, *s);
        }
    }
}

/* CSV field (RFC 4180 quoting when needed). */
static void out_csv_str(struct out *o, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        out_str(o, s);
        return;
    }
    out_ch(o, '"');
    for (; *s != '\0'; s++) {
        if (*s == '"')
            out_ch(o, '"');
        out_ch(o, *s);
    }
    out_ch(o, '"');
}

/* ---- the job ---- */

enum format { FMT_NDJSON, FMT_CSV, FMT_BATCHES, FMT_COPY, FMT_CITIES };

struct wave {
    const char *label;
    const struct survey *instrument;
};

struct gen {
    uint64_t seed;
    struct survey *versions[GEN_MAX_VERSIONS];
    size_t nversions;
    const char *slug;
    struct wave waves[GEN_MAX_WAVES];
    size_t nwaves;
    char **cities;
    size_t ncities;
    long long per_city;    /* mean responses per city per wave */
    long long total;       /* or a total, split evenly */
    int even;              /* every city the same size */
    int small;             /* one city with 3 respondents in wave 2 */
    enum format format;
    size_t batch;
    const char *out_path;
    const char *out_dir;
    /* scratch, sized for the largest instrument: no allocation per row */
    int16_t *answers;
    int16_t *attrs;
    double *theta;
    const char **texts;
    long long rows;
    /* CSV columns (codes owned by the instruments) */
    const char **csv_attrs, **csv_items;
    size_t ncsv_attrs, ncsv_items;
    /* batches */
    size_t in_batch;
    unsigned long long batch_no;
    struct out o;
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
    va_list ap;

    fputs("empirie-gen: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static void usage(FILE *f)
{
    fputs("Usage: empirie-gen -i INSTRUMENT [-i INSTRUMENT ...] [OPTIONS]\n"
          "\n"
          "Writes realistic synthetic responses for an instrument: a latent satisfaction per\n"
          "respondent around a city effect, a per-city linear trend over waves and noise,\n"
          "mapped to every item (reverse coding respected, item difficulties, correlated\n"
          "items within a dimension), eNPS from the same latent value, attributes with\n"
          "plausible shares, some \"don't know\" and missing answers, post-stratification\n"
          "weights for weighted surveys, and small groups so that suppression shows.\n"
          "Deterministic: the same options print the same bytes (ids included).\n"
          "\n"
          "Instruments and waves:\n"
          "  -i, --instrument FILE  an instrument (surveys/*.json); repeat for each version\n"
          "  --waves LIST           LABEL[:VERSION],... in time order (default: the survey's\n"
          "                         waves in REGISTRY/waves.json; else 2022,2023,2024,2025)\n"
          "  --registry DIR         the registry folder (default surveys/registry)\n"
          "Cities and sizes:\n"
          "  --cities N             made-up cities miasto-0001 ... (default: the programme\n"
          "                         cities of REGISTRY/cities.json); --format cities prints\n"
          "                         their registry rows\n"
          "  --city-list A,B,...    these city slugs\n"
          "  --per-city N           mean responses per city and wave (default 60); city\n"
          "                         sizes vary from 0.4x to 1.6x unless --even\n"
          "  --total N              N responses in all, split evenly over cities and waves\n"
          "  --even                 every city the same size\n"
          "  --no-small             no deliberately small group (by default the last city\n"
          "                         has 3 respondents in the second wave)\n"
          "Output:\n"
          "  --format F             ndjson (default): one response object per line, for the\n"
          "                           API and empirie import\n"
          "                         csv: empirie import's CSV (header: survey,wave,city,id,\n"
          "                           weight, attr.CODE per attribute, the item codes of\n"
          "                           every version; multiple choice as codes joined by '|')\n"
          "                         batches: JSON arrays of --batch responses, one array\n"
          "                           per line, or one file each with --out-dir\n"
          "                         copy: PostgreSQL COPY text for\n"
          "                           response (city, id, survey, wave, survey_version,\n"
          "                           attrs, answers, texts, weight)\n"
          "                         cities: COPY text for city (slug, name, programme)\n"
          "  --batch N              responses per batch (default 500)\n"
          "  -o, --out FILE         write here (default: standard output)\n"
          "  --out-dir DIR          batches: DIR/batch-000001.json, ...\n"
          "  --seed N               random seed (default 1)\n"
          "  -h, --help             this help\n"
          "\n"
          "Example: empirie-gen -i surveys/employee-satisfaction.json \\\n"
          "           -i surveys/employee-satisfaction-v2.json --format batches --out-dir b/\n",
          f);
}

static long long parse_count(const char *opt, const char *s, long long min, long long max)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
        die("%s: expected a whole number from %lld to %lld, got '%s'", opt, min, max, s);
    return v;
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s);

    if (d == NULL)
        die("out of memory");
    return d;
}

static const struct survey *version_of(const struct gen *g, int version)
{
    for (size_t v = 0; v < g->nversions; v++)
        if (g->versions[v]->version == version)
            return g->versions[v];
    return NULL;
}

static const struct survey *newest(const struct gen *g)
{
    const struct survey *best = g->versions[0];

    for (size_t v = 1; v < g->nversions; v++)
        if (g->versions[v]->version > best->version)
            best = g->versions[v];
    return best;
}

static void add_wave(struct gen *g, const char *label, int version)
{
    const struct survey *s = version > 0 ? version_of(g, version) : newest(g);

    if (g->nwaves == GEN_MAX_WAVES)
        die("too many waves (at most %d)", GEN_MAX_WAVES);
    if (s == NULL)
        die("wave %s uses version %d of %s: give that instrument with -i", label, version,
            g->slug);
    g->waves[g->nwaves].label = xstrdup(label);
    g->waves[g->nwaves].instrument = s;
    g->nwaves++;
}

static void waves_from_list(struct gen *g, const char *list)
{
    char *copy = xstrdup(list), *save = NULL;

    for (char *tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(tok, ':');
        int version = 0;

        if (colon != NULL) {
            *colon = '\0';
            version = (int)parse_count("--waves", colon + 1, 1, 1000000);
        }
        if (*tok == '\0')
            die("--waves: empty wave label in '%s'", list);
        add_wave(g, tok, version);
    }
    free(copy);
}

static int wave_cmp(const void *a, const void *b)
{
    const char *x = json_string_value(json_object_get(*(json_t *const *)a, "opens_on"));
    const char *y = json_string_value(json_object_get(*(json_t *const *)b, "opens_on"));

    return strcmp(x != NULL ? x : "", y != NULL ? y : "");
}

/* The survey's waves from waves.json; 0 when the file is absent. */
static int waves_from_registry(struct gen *g, const char *dir)
{
    char path[4096];
    json_error_t je;
    json_t *doc, *arr, *mine[GEN_MAX_WAVES], *w;
    size_t n = 0, i;

    snprintf(path, sizeof path, "%s/waves.json", dir);
    doc = json_load_file(path, 0, &je);
    if (doc == NULL)
        return 0;
    arr = json_object_get(doc, "waves");
    if (!json_is_array(arr))
        die("%s: expected an object with an array \"waves\"", path);
    json_array_foreach(arr, i, w) {
        const char *s = json_string_value(json_object_get(w, "survey"));

        if (s != NULL && strcmp(s, g->slug) == 0) {
            if (n == GEN_MAX_WAVES)
                die("%s: too many waves", path);
            mine[n++] = w;
        }
    }
    qsort(mine, n, sizeof mine[0], wave_cmp);
    for (i = 0; i < n; i++) {
        const char *label = json_string_value(json_object_get(mine[i], "label"));
        json_int_t v = json_integer_value(json_object_get(mine[i], "survey_version"));

        if (label == NULL)
            die("%s: a wave of %s has no label", path, g->slug);
        add_wave(g, label, (int)v);
    }
    json_decref(doc);
    return n > 0;
}

static void add_city(struct gen *g, const char *slug)
{
    char **c = realloc(g->cities, (g->ncities + 1) * sizeof *c);

    if (c == NULL)
        die("out of memory");
    g->cities = c;
    g->cities[g->ncities++] = xstrdup(slug);
}

static void cities_from_registry(struct gen *g, const char *dir)
{
    char path[4096];
    json_error_t je;
    json_t *doc, *arr, *c;
    size_t i;

    snprintf(path, sizeof path, "%s/cities.json", dir);
    doc = json_load_file(path, 0, &je);
    if (doc == NULL)
        die("%s: %s (line %d)", path, je.text, je.line);
    arr = json_object_get(doc, "cities");
    if (!json_is_array(arr))
        die("%s: expected an object with an array \"cities\"", path);
    json_array_foreach(arr, i, c) {
        const char *slug = json_string_value(json_object_get(c, "slug"));

        if (slug != NULL && json_is_true(json_object_get(c, "programme")))
            add_city(g, slug);
    }
    json_decref(doc);
    if (g->ncities == 0)
        die("%s: no programme city", path);
}

/* ---- drawing one response ---- */

/* A discrete choice by weights (n small). */
static size_t pick(struct rng *r, const double *w, size_t n)
{
    double total = 0, u;

    for (size_t k = 0; k < n; k++)
        total += w[k];
    u = rng_unit(r) * total;
    for (size_t k = 0; k < n; k++) {
        if (u < w[k])
            return k;
        u -= w[k];
    }
    return n - 1;
}

/* The sample share of option k of attribute a (unnormalized), from hashes.
 * Three options: a managerial role (most have none) or, in a weighted
 * (youth) survey, gender with a small third option. The first attribute
 * (department, age band) has a rare last option: a small group. */
static double attr_share(const struct gen *g, const struct survey *s, size_t ai, size_t k)
{
    const struct survey_attr *a = &s->attrs[ai];

    if (a->noptions == 2)
        return 0.5;
    if (a->noptions == 3) {
        static const double manager[] = { 0.78, 0.17, 0.05 }, gender[] = { 0.5, 0.46, 0.04 };
        return s->weighted ? gender[k] : manager[k];
    }
    if (ai == 0 && k == a->noptions - 1)
        return 0.12;
    return 0.5 + 1.5 * hash_unit(mix64(hash2(g->seed, "share", a->code) + (uint64_t)k));
}

/* The population share relative to the sample share: the post-stratification
 * weight factor of option k. */
static double attr_pop_factor(const struct gen *g, const struct survey_attr *a, size_t k)
{
    return exp(0.3 * hash_normal(mix64(hash2(g->seed, "population", a->code) + (uint64_t)k)));
}

static double attr_effect(const struct gen *g, const struct survey_attr *a, size_t k)
{
    return 0.25 * hash_normal(mix64(hash2(g->seed, "effect", a->code) + (uint64_t)a->options[k].code));
}

static int likert_value(const struct survey_item *it, double x)
{
    double mid = 0.5 * (it->min + it->max), spread = (it->max - it->min) / 3.6;
    long v = lround(mid + spread * x);

    if (v < it->min)
        v = it->min;
    if (v > it->max)
        v = it->max;
    return it->reverse ? it->min + it->max - (int)v : (int)v;
}

static const char *const text_pool[] = {
    "Więcej szkoleń, proszę.",
    "Lepszy przepływ informacji między wydziałami.",
    "Dziękuję za ankietę.",
    "Za mało miejsc do spędzania czasu wieczorem.",
    "Potrzebne lepsze połączenia autobusowe.",
    "Praca zdalna raz w tygodniu byłaby dużym ułatwieniem.",
};

/* Fills g->answers, g->attrs, g->texts; returns the weight (0: unweighted). */
static double draw(struct gen *g, const struct survey *s, struct rng *r, double base)
{
    double z = base, weight = 1.0;

    for (size_t a = 0; a < s->nattrs; a++) {
        const struct survey_attr *at = &s->attrs[a];
        double w[64];
        size_t n = at->noptions < 64 ? at->noptions : 64, k;

        for (k = 0; k < n; k++)
            w[k] = attr_share(g, s, a, k);
        k = pick(r, w, n);
        z += attr_effect(g, at, k);
        if (s->weighted && a < 2) {
            /* the sample over- or under-represents groups: the weight is the
             * population share over the sample share */
            double wsum = 0, psum = 0;
            for (size_t j = 0; j < n; j++) {
                wsum += w[j];
                psum += w[j] * attr_pop_factor(g, at, j);
            }
            weight *= attr_pop_factor(g, at, k) * wsum / psum;
        }
        g->attrs[a] = (int16_t)at->options[k].code;
        if (!at->required && rng_unit(r) < 0.03)
            g->attrs[a] = SURVEY_NA;
    }
    z += rng_normal(r);
    for (size_t d = 0; d < s->ndimensions; d++)
        g->theta[d] = 0.5 * hash_normal(hash2(g->seed, "dim", s->dimensions[d].code)) + 0.8 * z +
                      0.6 * rng_normal(r);
    for (size_t i = 0; i < s->nitems; i++) {
        const struct survey_item *it = &s->items[i];
        double u = rng_unit(r);
        uint64_t h = hash2(g->seed, "item", it->code);

        g->answers[i] = SURVEY_NA;
        g->texts[i] = NULL;
        switch (it->type) {
        case SURVEY_LIKERT: {
            double theta = it->dimension >= 0 ? g->theta[it->dimension] : z;
            double difficulty = 0.45 * hash_normal(h) - 0.35;

            if (u < 0.015)
                break; /* skipped */
            if (u < 0.045 && it->nmissing > 0) {
                g->answers[i] = (int16_t)it->missing[0]; /* don't know */
                break;
            }
            g->answers[i] = (int16_t)likert_value(it, theta - difficulty + 0.75 * rng_normal(r));
            break;
        }
        case SURVEY_SCALE: {
            double span = it->max - it->min;
            long v = lround(it->min + span * (0.68 + 0.18 * z) + span * 0.11 * rng_normal(r));

            if (u < 0.02)
                break;
            v = v < it->min ? it->min : v > it->max ? it->max : v;
            g->answers[i] = (int16_t)(it->reverse ? it->min + it->max - v : v);
            break;
        }
        case SURVEY_SINGLE: {
            double w[64];
            size_t n = it->noptions < 64 ? it->noptions : 64;

            if (u < 0.02 || n == 0)
                break;
            if (u < 0.07 && it->nmissing > 0) {
                g->answers[i] = (int16_t)it->missing[0];
                break;
            }
            for (size_t k = 0; k < n; k++) {
                double slope = 0.5 * ((double)k - 0.5 * (double)(n - 1)) *
                               (hash_unit(h ^ 0x51ull) < 0.5 ? -1.0 : 1.0);
                w[k] = exp(0.6 * hash_normal(h + k) + slope * z);
            }
            g->answers[i] = (int16_t)it->options[pick(r, w, n)].code;
            break;
        }
        case SURVEY_MULTI: {
            unsigned bits = 0;

            if (u < 0.04)
                break;
            for (size_t k = 0; k < it->noptions && k < 15; k++) {
                double p = 1.0 / (1.0 + exp(-(-1.2 + 1.1 * hash_normal(h + k) + 0.4 * z)));

                if (rng_unit(r) < p)
                    bits |= 1u << it->options[k].code;
            }
            g->answers[i] = (int16_t)bits;
            break;
        }
        case SURVEY_NUMBER:
            if (u < 0.03)
                break;
            g->answers[i] = (int16_t)(it->min + (int)(rng_unit(r) * (it->max - it->min + 1)));
            break;
        case SURVEY_TEXT:
            if (u < 0.03)
                g->texts[i] = text_pool[rng_next(r) % (sizeof text_pool / sizeof text_pool[0])];
            break;
        }
    }
    if (!s->weighted)
        return 0;
    weight *= exp(0.25 * rng_normal(r));
    if (weight < 0.05)
        weight = 0.05;
    if (weight > 20)
        weight = 20;
    return weight;
}

static void make_uuid(uint64_t h, char out[37])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char b[16];
    uint64_t x = mix64(h), y = mix64(h ^ 0xdeadbeefcafef00dull);
    size_t j = 0;

    for (int i = 0; i < 8; i++) {
        b[i] = (unsigned char)(x >> (8 * i));
        b[8 + i] = (unsigned char)(y >> (8 * i));
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[j++] = '-';
        out[j++] = hex[b[i] >> 4];
        out[j++] = hex[b[i] & 15];
    }
    out[j] = '\0';
}

/* ---- writers ---- */

static void write_multi_json(struct out *o, const struct survey_item *it, int16_t v)
{
    int first = 1;

    out_ch(o, '[');
    for (size_t k = 0; k < it->noptions; k++) {
        int code = it->options[k].code;

        if (code >= 0 && code < 16 && ((unsigned)(uint16_t)v & (1u << code))) {
            if (!first)
                out_ch(o, ',');
            out_int(o, code);
            first = 0;
        }
    }
    out_ch(o, ']');
}

static void write_json(struct gen *g, const struct survey *s, const char *city,
                       const char *wave, const char *id, double weight)
{
    struct out *o = &g->o;
    int first = 1;

    out_str(o, "{\"survey\":");
    out_json_str(o, s->slug);
    out_str(o, ",\"wave\":");
    out_json_str(o, wave);
    out_str(o, ",\"city\":");
    out_json_str(o, city);
    out_str(o, ",\"id\":\"");
    out_str(o, id);
    out_str(o, "\",\"attributes\":{");
    for (size_t a = 0; a < s->nattrs; a++) {
        if (g->attrs[a] == SURVEY_NA)
            continue;
        if (!first)
            out_ch(o, ',');
        first = 0;
        out_json_str(o, s->attrs[a].code);
        out_ch(o, ':');
        out_int(o, g->attrs[a]);
    }
    out_str(o, "},\"answers\":{");
    first = 1;
    for (size_t i = 0; i < s->nitems; i++) {
        const struct survey_item *it = &s->items[i];

        if (it->type == SURVEY_TEXT ? g->texts[i] == NULL : g->answers[i] == SURVEY_NA)
            continue;
        if (!first)
            out_ch(o, ',');
        first = 0;
        out_json_str(o, it->code);
        out_ch(o, ':');
        if (it->type == SURVEY_TEXT)
            out_json_str(o, g->texts[i]);
        else if (it->type == SURVEY_MULTI)
            write_multi_json(o, it, g->answers[i]);
        else
            out_int(o, g->answers[i]);
    }
    out_ch(o, '}');
    if (weight > 0) {
        out_str(o, ",\"weight\":");
        out_fixed4(o, weight);
    }
    out_ch(o, '}');
}

/* The CSV columns: the union of every version's attributes and items (the
 * newest version's order first), so one header serves every wave. */
static void csv_columns(struct gen *g)
{
    const struct survey *h = newest(g);

    for (int pass = 0; pass < 2; pass++) {
        for (size_t v = 0; v <= g->nversions; v++) {
            const struct survey *s = v == 0 ? h : g->versions[v - 1];

            if (v > 0 && s == h)
                continue;
            for (size_t k = 0; k < (pass == 0 ? s->nattrs : s->nitems); k++) {
                const char *code = pass == 0 ? s->attrs[k].code : s->items[k].code;
                const char **list = pass == 0 ? g->csv_attrs : g->csv_items;
                size_t *n = pass == 0 ? &g->ncsv_attrs : &g->ncsv_items;
                size_t j;

                for (j = 0; j < *n && strcmp(list[j], code) != 0; j++)
                    ;
                if (j == *n)
                    list[(*n)++] = code;
            }
        }
    }
}

static void write_csv_header(struct gen *g)
{
    struct out *o = &g->o;

    csv_columns(g);
    out_str(o, "survey,wave,city,id,weight");
    for (size_t a = 0; a < g->ncsv_attrs; a++) {
        out_str(o, ",attr.");
        out_str(o, g->csv_attrs[a]);
    }
    for (size_t i = 0; i < g->ncsv_items; i++) {
        out_ch(o, ',');
        out_str(o, g->csv_items[i]);
    }
    out_str(o, "\r\n");
}

/* empirie import's CSV (engine/intake/import.c): attribute columns "attr.CODE",
 * multiple choice as option codes joined by '|', empty cells for no answer
 * and for items the wave's version lacks. */
static void write_csv(struct gen *g, const struct survey *s, const char *city, const char *wave,
                      const char *id, double weight)
{
    struct out *o = &g->o;

    out_csv_str(o, s->slug);
    out_ch(o, ',');
    out_csv_str(o, wave);
    out_ch(o, ',');
    out_csv_str(o, city);
    out_ch(o, ',');
    out_str(o, id);
    out_ch(o, ',');
    if (weight > 0)
        out_fixed4(o, weight);
    for (size_t a = 0; a < g->ncsv_attrs; a++) {
        int k = survey_attr_index(s, g->csv_attrs[a]);

        out_ch(o, ',');
        if (k >= 0 && g->attrs[k] != SURVEY_NA)
            out_int(o, g->attrs[k]);
    }
    for (size_t i = 0; i < g->ncsv_items; i++) {
        int k = survey_item_index(s, g->csv_items[i]);
        const struct survey_item *it;

        out_ch(o, ',');
        if (k < 0)
            continue;
        it = &s->items[k];
        if (it->type == SURVEY_TEXT) {
            if (g->texts[k] != NULL)
                out_csv_str(o, g->texts[k]);
        } else if (g->answers[k] != SURVEY_NA && it->type == SURVEY_MULTI) {
            int first = 1;
            for (size_t j = 0; j < it->noptions; j++) {
                int code = it->options[j].code;
                if (code >= 0 && code < 16 && ((unsigned)(uint16_t)g->answers[k] & (1u << code))) {
                    if (!first)
                        out_ch(o, '|');
                    out_int(o, code);
                    first = 0;
                }
            }
        } else if (g->answers[k] != SURVEY_NA) {
            out_int(o, g->answers[k]);
        }
    }
    out_str(o, "\r\n");
}

/* A PostgreSQL array of n codes, NULL for SURVEY_NA: {3,NULL,5}. */
static void out_codes(struct out *o, const int16_t *v, size_t n)
{
    out_ch(o, '{');
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            out_ch(o, ',');
        if (v[i] == SURVEY_NA)
            out_str(o, "NULL");
        else
            out_int(o, v[i]);
    }
    out_ch(o, '}');
}

static void write_copy(struct gen *g, const struct survey *s, const char *city,
                       const char *wave, const char *id, double weight)
{
    struct out *o = &g->o;
    int any_text = 0;

    out_copy_str(o, city);
    out_ch(o, '\t');
    out_str(o, id);
    out_ch(o, '\t');
    out_copy_str(o, s->slug);
    out_ch(o, '\t');
    out_copy_str(o, wave);
    out_ch(o, '\t');
    out_int(o, s->version);
    out_ch(o, '\t');
    out_codes(o, g->attrs, s->nattrs);
    out_ch(o, '\t');
    out_codes(o, g->answers, s->nitems);
    out_ch(o, '\t');
    for (size_t i = 0; i < s->nitems; i++)
        any_text |= g->texts[i] != NULL;
    if (any_text) {
        /* texts: one entry per item, NULL where none (engine/intake/response.h) */
        out_ch(o, '{');
        for (size_t i = 0; i < s->nitems; i++) {
            if (i > 0)
                out_ch(o, ',');
            if (g->texts[i] == NULL) {
                out_str(o, "NULL");
            } else {
                out_ch(o, '"');
                out_copy_str(o, g->texts[i]); /* pool texts hold no '"' or '\\' */
                out_ch(o, '"');
            }
        }
        out_ch(o, '}');
    } else {
        out_str(o, "\\N");
    }
    out_ch(o, '\t');
    if (weight > 0)
        out_fixed4(o, weight);
    else
        out_str(o, "\\N");
    out_ch(o, '\n');
}

static void open_out(struct out *o, const char *path)
{
    o->name = path != NULL ? path : "standard output";
    o->f = path != NULL ? fopen(path, "wb") : stdout;
    if (o->f == NULL)
        die("%s: %s", path, strerror(errno));
    o->len = 0;
    o->failed = 0;
}

static void close_out(struct out *o)
{
    out_flush(o);
    if (o->failed)
        die("%s: write failed: %s", o->name, strerror(o->failed));
    if (o->f != stdout ? fclose(o->f) != 0 : fflush(o->f) != 0)
        die("%s: %s", o->name, strerror(errno));
    o->f = NULL;
}

static void batch_begin(struct gen *g)
{
    if (g->in_batch > 0)
        return;
    g->batch_no++;
    if (g->out_dir != NULL) {
        char path[4096];

        snprintf(path, sizeof path, "%s/batch-%06llu.json", g->out_dir, g->batch_no);
        open_out(&g->o, path);
    }
    out_ch(&g->o, '[');
}

static void batch_end(struct gen *g)
{
    out_str(&g->o, g->out_dir != NULL ? "]" : "]\n");
    g->in_batch = 0;
    if (g->out_dir != NULL)
        close_out(&g->o);
}

static void emit(struct gen *g, const struct survey *s, const char *city, const char *wave,
                 const char *id, double weight)
{
    switch (g->format) {
    case FMT_NDJSON:
        write_json(g, s, city, wave, id, weight);
        out_ch(&g->o, '\n');
        break;
    case FMT_BATCHES:
        batch_begin(g);
        if (g->in_batch > 0)
            out_ch(&g->o, ',');
        write_json(g, s, city, wave, id, weight);
        if (++g->in_batch == g->batch)
            batch_end(g);
        break;
    case FMT_CSV: write_csv(g, s, city, wave, id, weight); break;
    case FMT_COPY: write_copy(g, s, city, wave, id, weight); break;
    case FMT_CITIES: break;
    }
    g->rows++;
}

/* Respondents of city c in wave w. */
static int is_small(const struct gen *g, size_t c, size_t w)
{
    return g->small && g->nwaves >= 2 && g->ncities >= 2 && c == g->ncities - 1 && w == 1;
}

static long long cell_size(const struct gen *g, size_t c, size_t w)
{
    long long cells = (long long)(g->ncities * g->nwaves), n;

    if (is_small(g, c, w))
        return 3;
    if (g->total > 0) {
        /* exactly --total: the small cell's 3 come off the others */
        long long i = (long long)(c * g->nwaves + w), rest = g->total;
        if (is_small(g, g->ncities - 1, 1)) {
            cells--;
            rest -= 3;
            if (c == g->ncities - 1 && w > 1)
                i--;
        }
        return rest / cells + (i < rest % cells ? 1 : 0);
    }
    if (g->even)
        return g->per_city;
    n = llround((double)g->per_city *
                (0.4 + 1.2 * hash_unit(hash2(g->seed, "size", g->cities[c]))) *
                (0.9 + 0.2 * hash_unit(hash2(g->seed + w, "size", g->cities[c]))));
    return n < 1 ? 1 : n;
}

static void generate(struct gen *g)
{
    for (size_t c = 0; c < g->ncities; c++) {
        const char *city = g->cities[c];
        double effect = 0.35 * hash_normal(hash2(g->seed, "city", city));
        double trend = 0.2 * hash_normal(hash2(g->seed, "trend", city));

        for (size_t w = 0; w < g->nwaves; w++) {
            const struct survey *s = g->waves[w].instrument;
            const char *wave = g->waves[w].label;
            uint64_t cell = hash2(hash2(g->seed, s->slug, city), wave, NULL);
            long long n = cell_size(g, c, w);
            struct rng r;
            char id[37];

            rng_seed(&r, cell);
            for (long long i = 0; i < n; i++) {
                double weight = draw(g, s, &r, effect + trend * (double)w);

                make_uuid(cell ^ mix64((uint64_t)i + 1), id);
                emit(g, s, city, wave, id, weight);
            }
        }
    }
    if (g->format == FMT_BATCHES && g->in_batch > 0)
        batch_end(g);
}

static void write_cities(struct gen *g)
{
    for (size_t c = 0; c < g->ncities; c++) {
        out_copy_str(&g->o, g->cities[c]);
        out_str(&g->o, "\tMiasto ");
        out_copy_str(&g->o, g->cities[c]);
        out_str(&g->o, "\tt\n");
    }
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "instrument", required_argument, NULL, 'i' }, { "waves", required_argument, NULL, 'W' },
        { "registry", required_argument, NULL, 'R' },   { "cities", required_argument, NULL, 'C' },
        { "city-list", required_argument, NULL, 'L' },  { "per-city", required_argument, NULL, 'p' },
        { "total", required_argument, NULL, 't' },      { "even", no_argument, NULL, 'e' },
        { "no-small", no_argument, NULL, 'S' },         { "format", required_argument, NULL, 'f' },
        { "batch", required_argument, NULL, 'b' },      { "out", required_argument, NULL, 'o' },
        { "out-dir", required_argument, NULL, 'D' },    { "seed", required_argument, NULL, 's' },
        { "help", no_argument, NULL, 'h' },             { NULL, 0, NULL, 0 },
    };
    struct gen g;
    const char *waves = NULL, *registry = "surveys/registry", *city_list = NULL;
    long long made_up = 0;
    size_t maxitems = 1, maxattrs = 1, maxdims = 1;
    char err[1024];
    int c;

    memset(&g, 0, sizeof g);
    g.seed = 1;
    g.per_city = 60;
    g.small = 1;
    g.batch = 500;
    while ((c = getopt_long(argc, argv, "i:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            if (g.nversions == GEN_MAX_VERSIONS)
                die("too many instruments (at most %d)", GEN_MAX_VERSIONS);
            if (survey_load_file(optarg, &g.versions[g.nversions], err, sizeof err) != 0)
                die("%s", err);
            g.nversions++;
            break;
        case 'W': waves = optarg; break;
        case 'R': registry = optarg; break;
        case 'C': made_up = parse_count("--cities", optarg, 1, 99999); break;
        case 'L': city_list = optarg; break;
        case 'p': g.per_city = parse_count("--per-city", optarg, 1, 100000000); break;
        case 't': g.total = parse_count("--total", optarg, 1, 10000000000LL); break;
        case 'e': g.even = 1; break;
        case 'S': g.small = 0; break;
        case 'f':
            if (strcmp(optarg, "ndjson") == 0) g.format = FMT_NDJSON;
            else if (strcmp(optarg, "csv") == 0) g.format = FMT_CSV;
            else if (strcmp(optarg, "batches") == 0) g.format = FMT_BATCHES;
            else if (strcmp(optarg, "copy") == 0) g.format = FMT_COPY;
            else if (strcmp(optarg, "cities") == 0) g.format = FMT_CITIES;
            else die("--format: expected ndjson, csv, batches, copy or cities, got '%s'", optarg);
            break;
        case 'b': g.batch = (size_t)parse_count("--batch", optarg, 1, 1000000); break;
        case 'o': g.out_path = optarg; break;
        case 'D': g.out_dir = optarg; break;
        case 's': g.seed = (uint64_t)parse_count("--seed", optarg, 0, INT64_MAX); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc)
        die("unexpected argument '%s' (see --help)", argv[optind]);
    if (made_up > 0 && city_list != NULL)
        die("--cities and --city-list exclude each other");
    if (g.out_dir != NULL && g.format != FMT_BATCHES)
        die("--out-dir is for --format batches");
    if (g.out_dir != NULL && g.out_path != NULL)
        die("--out and --out-dir exclude each other");

    if (made_up > 0) {
        for (long long k = 1; k <= made_up; k++) {
            char slug[32];
            snprintf(slug, sizeof slug, "miasto-%04lld", k);
            add_city(&g, slug);
        }
    } else if (city_list != NULL) {
        char *copy = xstrdup(city_list), *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save))
            add_city(&g, t);
        free(copy);
        if (g.ncities == 0)
            die("--city-list: no city");
    } else if (g.format != FMT_CITIES) {
        cities_from_registry(&g, registry);
    }
    if (g.format == FMT_CITIES) {
        if (g.ncities == 0)
            die("--format cities needs --cities N or --city-list");
        g.o.buf = malloc(GEN_BUF);
        if (g.o.buf == NULL)
            die("out of memory");
        open_out(&g.o, g.out_path);
        write_cities(&g);
        close_out(&g.o);
        goto done;
    }

    if (g.nversions == 0)
        die("no instrument: give one with -i FILE (see --help)");
    g.slug = g.versions[0]->slug;
    for (size_t v = 0; v < g.nversions; v++) {
        if (strcmp(g.versions[v]->slug, g.slug) != 0)
            die("the instruments are of different surveys (%s, %s)", g.slug,
                g.versions[v]->slug);
        if (g.versions[v]->nitems > maxitems) maxitems = g.versions[v]->nitems;
        if (g.versions[v]->nattrs > maxattrs) maxattrs = g.versions[v]->nattrs;
        if (g.versions[v]->ndimensions > maxdims) maxdims = g.versions[v]->ndimensions;
    }
    if (waves != NULL)
        waves_from_list(&g, waves);
    else if (!waves_from_registry(&g, registry))
        waves_from_list(&g, "2022,2023,2024,2025");

    g.answers = calloc(maxitems, sizeof *g.answers);
    g.texts = calloc(maxitems, sizeof *g.texts);
    g.attrs = calloc(maxattrs, sizeof *g.attrs);
    g.theta = calloc(maxdims, sizeof *g.theta);
    g.csv_attrs = calloc(maxattrs * g.nversions, sizeof *g.csv_attrs);
    g.csv_items = calloc(maxitems * g.nversions, sizeof *g.csv_items);
    g.o.buf = malloc(GEN_BUF);
    if (g.answers == NULL || g.texts == NULL || g.attrs == NULL || g.theta == NULL ||
        g.csv_attrs == NULL || g.csv_items == NULL || g.o.buf == NULL)
        die("out of memory");
    if (g.out_dir != NULL) {
        if (mkdir(g.out_dir, 0777) != 0 && errno != EEXIST)
            die("%s: %s", g.out_dir, strerror(errno));
    } else {
        open_out(&g.o, g.out_path);
    }
    if (g.format == FMT_CSV)
        write_csv_header(&g);
    generate(&g);
    if (g.out_dir == NULL)
        close_out(&g.o);
    fprintf(stderr, "empirie-gen: %lld responses of %s (%zu cities, %zu waves)%s%s\n", g.rows,
            g.slug, g.ncities, g.nwaves, g.out_dir != NULL ? " in " : "",
            g.out_dir != NULL ? g.out_dir : "");

done:
    for (size_t v = 0; v < g.nversions; v++)
        survey_free(g.versions[v]);
    for (size_t k = 0; k < g.ncities; k++)
        free(g.cities[k]);
    for (size_t w = 0; w < g.nwaves; w++)
        free((char *)g.waves[w].label);
    free(g.cities);
    free(g.answers);
    free(g.texts);
    free(g.attrs);
    free(g.theta);
    free(g.csv_attrs);
    free(g.csv_items);
    free(g.o.buf);
    return 0;
}
