/*
 * agg_get: the accessors of agg (agg.h): the layout (items, dimensions,
 * waves, cities) and the census, read after the pass.
 */
#include "agg_impl.h"

#include <assert.h>

size_t agg_census_nslots(const struct agg *a) { return a->census_nslots; }
size_t agg_census_nq(const struct agg *a) { return a->census_nq; }
size_t agg_census_first(const struct agg *a, size_t attr) { return a->census_first[attr]; }
const double *agg_census(const struct agg *a, size_t wave, size_t city)
{
    assert(wave < a->nwaves && city < a->ncities);
    return a->census[city] + wave * a->census_nslots * a->census_nq;
}
size_t agg_nitems(const struct agg *a) { return a->nitems; }
const struct survey_item *agg_item_def(const struct agg *a, size_t k) { return &a->defs[k]; }
size_t agg_ndims(const struct agg *a) { return a->newest->ndimensions; }
const struct survey_dimension *agg_dim_def(const struct agg *a, size_t d)
{
    return &a->newest->dimensions[d];
}
const size_t *agg_dim_items(const struct agg *a, size_t d) { return a->dim_items[d]; }
int agg_item_in_version(const struct agg *a, int version, size_t k)
{
    for (size_t v = 0; v < a->nversions; v++) {
        const struct agg_version *ver = &a->versions[v];

        if (ver->s->version != version)
            continue;
        for (size_t i = 0; i < ver->s->nitems; i++)
            if (ver->item_of[i] == k)
                return 1;
        return 0;
    }
    return -1;
}

int agg_enps_item(const struct agg *a) { return a->enps; }
size_t agg_nwaves(const struct agg *a) { return a->nwaves; }
const char *agg_wave(const struct agg *a, size_t w) { assert(w < a->nwaves); return a->waves[w]; }
size_t agg_ncities(const struct agg *a) { return a->ncities; }
const char *agg_city(const struct agg *a, size_t i) { assert(i < a->ncities); return a->cities[i]; }
