/* empirie responses void|audit: mistaken and test responses (engine/voids.h). */
#include "cli.h"
#include "cliopt.h"
#include "db.h"
#include "err.h"
#include "msg.h"
#include "names.h"
#include "utf8.h"
#include "voids.h"

#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fputs(msg("Użycie: empirie responses void --survey S --wave W --city C\n"
              "                              (--ids PLIK | --received-before DATA) --reason TEKST\n"
              "       empirie responses void --undo NUMER [--reason TEKST]\n"
              "       empirie responses audit [--survey S]\n"
              "\n"
              "void    unieważnia odpowiedzi jednego miasta i fali: zostają zapisane, bez\n"
              "        zmian, ale żadna liczba ich nie uwzględnia (statystyki, raporty, wagi,\n"
              "        liczniki zbierania). Jeden zapis audytu mówi kto, kiedy, dlaczego i ile.\n"
              "        Wszystko albo nic: id, które nie jest odpowiedzią tego miasta i fali,\n"
              "        sprawia, że nic nie zostaje unieważnione.\n"
              "--undo  przywraca odpowiedzi unieważnione zapisem NUMER (nowy zapis audytu)\n"
              "audit   zapisy unieważnień i cofnięć, od najnowszego\n"
              "\n"
              "Opcje:\n"
              "  --survey S               slug badania\n"
              "  --wave W                 etykieta fali\n"
              "  --city C                 slug miasta\n"
              "  --ids PLIK               id odpowiedzi, jeden UUID w wierszu (komentarze #)\n"
              "  --received-before DATA   każda odpowiedź otrzymana przed RRRR-MM-DD (np.\n"
              "                           testy sprzed otwarcia fali)\n"
              "  --reason TEKST           dlaczego (wymagane przy unieważnieniu)\n"
              "  --undo NUMER             cofa ten zapis unieważnienia\n",
              "Usage: empirie responses void --survey S --wave W --city C\n"
              "                              (--ids FILE | --received-before DATE) --reason TEXT\n"
              "       empirie responses void --undo AUDIT_ID [--reason TEXT]\n"
              "       empirie responses audit [--survey S]\n"
              "\n"
              "void    marks responses of one city and wave as void: they stay stored,\n"
              "        unchanged, and no figure counts them (statistics, reports, weights,\n"
              "        collection counts). One audit record says who, when, why, how many.\n"
              "        All or nothing: an id that is not a response of that city and wave\n"
              "        voids nothing.\n"
              "--undo  restores the responses of void record AUDIT_ID (a new audit record)\n"
              "audit   the void and undo records, newest first\n"
              "\n"
              "Options:\n"
              "  --survey S               the survey's slug\n"
              "  --wave W                 the wave's label\n"
              "  --city C                 the city's slug\n"
              "  --ids FILE               response ids, one UUID a line (# comments allowed)\n"
              "  --received-before DATE   every response received before YYYY-MM-DD (e.g. the\n"
              "                           tests made before the wave opened)\n"
              "  --reason TEXT            why (required for a void)\n"
              "  --undo AUDIT_ID          undo that void record\n"),
          out);
    cli_help_db(out, 24);
    fputs(msg("\n"
              "Kod wyjścia: 0 gotowe, 1 niepowodzenie (nic nie pasuje, błąd bazy danych),\n"
              "2 błąd użycia (brak lub zła opcja, nieznane badanie, fala lub miasto).\n",
              "\n"
              "Exit status: 0 done, 1 failure (nothing matched, a database error),\n"
              "2 usage error (a missing or malformed option, an unknown survey, wave or city).\n"),
          out);
}

/* Who runs the command, for the audit record. */
static const char *os_user(void)
{
    struct passwd *pw = getpwuid(geteuid());
    const char *u = getenv("USER");

    if (pw != NULL && pw->pw_name != NULL && pw->pw_name[0] != '\0')
        return pw->pw_name;
    return u != NULL && u[0] != '\0' ? u : "unknown";
}

static int date_like(const char *s)
{
    return strlen(s) == 10 && strspn(s, "0123456789-") == 10 && s[4] == '-' && s[7] == '-';
}

static int do_void(int argc, char **argv)
{
    struct voids_spec spec = { 0 };
    const char *db = NULL, *ids_file = NULL, *undo = NULL;
    char **ids = NULL;
    size_t nids = 0;
    char err[ERR_MAX];
    PGconn *conn;
    const struct cliopt opts[] = {
        CLIOPT_STR("db", &db),
        CLIOPT_STR("survey", &spec.survey),
        CLIOPT_STR("wave", &spec.wave),
        CLIOPT_STR("city", &spec.city),
        CLIOPT_STR("ids", &ids_file),
        CLIOPT_STR("received-before", &spec.received_before),
        CLIOPT_STR("reason", &spec.reason),
        CLIOPT_STR("undo", &undo),
    };
    int rc = cliopt_parse_no_args("responses", usage, opts, CLIOPT_N(opts), argc, argv);

    if (rc != 0)
        return cli_parse_exit(rc);
    spec.who = os_user();
    if (undo != NULL) {
        unsigned long long audit;
        long long undo_audit;
        long restored;

        if (spec.survey || spec.wave || spec.city || ids_file || spec.received_before) {
            cli_error("responses", msg("--undo przyjmuje tylko numer zapisu (i --reason)",
                                       "--undo takes only the record's number (and --reason)"));
            return CLI_USAGE;
        }
        if (cliopt_number("responses", undo, LLONG_MAX, &audit,
                          msg("--undo '%s': oczekiwano numeru zapisu unieważnienia "
                              "(empirie responses audit)",
                              "--undo '%s': expected a void record's number "
                              "(empirie responses audit)"),
                          undo) != 0)
            return CLI_USAGE;
        conn = cli_connect(db);
        if (conn == NULL)
            return CLI_FAIL;
        rc = voids_undo(conn, (long long)audit, spec.reason, spec.who, &undo_audit, &restored, err,
                       sizeof err);
        PQfinish(conn);
        if (rc != 0) {
            cli_error("responses", "%s", err);
            return CLI_FAIL;
        }
        if (msg_english())
            printf("restored %ld response%s of void %llu (audit record %lld)\n", restored,
                   restored == 1 ? "" : "s", audit, undo_audit);
        else
            printf("przywrócono %ld %s z unieważnienia %llu (zapis audytu %lld)\n", restored,
                   msg_pl_plural(restored, "odpowiedź", "odpowiedzi", "odpowiedzi"), audit,
                   undo_audit);
        return CLI_OK;
    }
    if (spec.survey == NULL || spec.wave == NULL || spec.city == NULL) {
        cli_error("responses", msg("void wymaga --survey, --wave i --city (brak %s)",
                                   "void needs --survey, --wave and --city (%s is missing)"),
                  spec.survey == NULL ? "--survey" : spec.wave == NULL ? "--wave" : "--city");
        return CLI_USAGE;
    }
    if ((ids_file == NULL) == (spec.received_before == NULL)) {
        cli_error("responses", msg("void wymaga jednego z --ids PLIK i --received-before DATA",
                                   "void needs one of --ids FILE or --received-before DATE"));
        return CLI_USAGE;
    }
    if (spec.received_before != NULL && !date_like(spec.received_before)) {
        cli_error("responses", msg("--received-before '%s': oczekiwano daty RRRR-MM-DD",
                                   "--received-before '%s': expected a date YYYY-MM-DD"),
                  spec.received_before);
        return CLI_USAGE;
    }
    if (spec.reason == NULL || spec.reason[0] == '\0') {
        cli_error("responses", msg("void wymaga --reason TEKST: dlaczego te odpowiedzi są odkładane",
                                   "void needs --reason TEXT: why these responses are set aside"));
        return CLI_USAGE;
    }
    if (ids_file != NULL) {
        if (voids_read_ids(ids_file, &ids, &nids, err, sizeof err) != 0) {
            cli_error("responses", "%s", err);
            return CLI_USAGE;
        }
        spec.ids = (const char *const *)ids;
        spec.nids = nids;
    }
    conn = cli_connect(db);
    if (conn == NULL) {
        rc = CLI_FAIL;
    } else {
        struct names_args names = { .survey = spec.survey, .wave = spec.wave,
                                    .city = spec.city };
        long long audit;
        long voided, already;
        int r = names_args_resolve(conn, &names, err, sizeof err);

        if (r == 0) {
            spec.survey = names.survey;
            spec.wave = names.wave;
            spec.city = names.city;
            r = voids_apply(conn, &spec, &audit, &voided, &already, err, sizeof err);
        } else if (r == 1) {
            r = 2;   /* a name that names nothing: a usage error */
        }
        names_args_free(&names);
        PQfinish(conn);
        if (r != 0) {
            cli_error("responses", "%s", err);
            /* a name that does not exist is the caller's mistake */
            rc = r == 2 ? CLI_USAGE : CLI_FAIL;
        } else {
            if (msg_english())
                printf("voided %ld response%s of %s in wave %s of %s (audit record %lld)", voided,
                       voided == 1 ? "" : "s", spec.city, spec.wave, spec.survey, audit);
            else
                printf("unieważniono %ld %s miasta %s w fali %s badania %s (zapis audytu %lld)",
                       voided, msg_pl_plural(voided, "odpowiedź", "odpowiedzi", "odpowiedzi"),
                       spec.city, spec.wave, spec.survey, audit);
            if (already > 0)
                printf(msg("; już unieważnione wcześniej: %ld", "; %ld void already"), already);
            printf(msg("\ncofnięcie: empirie responses void --undo %lld\n",
                       "\nundo with: empirie responses void --undo %lld\n"),
                   audit);
            rc = CLI_OK;
        }
    }
    for (size_t i = 0; i < nids; i++)
        free(ids[i]);
    free(ids);
    return rc;
}

static int do_audit(int argc, char **argv)
{
    const char *const head[] = { msg("nr", "id"),           msg("czynność", "action"),
                                 msg("cofa", "undoes"),     msg("badanie", "survey"),
                                 msg("fala", "wave"),       msg("miasto", "city"),
                                 msg("odpowiedzi", "responses"), msg("kiedy", "at"),
                                 msg("kto", "by"),          msg("powód", "reason") };
    const char *db = NULL, *survey = NULL;
    char err[ERR_MAX];
    size_t w[10];
    PGresult *res;
    PGconn *conn;
    const struct cliopt opts[] = { CLIOPT_STR("db", &db), CLIOPT_STR("survey", &survey) };
    int rc = cliopt_parse_no_args("responses", usage, opts, CLIOPT_N(opts), argc, argv);

    if (rc != 0)
        return cli_parse_exit(rc);
    conn = cli_connect(db);
    if (conn == NULL)
        return CLI_FAIL;
    if (db_exec(conn,
                "SELECT id::text, action, coalesce(undoes::text, ''), survey, wave, city, "
                "responses::text, to_char(at, 'YYYY-MM-DD HH24:MI'), os_user || '/' || db_user, "
                "reason FROM response_void_audit WHERE $1::text IS NULL OR survey = $1 "
                "ORDER BY id DESC",
                1, (const char *const[]){ survey }, &res, NULL, err, sizeof err) != 0) {
        cli_error("responses", "%s", err);
        PQfinish(conn);
        return CLI_FAIL;
    }
    PQfinish(conn);
    for (int j = 0; j < 10; j++) {
        w[j] = utf8_width(head[j]);
        for (int i = 0; i < PQntuples(res); i++)
            if (utf8_width(PQgetvalue(res, i, j)) > w[j])
                w[j] = utf8_width(PQgetvalue(res, i, j));
    }
    for (int i = -1; i < PQntuples(res); i++) {
        for (int j = 0; j < 10; j++) {
            const char *v = i < 0 ? head[j] : PQgetvalue(res, i, j);

            if (j > 0)
                fputs("  ", stdout);
            if (j == 0 || j == 6)
                utf8_lpad(stdout, v, w[j]);
            else
                utf8_pad(stdout, v[0] ? v : "-", j == 9 ? 0 : w[j]);
        }
        fputc('\n', stdout);
    }
    PQclear(res);
    return CLI_OK;
}

const struct cli_actions cmd_responses = {
    "responses", usage, { { "void", do_void }, { "audit", do_audit } },
};
