/*
 * import_priv: what the import modules share and nothing else includes:
 * the importer's state, errors (import.c), the fast check
 * (import_fast.c) and the readers of NDJSON and CSV (import_read.c). The
 * public interface is import.h.
 */
#ifndef EMPIRIE_IMPORT_PRIV_H
#define EMPIRIE_IMPORT_PRIV_H

#include "catalog.h"
#include "copyrow.h"
#include "import.h"
#include "response.h"
#include "rscan.h"
#include "survey.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

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

/* Adds a message about a record; returns -1 when enough errors were seen
 * to stop reading, else 0 (reading goes on, to report more). */
int import_add_error(struct importer *imp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Adds a message about an error that ends the import. Returns -1. */
int import_fatal(struct importer *imp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

int import_fast_response(struct importer *imp, const json_t *obj, struct response *r);
int import_scan_response(struct importer *imp, const char *line, size_t len, struct response *r);
const struct rscan_codes *import_codemap_get(struct importer *imp, const struct survey *s);
void import_progress(struct importer *imp, FILE *in, off_t size, int force);
int import_queue_row(struct importer *imp, const struct response *r, long line);
int import_take(struct importer *imp, const json_t *obj, long line);
int import_report(struct importer *imp, long line, const struct response_error *e);
int import_read_csv(struct importer *imp, FILE *in, off_t size);
int import_read_ndjson(struct importer *imp, FILE *in, off_t size);

#endif
