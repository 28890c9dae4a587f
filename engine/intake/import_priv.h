/*
 * import_priv: what the import modules share and nothing else includes:
 * the importer's state, errors and validation (import.c) and the readers
 * of NDJSON and CSV (import_read.c). The public interface is import.h.
 */
#ifndef EMPIRIE_IMPORT_PRIV_H
#define EMPIRIE_IMPORT_PRIV_H

#include "catalog.h"
#include "import.h"
#include "ingest_encode.h"
#include "response.h"
#include "survey.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <sys/types.h>

enum col_kind { COL_SURVEY, COL_WAVE, COL_CITY, COL_ID, COL_WEIGHT, COL_ATTR, COL_ITEM };

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
    struct dynbuf out;   /* COPY data not yet sent (ingest_copy_row) */
    /* CSV: the header */
    size_t ncols;
    enum col_kind *kinds;
    char **codes;        /* column name, or the code after "attr." */
    int fixed[5];        /* column of survey, wave, city, id, weight, or -1 */
    /* NDJSON lines read by the text scan, and the CSV's item codes by hash */
    struct response_scanner *scan;
};

/* Adds a message about a record; returns -1 when enough errors were seen
 * to stop reading, else 0 (reading goes on, to report more). */
int import_add_error(struct importer *imp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Adds a message about an error that ends the import. Returns -1. */
int import_fatal(struct importer *imp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void import_progress(struct importer *imp, FILE *in, off_t size, int force);
int import_queue_row(struct importer *imp, const struct response *r, long line);
int import_take(struct importer *imp, const json_t *obj, long line);
int import_report(struct importer *imp, long line, const struct response_error *e);
int import_read_csv(struct importer *imp, FILE *in, off_t size);
int import_read_ndjson(struct importer *imp, FILE *in, off_t size);

#endif
