/* cliopt: the subcommands' one option parser (engine/cmd/cliopt.h), in
 * process: what each kind of row stores, what --help, an unknown option, a
 * missing value and a rejected value return, and which stream usage gets. */
#include "cli.h"
#include "cliopt.h"
#include "msg.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

/* What the command's usage was asked for: how often, on which stream,
 * in which language. */
static int usage_calls;
static FILE *usage_out;
static int usage_english;

static void usage(FILE *out)
{
    usage_calls++;
    usage_out = out;
    usage_english = msg_english();
}

struct opts {
    const char *db, *survey, *lang, *kind;
    int json, quiet;
    unsigned long long threads;
    size_t codes;
};

/* CLIOPT_KIND_CALL: takes "a" or "b", else says why and fails. */
static int take_kind(void *field, const char *value)
{
    if (strcmp(value, "a") != 0 && strcmp(value, "b") != 0) {
        fprintf(stderr, "bad kind %s\n", value);
        return -1;
    }
    *(const char **)field = value;
    return 0;
}

/* Parses args (NULL-terminated, args[0] the command) into o with the
 * table of a made-up command "demo"; takes as cliopt_parse_taking's. */
static char *av[32];   /* the argv parse_taking hands over */

static int parse_taking(struct opts *o, const char *takes, const char *const *args, int *argc)
{
    const struct cliopt rows[] = {
        CLIOPT_STR("db", &o->db),
        CLIOPT_STR("survey", &o->survey),
        CLIOPT_FLAG("json", &o->json),
        CLIOPT_FLAG_SHORT('q', "quiet", &o->quiet),
        CLIOPT_LANG(&o->lang),
        CLIOPT_NUM("threads", &o->threads, 1000),
        CLIOPT_SIZE("codes", &o->codes, 20),
        CLIOPT_CALL("kind", take_kind, &o->kind),
    };

    *argc = 0;
    while (args[*argc] != NULL) {
        av[*argc] = (char *)args[*argc];
        (*argc)++;
    }
    av[*argc] = NULL;
    usage_calls = 0;
    usage_out = NULL;
    return cliopt_parse_taking("demo", usage, rows, CLIOPT_N(rows), takes, *argc, av);
}

static int parse(struct opts *o, const char *const *args, int *argc)
{
    return parse_taking(o, NULL, args, argc);
}

static void setup(void)
{
    msg_set_lang("pl");
}

Test(cliopt, strings_flags_and_the_arguments_left, .init = setup)
{
    struct opts o = { .db = "default" };
    int argc;

    cr_assert_eq(parse(&o, (const char *const[]){ "demo", "--survey", "s1", "FILE", "--json",
                                                  "--db=conn", "-q", NULL },
                       &argc),
                 0);
    cr_expect_str_eq(o.db, "conn");
    cr_expect_str_eq(o.survey, "s1");
    cr_expect_eq(o.json, 1);
    cr_expect_eq(o.quiet, 1);
    cr_expect_null(o.kind);     /* not given: what the caller put there */
    cr_expect_eq(o.threads, 0);
    cr_expect_eq(usage_calls, 0);
    /* getopt moves the argument after the options */
    cr_assert_eq(optind, argc - 1);
    cr_expect_str_eq(av[optind], "FILE");
    /* an unambiguous prefix is the option; a later one wins */
    o = (struct opts){ 0 };
    cr_assert_eq(parse(&o, (const char *const[]){ "demo", "--sur", "x", "--survey", "y", NULL },
                       &argc),
                 0);
    cr_expect_str_eq(o.survey, "y");
    cr_expect_eq(optind, argc);
}

Test(cliopt, help_prints_usage_on_stdout_and_stops, .init = setup)
{
    struct opts o = { 0 };
    int argc;

    cr_expect_eq(parse(&o, (const char *const[]){ "demo", "--help", "--db", "x", NULL }, &argc),
                 1);
    cr_expect_eq(usage_calls, 1);
    cr_expect_eq(usage_out, stdout);
    cr_expect_null(o.db, "the options after --help are not read");
    cr_expect_eq(parse(&o, (const char *const[]){ "demo", "-qh", NULL }, &argc), 1);
    cr_expect_eq(o.quiet, 1);
    cr_expect_eq(usage_out, stdout);
}

Test(cliopt, unknown_option_prints_usage_on_stderr, .init = setup)
{
    struct opts o = { 0 };
    int argc;

    cr_redirect_stderr();
    cr_expect_eq(parse(&o, (const char *const[]){ "demo", "--bogus", "--db", "x", NULL }, &argc),
                 -1);
    cr_expect_eq(usage_calls, 1);
    cr_expect_eq(usage_out, stderr);
    cr_expect_null(o.db);
    cr_expect_eq(parse(&o, (const char *const[]){ "demo", "-z", NULL }, &argc), -1);
    cr_expect_eq(usage_out, stderr);
    /* "--help" is a row too: its prefix "--he" is no unknown option */
    cr_expect_eq(parse(&o, (const char *const[]){ "demo", "--he", NULL }, &argc), 1);
    cr_expect_eq(usage_out, stdout);
    fflush(stderr);
    cr_expect_stderr_eq_str("demo: unrecognized option '--bogus'\n"
                            "demo: invalid option -- 'z'\n");
}

Test(cliopt, missing_value_prints_usage_on_stderr, .init = setup)
{
    struct opts o = { 0 };
    int argc;

    cr_redirect_stderr();
    cr_expect_eq(parse(&o, (const char *const[]){ "demo", "--json", "--db", NULL }, &argc), -1);
    cr_expect_eq(usage_calls, 1);
    cr_expect_eq(usage_out, stderr);
    cr_expect_null(o.db);
    fflush(stderr);
    cr_expect_stderr_eq_str("demo: option '--db' requires an argument\n");
}

Test(cliopt, lang_switches_the_messages_at_once, .init = setup)
{
    struct opts o = { .lang = "pl" };
    int argc;

    cr_expect_eq(parse(&o, (const char *const[]){ "demo", "--lang", "en", "--help", NULL }, &argc),
                 1);
    cr_expect_str_eq(o.lang, "en");
    cr_expect_eq(usage_english, 1, "--help after --lang en is in English");
    cr_expect_eq(parse(&o, (const char *const[]){ "demo", "--help", "--lang", "pl", NULL }, &argc),
                 1);
    cr_expect_eq(usage_english, 1, "--lang after --help is not read");
    cr_expect_eq(parse(&o, (const char *const[]){ "demo", "--lang", "pl", NULL }, &argc), 0);
    cr_expect(!msg_english());
    /* an unknown language is stored for the command to reject (cli_lang);
     * the messages stay as they were */
    cr_expect_eq(parse(&o, (const char *const[]){ "demo", "--lang", "de", NULL }, &argc), 0);
    cr_expect_str_eq(o.lang, "de");
    cr_expect(!msg_english());
}

/* CLIOPT_NUM (an unsigned long long) and CLIOPT_SIZE (a size_t): 1 to the
 * row's largest value, a rejected value said in one line and the field
 * left as it was. */
Test(cliopt, numbers_within_their_range, .init = setup)
{
    struct opts o = { .threads = 32, .codes = 3 };
    int argc;

    cr_redirect_stderr();
    cr_expect_eq(parse(&o, (const char *const[]){ "demo", "--threads", "1000", NULL }, &argc), 0);
    cr_expect_eq(o.threads, 1000);
    cr_expect_eq(parse(&o, (const char *const[]){ "demo", "--thr", "7", "--codes", "20", NULL },
                       &argc),
                 0);
    cr_expect_eq(o.threads, 7);
    cr_expect_eq(o.codes, 20);
    cr_expect_eq(parse(&o, (const char *const[]){ "demo", "--threads", "1001", NULL }, &argc), -1);
    cr_expect_eq(usage_calls, 0, "a bad value is said in one line, without usage");
    cr_expect_eq(o.threads, 7);
    cr_expect_eq(parse(&o, (const char *const[]){ "demo", "--threads=0", NULL }, &argc), -1);
    cr_expect_eq(parse(&o, (const char *const[]){ "demo", "--codes", "21", NULL }, &argc), -1);
    cr_expect_eq(parse(&o, (const char *const[]){ "demo", "--codes", "2x", NULL }, &argc), -1);
    cr_expect_eq(o.codes, 20, "a rejected count leaves the field as it was");
    fflush(stderr);
    cr_expect_stderr_eq_str("empirie demo: --threads '1001': oczekiwano liczby od 1 do 1000\n"
                            "empirie demo: --threads '0': oczekiwano liczby od 1 do 1000\n"
                            "empirie demo: --codes '21': oczekiwano liczby od 1 do 20\n"
                            "empirie demo: --codes '2x': oczekiwano liczby od 1 do 20\n");
}

Test(cliopt, count_reads_whole_positive_numbers)
{
    unsigned long long v = 7;

    cr_expect_eq(cliopt_count("1", 10, &v), 0);
    cr_expect_eq(v, 1);
    cr_expect_eq(cliopt_count("10", 10, &v), 0);
    cr_expect_eq(v, 10);
    cr_expect_eq(cliopt_count("18446744073709551615", 18446744073709551615ULL, &v), 0);
    cr_expect_eq(v, 18446744073709551615ULL);
    v = 7;
    static const char *const bad[] = { "", "0", "11", "-1", "5x", "x5", "1.5", "0x5",
                                       "18446744073709551616", NULL };
    for (size_t i = 0; bad[i] != NULL; i++) {
        cr_expect_eq(cliopt_count(bad[i], 10, &v), -1, "'%s'", bad[i]);
        cr_expect_eq(v, 7, "'%s' left the value", bad[i]);
    }
    cr_expect_eq(cliopt_count(NULL, 10, &v), -1);
}

Test(cliopt, a_call_row_checks_its_value, .init = setup)
{
    struct opts o = { 0 };
    int argc;

    cr_redirect_stderr();
    cr_expect_eq(parse(&o, (const char *const[]){ "demo", "--kind", "b", NULL }, &argc), 0);
    cr_expect_str_eq(o.kind, "b");
    cr_expect_eq(parse(&o, (const char *const[]){ "demo", "--kind", "c", "--json", NULL }, &argc),
                 -1);
    cr_expect_eq(usage_calls, 0);
    cr_expect_eq(o.json, 0, "parsing stops at the rejected value");
    fflush(stderr);
    cr_expect_stderr_eq_str("bad kind c\n");
}

Test(cliopt, an_action_refuses_the_rows_it_does_not_take, .init = setup)
{
    struct opts o = { 0 };
    int argc;

    cr_redirect_stderr();
    cr_expect_eq(parse_taking(&o, "db json", (const char *const[]){ "list", "--json", "--db", "x",
                                                                   NULL },
                              &argc),
                 0);
    cr_expect_eq(o.json, 1);
    cr_expect_eq(parse_taking(&o, "db json", (const char *const[]){ "list", "--survey", "s", NULL },
                              &argc),
                 -1);
    cr_expect_null(o.survey);
    cr_expect_eq(usage_calls, 0);
    /* "db" does not take "d" or "dbx": whole names only */
    cr_expect_eq(parse_taking(&o, "dbx", (const char *const[]){ "list", "--db", "y", NULL }, &argc),
                 -1);
    cr_expect_eq(parse_taking(&o, "", (const char *const[]){ "list", "--help", NULL }, &argc), 1);
    fflush(stderr);
    cr_expect_stderr_eq_str("empirie demo: list nie przyjmuje --survey\n"
                            "empirie demo: list nie przyjmuje --db\n");
}

Test(cliopt, no_args_rejects_what_is_left, .init = setup)
{
    const struct cliopt rows[] = { CLIOPT_STR("db", &(const char *){ NULL }) };
    char *argv[] = { "demo", "--db", "x", "extra", NULL };

    cr_redirect_stderr();
    cr_expect_eq(cliopt_parse_no_args("demo", usage, rows, CLIOPT_N(rows), 4, argv), -1);
    cr_expect_eq(cliopt_parse_no_args("demo", usage, rows, CLIOPT_N(rows), 3, argv), 0);
    fflush(stderr);
    cr_expect_stderr_eq_str("empirie demo: nieoczekiwany argument 'extra'\n");
}

Test(cliopt, an_arg_row_takes_the_one_argument, .init = setup)
{
    const char *db = NULL, *arg = NULL;
    const struct cliopt rows[] = { CLIOPT_STR("db", &db), CLIOPT_ARG(&arg, "one ID please") };
    char *one[] = { "close", "7", "--db", "x", NULL };
    char *none[] = { "close", "--db", "x", NULL };
    char *two[] = { "close", "7", "8", NULL };

    cr_redirect_stderr();
    cr_expect_eq(cliopt_parse("demo", usage, rows, CLIOPT_N(rows), 4, one), 0);
    cr_expect_str_eq(arg, "7");
    cr_expect_str_eq(db, "x");
    cr_expect_eq(cliopt_parse("demo", usage, rows, CLIOPT_N(rows), 3, none), -1);
    cr_expect_eq(cliopt_parse("demo", usage, rows, CLIOPT_N(rows), 3, two), -1);
    cr_expect_null(arg);
    /* not an option: "--one" is unknown */
    cr_expect_eq(cliopt_parse("demo", usage, rows, CLIOPT_N(rows), 3,
                              (char *[]){ "close", "--one", "7", NULL }),
                 -1);
    fflush(stderr);
    cr_expect_stderr_eq_str("empirie demo: one ID please\n"
                            "empirie demo: one ID please\n"
                            "close: unrecognized option '--one'\n");
}

/* cli_one_of: the choice of one group (stats: at most one; report: exactly one),
 * its message joined as a sentence in the messages' language. */
Test(cliopt, one_of_a_choice_of_options, .init = setup)
{
    const char *const names[] = { "--city", "--network", "--all" };

    cr_redirect_stderr();
    cr_expect_eq(cli_one_of("demo", CLI_AT_MOST_ONE, names, (const int[]){ 0, 0, 0 }, 3), 0);
    cr_expect_eq(cli_one_of("demo", CLI_AT_MOST_ONE, names, (const int[]){ 0, 1, 0 }, 3), 0);
    cr_expect_eq(cli_one_of("demo", CLI_EXACTLY_ONE, names, (const int[]){ 0, 0, 1 }, 3), 0);
    cr_expect_eq(cli_one_of("demo", CLI_AT_MOST_ONE, names, (const int[]){ 1, 0, 1 }, 3), -1);
    cr_expect_eq(cli_one_of("demo", CLI_EXACTLY_ONE, names, (const int[]){ 0, 0, 0 }, 3), -1);
    msg_set_lang("en");
    cr_expect_eq(cli_one_of("demo", CLI_EXACTLY_ONE, names, (const int[]){ 1, 1, 1 }, 3), -1);
    cr_expect_eq(cli_one_of("demo", CLI_AT_MOST_ONE, names, (const int[]){ 1, 1 }, 2), -1);
    fflush(stderr);
    cr_expect_stderr_eq_str("empirie demo: podaj najwyżej jedno z --city, --network i --all\n"
                            "empirie demo: podaj jedno z --city, --network i --all\n"
                            "empirie demo: give one of --city, --network and --all\n"
                            "empirie demo: give at most one of --city and --network\n");
}
