/* regsnap: the registry's tables read once into a typed snapshot (regsnap.h). */
#include "regsnap.h"

#include "collate.h"
#include "db.h"
#include "err.h"
#include "mem.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The rows the strings point into, and the arrays made of them. */
struct store {
    PGresult *cities, *members, *depts, *pops;
    struct regsnap_city *city;
    struct regsnap_dept *dept;
    const char **dept_attrs;
    struct regsnap_population *pop;
    struct regsnap_network *net;
    const char **slugs;   /* members and observers of every network, in one array */
};

static const char cities_sql[] =
    "SELECT slug, name, voivodeship, extra->>'teryt', programme, extra->>'headcount', "
    "coalesce((extra->>'example_headcount')::boolean, false) FROM city ORDER BY slug";

/* Each city's departments and population entries, in the cities' order
 * (by slug: each city's rows one run), then in
 * the registry's order of keys (jsonb's). What is not an object is
 * nothing; an attribute's table without a number is one row of NULLs (the
 * attribute is there, with no headcount). */
static const char depts_sql[] =
    "SELECT c.slug, d.key, e.key, e.value::text FROM city c CROSS JOIN LATERAL "
    "jsonb_each(CASE WHEN jsonb_typeof(c.extra->'departments') = 'object' "
    "THEN c.extra->'departments' ELSE '{}'::jsonb END) WITH ORDINALITY AS d(key, value, o) "
    "LEFT JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(d.value) = 'object' THEN d.value "
    "ELSE '{}'::jsonb END) WITH ORDINALITY AS e(key, value, o) "
    "ON jsonb_typeof(e.value) = 'number' "
    "WHERE jsonb_typeof(d.value) = 'object' ORDER BY c.slug, d.o, e.o";

static const char pops_sql[] =
    "SELECT c.slug, p.key, p.value::text FROM city c, "
    "jsonb_each(CASE WHEN jsonb_typeof(c.extra->'population') = 'object' "
    "THEN c.extra->'population' ELSE '{}'::jsonb END) WITH ORDINALITY AS p(key, value, o) "
    "ORDER BY c.slug, p.o";

/* Sorted by network, then role ("member" < "observer"), so each network's
 * members and observers are consecutive runs of slugs. */
static const char members_sql[] =
    "SELECT n.slug, n.name, n.name_en, m.city, m.role, coalesce(m.example, false) "
    "FROM network n LEFT JOIN network_member m ON m.network = n.slug "
    "ORDER BY n.slug, m.role, m.city";

static const char *opt(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

void regsnap_free(struct regsnap *s)
{
    struct store *st;

    if (s == NULL)
        return;
    st = s->store;
    if (st != NULL) {
        PQclear(st->cities);
        PQclear(st->members);
        PQclear(st->depts);
        PQclear(st->pops);
        FREE_ALL(st->city, st->dept, st->dept_attrs, st->pop, st->net, st->slugs, st);
    }
    free(s);
}

static const char *city_name_of(const struct regsnap *s, const char *slug)
{
    const struct regsnap_city *c = regsnap_city(s, slug);

    return c != NULL ? c->name : slug;
}

/* A run of city slugs in Polish alphabetical order of the cities' names
 * (Kędzierzyn-Koźle before Konin, Żary after Złotów). A few dozen slugs:
 * insertion sort, stable. */
static void sort_by_name(const struct regsnap *s, const char **slugs, size_t n)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && collate_pl(city_name_of(s, slugs[j - 1]),
                                               city_name_of(s, slugs[j])) > 0; j--) {
            const char *t = slugs[j];

            slugs[j] = slugs[j - 1];
            slugs[j - 1] = t;
        }
}

static void take_cities(struct regsnap *s, struct store *st)
{
    int n = PQntuples(st->cities);

    for (int i = 0; i < n; i++) {
        struct regsnap_city *c = &st->city[i];
        const char *hc = opt(st->cities, i, 5);

        c->slug = PQgetvalue(st->cities, i, 0);
        c->name = PQgetvalue(st->cities, i, 1);
        c->voivodeship = opt(st->cities, i, 2);
        c->teryt = opt(st->cities, i, 3);
        c->programme = strcmp(PQgetvalue(st->cities, i, 4), "t") == 0;
        if (hc != NULL) {
            char *end;
            double v = strtod(hc, &end);

            c->headcount = *end == '\0' && v > 0 ? v : 0;
        }
        c->example_headcount = strcmp(PQgetvalue(st->cities, i, 6), "t") == 0;
    }
    s->cities = st->city;
    s->ncities = (size_t)n;
}

/* text as a whole number: 1 with *v, else 0 */
static int whole(const char *text, long long *v)
{
    char *end;

    errno = 0;
    *v = strtoll(text, &end, 10);
    return errno == 0 && end != text && *end == '\0';
}

/* A code written as the decimal integer it is ("3", not "03" or "3.0"):
 * what a lookup by printed code (the survey's option codes) finds. */
static int option_code(const char *key, int *code)
{
    char back[24];
    long long v;

    if (!whole(key, &v) || v < INT_MIN || v > INT_MAX)
        return 0;
    snprintf(back, sizeof back, "%lld", v);
    *code = (int)v;
    return strcmp(back, key) == 0;
}

/* The city of that slug, as the store owns it (writable), or NULL. */
static struct regsnap_city *own_city(const struct regsnap *s, struct store *st,
                                     const char *slug)
{
    const struct regsnap_city *c = regsnap_city(s, slug);

    return c != NULL ? &st->city[c - s->cities] : NULL;
}

/* The departments and population rows: each city's rows are one run (the
 * queries sort by slug); a run is found its city by slug, so a city that
 * a concurrent `registry load` added or removed between the queries
 * costs nothing worse than its extras. */
static void take_extras(struct regsnap *s, struct store *st)
{
    int nd = PQntuples(st->depts), np = PQntuples(st->pops);
    size_t kd = 0, kp = 0, ka = 0;

    for (int d = 0; d < nd;) {
        const char *slug = PQgetvalue(st->depts, d, 0);
        struct regsnap_city *c = own_city(s, st, slug);
        size_t first = kd, first_attr = ka;

        for (; d < nd && strcmp(PQgetvalue(st->depts, d, 0), slug) == 0; d++) {
            struct regsnap_dept *x = &st->dept[kd];
            const char *attr = PQgetvalue(st->depts, d, 1);

            if (c == NULL)
                continue;
            if (ka == first_attr || strcmp(st->dept_attrs[ka - 1], attr) != 0)
                st->dept_attrs[ka++] = attr;
            if (PQgetisnull(st->depts, d, 2) ||
                !option_code(PQgetvalue(st->depts, d, 2), &x->code) ||
                !whole(PQgetvalue(st->depts, d, 3), &x->headcount))
                continue;
            x->attr = attr;
            kd++;
        }
        if (c != NULL && c->ndept_attrs == 0) {
            c->depts = &st->dept[first];
            c->ndepts = kd - first;
            c->dept_attrs = &st->dept_attrs[first_attr];
            c->ndept_attrs = ka - first_attr;
        }
    }
    for (int p = 0; p < np;) {
        const char *slug = PQgetvalue(st->pops, p, 0);
        struct regsnap_city *c = own_city(s, st, slug);
        size_t first = kp;

        for (; p < np && strcmp(PQgetvalue(st->pops, p, 0), slug) == 0; p++)
            if (c != NULL)
                st->pop[kp++] = (struct regsnap_population){ PQgetvalue(st->pops, p, 1),
                                                             PQgetvalue(st->pops, p, 2) };
        if (c != NULL && c->npopulation == 0) {
            c->population = &st->pop[first];
            c->npopulation = kp - first;
        }
    }
}

static void take_networks(struct regsnap *s, struct store *st)
{
    int rows = PQntuples(st->members);
    size_t nnets = 0;

    for (int i = 0; i < rows; i++) {
        const char *slug = PQgetvalue(st->members, i, 0);
        struct regsnap_network *net;

        if (nnets == 0 || strcmp(st->net[nnets - 1].slug, slug) != 0) {
            net = &st->net[nnets++];
            net->slug = slug;
            net->name = PQgetvalue(st->members, i, 1);
            net->name_en = opt(st->members, i, 2);
        }
        net = &st->net[nnets - 1];
        if (PQgetisnull(st->members, i, 3))
            continue;
        st->slugs[i] = PQgetvalue(st->members, i, 3);
        net->example |= strcmp(PQgetvalue(st->members, i, 5), "t") == 0;
        if (strcmp(PQgetvalue(st->members, i, 4), "member") == 0) {
            if (net->nmembers == 0)
                net->members = &st->slugs[i];
            net->nmembers++;
        } else {
            if (net->nobservers == 0)
                net->observers = &st->slugs[i];
            net->nobservers++;
        }
    }
    s->networks = st->net;
    s->nnetworks = nnets;
    for (size_t k = 0; k < nnets; k++) {
        /* members and observers point into st->slugs, which we own */
        sort_by_name(s, (const char **)st->net[k].members, st->net[k].nmembers);
        sort_by_name(s, (const char **)st->net[k].observers, st->net[k].nobservers);
    }
}

int regsnap_load(PGconn *conn, struct regsnap **out, char *err, size_t errlen)
{
    struct regsnap *s = calloc(1, sizeof *s);
    struct store *st = calloc(1, sizeof *st);
    size_t n, rows;

    *out = NULL;
    if (s == NULL || st == NULL) {
        free(s);
        free(st);
        return err_set(err, errlen, "reading the registry: out of memory");
    }
    s->store = st;
    if (db_exec(conn, cities_sql, 0, NULL, &st->cities, NULL, err, errlen) != 0 ||
        db_exec(conn, members_sql, 0, NULL, &st->members, NULL, err, errlen) != 0 ||
        db_exec(conn, depts_sql, 0, NULL, &st->depts, NULL, err, errlen) != 0 ||
        db_exec(conn, pops_sql, 0, NULL, &st->pops, NULL, err, errlen) != 0) {
        regsnap_free(s);
        return err_prefix(err, errlen, "reading the registry");
    }
    n = (size_t)PQntuples(st->cities);
    rows = (size_t)PQntuples(st->members);
    st->city = calloc(n + 1, sizeof *st->city);
    st->net = calloc(rows + 1, sizeof *st->net);
    st->slugs = calloc(rows + 1, sizeof *st->slugs);
    st->dept = calloc((size_t)PQntuples(st->depts) + 1, sizeof *st->dept);
    st->dept_attrs = calloc((size_t)PQntuples(st->depts) + 1, sizeof *st->dept_attrs);
    st->pop = calloc((size_t)PQntuples(st->pops) + 1, sizeof *st->pop);
    if (st->city == NULL || st->net == NULL || st->slugs == NULL || st->dept == NULL ||
        st->dept_attrs == NULL || st->pop == NULL) {
        regsnap_free(s);
        return err_set(err, errlen, "reading the registry: out of memory");
    }
    take_cities(s, st);
    take_extras(s, st);
    take_networks(s, st);
    *out = s;
    return 0;
}

const struct regsnap_city *regsnap_city(const struct regsnap *s, const char *slug)
{
    for (size_t i = 0; s != NULL && slug != NULL && i < s->ncities; i++)
        if (strcmp(s->cities[i].slug, slug) == 0)
            return &s->cities[i];
    return NULL;
}

const struct regsnap_network *regsnap_network(const struct regsnap *s, const char *slug)
{
    for (size_t i = 0; s != NULL && slug != NULL && i < s->nnetworks; i++)
        if (strcmp(s->networks[i].slug, slug) == 0)
            return &s->networks[i];
    return NULL;
}

const char *regsnap_population(const struct regsnap_city *c, const char *survey)
{
    for (size_t i = 0; c != NULL && survey != NULL && i < c->npopulation; i++)
        if (strcmp(c->population[i].survey, survey) == 0)
            return c->population[i].json;
    return NULL;
}

int regsnap_dept_headcount(const struct regsnap_city *c, const char *attr, int code,
                           long long *headcount)
{
    for (size_t i = 0; c != NULL && attr != NULL && i < c->ndepts; i++)
        if (c->depts[i].code == code && strcmp(c->depts[i].attr, attr) == 0) {
            *headcount = c->depts[i].headcount;
            return 1;
        }
    return 0;
}

int regsnap_is_member(const struct regsnap *s, const char *network, const char *city)
{
    const struct regsnap_network *n = regsnap_network(s, network);

    for (size_t i = 0; n != NULL && city != NULL && i < n->nmembers; i++)
        if (strcmp(n->members[i], city) == 0)
            return 1;
    return 0;
}

const char *regsnap_network_name(const struct regsnap_network *n, int english)
{
    return english && n->name_en != NULL ? n->name_en : n->name;
}
