/* empirie token create|list|revoke: API tokens (engine/auth.h). */
#include "auth.h"
#include "cli.h"
#include "err.h"
#include "names.h"
#include "utf8.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fputs("Usage: empirie token create --role ROLE [--scope SCOPE] --label TEXT\n"
          "                            [--expires DATE] [--db CONNINFO]\n"
          "       empirie token list [--all] [--db CONNINFO]\n"
          "       empirie token revoke ID [--db CONNINFO]\n"
          "\n"
          "create  makes an API token and prints it once on stdout (its number on\n"
          "        stderr); only its SHA-256 hash is stored (table api_token), so it\n"
          "        cannot be shown again. Keep it secret.\n"
          "list    the live tokens, newest first: number, label, role, scope, day\n"
          "        created, day it expires, day last used (--all: revoked and expired too)\n"
          "revoke  refuses token ID from now on, on every route of a running daemon\n"
          "        (also a submission admitted from its token cache)\n"
          "\n"
          "Roles:\n"
          "  collector     submits responses for one city: --scope CITY (a city slug)\n"
          "  coordinator   one city's coordinator: submits for it, reads its figures,\n"
          "                reports and participation: --scope CITY\n"
          "  analyst       reads one network: --scope NETWORK (a network slug)\n"
          "  ministry      reads aggregates only (no scope)\n"
          "  admin         everything (no scope)\n"
          "\n"
          "Options:\n"
          "  --role ROLE       one of the roles above\n"
          "  --scope SCOPE     the city or network the token is limited to\n"
          "  --label TEXT      who or what the token is for (shown by list)\n"
          "  --expires DATE    YYYY-MM-DD, after today: the token is refused from the\n"
          "                    start of that day (the database server's time zone)\n"
          "  --all             list: also revoked and expired tokens\n"
          "  --db CONNINFO     libpq connection string or URI (default: $DATABASE_URL, the\n"
          "                    PG* variables, else the private cluster under var/)\n"
          "  -h, --help        show this help\n"
          "\n"
          "Exit status: 0 done, 1 failure (database, unknown or revoked token),\n"
          "2 usage error. Rotation step by step: docs/operations.md.\n",
          out);
}

static const struct option opts[] = {
    { "db", required_argument, NULL, 'd' },
    { "role", required_argument, NULL, 'r' },
    { "scope", required_argument, NULL, 's' },
    { "label", required_argument, NULL, 'l' },
    { "expires", required_argument, NULL, 'e' },
    { "all", no_argument, NULL, 'a' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
};

struct args {
    const char *db, *role, *scope, *label, *expires;
    int all;
};

/* Parses the options; allowed: which of "rslea" the subcommand takes.
 * Returns -1 after printing help (ok), CLI_USAGE on an error, else 0. */
static int parse(int argc, char **argv, const char *allowed, struct args *a)
{
    int c;

    memset(a, 0, sizeof *a);
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return -1;
        }
        if (c == '?') {
            usage(stderr);
            return CLI_USAGE;
        }
        if (c != 'd' && strchr(allowed, c) == NULL) {
            cli_error("token", "%s takes no --%s", argv[0],
                      c == 'r' ? "role" : c == 's' ? "scope" : c == 'l' ? "label"
                      : c == 'e' ? "expires" : "all");
            return CLI_USAGE;
        }
        switch (c) {
        case 'd': a->db = optarg; break;
        case 'r': a->role = optarg; break;
        case 's': a->scope = optarg; break;
        case 'l': a->label = optarg; break;
        case 'e': a->expires = optarg; break;
        case 'a': a->all = 1; break;
        default: break;
        }
    }
    return 0;
}

static int create(int argc, char **argv)
{
    struct auth_token_spec spec = { 0 };
    char token[AUTH_TOKEN_SIZE];
    char err[ERR_MAX], scope[NAMES_MAX];
    struct args a;
    long long id = 0;
    PGconn *conn;
    int rc, bad = 0;

    rc = parse(argc, argv, "rsle", &a);
    if (rc != 0)
        return rc < 0 ? CLI_OK : rc;
    if (optind != argc) {
        cli_error("token", "unexpected argument '%s'", argv[optind]);
        return CLI_USAGE;
    }
    if (a.role == NULL) {
        cli_error("token", "--role is required (collector, coordinator, analyst, ministry or "
                           "admin)");
        return CLI_USAGE;
    }
    if (auth_role_parse(a.role, &spec.role, err, sizeof err) != 0) {
        cli_error("token", "--role: %s", err);
        return CLI_USAGE;
    }
    if (a.label == NULL || a.label[0] == '\0') {
        cli_error("token", "--label is required: who or what the token is for, e.g. "
                           "--label \"Konin, HR office\"");
        return CLI_USAGE;
    }
    spec.scope = a.scope;
    spec.label = a.label;
    spec.expires = a.expires;
    conn = cli_connect(a.db);
    if (conn == NULL)
        return CLI_FAIL;
    /* a scope as a person types it: "Kędzierzyn-Koźle", "Kapitał Ludzki" */
    if (spec.scope != NULL && spec.role != AUTH_MINISTRY && spec.role != AUTH_ADMIN) {
        int r = names_resolve(conn, spec.role == AUTH_ANALYST ? NAMES_NETWORK : NAMES_CITY,
                              spec.scope, scope, sizeof scope, err, sizeof err);

        if (r != 0) {
            cli_error("token", "--scope: %s", err);
            PQfinish(conn);
            return r > 0 ? CLI_USAGE : CLI_FAIL;
        }
        spec.scope = scope;
    }
    if (auth_token_issue(conn, &spec, token, &id, &bad, err, sizeof err) != 0) {
        cli_error("token", "%s", err);
        PQfinish(conn);
        return bad ? CLI_USAGE : CLI_FAIL;
    }
    PQfinish(conn);
    printf("%s\n", token);
    fprintf(stderr, "empirie token: created token %lld (%s%s%s); revoke it with: empirie "
                    "token revoke %lld\n",
            id, auth_role_name(spec.role), spec.scope ? " " : "", spec.scope ? spec.scope : "",
            id);
    return CLI_OK;
}

static int list(int argc, char **argv)
{
    static const char *const head[] = { "id",      "label",   "role",      "scope",
                                        "created", "expires", "last used", "revoked" };
    size_t w[8];
    char err[ERR_MAX];
    struct args a;
    PGresult *res;
    PGconn *conn;
    int rc, cols;

    rc = parse(argc, argv, "a", &a);
    if (rc != 0)
        return rc < 0 ? CLI_OK : rc;
    if (optind != argc) {
        cli_error("token", "unexpected argument '%s'", argv[optind]);
        return CLI_USAGE;
    }
    conn = cli_connect(a.db);
    if (conn == NULL)
        return CLI_FAIL;
    if (auth_token_list(conn, a.all, &res, err, sizeof err) != 0) {
        cli_error("token", "%s", err);
        PQfinish(conn);
        return CLI_FAIL;
    }
    PQfinish(conn);
    cols = a.all ? 8 : 7;
    for (int j = 0; j < cols; j++) {
        w[j] = utf8_width(head[j]);
        for (int i = 0; i < PQntuples(res); i++) {
            size_t k = utf8_width(PQgetvalue(res, i, j));

            if (k > w[j])
                w[j] = k;
        }
    }
    for (int j = 0; j < cols; j++) {
        if (j > 0)
            fputs("  ", stdout);
        if (j == 0)
            utf8_lpad(stdout, head[j], w[j]);
        else
            utf8_pad(stdout, head[j], j == cols - 1 ? 0 : w[j]);
    }
    fputc('\n', stdout);
    for (int i = 0; i < PQntuples(res); i++) {
        for (int j = 0; j < cols; j++) {
            const char *v = PQgetvalue(res, i, j);

            if (j > 0)
                fputs("  ", stdout);
            if (j == 0)
                utf8_lpad(stdout, v, w[j]);
            else
                utf8_pad(stdout, v[0] != '\0' ? v : "-", j == cols - 1 ? 0 : w[j]);
        }
        fputc('\n', stdout);
    }
    if (PQntuples(res) == 0)
        fprintf(stderr, "empirie token: no %stokens\n", a.all ? "" : "live ");
    PQclear(res);
    return CLI_OK;
}

static int revoke(int argc, char **argv)
{
    char hash[AUTH_HASH_SIZE];
    char err[ERR_MAX];
    struct args a;
    long long id;
    char *end;
    PGconn *conn;
    int rc;

    rc = parse(argc, argv, "", &a);
    if (rc != 0)
        return rc < 0 ? CLI_OK : rc;
    if (optind != argc - 1) {
        cli_error("token", optind == argc ? "revoke needs the token's number (empirie token "
                                            "list)"
                                          : "revoke takes one token number");
        return CLI_USAGE;
    }
    errno = 0;
    id = strtoll(argv[optind], &end, 10);
    if (errno != 0 || end == argv[optind] || *end != '\0' || id < 1) {
        cli_error("token", "'%s': expected a token number, as shown by 'empirie token list'",
                  argv[optind]);
        return CLI_USAGE;
    }
    conn = cli_connect(a.db);
    if (conn == NULL)
        return CLI_FAIL;
    rc = auth_token_revoke(conn, id, hash, err, sizeof err);
    PQfinish(conn);
    if (rc <= 0) {
        cli_error("token", "%s", err);
        return CLI_FAIL;
    }
    printf("revoked token %lld\n", id);
    return CLI_OK;
}

int cmd_token(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int, char **);
    } subs[] = { { "create", create }, { "list", list }, { "revoke", revoke } };

    for (size_t i = 0; argc >= 2 && i < sizeof subs / sizeof subs[0]; i++)
        if (strcmp(argv[1], subs[i].name) == 0) {
            optind = 1;
            return subs[i].run(argc - 1, argv + 1);
        }
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        usage(stdout);
        return CLI_OK;
    }
    if (argc >= 2)
        cli_error("token", "unknown subcommand '%s' (create, list or revoke)", argv[1]);
    else
        cli_error("token", "missing subcommand (create, list or revoke)");
    usage(stderr);
    return CLI_USAGE;
}
