/* empirie migrate: applies pending schema migrations. */
#include "cli.h"
#include "err.h"
#include "migrate.h"
#include "msg.h"

#include <stdio.h>

static void usage(FILE *out)
{
    fputs(msg("Użycie: empirie migrate [--db CONNINFO]\n"
              "\n"
              "Stosuje wbudowane w ten program migracje schematu (queries/migrations/),\n"
              "których baza danych jeszcze nie widziała, po kolei, każdą w osobnej\n"
              "transakcji. Ponowne uruchomienie, gdy nic nie czeka, niczego nie zmienia.\n"
              "\n"
              "Opcje:\n",
              "Usage: empirie migrate [--db CONNINFO]\n"
              "\n"
              "Applies the schema migrations built into this binary (queries/migrations/)\n"
              "that the database has not seen yet, in order, each in its own transaction.\n"
              "Running it again when nothing is pending changes nothing.\n"
              "\n"
              "Options:\n"),
          out);
    cli_help_db(out, 15);
}

int cmd_migrate(int argc, char **argv)
{
    char err[ERR_MAX];
    PGconn *conn;
    int applied = 0;
    int rc = cli_start_db_only("migrate", argc, argv, usage, &conn);

    if (conn == NULL)
        return rc;
    if (migrate_run(conn, &applied, err, sizeof err) != 0) {
        cli_error("migrate", "%s", err);
        PQfinish(conn);
        return CLI_FAIL;
    }
    PQfinish(conn);
    if (msg_english())
        printf("migrate: %d migration%s applied\n", applied, applied == 1 ? "" : "s");
    else
        printf("migrate: zastosowano %d %s\n", applied,
               msg_pl_plural(applied, "migrację", "migracje", "migracji"));
    return CLI_OK;
}
