/* empirie stats: the statistics of one group in one wave, as a table or JSON. */
#include "catalog.h"
#include "cli.h"
#include "cliopt.h"
#include "names.h"
#include "collate.h"
#include "err.h"
#include "msg.h"
#include "results.h"
#include "results_model.h"
#include "results_table.h"
#include "agg.h"
#include "utf8.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
    fputs(msg("Użycie: empirie stats --survey SLUG [--wave FALA] [--city SLUG | --network SLUG |\n"
              "                     --all] [--by ATRYBUT] [--json] [--lang pl|en] [--db CONNINFO]\n"
              "\n"
              "Wypisuje statystyki jednej grupy (miasta, sieci lub wszystkich miast) w jednej\n"
              "fali: respondentów, każde pytanie i wymiar (n, średnia, SD, 95% PU, mediana,\n"
              "% odpowiedzi pozytywnych), alfę Cronbacha, eNPS, zmianę od poprzedniej fali,\n"
              "trend przez wszystkie fale, miasto na tle reszty jego sieci i porównanie\n"
              "miast, z wartościami p skorygowanymi metodą Benjaminiego-Hochberga. Grupy\n"
              "i komórki mniejsze niż próg anonimowości badania są ukrywane.\n"
              "\n"
              "Opcje:\n",
              "Usage: empirie stats --survey SLUG [--wave LABEL] [--city SLUG | --network SLUG | --all]\n"
              "                     [--by ATTRIBUTE] [--json] [--lang pl|en] [--db CONNINFO]\n"
              "\n"
              "Prints the statistics of one group (a city, a network or all cities) in one\n"
              "wave: respondents, every item and dimension (n, mean, SD, 95% CI, median,\n"
              "% favourable), Cronbach's alpha, eNPS, the change since the previous wave,\n"
              "the trend over all waves, the city against the rest of its networks and the\n"
              "comparison across cities, with Benjamini-Hochberg adjusted p-values. Groups\n"
              "and cells smaller than the survey's anonymity threshold are suppressed.\n"
              "\n"
              "Options:\n"),
          out);
    cli_help_survey_wave(out, 15);
    fputs(msg("  --city SLUG     jedno miasto (slug lub nazwa, z polskimi literami lub bez,\n"
              "                  dowolną wielkością liter: Konin, \"Kędzierzyn-Koźle\", kedzierzyn)\n"
              "  --network SLUG  jedna sieć (jej miasta członkowskie; slug lub nazwa)\n"
              "  --all           wszystkie miasta (domyślnie)\n"
              "  --by ATRYBUT    także podział grupy według atrybutu respondenta\n"
              "  --json          wypisuje JSON (każda liczba, próg, ukryte komórki)\n"
              "  --lang pl|en    etykiety po polsku (domyślnie) lub po angielsku\n",
              "  --city SLUG     one city (its slug or name, with or without Polish letters,\n"
              "                  in any case: Konin, \"Kędzierzyn-Koźle\", kedzierzyn)\n"
              "  --network SLUG  one network (its member cities; slug or name)\n"
              "  --all           all cities (the default)\n"
              "  --by ATTRIBUTE  also break the group down by a respondent attribute\n"
              "  --json          print JSON (every figure, the threshold, suppressed cells)\n"
              "  --lang pl|en    labels in Polish (default) or English\n"),
          out);
    cli_help_db(out, 15);
    cli_help_exit_group(out);
}

struct options {
    const char *db, *by, *lang;
    struct names_args names;   /* --survey, --wave, --city, --network; resolved (cli.h) */
    int all, json;
};

/* What the options must say together; -1 after saying why. */
static int check(const struct options *o)
{
    if (cli_lang("stats", o->lang) != 0 ||
        cli_required("stats", "--survey", o->names.survey) != 0)
        return -1;
    return cli_one_of("stats", CLI_AT_MOST_ONE,
                      (const char *const[]){ "--city", "--network", "--all" },
                      (const int[]){ o->names.city != NULL, o->names.network != NULL, o->all },
                      3);
}

static int parse(int argc, char **argv, struct options *o)
{
    const struct cliopt opts[] = {
        CLIOPT_STR("db", &o->db),
        CLIOPT_NAMES(&o->names),
        CLIOPT_FLAG("all", &o->all),
        CLIOPT_STR("by", &o->by),
        CLIOPT_FLAG("json", &o->json),
        CLIOPT_LANG(&o->lang),
    };
    int rc;

    *o = (struct options){ .lang = msg("pl", "en") };
    rc = cliopt_parse_no_args("stats", usage, opts, CLIOPT_N(opts), argc, argv);
    return rc != 0 ? rc : check(o);
}

int cmd_stats(int argc, char **argv)
{
    struct options o;
    char err[ERR_MAX];
    struct catalog *cat = NULL;
    json_t *doc = NULL, *out;
    struct results_src *src = NULL;
    const struct results *r = NULL;
    const struct results_group *g;
    enum results_group_type type;
    const char *slug;
    int english;
    PGconn *conn;
    int rc = parse(argc, argv, &o);

    /* names as a person types them: slugs, names with or without diacritics */
    rc = cli_start_names(rc, o.db, "stats", &o.names, &conn);
    if (conn == NULL)
        return rc;
    rc = CLI_FAIL;
    english = strcmp(o.lang, "en") == 0;
    if (catalog_load_from(conn, o.names.registry, &cat, err, sizeof err) == 0)
        src = results_src_load(conn, cat, o.names.registry, o.names.survey, o.by, NULL, NULL, err,
                               sizeof err);
    if (src != NULL)
        r = results_src_model(src, err, sizeof err);
    if (r == NULL) {
        cli_error("stats", "%s", err);
        goto done;
    }
    if (o.names.wave == NULL && results_default_wave(r) < 0) {
        cli_error("stats", msg("żadna fala badania %s jeszcze się nie rozpoczęła",
                               "no wave of survey %s has opened yet"), o.names.survey);
        goto done;
    }
    if (o.names.wave == NULL)   /* the latest wave that has opened */
        o.names.wave = agg_wave(r->in->agg, (size_t)results_default_wave(r));
    type = o.names.city ? RESULTS_CITY : o.names.network ? RESULTS_NETWORK : RESULTS_ALL;
    slug = o.names.city ? o.names.city : o.names.network;
    g = results_find(r, o.names.wave, type, slug);
    if (g == NULL) {
        cli_error("stats",
                  msg("brak odpowiedzi: %s%s%s w fali %s badania %s",
                      "no responses of %s%s%s in wave %s of survey %s"),
                  o.names.city ? msg("miasto", "city") : o.names.network ? msg("sieć", "network")
                                                             : msg("wszystkie miasta", "all"),
                  slug ? " " : "", slug ? slug : "", o.names.wave, o.names.survey);
        goto done;
    }
    if (!o.json) {
        /* the JSON says it under "weighting"; the table on stderr */
        results_table_weighting(stderr, r, g, english);
        results_table_print(stdout, r, g, english);
        rc = CLI_OK;
        goto done;
    }
    doc = results_src_build(src, english, err, sizeof err);
    out = doc != NULL ? results_view(doc, results_group(doc, o.names.wave,
                                                        o.names.city      ? "city"
                                                        : o.names.network ? "network"
                                                                          : "all",
                                                        slug))
                      : NULL;
    if (out == NULL) {
        cli_error("stats", "%s", doc == NULL ? err : msg("brak pamięci", "out of memory"));
        goto done;
    }
    if (json_dumpf(out, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) != 0)
        cli_error("stats", msg("nie można zapisać JSON", "cannot write the JSON"));
    putchar('\n');
    json_decref(out);
    rc = CLI_OK;
done:
    json_decref(doc);
    results_src_free(src);
    names_args_free(&o.names);
    catalog_free(cat);
    PQfinish(conn);
    return rc;
}
