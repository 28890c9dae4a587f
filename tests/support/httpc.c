#include "httpc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int httpc_connect(unsigned port)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -1;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int httpc_connect_from(const char *source, unsigned port, int nonblock)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
    struct sockaddr_in from = { .sin_family = AF_INET };
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);

    if (fd < 0)
        return -1;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (inet_pton(AF_INET, source, &from.sin_addr) != 1 ||
        bind(fd, (struct sockaddr *)&from, sizeof from) != 0 ||
        (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 && errno != EINPROGRESS)) {
        close(fd);
        return -1;
    }
    return fd;
}

int httpc_send(int fd, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static long now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

/* Appends what arrives to buf; 0 at close, -1 on error or timeout. */
static ssize_t read_some(int fd, char **buf, size_t *len, size_t *cap, long deadline)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    long left = deadline - now_ms();
    ssize_t n;

    if (left <= 0 || poll(&p, 1, (int)left) <= 0)
        return -1;
    if (*len + 4097 > *cap) {
        char *b = realloc(*buf, *cap * 2 + 8192);

        if (b == NULL)
            return -1;
        *buf = b;
        *cap = *cap * 2 + 8192;
    }
    n = recv(fd, *buf + *len, *cap - *len - 1, 0);
    if (n < 0)
        return errno == ECONNRESET ? 0 : -1;
    *len += (size_t)n;
    (*buf)[*len] = '\0';
    return n;
}

/* Parses the head at buf; returns its length (through the blank line), 0
 * when incomplete. */
static size_t head_length(const char *buf)
{
    const char *end = strstr(buf, "\r\n\r\n");

    return end != NULL ? (size_t)(end - buf) + 4 : 0;
}

int httpc_read(int fd, struct httpc_resp *r, int timeout_ms)
{
    long deadline = now_ms() + timeout_ms;
    size_t len = 0, cap = 8192, head = 0;
    char *buf = malloc(cap);
    long clen = -1;

    memset(r, 0, sizeof *r);
    if (buf == NULL)
        return -1;
    buf[0] = '\0';
    for (;;) {
        while ((head = head_length(buf)) == 0)
            if (read_some(fd, &buf, &len, &cap, deadline) <= 0)
                goto fail;
        if (sscanf(buf, "HTTP/1.%*d %d", &r->status) != 1)
            goto fail;
        if (r->status >= 200)
            break;
        memmove(buf, buf + head, len - head + 1);   /* a 100 Continue: skip it */
        len -= head;
    }
    snprintf(r->headers, sizeof r->headers, "%.*s", (int)head, buf);
    {
        char v[32];

        if (httpc_header(r, "Content-Length", v, sizeof v) != NULL)
            clen = strtol(v, NULL, 10);
    }
    for (;;) {
        ssize_t n;

        if (clen >= 0 && len - head >= (size_t)clen)
            break;
        n = read_some(fd, &buf, &len, &cap, deadline);
        if (n == 0 && clen < 0)
            break;
        if (n <= 0)
            goto fail;
    }
    r->len = clen >= 0 ? (size_t)clen : len - head;
    r->body = malloc(r->len + 1);
    if (r->body == NULL)
        goto fail;
    memcpy(r->body, buf + head, r->len);
    r->body[r->len] = '\0';
    free(buf);
    return 0;
fail:
    free(buf);
    return -1;
}

int httpc_request(unsigned port, const char *method, const char *path, const char *token,
                  const char *ctype, const char *body, size_t len, struct httpc_resp *r)
{
    char head[2048];
    int n;
    int fd = httpc_connect(port);
    int rc = -1;

    memset(r, 0, sizeof *r);
    if (fd < 0)
        return -1;
    n = snprintf(head, sizeof head,
                 "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                 "%s%s%s%s%s%s"
                 "Content-Length: %zu\r\n\r\n",
                 method, path, token ? "Authorization: Bearer " : "", token ? token : "",
                 token ? "\r\n" : "", ctype ? "Content-Type: " : "", ctype ? ctype : "",
                 ctype ? "\r\n" : "", len);
    if (n > 0 && (size_t)n < sizeof head && httpc_send(fd, head, (size_t)n) == 0 &&
        (len == 0 || httpc_send(fd, body, len) == 0))
        rc = httpc_read(fd, r, 20000);
    close(fd);
    return rc;
}

const char *httpc_header(const struct httpc_resp *r, const char *name, char *out, size_t n)
{
    size_t nl = strlen(name);
    const char *p = strstr(r->headers, "\r\n");

    while (p != NULL && p[2] != '\0') {
        p += 2;
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            const char *e = strstr(v, "\r\n");

            while (*v == ' ')
                v++;
            snprintf(out, n, "%.*s", (int)(e != NULL ? e - v : (long)strlen(v)), v);
            return out;
        }
        p = strstr(p, "\r\n");
    }
    return NULL;
}

int httpc_closed(int fd, int timeout_ms)
{
    long deadline = now_ms() + timeout_ms;
    char buf[4096];

    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        long left = deadline - now_ms();
        ssize_t n;

        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            return 0;
        n = recv(fd, buf, sizeof buf, 0);
        if (n == 0 || (n < 0 && errno == ECONNRESET))
            return 1;
        if (n < 0)
            return 0;
    }
}

void httpc_free(struct httpc_resp *r)
{
    free(r->body);
    r->body = NULL;
}
