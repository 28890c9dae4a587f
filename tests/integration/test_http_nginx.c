/* Integration: the daemon behind nginx terminating TLS, with the
 * configuration of docs/operations.md ("Behind nginx"): HTTPS through the
 * proxy works, HSTS is set, /metrics is closed at the proxy, and a client's
 * X-Forwarded-For address reaches no log (nginx's access log is off; the
 * daemon never reads or logs it). The nginx configuration is written from
 * the same text as the doc's, with the test's ports and files. */
#include "auth.h"
#include "daemon.h"
#include "err.h"
#include "httpc.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NGINX "/usr/sbin/nginx"
#define CLIENT_ADDR "203.0.113.77"

static struct testdb db;
static struct daemon dmn;
static char dir[256];
static pid_t nginx_pid;
static unsigned nginx_port;

static void setup(void)
{
    testdb_create(&db, 1);
    dir[0] = '\0';
}

static void teardown(void)
{
    char cmd[512];

    if (nginx_pid > 0) {
        kill(nginx_pid, SIGTERM);
        waitpid(nginx_pid, NULL, 0);
        nginx_pid = 0;
    }
    if (dmn.pid > 0)
        cr_expect_eq(daemon_stop(&dmn, SIGTERM), 0);
    testdb_drop(&db);
    if (dir[0] != '\0') {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        cr_expect(system(cmd) == 0);
    }
}

/* No .timeout (see test_http_strict.c): curl has --max-time. */
TestSuite(nginx, .init = setup, .fini = teardown);

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

static char *file_text(const char *path)
{
    FILE *f = fopen(path, "r");
    char *s = calloc(1, 65536);
    size_t n = 0;

    cr_assert(s != NULL);
    if (f != NULL) {
        n = fread(s, 1, 65535, f);
        fclose(f);
    }
    s[n] = '\0';
    return s;
}

static void write_config(void)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof path, "%s/nginx.conf", dir);
    f = fopen(path, "w");
    cr_assert(f != NULL);
    fprintf(f,
            "pid %s/nginx.pid;\n"
            "error_log %s/error.log info;\n"
            "events {}\n"
            "http {\n"
            "  client_body_temp_path %s/body;\n"
            "  proxy_temp_path %s/proxy;\n"
            "  fastcgi_temp_path %s/fcgi; uwsgi_temp_path %s/uwsgi; scgi_temp_path %s/scgi;\n"
            /* from docs/operations.md, ports and files of the test's own: */
            "  upstream empirie { server 127.0.0.1:%u; keepalive 32; }\n"
            "  server {\n"
            "    listen 127.0.0.1:%u ssl http2;\n"
            "    server_name localhost;\n"
            "    ssl_certificate     %s/cert.pem;\n"
            "    ssl_certificate_key %s/key.pem;\n"
            "    add_header Strict-Transport-Security \"max-age=31536000; includeSubDomains\" "
            "always;\n"
            "    access_log off;\n"
            "    client_max_body_size 1m;\n"
            "    client_header_timeout 10s;\n"
            "    client_body_timeout 60s;\n"
            "    location / {\n"
            "      proxy_pass http://empirie;\n"
            "      proxy_http_version 1.1;\n"
            "      proxy_set_header Connection \"\";\n"
            "      proxy_set_header X-Forwarded-For \"\";\n"
            "      proxy_set_header X-Real-IP \"\";\n"
            "      proxy_read_timeout 30s;\n"
            "    }\n"
            "    location = /metrics { deny all; proxy_pass http://empirie; }\n"
            "  }\n"
            "}\n",
            dir, dir, dir, dir, dir, dir, dir, dmn.port, nginx_port, dir, dir);
    fclose(f);
}

Test(nginx, behind_nginx_with_tls_no_forwarded_address_anywhere)
{
    char cmd[2048], err[ERR_MAX], tok[AUTH_TOKEN_SIZE];
    char *out, *log;
    int fd;

    if (access(NGINX, X_OK) != 0)
        cr_skip_test("nginx is not installed (make test-faults installs it)");
    snprintf(dir, sizeof dir, "/tmp/empirie-nginx.XXXXXX");
    cr_assert(mkdtemp(dir) != NULL);
    cr_assert(chmod(dir, 0755) == 0);
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey rsa:2048 -nodes -keyout '%s/key.pem' -out '%s/cert.pem' "
             "-days 1 -subj /CN=localhost >/dev/null 2>&1", dir, dir);
    cr_assert(system(cmd) == 0);
    cr_assert(auth_token_create(db.conn, AUTH_ADMIN, NULL, tok, err, sizeof err) == 0, "%s", err);
    daemon_start(&dmn, db.conninfo, "");
    /* a free port for nginx: the first one above the daemon's that takes no connection */
    nginx_port = dmn.port + 1;
    while ((fd = httpc_connect(nginx_port)) >= 0) {   /* taken: try the next */
        close(fd);
        nginx_port++;
    }
    write_config();
    nginx_pid = fork();
    cr_assert(nginx_pid >= 0);
    if (nginx_pid == 0) {
        char conf[512];

        snprintf(conf, sizeof conf, "%s/nginx.conf", dir);
        execl(NGINX, "nginx", "-p", dir, "-c", conf, "-g", "daemon off;", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 100 && (fd = httpc_connect(nginx_port)) < 0; i++)
        usleep(100 * 1000);
    if (fd < 0) {
        char path[512], msg[2048];
        char *elog;

        snprintf(path, sizeof path, "%s/error.log", dir);
        elog = file_text(path);
        snprintf(msg, sizeof msg, "%s", elog);
        free(elog);
        cr_assert_fail("nginx did not start: %s", msg);
    }
    close(fd);

    snprintf(cmd, sizeof cmd,
             "curl -sS --max-time 10 --cacert '%s/cert.pem' -D - -H 'X-Forwarded-For: "
             CLIENT_ADDR "' -H 'Authorization: Bearer %s' https://localhost:%u/v1/surveys 2>&1",
             dir, tok, nginx_port);
    out = run(cmd);
    cr_expect(strstr(out, "HTTP/2 200") != NULL || strstr(out, "HTTP/1.1 200") != NULL, "%s",
              out);
    cr_expect(strstr(out, "strict-transport-security: max-age=31536000; includeSubDomains") !=
                  NULL ||
                  strstr(out, "Strict-Transport-Security: max-age=31536000; includeSubDomains") !=
                      NULL,
              "%s", out);
    free(out);
    snprintf(cmd, sizeof cmd,
             "curl -s --max-time 10 --cacert '%s/cert.pem' -o /dev/null -w '%%{http_code}' "
             "-H 'Authorization: Bearer %s' https://localhost:%u/metrics", dir, tok, nginx_port);
    out = run(cmd);
    cr_expect_str_eq(out, "403", "/metrics is closed at the proxy");
    free(out);

    /* nothing holds the client's address: the daemon's log, nginx's logs */
    usleep(200 * 1000);
    log = daemon_log(&dmn);
    cr_expect(strstr(log, "path=/v1/surveys status=200") != NULL, "%s", log);
    cr_expect(strstr(log, CLIENT_ADDR) == NULL, "%s", log);
    free(log);
    snprintf(cmd, sizeof cmd, "grep -rl '" CLIENT_ADDR "' '%s' 2>/dev/null | wc -l", dir);
    out = run(cmd);
    cr_expect_str_eq(out, "0\n", "a file under nginx's prefix holds the address");
    free(out);
    snprintf(cmd, sizeof cmd, "test -e '%s/logs/access.log' && echo yes || echo no", dir);
    out = run(cmd);
    cr_expect_str_eq(out, "no\n", "nginx wrote an access log");
    free(out);
}
