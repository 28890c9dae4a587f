/* empirie report: XLSX reports of a survey wave for cities, networks and the ministry. */
#include "agg.h"
#include "anon.h"
#include "catalog.h"
#include "city.h"
#include "cli.h"
#include "names.h"
#include "err.h"
#include "msg.h"
#include "ministry.h"
#include "network.h"
#include "report.h"
#include "results.h"
#include "results_model.h"

#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fputs(msg("Użycie: empirie report --survey SLUG [--wave FALA]\n"
              "                      (--city SLUG | --network SLUG | --ministry | --all)\n"
              "                      [--out KATALOG] [--lang pl|en] [--csv-dialect excel-pl]\n"
              "                      [--db CONNINFO]\n"
              "       empirie report --ministry [--survey all] [--wave FALA] [--out KATALOG] ...\n"
              "\n"
              "Zapisuje raporty XLSX jednej fali badania, z tych samych liczb co\n"
              "'empirie stats' (grupy i komórki poniżej progu anonimowości są pokazane jako\n"
              "kreska z przypisem, w danych ministerstwa jako puste ze statusem suppressed;\n"
              "nigdy ich wartość):\n"
              "  miasto        KATALOG/FALA/miasto-MIASTO-BADANIE.xlsx: podsumowanie, pytania,\n"
              "                wymiary, trendy, rozkłady, porównanie z siecią, metodologia\n"
              "  sieć          KATALOG/FALA/siec-SIEĆ-BADANIE.xlsx: podsumowanie, miasta\n"
              "                członkowskie obok siebie (mapa ciepła), ranking, trend sieci,\n"
              "                metodologia\n"
              "  ministerstwo  KATALOG/FALA/ministerstwo-BADANIE.xlsx (+ .csv, .json,\n"
              "                -codebook.csv, .datapackage.json): jeden wiersz na falę x miasto\n"
              "                lub sieć x wskaźnik, słownik danych, arkusz na sieć z każdą falą;\n"
              "                bez --survey (lub z --survey all) wszystkie badania w jednym\n"
              "                eksporcie: KATALOG/FALA/ministerstwo.xlsx, .csv, .json,\n"
              "                -codebook.csv i datapackage.json, FALA to najnowsza fala\n"
              "Z --lang en nazwy zaczynają się od city-, network- i ministry-. Każdy plik jest\n"
              "zapisywany pod nazwą tymczasową i przemianowywany, gdy jest gotowy. Zapisane\n"
              "ścieżki są wypisywane, po jednej w wierszu.\n"
              "\n"
              "Opcje:\n",
              "Usage: empirie report --survey SLUG [--wave LABEL]\n"
              "                      (--city SLUG | --network SLUG | --ministry | --all)\n"
              "                      [--out DIR] [--lang pl|en] [--csv-dialect excel-pl]\n"
              "                      [--db CONNINFO]\n"
              "       empirie report --ministry [--survey all] [--wave LABEL] [--out DIR] ...\n"
              "\n"
              "Writes XLSX reports of one survey wave, from the same figures as\n"
              "'empirie stats' (groups and cells below the anonymity threshold are shown\n"
              "as a dash with a note, in the ministry's tidy data as empty with status\n"
              "suppressed; never their value):\n"
              "  city      DIR/WAVE/miasto-CITY-SURVEY.xlsx: summary, items, dimensions,\n"
              "            trends, distributions, comparison with the network, methodology\n"
              "  network   DIR/WAVE/siec-NETWORK-SURVEY.xlsx: summary, the member cities\n"
              "            side by side (heat map), ranking, the network's trend, methodology\n"
              "  ministry  DIR/WAVE/ministerstwo-SURVEY.xlsx (+ .csv, .json, -codebook.csv,\n"
              "            .datapackage.json): one tidy row per wave x city or network x\n"
              "            indicator, a codebook, a sheet per network with every wave; without\n"
              "            --survey (or with --survey all) every survey in one export:\n"
              "            DIR/WAVE/ministerstwo.xlsx, .csv, .json, -codebook.csv and\n"
              "            datapackage.json, WAVE the latest wave\n"
              "With --lang en the names are city-, network- and ministry-. Each file is\n"
              "written under a temporary name and renamed when complete. The written\n"
              "paths are printed, one a line.\n"
              "\n"
              "Options:\n"),
          out);
    cli_help_survey_wave(out, 15);
    fputs(msg("  --city SLUG     skoroszyt jednego miasta (slug lub nazwa, jak w stats)\n"
              "  --network SLUG  skoroszyt jednej sieci (slug lub nazwa)\n"
              "  --ministry      eksport dla ministerstwa (skoroszyt, CSV, JSON, słownik CSV i\n"
              "                  deskryptor pakietu danych Frictionless)\n"
              "  --all           każde miasto i każda sieć z odpowiedziami w fali oraz\n"
              "                  eksport dla ministerstwa\n"
              "  --out KATALOG   gdzie zapisać (domyślnie: out)\n"
              "  --lang pl|en    etykiety po polsku (domyślnie) lub po angielsku\n"
              "  --csv-dialect excel-pl\n"
              "                  zapisuje też CSV ministerstwa dla polskiego Excela\n"
              "                  (...-excel-pl.csv: UTF-8 z BOM, ';', przecinek dziesiętny)\n",
              "  --city SLUG     the workbook of one city (slug or name, as for stats)\n"
              "  --network SLUG  the workbook of one network (slug or name)\n"
              "  --ministry      the ministry's export (workbook, CSV, JSON, codebook CSV and\n"
              "                  the Frictionless data package descriptor)\n"
              "  --all           every city and network with responses in the wave, and the\n"
              "                  ministry's export\n"
              "  --out DIR       where to write (default: out)\n"
              "  --lang pl|en    labels in Polish (default) or English\n"
              "  --csv-dialect excel-pl\n"
              "                  also write the ministry's CSV for a Polish Excel\n"
              "                  (...-excel-pl.csv: UTF-8 with BOM, ';', decimal comma)\n"),
          out);
    cli_help_db(out, 15);
    cli_help_exit_group(out);
}

struct options {
    const char *db, *survey, *wave, *city, *network, *out, *lang, *dialect;
    int ministry, all;
};

/* The programme-wide export: --ministry without a survey, or --survey all. */
static int every_survey(const struct options *o)
{
    return o->ministry && (o->survey == NULL || strcmp(o->survey, "all") == 0);
}

static int check(const struct options *o)
{
    if (cli_lang("report", o->lang) != 0 ||
        (!o->ministry && cli_required("report", "--survey", o->survey) != 0))
        return -1;
    if (o->survey != NULL && strcmp(o->survey, "all") == 0 && !o->ministry) {
        cli_error("report", msg("--survey all: tylko z --ministry",
                                "--survey all: only with --ministry"));
        return -1;
    }
    if (o->dialect != NULL && strcmp(o->dialect, "excel-pl") != 0 &&
        strcmp(o->dialect, "rfc4180") != 0) {
        cli_error("report", msg("--csv-dialect: oczekiwano excel-pl lub rfc4180, podano '%s'",
                                "--csv-dialect: expected excel-pl or rfc4180, got '%s'"),
                  o->dialect);
        return -1;
    }
    if ((o->city != NULL) + (o->network != NULL) + o->ministry + o->all != 1) {
        cli_error("report", msg("podaj jedno z --city, --network, --ministry i --all",
                                "give one of --city, --network, --ministry and --all"));
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
        { "csv-dialect", required_argument, NULL, 'D' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    memset(o, 0, sizeof *o);
    o->lang = msg("pl", "en");
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
        case 'l': o->lang = optarg; msg_set_lang(optarg); break;   /* --help follows it */
        case 'D': o->dialect = optarg; break;
        case 'h': usage(stdout); return 1;
        default: usage(stderr); return -1;
        }
    }
    if (cli_no_args("report", argc, argv) != 0)
        return -1;
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

static void progress_rows(size_t rows, void *arg)
{
    (void)arg;
    fprintf(stderr, msg("\rempirie report: czytanie odpowiedzi: %zu",
                        "\rempirie report: reading responses: %zu"),
            rows);
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
    if (kind == REPORT_MINISTRY) {
        if (report_ministry_paths(&r->mpaths, out, r->wave, every_survey(r->o) ? NULL : survey,
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
        j->rc = report_city_write_by(r->inputs[0].r, r->rby, r->nby, r->english, &r->meta,
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

    while ((k = atomic_fetch_add(&r->next, 1)) < r->njobs) {
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
    for (size_t t = 0; t < nhelpers; t++)
        if ((rc = pthread_join(helpers[t], NULL)) != 0) {
            cli_error("report", msg("czekanie na wątek zapisu: %s", "waiting for a writer: %s"),
                      strerror(rc));
            return -1;
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

static int run_jobs(struct run *r)
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
        if ((r->o->city != NULL || r->o->network != NULL) &&
            group_hidden(r, r->o->city != NULL ? "city" : "network",
                         r->o->city != NULL ? r->o->city : r->o->network))
            return -1;
        r->jobs = calloc(1, sizeof *r->jobs);
        if (r->jobs == NULL) {
            cli_error("report", msg("brak pamięci", "out of memory"));
            return -1;
        }
        if (add_job(r, r->o->city != NULL ? REPORT_CITY
                       : r->o->network != NULL ? REPORT_NETWORK : REPORT_MINISTRY,
                    r->o->city != NULL ? r->o->city : r->o->network, 0) != 0)
            return -1;
    }
    return run_all(r);
}

/* The results document of one survey and the wave to export; the data's
 * date (a scan of every response of the survey) is read on a second
 * connection meanwhile, so the server scans while the responses stream to
 * us. The latest date of the surveys read so far stays in r->meta. */
static int load_survey(struct run *r, PGconn *conn, PGconn *date_conn, const char *survey,
                       int optional)
{
    char err[ERR_MAX];
    struct report_meta date;
    int interactive = cli_interactive();
    struct ministry_input *in = &r->inputs[r->ninputs];
    size_t nwaves = 0;
    long wi;
    struct results_src *src = NULL;
    const struct results *model = NULL;

    memset(&date, 0, sizeof date);
    if (optional && (catalog_waves(r->cat, survey, &nwaves), nwaves == 0))
        return 0;    /* a survey without waves has nothing to export */
    if (report_date_send(date_conn, survey, err, sizeof err) != 0) {
        cli_error("report", "%s", err);
        return -1;
    }
    src = results_src_load(conn, r->cat, survey, NULL, interactive ? progress_rows : NULL, NULL,
                           err, sizeof err);
    model = src != NULL ? results_src_model(src, err, sizeof err) : NULL;
    if (interactive)
        fputc('\n', stderr);
    if (report_date_recv(date_conn, &date, err, sizeof err) != 0) {
        cli_error("report", "%s", err);
        report_meta_free(&date);
        results_src_free(src);
        return -1;
    }
    /* the methodology sheets count every survey's void responses */
    if (report_meta_take_voids(&r->meta, &date) != 0) {
        cli_error("report", msg("brak pamięci", "out of memory"));
        report_meta_free(&date);
        results_src_free(src);
        return -1;
    }
    if (model == NULL) {
        cli_error("report", "%s", err);
        results_src_free(src);
        return -1;
    }
    in->r = model;
    in->english = r->english;
    r->srcs[r->ninputs] = src;
    in->cat = r->cat;
    wi = report_ministry_wave(model, r->o->wave);
    in->wave = wi >= 0 ? agg_wave(model->in->agg, (size_t)wi) : NULL;
    if (in->wave == NULL) {
        in->r = NULL;
        results_src_free(src);
        r->srcs[r->ninputs] = NULL;
        if (optional)
            return 0;    /* no wave at or before --wave: not in this export */
        cli_error("report", msg("badanie \"%s\" nie ma fali \"%s\"",
                                "survey \"%s\" has no wave \"%s\""),
                  survey,
                  r->o->wave != NULL ? r->o->wave : "");
        return -1;
    }
    r->ninputs++;
    if (!every_survey(r->o))
        r->model = model;
    if (strcmp(date.data_date, r->meta.data_date) > 0)
        memcpy(r->meta.data_date, date.data_date, sizeof r->meta.data_date);
    return 0;
}

/* The folder of the programme-wide export: --wave, else the latest wave of
 * any survey (by its opening date). */
static const char *latest_wave(const struct run *r)
{
    const char *best = NULL;
    double bx = 0;

    if (r->o->wave != NULL)
        return r->o->wave;
    for (size_t k = 0; k < r->ninputs; k++) {
        const struct results *m = r->inputs[k].r;
        double x = m->in->wave_x[report_ministry_wave(m, r->inputs[k].wave)];

        if (best == NULL || x > bx) {
            best = r->inputs[k].wave;
            bx = x;
        }
    }
    return best;
}

/* The registry facts and the results documents: of the survey, or of every
 * survey for the programme-wide export. */
static int load(struct run *r, PGconn *conn)
{
    char err[ERR_MAX];
    const struct survey *const *surveys;
    size_t nsurveys = 1;
    PGconn *date_conn;
    int rc = 0;

    if (catalog_load(conn, &r->cat, err, sizeof err) != 0 ||
        report_meta_load_names(conn, &r->meta, err, sizeof err) != 0) {
        cli_error("report", "%s", err);
        return -1;
    }
    surveys = catalog_surveys(r->cat, &nsurveys);
    if (!every_survey(r->o))
        nsurveys = 1;
    r->inputs = calloc(nsurveys > 0 ? nsurveys : 1, sizeof *r->inputs);
    r->srcs = calloc(nsurveys > 0 ? nsurveys : 1, sizeof *r->srcs);
    if (r->inputs == NULL || r->srcs == NULL) {
        cli_error("report", msg("brak pamięci", "out of memory"));
        return -1;
    }
    date_conn = cli_connect(r->o->db);
    if (date_conn == NULL)
        return -1;
    if (!every_survey(r->o))
        rc = load_survey(r, conn, date_conn, r->o->survey, 0);
    for (size_t k = 0; every_survey(r->o) && rc == 0 && k < nsurveys; k++)
        rc = load_survey(r, conn, date_conn, surveys[k]->slug, 1);
    PQfinish(date_conn);
    if (rc != 0)
        return -1;
    if (r->ninputs == 0) {
        if (r->o->wave != NULL)
            cli_error("report", msg("żadne badanie nie ma fali \"%s\"", "no survey has a wave \"%s\""),
                      r->o->wave);
        else
            cli_error("report", msg("żadne badanie nie ma fali do eksportu",
                                    "no survey has a wave to export"));
        return -1;
    }
    r->wave = every_survey(r->o) ? latest_wave(r) : r->inputs[0].wave;
    /* A city's breakdown sheet: the results split by each of the survey's
     * attributes (department, tenure, ...), one more pass each. */
    if (r->model != NULL && (r->o->city != NULL || r->o->all)) {
        const struct survey *s = catalog_survey_latest(r->cat, r->o->survey);

        const char *by[MAX_BREAKDOWNS];
        struct results_src *src[MAX_BREAKDOWNS];
        size_t n = 0;

        for (size_t a = 0; s != NULL && a < s->nattrs && n < MAX_BREAKDOWNS; a++)
            by[n++] = s->attrs[a].code;
        /* every split in one more pass over the responses */
        if (n > 0 && results_src_load_many(conn, r->cat, r->o->survey, by, n, src, NULL, NULL,
                                           err, sizeof err) != 0) {
            cli_error("report", "%s", err);
            return -1;
        }
        for (size_t a = 0; a < n; a++) {
            const struct results *m = src[a] != NULL ? results_src_model(src[a], err, sizeof err)
                                                     : NULL;

            /* the run owns the source (and its model) from here, freed at the end */
            r->srcby[r->nby] = src[a];
            src[a] = NULL;
            if (m == NULL) {
                r->nby++;
                for (size_t b = a + 1; b < n; b++)
                    results_src_free(src[b]);
                cli_error("report", "%s", err);
                return -1;
            }
            r->rby[r->nby++] = m;
        }
    }
    return 0;
}

int cmd_report(int argc, char **argv)
{
    struct names_args names;
    struct options o;
    struct run r;
    PGconn *conn;
    int rc = parse(argc, argv, &o);

    /* names as a person types them: slugs, names with or without diacritics */
    rc = cli_start_names(rc, o.db, "report", &names, &o.survey, &o.wave, &o.city, &o.network,
                         &conn);
    if (conn == NULL)
        return rc;
    memset(&r, 0, sizeof r);
    r.o = &o;
    r.english = strcmp(o.lang, "en") == 0;
    rc = CLI_FAIL;
    if (load(&r, conn) == 0 && run_jobs(&r) == 0)
        rc = CLI_OK;
    free(r.jobs);
    for (size_t k = 0; r.srcs != NULL && k < r.ninputs; k++)
        results_src_free(r.srcs[k]);
    free(r.srcs);
    free(r.inputs);
    for (size_t i = 0; i < r.nby; i++)
        results_src_free(r.srcby[i]);
    catalog_free(r.cat);    /* last: the sources borrow its instruments */
    report_meta_free(&r.meta);
    PQfinish(conn);
    return rc;
}
