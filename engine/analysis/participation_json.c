/*
 * participation_json: the JSON view of the participation model
 * (participation.h; docs/api.md, GET /v1/participation).
 */
#include "participation.h"

#include "anon.h"

#include <math.h>

struct view {
    int failed;       /* an allocation failed: the document is not whole */
};

/* Sets key of o to val (a new reference); a NULL val or a failure marks
 * the view failed, so no partial document is ever published. */
static void put(struct view *v, json_t *o, const char *key, json_t *val)
{
    if (o == NULL) {
        json_decref(val);
        v->failed = 1;
    } else if (val == NULL || json_object_set_new(o, key, val) != 0) {
        v->failed = 1;   /* json_object_set_new released val */
    }
}

static void push(struct view *v, json_t *arr, json_t *val)
{
    if (arr == NULL) {
        json_decref(val);
        v->failed = 1;
    } else if (val == NULL || json_array_append_new(arr, val) != 0) {
        v->failed = 1;
    }
}

static json_t *jrate(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

static json_t *jstr(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

static const char *reason(int flag)
{
    const char *why = anon_reason_code((enum anon_flag)flag);

    return why != NULL ? why : "below_threshold";
}

static json_t *json_dept(struct view *v, const struct participation_dept *d)
{
    json_t *o = json_object();

    put(v, o, "code", json_integer(d->code));
    put(v, o, "label", json_string(d->label));
    put(v, o, "headcount", json_integer((json_int_t)d->headcount));
    put(v, o, "responses", d->hidden ? json_null() : json_integer((json_int_t)d->responses));
    put(v, o, "rate", d->hidden ? json_null() : jrate(d->rate));
    put(v, o, "hidden", json_boolean(d->hidden));
    if (d->hidden)
        put(v, o, "reason", json_string(reason(d->hidden)));
    return o;
}

static json_t *json_city(struct view *v, const struct participation_city *c)
{
    json_t *o = json_object(), *days, *depts;

    put(v, o, "city", json_string(c->slug));
    put(v, o, "name", json_string(c->name));
    put(v, o, "responses", c->hidden ? json_null() : json_integer((json_int_t)c->responses));
    put(v, o, "headcount", c->headcount > 0 ? json_integer((json_int_t)c->headcount) : json_null());
    put(v, o, "rate", c->hidden ? json_null() : jrate(c->rate));
    put(v, o, "example_headcount", json_boolean(c->example_headcount));
    if (c->hidden) {
        /* no count of any kind: no day, no department */
        put(v, o, "by_day", json_null());
        put(v, o, "departments", json_null());
        put(v, o, "hidden", json_true());
        put(v, o, "reason", json_string(reason(c->hidden)));
        return o;
    }
    days = json_array();
    for (size_t i = 0; i < c->ndays; i++)
        push(v, days,
             json_pack("{s:s,s:I}", "day", c->days[i].day, "responses",
                       (json_int_t)c->days[i].responses));
    put(v, o, "by_day", days);
    if (c->has_departments) {
        depts = json_array();
        for (size_t i = 0; i < c->ndepts; i++)
            push(v, depts, json_dept(v, &c->depts[i]));
    } else {
        depts = json_null();
    }
    put(v, o, "departments", depts);
    put(v, o, "hidden", json_false());
    return o;
}

json_t *participation_to_json(const struct participation *p)
{
    struct view v = { 0 };
    json_t *doc = json_object(), *cities = json_array(), *total = json_object();
    const struct participation_total *t = &p->total;

    put(&v, doc, "survey", jstr(p->survey));
    put(&v, doc, "wave", jstr(p->wave));
    put(&v, doc, "opens_on", jstr(p->opens_on));
    put(&v, doc, "closes_on", jstr(p->closes_on));
    put(&v, doc, "threshold", json_integer(p->threshold));
    put(&v, doc, "department_attribute", jstr(p->department_attribute));
    for (size_t i = 0; i < p->ncities; i++)
        push(&v, cities, json_city(&v, &p->cities[i]));
    put(&v, doc, "cities", cities);
    put(&v, total, "responses", json_integer((json_int_t)t->responses));
    put(&v, total, "headcount",
        t->cities_with_headcount > 0 ? json_integer((json_int_t)t->headcount) : json_null());
    put(&v, total, "cities_with_headcount", json_integer(t->cities_with_headcount));
    put(&v, total, "rate", jrate(t->rate));
    /* a hidden city's count is in no total either: the total of the shown
     * cities, and how many are hidden */
    put(&v, total, "hidden_cities", json_integer((json_int_t)t->hidden_cities));
    put(&v, doc, "total", total);
    if (v.failed) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}
