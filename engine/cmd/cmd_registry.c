/* empirie registry load|list: cities, networks, memberships, instruments and waves. */
#include "cli.h"
#include "cliopt.h"
#include "collate.h"
#include "config.h"
#include "db.h"
#include "err.h"
#include "msg.h"
#include "registry.h"
#include "regsnap.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fputs(msg("Użycie: empirie registry load [--dir KATALOG] [--surveys KATALOG] [--db CONNINFO]\n"
              "                              [--quiet]\n"
              "       empirie registry list [--db CONNINFO]\n"
              "\n"
              "load  czyta surveys/registry/ (cities.json, networks.json, memberships.json,\n"
              "      waves.json) i kwestionariusze surveys/*.json, sprawdza każdy plik,\n"
              "      po czym zapisuje wszystko w jednej transakcji; zły plik jest odrzucany\n"
              "      z podaniem pliku, wpisu (pytanie, atrybut, ...) i pola, a nic nie\n"
              "      zostaje zapisane. Dwukrotne wczytanie tych samych plików niczego nie\n"
              "      zmienia. Wczytana wersja badania nie może się zmienić: zmieniony\n"
              "      kwestionariusz wymaga nowej wersji (docs/survey-format.md).\n"
              "list  wypisuje miasta, sieci, badania i fale zapisane w bazie danych.\n"
              "\n"
              "Opcje:\n"
              "  --dir KATALOG      katalog rejestru (domyślnie: surveys/registry w\n"
              "                     $EMPIRIE_ROOT, inaczej w bieżącym katalogu, jeśli go ma,\n"
              "                     inaczej ../share/empirie obok programu, gdzie umieszcza\n"
              "                     go make install)\n"
              "  --surveys KATALOG  katalog kwestionariuszy (domyślnie: surveys w tym samym)\n"
              "  -q, --quiet        load: wypisuje tylko liczby\n",
              "Usage: empirie registry load [--dir DIR] [--surveys DIR] [--db CONNINFO] [--quiet]\n"
              "       empirie registry list [--db CONNINFO]\n"
              "\n"
              "load  reads surveys/registry/ (cities.json, networks.json, memberships.json,\n"
              "      waves.json) and the instruments surveys/*.json, validates every file,\n"
              "      then writes it all in one transaction; a bad file is rejected, naming\n"
              "      the file, the entry (item, attribute, ...) and the field, and nothing\n"
              "      is written. Loading the same files twice changes nothing. A survey\n"
              "      version, once loaded, cannot change: a changed instrument needs a new\n"
              "      version (docs/survey-format.md).\n"
              "list  prints the cities, networks, surveys and waves in the database.\n"
              "\n"
              "Options:\n"
              "  --dir DIR          the registry folder (default: surveys/registry below\n"
              "                     $EMPIRIE_ROOT, else the current directory when it has\n"
              "                     one, else ../share/empirie beside the binary, where\n"
              "                     make install puts it)\n"
              "  --surveys DIR      the folder of instruments (default: surveys below the same)\n"
              "  -q, --quiet        load: print only the counts\n"),
          out);
    cli_help_db(out, 18);
}

/* Runs sql with its parameters: the result to PQclear, or NULL when it
 * failed (the error printed). */
static PGresult *query(PGconn *conn, const char *sql, int nparams, const char *const *params)
{
    char err[ERR_MAX];
    PGresult *res;

    if (db_exec(conn, sql, nparams, params, &res, NULL, err, sizeof err) != 0) {
        cli_error("registry", "%s", err);
        return NULL;
    }
    return res;
}

static int print_surveys(PGconn *conn)
{
    PGresult *res;
    int n;
    const char *params[] = { msg("%s (od %s do %s)", "%s (%s to %s)"), msg("pl", "en") };

    /* the title in the messages' language, else the Polish one */
    res = query(conn,
                "SELECT s.slug, s.version, "
                "coalesce(s.definition->'title'->>$2, s.definition->'title'->>'pl'), "
                "coalesce(string_agg(format($1, w.label, w.opens_on, w.closes_on), "
                "', ' ORDER BY w.opens_on), '') "
                "FROM survey s LEFT JOIN wave w ON w.survey = s.slug AND w.survey_version = s.version "
                "GROUP BY s.slug, s.version, s.definition ORDER BY s.slug, s.version",
                2, params);
    if (res == NULL)
        return -1;
    n = PQntuples(res);
    printf(msg("Badania (wersje: %d):\n", "Surveys (%d versions):\n"), n);
    for (int i = 0; i < n; i++)
        printf("  %-26s v%-3s %s\n  %-31s %s: %s\n", PQgetvalue(res, i, 0),
               PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), "", msg("fale", "waves"),
               PQgetvalue(res, i, 3)[0] != '\0' ? PQgetvalue(res, i, 3) : msg("brak", "none"));
    PQclear(res);
    return 0;
}

/* The cities in the programme first, each part in Polish alphabetical
 * order of the name (collate.h): Kędzierzyn-Koźle before Konin, Łomża
 * between Krosno and Nisko, Żary and Żywiec after Złotów. */
static int city_order(const void *a, const void *b)
{
    const struct regsnap_city *x = *(const void *const *)a;
    const struct regsnap_city *y = *(const void *const *)b;

    if (x->programme != y->programme)
        return y->programme - x->programme;
    return collate_pl(x->name, y->name);
}

/* The networks in Polish alphabetical order of their names. */
static int network_order(const void *a, const void *b)
{
    const struct regsnap_network *x = *(const void *const *)a;
    const struct regsnap_network *y = *(const void *const *)b;

    return collate_pl(x->name, y->name);
}

/* order[0..n): the n items of size size at items, in cmp's order (cmp
 * compares two pointers to items, as order holds them). */
static void sort_refs(const void **order, const void *items, size_t n, size_t size,
                      int (*cmp)(const void *, const void *))
{
    for (size_t i = 0; i < n; i++)
        order[i] = (const char *)items + i * size;
    qsort(order, n, sizeof *order, cmp);
}

static void print_cities(const struct regsnap *reg, const void **order)
{
    sort_refs(order, reg->cities, reg->ncities, sizeof reg->cities[0], city_order);
    printf(msg("Miasta (%zu):\n", "Cities (%zu):\n"), reg->ncities);
    /* padded by display width: "Kędzierzyn-Koźle" is 16 columns, 18 bytes */
    for (size_t k = 0; k < reg->ncities; k++) {
        const struct regsnap_city *c = order[k];

        fputs("  ", stdout);
        utf8_pad(stdout, c->name, 26);
        fputc(' ', stdout);
        utf8_pad(stdout, c->slug, 26);
        fputc(' ', stdout);
        utf8_pad(stdout, c->voivodeship != NULL ? c->voivodeship : "", 20);
        fputc(' ', stdout);
        utf8_pad(stdout, c->teryt != NULL ? c->teryt : "-", c->programme ? 0 : 7);
        fputs(c->programme ? "\n" : msg(" (poza programem)\n", " (outside the programme)\n"),
              stdout);
    }
}

static void print_networks(const struct regsnap *reg, const void **order)
{
    sort_refs(order, reg->networks, reg->nnetworks, sizeof reg->networks[0], network_order);
    printf(msg("Sieci (%zu):\n", "Networks (%zu):\n"), reg->nnetworks);
    for (size_t i = 0; i < reg->nnetworks; i++) {
        const struct regsnap_network *n = order[i];
        char members[24], observers[24];

        snprintf(members, sizeof members, "%zu", n->nmembers);
        snprintf(observers, sizeof observers, "%zu", n->nobservers);
        fputs("  ", stdout);
        utf8_pad(stdout, n->name, 32);
        fputc(' ', stdout);
        utf8_pad(stdout, n->slug, 32);
        printf(msg(" członkowie: %3s, obserwatorzy: %s%s\n", " %3s members, %s observers%s\n"),
               members, observers,
               !n->example ? "" : msg(" (członkostwa przykładowe)", " (example memberships)"));
    }
}

/* The registry as the snapshot every reader uses holds it (regsnap.h). */
static int print_registry(PGconn *conn)
{
    char err[ERR_MAX];
    struct regsnap *reg = NULL;
    const void **order;   /* the cities', then the networks' */

    if (regsnap_load(conn, &reg, err, sizeof err) != 0) {
        cli_error("registry", "%s", err);
        return -1;
    }
    order = calloc((reg->ncities > reg->nnetworks ? reg->ncities : reg->nnetworks) + 1,
                   sizeof *order);
    if (order == NULL) {
        regsnap_free(reg);
        cli_error("registry", msg("brak pamięci", "out of memory"));
        return -1;
    }
    print_cities(reg, order);
    print_networks(reg, order);
    free(order);
    regsnap_free(reg);
    return print_surveys(conn);
}

int cmd_registry(int argc, char **argv)
{
    const char *db = NULL;
    const char *dir = NULL;
    const char *surveys = NULL;
    char dirbuf[4096];
    char surveysbuf[4096];
    char err[ERR_MAX];
    struct registry *reg = NULL;
    struct registry_counts counts;
    const char *action;
    int quiet = 0;
    PGconn *conn;
    const struct cliopt opts[] = {
        CLIOPT_STR("db", &db),
        CLIOPT_STR("dir", &dir),
        CLIOPT_STR("surveys", &surveys),
        CLIOPT_FLAG_SHORT('q', "quiet", &quiet),
        CLIOPT_ARG(&action, msg("oczekiwano jednej czynności: load lub list (zob. --help)",
                                "expected one action: load or list (see --help)")),
    };
    int rc = cliopt_parse("registry", usage, opts, CLIOPT_N(opts), argc, argv);

    if (rc != 0)
        return cli_parse_exit(rc);
    if (strcmp(action, "load") != 0 && strcmp(action, "list") != 0) {
        cli_error("registry", msg("nieznana czynność '%s': oczekiwano load lub list",
                                  "unknown action '%s': expected load or list"),
                  action);
        return CLI_USAGE;
    }
    if (dir == NULL) {
        snprintf(dirbuf, sizeof dirbuf, "%s/surveys/registry", config_data_dir());
        dir = dirbuf;
    }
    if (surveys == NULL) {
        snprintf(surveysbuf, sizeof surveysbuf, "%s/surveys", config_data_dir());
        surveys = surveysbuf;
    }
    /* Validate the files before connecting: a bad file fails the same way
     * whether or not the database is up. */
    if (strcmp(action, "load") == 0 && registry_read(dir, surveys, &reg, err, sizeof err) != 0) {
        cli_error("registry", "%s", err);
        return CLI_FAIL;
    }
    conn = cli_connect(db);
    if (conn == NULL) {
        registry_free(reg);
        return CLI_FAIL;
    }
    for (size_t i = 0; reg != NULL && i < registry_nwarnings(reg); i++)
        fprintf(stderr, msg("registry: uwaga: %s\n", "registry: warning: %s\n"),
                registry_warning(reg, i));
    if (reg != NULL) {
        if (registry_store(conn, reg, &counts, err, sizeof err) != 0) {
            cli_error("registry", msg("%s (nic nie zapisano)", "%s (nothing was written)"), err);
            registry_free(reg);
            PQfinish(conn);
            return CLI_FAIL;
        }
        registry_free(reg);
        printf(msg("registry: wczytano miasta: %zu, sieci: %zu, członkostwa: %zu, wersje "
                   "badań: %zu i fale: %zu z %s i %s\n",
                   "registry: loaded %zu cities, %zu networks, %zu memberships, %zu survey "
                   "versions and %zu waves from %s and %s\n"),
               counts.cities, counts.networks, counts.memberships, counts.surveys, counts.waves,
               dir, surveys);
    }
    if ((reg == NULL || !quiet) && print_registry(conn) != 0) {
        PQfinish(conn);
        return CLI_FAIL;
    }
    PQfinish(conn);
    return CLI_OK;
}
