/*
 * cli: what the subcommands (engine/cmd_*.c) share. A subcommand is the
 * program's edge: it parses its options, prints, and returns the exit code
 * (0 success, 1 failure, 2 usage error); library modules below it do neither.
 */
#ifndef EMPIRIE_CLI_H
#define EMPIRIE_CLI_H

#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>

#define CLI_OK 0
#define CLI_FAIL 1
#define CLI_USAGE 2

/* Connects to the database chosen by config_conninfo(db_flag), printing the
 * error to stderr on failure. Returns NULL on failure. */
PGconn *cli_connect(const char *db_flag);

/* Prints "empirie CMD: message" to stderr (cli_verror: from a va_list). */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cli_verror(const char *cmd, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/*
 * The start of stats and report after their option parsing: cli_start
 * (parsed, db_flag, *conn), then the names a person typed (slugs, names
 * with or without diacritics; names.h) resolved in names, in place (each
 * may be NULL: not given). Prints "empirie CMD: ..." on failure. Returns
 * cli_start's codes, or CLI_USAGE (an unknown name: the message suggests
 * the right one) or CLI_FAIL with the connection closed; *conn is
 * connected only when CLI_OK is returned after parsed == 0 (else NULL).
 * With *conn connected, names->registry holds the command's registry
 * snapshot (names_args_free it when done).
 */
struct names_args;
int cli_start_names(int parsed, const char *db_flag, const char *cmd, struct names_args *names,
                    PGconn **conn);

/*
 * The checks every subcommand's option parsing shares; each prints
 * "empirie CMD: ..." in the messages' language (msg.h) and returns -1 on
 * failure, 0 otherwise. cli_no_args: no argument is left after the options
 * (getopt's optind). cli_required: flag ("--survey") was given (value not
 * NULL). cli_lang: lang is pl or en, and the messages follow it.
 */
int cli_no_args(const char *cmd, int argc, char **argv);

/* The one argument left after the options (argv[optind]); NULL after
 * printing "empirie CMD: what" when none or more than one is left. */
const char *cli_one_arg(const char *cmd, int argc, char **argv, const char *what);
int cli_required(const char *cmd, const char *flag, const char *value);
int cli_lang(const char *cmd, const char *lang);

/* Options of which a command takes one: given[i] says whether names[i]
 * ("--city") was given, of n (2 to 8). CLI_EXACTLY_ONE: one of them
 * must be ("podaj jedno z --city, --network i --all"); CLI_AT_MOST_ONE:
 * none or one ("podaj najwyżej jedno z ..."). The same 0 or -1. */
enum cli_choice { CLI_EXACTLY_ONE, CLI_AT_MOST_ONE };
int cli_one_of(const char *cmd, enum cli_choice choice, const char *const *names,
               const int *given, size_t n);

/* The help lines of --db and --help (every database subcommand has both),
 * in the messages' language, for a column of options at width w. */
void cli_help_db(FILE *out, int w);

/* The help lines of --survey SLUG and --wave FALA of stats and report (a
 * column at width w), and the paragraph on their exit statuses. */
void cli_help_survey_wave(FILE *out, int w);
void cli_help_exit_group(FILE *out);

/* The exit code of a subcommand whose option parsing stopped it (parsed
 * not 0, cliopt.h): CLI_OK after help, CLI_USAGE after a usage error. */
int cli_parse_exit(int parsed);

/*
 * The start of a subcommand after its option parsing: parsed is 1 (help
 * was printed), -1 (a usage error was printed) or 0 (go on). Returns the
 * exit code: CLI_OK after help, CLI_USAGE, CLI_FAIL when the database
 * cannot be reached (cli_connect), or CLI_OK with *conn connected; *conn
 * is NULL in every case but the last.
 */
int cli_start(int parsed, const char *db_flag, PGconn **conn);

/* The start of a subcommand that takes only --db and --help and no
 * argument (empirie migrate, link list): cliopt_parse_no_args, then
 * cli_start. Returns its exit code; *conn is connected only when it
 * returns CLI_OK after neither help nor an error (else NULL). */
int cli_start_db_only(const char *cmd, int argc, char **argv, void (*usage)(FILE *),
                      PGconn **conn);

/*
 * A subcommand with actions (empirie token create|list|revoke), as data:
 * main.c runs it with cli_actions, which runs the action argv[1] names
 * with argv + 1 (its own cliopt_parse), prints usage for -h/--help, else
 * says which actions there are and returns CLI_USAGE.
 */
struct cli_action {
    const char *name;
    int (*run)(int argc, char **argv);
};
#define CLI_MAX_ACTIONS 4
struct cli_actions {
    const char *cmd;
    void (*usage)(FILE *out);
    struct cli_action list[CLI_MAX_ACTIONS];   /* up to the first without a name */
};
int cli_actions(const struct cli_actions *a, int argc, char **argv);

/* True when stderr is a terminal (for progress displays). */
int cli_interactive(void);

/* Subcommands: each takes argv with argv[0] = its own name. */
int cmd_migrate(int argc, char **argv);
int cmd_registry(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_participation(int argc, char **argv);
/* ... and those with actions */
extern const struct cli_actions cmd_token, cmd_responses, cmd_link;

#endif
