#include "workq.h"

#include "crew.h"
#include "err.h"

#include <stdlib.h>

struct job {
    workq_fn fn;
    void *arg;
    struct job *next;
};

struct workq {
    struct crew crew;   /* its lock guards the queue; wake: a job came, or stop */
    struct job *head, **tail;
    size_t waiting;
};

static void *run(void *arg)
{
    struct workq *q = arg;

    pthread_mutex_lock(&q->crew.lock);
    for (;;) {
        struct job *j;

        while (q->head == NULL && !q->crew.stopping)
            pthread_cond_wait(&q->crew.wake, &q->crew.lock);
        if (q->head == NULL)
            break;
        j = q->head;
        q->head = j->next;
        if (q->head == NULL)
            q->tail = &q->head;
        q->waiting--;
        pthread_mutex_unlock(&q->crew.lock);
        j->fn(j->arg);
        free(j);
        pthread_mutex_lock(&q->crew.lock);
    }
    pthread_mutex_unlock(&q->crew.lock);
    return NULL;
}

int workq_create(unsigned threads, struct workq **out, char *err, size_t errlen)
{
    struct workq *q = calloc(1, sizeof *q);

    *out = NULL;
    if (q == NULL || threads == 0) {
        free(q);
        return err_set(err, errlen, threads == 0 ? "at least one worker thread is needed"
                                                 : "out of memory");
    }
    q->tail = &q->head;
    *out = crew_launch(q, &q->crew, threads, run, "the worker threads", err, errlen);
    return *out != NULL ? 0 : -1;
}

int workq_push(struct workq *q, workq_fn fn, void *arg)
{
    struct job *j = malloc(sizeof *j);

    if (j == NULL)
        return -1;
    j->fn = fn;
    j->arg = arg;
    j->next = NULL;
    pthread_mutex_lock(&q->crew.lock);
    if (q->crew.stopping) {
        pthread_mutex_unlock(&q->crew.lock);
        free(j);
        return -1;
    }
    *q->tail = j;
    q->tail = &j->next;
    q->waiting++;
    pthread_cond_signal(&q->crew.wake);
    pthread_mutex_unlock(&q->crew.lock);
    return 0;
}

size_t workq_waiting(struct workq *q)
{
    return crew_read(&q->crew, &q->waiting);
}

void workq_free(struct workq *q)
{
    if (q == NULL)
        return;
    crew_stop(&q->crew);   /* the threads run what is queued before they see stopping */
    free(q);
}
