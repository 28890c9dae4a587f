/*
 * agg_scope: what an accumulator keeps (agg.h): one wave only
 * (agg_keep_only_wave), only what a breakdown sheet shows
 * (agg_breakdown_only), the census such an accumulator takes from another
 * of the same rows (agg_census_take), and how it takes each response from
 * a leader that has just scored it (aggi_add_follow, agg_impl.h).
 */
#include "agg_impl.h"

#include "err.h"

#include <string.h>

void agg_keep_only_wave(struct agg *a, size_t w)
{
    a->only_wave = w;
}

int agg_wave_kept(const struct agg *a, size_t w)
{
    return a->only_wave == SIZE_MAX || a->only_wave == w;
}

void agg_breakdown_only(struct agg *a)
{
    a->breakdown_only = 1;
}

int agg_census_take(struct agg *dst, const struct agg *src, char *err, size_t errlen)
{
    size_t block = dst->census_nslots * dst->census_nq;

    if (src->nwaves != dst->nwaves || src->census_nslots != dst->census_nslots ||
        src->census_nq != dst->census_nq)
        return err_set(err, errlen, "agg: census of another layout");
    for (size_t ci = 0; ci < dst->ncities; ci++) {
        long from = agg_city_index(src, dst->cities[ci]);

        if (from < 0)
            return err_set(err, errlen, "agg: no census of city \"%s\"", dst->cities[ci]);
        for (size_t w = 0; w < dst->nwaves; w++)
            if (agg_wave_kept(dst, w))
                memcpy(dst->census[ci] + w * block, src->census[from] + w * block,
                       block * sizeof(double));
    }
    return 0;
}

int aggi_can_follow(const struct agg *b, const struct agg *a)
{
    if (!b->breakdown_only || b->nstrata > 0 || a->only_wave != SIZE_MAX ||
        b->nitems != a->nitems || b->nversions != a->nversions ||
        b->newest->ndimensions != a->newest->ndimensions)
        return 0;
    for (size_t v = 0; v < a->nversions; v++)
        if (a->versions[v].s != b->versions[v].s)
            return 0;
    for (size_t k = 0; k < a->nitems; k++)
        if (a->defs[k].type != b->defs[k].type || strcmp(a->defs[k].code, b->defs[k].code) != 0)
            return 0;
    for (size_t d = 0; d < a->newest->ndimensions; d++)
        if (a->dim_nslots[d] != b->dim_nslots[d])
            return 0;
    return 1;
}

int aggi_add_follow(struct agg *b, const struct agg *a, const char *city, size_t city_len,
                    size_t wave, int version, const int16_t *attrs, size_t nattrs, double weight,
                    char *err, size_t errlen)
{
    const struct agg_version *ver = NULL;
    struct agg_cell *c;
    double w;
    long ci;

    for (size_t v = 0; v < b->nversions && ver == NULL; v++)
        if (b->versions[v].s->version == version)
            ver = &b->versions[v];
    if (ver == NULL || wave >= b->nwaves)
        return err_set(err, errlen, "agg: a follower of another layout");
    if (!agg_wave_kept(b, wave))
        return 0;
    c = aggi_cell_of(b, ver, city, city_len, wave, attrs, nattrs, weight, &w, &ci);
    if (c == NULL)
        return err_set(err, errlen, "out of memory");
    value_put(&c->respondents, w);
    for (size_t k = 0; k < b->nitems; k++) {
        int slot = a->row_slot[k];
        struct agg_item *it = &c->items[k];

        if (slot < 0)
            continue;
        if (b->defs[k].type != SURVEY_MULTI) {
            value_put(&it->values[slot], w);
            continue;
        }
        value_put(&it->answered, w);
        for (size_t o = 0; o < it->nvalues && o < 15; o++)
            if ((unsigned)slot & (1u << o))
                value_put(&it->values[o], w);
    }
    for (size_t d = 0; d < b->newest->ndimensions; d++)
        if (a->row_dim[d] >= 0)
            value_put(&c->dims[d].hist[a->row_dim[d]], w);
    return 0;
}
