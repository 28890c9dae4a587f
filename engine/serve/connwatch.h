/*
 * connwatch: deadlines and the overall limit for the daemon's HTTP
 * connections, beside libmicrohttpd (whose own timeout is only an
 * inactivity timeout: a client that trickles one byte now and then is
 * never closed by it).
 *
 * Each connection is in one phase:
 *   CONNWATCH_HEADERS  waiting for a request's line and headers (also the
 *                      idle time between keep-alive requests): closed when
 *                      header_ms pass;
 *   CONNWATCH_BODY     headers in, waiting for the body: closed when
 *                      body_ms pass after the headers;
 *   CONNWATCH_BUSY     the request is complete: the daemon is working on it
 *                      or sending the answer (no deadline here).
 * A reaper thread looks every 100 ms and shuts down (shutdown(2), on a
 * private dup() of the socket) every connection past its deadline; MHD then
 * sees the end of the stream and closes it.
 *
 * The overall limit: a connection accepted while soft_limit connections are
 * already open is marked over the limit (connwatch_over); the daemon answers
 * its request 503 with Connection: close, and its header deadline is
 * OVER_MS (1 s) so that an idle one goes quickly.
 */
#ifndef EMPIRIE_CONNWATCH_H
#define EMPIRIE_CONNWATCH_H

#include <stddef.h>

enum connwatch_phase { CONNWATCH_HEADERS, CONNWATCH_BODY, CONNWATCH_BUSY };

struct connwatch;
struct connwatch_conn;

int connwatch_create(unsigned header_ms, unsigned body_ms, unsigned soft_limit,
                     struct connwatch **out, char *err, size_t errlen);
void connwatch_free(struct connwatch *w);

/* A new connection on socket fd; NULL when out of resources (the daemon
 * then closes it). */
struct connwatch_conn *connwatch_started(struct connwatch *w, int fd);
void connwatch_closed(struct connwatch *w, struct connwatch_conn *c);

void connwatch_phase(struct connwatch *w, struct connwatch_conn *c, enum connwatch_phase p);
int connwatch_over(const struct connwatch_conn *c);

/* Open connections now, and how many were closed by a deadline so far. */
size_t connwatch_open(struct connwatch *w);
unsigned long long connwatch_reaped(struct connwatch *w);

#endif
