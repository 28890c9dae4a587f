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
 * Validation is the API's: an NDJSON line of the plain shape is read by the
 * text scan the API's bodies go through (response_scan_line, response.h);
 * any other line, and every CSV row (first made into the JSON object the
 * API takes; docs/import.md has the columns), by jansson and
 * response_from_json, which decides and words every error. So both formats
 * and the API share one validator and one set of messages. Rows are
 * encoded by ingest_encode.h, as every writer's, so that "same content"
 * means the same whichever way a response came in.
 *
 * This file: errors, validation, COPY, the two ways and the entry points;
 * the readers are in import_read.c (import_priv.h).
 */
#include "import_priv.h"
#include "wavewin.h"

#include "db.h"
#include "err.h"
#include "ingest_encode.h"
#include "msg.h"
#include "response.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PROGRESS_EVERY 10000

#define COPY_CHUNK (128 * 1024)   /* bytes per PQputCopyData */

/* The staging table: the line of each row, then RESPONSE_COLUMNS. */
static const char *const create_sql =
    "CREATE TEMP TABLE import_staging (line bigint NOT NULL, " RESPONSE_COLUMN_TYPES ") "
    "ON COMMIT DROP";

/* The checks: the first row in conflict, as its line, id and city (for an
 * id given twice in the file, then the line that gave it first). */
static const char *const twice_sql =
    "SELECT b.line, b.id, b.city, a.line FROM import_staging a JOIN import_staging b "
    "ON a.city = b.city AND a.id = b.id AND a.line < b.line "
    "WHERE " RESPONSE_OTHER_CONTENT("a", "b") " ORDER BY b.line, a.line LIMIT 1";

static const char *const insert_sql =
    "INSERT INTO response (" RESPONSE_COLUMNS ") "
    "SELECT DISTINCT ON (city, id) " RESPONSE_COLUMNS " FROM import_staging "
    "ORDER BY city, id, line ON CONFLICT (city, id) DO NOTHING";

static const char *const conflict_sql =
    "SELECT s.line, s.id, s.city FROM import_staging s JOIN response r "
    "ON r.city = s.city AND r.id = s.id "
    "WHERE " RESPONSE_OTHER_CONTENT("r", "s") " ORDER BY s.line LIMIT 1";

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

int import_add_error(struct importer *imp, const char *fmt, ...)
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

int import_fatal(struct importer *imp, const char *fmt, ...)
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

int import_report(struct importer *imp, long line, const struct response_error *e)
{
    char column[300];
    size_t plen = strlen(e->path);
    const char *detail = e->message;

    if (!imp->csv || plen == 0)
        return import_add_error(imp, "%s:%ld: %s", imp->name, line, e->message);
    if (strncmp(e->message, e->path, plen) == 0 && strncmp(e->message + plen, ": ", 2) == 0)
        detail = e->message + plen + 2;
    path_column(e->path, column, sizeof column);
    /* an unknown city: the nearest names of the registry, as the commands give them */
    if (strcmp(e->path, "city") == 0 && imp->opt->cities != NULL &&
        strncmp(detail, "unknown city \"", 14) == 0) {
        char given[NAMES_MAX + 1], near[ERR_MAX];
        const char *q = strchr(detail + 14, '"');
        const char *dym = NULL;

        snprintf(given, sizeof given, "%.*s", q != NULL ? (int)(q - detail - 14) : 0,
                 detail + 14);
        if (names_find(imp->opt->cities, imp->opt->ncities, "city", given, near,
                       sizeof near) < 0)
            dym = strstr(near, msg("(czy chodziło o: ", "(did you mean: "));
        if (dym != NULL)
            return import_add_error(imp, msg("%s:%ld: kolumna \"%s\": %s %s",
                                             "%s:%ld: column \"%s\": %s %s"),
                                    imp->name, line, column, detail, dym);
    }
    return import_add_error(imp, msg("%s:%ld: kolumna \"%s\": %s", "%s:%ld: column \"%s\": %s"),
                            imp->name, line, column, detail);
}

/* Sends the COPY data gathered so far. In the direct way, a server that has
 * something to say during a COPY has failed it (a key already stored, most
 * likely): stop sending, the end of the COPY tells what it was. */
static int flush_copy(struct importer *imp)
{
    struct pollfd pfd = { .fd = PQsocket(imp->conn), .events = POLLIN };

    if (dynbuf_len(&imp->out) == 0 || imp->copy_broken)
        return 0;
    if (PQputCopyData(imp->conn, dynbuf_ptr(&imp->out), (int)dynbuf_len(&imp->out)) != 1) {
        imp->copy_broken = 1;
        return imp->direct ? 0
                           : import_fatal(imp, msg("baza danych: %s", "database: %s"),
                                          PQerrorMessage(imp->conn));
    }
    dynbuf_reset(&imp->out);
    if (imp->direct && poll(&pfd, 1, 0) > 0)
        imp->copy_broken = 1;
    return 0;
}

/* While the file has no error, queues a valid record for COPY. */
int import_queue_row(struct importer *imp, const struct response *r, long line)
{
    struct response_error e;
    int rc = 0;

    if (!imp->opt->allow_closed_wave &&
        wavewin_check(imp->cat, r, 1, 0, NULL, imp->today, &e) != 0)
        return import_report(imp, line, &e);

    if (imp->res->nerrors == 0 && !imp->copy_broken) {
        ingest_copy_row(&imp->out, r, imp->direct ? 0 : line);
        if (dynbuf_error(&imp->out) != DYNBUF_OK)
            rc = import_add_error(imp, msg("%s:%ld: brak pamięci", "%s:%ld: out of memory"),
                                  imp->name, line);
        else if (dynbuf_len(&imp->out) >= COPY_CHUNK)
            rc = flush_copy(imp);
    }
    return rc;
}

/* Validates one record and, while the file has no error, queues it for COPY. */
int import_take(struct importer *imp, const json_t *obj, long line)
{
    struct response r;
    struct response_error e;
    int rc;

    imp->res->records++;
    if (response_from_json(obj, imp->cat, "", &r, &e) != 0)
        return import_report(imp, line, &e);
    rc = import_queue_row(imp, &r, line);
    response_clear(&r);
    return rc;
}

void import_progress(struct importer *imp, FILE *in, off_t size, int force)
{
    if (imp->opt->progress != NULL && (force || imp->res->records % PROGRESS_EVERY == 0))
        imp->opt->progress(imp->opt->progress_ctx, imp->res->records, ftello(in), size);
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
        return import_fatal(imp, msg("baza danych: %s", "database: %s"),
                            PQerrorMessage(imp->conn));
    for (r = PQgetResult(imp->conn); r != NULL; r = PQgetResult(imp->conn)) {
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
            rc = import_fatal(imp, msg("baza danych: %s", "database: %s"),
                              PQresultErrorMessage(r));
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
        return import_fatal(imp, "%s", err);
    r = imp->direct ? PQexec(imp->conn, "COPY response (" RESPONSE_COLUMNS ") FROM STDIN")
                    : PQexec(imp->conn, "COPY import_staging (line, " RESPONSE_COLUMNS ") FROM STDIN");
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        import_add_error(imp, msg("baza danych: %s", "database: %s"), PQresultErrorMessage(r));
        PQclear(r);
        return -1;
    }
    PQclear(r);
    return 0;
}

/* Runs sql (no parameters) on the import's connection, its result in *r
 * (r may be NULL); a failure is the import's error: returns -1. */
static int run(struct importer *imp, const char *sql, PGresult **r)
{
    char err[ERR_MAX];

    if (db_exec(imp->conn, sql, 0, NULL, r, NULL, err, sizeof err) != 0)
        return import_fatal(imp, "%s", err);
    return 0;
}

/* Runs a check (twice_sql, or conflict_sql: stored): when it finds a row in
 * conflict, that is the import's error, -1. */
static int refuse_conflict(struct importer *imp, const char *sql, int stored)
{
    PGresult *r;
    const char *line, *id, *city;
    int rc = 0;

    if (run(imp, sql, &r) != 0)
        return -1;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return 0;
    }
    line = PQgetvalue(r, 0, 0);
    id = PQgetvalue(r, 0, 1);
    city = PQgetvalue(r, 0, 2);
    if (stored)
        rc = import_fatal(imp, msg("%s:%s: kolumna \"id\": odpowiedź o id %s miasta \"%s\" jest "
                                   "już zapisana z inną treścią",
                                   "%s:%s: column \"id\": a response with id %s for city \"%s\" "
                                   "is already stored with different content"),
                          imp->name, line, id, city);
    else
        rc = import_fatal(imp, msg("%s:%s: kolumna \"id\": id %s miasta \"%s\" jest też w wierszu "
                                   "%s, z inną treścią",
                                   "%s:%s: column \"id\": the id %s for city \"%s\" is also on "
                                   "line %s, with different content"),
                          imp->name, line, id, city, PQgetvalue(r, 0, 3));
    PQclear(r);
    return rc;
}

static int check_twice(struct importer *imp)
{
    if (run(imp, "ANALYZE import_staging", NULL) != 0)
        return -1;
    return refuse_conflict(imp, twice_sql, 0);
}

static int insert_rows(struct importer *imp)
{
    PGresult *r;

    if (run(imp, insert_sql, &r) != 0)
        return -1;
    imp->res->created = (size_t)strtoull(PQcmdTuples(r), NULL, 10);
    imp->res->duplicates = imp->res->records - imp->res->created;
    PQclear(r);
    return refuse_conflict(imp, conflict_sql, 1);
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
    response_scanner_free(imp->scan);
    dynbuf_free(&imp->out);
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
        imp->csv ? import_read_csv(imp, in, size) : import_read_ndjson(imp, in, size);
        import_progress(imp, in, size, 1);
        rc = end_copy(imp);
    }
    if (imp->retry) {
        db_rollback(imp->conn);
        return -1;
    }
    if (rc == 0 && res->records == 0)
        rc = import_fatal(imp, msg("%s: brak rekordów", "%s: no records"), imp->name);
    if (rc == 0 && !imp->direct)
        rc = check_twice(imp) == 0 && insert_rows(imp) == 0 ? 0 : -1;
    if (rc == 0 && imp->direct)
        res->duplicates = res->records - res->created;
    if (rc == 0 && !imp->opt->dry_run && db_commit(imp->conn, err, sizeof err) != 0)
        rc = import_fatal(imp, "%s", err);
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

    dynbuf_init(&imp.out, INGEST_ENCODE_MAX);
    wavewin_today(imp.today);
    memset(res, 0, sizeof *res);
    if (format == IMPORT_AUTO)
        return import_fatal(&imp, msg("%s: z nazwy nie wynika format: podaj --format csv lub "
                                      "--format ndjson",
                                      "%s: cannot tell the format from the name: use --format "
                                      "csv or --format ndjson"),
                            name);
    imp.scan = response_scanner_new(cat);
    if (imp.scan == NULL)
        return import_fatal(&imp, "%s", msg("brak pamięci", "out of memory"));
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
        dynbuf_reset(&imp.out);
        clearerr(in);
        if (fseeko(in, start, SEEK_SET) != 0)
            rc = import_fatal(&imp, msg("%s: nie można ponownie przeczytać pliku: %s",
                                        "%s: cannot read the file again: %s"),
                              name, err_errno(errno));
        else
            rc = import_pass(&imp, in, size);
    }
    importer_free(&imp);
    return rc;
}
