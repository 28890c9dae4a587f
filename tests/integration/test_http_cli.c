/* The daemon's commands on the command line: help, bad options. */
#include "testdb.h"

#include <criterion/criterion.h>
#include <string.h>

Test(http_cli, serve_and_token_have_help)
{
    static const char *const opts[] = { "--listen", "--db", "--body-limit", "--connections",
                                        "--threads", "--pool", "--writers", "--timeout", "--drain",
                                        "--retry-after" };
    char out[8192];

    cr_expect_eq(testdb_run(out, sizeof out, "serve --help"), 0, "%s", out);
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        cr_expect(strstr(out, opts[i]) != NULL, "serve --help lacks %s", opts[i]);
    cr_expect_eq(testdb_run(out, sizeof out, "token --help"), 0, "%s", out);
    cr_expect(strstr(out, "Użycie: empirie token create") != NULL, "%s", out);
    cr_expect(strstr(out, "--role") != NULL && strstr(out, "--scope") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "--help"), 0);
    cr_expect(strstr(out, "serve") != NULL && strstr(out, "token") != NULL, "%s", out);
}

Test(http_cli, serve_rejects_bad_options)
{
    char out[8192];

    cr_expect_eq(testdb_run(out, sizeof out, "serve --body-limit 0"), 2, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "serve --timeout abc"), 2, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "serve --writers 0"), 2, "%s", out);
    cr_expect(strstr(out, "--writers '0': oczekiwano liczby od 1 do 1000") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "--lang en serve --writers 0"), 2, "%s", out);
    cr_expect(strstr(out, "--writers '0': expected a number from 1 to 1000") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "serve --listen nocolon"), 1, "%s", out);
    cr_expect(strstr(out, "expected ADDRESS:PORT") != NULL, "%s", out);
    cr_expect_eq(testdb_run(out, sizeof out, "token frobnicate"), 2, "%s", out);
}
