/*
 * results: the typed model's entry point for JSON readers (results_build:
 * compute, then the JSON view) and the lookups of the results document
 * (one group, its weighting, the view `stats --json` prints).
 */
#include "results.h"
#include "results_model.h"

#include "err.h"
#include "label.h"
#include "vocab.h"
#include "wavewin.h"

#include <string.h>

json_t *results_build(const struct results_input *in, char *err, size_t errlen)
{
    struct results *r = results_compute(in, err, errlen);
    json_t *doc;

    if (r == NULL)
        return NULL;
    doc = results_to_json(r, in->english, err, errlen);
    results_free(r);
    return doc;
}

long results_default_wave(const struct results *r)
{
    char today[11];

    if (r->in->wave_opens == NULL)
        return (long)r->nwaves - 1;
    wavewin_today(today);
    return wavewin_default(r->in->wave_opens, r->nwaves, today);
}

const char *results_group_name(const struct results_group *g, int english)
{
    if (g->type == RESULTS_ALL)
        return label_text(L_ALL_CITIES, english);
    if (g->type == RESULTS_NETWORK && english && g->network != NULL &&
        g->network->name_en != NULL)
        return g->network->name_en;
    return g->name != NULL ? g->name : g->slug;
}

json_t *results_group(json_t *doc, const char *wave, const char *type, const char *slug)
{
    size_t i;
    json_t *g;

    json_array_foreach(json_object_get(doc, "groups"), i, g) {
        const char *gs = json_string_value(json_object_get(g, "slug"));

        if (strcmp(json_string_value(json_object_get(g, "wave")), wave) == 0 &&
            strcmp(json_string_value(json_object_get(g, "type")), type) == 0 &&
            (slug == NULL ? gs == NULL : (gs != NULL && strcmp(gs, slug) == 0)))
            return g;
    }
    return NULL;
}

/* The document's weighting for one group: by_city cut to the group's
 * wave and cities (a city; a network's members; every city for "all"),
 * a hidden city's entry reduced to {"city", "wave", "suppressed": true}. */
json_t *results_weighting(json_t *doc, json_t *group)
{
    json_t *wt = json_object_get(doc, "weighting"), *out, *by, *e;
    const char *type = json_string_value(json_object_get(group, "type"));
    const char *slug = json_string_value(json_object_get(group, "slug"));
    const char *wave = json_string_value(json_object_get(group, "wave"));
    json_t *members = json_object_get(group, "members");
    size_t i;

    if (!json_is_object(wt))
        return json_null();
    out = json_deep_copy(wt);
    by = json_array();
    if (out == NULL || by == NULL) {
        json_decref(out);
        json_decref(by);
        return json_null();
    }
    json_array_foreach(json_object_get(wt, "by_city"), i, e) {
        const char *city = json_string_value(json_object_get(e, "city"));
        int in = type != NULL && strcmp(type, "all") == 0;
        size_t j;
        json_t *m;

        if (city == NULL || wave == NULL ||
            strcmp(json_string_value(json_object_get(e, "wave")), wave) != 0)
            continue;
        in |= type != NULL && strcmp(type, "city") == 0 && slug != NULL && strcmp(slug, city) == 0;
        json_array_foreach(members, j, m)
            in |= strcmp(json_string_value(m), city) == 0;
        if (!in)
            continue;
        /* A hidden city's weighting could tell about its cells (a category
         * without respondents): only that it is hidden. */
        {
            json_t *cg = results_group(doc, wave, "city", city);

            if (cg == NULL || json_is_true(json_object_get(cg, "suppressed")))
                json_array_append_new(by, json_pack("{s:s, s:s, s:b}", "city", city, "wave",
                                                    wave, "suppressed", 1));
            else
                json_array_append(by, e);
        }
    }
    json_object_set_new(out, "by_city", by);
    return out;
}

json_t *results_view(json_t *doc, json_t *group)
{
    return json_pack("{s:O, s:O, s:O, s:O, s:o, s:O, s:O}", "survey",
                     json_object_get(doc, "survey"), "title", json_object_get(doc, "title"),
                     "threshold", json_object_get(doc, "threshold"), "weighted",
                     json_object_get(doc, "weighted"), "weighting", results_weighting(doc, group),
                     "instrument", json_object_get(doc, "instrument"), "group", group);
}
