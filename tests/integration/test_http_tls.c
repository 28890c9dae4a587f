/* Integration: --tls-cert/--tls-key serve HTTPS (libmicrohttpd with GnuTLS),
 * every answer with HSTS; plain HTTP on that port gets no answer. The
 * certificate is a throwaway one made with openssl; the client is curl. */
#include "auth.h"
#include "daemon.h"
#include "err.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct testdb db;
static struct daemon dmn;
static char dir[256];

static void setup(void)
{
    char cmd[1024];

    testdb_create(&db, 1);
    snprintf(dir, sizeof dir, "/tmp/empirie-tls.XXXXXX");
    cr_assert(mkdtemp(dir) != NULL);
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey rsa:2048 -nodes -keyout '%s/key.pem' -out '%s/cert.pem' "
             "-days 1 -subj /CN=localhost >/dev/null 2>&1", dir, dir);
    cr_assert(system(cmd) == 0, "openssl could not make a certificate");
}

static void teardown(void)
{
    char cmd[512];

    if (dmn.pid > 0)
        cr_expect_eq(daemon_stop(&dmn, SIGTERM), 0);
    testdb_drop(&db);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect(system(cmd) == 0);
}

/* No .timeout (see test_http_strict.c): curl has --max-time. */
TestSuite(tls, .init = setup, .fini = teardown);

/* Runs a shell command and returns its output (caller frees). */
static char *run(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    char *out = calloc(1, 16384);
    size_t n;

    cr_assert(p != NULL && out != NULL);
    n = fread(out, 1, 16383, p);
    out[n] = '\0';
    pclose(p);
    return out;
}

Test(tls, https_with_hsts)
{
    char extra[700], cmd[1024];
    char *out;

    snprintf(extra, sizeof extra, "--tls-cert '%s/cert.pem' --tls-key '%s/key.pem'", dir, dir);
    daemon_start(&dmn, db.conninfo, extra);
    snprintf(cmd, sizeof cmd,
             "curl -sS --max-time 10 --cacert '%s/cert.pem' -D - https://localhost:%u/healthz "
             "2>&1", dir, dmn.port);
    out = run(cmd);
    cr_expect(strstr(out, "HTTP/1.1 200") != NULL, "%s", out);
    cr_expect(strstr(out, "Strict-Transport-Security: max-age=31536000; includeSubDomains") !=
                  NULL, "%s", out);
    cr_expect(strstr(out, "{\"status\":\"ok\"}") != NULL, "%s", out);
    free(out);
    snprintf(cmd, sizeof cmd,
             "curl -s --max-time 5 -o /dev/null -w '%%{http_code}' http://127.0.0.1:%u/healthz",
             dmn.port);
    out = run(cmd);
    cr_expect(strcmp(out, "000") == 0, "plain HTTP on the TLS port: %s", out);
    free(out);
}

Test(tls, a_key_without_a_certificate_is_refused)
{
    char out[4096];
    int rc = testdb_run(out, sizeof out, "serve --listen 127.0.0.1:0 --db '%s' --tls-key '%s/key.pem'",
                        db.conninfo, dir);

    cr_expect_neq(rc, 0, "%s", out);
    cr_expect(strstr(out, "--tls-cert and --tls-key go together") != NULL, "%s", out);
}
