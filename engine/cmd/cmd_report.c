/* empirie report: XLSX reports of a survey wave for cities, networks and the ministry. */
#include "agg.h"
#include "anon.h"
#include "catalog.h"
#include "city.h"
#include "cli.h"
#include "cliopt.h"
#include "names.h"
#include "err.h"
#include "msg.h"
#include "ministry.h"
#include "network.h"
#include "report.h"
#include "report_run.h"
#include "results.h"
#include "results_model.h"
#include "wavewin.h"

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

/* The programme-wide export: --ministry without a survey, or --survey all. */
int report_every_survey(const struct options *o)
{
    return o->ministry && (o->names.survey == NULL || strcmp(o->names.survey, "all") == 0);
}

static int check(const struct options *o)
{
    if (cli_lang("report", o->lang) != 0 ||
        (!o->ministry && cli_required("report", "--survey", o->names.survey) != 0))
        return -1;
    if (o->names.survey != NULL && strcmp(o->names.survey, "all") == 0 && !o->ministry) {
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
    return cli_one_of("report", CLI_EXACTLY_ONE,
                      (const char *const[]){ "--city", "--network", "--ministry", "--all" },
                      (const int[]){ o->names.city != NULL, o->names.network != NULL,
                                     o->ministry, o->all },
                      4);
}

static int parse(int argc, char **argv, struct options *o)
{
    const struct cliopt opts[] = {
        CLIOPT_STR("db", &o->db),
        CLIOPT_NAMES(&o->names),
        CLIOPT_FLAG("ministry", &o->ministry),
        CLIOPT_FLAG("all", &o->all),
        CLIOPT_STR("out", &o->out),
        CLIOPT_LANG(&o->lang),
        CLIOPT_STR("csv-dialect", &o->dialect),
    };
    int rc;

    *o = (struct options){ .lang = msg("pl", "en"), .out = "out" };
    rc = cliopt_parse_no_args("report", usage, opts, CLIOPT_N(opts), argc, argv);
    return rc != 0 ? rc : check(o);
}

static void progress_rows(size_t rows, void *arg)
{
    (void)arg;
    fprintf(stderr, msg("\rempirie report: czytanie odpowiedzi: %zu",
                        "\rempirie report: reading responses: %zu"),
            rows);
}

/* The wave the reports show, known before any response is read: --wave,
 * else the default wave (wavewin.h: the latest that has opened;
 * report_ministry_wave on the model finds the same: load_survey checks);
 * NULL when the survey has no such wave. */
static const char *report_wave_of(const struct run *r, const char *survey)
{
    size_t nwaves = 0;
    const struct catalog_wave *const *waves = catalog_waves(r->cat, survey, &nwaves);

    if (r->o->names.wave == NULL) {
        char today[11];
        const struct catalog_wave *w;

        wavewin_today(today);
        w = wavewin_default_wave(r->cat, survey, today);
        return w != NULL ? w->label : NULL;
    }
    for (size_t w = 0; w < nwaves; w++)
        if (strcmp(waves[w]->label, r->o->names.wave) == 0)
            return waves[w]->label;
    return NULL;
}

/* The sources of one pass over the survey's responses: want[0] the survey's
 * own, then (city reports of one survey) one per attribute for the
 * breakdown sheet, of the report's wave only. Returns how many. */
static size_t wants_of(const struct run *r, const char *survey, int optional,
                       struct results_src_want *want)
{
    const struct survey *s = catalog_survey_latest(r->cat, survey);
    const char *wave = report_wave_of(r, survey);
    size_t n = 1;

    want[0] = (struct results_src_want){ NULL, NULL, 0 };
    if (optional || (r->o->names.city == NULL && !r->o->all) || wave == NULL)
        return n;
    for (size_t a = 0; s != NULL && a < s->nattrs && n < 1 + MAX_BREAKDOWNS; a++)
        want[n++] = (struct results_src_want){ s->attrs[a].code, wave, 1 };
    return n;
}

/* The breakdown models: got[1..n-1] computed, owned by the run from here. */
static int take_breakdowns(struct run *r, struct results_src **got, size_t n)
{
    char err[ERR_MAX];
    int rc = 0;

    for (size_t a = 1; a < n; a++) {
        const struct results *m =
            rc == 0 ? results_src_model(got[a], err, sizeof err) : NULL;

        r->srcby[r->nby] = got[a];
        r->rby[r->nby++] = m;
        if (m == NULL && rc == 0) {
            cli_error("report", "%s", err);
            rc = -1;
        }
    }
    return rc;
}

/* The typed results of one survey (with a city report's breakdowns, in
 * the same pass) and the wave to export; the data's date (a scan of every
 * response of the survey) is read on a second connection meanwhile, so the
 * server scans while the responses stream to us. The latest date of the
 * surveys read so far stays in r->meta. */
static int load_survey(struct run *r, PGconn *conn, PGconn *date_conn, const char *survey,
                       int optional)
{
    char err[ERR_MAX];
    struct report_meta date;
    int interactive = cli_interactive();
    struct ministry_input *in = &r->inputs[r->ninputs];
    size_t nwaves = 0, nwant;
    long wi;
    struct results_src_want want[1 + MAX_BREAKDOWNS];
    struct results_src *got[1 + MAX_BREAKDOWNS];
    struct results_src *src = NULL;
    const struct results *model = NULL;
    int said = 0;

    memset(&date, 0, sizeof date);
    if (optional && (catalog_waves(r->cat, survey, &nwaves), nwaves == 0))
        return 0;    /* a survey without waves has nothing to export */
    if (report_date_send(date_conn, survey, err, sizeof err) != 0) {
        cli_error("report", "%s", err);
        return -1;
    }
    /* the survey's figures and its breakdowns in one pass */
    nwant = wants_of(r, survey, optional, want);
    if (results_src_load_wants(conn, r->cat, r->reg, survey, want, nwant, got,
                               interactive ? progress_rows : NULL, NULL, err, sizeof err) == 0) {
        src = got[0];
        if (take_breakdowns(r, got, nwant) != 0)
            said = 1;    /* src freed below */
    }
    model = src != NULL && !said ? results_src_model(src, err, sizeof err) : NULL;
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
        if (!said)
            cli_error("report", "%s", err);
        results_src_free(src);
        return -1;
    }
    in->r = model;
    in->english = r->english;
    r->srcs[r->ninputs] = src;
    in->cat = r->cat;
    wi = report_ministry_wave(model, r->o->names.wave);
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
                  r->o->names.wave != NULL ? r->o->names.wave : "");
        return -1;
    }
    if (r->nby > 0 && strcmp(in->wave, want[1].wave) != 0) {
        /* the breakdowns kept another wave than the reports show */
        cli_error("report", "internal: breakdowns of wave %s for reports of wave %s",
                  want[1].wave, in->wave);
        in->r = NULL;
        r->srcs[r->ninputs] = NULL;
        results_src_free(src);
        return -1;
    }
    r->ninputs++;
    if (!report_every_survey(r->o))
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

    if (r->o->names.wave != NULL)
        return r->o->names.wave;
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

    /* one registry snapshot for the whole command: the names resolved, the
     * catalog's cities, every source's figures, the workbooks' facts */
    if (catalog_load_from(conn, r->reg, &r->cat, err, sizeof err) != 0 ||
        report_meta_load_names(conn, r->reg, &r->meta, err, sizeof err) != 0) {
        cli_error("report", "%s", err);
        return -1;
    }
    surveys = catalog_surveys(r->cat, &nsurveys);
    if (!report_every_survey(r->o))
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
    if (!report_every_survey(r->o))
        rc = load_survey(r, conn, date_conn, r->o->names.survey, 0);
    for (size_t k = 0; report_every_survey(r->o) && rc == 0 && k < nsurveys; k++)
        rc = load_survey(r, conn, date_conn, surveys[k]->slug, 1);
    PQfinish(date_conn);
    if (rc != 0)
        return -1;
    if (r->ninputs == 0) {
        if (r->o->names.wave != NULL)
            cli_error("report", msg("żadne badanie nie ma fali \"%s\"", "no survey has a wave \"%s\""),
                      r->o->names.wave);
        else
            cli_error("report", msg("żadne badanie nie ma fali do eksportu",
                                    "no survey has a wave to export"));
        return -1;
    }
    r->wave = report_every_survey(r->o) ? latest_wave(r) : r->inputs[0].wave;
    return 0;
}

int cmd_report(int argc, char **argv)
{
    struct options o;
    struct run r;
    PGconn *conn;
    int rc = parse(argc, argv, &o);

    /* names as a person types them: slugs, names with or without diacritics */
    rc = cli_start_names(rc, o.db, "report", &o.names, &conn);
    if (conn == NULL)
        return rc;
    memset(&r, 0, sizeof r);
    r.o = &o;
    r.english = strcmp(o.lang, "en") == 0;
    r.reg = o.names.registry;
    rc = CLI_FAIL;
    if (load(&r, conn) == 0 && report_run_jobs(&r) == 0)
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
    names_args_free(&o.names);   /* the registry snapshot that all of them borrowed */
    PQfinish(conn);
    return rc;
}
