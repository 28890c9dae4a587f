#include "cli.h"

#include "cliopt.h"
#include "config.h"
#include "db.h"
#include "err.h"
#include "msg.h"
#include "names.h"

#include <assert.h>
#include <getopt.h>   /* optind */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void cli_verror(const char *cmd, const char *fmt, va_list ap)
{
    fprintf(stderr, "empirie %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cli_verror(cmd, fmt, ap);
    va_end(ap);
}

PGconn *cli_connect(const char *db_flag)
{
    char conninfo[4096];
    char err[ERR_MAX];
    PGconn *conn;

    if (config_conninfo(db_flag, conninfo, sizeof conninfo, err, sizeof err) != 0) {
        fprintf(stderr, "empirie: %s\n", err);
        return NULL;
    }
    if (db_connect(conninfo, &conn, err, sizeof err) != 0) {
        fprintf(stderr, "empirie: %s\n", err);
        return NULL;
    }
    return conn;
}

int cli_no_args(const char *cmd, int argc, char **argv)
{
    if (optind == argc)
        return 0;
    cli_error(cmd, msg("nieoczekiwany argument '%s'", "unexpected argument '%s'"), argv[optind]);
    return -1;
}

const char *cli_one_arg(const char *cmd, int argc, char **argv, const char *what)
{
    if (optind + 1 == argc)
        return argv[optind];
    cli_error(cmd, "%s", what);
    return NULL;
}

int cli_required(const char *cmd, const char *flag, const char *value)
{
    if (value != NULL)
        return 0;
    cli_error(cmd, msg("%s jest wymagane (zob. --help)", "%s is required (see --help)"), flag);
    return -1;
}

int cli_one_of(const char *cmd, enum cli_choice choice, const char *const *names,
               const int *given, size_t n)
{
    char list[256];
    size_t count = 0, len = 0;

    assert(n >= 2 && n <= 8);
    for (size_t i = 0; i < n; i++)
        count += given[i] != 0;
    if (count == 1 || (count == 0 && choice == CLI_AT_MOST_ONE))
        return 0;
    /* "--city, --network i --all": the names joined as a sentence says them */
    list[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *sep = i == 0 ? "" : i + 1 < n ? ", " : msg(" i ", " and ");
        int w = snprintf(list + len, sizeof list - len, "%s%s", sep, names[i]);

        if (w < 0 || (size_t)w >= sizeof list - len)
            break;   /* not reached with the short option names it is given */
        len += (size_t)w;
    }
    if (choice == CLI_AT_MOST_ONE)
        cli_error(cmd, msg("podaj najwyżej jedno z %s", "give at most one of %s"), list);
    else
        cli_error(cmd, msg("podaj jedno z %s", "give one of %s"), list);
    return -1;
}

int cli_lang(const char *cmd, const char *lang)
{
    if (!msg_lang_valid(lang)) {
        cli_error(cmd, msg("--lang: oczekiwano pl lub en, podano '%s'",
                           "--lang: expected pl or en, got '%s'"),
                  lang);
        return -1;
    }
    msg_set_lang(lang);
    return 0;
}

void cli_help_db(FILE *out, int w)
{
    fprintf(out,
            msg("  %-*s napis połączenia libpq (domyślnie: $DATABASE_URL, zmienne\n"
                "  %-*s PG*, w ostateczności prywatny klaster w var/)\n"
                "  %-*s ta pomoc\n",
                "  %-*s libpq connection string (default: $DATABASE_URL, the PG*\n"
                "  %-*s variables, else the private cluster under var/)\n"
                "  %-*s show this help\n"),
            w, "--db CONNINFO", w, "", w, "-h, --help");
}

void cli_help_survey_wave(FILE *out, int w)
{
    fprintf(out,
            msg("  %-*s badanie (zob. 'empirie registry list'; można też podać tytuł)\n"
                "  %-*s fala (domyślnie: najnowsza)\n",
                "  %-*s the survey (see 'empirie registry list'; its title works too)\n"
                "  %-*s the wave (default: the latest)\n"),
            w, "--survey SLUG", w, msg("--wave FALA", "--wave LABEL"));
}

void cli_help_exit_group(FILE *out)
{
    fputs(msg("\n"
              "Kod wyjścia: 0 gotowe; 1 niepowodzenie (brak odpowiedzi grupy, błąd bazy\n"
              "danych); 2 błąd użycia, w tym nieznane badanie, fala, miasto lub sieć\n"
              "(komunikat podaje tę nazwę i najbliższe istniejące).\n",
              "\n"
              "Exit status: 0 done; 1 a failure (no responses of the group, a database\n"
              "error); 2 a usage error, an unknown survey, wave, city or network included\n"
              "(the message names it and lists the nearest names).\n"),
          out);
}

int cli_parse_exit(int parsed)
{
    return parsed > 0 ? CLI_OK : CLI_USAGE;
}

int cli_start(int parsed, const char *db_flag, PGconn **conn)
{
    *conn = NULL;
    if (parsed != 0)
        return cli_parse_exit(parsed);
    *conn = cli_connect(db_flag);
    return *conn != NULL ? CLI_OK : CLI_FAIL;
}

int cli_start_db_only(const char *cmd, int argc, char **argv, void (*usage)(FILE *),
                      PGconn **conn)
{
    const char *db = NULL;
    const struct cliopt opts[] = { CLIOPT_STR("db", &db) };
    int parsed = cliopt_parse_no_args(cmd, usage, opts, CLIOPT_N(opts), argc, argv);

    return cli_start(parsed, db, conn);
}

int cli_actions(const struct cli_actions *a, int argc, char **argv)
{
    const struct cli_action *actions = a->list;
    size_t nactions = 0;
    char list[256] = "";
    size_t len = 0;

    while (nactions < CLI_MAX_ACTIONS && actions[nactions].name != NULL)
        nactions++;
    for (size_t i = 0; argc >= 2 && i < nactions; i++)
        if (strcmp(argv[1], actions[i].name) == 0)
            return actions[i].run(argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        a->usage(stdout);
        return CLI_OK;
    }
    for (size_t i = 0; i < nactions && len < sizeof list; i++)
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
                                i == 0 ? "" : i + 1 < nactions ? ", " : msg(" lub ", " or "),
                                actions[i].name);
    if (argc >= 2)
        cli_error(a->cmd, msg("nieznana czynność '%s' (%s)", "unknown subcommand '%s' (%s)"),
                  argv[1], list);
    else
        cli_error(a->cmd, msg("brak czynności (%s)", "missing subcommand (%s)"), list);
    a->usage(stderr);
    return CLI_USAGE;
}

int cli_interactive(void)
{
    return isatty(STDERR_FILENO);
}

int cli_start_names(int parsed, const char *db_flag, const char *cmd, struct names_args *names,
                    PGconn **conn)
{
    char err[ERR_MAX];
    int rc = cli_start(parsed, db_flag, conn);

    if (rc != CLI_OK || *conn == NULL)
        return rc;
    switch (names_args_resolve(*conn, names, err, sizeof err)) {
    case 0:
        return CLI_OK;
    case 1:
        rc = CLI_USAGE;
        break;
    default:
        rc = CLI_FAIL;
        break;
    }
    cli_error(cmd, "%s", err);
    names_args_free(names);
    PQfinish(*conn);
    *conn = NULL;
    return rc;
}
