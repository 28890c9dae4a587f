/* empirie audit: proves that no hidden figure can be recovered from what a
 * role reads (audit_run.h), on the real data. */
#include "anon.h"
#include "audit_run.h"
#include "catalog.h"
#include "cli.h"
#include "cliopt.h"
#include "err.h"
#include "msg.h"
#include "regsnap.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
    if (msg_english())
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
              "                         shows that the audit finds such leaks; publishes nothing\n",
              out);
    else
        fputs("Użycie: empirie audit --survey SLUG [--wave FALA]\n"
              "                      [--role ministry | --role analyst --scope SIEĆ]\n"
              "                      [--without-cross-table] [--db CONNINFO]\n"
              "\n"
              "Audyt ujawnienia. Buduje każdą liczbę badania, którą rola może odczytać (każda\n"
              "grupa, w całości i w podziale według każdego atrybutu, tak jak publikują je\n"
              "stats, API i raporty), i rozstrzyga algebrą liniową, dla każdej ukrytej liczby,\n"
              "czy pokazane liczby wyznaczają jej wartość. Wypisuje każdą, którą da się\n"
              "odtworzyć (nigdy jej wartości), i kończy się kodem 1, albo wypisuje \"żadnej\n"
              "ukrytej liczby nie da się odtworzyć\" i kończy się kodem 0. Zob. docs/privacy.md.\n"
              "\n"
              "Opcje:\n"
              "  --survey SLUG          badanie (zob. 'empirie registry list')\n"
              "  --wave FALA            jedna fala (domyślnie: każda)\n"
              "  --role ROLA            ministry (domyślnie: każda grupa; to samo czyta admin)\n"
              "                         albo analyst (jedna sieć i jej miasta członkowskie)\n"
              "  --scope SIEĆ           sieć analityka\n"
              "  --without-cross-table  audytuje to, co opublikowałyby reguły bez ukrywania\n"
              "                         uzupełniającego w całej tabeli (sprzed Empirie 0.2):\n"
              "                         pokazuje, że audyt znajduje takie wycieki; nic nie publikuje\n",
              out);
    cli_help_db(out, 22);
}

struct options {
    const char *db, *survey, *wave, *role, *scope;
    int legacy;
};

/* What the options must say together; -1 after saying why. */
static int check(const struct options *o)
{
    if (cli_required("audit", "--survey", o->survey) != 0)
        return -1;
    if (strcmp(o->role, "ministry") != 0 && strcmp(o->role, "admin") != 0 &&
        strcmp(o->role, "analyst") != 0) {
        cli_error("audit", msg("--role: oczekiwano ministry lub analyst, podano '%s'",
                               "--role: expected ministry or analyst, got '%s'"),
                  o->role);
        return -1;
    }
    if ((strcmp(o->role, "analyst") == 0) != (o->scope != NULL)) {
        cli_error("audit", msg("--scope SIEĆ idzie w parze z --role analyst i tylko z nią",
                               "--scope NETWORK goes with --role analyst, and only with it"));
        return -1;
    }
    return 0;
}

static int parse(int argc, char **argv, struct options *o)
{
    const struct cliopt opts[] = {
        CLIOPT_STR("db", &o->db),       CLIOPT_STR("survey", &o->survey),
        CLIOPT_STR("wave", &o->wave),   CLIOPT_STR("role", &o->role),
        CLIOPT_STR("scope", &o->scope), CLIOPT_FLAG("without-cross-table", &o->legacy),
    };
    int rc;

    *o = (struct options){ .role = "ministry" };
    rc = cliopt_parse_no_args("audit", usage, opts, CLIOPT_N(opts), argc, argv);
    return rc != 0 ? rc : check(o);
}

int cmd_audit(int argc, char **argv)
{
    struct options o;
    struct audit_summary sum;
    struct catalog *cat = NULL;
    struct regsnap *reg = NULL;
    char err[ERR_MAX];
    PGconn *conn;
    int rc = parse(argc, argv, &o);

    rc = cli_start(rc, o.db, &conn);
    if (conn == NULL)
        return rc;
    rc = CLI_FAIL;
    anon_cross_table = !o.legacy;
    /* one registry snapshot: the catalog's cities, every source's networks */
    if (regsnap_load(conn, &reg, err, sizeof err) != 0 ||
        catalog_load_from(conn, reg, &cat, err, sizeof err) != 0 ||
        audit_survey(conn, cat, reg, o.survey, o.wave, o.scope, stdout, &sum, err,
                     sizeof err) != 0) {
        cli_error("audit", "%s", err);
        goto done;
    }
    if (msg_english())
        printf("survey %s, role %s%s%s, %zu wave%s: %zu figures shown, %zu hidden (%zu below "
               "the threshold, %zu to protect another group)\n",
               o.survey, o.role, o.scope ? " of " : "", o.scope ? o.scope : "", sum.waves,
               sum.waves == 1 ? "" : "s", sum.shown, sum.hidden, sum.below, sum.protects);
    else
        printf("badanie %s, rola %s%s%s, fale: %zu; liczby pokazane: %zu, ukryte: %zu (poniżej "
               "progu: %zu, by chronić inną grupę: %zu)\n",
               o.survey, o.role, o.scope ? " sieci " : "", o.scope ? o.scope : "", sum.waves,
               sum.shown, sum.hidden, sum.below, sum.protects);
    if (sum.recoverable == 0) {
        puts(msg("żadnej ukrytej liczby nie da się odtworzyć", "no hidden figure can be recovered"));
        rc = CLI_OK;
    } else {
        printf(msg("ukryte liczby, które da się odtworzyć: %zu\n",
                   "%zu hidden figure(s) can be recovered\n"),
               sum.recoverable);
    }
done:
    catalog_free(cat);
    regsnap_free(reg);
    PQfinish(conn);
    return rc;
}
