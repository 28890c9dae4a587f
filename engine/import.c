/*
 * import: CSV or NDJSON records -> validation -> COPY, all in one transaction.
 *
 * Two ways to store a file, tried in this order:
 *
 *  - direct: COPY the rows straight into `response`. New data (the common
 *    case) is written once, checked once (its primary key), committed.
 *  - staging: when the direct COPY hits a unique violation (an id already
 *    stored, or given twice in the file), roll back and read the file again
 *    into a temporary staging table, then one INSERT ... SELECT ... ON
 *    CONFLICT DO NOTHING and two checks that tell a duplicate (same content:
 *    skipped) from a conflict (different content: an error naming the line).
 *
 * The second reading needs a file that can be read again: input that is not
 * a regular file (a pipe on stdin) goes the staging way at once.
 *
 * Validation: a record that passes a fast check (import_fast_*, below: the
 * same rules as response_from_json, with item codes looked up by hash and no
 * error text built) is taken as it is; anything else goes through
 * response_from_json, which decides and words the error. So messages are the
 * API's, and the fast check can only be stricter, never looser.
 *
 * A CSV row is first made into the JSON object the API takes (docs/import.md
 * has the columns), so both formats and the API share one validator and one
 * set of messages. Rows are encoded exactly as ingest.c encodes them, so
 * that "same content" means the same whichever way a response came in.
 */
#include "import.h"
#include "wavewin.h"

#include "copyrow.h"
#include "csv.h"
#include "db.h"
#include "err.h"
#include "jarena.h"
#include "response.h"
#include "rscan.h"
#include "utf8.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PROGRESS_EVERY 10000
#define COPY_CHUNK (128 * 1024)   /* bytes per PQputCopyData */
#define STAGING_COLUMNS "survey, wave, survey_version, attrs, answers, texts, weight"

static const char *const create_sql =
    "CREATE TEMP TABLE import_staging (line bigint NOT NULL, city text NOT NULL, "
    "id uuid NOT NULL, survey text NOT NULL, wave text NOT NULL, survey_version integer NOT NULL, "
    "attrs smallint[] NOT NULL, answers smallint[] NOT NULL, texts text[], "
    "weight double precision) ON COMMIT DROP";

static const char *const twice_sql =
    "SELECT a.line, b.line, b.id, b.city FROM import_staging a JOIN import_staging b "
    "ON a.city = b.city AND a.id = b.id AND a.line < b.line "
    "WHERE (a.survey, a.wave, a.survey_version, a.attrs, a.answers, a.texts, a.weight) "
    "IS DISTINCT FROM (b.survey, b.wave, b.survey_version, b.attrs, b.answers, b.texts, b.weight) "
    "ORDER BY b.line, a.line LIMIT 1";

static const char *const insert_sql =
    "INSERT INTO response (city, id, " STAGING_COLUMNS ") "
    "SELECT DISTINCT ON (city, id) city, id, " STAGING_COLUMNS " FROM import_staging "
    "ORDER BY city, id, line ON CONFLICT (city, id) DO NOTHING";

static const char *const conflict_sql =
    "SELECT s.line, s.id, s.city FROM import_staging s JOIN response r "
    "ON r.city = s.city AND r.id = s.id "
    "WHERE (r.survey, r.wave, r.survey_version, r.attrs, r.answers, r.texts, r.weight) "
    "IS DISTINCT FROM (s.survey, s.wave, s.survey_version, s.attrs, s.answers, s.texts, s.weight) "
    "ORDER BY s.line LIMIT 1";

enum col_kind { COL_SURVEY, COL_WAVE, COL_CITY, COL_ID, COL_WEIGHT, COL_ATTR, COL_ITEM };

/* A growable byte buffer, reused for every row. */
/* Item and attribute codes of one instrument, by hash: slot -> index + 1 (0:
 * empty), open addressing with linear probing. Built once per instrument. */
struct importer {
    char today[11];              /* for the waves' windows (wavewin.h) */
    PGconn *conn;
    const struct catalog *cat;
    const char *name;
    const struct import_options *opt;
    struct import_result *res;
    int csv;
    int direct;          /* COPY into response (else into import_staging, with lines) */
    int retry;           /* direct COPY failed on a key: redo the file the staging way */
    int copy_broken;     /* stop sending: the server ended the COPY (or is about to) */
    struct copybuf out;  /* COPY data not yet sent */
    /* CSV: the header */
    size_t ncols;
    enum col_kind *kinds;
    char **codes;        /* column name, or the code after "attr." */
    int fixed[5];        /* column of survey, wave, city, id, weight, or -1 */
    /* the fast check */
    struct rscan_codes *maps;
    size_t nmaps;
    int16_t *answers, *attrs;   /* reused for every record, sized for the largest */
    char **texts;
    size_t cap_items, cap_attrs;
    const char *last_survey, *last_wave;   /* point into the catalog */
    const struct survey *last_instrument;
    char last_city[128];                   /* "": none yet */
    /* the text scan */
    struct rscan_obj *scan;
    char *scratch;       /* a copy of the line, scanned in place */
    size_t scratch_cap;
    unsigned char *seen;
    size_t cap_seen;
};

/* ---- the fast check: response_from_json's rules, no messages ---- */

/* The codemap of s, built on first use. NULL when out of memory. */
static const struct rscan_codes *codemap_get(struct importer *imp, const struct survey *s)
{
    struct rscan_codes *bigger;

    for (size_t i = 0; i < imp->nmaps; i++)
        if (imp->maps[i].s == s)
            return &imp->maps[i];
    bigger = realloc(imp->maps, (imp->nmaps + 1) * sizeof *imp->maps);
    if (bigger == NULL)
        return NULL;
    imp->maps = bigger;
    if (rscan_codes_init(&imp->maps[imp->nmaps], s) != 0)
        return NULL;
    return &imp->maps[imp->nmaps++];
}

/* A non-empty string member, or NULL. */
static const char *fast_string(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);

    return json_is_string(v) && json_string_length(v) > 0 ? json_string_value(v) : NULL;
}

static int fast_fields(const json_t *obj)
{
    static const char *const fields[] = { "survey", "wave", "city", "id", "attributes",
                                          "answers", "weight" };
    const char *key;
    json_t *v;

    json_object_foreach((json_t *)obj, key, v) {
        int known = 0;

        for (size_t i = 0; !known && i < sizeof fields / sizeof fields[0]; i++)
            known = strcmp(key, fields[i]) == 0;
        if (!known)
            return -1;
    }
    return 0;
}

static int fast_key(struct importer *imp, const char *id, struct response *r);

/* survey, wave, city, id; the last survey, wave and city seen are remembered,
 * since a file tends to repeat them. */
static int fast_head(struct importer *imp, const json_t *obj, struct response *r)
{
    const char *id = fast_string(obj, "id");

    r->survey = fast_string(obj, "survey");
    r->wave = fast_string(obj, "wave");
    r->city = fast_string(obj, "city");
    return fast_key(imp, id, r);
}

/* r->survey, wave and city are set (NULL when absent or empty): checks
 * them and id against the catalog and sets r->instrument and r->id. */
static int fast_key(struct importer *imp, const char *id, struct response *r)
{
    if (r->survey == NULL || r->wave == NULL || r->city == NULL || id == NULL ||
        response_uuid(id, r->id) != 0)
        return -1;
    if (imp->last_instrument == NULL || strcmp(r->survey, imp->last_survey) != 0 ||
        strcmp(r->wave, imp->last_wave) != 0) {
        const struct catalog_wave *w;

        imp->last_instrument = NULL;
        if (catalog_survey_latest(imp->cat, r->survey) == NULL)
            return -1;
        w = catalog_wave(imp->cat, r->survey, r->wave);
        if (w == NULL || catalog_survey(imp->cat, r->survey, w->survey_version) == NULL)
            return -1;
        imp->last_instrument = catalog_survey(imp->cat, r->survey, w->survey_version);
        imp->last_survey = imp->last_instrument->slug;
        imp->last_wave = w->label;
    }
    r->instrument = imp->last_instrument;
    if (strcmp(r->city, imp->last_city) != 0) {
        if (!catalog_has_city(imp->cat, r->city))
            return -1;
        if (strlen(r->city) < sizeof imp->last_city)
            memcpy(imp->last_city, r->city, strlen(r->city) + 1);
    }
    return 0;
}

/* A multi answer: distinct option codes, as bits (rscan_multi_bits). */
static int fast_multi(const struct survey_item *it, const json_t *v, int16_t *out)
{
    long codes[RSCAN_MAX_LIST];
    size_t i;
    json_t *c;

    if (!json_is_array(v) || json_array_size(v) > RSCAN_MAX_LIST)
        return -1;
    json_array_foreach(v, i, c) {
        if (!json_is_integer(c) || json_integer_value(c) < -1000000 ||
            json_integer_value(c) > 1000000)
            return -1;
        codes[i] = (long)json_integer_value(c);
    }
    return rscan_multi_bits(it, codes, json_array_size(v), out);
}

static int fast_answers(const json_t *obj, const struct rscan_codes *m, struct response *r)
{
    const json_t *answers = json_object_get(obj, "answers");
    size_t given = 0;
    const char *key;
    json_t *v;

    if (!json_is_object(answers))
        return -1;
    json_object_foreach((json_t *)answers, key, v) {
        int k = rscan_codes_find(m, key, 0);
        const struct survey_item *it;

        if (k < 0)
            return -1;
        if (json_is_null(v))
            continue;
        it = &m->s->items[k];
        if (it->type == SURVEY_MULTI) {
            if (fast_multi(it, v, &r->answers[k]) != 0)
                return -1;
        } else if (it->type == SURVEY_TEXT) {
            if (!json_is_string(v) || utf8_chars(json_string_value(v)) > (size_t)it->max_length)
                return -1;
            if (json_string_length(v) > 0)
                r->texts[k] = (char *)json_string_value(v);
        } else {
            if (!json_is_integer(v) || !survey_item_accepts(it, json_integer_value(v)))
                return -1;
            r->answers[k] = (int16_t)json_integer_value(v);
        }
        given++;
    }
    return given > 0 ? 0 : -1;
}

static int fast_attrs(const json_t *obj, const struct rscan_codes *m, struct response *r)
{
    const struct survey *s = m->s;
    const json_t *attrs = json_object_get(obj, "attributes");
    const char *key;
    json_t *v;

    if (attrs != NULL && !json_is_object(attrs))
        return -1;
    json_object_foreach((json_t *)attrs, key, v) {
        int k = rscan_codes_find(m, key, 1);
        int ok = 0;

        if (k < 0)
            return -1;
        if (json_is_null(v))
            continue;
        for (size_t o = 0; json_is_integer(v) && o < s->attrs[k].noptions; o++)
            ok |= s->attrs[k].options[o].code == json_integer_value(v);
        if (!ok)
            return -1;
        r->attrs[k] = (int16_t)json_integer_value(v);
    }
    for (size_t k = 0; k < s->nattrs; k++)
        if (s->attrs[k].required && r->attrs[k] == SURVEY_NA)
            return -1;
    return 0;
}

static int fast_weight(const json_t *obj, struct response *r)
{
    const json_t *v = json_object_get(obj, "weight");

    r->weight = 0;
    if (!r->instrument->weighted)
        return v == NULL || json_is_null(v) ? 0 : -1;
    if (!json_is_number(v) || !isfinite(json_number_value(v)) || json_number_value(v) <= 0)
        return -1;
    r->weight = json_number_value(v);
    return 0;
}

/* The importer's arrays, large enough for s and reset to "no answer".
 * Returns -1 when out of memory. */
static int fast_arrays(struct importer *imp, const struct rscan_codes *m, struct response *r)
{
    const struct survey *s = m->s;

    if (s->nitems > imp->cap_items) {
        int16_t *a = realloc(imp->answers, s->nitems * sizeof *a);
        char **t;

        if (a == NULL)
            return -1;
        imp->answers = a;
        t = realloc(imp->texts, s->nitems * sizeof *t);
        if (t == NULL)
            return -1;
        imp->texts = t;
        imp->cap_items = s->nitems;
    }
    if (s->nattrs > imp->cap_attrs) {
        int16_t *a = realloc(imp->attrs, s->nattrs * sizeof *a);

        if (a == NULL)
            return -1;
        imp->attrs = a;
        imp->cap_attrs = s->nattrs;
    }
    r->answers = imp->answers;
    r->attrs = imp->attrs;
    r->texts = m->has_text ? imp->texts : NULL;
    for (size_t i = 0; i < s->nitems; i++)
        r->answers[i] = SURVEY_NA;
    for (size_t i = 0; i < s->nattrs; i++)
        r->attrs[i] = SURVEY_NA;
    if (r->texts != NULL)
        memset(r->texts, 0, s->nitems * sizeof *r->texts);
    return 0;
}

/*
 * The fast check. Returns 0 when obj is a valid response (then *r points
 * into obj and into the importer's arrays: no response_clear), -1 when it is
 * not, or not surely so: then response_from_json decides.
 */
static int fast_response(struct importer *imp, const json_t *obj, struct response *r)
{
    const struct rscan_codes *m;

    memset(r, 0, sizeof *r);
    if (!json_is_object(obj) || fast_fields(obj) != 0 || fast_head(imp, obj, r) != 0)
        return -1;
    m = codemap_get(imp, r->instrument);
    if (m == NULL || fast_arrays(imp, m, r) != 0)
        return -1;
    if (fast_answers(obj, m, r) != 0 || fast_attrs(obj, m, r) != 0 || fast_weight(obj, r) != 0)
        return -1;
    return 0;
}

/* ---- the text scan (rscan.h): the fast check straight from an NDJSON line ---- */

/*
 * The fast check from the text of an NDJSON line (len bytes). Returns 0
 * with *r filled (pointing into the importer's scratch copy and arrays: no
 * response_clear), -1 to leave the line to jansson and fast_response.
 */
static int scan_response(struct importer *imp, const char *line, size_t len, struct response *r)
{
    struct rscan_obj *o = imp->scan;
    const struct rscan_codes *m;
    char *p;

    memset(r, 0, sizeof *r);
    if (o == NULL && (o = imp->scan = malloc(sizeof *o)) == NULL)
        return -1;
    if (len + 1 > imp->scratch_cap) {
        char *bigger = realloc(imp->scratch, len + 1);

        if (bigger == NULL)
            return -1;
        imp->scratch = bigger;
        imp->scratch_cap = len + 1;
    }
    memcpy(imp->scratch, line, len);
    imp->scratch[len] = '\0';
    if (memchr(imp->scratch, '\0', len) != NULL)
        return -1;
    p = imp->scratch;
    if (rscan_object(&p, o) != 0)
        return -1;
    rscan_ws(&p);
    if (*p != '\0')
        return -1;
    r->survey = o->survey != NULL && o->survey[0] != '\0' ? o->survey : NULL;
    r->wave = o->wave != NULL && o->wave[0] != '\0' ? o->wave : NULL;
    r->city = o->city != NULL && o->city[0] != '\0' ? o->city : NULL;
    if (fast_key(imp, o->id, r) != 0)
        return -1;
    m = codemap_get(imp, r->instrument);
    if (m == NULL || fast_arrays(imp, m, r) != 0)
        return -1;
    if (r->instrument->nitems + r->instrument->nattrs > imp->cap_seen) {
        unsigned char *bigger = realloc(imp->seen, r->instrument->nitems + r->instrument->nattrs);

        if (bigger == NULL)
            return -1;
        imp->seen = bigger;
        imp->cap_seen = r->instrument->nitems + r->instrument->nattrs;
    }
    return rscan_fill(o, m, imp->seen, r);
}

static void add_errorv(struct importer *imp, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void add_errorv(struct importer *imp, const char *fmt, va_list ap)
{
    struct import_result *res = imp->res;

    if (res->nerrors < IMPORT_MAX_ERRORS) {
        vsnprintf(res->errors[res->nerrors], sizeof res->errors[0], fmt, ap);
        res->nerrors++;
    }
}

/* Adds a message about a record; returns -1 when enough errors were seen
 * to stop reading, else 0 (reading goes on, to report more). */
static int add_error(struct importer *imp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int add_error(struct importer *imp, const char *fmt, ...)
{
    size_t max = imp->opt->max_errors;
    va_list ap;

    if (max == 0 || max > IMPORT_MAX_ERRORS)
        max = max == 0 ? 1 : IMPORT_MAX_ERRORS;
    va_start(ap, fmt);
    add_errorv(imp, fmt, ap);
    va_end(ap);
    return imp->res->nerrors >= max ? -1 : 0;
}

/* Adds a message about an error that ends the import. Returns -1. */
static int fatal(struct importer *imp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int fatal(struct importer *imp, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    add_errorv(imp, fmt, ap);
    va_end(ap);
    return -1;
}

/* The CSV column an error path points at: answers.x -> x, attributes.x -> attr.x. */
static void path_column(const char *path, char *out, size_t n)
{
    if (strncmp(path, "answers.", 8) == 0)
        snprintf(out, n, "%s", path + 8);
    else if (strncmp(path, "attributes.", 11) == 0)
        snprintf(out, n, "attr.%s", path + 11);
    else
        snprintf(out, n, "%s", path);
}

static int report(struct importer *imp, long line, const struct response_error *e)
{
    char column[300];
    size_t plen = strlen(e->path);
    const char *detail = e->message;

    if (!imp->csv || plen == 0)
        return add_error(imp, "%s:%ld: %s", imp->name, line, e->message);
    if (strncmp(e->message, e->path, plen) == 0 && strncmp(e->message + plen, ": ", 2) == 0)
        detail = e->message + plen + 2;
    path_column(e->path, column, sizeof column);
    /* an unknown city: the nearest names of the registry, as the commands give them */
    if (strcmp(e->path, "city") == 0 && imp->opt->cities != NULL &&
        strncmp(detail, "unknown city \"", 14) == 0) {
        char given[NAMES_MAX + 1], near[ERR_MAX];
        const char *q = strchr(detail + 14, '"');
        const char *dym;

        snprintf(given, sizeof given, "%.*s", q != NULL ? (int)(q - detail - 14) : 0,
                 detail + 14);
        if (names_find(imp->opt->cities, imp->opt->ncities, "city", given, near,
                       sizeof near) < 0 &&
            (dym = strstr(near, "(did you mean: ")) != NULL)
            return add_error(imp, "%s:%ld: column \"%s\": %s %s", imp->name, line, column,
                             detail, dym);
    }
    return add_error(imp, "%s:%ld: column \"%s\": %s", imp->name, line, column, detail);
}

/* Sends the COPY data gathered so far. In the direct way, a server that has
 * something to say during a COPY has failed it (a key already stored, most
 * likely): stop sending, the end of the COPY tells what it was. */
static int flush_copy(struct importer *imp)
{
    struct pollfd pfd = { .fd = PQsocket(imp->conn), .events = POLLIN };

    if (imp->out.len == 0 || imp->copy_broken)
        return 0;
    if (PQputCopyData(imp->conn, imp->out.p, (int)imp->out.len) != 1) {
        imp->copy_broken = 1;
        return imp->direct ? 0 : fatal(imp, "database: %s", PQerrorMessage(imp->conn));
    }
    imp->out.len = 0;
    if (imp->direct && poll(&pfd, 1, 0) > 0)
        imp->copy_broken = 1;
    return 0;
}

/* While the file has no error, queues a valid record for COPY. */
static int queue_row(struct importer *imp, const struct response *r, long line)
{
    struct response_error e;
    int rc = 0;

    if (!imp->opt->allow_closed_wave &&
        wavewin_check(imp->cat, r, 1, 0, NULL, imp->today, &e) != 0)
        return report(imp, line, &e);

    if (imp->res->nerrors == 0 && !imp->copy_broken) {
        if (copyrow_append(&imp->out, r, imp->direct ? 0 : line) != 0)
            rc = add_error(imp, "%s:%ld: out of memory", imp->name, line);
        else if (imp->out.len >= COPY_CHUNK)
            rc = flush_copy(imp);
    }
    return rc;
}

/* Validates one record and, while the file has no error, queues it for COPY. */
static int take(struct importer *imp, const json_t *obj, long line)
{
    struct response r;
    struct response_error e;
    int fast, rc = 0;

    imp->res->records++;
    fast = fast_response(imp, obj, &r) == 0;
    if (!fast && response_from_json(obj, imp->cat, "", &r, &e) != 0)
        return report(imp, line, &e);
    rc = queue_row(imp, &r, line);
    if (!fast)
        response_clear(&r);
    return rc;
}

static void progress(struct importer *imp, FILE *in, off_t size, int force)
{
    if (imp->opt->progress != NULL && (force || imp->res->records % PROGRESS_EVERY == 0))
        imp->opt->progress(imp->opt->progress_ctx, imp->res->records, ftello(in), size);
}

/* ---- NDJSON ---- */

static int blank(const char *s)
{
    for (; *s != '\0'; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return 0;
    return 1;
}

static int read_ndjson(struct importer *imp, FILE *in, off_t size)
{
    struct jarena arena = { 0 };   /* each line's values, dropped with the line */
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    long lineno = 0;
    int rc = 0;

    while (rc == 0 && !(imp->direct && imp->copy_broken) &&
           (got = getline(&line, &cap, in)) >= 0) {
        struct response r;
        json_error_t je;
        json_t *obj;

        lineno++;
        if (blank(line))
            continue;
        if (scan_response(imp, line, (size_t)got, &r) == 0) {
            imp->res->records++;
            rc = queue_row(imp, &r, lineno);
            progress(imp, in, size, 0);
            continue;
        }
        jarena_enter(&arena);
        obj = json_loadb(line, (size_t)got, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
        if (obj == NULL) {
            jarena_leave(&arena);
            imp->res->records++;
            rc = add_error(imp, "%s:%ld: invalid JSON at column %d: %s", imp->name, lineno,
                           je.column, je.text);
            continue;
        }
        rc = take(imp, obj, lineno);
        json_decref(obj);
        jarena_leave(&arena);
        progress(imp, in, size, 0);
    }
    jarena_free(&arena);
    free(line);
    if (ferror(in))
        return add_error(imp, "%s: read error: %s", imp->name, strerror(errno));
    return rc;
}

/* ---- CSV ---- */

static const char *const fixed_names[] = { "survey", "wave", "city", "id", "weight" };

/* True when some version of some survey has this item (attr: attribute). */
static int known_code(const struct catalog *cat, const char *code, int attr)
{
    size_t n;
    const struct survey *const *latest = catalog_surveys(cat, &n);

    for (size_t i = 0; i < n; i++)
        for (int v = 1; v <= latest[i]->version; v++) {
            const struct survey *s = catalog_survey(cat, latest[i]->slug, v);

            if (s != NULL && (attr ? survey_attr_index(s, code) : survey_item_index(s, code)) >= 0)
                return 1;
        }
    return 0;
}

static int column_kind(struct importer *imp, size_t c, const char *name)
{
    for (int k = 0; k < 5; k++)
        if (strcmp(name, fixed_names[k]) == 0) {
            if (imp->fixed[k] >= 0)
                return fatal(imp, "%s:1: column %zu \"%s\": the column is given twice",
                                 imp->name, c + 1, name);
            imp->fixed[k] = (int)c;
            imp->kinds[c] = (enum col_kind)k;
            return 0;
        }
    imp->kinds[c] = strncmp(name, "attr.", 5) == 0 ? COL_ATTR : COL_ITEM;
    imp->codes[c] = strdup(imp->kinds[c] == COL_ATTR ? name + 5 : name);
    if (imp->codes[c] == NULL)
        return fatal(imp, "out of memory");
    for (size_t o = 0; o < c; o++)
        if (imp->kinds[o] == imp->kinds[c] && strcmp(imp->codes[o], imp->codes[c]) == 0)
            return fatal(imp, "%s:1: column %zu \"%s\": the column is given twice",
                             imp->name, c + 1, name);
    if (strchr(name, ';') != NULL || strchr(name, '\t') != NULL || strchr(name, ',') != NULL)
        return fatal(imp, "%s:1: column %zu \"%.60s%s\": the header is not separated by "
                         "'%s'; give --delimiter '%s' (Polish Excel writes ';')",
                     imp->name, c + 1, name, strlen(name) > 60 ? "..." : "",
                     imp->opt->delimiter == '\t' ? "\\t" : imp->opt->delimiter == ';' ? ";" : ",",
                     strchr(name, ';') != NULL ? ";" : strchr(name, '\t') != NULL ? "\\t" : ",");
    if (!known_code(imp->cat, imp->codes[c], imp->kinds[c] == COL_ATTR))
        return fatal(imp, "%s:1: column %zu \"%s\": not survey, wave, city, id, weight, "
                         "attr.CODE of an attribute or the code of an item of a loaded survey",
                         imp->name, c + 1, name);
    return 0;
}

static int read_header(struct importer *imp, char **f, size_t n)
{
    imp->ncols = n;
    imp->kinds = calloc(n, sizeof *imp->kinds);
    imp->codes = calloc(n, sizeof *imp->codes);
    if (imp->kinds == NULL || imp->codes == NULL)
        return fatal(imp, "out of memory");
    for (int k = 0; k < 5; k++)
        imp->fixed[k] = -1;
    for (size_t c = 0; c < n; c++)
        if (column_kind(imp, c, f[c]) != 0)
            return -1;
    for (int k = 0; k < 4; k++)
        if (imp->fixed[k] < 0)
            return fatal(imp, "%s:1: the header has no column \"%s\" (required: survey, "
                             "wave, city, id)", imp->name, fixed_names[k]);
    return 0;
}

/* An integer cell as a JSON integer, anything else as a string (which the
 * validator then rejects, quoting it). NULL: not UTF-8 text. */
static json_t *cell_value(const char *cell)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(cell, &end, 10);
    if (errno == 0 && end != cell && *end == '\0' && cell[0] != ' ' && cell[0] != '+')
        return json_integer(v);
    return json_string(cell);
}

static json_t *weight_value(const char *cell)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(cell, &end);
    if (errno == 0 && end != cell && *end == '\0' && cell[0] != ' ')
        return json_real(v);
    return json_string(cell);
}

/* "0|4|9" -> [0, 4, 9]; "-" -> [] (answered, nothing chosen). */
static json_t *multi_value(const char *cell)
{
    json_t *arr = json_array();
    const char *p = cell;

    if (arr == NULL || strcmp(cell, "-") == 0)
        return arr;
    while (*p != '\0') {
        char *end;
        long v;

        errno = 0;
        v = strtol(p, &end, 10);
        if (errno != 0 || end == p || (*end != '|' && *end != '\0') || *p == ' ' || *p == '+' ||
            json_array_append_new(arr, json_integer(v)) != 0) {
            json_decref(arr);
            return json_string(cell);
        }
        p = *end == '|' ? end + 1 : end;
    }
    return arr;
}

/* ---- labels for codes (a CSV from an office) ---- */

/* The code of the option whose Polish or English label folds as cell does;
 * -1 when none. */
static int option_by_label(const struct survey_option *opts, size_t n, const char *cell)
{
    char f[NAMES_MAX + 1], l[NAMES_MAX + 1];

    names_fold(cell, f, sizeof f);
    if (f[0] == '\0')
        return -1;
    for (size_t i = 0; i < n; i++) {
        names_fold(opts[i].label_pl != NULL ? opts[i].label_pl : "", l, sizeof l);
        if (strcmp(l, f) == 0)
            return opts[i].code;
        if (opts[i].label_en != NULL) {
            names_fold(opts[i].label_en, l, sizeof l);
            if (strcmp(l, f) == 0)
                return opts[i].code;
        }
    }
    return -1;
}

/* The survey slug a cell names: the slug, or the title of its newest
 * version (folded); the cell itself when nothing matches (the validator
 * then names it). */
static const char *survey_of(const struct importer *imp, const char *cell)
{
    const struct survey *const *all;
    char f[NAMES_MAX + 1], t[NAMES_MAX + 1];
    size_t n;

    if (catalog_survey_latest(imp->cat, cell) != NULL)
        return cell;
    all = catalog_surveys(imp->cat, &n);
    names_fold(cell, f, sizeof f);
    for (size_t i = 0; f[0] != '\0' && i < n; i++) {
        names_fold(all[i]->slug, t, sizeof t);
        if (strcmp(t, f) == 0)
            return all[i]->slug;
        names_fold(all[i]->title_pl != NULL ? all[i]->title_pl : "", t, sizeof t);
        if (strcmp(t, f) == 0)
            return all[i]->slug;
        names_fold(all[i]->title_en != NULL ? all[i]->title_en : "", t, sizeof t);
        if (strcmp(t, f) == 0)
            return all[i]->slug;
    }
    return cell;
}

static const char *wave_of(const struct importer *imp, const char *survey, const char *cell)
{
    const struct catalog_wave *const *waves;
    char f[NAMES_MAX + 1], t[NAMES_MAX + 1];
    size_t n = 0;

    if (catalog_wave(imp->cat, survey, cell) != NULL)
        return cell;
    waves = catalog_waves(imp->cat, survey, &n);
    names_fold(cell, f, sizeof f);
    for (size_t i = 0; f[0] != '\0' && i < n; i++) {
        names_fold(waves[i]->label, t, sizeof t);
        if (strcmp(t, f) == 0)
            return waves[i]->label;
    }
    return cell;
}

static const char *city_of(const struct importer *imp, const char *cell)
{
    char err[ERR_MAX];
    long k;

    if (catalog_has_city(imp->cat, cell) || imp->opt->cities == NULL)
        return cell;
    k = names_find(imp->opt->cities, imp->opt->ncities, "city", cell, err, sizeof err);
    return k >= 0 ? imp->opt->cities[k].slug : cell;
}

/* An option's label (or a code) as its code; the cell as is when neither. */
static json_t *coded_value(const struct survey_option *opts, size_t n, const char *cell)
{
    json_t *v = cell_value(cell);
    int code;

    if (v == NULL || json_is_integer(v) || opts == NULL)
        return v;
    code = option_by_label(opts, n, cell);
    if (code < 0)
        return v;
    json_decref(v);
    return json_integer(code);
}

/* "a|b" of option codes or labels; "-": nothing chosen. */
static json_t *multi_labels(const struct survey_item *it, const char *cell)
{
    json_t *arr = multi_value(cell);
    char part[NAMES_MAX + 1];
    const char *p = cell;

    if (arr == NULL || json_is_array(arr))
        return arr;
    json_decref(arr);
    arr = json_array();
    while (arr != NULL && *p != '\0') {
        size_t len = strcspn(p, "|");
        int code;

        snprintf(part, sizeof part, "%.*s", (int)len, p);
        code = option_by_label(it->options, it->noptions, part);
        if (code < 0 || json_array_append_new(arr, json_integer(code)) != 0) {
            json_decref(arr);
            return json_string(cell);
        }
        p += len;
        if (*p == '|')
            p++;
    }
    return arr;
}

static const struct survey *row_instrument(const struct importer *imp, const char *survey,
                                           const char *wave)
{
    const struct catalog_wave *w = catalog_wave(imp->cat, survey, wave);

    return w != NULL ? catalog_survey(imp->cat, w->survey, w->survey_version) : NULL;
}

static json_t *item_value(struct importer *imp, const struct survey *s, const char *code,
                          const char *cell)
{
    const struct rscan_codes *m = codemap_get(imp, s);
    int k = m != NULL ? rscan_codes_find(m, code, 0) : survey_item_index(s, code);

    if (k >= 0 && s->items[k].type == SURVEY_TEXT)
        return json_string(cell);
    if (k >= 0 && s->items[k].type == SURVEY_MULTI)
        return multi_labels(&s->items[k], cell);
    if (k >= 0)
        return coded_value(s->items[k].options, s->items[k].noptions, cell);
    return cell_value(cell);
}

static json_t *attr_value(const struct survey *s, const char *code, const char *cell)
{
    int k = s != NULL ? survey_attr_index(s, code) : -1;

    if (k < 0)
        return cell_value(cell);
    return coded_value(s->attrs[k].options, s->attrs[k].noptions, cell);
}

/* Sets obj.key, or sub.key where sub = obj.group (created on first use). */
static int set_cell(json_t *obj, const char *group, const char *key, json_t *v)
{
    json_t *sub = obj;

    if (v == NULL)
        return -1;
    if (group != NULL) {
        sub = json_object_get(obj, group);
        if (sub == NULL) {
            sub = json_object();
            if (json_object_set_new(obj, group, sub) != 0) {
                json_decref(v);
                return -1;
            }
        }
    }
    return json_object_set_new(sub, key, v);
}

/* The row as the API's JSON object; empty cells are left out. */
static json_t *csv_object(struct importer *imp, char **f, int *bad_column)
{
    const char *survey = survey_of(imp, f[imp->fixed[COL_SURVEY]]);
    const char *wave = wave_of(imp, survey, f[imp->fixed[COL_WAVE]]);
    const struct survey *s = row_instrument(imp, survey, wave);
    json_t *obj = json_pack("{s:{}}", "answers");

    *bad_column = -1;
    for (size_t c = 0; obj != NULL && c < imp->ncols; c++) {
        json_t *v;
        int rc;

        if (f[c][0] == '\0' || (imp->kinds[c] == COL_ITEM && s == NULL))
            continue;
        if (imp->kinds[c] == COL_WEIGHT)
            v = weight_value(f[c]);
        else if (imp->kinds[c] == COL_ATTR)
            v = attr_value(s, imp->codes[c], f[c]);
        else if (imp->kinds[c] == COL_ITEM)
            v = item_value(imp, s, imp->codes[c], f[c]);
        else if (imp->kinds[c] == COL_SURVEY)
            v = json_string(survey);
        else if (imp->kinds[c] == COL_WAVE)
            v = json_string(wave);
        else if (imp->kinds[c] == COL_CITY)
            v = json_string(city_of(imp, f[c]));
        else
            v = json_string(f[c]);
        rc = imp->kinds[c] == COL_ATTR ? set_cell(obj, "attributes", imp->codes[c], v)
             : imp->kinds[c] == COL_ITEM ? set_cell(obj, "answers", imp->codes[c], v)
             : set_cell(obj, NULL, fixed_names[imp->kinds[c]], v);
        if (rc != 0) {
            *bad_column = (int)c;
            json_decref(obj);
            return NULL;
        }
    }
    return obj;
}

static int csv_row(struct importer *imp, char **f, size_t n, long line)
{
    json_t *obj;
    int bad;
    int rc;

    if (n != imp->ncols) {
        imp->res->records++;
        return add_error(imp, "%s:%ld: %zu fields, but the header has %zu columns", imp->name,
                         line, n, imp->ncols);
    }
    obj = csv_object(imp, f, &bad);
    if (obj == NULL) {
        imp->res->records++;
        if (bad < 0)
            return add_error(imp, "%s:%ld: out of memory", imp->name, line);
        return add_error(imp, "%s:%ld: column %d \"%s%s\": not valid UTF-8 text (is the file "
                              "in another encoding? --encoding windows-1250 or iso-8859-2)",
                         imp->name, line, bad + 1,
                         imp->kinds[bad] == COL_ATTR ? "attr." : "",
                         imp->kinds[bad] == COL_ATTR || imp->kinds[bad] == COL_ITEM
                             ? imp->codes[bad]
                             : fixed_names[imp->kinds[bad]]);
    }
    rc = take(imp, obj, line);
    json_decref(obj);
    return rc;
}

static int read_csv(struct importer *imp, FILE *in, off_t size)
{
    struct csv_reader *r = csv_open_delim(in, imp->opt->delimiter ? imp->opt->delimiter : ',');
    char err[ERR_MAX];
    char **f;
    size_t n;
    int got, rc = 0;

    if (r == NULL)
        return add_error(imp, "out of memory");
    got = csv_read(r, &f, &n, err, sizeof err);
    if (got == 0)
        rc = add_error(imp, "%s: the file is empty: expected a header line", imp->name);
    else if (got < 0 || read_header(imp, f, n) != 0)
        rc = got < 0 ? add_error(imp, "%s: %s", imp->name, err) : -1;
    while (rc == 0 && imp->res->nerrors == 0 && !(imp->direct && imp->copy_broken) &&
           (got = csv_read(r, &f, &n, err, sizeof err)) != 0) {
        if (got < 0) {
            rc = add_error(imp, "%s: %s", imp->name, err);
            break;
        }
        rc = csv_row(imp, f, n, csv_line(r));
        progress(imp, in, size, 0);
    }
    /* after the first error, keep validating (not copying) to report more */
    while (rc == 0 && got > 0 && !(imp->direct && imp->copy_broken) &&
           (got = csv_read(r, &f, &n, err, sizeof err)) != 0) {
        rc = got < 0 ? add_error(imp, "%s: %s", imp->name, err) : csv_row(imp, f, n, csv_line(r));
        progress(imp, in, size, 0);
    }
    csv_close(r);
    return rc;
}

/* ---- the transaction ---- */

static int end_copy(struct importer *imp)
{
    int failed = imp->res->nerrors > 0 || flush_copy(imp) != 0;
    const char *why = failed ? "the file has invalid records"
                      : imp->direct && imp->copy_broken ? "the server ended the COPY" : NULL;
    PGresult *r;
    int rc = 0;

    if (PQputCopyEnd(imp->conn, why) != 1 && !imp->direct)
        return fatal(imp, "database: %s", PQerrorMessage(imp->conn));
    while ((r = PQgetResult(imp->conn)) != NULL) {
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);

        if (PQresultStatus(r) == PGRES_COMMAND_OK) {
            if (imp->direct)
                imp->res->created = (size_t)strtoull(PQcmdTuples(r), NULL, 10);
        } else if (imp->direct && (imp->copy_broken ||
                                   (state != NULL && strcmp(state, "23505") == 0))) {
            /* a key already stored or repeated in the file: the staging way
             * tells a duplicate from a conflict (and lists every error) */
            imp->retry = 1;
        } else if (!failed) {
            rc = fatal(imp, "database: %s", PQresultErrorMessage(r));
        }
        PQclear(r);
    }
    if (imp->direct && imp->copy_broken)
        imp->retry = 1;
    return failed || imp->retry ? -1 : rc;
}

static int start_copy(struct importer *imp)
{
    char err[ERR_MAX];
    PGresult *r;

    if (db_begin(imp->conn, err, sizeof err) != 0 ||
        (!imp->direct &&
         db_exec(imp->conn, create_sql, 0, NULL, NULL, NULL, err, sizeof err) != 0))
        return fatal(imp, "%s", err);
    r = imp->direct ? PQexec(imp->conn, "COPY response (city, id, " STAGING_COLUMNS ") FROM STDIN")
                    : PQexec(imp->conn, "COPY import_staging FROM STDIN");
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        add_error(imp, "database: %s", PQresultErrorMessage(r));
        PQclear(r);
        return -1;
    }
    PQclear(r);
    return 0;
}

static int check_twice(struct importer *imp)
{
    char err[ERR_MAX];
    PGresult *r;
    int rc = 0;

    if (db_exec(imp->conn, "ANALYZE import_staging", 0, NULL, NULL, NULL, err, sizeof err) != 0 ||
        db_exec(imp->conn, twice_sql, 0, NULL, &r, NULL, err, sizeof err) != 0)
        return fatal(imp, "%s", err);
    if (PQntuples(r) > 0)
        rc = fatal(imp, "%s:%s: column \"id\": the id %s for city \"%s\" is also on line %s, "
                       "with different content", imp->name, PQgetvalue(r, 0, 1),
                       PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3), PQgetvalue(r, 0, 0));
    PQclear(r);
    return rc;
}

static int insert_rows(struct importer *imp)
{
    char err[ERR_MAX];
    PGresult *r;
    int rc = 0;

    if (db_exec(imp->conn, insert_sql, 0, NULL, &r, NULL, err, sizeof err) != 0)
        return fatal(imp, "%s", err);
    imp->res->created = (size_t)strtoull(PQcmdTuples(r), NULL, 10);
    imp->res->duplicates = imp->res->records - imp->res->created;
    PQclear(r);
    if (db_exec(imp->conn, conflict_sql, 0, NULL, &r, NULL, err, sizeof err) != 0)
        return fatal(imp, "%s", err);
    if (PQntuples(r) > 0)
        rc = fatal(imp, "%s:%s: column \"id\": a response with id %s for city \"%s\" is "
                       "already stored with different content", imp->name, PQgetvalue(r, 0, 0),
                       PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2));
    PQclear(r);
    return rc;
}

enum import_format import_guess_format(const char *name)
{
    const char *dot = strrchr(name, '.');

    if (dot != NULL && strcmp(dot, ".csv") == 0)
        return IMPORT_CSV;
    if (dot != NULL && (strcmp(dot, ".ndjson") == 0 || strcmp(dot, ".jsonl") == 0))
        return IMPORT_NDJSON;
    return IMPORT_AUTO;
}

/* Forgets the CSV header (a second reading reads it again). */
static void importer_forget_header(struct importer *imp)
{
    for (size_t c = 0; imp->codes != NULL && c < imp->ncols; c++)
        free(imp->codes[c]);
    free(imp->codes);
    free(imp->kinds);
    imp->codes = NULL;
    imp->kinds = NULL;
    imp->ncols = 0;
}

static void importer_free(struct importer *imp)
{
    importer_forget_header(imp);
    for (size_t i = 0; i < imp->nmaps; i++)
        rscan_codes_clear(&imp->maps[i]);
    free(imp->maps);
    free(imp->scan);
    free(imp->scratch);
    free(imp->seen);
    free(imp->answers);
    free(imp->attrs);
    free(imp->texts);
    free(imp->out.p);
}

static off_t file_size(FILE *in)
{
    struct stat st;

    return fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode) ? st.st_size : 0;
}

/* One reading of the file, one transaction: the direct way or the staging way. */
static int import_pass(struct importer *imp, FILE *in, off_t size)
{
    struct import_result *res = imp->res;
    char err[ERR_MAX];
    int rc = start_copy(imp);

    if (rc == 0) {
        imp->csv ? read_csv(imp, in, size) : read_ndjson(imp, in, size);
        progress(imp, in, size, 1);
        rc = end_copy(imp);
    }
    if (imp->retry) {
        db_rollback(imp->conn);
        return -1;
    }
    if (rc == 0 && res->records == 0)
        rc = fatal(imp, "%s: no records", imp->name);
    if (rc == 0 && !imp->direct)
        rc = check_twice(imp) == 0 && insert_rows(imp) == 0 ? 0 : -1;
    if (rc == 0 && imp->direct)
        res->duplicates = res->records - res->created;
    if (rc == 0 && !imp->opt->dry_run && db_commit(imp->conn, err, sizeof err) != 0)
        rc = fatal(imp, "%s", err);
    db_rollback(imp->conn);
    return rc;
}

int import_stream(PGconn *conn, const struct catalog *cat, FILE *in, const char *name,
                  const struct import_options *opt, struct import_result *res)
{
    struct importer imp = { .conn = conn, .cat = cat, .name = name, .opt = opt, .res = res };
    enum import_format format = opt->format != IMPORT_AUTO ? opt->format
                                                           : import_guess_format(name);
    off_t size = file_size(in);
    off_t start = ftello(in);
    struct stat st;
    int rc;

    wavewin_today(imp.today);
    memset(res, 0, sizeof *res);
    if (format == IMPORT_AUTO)
        return fatal(&imp, "%s: cannot tell the format from the name: use --format csv or "
                         "--format ndjson", name);
    imp.csv = format == IMPORT_CSV;
    /* the direct way needs a second reading in reserve: a regular file */
    imp.direct = fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode) && start >= 0;
    rc = import_pass(&imp, in, size);
    if (imp.retry) {
        memset(res, 0, sizeof *res);
        importer_forget_header(&imp);
        imp.direct = 0;
        imp.retry = 0;
        imp.copy_broken = 0;
        imp.out.len = 0;
        clearerr(in);
        if (fseeko(in, start, SEEK_SET) != 0)
            rc = fatal(&imp, "%s: cannot read the file again: %s", name, strerror(errno));
        else
            rc = import_pass(&imp, in, size);
    }
    importer_free(&imp);
    return rc;
}
