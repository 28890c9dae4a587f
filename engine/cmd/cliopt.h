/*
 * cliopt: the one option parser of the subcommands (engine/cmd/cmd_*.c).
 * A subcommand lists its options as a table of rows, one a option: the long
 * name, what kind of value it takes and the field it goes to (a pointer,
 * type-checked by the row's macro). cliopt_parse builds getopt_long's table
 * and short options from it and does what every subcommand does alike:
 *   -h, --help            usage(stdout), returns 1 (the command exits 0);
 *   an unknown option, an option without its value, an ambiguous prefix
 *                         getopt's message, usage(stderr), returns -1
 *                         (the command exits 2, CLI_USAGE);
 *   a value its kind rejects (CLIOPT_NUM, CLIOPT_CALL)
 *                         one line "empirie CMD: ..." and no usage,
 *                         returns -1;
 * else every field given its value, the arguments left at optind, 0.
 * The scan starts afresh on every call (optind reset), so a command with
 * actions (cli_actions) and the tests may parse more than once.
 */
#ifndef EMPIRIE_CLIOPT_H
#define EMPIRIE_CLIOPT_H

#include <stddef.h>
#include <stdio.h>

enum cliopt_kind {
    CLIOPT_KIND_STR,    /* --NAME VALUE: a const char * takes the value (argv's, not copied) */
    CLIOPT_KIND_FLAG,   /* --NAME: an int is set to 1 */
    CLIOPT_KIND_LANG,   /* --lang pl|en: a const char *, and the messages follow it at once
                         * (msg_set_lang) so that a --help after it is in that language; a
                         * value other than pl and en is the command's to reject (cli_lang) */
    CLIOPT_KIND_NUM,    /* --NAME N: an unsigned long long, a whole number from 1 to max;
                         * else "empirie CMD: --NAME 'N': expected a number from 1 to MAX" */
    CLIOPT_KIND_SIZE,   /* --NAME N: a size_t, checked as CLIOPT_KIND_NUM (a count of
                         * things: errors, codes) */
    CLIOPT_KIND_CALL,   /* --NAME VALUE: call(field, value) checks and stores it; returns 0,
                         * or -1 after saying why (cli_error) */
    CLIOPT_KIND_ARG,    /* no option: the one argument after the options, a const char *;
                         * none or more than one left: "empirie CMD: WHAT" (cli_one_arg) */
};

struct cliopt {
    const char *name;          /* the long name, without "--"; CLIOPT_KIND_ARG: WHAT */
    char letter;               /* its short form too (-q), or 0 */
    enum cliopt_kind kind;
    void *field;               /* where the value goes, of the kind's type */
    unsigned long long max;    /* CLIOPT_KIND_NUM: the largest value */
    int (*call)(void *field, const char *value);   /* CLIOPT_KIND_CALL */
};

/* The rows, by kind; p points to the field (a mismatched type does not
 * compile). */
#define CLIOPT_FIELD_(p, T) ((void *)(1 ? (p) : (T)0))
#define CLIOPT_STR(name, p) { (name), 0, CLIOPT_KIND_STR, CLIOPT_FIELD_(p, const char **), 0, NULL }
#define CLIOPT_FLAG(name, p) { (name), 0, CLIOPT_KIND_FLAG, CLIOPT_FIELD_(p, int *), 0, NULL }
#define CLIOPT_FLAG_SHORT(letter, name, p)                                                  \
    { (name), (letter), CLIOPT_KIND_FLAG, CLIOPT_FIELD_(p, int *), 0, NULL }
#define CLIOPT_LANG(p) { "lang", 0, CLIOPT_KIND_LANG, CLIOPT_FIELD_(p, const char **), 0, NULL }
#define CLIOPT_NUM(name, p, max)                                                            \
    { (name), 0, CLIOPT_KIND_NUM, CLIOPT_FIELD_(p, unsigned long long *), (max), NULL }
#define CLIOPT_SIZE(name, p, max)                                                           \
    { (name), 0, CLIOPT_KIND_SIZE, CLIOPT_FIELD_(p, size_t *), (max), NULL }
#define CLIOPT_CALL(name, fn, p) { (name), 0, CLIOPT_KIND_CALL, (p), 0, (fn) }
#define CLIOPT_ARG(p, what) { (what), 0, CLIOPT_KIND_ARG, CLIOPT_FIELD_(p, const char **), 0, NULL }

/* The rows of --survey, --wave, --city and --network into a names_args
 * (names.h) n: the group a command reads (stats, report, participation). */
#define CLIOPT_NAMES(n)                                                                     \
    CLIOPT_STR("survey", &(n)->survey), CLIOPT_STR("wave", &(n)->wave),                     \
        CLIOPT_STR("city", &(n)->city), CLIOPT_STR("network", &(n)->network)

#define CLIOPT_N(table) (sizeof(table) / sizeof((table)[0]))

/* At most this many rows in a table (--help is added to them). */
#define CLIOPT_MAX 24

/*
 * Parses argv's options (argv[0] is the command's name, as getopt's
 * messages show it) against the n rows of opts, in their order, and
 * --help after them. cmd names the command in messages ("stats"); usage
 * prints its help. Returns 1, -1 or 0 as above; fields of options not
 * given keep what the caller put in them (the defaults). Without a
 * CLIOPT_ARG row the arguments are left at optind for the caller.
 */
int cliopt_parse(const char *cmd, void (*usage)(FILE *out), const struct cliopt *opts,
                 size_t n, int argc, char **argv);

/* cliopt_parse, then no argument may be left after the options
 * (cli_no_args's message, -1): the subcommands that take none. */
int cliopt_parse_no_args(const char *cmd, void (*usage)(FILE *out), const struct cliopt *opts,
                         size_t n, int argc, char **argv);

/*
 * cliopt_parse for one action of a command whose actions share a table
 * (empirie token create|list|revoke): takes lists, separated by spaces,
 * the names of the rows this action takes; one of the others, given, is
 * refused by name ("empirie token: list takes no --role", with argv[0]),
 * returning -1 without usage. takes NULL: every row.
 */
int cliopt_parse_taking(const char *cmd, void (*usage)(FILE *out), const struct cliopt *opts,
                        size_t n, const char *takes, int argc, char **argv);

/* A whole number from 1 to max in text (decimal, no sign, nothing after
 * it): 0 with *out set, else -1 and *out untouched. What CLIOPT_KIND_NUM
 * accepts, for a value read elsewhere (an environment variable). */
int cliopt_count(const char *text, unsigned long long max, unsigned long long *out);

/* cliopt_count, else "empirie CMD: " and fmt with its arguments on stderr
 * (the command's own words for what it expected) and -1. */
int cliopt_number(const char *cmd, const char *text, unsigned long long max,
                  unsigned long long *out, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
