#include "tokencache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct entry {
    struct auth_principal who;   /* who.hash[0] == '\0': empty */
    time_t expires;              /* CLOCK_MONOTONIC seconds */
};

struct tokencache {
    pthread_mutex_t lock;
    struct entry *slots;
    size_t mask;
    unsigned ttl;
};

static time_t now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec;
}

/* The hash is uniformly random hex: its first characters pick the slot. */
static size_t slot_of(const struct tokencache *c, const char *hash)
{
    size_t h = 0;

    for (int i = 0; i < 12 && hash[i] != '\0'; i++) {
        char ch = hash[i];

        h = h * 16 + (size_t)(ch >= 'a' ? ch - 'a' + 10 : ch >= 'A' ? ch - 'A' + 10 : ch - '0');
    }
    return h & c->mask;
}

struct tokencache *tokencache_create(size_t slots, unsigned ttl_seconds)
{
    struct tokencache *c = calloc(1, sizeof *c);
    size_t n = 1;

    if (c == NULL)
        return NULL;
    while (n < slots && n < ((size_t)1 << 20))
        n *= 2;
    c->slots = calloc(n, sizeof *c->slots);
    if (c->slots == NULL || pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c->slots);
        free(c);
        return NULL;
    }
    c->mask = n - 1;
    c->ttl = ttl_seconds;
    return c;
}

void tokencache_free(struct tokencache *c)
{
    if (c == NULL)
        return;
    pthread_mutex_destroy(&c->lock);
    free(c->slots);
    free(c);
}

int tokencache_get(struct tokencache *c, const char *hash, struct auth_principal *who)
{
    struct entry *e;
    int hit = 0;

    if (hash == NULL || hash[0] == '\0')
        return 0;
    pthread_mutex_lock(&c->lock);
    e = &c->slots[slot_of(c, hash)];
    if (e->who.hash[0] != '\0' && strcmp(e->who.hash, hash) == 0) {
        if (now_s() < e->expires) {
            *who = e->who;
            hit = 1;
        } else {
            memset(e, 0, sizeof *e);
        }
    }
    pthread_mutex_unlock(&c->lock);
    return hit;
}

void tokencache_put(struct tokencache *c, const struct auth_principal *who)
{
    struct entry *e;

    if (who->hash[0] == '\0')
        return;
    pthread_mutex_lock(&c->lock);
    e = &c->slots[slot_of(c, who->hash)];
    e->who = *who;
    e->expires = now_s() + (time_t)c->ttl;
    pthread_mutex_unlock(&c->lock);
}

void tokencache_forget(struct tokencache *c, const char *hash)
{
    struct entry *e;

    pthread_mutex_lock(&c->lock);
    e = &c->slots[slot_of(c, hash)];
    if (strcmp(e->who.hash, hash) == 0)
        memset(e, 0, sizeof *e);
    pthread_mutex_unlock(&c->lock);
}
