/* The binary's command line: help for every command, errors for bad use. */
#include "queries.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Test(cli, help_lists_commands)
{
    char out[8192];

    cr_expect_eq(testdb_run(out, sizeof out, "--help"), 0);
    cr_expect(strstr(out, "migrate") != NULL, "%s", out);
    cr_expect(strstr(out, "registry") != NULL, "%s", out);
    cr_expect(strstr(out, "report") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "no-such-command"), 2);
    cr_expect(strstr(out, "nieznane polecenie 'no-such-command'") != NULL, "%s", out);
    /* Polish by default, English with --lang en or EMPIRIE_LANG=en (engine/base/msg.h) */
    cr_expect(strstr(out, "unknown command") == NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "--lang en no-such-command"), 2);
    cr_expect(strstr(out, "unknown command 'no-such-command'") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "--help"), 0);
    cr_expect(strstr(out, "Polecenia:") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "--lang de --help"), 2);
    cr_expect(strstr(out, "--lang: oczekiwano pl lub en, podano 'de'") != NULL, "%s", out);
}

Test(cli, every_command_has_help)
{
    static const char *const cmds[] = { "migrate", "registry", "serve", "import",
                                        "stats", "report", "token create" };
    char out[8192];

    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        cr_expect_eq(testdb_run(out, sizeof out, "%s --help", cmds[i]), 0, "%s", cmds[i]);
        cr_expect(strstr(out, "Użycie: empirie") != NULL, "%s: %s", cmds[i], out);
        cr_expect(strstr(out, "  --db CONNINFO") != NULL && strstr(out, "ta pomoc") != NULL,
                  "%s: %s", cmds[i], out);
        cr_expect(strstr(out, "Usage") == NULL && strstr(out, "Options") == NULL, "%s: %s",
                  cmds[i], out);
        cr_expect_eq(testdb_run(out, sizeof out, "--lang en %s --help", cmds[i]), 0, "%s", cmds[i]);
        cr_expect(strstr(out, "Usage: empirie") != NULL && strstr(out, "show this help") != NULL,
                  "%s: %s", cmds[i], out);
    }
    /* the command's own --lang and EMPIRIE_LANG choose the help's language too */
    cr_expect_eq(testdb_run(out, sizeof out, "stats --lang en --help"), 0);
    cr_expect(strstr(out, "Usage: empirie stats") != NULL, "%s", out);
    setenv("EMPIRIE_LANG", "en", 1);
    cr_expect_eq(testdb_run(out, sizeof out, "import --help"), 0);
    unsetenv("EMPIRIE_LANG");
    cr_expect(strstr(out, "Usage: empirie import") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "link frobnicate"), 2);
    cr_expect(strstr(out, "empirie link: nieznana czynność 'frobnicate' (create, list lub close)")
                  != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "--lang en token"), 2);
    cr_expect(strstr(out, "empirie token: missing subcommand (create, list or revoke)") != NULL,
              "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "migrate --bogus"), 2);
}

Test(cli, migrate_and_load_through_the_binary)
{
    struct testdb db;
    char out[16384];

    testdb_create(&db, 0);
    cr_expect_eq(testdb_run(out, sizeof out, "migrate --db \"%s\"", db.conninfo), 0, "%s", out);
    {
        char want[64];
        size_t n = 0;

        for (size_t i = 0; i < queries_nfiles; i++)
            n += strncmp(queries_files[i].name, "migrations/", 11) == 0;
        snprintf(want, sizeof want, "%zu migracj", n);
        cr_expect(strstr(out, "migrate: zastosowano ") != NULL && strstr(out, want) != NULL,
                  "%s", out);
    }
    cr_expect_eq(testdb_run(out, sizeof out, "migrate --db \"%s\"", db.conninfo), 0, "%s", out);
    cr_expect(strstr(out, "migrate: zastosowano 0 migracji") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "--lang en migrate --db \"%s\"", db.conninfo), 0,
                 "%s", out);
    cr_expect(strstr(out, "migrate: 0 migrations applied") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "registry load --db \"%s\"", db.conninfo), 0,
                 "%s", out);
    cr_expect(strstr(out, "Kędzierzyn-Koźle") != NULL, "%s", out);
    cr_expect(strstr(out, "Sieć Liderów") != NULL, "%s", out);
    testdb_drop(&db);
}

Test(cli, unreachable_database_is_a_clear_error)
{
    char out[8192];

    cr_expect_eq(testdb_run(out, sizeof out, "migrate --db 'host=/nonexistent-dir dbname=x'"), 1);
    cr_expect(strstr(out, "database:") != NULL, "%s", out);
}
