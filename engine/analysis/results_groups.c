/*
 * results_groups: the groups of a results build (every city, network and
 * "all", their cells summed per wave and part) and their hidden flags,
 * decided by anon_table on the census (results_ctx.h); the linked table
 * the suppression and the audit share (results_layout, results.h).
 */
#include "results_ctx.h"

#include "anon.h"
#include "err.h"
#include "fail.h"
#include "mem.h"
#include "sha256.h"

#include <pthread.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Whether item k was asked in wave w (see results_input.wave_version). */
int res_item_asked(const struct ctx *c, size_t w, size_t k)
{
    return c->asked == NULL || c->asked[w * c->nitems + k];
}

double res_item_n(const struct agg_item *it, const struct survey_item *def)
{
    double n = 0;

    if (def->type == SURVEY_MULTI)
        return it->answered.n;
    for (size_t v = 0; v < it->nvalues; v++)
        n += it->values[v].n;
    return n;
}

const char *res_city_name(const struct results_input *in, const char *slug)
{
    for (size_t i = 0; i < in->ncities; i++)
        if (strcmp(in->cities[i].slug, slug) == 0)
            return in->cities[i].name;
    return slug;
}

static int res_part_value(const struct ctx *c, size_t p)
{
    return p < c->attr->noptions ? c->attr->options[p].code : SURVEY_NA;
}

/* Sums the cells of the group's cities into its per-wave (and per-part) cells. */
static int res_group_fill(struct ctx *c, struct group *g)
{
    size_t np = c->split ? c->nparts : 0;

    g->total = calloc(c->nwaves, sizeof *g->total);
    g->parts = calloc(c->nwaves * (np ? np : 1), sizeof *g->parts);
    g->hidden = calloc(c->nwaves, sizeof *g->hidden);
    g->item_hidden = calloc(c->nwaves * (c->nitems ? c->nitems : 1), sizeof(int));
    g->dim_hidden = calloc(c->nwaves * (c->ndims ? c->ndims : 1), sizeof(int));
    g->part_hidden = calloc(c->nwaves * (np ? np : 1), sizeof(int));
    g->part_item_hidden = calloc(c->nwaves * (np ? np : 1) * (c->nitems ? c->nitems : 1),
                                 sizeof(int));
    if (g->total == NULL || g->parts == NULL || g->hidden == NULL || g->item_hidden == NULL ||
        g->dim_hidden == NULL || g->part_hidden == NULL || g->part_item_hidden == NULL)
        return -1;
    for (size_t w = 0; w < c->nwaves; w++) {
        g->total[w] = agg_cell_new(c->agg);
        if (g->total[w] == NULL)
            return -1;
        if (!agg_wave_kept(c->agg, w))
            continue;   /* nothing accumulated: no parts (results_model.h) */
        for (size_t p = 0; p < np; p++) {
            g->parts[w * np + p] = agg_cell_new(c->agg);
            if (g->parts[w * np + p] == NULL)
                return -1;
        }
        for (size_t i = 0; i < g->ncities; i++) {
            if (!c->split) {
                const struct agg_cell *cell = agg_cell_find(c->agg, w, g->cities[i], SURVEY_NA);

                if (cell != NULL)
                    agg_cell_merge(c->agg, g->total[w], cell);
                continue;
            }
            for (size_t p = 0; p < np; p++) {
                const struct agg_cell *cell =
                    agg_cell_find(c->agg, w, g->cities[i], res_part_value(c, p));

                if (cell == NULL)
                    continue;
                agg_cell_merge(c->agg, g->total[w], cell);
                agg_cell_merge(c->agg, g->parts[w * np + p], cell);
            }
        }
    }
    return 0;
}

void res_groups_free(struct ctx *c)
{
    size_t np = c->split ? c->nparts : 0;

    for (size_t i = 0; i < c->ngroups; i++) {
        struct group *g = &c->groups[i];

        for (size_t w = 0; g->total != NULL && w < c->nwaves; w++)
            agg_cell_free(c->agg, g->total[w]);
        for (size_t k = 0; g->parts != NULL && k < c->nwaves * np; k++)
            agg_cell_free(c->agg, g->parts[k]);
        FREE_ALL(g->total, g->parts, g->hidden, g->item_hidden, g->dim_hidden, g->part_hidden,
                 g->part_item_hidden, g->cities);
    }
    free(c->groups);
}

/* The population of a group for the finite population correction: the
 * sum of its cities' registry headcounts; NaN when the survey does not ask
 * for it or a city has none. */
static double res_group_headcount(const struct ctx *c, const struct group *g)
{
    double sum = 0;

    if (!c->in->survey->fpc_headcount)
        return NAN;
    for (size_t i = 0; i < g->ncities; i++) {
        const char *slug = agg_city(c->agg, g->cities[i]);
        double h = 0;

        for (size_t j = 0; j < c->in->ncities; j++)
            if (strcmp(c->in->cities[j].slug, slug) == 0)
                h = c->in->cities[j].headcount;
        if (!(h > 0))
            return NAN;
        sum += h;
    }
    return g->ncities > 0 ? sum : NAN;
}

int res_groups_build(struct ctx *c)
{
    const struct results_input *in = c->in;
    size_t ncities = agg_ncities(c->agg);

    c->groups = calloc(ncities + in->nnetworks + 1, sizeof *c->groups);
    if (c->groups == NULL)
        return -1;
    for (size_t i = 0; i < ncities; i++) {
        struct group *g = &c->groups[c->ngroups++];

        g->type = GROUP_CITY;
        g->slug = agg_city(c->agg, i);
        g->name = res_city_name(in, g->slug);
        g->cities = malloc(sizeof *g->cities);
        if (g->cities == NULL)
            return -1;
        g->cities[0] = i;
        g->ncities = 1;
    }
    c->first_network = c->ngroups;
    for (size_t n = 0; n < in->nnetworks; n++) {
        const struct results_network *net = &in->networks[n];
        struct group *g = &c->groups[c->ngroups++];

        g->type = GROUP_NETWORK;
        g->slug = net->slug;
        g->name = net->name;
        g->network = net;
        g->cities = calloc(net->nmembers ? net->nmembers : 1, sizeof *g->cities);
        if (g->cities == NULL)
            return -1;
        for (size_t m = 0; m < net->nmembers; m++) {
            long ci = agg_city_index(c->agg, net->members[m]);

            if (ci >= 0)
                g->cities[g->ncities++] = (size_t)ci;
        }
    }
    c->first_all = c->ngroups;
    {
        struct group *g = &c->groups[c->ngroups++];

        g->type = GROUP_ALL;
        g->name = NULL;    /* its name is a word: the views give it */
        g->cities = calloc(ncities ? ncities : 1, sizeof *g->cities);
        if (g->cities == NULL)
            return -1;
        for (size_t i = 0; i < ncities; i++)
            g->cities[g->ncities++] = i;
    }
    for (size_t i = 0; i < c->ngroups; i++) {
        if (res_group_fill(c, &c->groups[i]) != 0)
            return -1;
        c->groups[i].headcount = res_group_headcount(c, &c->groups[i]);
    }
    return 0;
}

/* ---------- anonymity ---------- */

void results_layout_free(struct results_layout *y)
{
    FREE_EACH(y->members, y->L.ngroups);
    FREE_ALL(y->attr_first, y->nmembers);
    memset(y, 0, sizeof *y);
}

int results_layout_build(const struct results_input *in, struct results_layout *y)
{
    size_t na = in->survey->nattrs, nc = agg_ncities(in->agg);
    size_t ng = nc + in->nnetworks + 1;

    memset(y, 0, sizeof *y);
    y->attr_first = fail_calloc(na + 1, sizeof *y->attr_first);
    y->members = fail_calloc(ng, sizeof *y->members);
    y->nmembers = fail_calloc(ng, sizeof *y->nmembers);
    y->L.ngroups = ng;
    if (y->attr_first == NULL || y->members == NULL || y->nmembers == NULL)
        goto fail;
    for (size_t a = 0; a <= na; a++)
        y->attr_first[a] = agg_census_first(in->agg, a);
    for (size_t g = 0; g < ng; g++) {
        size_t cap = g < nc ? 1 : g < nc + in->nnetworks ? in->networks[g - nc].nmembers : nc;

        y->members[g] = fail_calloc(cap + 1, sizeof **y->members);
        if (y->members[g] == NULL)
            goto fail;
        if (g < nc) {
            y->members[g][y->nmembers[g]++] = g;
        } else if (g < nc + in->nnetworks) {
            const struct results_network *net = &in->networks[g - nc];

            for (size_t m = 0; m < net->nmembers; m++) {
                long ci = agg_city_index(in->agg, net->members[m]);

                if (ci >= 0)
                    y->members[g][y->nmembers[g]++] = (size_t)ci;
            }
        } else {
            for (size_t c = 0; c < nc; c++)
                y->members[g][y->nmembers[g]++] = c;
        }
    }
    y->L = (struct anon_layout){ .ncities = nc,
                                 .nslots = agg_census_nslots(in->agg),
                                 .nattrs = na,
                                 .attr_first = y->attr_first,
                                 .ngroups = ng,
                                 .members = (const size_t *const *)y->members,
                                 .nmembers = y->nmembers };
    return 0;
fail:
    results_layout_free(y);
    return -1;
}

/* The census slot of part p of the split attribute. */
static size_t res_part_slot(const struct ctx *c, size_t p)
{
    return agg_census_first(c->agg, c->attr_index) + p;
}

/* Copies one quantity's flags (measure m, or -1: respondents) into the groups. */
static void res_flags_apply(struct ctx *c, size_t w, long m, const unsigned char *flags, size_t ns)
{
    size_t np = c->split ? c->nparts : 0;

    for (size_t gi = 0; gi < c->ngroups; gi++) {
        struct group *g = &c->groups[gi];
        const unsigned char *f = flags + gi * ns;

        if (m < 0) {
            g->hidden[w] = f[0];
            for (size_t p = 0; p < np; p++)
                g->part_hidden[w * np + p] = f[res_part_slot(c, p)];
        } else if ((size_t)m < c->nitems) {
            g->item_hidden[w * c->nitems + (size_t)m] = f[0];
            for (size_t p = 0; p < np; p++)
                g->part_item_hidden[(w * np + p) * c->nitems + (size_t)m] = f[res_part_slot(c, p)];
        } else {
            g->dim_hidden[w * c->ndims + ((size_t)m - c->nitems)] = f[0];
        }
    }
}

/* ---------- the suppression's memo ---------- */

/*
 * anon_table is a pure function of its linked table, counts, threshold and
 * seed, and a report asks it the same questions once per source (the
 * survey, then split by each attribute: the census is the same in each), as
 * do concurrent daemon requests. So its answers are kept, by the SHA-256 of
 * everything it reads, in a small table for the process (MEMO_SLOTS
 * entries, the oldest replaced). An answer is only kept after anon_table
 * succeeded; a lookup that cannot allocate computes again.
 */
#define MEMO_SLOTS 2048

struct memo_entry {
    unsigned char key[SHA256_SIZE];
    unsigned char *flags;
    size_t ncells;
};

static struct memo_entry memo[MEMO_SLOTS];
static size_t memo_next;
static int memo_on = 1;
static pthread_mutex_t memo_lock = PTHREAD_MUTEX_INITIALIZER;

void results_memo(int on)
{
    pthread_mutex_lock(&memo_lock);
    memo_on = on;
    for (size_t i = 0; i < MEMO_SLOTS; i++) {
        free(memo[i].flags);
        memo[i].flags = NULL;
    }
    memo_next = 0;
    pthread_mutex_unlock(&memo_lock);
}

static void memo_key(const struct anon_layout *L, const double *n, int t,
                     const unsigned char *seed, unsigned char key[SHA256_SIZE])
{
    struct sha256 h;
    size_t cells = L->ngroups * L->nslots;
    /* with the rule's switch (anon.h: anon_cross_table), which it reads too */
    size_t dims[6] = { L->ncities, L->nslots, L->nattrs, L->ngroups, (size_t)t,
                       (size_t)anon_cross_table };

    sha256_init(&h);
    sha256_update(&h, dims, sizeof dims);
    sha256_update(&h, L->attr_first, (L->nattrs + 1) * sizeof *L->attr_first);
    for (size_t g = 0; g < L->ngroups; g++) {
        sha256_update(&h, &L->nmembers[g], sizeof L->nmembers[g]);
        sha256_update(&h, L->members[g], L->nmembers[g] * sizeof *L->members[g]);
    }
    sha256_update(&h, n, L->ncities * L->nslots * sizeof *n);
    sha256_update(&h, seed != NULL ? "s" : "-", 1);
    if (seed != NULL)
        sha256_update(&h, seed, cells);
    sha256_final(&h, key);
}

/* anon_table, answered from the memo when it was asked the same before. */
static int memo_anon_table(const struct anon_layout *L, const double *n, int t,
                           const unsigned char *seed, unsigned char *flags, char *err,
                           size_t errlen)
{
    size_t cells = L->ngroups * L->nslots;
    unsigned char key[SHA256_SIZE];
    int hit = 0;

    if (!memo_on)
        return anon_table(L, n, t, seed, flags, err, errlen);
    memo_key(L, n, t, seed, key);
    pthread_mutex_lock(&memo_lock);
    for (size_t i = 0; i < MEMO_SLOTS && !hit; i++)
        if (memo[i].flags != NULL && memo[i].ncells == cells &&
            memcmp(memo[i].key, key, sizeof key) == 0) {
            memcpy(flags, memo[i].flags, cells);
            hit = 1;
        }
    pthread_mutex_unlock(&memo_lock);
    if (hit)
        return 0;
    if (anon_table(L, n, t, seed, flags, err, errlen) != 0)
        return -1;
    pthread_mutex_lock(&memo_lock);
    {
        struct memo_entry *e = &memo[memo_next];
        unsigned char *copy = malloc(cells + 1);

        if (copy != NULL) {
            memcpy(copy, flags, cells);
            free(e->flags);
            e->flags = copy;
            e->ncells = cells;
            memcpy(e->key, key, sizeof key);
            memo_next = (memo_next + 1) % MEMO_SLOTS;
        }
    }
    pthread_mutex_unlock(&memo_lock);
    return 0;
}

/*
 * Decides every hidden figure of every wave with anon_table, on the census
 * (all attributes at once, whatever this document is split by), so every
 * view of the survey (with or without by, any group) hides the same
 * figures. Respondents first; each item and dimension starts from the
 * respondents' flags. Any failure fails the build.
 */
int res_suppress(struct ctx *c, char *err, size_t errlen)
{
    struct results_layout y;
    size_t nc = agg_ncities(c->agg), ns = agg_census_nslots(c->agg), nq = agg_census_nq(c->agg);
    size_t cells = c->ngroups * ns;
    double *n0 = fail_calloc(nc * ns + 1, sizeof *n0), *nq_ = fail_calloc(nc * ns + 1, sizeof *nq_);
    unsigned char *f0 = fail_calloc(cells + 1, 1), *fq = fail_calloc(cells + 1, 1);
    int rc = -1;

    memset(&y, 0, sizeof y);
    if (n0 == NULL || nq_ == NULL || f0 == NULL || fq == NULL ||
        results_layout_build(c->in, &y) != 0) {
        err_set(err, errlen, "out of memory");
        goto done;
    }
    for (size_t w = 0; w < c->nwaves; w++) {
        for (size_t q = 0; q < nq; q++) {
            double *n = q == 0 ? n0 : nq_;

            for (size_t ci = 0; ci < nc; ci++) {
                const double *block = agg_census(c->agg, w, ci);

                for (size_t s = 0; s < ns; s++)
                    n[ci * ns + s] = block[s * nq + q];
            }
            if (q == 0) {
                if (memo_anon_table(&y.L, n0, c->t, NULL, f0, err, errlen) != 0)
                    goto done;
                res_flags_apply(c, w, -1, f0, ns);
                continue;
            }
            /* an item everyone answered has the respondents' table */
            if (memcmp(n, n0, nc * ns * sizeof *n) == 0)
                memcpy(fq, f0, cells);
            else if (memo_anon_table(&y.L, n, c->t, f0, fq, err, errlen) != 0)
                goto done;
            res_flags_apply(c, w, (long)q - 1, fq, ns);
        }
    }
    rc = 0;
done:
    results_layout_free(&y);
    FREE_ALL(n0, nq_, f0, fq);
    return rc;
}

