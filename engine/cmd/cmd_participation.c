/* empirie participation: how a wave's collection is going (engine/participation.h). */
#include "catalog.h"
#include "cli.h"
#include "cliopt.h"
#include "err.h"
#include "msg.h"
#include "names.h"
#include "participation.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
    fputs(msg("Użycie: empirie participation --survey S [--wave W] [--city C | --network N]\n"
              "                             [--json] [--db CONNINFO]\n"
              "\n"
              "Dotychczasowe odpowiedzi w fali (domyślnie: najnowszej), według miasta: ich\n"
              "liczba, odsetek odpowiedzi wobec zatrudnienia w urzędzie, gdy rejestr je zna,\n"
              "odpowiedzi dzień po dniu oraz według wydziału, gdy rejestr zna zatrudnienie\n"
              "wydziałów (wydział poniżej progu anonimowości badania nie pokazuje liczby).\n"
              "Unieważnione odpowiedzi nie są liczone. To samo co GET /v1/participation.\n"
              "\n"
              "Opcje:\n"
              "  --survey S      badanie (slug lub tytuł)\n"
              "  --wave W        fala (domyślnie: najnowsza)\n"
              "  --city C        jedno miasto (slug lub nazwa)\n"
              "  --network N     miasta członkowskie jednej sieci\n"
              "  --json          wypisuje dokument JSON\n",
              "Usage: empirie participation --survey S [--wave W] [--city C | --network N]\n"
              "                             [--json] [--db CONNINFO]\n"
              "\n"
              "Responses so far in a wave (default: the newest), per city: the count, the\n"
              "response rate against the city hall's headcount when the registry knows it,\n"
              "the responses per day, and per department where the registry holds\n"
              "department headcounts (a department below the survey's anonymity threshold\n"
              "shows no count). Void responses are not counted. The same as\n"
              "GET /v1/participation.\n"
              "\n"
              "Options:\n"
              "  --survey S      the survey (slug or title)\n"
              "  --wave W        the wave (default: the newest)\n"
              "  --city C        one city (slug or name)\n"
              "  --network N     the member cities of one network\n"
              "  --json          print the JSON document\n"),
          out);
    cli_help_db(out, 15);
    fputs(msg("\n"
              "Kod wyjścia: 0 gotowe, 1 niepowodzenie, 2 błąd użycia (w tym nieznane badanie,\n"
              "fala, miasto lub sieć).\n",
              "\n"
              "Exit status: 0 done, 1 failure, 2 usage error (an unknown survey, wave, city\n"
              "or network included).\n"),
          out);
}

int cmd_participation(int argc, char **argv)
{
    struct names_args names = { 0 };
    const char *db = NULL;
    struct catalog *cat = NULL;
    char err[ERR_MAX];
    int json = 0, unknown = 0, rc;
    struct participation *p;
    json_t *doc;
    PGconn *conn;
    const struct cliopt opts[] = {
        CLIOPT_STR("db", &db),
        CLIOPT_NAMES(&names),
        CLIOPT_FLAG("json", &json),
    };

    rc = cliopt_parse_no_args("participation", usage, opts, CLIOPT_N(opts), argc, argv);
    if (rc != 0)
        return cli_parse_exit(rc);
    if (cli_required("participation", "--survey", names.survey) != 0)
        return CLI_USAGE;
    if (names.city != NULL && names.network != NULL) {
        cli_error("participation", msg("podaj --city albo --network, nie oba",
                                       "give --city or --network, not both"));
        return CLI_USAGE;
    }
    conn = cli_connect(db);
    if (conn == NULL)
        return CLI_FAIL;
    rc = names_args_resolve(conn, &names, err, sizeof err);
    if (rc != 0) {
        cli_error("participation", "%s", err);
        names_args_free(&names);
        PQfinish(conn);
        return rc > 0 ? CLI_USAGE : CLI_FAIL;
    }
    if (catalog_load_from(conn, names.registry, &cat, err, sizeof err) != 0) {
        cli_error("participation", "%s", err);
        names_args_free(&names);
        PQfinish(conn);
        return CLI_FAIL;
    }
    p = participation_load(conn, cat, names.registry, names.survey, names.wave, names.city,
                           names.network, NULL, &unknown, err, sizeof err);
    catalog_free(cat);
    names_args_free(&names);
    PQfinish(conn);
    if (p == NULL) {
        cli_error("participation", "%s", err);
        return unknown ? CLI_USAGE : CLI_FAIL;
    }
    if (!json) {
        participation_table_print(stdout, p, msg_english());
        participation_free(p);
        return CLI_OK;
    }
    doc = participation_to_json(p);
    participation_free(p);
    if (doc == NULL) {
        cli_error("participation", msg("brak pamięci", "out of memory"));
        return CLI_FAIL;
    }
    if (json_dumpf(doc, stdout, JSON_INDENT(2)) != 0)
        cli_error("participation", msg("nie można zapisać JSON", "cannot write the JSON"));
    putchar('\n');
    json_decref(doc);
    return CLI_OK;
}
