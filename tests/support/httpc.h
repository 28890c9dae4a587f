/*
 * httpc: a tiny HTTP/1.1 client over a plain socket for the daemon's tests,
 * with full control over what is sent and when (partial bodies, stalls,
 * declared sizes that are never sent). Not a general client: one response
 * per read, Content-Length bodies or bodies that end at close.
 */
#ifndef EMPIRIE_HTTPC_H
#define EMPIRIE_HTTPC_H

#include <stddef.h>

struct httpc_resp {
    int status;
    char headers[4096];   /* the header block, "Name: value\r\n" lines */
    char *body;           /* NUL-terminated; free with httpc_free */
    size_t len;
};

/* A connected socket to 127.0.0.1:port, or -1. */
int httpc_connect(unsigned port);

/* The same from a given loopback source address ("127.0.0.2": all of
 * 127/8 is loopback on Linux), to test per-address limits; non-blocking
 * when nonblock (connect then completes later). */
int httpc_connect_from(const char *source, unsigned port, int nonblock);

/* Sends everything; -1 on error. */
int httpc_send(int fd, const void *data, size_t len);

/* Reads one final response (skipping 1xx) within timeout_ms; -1 on timeout,
 * error or a malformed answer. */
int httpc_read(int fd, struct httpc_resp *r, int timeout_ms);

/* One request on a new connection (Connection: close). token and ctype may
 * be NULL. Returns 0 with r filled, -1 on failure. */
int httpc_request(unsigned port, const char *method, const char *path, const char *token,
                  const char *ctype, const char *body, size_t len, struct httpc_resp *r);

/* The value of a header (case-insensitive name) into out, or NULL. */
const char *httpc_header(const struct httpc_resp *r, const char *name, char *out, size_t n);

/* True when the peer closes the connection within timeout_ms. */
int httpc_closed(int fd, int timeout_ms);

void httpc_free(struct httpc_resp *r);

#endif
