/* empirie participation: how a wave's collection is going (engine/participation.h). */
#include "catalog.h"
#include "cli.h"
#include "err.h"
#include "msg.h"
#include "names.h"
#include "participation.h"
#include "utf8.h"

#include <getopt.h>
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

static void pct(const json_t *v, size_t width)
{
    char buf[32];

    if (json_is_number(v))
        snprintf(buf, sizeof buf, "%.1f%%", 100 * json_number_value(v));
    else
        snprintf(buf, sizeof buf, "—");
    utf8_lpad(stdout, buf, width);
}

static void count(const json_t *v, size_t width)
{
    char buf[32];

    if (json_is_integer(v))
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
    else
        snprintf(buf, sizeof buf, "—");
    utf8_lpad(stdout, buf, width);
}

/* The responses, headcount and rate of a city, department or the total,
 * in columns of widths w. */
static void print_counts(const json_t *o, const size_t w[3])
{
    fputs("  ", stdout);
    count(json_object_get(o, "responses"), w[0]);
    fputs("  ", stdout);
    count(json_object_get(o, "headcount"), w[1]);
    fputs("  ", stdout);
    pct(json_object_get(o, "rate"), w[2]);
}

static void print_table(const json_t *doc)
{
    const json_t *cities = json_object_get(doc, "cities"), *total = json_object_get(doc, "total");
    const char *head[3] = { msg("odpowiedzi", "responses"), msg("zatrudnienie", "headcount"),
                            msg("odsetek", "rate") };
    size_t w[3] = { 9, 9, 6 };
    size_t namew = 6, i, j;
    json_t *c, *d;
    int examples = 0;

    for (int k = 0; k < 3; k++)
        if (utf8_width(head[k]) > w[k])
            w[k] = utf8_width(head[k]);
    json_array_foreach(cities, i, c) {
        size_t cw = utf8_width(json_string_value(json_object_get(c, "name")));

        if (cw > namew)
            namew = cw;
        json_array_foreach(json_object_get(c, "departments"), j, d) {
            cw = 2 + utf8_width(json_string_value(json_object_get(d, "label")));
            if (cw > namew)
                namew = cw < 48 ? cw : 48;
        }
    }
    printf(msg("%s, fala %s (od %s do %s), próg anonimowości %d\n\n",
               "%s, wave %s (%s to %s), anonymity threshold %d\n\n"),
           json_string_value(json_object_get(doc, "survey")),
           json_string_value(json_object_get(doc, "wave")),
           json_string_value(json_object_get(doc, "opens_on")),
           json_string_value(json_object_get(doc, "closes_on")),
           (int)json_integer_value(json_object_get(doc, "threshold")));
    utf8_pad(stdout, msg("miasto", "city"), namew);
    for (int k = 0; k < 3; k++) {
        fputs("  ", stdout);
        utf8_lpad(stdout, head[k], w[k]);
    }
    fputc('\n', stdout);
    json_array_foreach(cities, i, c) {
        utf8_pad(stdout, json_string_value(json_object_get(c, "name")), namew);
        print_counts(c, w);
        if (json_is_true(json_object_get(c, "example_headcount"))) {
            printf("  (%s)", msg("zatrudnienie przykładowe", "example headcount"));
            examples = 1;
        }
        fputc('\n', stdout);
        json_array_foreach(json_object_get(c, "departments"), j, d) {
            char label[200];
            const char *l = json_string_value(json_object_get(d, "label"));

            /* at most 46 characters of the label */
            snprintf(label, sizeof label, "  %s", l);
            if (utf8_width(label) > 48) {
                size_t k = 0, cols = 0;

                while (label[k] != '\0' && cols < 47) {
                    k++;
                    while (((unsigned char)label[k] & 0xC0) == 0x80)
                        k++;
                    cols++;
                }
                snprintf(label + k, sizeof label - k, "…");
            }
            utf8_pad(stdout, label, namew);
            print_counts(d, w);
            if (json_is_true(json_object_get(d, "hidden")))
                printf("  (%s)", msg("ukryte: próg anonimowości", "hidden: anonymity threshold"));
            fputc('\n', stdout);
        }
    }
    utf8_pad(stdout, msg("razem", "total"), namew);
    print_counts(total, w);
    fputc('\n', stdout);
    if (examples)
        puts(msg("(zatrudnienie przykładowe: przykładowe liczby z rejestru, nie dane miasta)",
                 "(example headcount: example figures of the registry, not the city's)"));
    puts(msg("\nodpowiedzi dzień po dniu:", "\nresponses per day:"));
    json_array_foreach(cities, i, c) {
        const json_t *days = json_object_get(c, "by_day");

        if (json_array_size(days) == 0)
            continue;
        fputs("  ", stdout);
        utf8_pad(stdout, json_string_value(json_object_get(c, "name")), namew);
        json_array_foreach(days, j, d)
            printf("%s %s %lld", j > 0 ? "," : "",
                   json_string_value(json_object_get(d, "day")) + 5,   /* MM-DD */
                   (long long)json_integer_value(json_object_get(d, "responses")));
        fputc('\n', stdout);
    }
}

int cmd_participation(int argc, char **argv)
{
    static const struct option opts[] = {
        { "db", required_argument, NULL, 'd' },      { "survey", required_argument, NULL, 's' },
        { "wave", required_argument, NULL, 'w' },    { "city", required_argument, NULL, 'c' },
        { "network", required_argument, NULL, 'n' }, { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },          { NULL, 0, NULL, 0 },
    };
    struct names_args names = { 0 };
    const char *db = NULL;
    struct catalog *cat = NULL;
    char err[ERR_MAX];
    int c, json = 0, unknown = 0, rc;
    json_t *doc;
    PGconn *conn;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 's': names.survey = optarg; break;
        case 'w': names.wave = optarg; break;
        case 'c': names.city = optarg; break;
        case 'n': names.network = optarg; break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    if (cli_no_args("participation", argc, argv) != 0 ||
        cli_required("participation", "--survey", names.survey) != 0)
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
        PQfinish(conn);
        return rc > 0 ? CLI_USAGE : CLI_FAIL;
    }
    if (catalog_load(conn, &cat, err, sizeof err) != 0) {
        cli_error("participation", "%s", err);
        PQfinish(conn);
        return CLI_FAIL;
    }
    doc = participation_load(conn, cat, names.survey, names.wave, names.city, names.network,
                             &unknown, err, sizeof err);
    catalog_free(cat);
    PQfinish(conn);
    if (doc == NULL) {
        cli_error("participation", "%s", err);
        return unknown ? CLI_USAGE : CLI_FAIL;
    }
    if (json) {
        if (json_dumpf(doc, stdout, JSON_INDENT(2)) != 0)
            cli_error("participation", msg("nie można zapisać JSON", "cannot write the JSON"));
        putchar('\n');
    } else {
        print_table(doc);
    }
    json_decref(doc);
    return CLI_OK;
}
