#include "cli.h"

#include "config.h"
#include "db.h"
#include "err.h"

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
