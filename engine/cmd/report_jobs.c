/* report_jobs: the jobs of `empirie report` (report_run.h): listing the
 * workbooks of a run, writing them on up to REPORT_THREADS threads, and
 * printing their paths and errors in a fixed order. */
#include "report_run.h"

#include "anon.h"
#include "city.h"
#include "cli.h"
#include "err.h"
#include "msg.h"
#include "network.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Called with stderr locked. */
static void progress(struct run *r, const char *path)
{
    if (!cli_interactive())
        return;
    fprintf(stderr, "\r\033[Kempirie report: [%zu/%zu] %s", r->done, r->njobs, path);
    if (r->done == r->njobs)
        fputc('\n', stderr);
}

static int add_job(struct run *r, enum report_kind kind, const char *slug, int part)
{
    struct job *j = &r->jobs[r->njobs];
    const char *out = r->o->out, *survey = r->o->names.survey;

    memset(j, 0, sizeof *j);
    j->kind = kind;
    j->slug = slug;
    j->part = part;
    if (kind == REPORT_MINISTRY) {
        if (report_ministry_paths(&r->mpaths, out, r->wave, report_every_survey(r->o) ? NULL : survey,
                                  r->english) != 0) {
            cli_error("report", msg("%s: za długa ścieżka", "%s: path too long"), out);
            return -1;
        }
        r->njobs++;
        return 0;
    }
    if (report_path(j->path, sizeof j->path, out, r->wave, kind, slug, survey, r->english,
                    "xlsx") != 0) {
        cli_error("report", msg("%s: za długa ścieżka", "%s: path too long"), out);
        return -1;
    }
    r->njobs++;
    return 0;
}

static void run_job(struct run *r, struct job *j)
{
    if (j->kind == REPORT_CITY)
        j->rc = report_city_write(r->inputs[0].r, r->rby, r->nby, r->english, &r->meta,
                                  r->wave, j->slug, j->path, j->err, sizeof j->err);
    else if (j->kind == REPORT_NETWORK)
        j->rc = report_network_write(r->inputs[0].r, r->english, &r->meta, r->wave, j->slug,
                                     j->path, j->err, sizeof j->err);
    else {
        const struct ministry_paths *p = &r->mpaths;
        int pl = r->o->dialect != NULL && strcmp(r->o->dialect, "excel-pl") == 0;
        struct ministry_files f = {
            j->part != 2 ? p->xlsx : NULL,      j->part != 1 ? p->csv : NULL,
            j->part != 1 ? p->json : NULL,      j->part != 1 ? p->codebook : NULL,
            j->part != 1 ? p->datapackage : NULL,
            j->part != 1 && pl ? p->csv_excel_pl : NULL,
        };

        j->rc = report_ministry_export(r->inputs, r->ninputs, &r->meta, &f, j->err,
                                       sizeof j->err);
    }
}

/*
 * Takes jobs until none is left. The ministry's workbook and then its CSV
 * and JSON (the last two jobs with --all) are the largest, so they are
 * started first; the many small ones after them fill in.
 */
static void *worker(void *arg)
{
    struct run *r = arg;
    size_t k, big = r->njobs > 1 && r->jobs[r->njobs - 2].part == 1 ? 2 : 0;

    for (;;) {
        k = atomic_fetch_add(&r->next, 1);
        if (k >= r->njobs)
            break;
        struct job *j = &r->jobs[k < big ? r->njobs - big + k : k - big];

        run_job(r, j);
        flockfile(stderr);    /* guards done and keeps the progress lines whole */
        r->done++;
        progress(r, j->kind != REPORT_MINISTRY ? j->path
                    : j->part == 2              ? r->mpaths.csv
                                                : r->mpaths.xlsx);
        funlockfile(stderr);
    }
    return NULL;
}

/* Runs every job on this thread and up to REPORT_THREADS - 1 more; prints
 * the written paths and the errors in the jobs' order. */
static int run_all(struct run *r)
{
    pthread_t helpers[REPORT_THREADS - 1];
    size_t nhelpers = 0;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int failed = 0, rc;

    atomic_init(&r->next, 0);
    for (size_t t = 0; t + 1 < REPORT_THREADS && (long)t + 1 < cpus && t + 1 < r->njobs; t++) {
        /* Without a helper this thread still writes everything. */
        rc = pthread_create(&helpers[nhelpers], NULL, worker, r);
        if (rc != 0)
            break;
        nhelpers++;
    }
    worker(r);
    for (size_t t = 0; t < nhelpers; t++) {
        rc = pthread_join(helpers[t], NULL);
        if (rc != 0) {
            cli_error("report", msg("czekanie na wątek zapisu: %s", "waiting for a writer: %s"),
                      err_errno(rc));
            return -1;
        }
    }
    for (size_t i = 0; i < r->njobs; i++) {
        const struct job *j = &r->jobs[i];

        if (j->rc != 0) {
            cli_error("report", "%s", j->err);
            failed = 1;
            continue;
        }
        if (j->kind != REPORT_MINISTRY) {
            printf("%s\n", j->path);
            continue;
        }
        if (j->part != 2)
            printf("%s\n", r->mpaths.xlsx);
        if (j->part != 1) {
            printf("%s\n", r->mpaths.csv);
            if (r->o->dialect != NULL && strcmp(r->o->dialect, "excel-pl") == 0)
                printf("%s\n", r->mpaths.csv_excel_pl);
            printf("%s\n%s\n%s\n", r->mpaths.json, r->mpaths.codebook,
                   r->mpaths.datapackage);
        }
    }
    return failed ? -1 : 0;
}

/* Every city and network of the wave that has figures to show, then the
 * ministry's export. */
static int list_all(struct run *r)
{
    const struct results *m = r->model;

    r->jobs = calloc(m->ngroups + 2, sizeof *r->jobs);
    if (r->jobs == NULL) {
        cli_error("report", msg("brak pamięci", "out of memory"));
        return -1;
    }
    for (size_t i = 0; i < m->nwaves * m->ngroups; i++) {
        const struct results_group *g = &m->groups[i];

        /* A group hidden, or without a single response, has nothing to show. */
        if (strcmp(agg_wave(m->in->agg, g->wave), r->wave) != 0 || g->hidden ||
            g->type == RESULTS_ALL || !(g->respondents > 0))
            continue;
        if (add_job(r, g->type == RESULTS_CITY ? REPORT_CITY : REPORT_NETWORK, g->slug, 0) != 0)
            return -1;
    }
    /* The ministry's workbook and its CSV and JSON: two jobs, for balance. */
    return add_job(r, REPORT_MINISTRY, NULL, 1) != 0 ? -1 : add_job(r, REPORT_MINISTRY, NULL, 2);
}

/* True (with the reason said) when the group asked for is hidden in the
 * wave: its workbook would be a page of dashes, and it is not written. */
static int group_hidden(const struct run *r, const char *type, const char *slug)
{
    const struct results_group *g = results_find(
        r->model, r->wave, strcmp(type, "city") == 0 ? RESULTS_CITY : RESULTS_NETWORK, slug);
    const char *what = r->english ? type : strcmp(type, "city") == 0 ? "miasto" : "sieć";

    if (g == NULL || !g->hidden)
        return 0;
    if (g->hidden == ANON_PROTECTS)
        cli_error("report", r->english
                      ? "%s %s is hidden in wave %s so that another small group cannot be "
                        "recovered from the figures shown (it has enough respondents itself); "
                        "no workbook written"
                      : "%s %s: ukryte w fali %s, aby nie dało się odtworzyć innej małej "
                        "grupy z pokazanych liczb (samo ma dość respondentów); nie zapisano "
                        "skoroszytu",
                  what, slug, r->wave);
    else
        cli_error("report", r->english
                      ? "%s %s has fewer respondents than the anonymity threshold in wave %s; "
                        "no workbook written"
                      : "%s %s: w fali %s mniej respondentów niż próg anonimowości; nie "
                        "zapisano skoroszytu",
                  what, slug, r->wave);
    return 1;
}

int report_run_jobs(struct run *r)
{
    char err[ERR_MAX];
    char dir[4096];

    if (snprintf(dir, sizeof dir, "%s/%s", r->o->out, r->wave) >= (int)sizeof dir) {
        cli_error("report", msg("%s: za długa ścieżka", "%s: path too long"), r->o->out);
        return -1;
    }
    if (report_mkdirs(dir, err, sizeof err) != 0) {
        cli_error("report", "%s", err);
        return -1;
    }
    if (r->o->all) {
        if (list_all(r) != 0)
            return -1;
    } else {
        if ((r->o->names.city != NULL || r->o->names.network != NULL) &&
            group_hidden(r, r->o->names.city != NULL ? "city" : "network",
                         r->o->names.city != NULL ? r->o->names.city : r->o->names.network))
            return -1;
        r->jobs = calloc(1, sizeof *r->jobs);
        if (r->jobs == NULL) {
            cli_error("report", msg("brak pamięci", "out of memory"));
            return -1;
        }
        if (add_job(r, r->o->names.city != NULL ? REPORT_CITY
                       : r->o->names.network != NULL ? REPORT_NETWORK : REPORT_MINISTRY,
                    r->o->names.city != NULL ? r->o->names.city : r->o->names.network, 0) != 0)
            return -1;
    }
    return run_all(r);
}
