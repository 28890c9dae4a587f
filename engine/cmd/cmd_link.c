/* empirie link create|list|close: links to the respondent's form and their
 * single-use codes (engine/formlink.h, docs/form.md). */
#include "cli.h"
#include "cliopt.h"
#include "db.h"
#include "err.h"
#include "formlink.h"
#include "msg.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fputs(msg("Użycie: empirie link create --survey S --wave W --city C [--label TEKST]\n"
              "                           [--opens DATA] [--closes DATA] [--codes N]\n"
              "                           [--base-url URL] [--db CONNINFO]\n"
              "       empirie link list [--db CONNINFO]\n"
              "       empirie link close ID [--db CONNINFO]\n"
              "\n"
              "Link to adres formularza respondenta, /s/KLUCZ, dla jednego badania, fali i\n"
              "miasta (docs/form.md). Klucz jest losowy (192 bity) i wypisywany raz: w bazie\n"
              "jest tylko jego SHA-256, więc nie da się go pokazać ponownie. Link otwiera się\n"
              "w dniu opens_on fali i zamyka po jej closes_on, chyba że --opens / --closes\n"
              "mówią inaczej.\n"
              "\n"
              "create  wypisuje numer linku i jego URL; z --codes N po nim N jednorazowych\n"
              "        kodów dostępu, po jednym w wierszu, wypisanych raz (rozdaj je na papierze\n"
              "        albo korespondencją seryjną: URL?code=KOD wpisuje kod). Nic w bazie nie\n"
              "        mówi, który kod dał którą odpowiedź (docs/privacy.md, \"Form codes\").\n"
              "        Wiersze \"link ID\" i \"codes N\" są stałe (dla skryptów).\n"
              "list    każdy link: id, etykieta, badanie, fala, miasto, utworzony, otwarcie,\n"
              "        zamknięcie, stan, kody użyte z utworzonych, odpowiedzi przez niego\n"
              "        (kolumny rozdzielone tabulatorem, z nagłówkami po angielsku)\n"
              "close   zamyka link ID na stałe: jego formularz odpowiada odtąd 410\n"
              "\n"
              "Opcje:\n"
              "  --survey S       slug badania\n"
              "  --wave W         etykieta fali tego badania\n"
              "  --city C         slug miasta z rejestru\n"
              "  --label TEKST    notatka dla koordynatora (np. \"Wydział Finansów, papier\")\n"
              "  --opens DATA     RRRR-MM-DD, zamiast opens_on fali\n"
              "  --closes DATA    RRRR-MM-DD, zamiast closes_on fali\n"
              "  --codes N        N jednorazowych kodów dostępu (od 1 do 20000)\n"
              "  --base-url URL   wypisywany przed /s/KLUCZ (domyślnie $EMPIRIE_PUBLIC_URL,\n"
              "                   inaczej nic)\n",
              "Usage: empirie link create --survey S --wave W --city C [--label TEXT]\n"
              "                           [--opens DATE] [--closes DATE] [--codes N]\n"
              "                           [--base-url URL] [--db CONNINFO]\n"
              "       empirie link list [--db CONNINFO]\n"
              "       empirie link close ID [--db CONNINFO]\n"
              "\n"
              "A link is the address of the respondent's form, /s/KEY, for one survey, wave and\n"
              "city (docs/form.md). The key is random (192 bits) and printed once: only its\n"
              "SHA-256 is stored, so it cannot be shown again. The link opens on the wave's\n"
              "opens_on and closes after its closes_on unless --opens / --closes say otherwise.\n"
              "\n"
              "create  prints the link's id and its URL; with --codes N, N single-use access\n"
              "        codes after it, one per line, printed once (hand them out on paper or by\n"
              "        mail merge: URL?code=CODE fills the code in). Nothing stored tells which\n"
              "        code went with which response (docs/privacy.md, \"Form codes\").\n"
              "        The lines \"link ID\" and \"codes N\" do not change (for scripts).\n"
              "list    every link: id, label, survey, wave, city, created, opens, closes, state,\n"
              "        codes used of codes made, responses received through it (columns\n"
              "        separated by tabs, headed in English)\n"
              "close   closes the link ID for good: its form answers 410 from then on\n"
              "\n"
              "Options:\n"
              "  --survey S       survey slug\n"
              "  --wave W         wave label of that survey\n"
              "  --city C         city slug of the registry\n"
              "  --label TEXT     a note for the coordinator (e.g. \"Wydział Finansów, papier\")\n"
              "  --opens DATE     YYYY-MM-DD, instead of the wave's opens_on\n"
              "  --closes DATE    YYYY-MM-DD, instead of the wave's closes_on\n"
              "  --codes N        N single-use access codes (1 to 20000)\n"
              "  --base-url URL   printed before /s/KEY (default $EMPIRIE_PUBLIC_URL, else\n"
              "                   none)\n"),
          out);
    cli_help_db(out, 16);
}

static int is_date(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

static int create(int argc, char **argv)
{
    struct formlink_new nl = { 0 };
    const char *db = NULL, *base = getenv("EMPIRIE_PUBLIC_URL");
    char key[FORMLINK_KEY_SIZE], err[ERR_MAX];
    char *codes = NULL;
    PGconn *conn;
    int id;
    const struct cliopt opts[] = {
        CLIOPT_STR("db", &db),
        CLIOPT_STR("survey", &nl.survey),
        CLIOPT_STR("wave", &nl.wave),
        CLIOPT_STR("city", &nl.city),
        CLIOPT_STR("label", &nl.label),
        CLIOPT_STR("opens", &nl.opens_on),
        CLIOPT_STR("closes", &nl.closes_on),
        CLIOPT_SIZE("codes", &nl.ncodes, FORMLINK_MAX_CODES),
        CLIOPT_STR("base-url", &base),
    };
    int rc = cliopt_parse_no_args("link", usage, opts, CLIOPT_N(opts), argc, argv);

    if (rc != 0)
        return cli_parse_exit(rc);
    if (nl.survey == NULL || nl.wave == NULL || nl.city == NULL) {
        cli_error("link", msg("--survey, --wave i --city są wymagane",
                              "--survey, --wave and --city are required"));
        return CLI_USAGE;
    }
    if ((nl.opens_on != NULL && !is_date(nl.opens_on)) ||
        (nl.closes_on != NULL && !is_date(nl.closes_on))) {
        cli_error("link", msg("--opens / --closes: oczekiwano daty RRRR-MM-DD, podano '%s'",
                              "--opens / --closes: expected a date YYYY-MM-DD, got '%s'"),
                  nl.opens_on != NULL && !is_date(nl.opens_on) ? nl.opens_on : nl.closes_on);
        return CLI_USAGE;
    }
    if (nl.ncodes > 0)
        codes = malloc(nl.ncodes * FORMLINK_CODE_SIZE);
    if (nl.ncodes > 0 && codes == NULL) {
        cli_error("link", msg("brak pamięci", "out of memory"));
        return CLI_FAIL;
    }
    conn = cli_connect(db);
    if (conn == NULL) {
        free(codes);
        return CLI_FAIL;
    }
    if (formlink_create(conn, &nl, &id, key, codes, err, sizeof err) != 0) {
        cli_error("link", "%s", err);
        PQfinish(conn);
        free(codes);
        return CLI_FAIL;
    }
    PQfinish(conn);
    printf("link %d\n%s/s/%s\n", id, base != NULL ? base : "", key);
    if (nl.ncodes > 0) {
        printf("codes %zu\n", nl.ncodes);
        for (size_t i = 0; i < nl.ncodes; i++)
            printf("%s\n", codes + i * FORMLINK_CODE_SIZE);
    }
    free(codes);
    return CLI_OK;
}

static int list(int argc, char **argv)
{
    char err[ERR_MAX];
    PGconn *conn;
    PGresult *res;
    int rc = cli_start_db_only("link", argc, argv, usage, &conn);

    if (conn == NULL)
        return rc;
    if (db_exec(conn,
                "SELECT l.id, coalesce(l.label, ''), l.survey, l.wave, l.city, l.created_on,"
                " coalesce(l.opens_on, w.opens_on), coalesce(l.closes_on, w.closes_on),"
                " CASE WHEN l.closed THEN 'closed'"
                "  WHEN current_date < coalesce(l.opens_on, w.opens_on) THEN 'not-yet-open'"
                "  WHEN current_date > coalesce(l.closes_on, w.closes_on) THEN 'ended'"
                "  ELSE 'open' END,"
                " CASE WHEN l.with_codes THEN cardinality(s.used) || '/' ||"
                "  (cardinality(s.used) + cardinality(s.unused)) ELSE '-' END, l.received"
                " FROM form_link l JOIN wave w ON w.survey = l.survey AND w.label = l.wave"
                " LEFT JOIN form_code_set s ON s.link = l.id ORDER BY l.id",
                0, NULL, &res, NULL, err, sizeof err) != 0) {
        cli_error("link", "%s", err);
        PQfinish(conn);
        return CLI_FAIL;
    }
    printf("id\tlabel\tsurvey\twave\tcity\tcreated\topens\tcloses\tstate\tcodes_used\t"
           "responses\n");
    for (int r = 0; r < PQntuples(res); r++)
        for (int f = 0; f < PQnfields(res); f++)
            printf("%s%c", PQgetvalue(res, r, f), f + 1 < PQnfields(res) ? '\t' : '\n');
    PQclear(res);
    PQfinish(conn);
    return CLI_OK;
}

static int close_link(int argc, char **argv)
{
    const char *db = NULL, *arg;
    char err[ERR_MAX];
    PGconn *conn;
    unsigned long long id;
    const struct cliopt opts[] = {
        CLIOPT_STR("db", &db),
        CLIOPT_ARG(&arg, msg("close: oczekiwano jednego numeru linku (zob. 'empirie link list')",
                             "close: expected one link id (see 'empirie link list')")),
    };
    int rc = cliopt_parse("link", usage, opts, CLIOPT_N(opts), argc, argv);

    if (rc == 0 && cliopt_number("link", arg, INT_MAX, &id,
                                 msg("close: oczekiwano numeru linku (liczby dodatniej), podano "
                                     "'%s'",
                                     "close: expected a link id (a positive number), got '%s'"),
                                 arg) != 0)
        rc = -1;
    rc = cli_start(rc, db, &conn);
    if (conn == NULL)
        return rc;
    if (formlink_close(conn, (int)id, err, sizeof err) != 0) {
        cli_error("link", "%s", err);
        PQfinish(conn);
        return CLI_FAIL;
    }
    PQfinish(conn);
    printf(msg("link %llu zamknięty\n", "link %llu closed\n"), id);
    return CLI_OK;
}

const struct cli_actions cmd_link = {
    "link", usage, { { "create", create }, { "list", list }, { "close", close_link } },
};
