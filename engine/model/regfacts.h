/*
 * regfacts: the registry facts a report needs besides the figures, read
 * from the database: the registry snapshot (regsnap.h: the cities' names,
 * staff headcounts, TERC codes and voivodeships, the networks' names), the
 * date of a survey's latest response and its void responses per wave and
 * city (voids.h), and when the report is made. The writers in reports/
 * read them (report.h) and run no SQL.
 */
#ifndef EMPIRIE_REGFACTS_H
#define EMPIRIE_REGFACTS_H

#include "regsnap.h"

#include <libpq-fe.h>
#include <stddef.h>
#include <time.h>

/* The void responses (not counted) of one wave and city. */
struct report_void {
    char *wave, *city;
    double n;
};

struct report_meta {
    const struct regsnap *reg;  /* the registry: own, or the caller's; NULL in a meta
                                 * that holds only a date */
    struct regsnap *own;        /* reg when the meta read it itself */
    char data_date[16];   /* YYYY-MM-DD of the survey's latest response; "" when none */
    struct report_void *voids;
    size_t nvoids;
    char created[24];     /* when the report is written: YYYY-MM-DD HH:MM */
    time_t created_at;    /* the same instant: the workbooks' creation date */
};

/* Reads the registry (or borrows reg, the caller's snapshot, which must
 * outlive m; NULL: reads one), the data's date and the void responses of a
 * survey. On failure m holds nothing to free. */
int report_meta_load(PGconn *conn, const struct regsnap *reg, const char *survey,
                     struct report_meta *m, char *err, size_t errlen);

void report_meta_free(struct report_meta *m);

/*
 * The same in two steps, for a caller with a second connection: the data's
 * date is a scan of all the survey's responses, which can then run on the
 * server while the responses stream on the first connection.
 * report_meta_load_names reads everything but the date (on failure m holds
 * nothing to free); report_date_send starts the date's query on date_conn
 * (a connection doing nothing else); report_date_recv waits for it and
 * stores the date and the voids in m (a zeroed or loaded meta), and leaves
 * date_conn idle in every case.
 */
int report_meta_load_names(PGconn *conn, const struct regsnap *reg, struct report_meta *m,
                           char *err, size_t errlen);
int report_date_send(PGconn *date_conn, const char *survey, char *err, size_t errlen);
int report_date_recv(PGconn *date_conn, struct report_meta *m, char *err, size_t errlen);

/* Moves the void responses of from into m, adding those of a wave and city
 * both have (a programme-wide export reads several surveys); from's voids
 * are left empty. 0, or -1 out of memory (m unchanged, from's kept). */
int report_meta_take_voids(struct report_meta *m, struct report_meta *from);

#endif
