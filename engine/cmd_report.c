/* empirie report: XLSX reports of a survey wave for cities, networks and the ministry. */
#include "catalog.h"
#include "city.h"
#include "cli.h"
#include "err.h"
#include "ministry.h"
#include "network.h"
#include "report.h"
#include "results.h"

#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fputs("Usage: empirie report --survey SLUG [--wave LABEL]\n"
          "                      (--city SLUG | --network SLUG | --ministry | --all)\n"
          "                      [--out DIR] [--lang pl|en] [--db CONNINFO]\n"
          "\n"
          "Writes XLSX reports of one survey wave, from the same figures as\n"
          "'empirie stats' (groups and cells below the anonymity threshold are shown\n"
          "as a dash with a note, never their value):\n"
          "  city      DIR/WAVE/miasto-CITY-SURVEY.xlsx: summary, items, dimensions,\n"
          "            trends, distributions, comparison with the network, methodology\n"
          "  network   DIR/WAVE/siec-NETWORK-SURVEY.xlsx: summary, the member cities\n"
          "            side by side (heat map), ranking, the network's trend, methodology\n"
          "  ministry  DIR/WAVE/ministerstwo-SURVEY.xlsx (+ .csv, .json): one tidy row per\n"
          "            wave x city or network x indicator, a codebook, a sheet per network\n"
          "With --lang en the names are city-, network- and ministry-. Each file is\n"
          "written under a temporary name and renamed when complete. The written\n"
          "paths are printed, one a line.\n"
          "\n"
          "Options:\n"
          "  --survey SLUG     the survey (see 'empirie registry list')\n"
          "  --wave LABEL      the wave (default: the latest)\n"
          "  --city SLUG       the workbook of one city\n"
          "  --network SLUG    the workbook of one network\n"
          "  --ministry        the ministry's export (workbook, CSV and JSON)\n"
          "  --all             every city and network with responses in the wave, and the\n"
          "                    ministry's export\n"
          "  --out DIR         where to write (default: out)\n"
          "  --lang pl|en      labels in Polish (default) or English\n"
          "  --db CONNINFO     libpq connection string (default: $DATABASE_URL, the PG*\n"
          "                    variables, else the private cluster under var/)\n"
          "  -h, --help        show this help\n",
          out);
}

struct options {
    const char *db, *survey, *wave, *city, *network, *out, *lang;
    int ministry, all;
};

static int check(const struct options *o)
{
    if (o->survey == NULL) {
        cli_error("report", "--survey is required (see --help)");
        return -1;
    }
    if ((o->city != NULL) + (o->network != NULL) + o->ministry + o->all != 1) {
        cli_error("report", "give one of --city, --network, --ministry and --all");
        return -1;
    }
    if (strcmp(o->lang, "pl") != 0 && strcmp(o->lang, "en") != 0) {
        cli_error("report", "--lang: expected pl or en, got '%s'", o->lang);
        return -1;
    }
    return 0;
}

static int parse(int argc, char **argv, struct options *o)
{
    static const struct option opts[] = {
        { "db", required_argument, NULL, 'd' },      { "survey", required_argument, NULL, 's' },
        { "wave", required_argument, NULL, 'w' },    { "city", required_argument, NULL, 'c' },
        { "network", required_argument, NULL, 'n' }, { "ministry", no_argument, NULL, 'm' },
        { "all", no_argument, NULL, 'a' },           { "out", required_argument, NULL, 'o' },
        { "lang", required_argument, NULL, 'l' },    { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    memset(o, 0, sizeof *o);
    o->lang = "pl";
    o->out = "out";
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': o->db = optarg; break;
        case 's': o->survey = optarg; break;
        case 'w': o->wave = optarg; break;
        case 'c': o->city = optarg; break;
        case 'n': o->network = optarg; break;
        case 'm': o->ministry = 1; break;
        case 'a': o->all = 1; break;
        case 'o': o->out = optarg; break;
        case 'l': o->lang = optarg; break;
        case 'h': usage(stdout); return 1;
        default: usage(stderr); return -1;
        }
    }
    if (optind != argc) {
        cli_error("report", "unexpected argument '%s'", argv[optind]);
        return -1;
    }
    return check(o);
}

/* ---- the jobs ---- */

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
    int part;                     /* the ministry's: 0 both, 1 workbook, 2 CSV and JSON */
    const char *slug;             /* borrowed from the document; NULL for the ministry */
    char path[4096], csv[4096], js[4096];
    char err[ERR_MAX];
    int rc;
};

#define REPORT_THREADS 2

#define MAX_BREAKDOWNS 8

struct run {
    const struct options *o;
    json_t *doc;
    json_t *by[MAX_BREAKDOWNS];   /* the document split by each attribute (city reports) */
    size_t nby;
    struct report_meta meta;
    const char *wave;
    int english;
    struct job *jobs;
    size_t njobs;
    atomic_size_t next;           /* the next job to start */
    size_t done;                  /* jobs finished (under stderr's lock) */
};

static void progress_rows(size_t rows, void *arg)
{
    (void)arg;
    fprintf(stderr, "\rempirie report: reading responses: %zu", rows);
}

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
    const char *out = r->o->out, *survey = r->o->survey;

    memset(j, 0, sizeof *j);
    j->kind = kind;
    j->slug = slug;
    j->part = part;
    if (report_path(j->path, sizeof j->path, out, r->wave, kind, slug, survey, r->english,
                    "xlsx") != 0 ||
        report_path(j->csv, sizeof j->csv, out, r->wave, kind, slug, survey, r->english,
                    "csv") != 0 ||
        report_path(j->js, sizeof j->js, out, r->wave, kind, slug, survey, r->english,
                    "json") != 0) {
        cli_error("report", "%s: path too long", out);
        return -1;
    }
    r->njobs++;
    return 0;
}

static void run_job(struct run *r, struct job *j)
{
    if (j->kind == REPORT_CITY)
        j->rc = report_city_write_by(r->doc, (json_t *const *)r->by, r->nby, &r->meta,
                                     r->wave, j->slug, j->path, j->err, sizeof j->err);
    else if (j->kind == REPORT_NETWORK)
        j->rc = report_network_write(r->doc, &r->meta, r->wave, j->slug, j->path, j->err,
                                     sizeof j->err);
    else
        j->rc = report_ministry_write(r->doc, &r->meta, r->wave, j->part != 2 ? j->path : NULL,
                                      j->part != 1 ? j->csv : NULL,
                                      j->part != 1 ? j->js : NULL, j->err, sizeof j->err);
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

    while ((k = atomic_fetch_add(&r->next, 1)) < r->njobs) {
        struct job *j = &r->jobs[k < big ? r->njobs - big + k : k - big];

        run_job(r, j);
        flockfile(stderr);    /* guards done and keeps the progress lines whole */
        r->done++;
        progress(r, j->part == 2 ? j->csv : j->path);
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
    for (size_t t = 0; t < nhelpers; t++)
        if ((rc = pthread_join(helpers[t], NULL)) != 0) {
            cli_error("report", "waiting for a writer: %s", strerror(rc));
            return -1;
        }
    for (size_t i = 0; i < r->njobs; i++) {
        const struct job *j = &r->jobs[i];

        if (j->rc != 0) {
            cli_error("report", "%s", j->err);
            failed = 1;
            continue;
        }
        if (j->part != 2)
            printf("%s\n", j->path);
        if (j->kind == REPORT_MINISTRY && j->part != 1)
            printf("%s\n%s\n", j->csv, j->js);
    }
    return failed ? -1 : 0;
}

/* Every city and network of the wave that has figures to show, then the
 * ministry's export. */
static int list_all(struct run *r)
{
    json_t *groups = json_object_get(r->doc, "groups");
    size_t i;
    json_t *g;

    r->jobs = calloc(json_array_size(groups) + 2, sizeof *r->jobs);
    if (r->jobs == NULL) {
        cli_error("report", "out of memory");
        return -1;
    }
    json_array_foreach(groups, i, g) {
        const char *type = json_string_value(json_object_get(g, "type"));

        /* A group hidden, or without a single response, has nothing to show. */
        if (strcmp(json_string_value(json_object_get(g, "wave")), r->wave) != 0 ||
            json_is_true(json_object_get(g, "suppressed")) || strcmp(type, "all") == 0 ||
            !(json_number_value(json_object_get(g, "respondents")) > 0))
            continue;
        if (add_job(r, strcmp(type, "city") == 0 ? REPORT_CITY : REPORT_NETWORK,
                    json_string_value(json_object_get(g, "slug")), 0) != 0)
            return -1;
    }
    /* The ministry's workbook and its CSV and JSON: two jobs, for balance. */
    return add_job(r, REPORT_MINISTRY, NULL, 1) != 0 ? -1 : add_job(r, REPORT_MINISTRY, NULL, 2);
}

static int run_jobs(struct run *r)
{
    char err[ERR_MAX];
    char dir[4096];

    if (snprintf(dir, sizeof dir, "%s/%s", r->o->out, r->wave) >= (int)sizeof dir) {
        cli_error("report", "%s: path too long", r->o->out);
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
        r->jobs = calloc(1, sizeof *r->jobs);
        if (r->jobs == NULL) {
            cli_error("report", "out of memory");
            return -1;
        }
        if (add_job(r, r->o->city != NULL ? REPORT_CITY
                       : r->o->network != NULL ? REPORT_NETWORK : REPORT_MINISTRY,
                    r->o->city != NULL ? r->o->city : r->o->network, 0) != 0)
            return -1;
    }
    return run_all(r);
}

/*
 * The registry facts and the results document. The data's date (a scan of
 * every response of the survey) is read on a second connection meanwhile,
 * so the server scans while the responses stream to us.
 */
static int load(struct run *r, PGconn *conn)
{
    char err[ERR_MAX];
    struct catalog *cat = NULL;
    int interactive = cli_interactive();
    PGconn *date_conn = cli_connect(r->o->db);

    if (date_conn == NULL)
        return -1;
    if (report_date_send(date_conn, r->o->survey, err, sizeof err) != 0 ||
        catalog_load(conn, &cat, err, sizeof err) != 0 ||
        report_meta_load_names(conn, &r->meta, err, sizeof err) != 0) {
        cli_error("report", "%s", err);
        catalog_free(cat);
        PQfinish(date_conn);
        return -1;
    }
    r->doc = results_load(conn, cat, r->o->survey, NULL, r->english,
                          interactive ? progress_rows : NULL, NULL, err, sizeof err);
    if (interactive)
        fputc('\n', stderr);
    /* A city's breakdown sheet: the results split by each of the survey's
     * attributes (department, tenure, ...), one more pass each. */
    if (r->doc != NULL && (r->o->city != NULL || r->o->all)) {
        const struct survey *s = catalog_survey_latest(cat, r->o->survey);

        for (size_t a = 0; s != NULL && a < s->nattrs && r->nby < MAX_BREAKDOWNS; a++) {
            json_t *d = results_load(conn, cat, r->o->survey, s->attrs[a].code, r->english,
                                     NULL, NULL, err, sizeof err);

            if (d == NULL) {
                cli_error("report", "%s", err);
                catalog_free(cat);
                PQfinish(date_conn);
                return -1;
            }
            r->by[r->nby++] = d;
        }
    }
    catalog_free(cat);
    if (r->doc == NULL) {
        cli_error("report", "%s", err);
        PQfinish(date_conn);
        return -1;
    }
    if (report_date_recv(date_conn, &r->meta, err, sizeof err) != 0) {
        cli_error("report", "%s", err);
        PQfinish(date_conn);
        return -1;
    }
    PQfinish(date_conn);
    r->wave = report_wave(r->doc, r->o->wave);
    if (r->wave == NULL) {
        cli_error("report", "survey \"%s\" has no wave \"%s\"", r->o->survey,
                  r->o->wave != NULL ? r->o->wave : "");
        return -1;
    }
    return 0;
}

int cmd_report(int argc, char **argv)
{
    struct options o;
    struct run r;
    int rc = CLI_FAIL;
    PGconn *conn;

    switch (parse(argc, argv, &o)) {
    case 1: return CLI_OK;
    case -1: return CLI_USAGE;
    }
    memset(&r, 0, sizeof r);
    r.o = &o;
    r.english = strcmp(o.lang, "en") == 0;
    conn = cli_connect(o.db);
    if (conn == NULL)
        return CLI_FAIL;
    if (load(&r, conn) == 0 && run_jobs(&r) == 0)
        rc = CLI_OK;
    free(r.jobs);
    json_decref(r.doc);
    for (size_t i = 0; i < r.nby; i++)
        json_decref(r.by[i]);
    report_meta_free(&r.meta);
    PQfinish(conn);
    return rc;
}
