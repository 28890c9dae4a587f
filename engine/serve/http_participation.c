#include "http_participation.h"

#include "catalog.h"
#include "jsonv.h"
#include "participation.h"
#include "policy.h"
#include "rcache.h"
#include "regsnap.h"
#include "submit.h"

#include <stdio.h>
#include <string.h>

unsigned http_participation_check(struct http_participation_req *q)
{
    if (q->survey == NULL || !jsonv_is_slug(q->survey)) {
        snprintf(q->path, sizeof q->path, "survey");
        snprintf(q->message, sizeof q->message, "survey: expected a survey slug (?survey=...)");
        return q->status = 400;
    }
    if (q->city != NULL && !jsonv_is_slug(q->city)) {
        snprintf(q->path, sizeof q->path, "city");
        snprintf(q->message, sizeof q->message, "city: expected a city slug");
        return q->status = 400;
    }
    /* a coordinator's own city is the default; any other is refused by the
     * policy (http_participation_work) */
    if (q->who->role == AUTH_COORDINATOR && q->city == NULL)
        q->city = q->who->scope;
    return 0;
}

/* The daemon's computed results for participation_load (rcache.h): the
 * same entries GET /v1/stats reads, kept while nothing changed. */
struct models_ctx {
    struct submit *submit;
    PGconn *conn;
    const char *survey;
    struct rcache_entry *e;
};

static const struct results *model_of(void *arg, const char *by_attr, char *err, size_t errlen)
{
    struct models_ctx *m = arg;
    int unknown = 0;

    m->e = submit_results_get(m->submit, m->conn, m->survey, by_attr, &unknown, err, errlen);
    return m->e != NULL ? rcache_model(m->e) : NULL;
}

int http_participation_work(PGconn *conn, void *req, char *err, size_t errlen)
{
    struct http_participation_req *q = req;
    /* an analyst without ?city= reads their network's member cities */
    const char *network = q->who->role == AUTH_ANALYST && q->city == NULL ? q->who->scope : NULL;
    struct catalog *cat = NULL;
    struct regsnap *reg = NULL;
    struct participation *p;
    int unknown = 0, may;

    json_decref(q->doc);   /* what a failed attempt may have left */
    q->doc = NULL;
    if (regsnap_load(conn, &reg, err, errlen) != 0)
        return -1;
    may = policy_may_read(q->who, reg,
                          q->city != NULL ? POLICY_CITY : network != NULL ? POLICY_NETWORK
                                                                          : POLICY_ALL,
                          q->city != NULL ? q->city : network, q->message, sizeof q->message);
    if (!may) {
        regsnap_free(reg);
        q->status = 403;
        return 0;
    }
    if (catalog_load_from(conn, reg, &cat, err, errlen) != 0) {
        regsnap_free(reg);
        return -1;
    }
    /* the same snapshot for the decision and the figures */
    {
        struct models_ctx m = { q->submit, conn, q->survey, NULL };
        struct participation_models models = { model_of, &m };

        p = participation_load(conn, cat, reg, q->survey, q->wave, q->city, network, &models,
                               &unknown, q->message, sizeof q->message);
        submit_results_put(q->submit, m.e);
    }
    catalog_free(cat);
    regsnap_free(reg);
    if (p == NULL) {
        if (!unknown)
            return err_set(err, errlen, "%s", q->message);
        q->status = 404;
        return 0;
    }
    /* a city the registry does not hold */
    if (q->city != NULL && p->ncities == 0) {
        participation_free(p);
        q->status = 404;
        snprintf(q->message, sizeof q->message, "no city '%s'", q->city);
        return 0;
    }
    q->doc = participation_to_json(p);
    participation_free(p);
    if (q->doc == NULL)
        return err_set(err, errlen, "participation: out of memory");
    q->status = 200;
    return 0;
}
