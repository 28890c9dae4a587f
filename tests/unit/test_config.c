#include "config.h"
#include "err.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Each Criterion test runs in its own process, so changing the environment
 * here does not leak into other tests. */
static void clear_env(void)
{
    unsetenv("DATABASE_URL");
    unsetenv("PGHOST");
    unsetenv("PGHOSTADDR");
    unsetenv("PGDATABASE");
    unsetenv("PGSERVICE");
    unsetenv("EMPIRIE_PG_DIR");
}

Test(config, flag_wins_over_everything)
{
    char out[256], err[ERR_MAX];

    clear_env();
    setenv("DATABASE_URL", "dbname=fromenv", 1);
    cr_assert(config_conninfo("dbname=fromflag", out, sizeof out, err, sizeof err) == 0);
    cr_expect_str_eq(out, "dbname=fromflag");
}

Test(config, database_url_then_pg_variables)
{
    char out[256], err[ERR_MAX];

    clear_env();
    setenv("DATABASE_URL", "postgresql:///x", 1);
    setenv("PGHOST", "/tmp", 1);
    cr_assert(config_conninfo(NULL, out, sizeof out, err, sizeof err) == 0);
    cr_expect_str_eq(out, "postgresql:///x");
    unsetenv("DATABASE_URL");
    cr_assert(config_conninfo(NULL, out, sizeof out, err, sizeof err) == 0);
    cr_expect_str_eq(out, "", "PG* set: libpq's own defaults");
}

Test(config, private_cluster_conninfo_file)
{
    char dir[] = "/tmp/empirie-config-XXXXXX";
    char path[512], out[256], err[ERR_MAX];
    FILE *f;

    clear_env();
    cr_assert(mkdtemp(dir) != NULL);
    setenv("EMPIRIE_PG_DIR", dir, 1);
    cr_expect(config_conninfo(NULL, out, sizeof out, err, sizeof err) == -1);
    cr_expect(strstr(err, "scripts/pg-local start") != NULL, "%s", err);
    snprintf(path, sizeof path, "%s/conninfo", dir);
    f = fopen(path, "w");
    cr_assert(f != NULL);
    fputs("host=/x/run port=5432 dbname=empirie\n", f);
    fclose(f);
    cr_assert(config_conninfo(NULL, out, sizeof out, err, sizeof err) == 0);
    cr_expect_str_eq(out, "host=/x/run port=5432 dbname=empirie");
    unlink(path);
    rmdir(dir);
}
