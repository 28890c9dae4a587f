#include "cli.h"

#include "config.h"
#include "db.h"
#include "err.h"
#include "names.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "empirie %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
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

int cli_interactive(void)
{
    return isatty(STDERR_FILENO);
}

int cli_resolve_names(PGconn *conn, const char *cmd, struct names_args *names,
                      const char **survey, const char **wave, const char **city,
                      const char **network)
{
    char err[ERR_MAX];

    *names = (struct names_args){ .survey = *survey, .wave = *wave, .city = *city,
                                  .network = *network };
    switch (names_args_resolve(conn, names, err, sizeof err)) {
    case 0:
        *survey = names->survey;
        *wave = names->wave;
        *city = names->city;
        *network = names->network;
        return CLI_OK;
    case 1:
        cli_error(cmd, "%s", err);
        return CLI_USAGE;
    default:
        cli_error(cmd, "%s", err);
        return CLI_FAIL;
    }
}
