/*
 * empirie-load: an HTTP load generator for POST /v1/responses over plain
 * sockets with keep-alive. It reads request bodies from a file, one body per
 * line (empirie-gen --format ndjson: one response each; --format batches: one
 * array each), and sends them from C concurrent clients, each on its own
 * persistent connection, as fast as the server answers. It prints one line:
 *   requests=R responses=N ok=K seconds=S responses_per_s=X status_4xx=.. ...
 * and exits non-zero when any request did not get 201.
 *
 * Why not curl or wrk: the number must be the daemon's, not the client's, so
 * the client does no per-request allocation, no JSON work and no TLS; bodies
 * are in memory before the clock starts.
 */
#define _GNU_SOURCE /* memmem, strcasestr */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct body {
    const char *p;
    size_t len;
    size_t responses; /* objects in it (its "id" keys) */
};

struct job {
    const char *host;
    const char *port;
    const char *path;
    const char *token;
    struct body *bodies;
    size_t nbodies;
    atomic_size_t next;
    atomic_size_t ok_requests, ok_responses, s4xx, s5xx, failed;
    int verbose;
};

static void usage(FILE *f)
{
    fputs("Usage: empirie-load --url http://HOST:PORT/v1/responses --token TOKEN --file BODIES\n"
          "                    [--concurrency C]\n"
          "\n"
          "Posts every line of BODIES (one JSON body per line: a response object or an\n"
          "array of them) to the URL from C clients (default 16), each on one keep-alive\n"
          "connection, and prints requests, responses stored, seconds and responses/s.\n"
          "Exits 1 when a request does not get 201.\n"
          "\n"
          "  --url URL           plain http only\n"
          "  --token TOKEN       sent as Authorization: Bearer TOKEN\n"
          "  --file FILE         the bodies, one per line\n"
          "  --concurrency C     concurrent clients (default 16)\n"
          "  -v, --verbose       print the first failed answer\n"
          "  -h, --help          this help\n",
          f);
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int connect_to(const struct job *j)
{
    struct addrinfo hints, *res = NULL, *ai;
    int fd = -1, one = 1;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(j->host, j->port, &hints, &res) != 0)
        return -1;
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd >= 0 && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads what has come of the answer after buf's *have bytes (retrying an
 * interrupted recv), keeping buf a string: 0, or -1 when the peer closed,
 * recv failed or buf (cap bytes) is full. */
static int recv_more(int fd, char *buf, size_t cap, size_t *have)
{
    ssize_t r;

    do {
        if (*have + 1 >= cap)
            return -1;
        r = recv(fd, buf + *have, cap - 1 - *have, 0);
    } while (r < 0 && errno == EINTR);
    if (r <= 0)
        return -1;
    *have += (size_t)r;
    buf[*have] = '\0';
    return 0;
}

/* Reads one answer: its status; -1 when the connection broke. *close_after is
 * set when the server said "Connection: close". buf holds the answer. */
static int read_answer(int fd, char *buf, size_t cap, int *close_after)
{
    size_t have = 0, head = 0, clen = 0;
    int status;
    char *end, *cl;

    *close_after = 0;
    for (;;) {
        if (recv_more(fd, buf, cap, &have) != 0)
            return -1;
        end = strstr(buf, "\r\n\r\n");
        if (end != NULL) {
            head = (size_t)(end - buf) + 4;
            break;
        }
    }
    if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
        return -1;
    cl = strcasestr(buf, "\r\ncontent-length:");
    if (cl != NULL && cl < buf + head)
        clen = strtoul(cl + 17, NULL, 10);
    {
        char *conn = strcasestr(buf, "\r\nconnection: close");
        if (conn != NULL && conn < buf + head)
            *close_after = 1;
    }
    while (have < head + clen)
        if (recv_more(fd, buf, cap, &have) != 0)
            return -1;
    return status;
}

static void *client(void *arg)
{
    struct job *j = arg;
    char head[1024], answer[65536];
    int fd = -1, printed = 0;

    for (;;) {
        size_t i = atomic_fetch_add(&j->next, 1);
        const struct body *b;
        int n, status = -1, close_after = 0;

        if (i >= j->nbodies)
            break;
        b = &j->bodies[i];
        n = snprintf(head, sizeof head,
                     "POST %s HTTP/1.1\r\nHost: %s:%s\r\nAuthorization: Bearer %s\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                     j->path, j->host, j->port, j->token, b->len);
        for (int attempt = 0; attempt < 2 && status < 0; attempt++) {
            if (fd < 0)
                fd = connect_to(j);
            if (fd < 0)
                break;
            if (send_all(fd, head, (size_t)n) == 0 && send_all(fd, b->p, b->len) == 0)
                status = read_answer(fd, answer, sizeof answer, &close_after);
            if (status < 0 || close_after) {
                close(fd);
                fd = -1;
            }
        }
        if (status == 201) {
            atomic_fetch_add(&j->ok_requests, 1);
            atomic_fetch_add(&j->ok_responses, b->responses);
            continue;
        }
        if (status >= 400 && status < 500)
            atomic_fetch_add(&j->s4xx, 1);
        else if (status >= 500)
            atomic_fetch_add(&j->s5xx, 1);
        else
            atomic_fetch_add(&j->failed, 1);
        if (j->verbose && !printed && status > 0) {
            fprintf(stderr, "empirie-load: answer %d:\n%s\n", status, answer);
            printed = 1;
        }
    }
    if (fd >= 0)
        close(fd);
    return NULL;
}

static size_t count_ids(const char *p, size_t len)
{
    size_t n = 0;

    const char *q = memmem(p, len, "\"id\":", 5);

    while (q != NULL) {
        n++;
        q += 5;
        q = memmem(q, len - (size_t)(q - p), "\"id\":", 5);
    }
    return n;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    char *buf;

    if (f == NULL)
        return NULL;
    if (fstat(fileno(f), &st) != 0) {
        fclose(f);
        return NULL;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL || fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    buf[st.st_size] = '\0';
    *len = (size_t)st.st_size;
    return buf;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "url", required_argument, NULL, 'u' },   { "token", required_argument, NULL, 't' },
        { "file", required_argument, NULL, 'f' },  { "concurrency", required_argument, NULL, 'c' },
        { "verbose", no_argument, NULL, 'v' },     { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    static struct job j;
    const char *url = NULL, *file = NULL;
    char hostport[256], *colon, *data;
    const char *rest;
    size_t len, cap = 1024;
    long conc = 16;
    pthread_t *threads;
    double t0, secs;
    int c;

    while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
        switch (c) {
        case 'u': url = optarg; break;
        case 't': j.token = optarg; break;
        case 'f': file = optarg; break;
        case 'c': {
            char *end;
            conc = strtol(optarg, &end, 10);
            if (*end != '\0' || conc < 1 || conc > 4096) {
                fprintf(stderr, "empirie-load: --concurrency: expected 1 to 4096, got '%s'\n",
                        optarg);
                return 2;
            }
            break;
        }
        case 'v': j.verbose = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (url == NULL || j.token == NULL || file == NULL || optind != argc) {
        fprintf(stderr, "empirie-load: --url, --token and --file are required\n");
        usage(stderr);
        return 2;
    }
    if (strncmp(url, "http://", 7) != 0) {
        fprintf(stderr, "empirie-load: only http:// URLs, got '%s'\n", url);
        return 2;
    }
    rest = strchr(url + 7, '/');
    if (rest == NULL || (size_t)(rest - (url + 7)) >= sizeof hostport) {
        fprintf(stderr, "empirie-load: expected http://HOST:PORT/PATH, got '%s'\n", url);
        return 2;
    }
    memcpy(hostport, url + 7, (size_t)(rest - (url + 7)));
    hostport[rest - (url + 7)] = '\0';
    colon = strrchr(hostport, ':');
    if (colon == NULL) {
        fprintf(stderr, "empirie-load: the URL needs a port, got '%s'\n", url);
        return 2;
    }
    *colon = '\0';
    j.host = hostport;
    j.port = colon + 1;
    j.path = rest;

    data = read_file(file, &len);
    if (data == NULL) {
        fprintf(stderr, "empirie-load: %s: %s\n", file, strerror(errno != 0 ? errno : EIO));
        return 1;
    }
    j.bodies = malloc(cap * sizeof *j.bodies);
    if (j.bodies == NULL) {
        fprintf(stderr, "empirie-load: out of memory\n");
        free(data);
        return 1;
    }
    for (char *p = data; p < data + len;) {
        char *nl = memchr(p, '\n', (size_t)(data + len - p));
        size_t l = nl != NULL ? (size_t)(nl - p) : (size_t)(data + len - p);

        if (l > 0) {
            if (j.nbodies == cap) {
                struct body *nb = realloc(j.bodies, 2 * cap * sizeof *nb);
                if (nb == NULL) {
                    fprintf(stderr, "empirie-load: out of memory\n");
                    free(j.bodies);
                    free(data);
                    return 1;
                }
                j.bodies = nb;
                cap *= 2;
            }
            j.bodies[j.nbodies].p = p;
            j.bodies[j.nbodies].len = l;
            j.bodies[j.nbodies].responses = count_ids(p, l);
            j.nbodies++;
        }
        p += l + 1;
    }
    threads = calloc((size_t)conc, sizeof *threads);
    if (threads == NULL) {
        fprintf(stderr, "empirie-load: out of memory\n");
        free(j.bodies);
        free(data);
        return 1;
    }
    t0 = now();
    for (long i = 0; i < conc; i++) {
        if (pthread_create(&threads[i], NULL, client, &j) != 0) {
            fprintf(stderr, "empirie-load: cannot start thread %ld\n", i);
            conc = i;
            break;
        }
    }
    for (long i = 0; i < conc; i++)
        pthread_join(threads[i], NULL);
    secs = now() - t0;
    printf("requests=%zu responses=%zu ok=%zu seconds=%.3f responses_per_s=%.0f "
           "status_4xx=%zu status_5xx=%zu failed=%zu\n",
           j.nbodies, (size_t)j.ok_responses, (size_t)j.ok_requests, secs,
           secs > 0 ? (double)j.ok_responses / secs : 0.0, (size_t)j.s4xx, (size_t)j.s5xx,
           (size_t)j.failed);
    free(threads);
    free(j.bodies);
    free(data);
    return j.ok_requests == j.nbodies ? 0 : 1;
}
