/*
 * regsnap: one typed snapshot of the registry's tables (city, network,
 * network_member) as the database holds them, read in one place and used
 * by every reader: the results (names, headcounts, each network's members),
 * the workbooks' facts (regfacts.h: TERC, voivodeship), the names a person
 * types (names.h), `registry list`, and the daemon's decisions of who may
 * read what (policy.h). A snapshot is immutable once loaded; its strings
 * live as long as it does.
 *
 * Everything is read here, with fixed queries, and nowhere else: a reader
 * that needs more of the registry adds a field here. What the registry
 * keeps as nested JSON is typed as far as its readers use it: each city's
 * staff headcounts per department (attribute, option code, headcount);
 * its population figures per survey stay the JSON text of the entry,
 * whose shape (cells or margins, one or two attributes) weights.c checks
 * with its own precise notes.
 *
 * Cities are in the database's order of slugs, networks too; each
 * network's members and observers in Polish alphabetical order of the
 * cities' names (collate.h), so every list built from a network reads as
 * Polish does. Lookups are linear: the programme has a few dozen of each.
 */
#ifndef EMPIRIE_REGSNAP_H
#define EMPIRIE_REGSNAP_H

#include <libpq-fe.h>
#include <stddef.h>

/* A department's staff headcount (city.extra->'departments'). */
struct regsnap_dept {
    const char *attr;           /* the survey attribute's code, e.g. "wydzial" */
    int code;                   /* the option's code */
    long long headcount;
};

/* The population figures of one survey (city.extra->'population'). */
struct regsnap_population {
    const char *survey;         /* the survey's slug */
    const char *json;           /* the entry as JSON text (docs/registry.md) */
};

struct regsnap_city {
    const char *slug;
    const char *name;
    const char *voivodeship;    /* NULL when not given */
    const char *teryt;          /* the TERC code; NULL when not given */
    int programme;              /* in the programme (else a city outside it, with data) */
    double headcount;           /* the staff headcount; 0 when not given */
    int example_headcount;      /* the headcount is an example, not a real figure */
    /* The departments' headcounts, in the registry's order of attributes
     * and codes; only whole numbers are kept (a code that is not a decimal
     * integer, a count that is not a whole number, are left out). */
    const struct regsnap_dept *depts;
    size_t ndepts;
    /* The attributes the registry gives a table of department headcounts
     * for (an object, maybe empty), in its order. */
    const char *const *dept_attrs;
    size_t ndept_attrs;
    const struct regsnap_population *population;   /* by survey slug */
    size_t npopulation;
};

struct regsnap_network {
    const char *slug;
    const char *name;           /* Polish */
    const char *name_en;        /* NULL when not given */
    const char *const *members;     /* city slugs, role member */
    size_t nmembers;
    const char *const *observers;   /* city slugs, role observer: listed, not counted */
    size_t nobservers;
    int example;                /* some membership is an example */
};

struct regsnap {
    const struct regsnap_city *cities;
    size_t ncities;
    const struct regsnap_network *networks;
    size_t nnetworks;
    void *store;    /* what the strings point into: private */
};

/* Reads the registry. 0 with *out (regsnap_free it), or -1 with err (a
 * database error or out of memory) and *out NULL. */
int regsnap_load(PGconn *conn, struct regsnap **out, char *err, size_t errlen);

void regsnap_free(struct regsnap *s);

/* The city or network of that slug, or NULL (also when s or slug is NULL). */
const struct regsnap_city *regsnap_city(const struct regsnap *s, const char *slug);
const struct regsnap_network *regsnap_network(const struct regsnap *s, const char *slug);

/* The population entry of survey in city c (JSON text), or NULL. */
const char *regsnap_population(const struct regsnap_city *c, const char *survey);

/* The headcount of department code of attribute attr in city c: 1 with
 * *headcount, or 0 when the registry has none. */
int regsnap_dept_headcount(const struct regsnap_city *c, const char *attr, int code,
                           long long *headcount);

/* 1 when city is a member (role member, not observer) of network. */
int regsnap_is_member(const struct regsnap *s, const char *network, const char *city);

/* A network's name in the language asked: English when asked and given,
 * else Polish. */
const char *regsnap_network_name(const struct regsnap_network *n, int english);

#endif
