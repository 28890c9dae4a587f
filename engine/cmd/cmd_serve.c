/* empirie serve: the HTTP daemon (engine/http.h). */
#include "cli.h"
#include "cliopt.h"
#include "config.h"
#include "err.h"
#include "http.h"
#include "log.h"
#include "msg.h"

#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/resource.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_LISTEN "127.0.0.1:8080"
#define DEFAULT_BODY_LIMIT (1024 * 1024)
#define DEFAULT_CONNECTIONS 4096
#define DEFAULT_PER_IP 64
#define DEFAULT_THREADS 32
#define DEFAULT_IO_THREADS 2
#define DEFAULT_POOL 16
#define DEFAULT_WRITERS 2
#define DEFAULT_TIMEOUT 30
#define DEFAULT_HEADER_TIMEOUT 10
#define DEFAULT_BODY_TIMEOUT 60
#define DEFAULT_DB_TIMEOUT 5
#define DEFAULT_DRAIN 30
#define DEFAULT_RETRY_AFTER 5

static void usage(FILE *out)
{
    fputs(msg("Użycie: empirie serve [OPCJE]\n"
              "\n"
              "Uruchamia HTTP API (docs/api.md): POST /v1/responses, GET /v1/surveys,\n"
              "GET /v1/surveys/SLUG, GET /v1/responses/counts, GET /healthz, GET /metrics.\n"
              "Zapisuje jeden wiersz na żądanie na stderr (log i komunikaty błędów API są\n"
              "po angielsku). SIGTERM lub SIGINT: przestaje przyjmować, pozwala dokończyć\n"
              "trwające żądania, kończy się kodem 0. SIGHUP: wczytuje katalog badań ponownie\n"
              "przed następnym zgłoszeniem (po 'empirie registry load').\n"
              "\n"
              "Opcje (w nawiasach zmienne środowiska):\n"
              "  --listen ADRES:PORT  adres nasłuchu, [::1]:PORT dla IPv6; port 0 wybiera\n"
              "                       wolny port (domyślnie " DEFAULT_LISTEN ") [EMPIRIE_LISTEN]\n"
              "  --db CONNINFO        napis połączenia libpq (domyślnie: $DATABASE_URL,\n"
              "                       zmienne PG*, w ostateczności prywatny klaster w var/)\n"
              "  --body-limit BAJTY   największa treść żądania; większe dostają 413\n"
              "                       (domyślnie 1048576) [EMPIRIE_BODY_LIMIT]\n"
              "  --connections N      otwarte połączenia HTTP; ponad nie żądania dostają 503,\n"
              "                       a połączenie jest zamykane (domyślnie 4096)\n"
              "                       [EMPIRIE_CONNECTIONS]\n"
              "  --per-ip N           otwarte połączenia z jednego adresu klienta; kolejne są\n"
              "                       od razu zamykane (domyślnie 64) [EMPIRIE_PER_IP]\n"
              "  --threads N          wątki obsługujące żądania, które potrzebują bazy danych\n"
              "                       (domyślnie 32) [EMPIRIE_THREADS]\n"
              "  --io-threads N       wątki zdarzeń (epoll) obsługujące połączenia\n"
              "                       (domyślnie 2)\n"
              "  --pool N             połączenia z bazą danych wspólne dla żądań\n"
              "                       (domyślnie 16) [EMPIRIE_POOL]\n"
              "  --writers N          wątki zapisujące zgłoszenia, każdy zatwierdza razem\n"
              "                       treści równoczesnych żądań (group commit; domyślnie 2,\n"
              "                       najwyżej tyle, ile pula) [EMPIRIE_WRITERS]\n"
              "  --timeout SEKUNDY    zamyka połączenie po tylu sekundach bez ruchu od klienta\n"
              "                       (domyślnie 30) [EMPIRIE_TIMEOUT]\n"
              "  --header-timeout SEKUNDY  wiersz żądania i nagłówki muszą dojść w tym czasie\n"
              "                       (to też czas bezczynności połączenia keep-alive;\n"
              "                       domyślnie 10)\n"
              "  --body-timeout SEKUNDY  treść w tym czasie po nagłówkach (domyślnie 60)\n"
              "  --db-timeout SEKUNDY najdłużej, ile żądanie czeka na bazę danych, łącznie:\n"
              "                       połączenie z puli, łączenie, jego polecenia; potem 503\n"
              "                       (domyślnie 5) [EMPIRIE_DB_TIMEOUT]\n"
              "  --tls-cert PLIK      HTTPS z tym certyfikatem PEM (łańcuchem) ...\n"
              "  --tls-key PLIK       ... i tym kluczem prywatnym PEM; odpowiedzi mają HSTS\n"
              "  --drain SEKUNDY      po SIGTERM: ile trwające żądania mają na dokończenie\n"
              "                       (domyślnie 30)\n"
              "  --retry-after SEKUNDY  Retry-After odpowiedzi 503 (domyślnie 5)\n"
              "  --allow-closed-waves zapisuje POST /v1/responses dla fal poza ich terminem\n"
              "                       (wczytywanie danych historycznych przez administratora;\n"
              "                       używa tego demo). Bez tej opcji takie zgłoszenie\n"
              "                       dostaje 409\n"
              "  -h, --help           ta pomoc\n",
              "Usage: empirie serve [OPTIONS]\n"
              "\n"
              "Runs the HTTP API (docs/api.md): POST /v1/responses, GET /v1/surveys,\n"
              "GET /v1/surveys/SLUG, GET /v1/responses/counts, GET /healthz, GET /metrics.\n"
              "Logs one line per request on stderr. SIGTERM or SIGINT: stops accepting,\n"
              "lets requests in flight finish, exits 0. SIGHUP: reloads the survey catalog\n"
              "before the next submission (after 'empirie registry load').\n"
              "\n"
              "Options (environment variables in brackets):\n"
              "  --listen ADDR:PORT   address to listen on, [::1]:PORT for IPv6; port 0 picks\n"
              "                       a free port (default " DEFAULT_LISTEN ") [EMPIRIE_LISTEN]\n"
              "  --db CONNINFO        libpq connection string or URI (default: $DATABASE_URL,\n"
              "                       the PG* variables, else the private cluster under var/)\n"
              "  --body-limit BYTES   largest request body; larger ones get 413 (default 1048576)\n"
              "                       [EMPIRIE_BODY_LIMIT]\n"
              "  --connections N      open HTTP connections; beyond it requests get 503 and the\n"
              "                       connection is closed (default 4096) [EMPIRIE_CONNECTIONS]\n"
              "  --per-ip N           open connections from one client address; more are closed\n"
              "                       at once (default 64) [EMPIRIE_PER_IP]\n"
              "  --threads N          workers running the requests that need the database\n"
              "                       (default 32) [EMPIRIE_THREADS]\n"
              "  --io-threads N       event threads (epoll) serving the connections (default 2)\n"
              "  --pool N             database connections shared by the requests (default 16)\n"
              "                       [EMPIRIE_POOL]\n"
              "  --writers N          threads that store submissions, each committing the\n"
              "                       bodies of concurrent requests together (group commit;\n"
              "                       default 2, at most the pool) [EMPIRIE_WRITERS]\n"
              "  --timeout SECONDS    close a connection after this long without traffic from\n"
              "                       the client (default 30) [EMPIRIE_TIMEOUT]\n"
              "  --header-timeout SECONDS  a request's line and headers must arrive within this\n"
              "                       (also the idle time of a kept-alive connection; default 10)\n"
              "  --body-timeout SECONDS  its body within this after the headers (default 60)\n"
              "  --db-timeout SECONDS the most a request waits for the database, all in: a pooled\n"
              "                       connection, connecting, its statements; then 503 (default 5)\n"
              "                       [EMPIRIE_DB_TIMEOUT]\n"
              "  --tls-cert FILE      serve HTTPS with this PEM certificate (chain) ...\n"
              "  --tls-key FILE       ... and this PEM private key; answers carry HSTS\n"
              "  --drain SECONDS      on SIGTERM, how long requests in flight may take to finish\n"
              "                       (default 30)\n"
              "  --retry-after SECONDS  the Retry-After of 503 answers (default 5)\n"
              "  --allow-closed-waves store POST /v1/responses for waves outside their window\n"
              "                       (an admin's load of historical data; the demo uses it).\n"
              "                       Without it such a submission is answered 409\n"
              "  -h, --help           show this help\n"),
          out);
}

struct serve_opts {
    const char *db;
    const char *listen;
    const char *tls_cert, *tls_key;
    unsigned long long body_limit, connections, per_ip, threads, io_threads, pool, writers,
        timeout, header_timeout, body_timeout, db_timeout, drain, retry_after;
    int allow_closed_waves;
};

/* serve's numbers, the one list the environment and the options read: the
 * option, its environment variable (NULL: none), the field and the largest
 * value (the smallest is 1). */
static const struct serve_num {
    const char *opt, *env;
    size_t off;
    unsigned long long max;
} nums[] = {
#define NUM_(opt, env, field, max) { (opt), (env), offsetof(struct serve_opts, field), (max) }
    NUM_("body-limit", "EMPIRIE_BODY_LIMIT", body_limit, 1ULL << 30),
    NUM_("connections", "EMPIRIE_CONNECTIONS", connections, 100000),
    NUM_("per-ip", "EMPIRIE_PER_IP", per_ip, 100000),
    NUM_("threads", "EMPIRIE_THREADS", threads, 1000),
    NUM_("io-threads", NULL, io_threads, 64),
    NUM_("header-timeout", NULL, header_timeout, 3600),
    NUM_("body-timeout", NULL, body_timeout, 86400),
    NUM_("db-timeout", "EMPIRIE_DB_TIMEOUT", db_timeout, 3600),
    NUM_("pool", "EMPIRIE_POOL", pool, 1000),
    NUM_("writers", "EMPIRIE_WRITERS", writers, 1000),
    NUM_("timeout", "EMPIRIE_TIMEOUT", timeout, 86400),
    NUM_("drain", NULL, drain, 86400),
    NUM_("retry-after", NULL, retry_after, 86400),
#undef NUM_
};
#define NNUMS (sizeof nums / sizeof nums[0])

static unsigned long long *num_field(struct serve_opts *o, const struct serve_num *n)
{
    return (unsigned long long *)((char *)o + n->off);
}

/* Defaults, then the environment; flags come after. */
static int env_defaults(struct serve_opts *o)
{
    const char *listen = getenv("EMPIRIE_LISTEN");

    *o = (struct serve_opts){ .listen = DEFAULT_LISTEN, .body_limit = DEFAULT_BODY_LIMIT,
                              .connections = DEFAULT_CONNECTIONS, .pool = DEFAULT_POOL,
                              .per_ip = DEFAULT_PER_IP, .threads = DEFAULT_THREADS,
                              .io_threads = DEFAULT_IO_THREADS,
                              .header_timeout = DEFAULT_HEADER_TIMEOUT,
                              .body_timeout = DEFAULT_BODY_TIMEOUT,
                              .db_timeout = DEFAULT_DB_TIMEOUT,
                              .writers = DEFAULT_WRITERS,
                              .timeout = DEFAULT_TIMEOUT, .drain = DEFAULT_DRAIN,
                              .retry_after = DEFAULT_RETRY_AFTER };
    if (listen != NULL && listen[0] != '\0')
        o->listen = listen;
    for (size_t i = 0; i < NNUMS; i++) {
        const char *v = nums[i].env != NULL ? getenv(nums[i].env) : NULL;

        if (v == NULL || v[0] == '\0')
            continue;
        if (cliopt_number("serve", v, nums[i].max, num_field(o, &nums[i]),
                          msg("%s='%s': oczekiwano liczby od 1 do %llu",
                              "%s='%s': expected a number from 1 to %llu"),
                          nums[i].env, v, nums[i].max) != 0)
            return -1;
    }
    return 0;
}

static int parse_args(int argc, char **argv, struct serve_opts *o)
{
    struct cliopt opts[CLIOPT_MAX] = {
        CLIOPT_STR("db", &o->db),
        CLIOPT_STR("listen", &o->listen),
        CLIOPT_STR("tls-cert", &o->tls_cert),
        CLIOPT_STR("tls-key", &o->tls_key),
        CLIOPT_FLAG("allow-closed-waves", &o->allow_closed_waves),
    };
    size_t n = 5;

    _Static_assert(5 + NNUMS <= CLIOPT_MAX, "serve's options fit cliopt's table");
    for (size_t i = 0; i < NNUMS; i++)
        opts[n++] = (struct cliopt)CLIOPT_NUM(nums[i].opt, num_field(o, &nums[i]), nums[i].max);
    return cliopt_parse_no_args("serve", usage, opts, n, argc, argv);
}

/* Each connection is a descriptor (two: connwatch.h keeps a dup): raises
 * the soft limit toward the hard one when it is below what the limits
 * need. */
static void raise_fd_limit(unsigned connections)
{
    struct rlimit rl;
    rlim_t want = (rlim_t)connections * 2 + 256;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
        return;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < want)
        log_warn("open files limit %llu is below the %llu that --connections %u needs",
                 (unsigned long long)rl.rlim_cur, (unsigned long long)want, connections);
}

/* Waits for a signal; SIGHUP reloads and waits on. Returns the stop signal. */
static int wait_for_stop(const sigset_t *set, struct http_server *srv)
{
    for (;;) {
        int sig = 0;

        if (sigwait(set, &sig) != 0)
            continue;
        if (sig != SIGHUP)
            return sig;
        log_info("SIGHUP: the survey catalog will be reloaded");
        http_reload(srv);
    }
}

int cmd_serve(int argc, char **argv)
{
    struct serve_opts o;
    struct http_config cfg;
    struct http_server *srv;
    char conninfo[4096];
    char err[ERR_MAX];
    sigset_t set;
    unsigned left;
    int rc, sig;

    if (env_defaults(&o) != 0)
        return CLI_USAGE;
    rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return cli_parse_exit(rc);
    if (config_conninfo(o.db, conninfo, sizeof conninfo, err, sizeof err) != 0) {
        cli_error("serve", "%s", err);
        return CLI_FAIL;
    }
    /* Blocked before any thread starts, so every MHD thread inherits the mask
     * and the signals reach only sigwait below. */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0 || signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
        cli_error("serve", msg("nie można ustawić obsługi sygnałów",
                               "cannot set up signal handling"));
        return CLI_FAIL;
    }
    cfg = (struct http_config){ .conninfo = conninfo, .listen = o.listen,
                                .body_limit = (size_t)o.body_limit,
                                .connections = (unsigned)o.connections, .pool = (unsigned)o.pool,
                                .per_ip = (unsigned)o.per_ip, .threads = (unsigned)o.threads,
                                .io_threads = (unsigned)o.io_threads,
                                .header_timeout = (unsigned)o.header_timeout,
                                .body_timeout = (unsigned)o.body_timeout,
                                .db_timeout = (unsigned)o.db_timeout,
                                .tls_cert = o.tls_cert, .tls_key = o.tls_key,
                                .writers = (unsigned)(o.writers < o.pool ? o.writers : o.pool),
                                .timeout = (unsigned)o.timeout,
                                .retry_after = (unsigned)o.retry_after,
                                .allow_closed_waves = o.allow_closed_waves };
    raise_fd_limit(cfg.connections + cfg.pool + 64);
    if (http_start(&cfg, &srv, err, sizeof err) != 0) {
        cli_error("serve", "%s", err);
        return CLI_FAIL;
    }
    log_info("listening on %s%s (connections %u, per address %u, workers %u, database pool %u, "
             "writers %u, body limit %zu, timeout %us, headers %us, body %us, database %us)",
             http_address(srv), cfg.tls_cert != NULL ? " with TLS" : "", cfg.connections,
             cfg.per_ip, cfg.threads, cfg.pool, cfg.writers, cfg.body_limit, cfg.timeout,
             cfg.header_timeout, cfg.body_timeout, cfg.db_timeout);
    sig = wait_for_stop(&set, srv);
    log_info("%s: stopping (draining requests in flight, up to %llus)",
             sig == SIGTERM ? "SIGTERM" : "SIGINT", o.drain);
    left = http_stop(srv, (unsigned)o.drain);
    if (left > 0) {
        log_warn("stopped with %u request%s unfinished", left, left == 1 ? "" : "s");
        return CLI_FAIL;
    }
    log_info("stopped");
    return CLI_OK;
}
