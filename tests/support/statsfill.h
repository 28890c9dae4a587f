/*
 * statsfill: the unit tests' way to fill the sums of stats.h from raw
 * observations, one at a time, to feed the formulas a reference was
 * computed for. The engine fills them from the aggregates' counts
 * (results_est.c), so these are the tests' own, not an interface of stats.
 */
#ifndef EMPIRIE_STATSFILL_H
#define EMPIRIE_STATSFILL_H

#include "stats.h"

/* One observation y: n, Σy, Σy². */
static inline void fill_moments(struct stats_moments *m, double y)
{
    m->n += 1;
    m->sum += y;
    m->sumsq += y * y;
}

/* One observation y of weight w: n, Σw, Σw², Σwy, Σw²y, Σw²y². */
static inline void fill_wsums(struct stats_wsums *s, double y, double w)
{
    s->n += 1;
    s->sw += w;
    s->sw2 += w * w;
    s->swy += w * y;
    s->sw2y += w * w * y;
    s->sw2y2 += w * w * y * y;
}

#endif
