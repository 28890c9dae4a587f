/* empirie audit: proves that no hidden figure can be recovered from what a
 * role reads (audit_run.h), on the real data. */
#include "anon.h"
#include "audit_run.h"
#include "catalog.h"
#include "cli.h"
#include "err.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
    fputs("Usage: empirie audit --survey SLUG [--wave LABEL]\n"
          "                     [--role ministry | --role analyst --scope NETWORK]\n"
          "                     [--without-cross-table] [--db CONNINFO]\n"
          "\n"
          "The disclosure audit. Builds every figure the role can read of the survey (every\n"
          "group, without a breakdown and broken down by each attribute, as the stats, the\n"
          "API and the reports publish them), and decides by linear algebra, for every\n"
          "hidden figure, whether the figures shown determine its value. Prints each one\n"
          "that can be recovered (never its value) and exits 1, or prints \"no hidden\n"
          "figure can be recovered\" and exits 0. See docs/privacy.md.\n"
          "\n"
          "Options:\n"
          "  --survey SLUG          the survey (see 'empirie registry list')\n"
          "  --wave LABEL           one wave (default: every wave)\n"
          "  --role ROLE            ministry (default: every group; also what an admin\n"
          "                         reads) or analyst (one network and its member cities)\n"
          "  --scope NETWORK        the analyst's network\n"
          "  --without-cross-table  audit what the rules without complementary suppression\n"
          "                         across the table (before Empirie 0.2) would publish:\n"
          "                         shows that the audit finds such leaks; publishes nothing\n"
          "  --db CONNINFO          libpq connection string (default: $DATABASE_URL, the PG*\n"
          "                         variables, else the private cluster under var/)\n"
          "  -h, --help             show this help\n",
          out);
}

struct options {
    const char *db, *survey, *wave, *role, *scope;
    int legacy;
};

static int parse(int argc, char **argv, struct options *o)
{
    static const struct option opts[] = {
        { "db", required_argument, NULL, 'd' },    { "survey", required_argument, NULL, 's' },
        { "wave", required_argument, NULL, 'w' },  { "role", required_argument, NULL, 'r' },
        { "scope", required_argument, NULL, 'p' }, { "without-cross-table", no_argument, NULL, 'x' },
        { "help", no_argument, NULL, 'h' },        { NULL, 0, NULL, 0 },
    };
    int c;

    memset(o, 0, sizeof *o);
    o->role = "ministry";
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': o->db = optarg; break;
        case 's': o->survey = optarg; break;
        case 'w': o->wave = optarg; break;
        case 'r': o->role = optarg; break;
        case 'p': o->scope = optarg; break;
        case 'x': o->legacy = 1; break;
        case 'h': usage(stdout); return 1;
        default: usage(stderr); return -1;
        }
    }
    if (optind != argc) {
        cli_error("audit", "unexpected argument '%s'", argv[optind]);
        return -1;
    }
    if (o->survey == NULL) {
        cli_error("audit", "--survey is required (see --help)");
        return -1;
    }
    if (strcmp(o->role, "ministry") != 0 && strcmp(o->role, "admin") != 0 &&
        strcmp(o->role, "analyst") != 0) {
        cli_error("audit", "--role: expected ministry or analyst, got '%s'", o->role);
        return -1;
    }
    if ((strcmp(o->role, "analyst") == 0) != (o->scope != NULL)) {
        cli_error("audit", "--scope NETWORK goes with --role analyst, and only with it");
        return -1;
    }
    return 0;
}

int cmd_audit(int argc, char **argv)
{
    struct options o;
    struct audit_summary sum;
    struct catalog *cat = NULL;
    char err[ERR_MAX];
    int rc = CLI_FAIL;
    PGconn *conn;

    switch (parse(argc, argv, &o)) {
    case 1: return CLI_OK;
    case -1: return CLI_USAGE;
    }
    conn = cli_connect(o.db);
    if (conn == NULL)
        return CLI_FAIL;
    anon_cross_table = !o.legacy;
    if (catalog_load(conn, &cat, err, sizeof err) != 0 ||
        audit_survey(conn, cat, o.survey, o.wave, o.scope, stdout, &sum, err, sizeof err) != 0) {
        cli_error("audit", "%s", err);
        goto done;
    }
    printf("survey %s, role %s%s%s, %zu wave%s: %zu figures shown, %zu hidden (%zu below the "
           "threshold, %zu to protect another group)\n",
           o.survey, o.role, o.scope ? " of " : "", o.scope ? o.scope : "", sum.waves,
           sum.waves == 1 ? "" : "s", sum.shown, sum.hidden, sum.below, sum.protects);
    if (sum.recoverable == 0) {
        printf("no hidden figure can be recovered\n");
        rc = CLI_OK;
    } else {
        printf("%zu hidden figure%s can be recovered\n", sum.recoverable,
               sum.recoverable == 1 ? "" : "s");
    }
done:
    catalog_free(cat);
    PQfinish(conn);
    return rc;
}
