/*
 * report_run: the inside of `empirie report` (cmd_report.c), shared by its
 * two files and no one else: the options, the run (the typed models, the
 * registry facts, the jobs) and the jobs' writing (report_jobs.c: one
 * workbook or export file per job, on up to REPORT_THREADS threads).
 */
#ifndef EMPIRIE_REPORT_RUN_H
#define EMPIRIE_REPORT_RUN_H

#include "err.h"
#include "ministry.h"
#include "names.h"
#include "report.h"
#include "results.h"
#include "results_model.h"

#include <stdatomic.h>
#include <stddef.h>

struct options {
    const char *db, *out, *lang, *dialect;
    struct names_args names;   /* --survey, --wave, --city, --network; resolved (cli.h) */
    int ministry, all;
};

/* The programme-wide export: --ministry without a survey, or --survey all. */
int report_every_survey(const struct options *o);

/*
 * One workbook to write, or the ministry's export or a part of it (with
 * --all its workbook is one job, its CSV and JSON another). The jobs are
 * listed in a fixed order, written by up to REPORT_THREADS threads,
 * and their paths and errors printed in that order once all are done, so
 * the output does not depend on which thread wrote what. Each writer reads
 * the shared results document and registry facts without changing them and
 * owns its libxlsxwriter workbook; the workbooks share nothing.
 */
struct job {
    enum report_kind kind;
    int part;                     /* the ministry's: 0 all, 1 workbook, 2 the text files */
    const char *slug;             /* borrowed from the document; NULL for the ministry */
    char path[4096];              /* the ministry's are in run.mpaths */
    char err[ERR_MAX];
    int rc;
};

#define REPORT_THREADS 2

#define MAX_BREAKDOWNS 8

struct run {
    const struct options *o;
    const struct results *model;  /* the survey's typed results, or NULL for every survey */
    struct catalog *cat;
    const struct regsnap *reg;    /* the command's one registry snapshot (names.h) */
    struct ministry_input *inputs; /* the ministry's export: one per survey */
    size_t ninputs;
    struct ministry_paths mpaths;
    const struct results *rby[MAX_BREAKDOWNS];   /* split by each attribute (city reports) */
    struct results_src *srcby[MAX_BREAKDOWNS];   /* which own the models */
    size_t nby;
    struct results_src **srcs;    /* per input: the source of its model */
    struct report_meta meta;
    const char *wave;             /* the folder's wave: the report's */
    int english;
    struct job *jobs;
    size_t njobs;
    atomic_size_t next;           /* the next job to start */
    size_t done;                  /* jobs finished (under stderr's lock) */
};

/* Writes every job of the run (the folder of r->wave made first): the
 * listed groups with --all, else the one asked for; 0, or -1 when
 * something was not written (said on stderr). */
int report_run_jobs(struct run *r);

#endif
