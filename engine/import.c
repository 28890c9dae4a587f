/*
 * import: CSV or NDJSON records -> response_from_json -> COPY into a staging
 * table -> one INSERT ... SELECT, all in one transaction.
 *
 * A CSV row is first made into the JSON object the API takes (docs/import.md
 * has the columns), so both formats and the API share one validator and one
 * set of messages. Staging rows are encoded exactly as ingest.c encodes them,
 * so that "same content" means the same whichever way a response came in.
 */
#include "import.h"

#include "csv.h"
#include "db.h"
#include "err.h"
#include "response.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PROGRESS_EVERY 10000
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
struct buf {
    char *p;
    size_t len, cap;
};

struct importer {
    PGconn *conn;
    const struct catalog *cat;
    const char *name;
    const struct import_options *opt;
    struct import_result *res;
    int csv;
    struct buf row;
    /* CSV: the header */
    size_t ncols;
    enum col_kind *kinds;
    char **codes;        /* column name, or the code after "attr." */
    int fixed[5];        /* column of survey, wave, city, id, weight, or -1 */
};

static int buf_put(struct buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        char *bigger;

        while (cap < b->len + n + 1)
            cap *= 2;
        bigger = realloc(b->p, cap);
        if (bigger == NULL)
            return -1;
        b->p = bigger;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

static int buf_str(struct buf *b, const char *s)
{
    return buf_put(b, s, strlen(s));
}

/* s as a COPY text-format value: backslash, tab, newline and CR escaped. */
static int buf_copy_text(struct buf *b, const char *s)
{
    int rc = 0;

    for (; rc == 0 && *s != '\0'; s++) {
        switch (*s) {
        case '\\': rc = buf_put(b, "\\\\", 2); break;
        case '\t': rc = buf_put(b, "\\t", 2); break;
        case '\n': rc = buf_put(b, "\\n", 2); break;
        case '\r': rc = buf_put(b, "\\r", 2); break;
        default: rc = buf_put(b, s, 1);
        }
    }
    return rc;
}

/* An element of an array literal, quoted: "a\"b" (then COPY-escaped). */
static int buf_array_element(struct buf *b, const char *s)
{
    int rc = buf_put(b, "\"", 1);

    for (; rc == 0 && *s != '\0'; s++) {
        if (*s == '"' || *s == '\\')
            rc = buf_copy_text(b, "\\");
        if (rc == 0) {
            char one[2] = { *s, '\0' };

            rc = buf_copy_text(b, one);
        }
    }
    return rc != 0 ? -1 : buf_put(b, "\"", 1);
}

static int buf_int16_array(struct buf *b, const int16_t *v, size_t n)
{
    char num[16];
    int rc = buf_put(b, "{", 1);

    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (v[i] == SURVEY_NA)
            snprintf(num, sizeof num, "%sNULL", i ? "," : "");
        else
            snprintf(num, sizeof num, "%s%d", i ? "," : "", v[i]);
        rc = buf_str(b, num);
    }
    return rc != 0 ? -1 : buf_put(b, "}", 1);
}

static int buf_texts(struct buf *b, const struct response *r)
{
    int rc;

    if (r->texts == NULL)
        return buf_str(b, "\\N");
    rc = buf_put(b, "{", 1);
    for (size_t i = 0; rc == 0 && i < r->instrument->nitems; i++) {
        if (i > 0)
            rc = buf_put(b, ",", 1);
        if (rc == 0)
            rc = r->texts[i] != NULL ? buf_array_element(b, r->texts[i]) : buf_str(b, "NULL");
    }
    return rc != 0 ? -1 : buf_put(b, "}", 1);
}

/* One staging row in COPY text format. */
static int format_row(struct buf *b, const struct response *r, long line)
{
    char head[64], weight[40];

    b->len = 0;
    snprintf(head, sizeof head, "%ld\t", line);
    if (r->weight > 0)
        snprintf(weight, sizeof weight, "\t%.17g\n", r->weight);
    else
        snprintf(weight, sizeof weight, "\t\\N\n");
    if (buf_str(b, head) != 0 || buf_copy_text(b, r->city) != 0 || buf_str(b, "\t") != 0 ||
        buf_str(b, r->id) != 0 || buf_str(b, "\t") != 0 || buf_copy_text(b, r->survey) != 0 ||
        buf_str(b, "\t") != 0 || buf_copy_text(b, r->wave) != 0)
        return -1;
    snprintf(head, sizeof head, "\t%d\t", r->instrument->version);
    if (buf_str(b, head) != 0 || buf_int16_array(b, r->attrs, r->instrument->nattrs) != 0 ||
        buf_str(b, "\t") != 0 || buf_int16_array(b, r->answers, r->instrument->nitems) != 0 ||
        buf_str(b, "\t") != 0 || buf_texts(b, r) != 0 || buf_str(b, weight) != 0)
        return -1;
    return 0;
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
    return add_error(imp, "%s:%ld: column \"%s\": %s", imp->name, line, column, detail);
}

/* Validates one record and, while the file has no error, sends it to COPY. */
static int take(struct importer *imp, const json_t *obj, long line)
{
    struct response r;
    struct response_error e;
    int rc = 0;

    imp->res->records++;
    if (response_from_json(obj, imp->cat, "", &r, &e) != 0)
        return report(imp, line, &e);
    if (imp->res->nerrors == 0) {
        if (format_row(&imp->row, &r, line) != 0)
            rc = add_error(imp, "%s:%ld: out of memory", imp->name, line);
        else if (PQputCopyData(imp->conn, imp->row.p, (int)imp->row.len) != 1)
            rc = add_error(imp, "%s:%ld: database: %s", imp->name, line,
                           PQerrorMessage(imp->conn));
    }
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
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    long lineno = 0;
    int rc = 0;

    while (rc == 0 && (got = getline(&line, &cap, in)) >= 0) {
        json_error_t je;
        json_t *obj;

        lineno++;
        if (blank(line))
            continue;
        obj = json_loadb(line, (size_t)got, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
        if (obj == NULL) {
            imp->res->records++;
            rc = add_error(imp, "%s:%ld: invalid JSON at column %d: %s", imp->name, lineno,
                           je.column, je.text);
            continue;
        }
        rc = take(imp, obj, lineno);
        json_decref(obj);
        progress(imp, in, size, 0);
    }
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

static const struct survey *row_instrument(const struct importer *imp, char **f)
{
    const struct catalog_wave *w = catalog_wave(imp->cat, f[imp->fixed[COL_SURVEY]],
                                                f[imp->fixed[COL_WAVE]]);

    return w != NULL ? catalog_survey(imp->cat, w->survey, w->survey_version) : NULL;
}

static json_t *item_value(const struct survey *s, const char *code, const char *cell)
{
    int k = survey_item_index(s, code);

    if (k >= 0 && s->items[k].type == SURVEY_TEXT)
        return json_string(cell);
    if (k >= 0 && s->items[k].type == SURVEY_MULTI)
        return multi_value(cell);
    return cell_value(cell);
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
static json_t *csv_object(struct importer *imp, char **f, long line, int *bad_column)
{
    const struct survey *s = row_instrument(imp, f);
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
            v = cell_value(f[c]);
        else if (imp->kinds[c] == COL_ITEM)
            v = item_value(s, imp->codes[c], f[c]);
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
    (void)line;
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
    obj = csv_object(imp, f, line, &bad);
    if (obj == NULL) {
        imp->res->records++;
        if (bad < 0)
            return add_error(imp, "%s:%ld: out of memory", imp->name, line);
        return add_error(imp, "%s:%ld: column %d: not valid UTF-8 text", imp->name, line,
                         bad + 1);
    }
    rc = take(imp, obj, line);
    json_decref(obj);
    return rc;
}

static int read_csv(struct importer *imp, FILE *in, off_t size)
{
    struct csv_reader *r = csv_open(in);
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
    while (rc == 0 && imp->res->nerrors == 0 && (got = csv_read(r, &f, &n, err, sizeof err)) != 0) {
        if (got < 0) {
            rc = add_error(imp, "%s: %s", imp->name, err);
            break;
        }
        rc = csv_row(imp, f, n, csv_line(r));
        progress(imp, in, size, 0);
    }
    /* after the first error, keep validating (not copying) to report more */
    while (rc == 0 && got > 0 && (got = csv_read(r, &f, &n, err, sizeof err)) != 0) {
        rc = got < 0 ? add_error(imp, "%s: %s", imp->name, err) : csv_row(imp, f, n, csv_line(r));
        progress(imp, in, size, 0);
    }
    csv_close(r);
    return rc;
}

/* ---- the transaction ---- */

static int end_copy(struct importer *imp)
{
    int failed = imp->res->nerrors > 0;
    PGresult *r;
    int rc = 0;

    if (PQputCopyEnd(imp->conn, failed ? "the file has invalid records" : NULL) != 1)
        return fatal(imp, "database: %s", PQerrorMessage(imp->conn));
    while ((r = PQgetResult(imp->conn)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && !failed)
            rc = fatal(imp, "database: %s", PQresultErrorMessage(r));
        PQclear(r);
    }
    return failed ? -1 : rc;
}

static int start_copy(struct importer *imp)
{
    char err[ERR_MAX];
    PGresult *r;

    if (db_begin(imp->conn, err, sizeof err) != 0 ||
        db_exec(imp->conn, create_sql, 0, NULL, NULL, NULL, err, sizeof err) != 0)
        return fatal(imp, "%s", err);
    r = PQexec(imp->conn, "COPY import_staging FROM STDIN");
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

static void importer_free(struct importer *imp)
{
    for (size_t c = 0; imp->codes != NULL && c < imp->ncols; c++)
        free(imp->codes[c]);
    free(imp->codes);
    free(imp->kinds);
    free(imp->row.p);
}

static off_t file_size(FILE *in)
{
    struct stat st;

    return fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode) ? st.st_size : 0;
}

int import_stream(PGconn *conn, const struct catalog *cat, FILE *in, const char *name,
                  const struct import_options *opt, struct import_result *res)
{
    struct importer imp = { .conn = conn, .cat = cat, .name = name, .opt = opt, .res = res };
    enum import_format format = opt->format != IMPORT_AUTO ? opt->format
                                                           : import_guess_format(name);
    off_t size = file_size(in);
    char err[ERR_MAX];
    int rc;

    memset(res, 0, sizeof *res);
    if (format == IMPORT_AUTO)
        return fatal(&imp, "%s: cannot tell the format from the name: use --format csv or "
                         "--format ndjson", name);
    imp.csv = format == IMPORT_CSV;
    rc = start_copy(&imp);
    if (rc == 0) {
        imp.csv ? read_csv(&imp, in, size) : read_ndjson(&imp, in, size);
        progress(&imp, in, size, 1);
        rc = end_copy(&imp);
    }
    if (rc == 0 && res->records == 0)
        rc = fatal(&imp, "%s: no records", name);
    if (rc == 0)
        rc = check_twice(&imp) == 0 && insert_rows(&imp) == 0 ? 0 : -1;
    if (rc == 0 && !opt->dry_run && db_commit(conn, err, sizeof err) != 0)
        rc = fatal(&imp, "%s", err);
    db_rollback(conn);
    importer_free(&imp);
    return rc;
}
