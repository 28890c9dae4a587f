/* empirie migrate: applies pending schema migrations. */
#include "cli.h"
#include "err.h"
#include "migrate.h"

#include <getopt.h>
#include <stdio.h>

static void usage(FILE *out)
{
    fputs("Usage: empirie migrate [--db CONNINFO]\n"
          "\n"
          "Applies the schema migrations built into this binary (queries/migrations/)\n"
          "that the database has not seen yet, in order, each in its own transaction.\n"
          "Running it again when nothing is pending changes nothing.\n"
          "\n"
          "Options:\n"
          "  --db CONNINFO   libpq connection string or URI (default: $DATABASE_URL, the\n"
          "                  PG* variables, else the private cluster under var/)\n"
          "  -h, --help      show this help\n",
          out);
}

int cmd_migrate(int argc, char **argv)
{
    static const struct option opts[] = {
        { "db", required_argument, NULL, 'd' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *db = NULL;
    char err[ERR_MAX];
    PGconn *conn;
    int applied = 0;
    int c;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'h':
            usage(stdout);
            return CLI_OK;
        default:
            usage(stderr);
            return CLI_USAGE;
        }
    }
    if (optind != argc) {
        cli_error("migrate", "unexpected argument '%s'", argv[optind]);
        return CLI_USAGE;
    }
    conn = cli_connect(db);
    if (conn == NULL)
        return CLI_FAIL;
    if (migrate_run(conn, &applied, err, sizeof err) != 0) {
        cli_error("migrate", "%s", err);
        PQfinish(conn);
        return CLI_FAIL;
    }
    PQfinish(conn);
    printf("migrate: %d migration%s applied\n", applied, applied == 1 ? "" : "s");
    return CLI_OK;
}
