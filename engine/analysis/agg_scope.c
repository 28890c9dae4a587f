/*
 * agg_scope: what an accumulator keeps (agg.h): one wave only
 * (agg_keep_only_wave), only what a breakdown sheet shows
 * (agg_breakdown_only), and the census such an accumulator takes from
 * another of the same rows (agg_census_take).
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

int agg_is_breakdown_only(const struct agg *a)
{
    return a->breakdown_only;
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
