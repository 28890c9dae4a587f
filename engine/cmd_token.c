/* empirie token create: issues an API token (engine/auth.h). */
#include "auth.h"
#include "cli.h"
#include "err.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
    fputs("Usage: empirie token create --role ROLE [--scope SCOPE] [--db CONNINFO]\n"
          "\n"
          "Creates an API token and prints it once on stdout; only its SHA-256 hash is\n"
          "stored (table api_token), so it cannot be shown again. Keep it secret.\n"
          "\n"
          "Roles:\n"
          "  collector   submits responses for one city: --scope CITY (a city slug)\n"
          "  analyst     reads one network: --scope NETWORK (a network slug)\n"
          "  ministry    reads aggregates only (no scope)\n"
          "  admin       everything (no scope)\n"
          "\n"
          "Options:\n"
          "  --role ROLE       one of the roles above\n"
          "  --scope SCOPE     the city or network the token is limited to\n"
          "  --db CONNINFO     libpq connection string or URI (default: $DATABASE_URL, the\n"
          "                    PG* variables, else the private cluster under var/)\n"
          "  -h, --help        show this help\n"
          "\n"
          "To revoke a token, delete its row from api_token (docs/operations.md).\n",
          out);
}

static int create(int argc, char **argv)
{
    static const struct option opts[] = {
        { "db", required_argument, NULL, 'd' },
        { "role", required_argument, NULL, 'r' },
        { "scope", required_argument, NULL, 's' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *db = NULL, *role_name = NULL, *scope = NULL;
    char token[AUTH_TOKEN_SIZE];
    char err[ERR_MAX];
    enum auth_role role;
    PGconn *conn;
    int c;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'r': role_name = optarg; break;
        case 's': scope = optarg; break;
        case 'h': usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    if (optind != argc) {
        cli_error("token", "unexpected argument '%s'", argv[optind]);
        return CLI_USAGE;
    }
    if (role_name == NULL) {
        cli_error("token", "--role is required (collector, analyst, ministry or admin)");
        return CLI_USAGE;
    }
    if (auth_role_parse(role_name, &role, err, sizeof err) != 0) {
        cli_error("token", "%s", err);
        return CLI_USAGE;
    }
    conn = cli_connect(db);
    if (conn == NULL)
        return CLI_FAIL;
    if (auth_token_create(conn, role, scope, token, err, sizeof err) != 0) {
        cli_error("token", "%s", err);
        PQfinish(conn);
        return CLI_FAIL;
    }
    PQfinish(conn);
    printf("%s\n", token);
    return CLI_OK;
}

int cmd_token(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "create") == 0) {
        optind = 1;
        return create(argc - 1, argv + 1);
    }
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        usage(stdout);
        return CLI_OK;
    }
    if (argc >= 2)
        cli_error("token", "unknown subcommand '%s' (create)", argv[1]);
    else
        cli_error("token", "missing subcommand (create)");
    usage(stderr);
    return CLI_USAGE;
}
