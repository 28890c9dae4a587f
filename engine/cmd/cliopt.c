#include "cliopt.h"

#include "cli.h"
#include "msg.h"

#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* getopt_long's value of row i when it has no short form: past every char. */
#define VAL_ROW0 256

int cliopt_count(const char *text, unsigned long long max, unsigned long long *out)
{
    char *end;
    unsigned long long v;

    if (text == NULL || text[0] == '\0' || text[0] == '-')
        return -1;
    errno = 0;
    v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || v < 1 || v > max)
        return -1;
    *out = v;
    return 0;
}

int cliopt_number(const char *cmd, const char *text, unsigned long long max,
                  unsigned long long *out, const char *fmt, ...)
{
    va_list ap;

    if (cliopt_count(text, max, out) == 0)
        return 0;
    va_start(ap, fmt);
    cli_verror(cmd, fmt, ap);
    va_end(ap);
    return -1;
}

/* True when the space-separated list names name (NULL: every name). */
static int listed(const char *list, const char *name)
{
    size_t len = strlen(name);

    if (list == NULL)
        return 1;
    for (const char *p = list; *p != '\0'; p += strcspn(p, " ")) {
        p += strspn(p, " ");
        if (strncmp(p, name, len) == 0 && (p[len] == ' ' || p[len] == '\0'))
            return 1;
    }
    return 0;
}

/* What getopt_long returns for row i: its short form, or a value of its own. */
static int row_val(const struct cliopt *opts, size_t i)
{
    return opts[i].letter != 0 ? opts[i].letter : VAL_ROW0 + (int)i;
}

/* Stores value (NULL for a flag) as row o says: 0, or -1 after saying why. */
static int store(const char *cmd, const struct cliopt *o, const char *value)
{
    switch (o->kind) {
    case CLIOPT_KIND_STR:
        *(const char **)o->field = value;
        return 0;
    case CLIOPT_KIND_FLAG:
        *(int *)o->field = 1;
        return 0;
    case CLIOPT_KIND_LANG:
        *(const char **)o->field = value;
        msg_set_lang(value);   /* a --help after it follows it */
        return 0;
    case CLIOPT_KIND_NUM:
    case CLIOPT_KIND_SIZE: {
        unsigned long long v;

        if (cliopt_number(cmd, value, o->max, &v,
                          msg("--%s '%s': oczekiwano liczby od 1 do %llu",
                              "--%s '%s': expected a number from 1 to %llu"),
                          o->name, value, o->max) != 0)
            return -1;
        if (o->kind == CLIOPT_KIND_SIZE)
            *(size_t *)o->field = (size_t)v;
        else
            *(unsigned long long *)o->field = v;
        return 0;
    }
    case CLIOPT_KIND_CALL:
        return o->call(o->field, value);
    case CLIOPT_KIND_ARG:
        break;
    }
    return -1;
}

int cliopt_parse_taking(const char *cmd, void (*usage)(FILE *out), const struct cliopt *opts,
                        size_t n, const char *takes, int argc, char **argv)
{
    struct option lo[CLIOPT_MAX + 2];
    char shorts[CLIOPT_MAX + 2] = "h";
    const struct cliopt *arg = NULL;
    size_t nlo = 0, ns = 1, i;
    int c;

    assert(n <= CLIOPT_MAX);
    for (i = 0; i < n; i++) {
        assert(opts[i].letter != 'h');
        if (opts[i].kind == CLIOPT_KIND_ARG) {
            arg = &opts[i];
            continue;
        }
        lo[nlo++] = (struct option){ opts[i].name,
                                     opts[i].kind == CLIOPT_KIND_FLAG ? no_argument
                                                                      : required_argument,
                                     NULL, row_val(opts, i) };
        if (opts[i].letter != 0)
            shorts[ns++] = opts[i].letter;
    }
    shorts[ns] = '\0';
    lo[nlo] = (struct option){ "help", no_argument, NULL, 'h' };
    lo[nlo + 1] = (struct option){ NULL, 0, NULL, 0 };
    optind = 0;   /* glibc and musl: a fresh scan, whatever came before */
    for (;;) {
        c = getopt_long(argc, argv, shorts, lo, NULL);
        if (c == -1 && arg == NULL)
            return 0;
        if (c == -1) {
            *(const char **)arg->field = cli_one_arg(cmd, argc, argv, arg->name);
            return *(const char **)arg->field != NULL ? 0 : -1;
        }
        if (c == 'h') {
            usage(stdout);
            return 1;
        }
        for (i = 0; i < n && (opts[i].kind == CLIOPT_KIND_ARG || row_val(opts, i) != c); i++)
            continue;
        if (i == n) {   /* '?': getopt said what is wrong */
            usage(stderr);
            return -1;
        }
        if (!listed(takes, opts[i].name)) {
            cli_error(cmd, msg("%s nie przyjmuje --%s", "%s takes no --%s"), argv[0],
                      opts[i].name);
            return -1;
        }
        if (store(cmd, &opts[i], optarg) != 0)
            return -1;
    }
}

int cliopt_parse(const char *cmd, void (*usage)(FILE *out), const struct cliopt *opts,
                 size_t n, int argc, char **argv)
{
    return cliopt_parse_taking(cmd, usage, opts, n, NULL, argc, argv);
}

int cliopt_parse_no_args(const char *cmd, void (*usage)(FILE *out), const struct cliopt *opts,
                         size_t n, int argc, char **argv)
{
    int rc = cliopt_parse(cmd, usage, opts, n, argc, argv);

    return rc != 0 ? rc : cli_no_args(cmd, argc, argv);
}
