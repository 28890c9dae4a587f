/*
 * empirie: one program with subcommands, in the style of git. This file only
 * dispatches; each subcommand lives in engine/cmd_NAME.c (see cli.h).
 */
#include "cli.h"
#include "jarena.h"

#include <stdio.h>
#include <string.h>

#define EMPIRIE_VERSION "0.1.0"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    { "migrate", cmd_migrate, "apply pending database migrations" },
    { "registry", cmd_registry, "load or list cities, networks, memberships, surveys, waves" },
    { "serve", cmd_serve, "run the HTTP API daemon" },
    { "import", cmd_import, "import responses from a CSV or NDJSON file, all or nothing" },
    { "stats", cmd_stats, "statistics of a survey wave for a city, a network or all" },
    { "report", cmd_report, "XLSX reports for cities, networks and the ministry" },
    { "audit", cmd_audit, "prove that no hidden figure can be recovered from what a role reads" },
    { "participation", cmd_participation, "responses so far in a wave: per city, day, department" },
    { "responses", cmd_responses, "void mistaken or test responses, and undo it" },
    { "token", cmd_token, "API tokens: create, list, revoke" },
    { "link", cmd_link, "links to the respondent's form and access codes (create|list|close)" },
};

static void usage(FILE *out)
{
    fputs("Usage: empirie COMMAND [OPTIONS]\n"
          "\n"
          "Empirie collects survey responses for the EMPIRIE networks of the Association\n"
          "of Polish Cities and computes statistics and reports from them.\n"
          "\n"
          "Commands:\n",
          out);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-14s %s\n", commands[i].name, commands[i].summary);
    fputs("\n"
          "Run 'empirie COMMAND --help' for a command's options.\n"
          "The database: --db CONNINFO, else $DATABASE_URL, else the PG* variables,\n"
          "else the private cluster under var/ (scripts/pg-local start).\n"
          "\n"
          "Options:\n"
          "  -h, --help     show this help\n"
          "  --version      print the version\n",
          out);
}

int main(int argc, char **argv)
{
    jarena_install();
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
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "empirie: unknown command '%s' (see 'empirie --help')\n", argv[1]);
    return CLI_USAGE;
}
