/*
 * import: bulk import of responses from a CSV or NDJSON file (format:
 * docs/import.md), all or nothing per file.
 *
 * The file is streamed: each record is validated against its instrument
 * (the same rules and messages as the API) and sent through COPY, so memory
 * does not grow with the file. New data goes by COPY straight into
 * `response` and commits; when that COPY fails on a key (an id already
 * stored, or twice in the file), the file is read again into a temporary
 * staging table, whose rows are checked for one id given twice with
 * different content, inserted with ON CONFLICT DO NOTHING and compared with
 * what was stored before (same content: a duplicate, skipped; different: an
 * error naming the line). Input that cannot be read twice (a pipe) goes the
 * staging way at once. Any error rolls everything back.
 */
#ifndef EMPIRIE_IMPORT_H
#define EMPIRIE_IMPORT_H

#include "catalog.h"
#include "names.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <sys/types.h>

#define IMPORT_MAX_ERRORS 20

enum import_format { IMPORT_AUTO, IMPORT_CSV, IMPORT_NDJSON };

struct import_options {
    enum import_format format;   /* IMPORT_AUTO: from the file name (.csv, .ndjson, .jsonl) */
    int dry_run;                 /* validate and check against the database, then roll back */
    int allow_closed_wave;       /* take responses for waves outside their window (wavewin.h) */
    size_t max_errors;           /* invalid records reported before giving up (1..20) */
    /* Called every few thousand records and at the end (may be NULL): records
     * read so far, bytes read, the file's size (0 when unknown). */
    void (*progress)(void *ctx, size_t records, off_t bytes, off_t size);
    void *progress_ctx;
    /* CSV: the field separator (0: ','), and the registry's cities (slug
     * and name; may be NULL) so that a city column may hold names as well as
     * slugs ("Kędzierzyn-Koźle", "KONIN"). Survey, wave, option and
     * attribute cells may hold labels too (the instrument's Polish or
     * English label, in any case, with or without diacritics). */
    char delimiter;
    const struct names_entry *cities;
    size_t ncities;
};

struct import_result {
    size_t records;     /* records read */
    size_t created;     /* newly stored */
    size_t duplicates;  /* already stored (or repeated in the file) with the same content */
    size_t nerrors;     /* messages in errors[] */
    char errors[IMPORT_MAX_ERRORS][800];  /* "FILE:LINE: column \"x\": ..." */
};

/*
 * Imports the stream in (named name in messages), from its current position.
 * Returns 0 when every record
 * was stored (or, with dry_run, would be); -1 otherwise, with the reasons in
 * res->errors (file and line, the column or field, the problem), and the
 * database unchanged. The connection must not be inside a transaction.
 */
int import_stream(PGconn *conn, const struct catalog *cat, FILE *in, const char *name,
                  const struct import_options *opt, struct import_result *res);

/* The format a file name implies: IMPORT_CSV, IMPORT_NDJSON or IMPORT_AUTO
 * when the name says nothing. */
enum import_format import_guess_format(const char *name);

#endif
