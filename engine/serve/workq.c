#include "workq.h"

#include "err.h"

#include <pthread.h>
#include <stdlib.h>

struct job {
    workq_fn fn;
    void *arg;
    struct job *next;
};

struct workq {
    pthread_mutex_t lock;
    pthread_cond_t more;
    struct job *head, **tail;
    size_t waiting;
    int stopping;
    unsigned nthreads;
    pthread_t *threads;
};

static void *run(void *arg)
{
    struct workq *q = arg;

    pthread_mutex_lock(&q->lock);
    for (;;) {
        struct job *j;

        while (q->head == NULL && !q->stopping)
            pthread_cond_wait(&q->more, &q->lock);
        if (q->head == NULL)
            break;
        j = q->head;
        q->head = j->next;
        if (q->head == NULL)
            q->tail = &q->head;
        q->waiting--;
        pthread_mutex_unlock(&q->lock);
        j->fn(j->arg);
        free(j);
        pthread_mutex_lock(&q->lock);
    }
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

static void stop(struct workq *q, unsigned started)
{
    pthread_mutex_lock(&q->lock);
    q->stopping = 1;
    pthread_cond_broadcast(&q->more);
    pthread_mutex_unlock(&q->lock);
    for (unsigned i = 0; i < started; i++)
        pthread_join(q->threads[i], NULL);
}

int workq_create(unsigned threads, struct workq **out, char *err, size_t errlen)
{
    struct workq *q = calloc(1, sizeof *q);
    unsigned started = 0;

    *out = NULL;
    if (q == NULL || threads == 0 || (q->threads = calloc(threads, sizeof *q->threads)) == NULL) {
        free(q);
        return err_set(err, errlen, threads == 0 ? "at least one worker thread is needed"
                                                 : "out of memory");
    }
    q->tail = &q->head;
    q->nthreads = threads;
    if (pthread_mutex_init(&q->lock, NULL) != 0 || pthread_cond_init(&q->more, NULL) != 0) {
        free(q->threads);
        free(q);
        return err_set(err, errlen, "cannot create a lock");
    }
    for (; started < threads; started++)
        if (pthread_create(&q->threads[started], NULL, run, q) != 0)
            break;
    if (started < threads) {
        stop(q, started);
        pthread_cond_destroy(&q->more);
        pthread_mutex_destroy(&q->lock);
        free(q->threads);
        free(q);
        return err_set(err, errlen, "cannot start the worker threads");
    }
    *out = q;
    return 0;
}

int workq_push(struct workq *q, workq_fn fn, void *arg)
{
    struct job *j = malloc(sizeof *j);

    if (j == NULL)
        return -1;
    j->fn = fn;
    j->arg = arg;
    j->next = NULL;
    pthread_mutex_lock(&q->lock);
    if (q->stopping) {
        pthread_mutex_unlock(&q->lock);
        free(j);
        return -1;
    }
    *q->tail = j;
    q->tail = &j->next;
    q->waiting++;
    pthread_cond_signal(&q->more);
    pthread_mutex_unlock(&q->lock);
    return 0;
}

size_t workq_waiting(struct workq *q)
{
    size_t n;

    pthread_mutex_lock(&q->lock);
    n = q->waiting;
    pthread_mutex_unlock(&q->lock);
    return n;
}

void workq_free(struct workq *q)
{
    if (q == NULL)
        return;
    stop(q, q->nthreads);
    pthread_cond_destroy(&q->more);
    pthread_mutex_destroy(&q->lock);
    free(q->threads);
    free(q);
}
