/*
 * participation: the typed model (participation.h) from the registry, the
 * responses per city and day, and the anonymity flags of the typed results
 * model (results_model.h).
 */
#include "participation.h"

#include "anon.h"
#include "db.h"
#include "err.h"
#include "mem.h"
#include "regsnap.h"
#include "results.h"
#include "results_model.h"
#include "survey.h"
#include "wavewin.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Responses per city and day of receipt in the wave ($1 survey, $2 wave,
 * $3 city or NULL): every response, and those not void. The cities in
 * scope and a network's members come from the registry snapshot. */
static const char *const days_sql =
    "SELECT r.city, r.received_on::text, count(*) FILTER (WHERE v.id IS NULL) "
    "FROM response r LEFT JOIN response_void v ON v.city = r.city AND v.id = r.id "
    "WHERE r.survey = $1 AND r.wave = $2 AND ($3::text IS NULL OR r.city = $3) "
    "GROUP BY 1, 2 ORDER BY 1, 2";

static double rate(double responses, double headcount)
{
    return headcount > 0 ? responses / headcount : NAN;
}

/* A department's part in the results model's city group g (broken down by
 * the department attribute): its respondents, or -1 when hidden (its flag
 * in *why); 0 when it holds nobody (only parts with respondents are
 * listed). */
static double part_count(const struct results *r, const struct results_group *g, int code,
                         int *why)
{
    const struct survey_attr *attr = &r->in->survey->attrs[r->attr];

    *why = ANON_SHOWN;
    for (size_t i = 0; i < g->nparts; i++) {
        const struct results_part *p = &g->parts[i];

        if (p->part >= attr->noptions || attr->options[p->part].code != code)
            continue;
        if (p->hidden) {
            *why = p->hidden;
            return -1;
        }
        return p->respondents;
    }
    return 0;
}

/* The departments of city c that the registry gives a headcount for
 * (reg: its snapshot entry) for attribute attr, with their responses as the
 * results model shows them (g: the city, broken down by attr; NULL when the
 * wave has no group for it): a department the statistics hide is hidden
 * here too, for the same reason, so participation never shows what the
 * anonymity rules hide (anon.h). 0, or -1 when out of memory. */
static int departments(struct participation_city *c, const struct survey_attr *attr,
                       const struct regsnap_city *reg, const struct results *r,
                       const struct results_group *g)
{
    c->depts = calloc(attr->noptions > 0 ? attr->noptions : 1, sizeof *c->depts);
    if (c->depts == NULL)
        return -1;
    c->has_departments = 1;
    for (size_t i = 0; i < attr->noptions; i++) {
        const struct survey_option *opt = &attr->options[i];
        struct participation_dept *d = &c->depts[c->ndepts];
        long long heads;
        double n;
        int why = ANON_BELOW_THRESHOLD;

        if (!regsnap_dept_headcount(reg, attr->code, opt->code, &heads))
            continue;
        d->label = strdup(opt->label_pl != NULL ? opt->label_pl : "");
        if (d->label == NULL)
            return -1;
        c->ndepts++;
        d->code = opt->code;
        d->headcount = heads;
        n = g != NULL ? part_count(r, g, opt->code, &why) : -1;
        if (n < 0) {
            d->hidden = why != ANON_SHOWN ? why : ANON_BELOW_THRESHOLD;
            d->rate = NAN;
        } else {
            d->responses = (long long)n;
            d->rate = rate((double)d->responses, (double)d->headcount);
        }
    }
    return 0;
}

/* Whether the registry gives city c a table of department headcounts for
 * attribute attr (maybe empty: the city then lists no department). */
static int has_depts(const struct regsnap_city *c, const char *attr)
{
    for (size_t i = 0; i < c->ndept_attrs; i++)
        if (strcmp(c->dept_attrs[i], attr) == 0)
            return 1;
    return 0;
}

/* The index of the department attribute: the first of the survey's
 * attributes that a city in scope has a headcount table for (in the
 * registry's order); -1 when none has. */
static int department_attr(const struct survey *s, const struct regsnap_city *const *in,
                           size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < in[i]->ndept_attrs; k++) {
            int a = survey_attr_index(s, in[i]->dept_attrs[k]);

            if (a >= 0)
                return a;
        }
    return -1;
}

/* Whether dres (city, day, count) has a row of city slug: a response in
 * the wave, void or not. */
static int has_rows(PGresult *dres, const char *slug)
{
    for (int j = 0; j < PQntuples(dres); j++)
        if (strcmp(PQgetvalue(dres, j, 0), slug) == 0)
            return 1;
    return 0;
}

/* The cities in scope, in the registry's order: city (when given), a
 * network's members (when given), and of those the programme's cities,
 * the city asked for, and any other with responses in the wave. *n
 * receives the count; NULL when out of memory. */
static const struct regsnap_city **in_scope(const struct regsnap *reg, const char *city,
                                            const char *network, PGresult *dres, size_t *n)
{
    const struct regsnap_city **in = calloc(reg->ncities + 1, sizeof *in);

    *n = 0;
    for (size_t i = 0; in != NULL && i < reg->ncities; i++) {
        const struct regsnap_city *c = &reg->cities[i];

        if ((city != NULL && strcmp(c->slug, city) != 0) ||
            (network != NULL && !regsnap_is_member(reg, network, c->slug)))
            continue;
        if (c->programme || city != NULL || has_rows(dres, c->slug))
            in[(*n)++] = c;
    }
    return in;
}

/* The days of city slug (dres: city, day, count, in city order). 0, or -1
 * when out of memory. */
static int days(struct participation_city *c, PGresult *dres)
{
    int n = PQntuples(dres);

    c->days = calloc(n > 0 ? (size_t)n : 1, sizeof *c->days);
    if (c->days == NULL)
        return -1;
    for (int j = 0; j < n; j++) {
        struct participation_day *d = &c->days[c->ndays];

        if (strcmp(PQgetvalue(dres, j, 0), c->slug) != 0 ||
            strcmp(PQgetvalue(dres, j, 2), "0") == 0)
            continue;   /* another city's, or every response of the day void */
        d->day = strdup(PQgetvalue(dres, j, 1));
        if (d->day == NULL)
            return -1;
        d->responses = strtoll(PQgetvalue(dres, j, 2), NULL, 10);
        c->ndays++;
    }
    return 0;
}

/* City rc of the registry, its flags from the results model r (NULL-safe
 * group). */
static int city(struct participation *p, struct participation_city *c,
                const struct regsnap_city *rc, PGresult *dres, const struct survey *s,
                int dept_index, const struct results *r)
{
    double heads = rc->headcount;
    const struct results_group *g = results_find(r, p->wave, RESULTS_CITY, rc->slug);
    double n = 0;

    c->slug = strdup(rc->slug);
    c->name = strdup(rc->name);
    if (c->slug == NULL || c->name == NULL)
        return -1;
    c->headcount = heads > 0 ? (long long)heads : 0;
    c->example_headcount = rc->example_headcount;
    c->rate = NAN;
    if (g != NULL && g->hidden) {
        /* the statistics hide the city in this wave: so does this */
        c->hidden = g->hidden;
        return 0;
    }
    if (days(c, dres) != 0)
        return -1;
    for (size_t j = 0; j < c->ndays; j++)
        n += (double)c->days[j].responses;
    c->responses = (long long)n;
    c->rate = rate(n, heads);
    if (dept_index >= 0 && has_depts(rc, s->attrs[dept_index].code) &&
        departments(c, &s->attrs[dept_index], rc, r, g) != 0)
        return -1;
    return 0;
}

/* The totals of the shown cities; the rate counts only the cities whose
 * headcount is known. */
static void totals(struct participation *p)
{
    struct participation_total *t = &p->total;
    double total_heads = 0, with = 0;

    for (size_t i = 0; i < p->ncities; i++) {
        const struct participation_city *c = &p->cities[i];

        if (c->hidden) {
            t->hidden_cities++;
            continue;
        }
        t->responses += c->responses;
        if (c->headcount > 0) {
            total_heads += (double)c->headcount;
            with += (double)c->responses;
            t->cities_with_headcount++;
        }
    }
    t->headcount = (long long)total_heads;
    t->rate = t->cities_with_headcount > 0 ? rate(with, total_heads) : NAN;
}

static char *dup_or_null(const char *s, int *failed)
{
    char *d = s != NULL ? strdup(s) : NULL;

    if (s != NULL && d == NULL)
        *failed = 1;
    return d;
}

struct participation *participation_load(PGconn *conn, const struct catalog *cat,
                                         const struct regsnap *reg, const char *survey,
                                         const char *wave,
                                         const char *city_slug, const char *network,
                                         const struct participation_models *models,
                                         int *unknown, char *err, size_t errlen)
{
    const struct catalog_wave *w = NULL;
    const struct survey *s;
    const struct results *r;
    struct results_src *src = NULL;
    struct regsnap *own = NULL;
    const struct regsnap_city **in = NULL;
    PGresult *dres = NULL;
    const char *params[3];
    struct participation *p = NULL;
    size_t nwaves = 0, nin = 0;
    int dept_index, failed = 0;

    *unknown = 0;
    (void)catalog_waves(cat, survey, &nwaves);
    if (nwaves == 0) {
        *unknown = 1;
        return err_set(err, errlen, "no survey '%s' (or it has no waves)", survey), NULL;
    }
    if (wave == NULL) {   /* the latest wave that has opened */
        char today[11];

        wavewin_today(today);
        w = wavewin_default_wave(cat, survey, today);
        if (w == NULL) {
            *unknown = 1;
            return err_set(err, errlen, "no wave of survey '%s' has opened yet", survey), NULL;
        }
    }
    w = wave != NULL ? catalog_wave(cat, survey, wave) : w;
    if (w == NULL) {
        *unknown = 1;
        return err_set(err, errlen, "survey '%s' has no wave '%s'", survey, wave), NULL;
    }
    s = catalog_survey(cat, survey, w->survey_version);
    if (s == NULL)
        return err_set(err, errlen, "survey '%s' version %d is not loaded", survey,
                       w->survey_version), NULL;
    params[0] = survey;
    params[1] = w->label;
    params[2] = city_slug;
    if (reg == NULL && regsnap_load(conn, &own, err, errlen) != 0)
        goto fail;
    if (reg == NULL)
        reg = own;
    if (db_exec(conn, days_sql, 3, params, &dres, NULL, err, errlen) != 0)
        goto fail;
    in = in_scope(reg, city_slug, network, dres, &nin);
    if (in == NULL)
        goto oom;
    dept_index = department_attr(s, in, nin);
    /* what the statistics show and hide of the wave, broken down by the
     * department attribute when there is one: the same model, so the same
     * anonymity flags */
    if (models != NULL && models->get != NULL) {
        r = models->get(models->ctx, dept_index >= 0 ? s->attrs[dept_index].code : NULL, err,
                        errlen);
    } else {
        src = results_src_load(conn, cat, reg, survey,
                               dept_index >= 0 ? s->attrs[dept_index].code : NULL, NULL, NULL,
                               err, errlen);
        r = src != NULL ? results_src_model(src, err, errlen) : NULL;
    }
    if (r == NULL)
        goto fail;
    p = calloc(1, sizeof *p);
    if (p == NULL)
        goto oom;
    p->survey = dup_or_null(survey, &failed);
    p->wave = dup_or_null(w->label, &failed);
    p->opens_on = dup_or_null(w->opens_on, &failed);
    p->closes_on = dup_or_null(w->closes_on, &failed);
    p->department_attribute =
        dept_index >= 0 ? dup_or_null(s->attrs[dept_index].code, &failed) : NULL;
    p->threshold = anon_threshold(s->anonymity_threshold);
    p->cities = calloc(nin + 1, sizeof *p->cities);
    if (failed || p->cities == NULL)
        goto oom;
    for (size_t i = 0; i < nin; i++) {
        /* counted before it is filled, so that participation_free frees
         * what a failure leaves */
        p->ncities++;
        if (city(p, &p->cities[i], in[i], dres, s, dept_index, r) != 0)
            goto oom;
    }
    totals(p);
    goto done;
oom:
    err_set(err, errlen, "out of memory");
fail:
    participation_free(p);
    p = NULL;
done:
    results_src_free(src);
    free(in);
    regsnap_free(own);
    PQclear(dres);
    return p;
}

static void city_free(struct participation_city *c)
{
    for (size_t j = 0; j < c->ndays; j++)
        free(c->days[j].day);
    for (size_t j = 0; j < c->ndepts; j++)
        free(c->depts[j].label);
    FREE_ALL(c->days, c->depts, c->slug, c->name);
}

void participation_free(struct participation *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->ncities; i++)
        city_free(&p->cities[i]);
    FREE_ALL(p->cities, p->survey, p->wave, p->opens_on, p->closes_on, p->department_attribute,
             p);
}
