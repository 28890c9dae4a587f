#include "dbpool.h"

#include "db.h"
#include "err.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* How often the watchdog looks at the borrowed connections. */
#define WATCHDOG_TICK_MS 50

struct slot {
    PGconn *conn;          /* NULL: not connected */
    int fd;                /* a dup() of conn's socket, for the watchdog; -1 */
    int busy;
    int armed;             /* the watchdog watches deadline */
    int killed;            /* the watchdog shut the socket down */
    struct timespec deadline;
};

struct dbpool {
    pthread_mutex_t lock;
    pthread_cond_t freed;  /* CLOCK_MONOTONIC */
    pthread_cond_t tick;   /* wakes the watchdog early on stop */
    char *conninfo;
    char *options;         /* the conninfo's own options plus the timeouts */
    unsigned bound_ms;
    size_t size;
    struct slot *slots;
    int stopping;
    int watching;          /* the watchdog thread was started */
    pthread_t watchdog;
};

static _Thread_local struct timespec tls_deadline;
static _Thread_local int tls_has_deadline;

void dbpool_set_deadline(const struct timespec *deadline)
{
    tls_has_deadline = deadline != NULL;
    if (deadline != NULL)
        tls_deadline = *deadline;
}

int dbpool_get_deadline(struct timespec *out)
{
    if (tls_has_deadline)
        *out = tls_deadline;
    return tls_has_deadline;
}

static double mono_now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double ts_seconds(const struct timespec *t)
{
    return (double)t->tv_sec + (double)t->tv_nsec / 1e9;
}

double dbpool_time_left(void)
{
    if (!tls_has_deadline)
        return 1e9;
    return ts_seconds(&tls_deadline) - mono_now();
}

static struct timespec after_ms(unsigned ms)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

static int ts_before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* The watchdog: shuts down the socket of every borrowed connection whose
 * deadline passed (see dbpool.h). */
static void *watch(void *arg)
{
    struct dbpool *p = arg;

    pthread_mutex_lock(&p->lock);
    while (!p->stopping) {
        struct timespec now, until = after_ms(WATCHDOG_TICK_MS);

        clock_gettime(CLOCK_MONOTONIC, &now);
        for (size_t i = 0; i < p->size; i++) {
            struct slot *s = &p->slots[i];

            if (s->busy && s->armed && !s->killed && s->fd >= 0 && !ts_before(&now, &s->deadline)) {
                shutdown(s->fd, SHUT_RDWR);
                s->killed = 1;
            }
        }
        pthread_cond_timedwait(&p->tick, &p->lock, &until);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* The conninfo's own "options" with the timeouts appended. */
static char *server_options(const char *conninfo, unsigned statement_ms, char *err, size_t errlen)
{
    char *msg = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &msg);
    const char *own = "";
    char extra[256];
    char *out;
    size_t n;

    if (opts == NULL) {
        err_set(err, errlen, "database: %s", msg != NULL ? msg : "bad connection string");
        err[strcspn(err, "\n")] = '\0';
        PQfreemem(msg);
        return NULL;
    }
    for (PQconninfoOption *o = opts; o->keyword != NULL; o++)
        if (strcmp(o->keyword, "options") == 0 && o->val != NULL)
            own = o->val;
    extra[0] = '\0';
    if (statement_ms > 0)
        snprintf(extra, sizeof extra,
                 "-c statement_timeout=%u -c lock_timeout=%u "
                 "-c idle_in_transaction_session_timeout=%u",
                 statement_ms, statement_ms, statement_ms * 2);
    n = strlen(own) + strlen(extra) + 2;
    out = malloc(n);
    if (out != NULL)
        snprintf(out, n, "%s%s%s", own, own[0] && extra[0] ? " " : "", extra);
    else
        err_set(err, errlen, "database pool: out of memory");
    PQconninfoFree(opts);
    return out;
}

int dbpool_create(const char *conninfo, size_t size, unsigned bound_ms, unsigned statement_ms,
                  struct dbpool **out, char *err, size_t errlen)
{
    struct dbpool *p = calloc(1, sizeof *p);
    pthread_condattr_t attr;
    int locks = 0;

    *out = NULL;
    if (size == 0) {
        free(p);
        return err_set(err, errlen, "database pool: size must be at least 1");
    }
    if (p == NULL)
        return err_set(err, errlen, "database pool: out of memory");
    p->options = server_options(conninfo, statement_ms, err, errlen);
    if (p->options == NULL)
        goto fail;
    p->conninfo = strdup(conninfo);
    p->slots = calloc(size, sizeof *p->slots);
    if (p->conninfo == NULL || p->slots == NULL) {
        err_set(err, errlen, "database pool: out of memory");
        goto fail;
    }
    for (size_t i = 0; i < size; i++)
        p->slots[i].fd = -1;
    p->size = size;
    p->bound_ms = bound_ms > 0 ? bound_ms : 5000;
    if (pthread_mutex_init(&p->lock, NULL) != 0 || pthread_condattr_init(&attr) != 0) {
        err_set(err, errlen, "database pool: cannot create a lock");
        goto fail;
    }
    locks = 1;
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (pthread_cond_init(&p->freed, &attr) != 0 || pthread_cond_init(&p->tick, &attr) != 0) {
        pthread_condattr_destroy(&attr);
        err_set(err, errlen, "database pool: cannot create a lock");
        goto fail;
    }
    pthread_condattr_destroy(&attr);
    locks = 2;
    if (pthread_create(&p->watchdog, NULL, watch, p) != 0) {
        err_set(err, errlen, "database pool: cannot start the watchdog thread");
        goto fail;
    }
    p->watching = 1;
    *out = p;
    return 0;
fail:
    if (locks == 2) {
        pthread_cond_destroy(&p->freed);
        pthread_cond_destroy(&p->tick);
    }
    if (locks >= 1)
        pthread_mutex_destroy(&p->lock);
    free(p->options);
    free(p->conninfo);
    free(p->slots);
    free(p);
    return -1;
}

void dbpool_free(struct dbpool *pool)
{
    if (pool == NULL)
        return;
    pthread_mutex_lock(&pool->lock);
    pool->stopping = 1;
    pthread_cond_broadcast(&pool->tick);
    pthread_mutex_unlock(&pool->lock);
    if (pool->watching)
        pthread_join(pool->watchdog, NULL);
    for (size_t i = 0; i < pool->size; i++) {
        if (pool->slots[i].conn != NULL)
            PQfinish(pool->slots[i].conn);
        if (pool->slots[i].fd >= 0)
            close(pool->slots[i].fd);
    }
    pthread_cond_destroy(&pool->freed);
    pthread_cond_destroy(&pool->tick);
    pthread_mutex_destroy(&pool->lock);
    free(pool->options);
    free(pool->conninfo);
    free(pool->slots);
    free(pool);
}

/* Waits for a free slot until deadline; returns its index, or -1. */
static long take_slot(struct dbpool *p, const struct timespec *deadline)
{
    long slot = -1;

    pthread_mutex_lock(&p->lock);
    for (;;) {
        /* Prefer a slot that is already connected. */
        for (size_t i = 0; i < p->size && slot < 0; i++)
            if (!p->slots[i].busy && p->slots[i].conn != NULL)
                slot = (long)i;
        for (size_t i = 0; i < p->size && slot < 0; i++)
            if (!p->slots[i].busy)
                slot = (long)i;
        if (slot >= 0 || pthread_cond_timedwait(&p->freed, &p->lock, deadline) == ETIMEDOUT)
            break;
    }
    if (slot >= 0) {
        p->slots[slot].busy = 1;
        p->slots[slot].armed = 0;
        p->slots[slot].killed = 0;
    }
    pthread_mutex_unlock(&p->lock);
    return slot;
}

static void first_line(char *s)
{
    s[strcspn(s, "\n")] = '\0';
}

/* Opens a connection before deadline: asynchronously, so that a server
 * that accepts but never answers cannot hold the caller (connect_timeout
 * is not used by PQconnectPoll; the deadline replaces it). The options
 * given after the conninfo override the same ones inside it. */
static PGconn *open_conn(struct dbpool *p, const struct timespec *deadline, char *err,
                         size_t errlen)
{
    const char *keys[] = { "dbname", "client_encoding", "options", "keepalives",
                           "keepalives_idle", "keepalives_interval", "keepalives_count",
                           "tcp_user_timeout", NULL };
    const char *vals[] = { p->conninfo, "UTF8", p->options, "1", "10", "5", "3", "10000",
                           NULL };
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;
    PGconn *c;

    /* an empty options value is ignored by libpq */
    c = PQconnectStartParams(keys, vals, 1);
    if (c == NULL) {
        err_set(err, errlen, "database: out of memory");
        return NULL;
    }
    while (PQstatus(c) != CONNECTION_BAD && st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
        struct pollfd pfd = { .fd = PQsocket(c),
                              .events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT };
        double left = ts_seconds(deadline) - mono_now();
        int n;

        if (left <= 0) {
            err_set(err, errlen, "database: no connection within the time limit");
            PQfinish(c);
            return NULL;
        }
        n = poll(&pfd, 1, (int)(left * 1000.0) + 1);
        if (n < 0 && errno != EINTR) {
            err_set(err, errlen, "database: poll: %s", err_errno(errno));
            PQfinish(c);
            return NULL;
        }
        if (n > 0)
            st = PQconnectPoll(c);
    }
    if (PQstatus(c) != CONNECTION_OK) {
        err_set(err, errlen, "database: %s", PQerrorMessage(c));
        first_line(err);
        PQfinish(c);
        return NULL;
    }
    return c;
}

static void deadline_of_caller(const struct dbpool *p, struct timespec *deadline)
{
    if (tls_has_deadline)
        *deadline = tls_deadline;
    else
        *deadline = after_ms(p->bound_ms);
}

PGconn *dbpool_get(struct dbpool *pool, char *err, size_t errlen)
{
    struct timespec deadline;
    struct slot *s;
    long slot;
    PGconn *c;
    int fd = -1;

    deadline_of_caller(pool, &deadline);
    if (dbpool_time_left() <= 0) {
        err_set(err, errlen, "database: the time limit passed before the work could start");
        return NULL;
    }
    slot = take_slot(pool, &deadline);
    if (slot < 0) {
        err_set(err, errlen, "database pool: no connection free within the time limit");
        return NULL;
    }
    s = &pool->slots[slot];
    /* Only the borrower changes a busy slot's connection; the watchdog
     * reads it, so it is read and written under the lock. */
    pthread_mutex_lock(&pool->lock);
    c = s->conn;
    if (c != NULL && PQstatus(c) != CONNECTION_OK) {
        s->conn = NULL;
        fd = s->fd;
        s->fd = -1;
    }
    pthread_mutex_unlock(&pool->lock);
    if (c != NULL && PQstatus(c) != CONNECTION_OK) {
        PQfinish(c);
        if (fd >= 0)
            close(fd);
        c = NULL;
    }
    if (c == NULL) {
        c = open_conn(pool, &deadline, err, errlen);
        fd = c != NULL ? dup(PQsocket(c)) : -1;
        if (c != NULL && fd < 0) {
            err_set(err, errlen, "database pool: dup: %s", err_errno(errno));
            PQfinish(c);
            c = NULL;
        }
    } else {
        fd = -2;   /* keep the slot's */
    }
    pthread_mutex_lock(&pool->lock);
    if (c != NULL) {
        s->conn = c;
        if (fd != -2)
            s->fd = fd;
        s->deadline = deadline;
        s->armed = 1;
    } else {
        s->busy = 0;
        pthread_cond_signal(&pool->freed);
    }
    pthread_mutex_unlock(&pool->lock);
    return c;
}

static long find_slot(struct dbpool *p, PGconn *conn)
{
    long slot = -1;

    pthread_mutex_lock(&p->lock);
    for (size_t i = 0; i < p->size; i++)
        if (p->slots[i].busy && p->slots[i].conn == conn)
            slot = (long)i;
    pthread_mutex_unlock(&p->lock);
    return slot;
}

/* Gives the slot back; closes its connection first when close_it (or when
 * it is broken). */
static void release(struct dbpool *p, long slot, int close_it)
{
    struct slot *s = &p->slots[slot];
    PGconn *dead = NULL;
    int fd = -1;

    pthread_mutex_lock(&p->lock);
    s->armed = 0;
    if (close_it || s->killed || PQstatus(s->conn) != CONNECTION_OK) {
        dead = s->conn;
        fd = s->fd;
        s->conn = NULL;
        s->fd = -1;
    }
    pthread_mutex_unlock(&p->lock);
    if (dead != NULL)
        PQfinish(dead);
    if (fd >= 0)
        close(fd);
    pthread_mutex_lock(&p->lock);
    s->busy = 0;
    s->killed = 0;
    pthread_cond_signal(&p->freed);
    pthread_mutex_unlock(&p->lock);
}

/* The slot of a connection the pool lent, or -1 (NULL, or not ours). */
static long lent_slot(struct dbpool *pool, PGconn *conn)
{
    return conn != NULL ? find_slot(pool, conn) : -1;
}

void dbpool_put(struct dbpool *pool, PGconn *conn)
{
    long slot = lent_slot(pool, conn);

    if (slot < 0)
        return;
    /* Still watched: a ROLLBACK to a frozen server is cut off too. */
    if (PQstatus(conn) == CONNECTION_OK)
        db_rollback(conn);
    release(pool, slot, 0);
}

void dbpool_discard(struct dbpool *pool, PGconn *conn)
{
    long slot = lent_slot(pool, conn);

    if (slot < 0)
        return;
    release(pool, slot, 1);
}
