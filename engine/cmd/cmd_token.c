/* empirie token create|list|revoke: API tokens (engine/auth.h). */
#include "auth.h"
#include "cli.h"
#include "cliopt.h"
#include "err.h"
#include "msg.h"
#include "names.h"
#include "utf8.h"

#include <getopt.h>   /* optind */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fputs(msg("Użycie: empirie token create --role ROLA [--scope ZAKRES] --label TEKST\n"
              "                            [--expires DATA] [--db CONNINFO]\n"
              "       empirie token list [--all] [--db CONNINFO]\n"
              "       empirie token revoke ID [--db CONNINFO]\n"
              "\n"
              "create  tworzy token API i wypisuje go raz na stdout (jego numer na stderr);\n"
              "        w bazie jest tylko jego skrót SHA-256 (tabela api_token), więc nie da\n"
              "        się go pokazać ponownie. Trzymaj go w tajemnicy.\n"
              "list    ważne tokeny, od najnowszego: numer, etykieta, rola, zakres, dzień\n"
              "        utworzenia, dzień wygaśnięcia, dzień ostatniego użycia (--all: także\n"
              "        unieważnione i wygasłe)\n"
              "revoke  odrzuca odtąd token ID, na każdej ścieżce działającego demona (także\n"
              "        zgłoszenie przyjęte z pamięci podręcznej tokenów)\n"
              "\n"
              "Role:\n"
              "  collector     przesyła odpowiedzi jednego miasta: --scope MIASTO (slug miasta)\n"
              "  coordinator   koordynator jednego miasta: przesyła odpowiedzi, czyta jego\n"
              "                wyniki, raporty i frekwencję: --scope MIASTO\n"
              "  analyst       czyta jedną sieć: --scope SIEĆ (slug sieci)\n"
              "  ministry      czyta tylko zagregowane wyniki (bez zakresu)\n"
              "  admin         wszystko (bez zakresu)\n"
              "\n"
              "Opcje:\n"
              "  --role ROLA       jedna z powyższych ról\n"
              "  --scope ZAKRES    miasto lub sieć, do której token jest ograniczony\n"
              "  --label TEKST     dla kogo lub do czego jest token (pokazuje to list)\n"
              "  --expires DATA    RRRR-MM-DD, po dzisiejszym: token jest odrzucany od\n"
              "                    początku tego dnia (w strefie czasowej serwera bazy)\n"
              "  --all             list: także unieważnione i wygasłe tokeny\n",
              "Usage: empirie token create --role ROLE [--scope SCOPE] --label TEXT\n"
              "                            [--expires DATE] [--db CONNINFO]\n"
              "       empirie token list [--all] [--db CONNINFO]\n"
              "       empirie token revoke ID [--db CONNINFO]\n"
              "\n"
              "create  makes an API token and prints it once on stdout (its number on\n"
              "        stderr); only its SHA-256 hash is stored (table api_token), so it\n"
              "        cannot be shown again. Keep it secret.\n"
              "list    the live tokens, newest first: number, label, role, scope, day\n"
              "        created, day it expires, day last used (--all: revoked and expired too)\n"
              "revoke  refuses token ID from now on, on every route of a running daemon\n"
              "        (also a submission admitted from its token cache)\n"
              "\n"
              "Roles:\n"
              "  collector     submits responses for one city: --scope CITY (a city slug)\n"
              "  coordinator   one city's coordinator: submits for it, reads its figures,\n"
              "                reports and participation: --scope CITY\n"
              "  analyst       reads one network: --scope NETWORK (a network slug)\n"
              "  ministry      reads aggregates only (no scope)\n"
              "  admin         everything (no scope)\n"
              "\n"
              "Options:\n"
              "  --role ROLE       one of the roles above\n"
              "  --scope SCOPE     the city or network the token is limited to\n"
              "  --label TEXT      who or what the token is for (shown by list)\n"
              "  --expires DATE    YYYY-MM-DD, after today: the token is refused from the\n"
              "                    start of that day (the database server's time zone)\n"
              "  --all             list: also revoked and expired tokens\n"),
          out);
    cli_help_db(out, 17);
    fputs(msg("\n"
              "Kod wyjścia: 0 gotowe, 1 niepowodzenie (baza danych, nieznany lub unieważniony\n"
              "token), 2 błąd użycia. Wymiana tokenów krok po kroku: docs/operations.md.\n",
              "\n"
              "Exit status: 0 done, 1 failure (database, unknown or revoked token),\n"
              "2 usage error. Rotation step by step: docs/operations.md.\n"),
          out);
}

struct args {
    const char *db, *role, *scope, *label, *expires;
    int all;
};

/* Parses the options of every action; takes: the ones this action takes
 * (cliopt_parse_taking). Returns cliopt_parse's 1, -1 or 0. */
static int parse(int argc, char **argv, const char *takes, struct args *a)
{
    const struct cliopt opts[] = {
        CLIOPT_STR("db", &a->db),           CLIOPT_STR("role", &a->role),
        CLIOPT_STR("scope", &a->scope),     CLIOPT_STR("label", &a->label),
        CLIOPT_STR("expires", &a->expires), CLIOPT_FLAG("all", &a->all),
    };

    *a = (struct args){ 0 };
    return cliopt_parse_taking("token", usage, opts, CLIOPT_N(opts), takes, argc, argv);
}

static int create(int argc, char **argv)
{
    struct auth_token_spec spec = { 0 };
    char token[AUTH_TOKEN_SIZE];
    char err[ERR_MAX], scope[NAMES_MAX];
    struct args a;
    long long id = 0;
    PGconn *conn;
    int rc, bad = 0;

    rc = parse(argc, argv, "db role scope label expires", &a);
    if (rc != 0)
        return cli_parse_exit(rc);
    if (cli_no_args("token", argc, argv) != 0)
        return CLI_USAGE;
    if (a.role == NULL) {
        cli_error("token", msg("--role jest wymagane (collector, coordinator, analyst, ministry "
                               "lub admin)",
                               "--role is required (collector, coordinator, analyst, ministry or "
                               "admin)"));
        return CLI_USAGE;
    }
    if (auth_role_parse(a.role, &spec.role, err, sizeof err) != 0) {
        cli_error("token", "--role: %s", err);
        return CLI_USAGE;
    }
    if (a.label == NULL || a.label[0] == '\0') {
        cli_error("token", msg("--label jest wymagane: dla kogo lub do czego jest token, np. "
                               "--label \"Konin, dział kadr\"",
                               "--label is required: who or what the token is for, e.g. "
                               "--label \"Konin, HR office\""));
        return CLI_USAGE;
    }
    spec.scope = a.scope;
    spec.label = a.label;
    spec.expires = a.expires;
    conn = cli_connect(a.db);
    if (conn == NULL)
        return CLI_FAIL;
    /* a scope as a person types it: "Kędzierzyn-Koźle", "Kapitał Ludzki" */
    if (spec.scope != NULL && spec.role != AUTH_MINISTRY && spec.role != AUTH_ADMIN) {
        int r = names_resolve(conn, spec.role == AUTH_ANALYST ? NAMES_NETWORK : NAMES_CITY,
                              spec.scope, scope, sizeof scope, err, sizeof err);

        if (r != 0) {
            cli_error("token", "--scope: %s", err);
            PQfinish(conn);
            return r > 0 ? CLI_USAGE : CLI_FAIL;
        }
        spec.scope = scope;
    }
    if (auth_token_issue(conn, &spec, token, &id, &bad, err, sizeof err) != 0) {
        cli_error("token", "%s", err);
        PQfinish(conn);
        return bad ? CLI_USAGE : CLI_FAIL;
    }
    PQfinish(conn);
    printf("%s\n", token);
    fprintf(stderr, msg("empirie token: utworzono token %lld (%s%s%s); unieważnienie: empirie "
                        "token revoke %lld\n",
                        "empirie token: created token %lld (%s%s%s); revoke it with: empirie "
                        "token revoke %lld\n"),
            id, auth_role_name(spec.role), spec.scope ? " " : "", spec.scope ? spec.scope : "",
            id);
    return CLI_OK;
}

static int list(int argc, char **argv)
{
    const char *const head[] = { msg("nr", "id"),           msg("etykieta", "label"),
                                 msg("rola", "role"),       msg("zakres", "scope"),
                                 msg("utworzony", "created"), msg("wygasa", "expires"),
                                 msg("ostatnio użyty", "last used"),
                                 msg("unieważniony", "revoked") };
    size_t w[8];
    char err[ERR_MAX];
    struct args a;
    PGresult *res;
    PGconn *conn;
    int rc, cols;

    rc = parse(argc, argv, "db all", &a);
    if (rc != 0)
        return cli_parse_exit(rc);
    if (cli_no_args("token", argc, argv) != 0)
        return CLI_USAGE;
    conn = cli_connect(a.db);
    if (conn == NULL)
        return CLI_FAIL;
    if (auth_token_list(conn, a.all, &res, err, sizeof err) != 0) {
        cli_error("token", "%s", err);
        PQfinish(conn);
        return CLI_FAIL;
    }
    PQfinish(conn);
    cols = a.all ? 8 : 7;
    for (int j = 0; j < cols; j++) {
        w[j] = utf8_width(head[j]);
        for (int i = 0; i < PQntuples(res); i++) {
            size_t k = utf8_width(PQgetvalue(res, i, j));

            if (k > w[j])
                w[j] = k;
        }
    }
    for (int j = 0; j < cols; j++) {
        if (j > 0)
            fputs("  ", stdout);
        if (j == 0)
            utf8_lpad(stdout, head[j], w[j]);
        else
            utf8_pad(stdout, head[j], j == cols - 1 ? 0 : w[j]);
    }
    fputc('\n', stdout);
    for (int i = 0; i < PQntuples(res); i++) {
        for (int j = 0; j < cols; j++) {
            const char *v = PQgetvalue(res, i, j);

            if (j > 0)
                fputs("  ", stdout);
            if (j == 0)
                utf8_lpad(stdout, v, w[j]);
            else
                utf8_pad(stdout, v[0] != '\0' ? v : "-", j == cols - 1 ? 0 : w[j]);
        }
        fputc('\n', stdout);
    }
    if (PQntuples(res) == 0)
        fputs(a.all ? msg("empirie token: brak tokenów\n", "empirie token: no tokens\n")
                      : msg("empirie token: brak ważnych tokenów\n", "empirie token: no live tokens\n"),
              stderr);
    PQclear(res);
    return CLI_OK;
}

static int revoke(int argc, char **argv)
{
    char hash[AUTH_HASH_SIZE];
    char err[ERR_MAX];
    struct args a;
    const char *arg;
    unsigned long long id;
    PGconn *conn;
    int rc;

    rc = parse(argc, argv, "db", &a);
    if (rc != 0)
        return cli_parse_exit(rc);
    arg = cli_one_arg("token", argc, argv,
                      optind == argc ? msg("revoke wymaga numeru tokenu (empirie token list)",
                                           "revoke needs the token's number (empirie token list)")
                                     : msg("revoke przyjmuje jeden numer tokenu",
                                           "revoke takes one token number"));
    if (arg == NULL)
        return CLI_USAGE;
    if (cliopt_number("token", arg, LLONG_MAX, &id,
                      msg("'%s': oczekiwano numeru tokenu, jak pokazuje 'empirie token list'",
                          "'%s': expected a token number, as shown by 'empirie token list'"),
                      arg) != 0)
        return CLI_USAGE;
    conn = cli_connect(a.db);
    if (conn == NULL)
        return CLI_FAIL;
    rc = auth_token_revoke(conn, (long long)id, hash, err, sizeof err);
    PQfinish(conn);
    if (rc <= 0) {
        cli_error("token", "%s", err);
        return CLI_FAIL;
    }
    printf(msg("unieważniono token %llu\n", "revoked token %llu\n"), id);
    return CLI_OK;
}

const struct cli_actions cmd_token = {
    "token", usage, { { "create", create }, { "list", list }, { "revoke", revoke } },
};
