/*
 * empirie: one program with subcommands, in the style of git. This file only
 * dispatches; each subcommand lives in engine/cmd_NAME.c (see cli.h).
 */
#include "cli.h"
#include "jarena.h"
#include "msg.h"

#include <stdio.h>
#include <string.h>

#define EMPIRIE_VERSION "0.1.0"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);    /* or, for one with actions: */
    const struct cli_actions *actions;
    const char *summary_pl, *summary_en;
};

static const struct command commands[] = {
    { "migrate", cmd_migrate, NULL, "stosuje oczekujące migracje bazy danych",
      "apply pending database migrations" },
    { "registry", cmd_registry, NULL,
      "wczytuje lub wypisuje miasta, sieci, członkostwa, badania, fale",
      "load or list cities, networks, memberships, surveys, waves" },
    { "serve", cmd_serve, NULL, "uruchamia demona HTTP API", "run the HTTP API daemon" },
    { "import", cmd_import, NULL,
      "importuje odpowiedzi z pliku CSV lub NDJSON, wszystkie albo żadnej",
      "import responses from a CSV or NDJSON file, all or nothing" },
    { "stats", cmd_stats, NULL, "statystyki fali badania dla miasta, sieci lub wszystkich",
      "statistics of a survey wave for a city, a network or all" },
    { "report", cmd_report, NULL, "raporty XLSX dla miast, sieci i ministerstwa",
      "XLSX reports for cities, networks and the ministry" },
    { "audit", cmd_audit, NULL,
      "dowodzi, że z tego, co czyta rola, nie da się odtworzyć ukrytej liczby",
      "prove that no hidden figure can be recovered from what a role reads" },
    { "participation", cmd_participation, NULL,
      "dotychczasowe odpowiedzi w fali: według miasta, dnia, wydziału",
      "responses so far in a wave: per city, day, department" },
    { "responses", NULL, &cmd_responses, "unieważnia błędne lub testowe odpowiedzi i cofa to",
      "void mistaken or test responses, and undo it" },
    { "token", NULL, &cmd_token, "tokeny API: create, list, revoke",
      "API tokens: create, list, revoke" },
    { "link", NULL, &cmd_link, "linki do formularza respondenta i kody dostępu (create|list|close)",
      "links to the respondent's form and access codes (create|list|close)" },
};

static void usage(FILE *out)
{
    fputs(msg("Użycie: empirie [--lang pl|en] POLECENIE [OPCJE]\n"
              "\n"
              "Empirie zbiera odpowiedzi na ankiety sieci EMPIRIE Związku Miast Polskich\n"
              "i liczy z nich statystyki i raporty.\n"
              "\n"
              "Polecenia:\n",
              "Usage: empirie [--lang pl|en] COMMAND [OPTIONS]\n"
              "\n"
              "Empirie collects survey responses for the EMPIRIE networks of the Association\n"
              "of Polish Cities and computes statistics and reports from them.\n"
              "\n"
              "Commands:\n"),
          out);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-14s %s\n", commands[i].name,
                msg(commands[i].summary_pl, commands[i].summary_en));
    fputs(msg("\n"
              "'empirie POLECENIE --help' pokazuje opcje polecenia.\n"
              "Baza danych: --db CONNINFO, inaczej $DATABASE_URL, inaczej zmienne PG*,\n"
              "w ostateczności prywatny klaster w var/ (scripts/pg-local start).\n"
              "\n"
              "Opcje:\n"
              "  --lang pl|en   język komunikatów: polski (domyślnie) lub angielski;\n"
              "                 to samo robi zmienna EMPIRIE_LANG=en\n"
              "  -h, --help     ta pomoc\n"
              "  --version      wypisuje wersję\n",
              "\n"
              "Run 'empirie COMMAND --help' for a command's options.\n"
              "The database: --db CONNINFO, else $DATABASE_URL, else the PG* variables,\n"
              "else the private cluster under var/ (scripts/pg-local start).\n"
              "\n"
              "Options:\n"
              "  --lang pl|en   the messages' language: Polish (default) or English;\n"
              "                 the variable EMPIRIE_LANG=en does the same\n"
              "  -h, --help     show this help\n"
              "  --version      print the version\n"),
          out);
}

int main(int argc, char **argv)
{
    jarena_install();
    /* empirie --lang pl|en COMMAND: the messages' language (msg.h) */
    if (argc >= 3 && strcmp(argv[1], "--lang") == 0) {
        if (!msg_lang_valid(argv[2])) {
            fprintf(stderr, msg("empirie: --lang: oczekiwano pl lub en, podano '%s'\n",
                                "empirie: --lang: expected pl or en, got '%s'\n"),
                    argv[2]);
            return CLI_USAGE;
        }
        msg_set_lang(argv[2]);
        argc -= 2;
        argv += 2;
    }
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("empirie %s\n", EMPIRIE_VERSION);
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run != NULL ? commands[i].run(argc - 1, argv + 1)
                                           : cli_actions(commands[i].actions, argc - 1, argv + 1);
    fprintf(stderr, msg("empirie: nieznane polecenie '%s' (zob. 'empirie --help')\n",
                        "empirie: unknown command '%s' (see 'empirie --help')\n"),
            argv[1]);
    return CLI_USAGE;
}
