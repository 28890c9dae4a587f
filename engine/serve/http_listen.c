/* http_listen: the daemon's listening socket ("HOST:PORT", "[V6]:PORT", with
 * exact bind errors) and its TLS files (http_priv.h). */
#include "http_priv.h"

#include "err.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Splits "HOST:PORT" or "[V6]:PORT". */
static int split_listen(const char *listen, char *host, size_t hn, char *port, size_t pn,
                        char *err, size_t errlen)
{
    const char *colon;
    size_t len;

    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');

        if (close == NULL || close[1] != ':')
            goto bad;
        len = (size_t)(close - listen - 1);
        colon = close + 1;
        if (len >= hn)
            goto bad;
        memcpy(host, listen + 1, len);
    } else {
        colon = strrchr(listen, ':');
        if (colon == NULL)
            goto bad;
        len = (size_t)(colon - listen);
        if (len >= hn)
            goto bad;
        memcpy(host, listen, len);
    }
    host[len] = '\0';
    if (colon[1] == '\0' || strlen(colon + 1) >= pn)
        goto bad;
    snprintf(port, pn, "%s", colon + 1);
    return 0;
bad:
    return err_set(err, errlen, "--listen '%s': expected ADDRESS:PORT, e.g. 127.0.0.1:8080",
                   listen);
}

/* Our own listening socket: exact bind errors, and port 0 works. */
int http_open_listener(struct http_server *srv, const char *listen_at, int *ipv6,
                         char *err, size_t errlen)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
    struct addrinfo *ai = NULL;
    struct sockaddr_storage sa;
    socklen_t salen = sizeof sa;
    char host[64], port[16], addr[INET6_ADDRSTRLEN];
    int one = 1;
    int fd = -1;
    int rc;

    if (split_listen(listen_at, host, sizeof host, port, sizeof port, err, errlen) != 0)
        return -1;
    rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
    if (rc != 0)
        return err_set(err, errlen, "--listen '%s': %s", listen_at, gai_strerror(rc));
    fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &salen) != 0) {
        err_set(err, errlen, "cannot listen on %s: %s", listen_at, err_errno(errno));
        goto fail;
    }
    *ipv6 = ai->ai_family == AF_INET6;
    if (sa.ss_family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&sa;

        inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof addr);
        snprintf(srv->address, sizeof srv->address, "[%s]:%u", addr, ntohs(s6->sin6_port));
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&sa;

        inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof addr);
        snprintf(srv->address, sizeof srv->address, "%s:%u", addr, ntohs(s4->sin_port));
    }
    freeaddrinfo(ai);
    srv->listen_fd = fd;
    return 0;
fail:
    if (fd >= 0)
        close(fd);
    freeaddrinfo(ai);
    return -1;
}

/* A certificate chain or key is a few kilobytes. */
#define PEM_MAX (1u << 20)

/* Reads a whole PEM file into a NUL-terminated buffer (caller frees). */
char *http_read_pem(const char *path, const char *what, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    struct dynbuf buf;
    char chunk[8192];
    size_t n;

    if (f == NULL) {
        err_set(err, errlen, "%s %s: %s", what, path, err_errno(errno));
        return NULL;
    }
    dynbuf_init(&buf, PEM_MAX);
    do {
        n = fread(chunk, 1, sizeof chunk, f);
        if (dynbuf_addn(&buf, chunk, n) != 0) {
            err_set(err, errlen, "%s %s: %s", what, path,
                    dynbuf_error(&buf) == DYNBUF_TOO_LARGE ? "larger than 1 MiB"
                                                           : "out of memory");
            dynbuf_free(&buf);
            fclose(f);
            return NULL;
        }
    } while (n > 0);
    if (ferror(f) || dynbuf_len(&buf) == 0) {
        err_set(err, errlen, "%s %s: %s", what, path,
                dynbuf_len(&buf) == 0 ? "empty" : err_errno(errno));
        dynbuf_free(&buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    return dynbuf_take(&buf, NULL);
}
