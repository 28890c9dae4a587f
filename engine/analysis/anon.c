#include "anon.h"

#include "audit.h"
#include "err.h"
#include "fail.h"
#include "mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int anon_threshold(int requested)
{
    if (requested <= 0)
        return ANON_DEFAULT_THRESHOLD;
    return requested < ANON_MIN_THRESHOLD ? ANON_MIN_THRESHOLD : requested;
}

int anon_visible(double n, int threshold)
{
    return n <= 0 || n >= threshold;
}

/* ---------- the linked tables of a survey and wave ---------- */

int anon_cross_table = 1;

const char *anon_reason_code(enum anon_flag f)
{
    switch (f) {
    case ANON_BELOW_THRESHOLD:
        return "below_threshold";
    case ANON_PROTECTS:
        return "protects_another_group";
    case ANON_SHOWN:
        break;
    }
    return NULL;
}

void anon_group_counts(const struct anon_layout *L, const double *n, double *N)
{
    for (size_t g = 0; g < L->ngroups; g++)
        for (size_t s = 0; s < L->nslots; s++) {
            double sum = 0;

            for (size_t i = 0; i < L->nmembers[g]; i++)
                sum += n[L->members[g][i] * L->nslots + s];
            N[g * L->nslots + s] = sum;
        }
}

/*
 * One partition of a shown figure into the parts idx[0..k): hides the
 * smallest shown non-empty parts until the hidden non-empty ones are none,
 * or at least two holding at least t together. Returns 1 when it hid
 * something, 0 when nothing changed, 2 when it cannot hold (every non-empty
 * part is hidden and still too few): the whole must then be hidden.
 */
static int fix_partition(const double *N, unsigned char *flags, const size_t *idx, size_t k,
                         int t)
{
    double sum = 0;
    size_t count = 0;
    int changed = 0;

    for (size_t i = 0; i < k; i++)
        if (flags[idx[i]] && N[idx[i]] > 0) {
            sum += N[idx[i]];
            count++;
        }
    while (count > 0 && (sum < t || count < 2)) {
        size_t best = k;

        for (size_t i = 0; i < k; i++)
            if (!flags[idx[i]] && N[idx[i]] > 0 && (best == k || N[idx[i]] < N[idx[best]]))
                best = i;
        if (best == k)
            return 2;
        flags[idx[best]] = ANON_PROTECTS;
        sum += N[idx[best]];
        count++;
        changed = 1;
    }
    return changed;
}

struct table {
    const struct anon_layout *L;
    const double *N;
    unsigned char *flags;
    int t;
    unsigned char *in;      /* ngroups x ncities: city c counts in group g */
    unsigned char *subset;  /* ngroups x ngroups: g2's cities are a proper subset of g1's */
    size_t *idx;            /* scratch: max(ncities, nslots) */
};

static int hide(struct table *tb, size_t g, size_t s)
{
    unsigned char *f = &tb->flags[g * tb->L->nslots + s];

    if (*f)
        return 0;
    *f = ANON_PROTECTS;
    return 1;
}

/* Applies fix_partition to idx[0..k), hiding the whole (g, s) when needed. */
static int partition(struct table *tb, size_t k, size_t g, size_t s)
{
    int r = fix_partition(tb->N, tb->flags, tb->idx, k, tb->t);

    return r == 2 ? hide(tb, g, s) : r;
}

/* Fills tb->idx with slot s of g's cities that are not in group h
 * (SIZE_MAX: none left out); returns how many. */
static size_t cities_of(struct table *tb, size_t g, size_t h, size_t s)
{
    const struct anon_layout *L = tb->L;
    size_t k = 0;

    for (size_t i = 0; i < L->nmembers[g]; i++) {
        size_t c = L->members[g][i];

        if (h == SIZE_MAX || !tb->in[h * L->ncities + c])
            tb->idx[k++] = c * L->nslots + s;
    }
    return k;
}

/* One pass of every rule; returns whether anything was hidden. */
static int rules_pass(struct table *tb)
{
    const struct anon_layout *L = tb->L;
    size_t ns = L->nslots;
    int changed = 0;

    for (size_t g = 0; g < L->ngroups; g++) {
        if (tb->flags[g * ns]) {
            for (size_t s = 1; s < ns; s++)
                changed |= hide(tb, g, s);
            continue;
        }
        for (size_t a = 0; a < L->nattrs; a++) {
            size_t k = 0;

            for (size_t s = L->attr_first[a]; s < L->attr_first[a + 1]; s++)
                tb->idx[k++] = g * ns + s;
            changed |= partition(tb, k, g, 0);
        }
    }
    for (size_t g = L->ncities; g < L->ngroups; g++) {
        for (size_t s = 0; s < (anon_cross_table ? ns : 1); s++) {
            if (tb->flags[g * ns + s])
                continue;
            /* into its cities */
            changed |= partition(tb, cities_of(tb, g, SIZE_MAX, s), g, s);
            /* into a shown nested group and the other cities: those must
             * protect themselves, or the nested group is hidden */
            for (size_t h = L->ncities; h < L->ngroups && !tb->flags[g * ns + s]; h++)
                if (tb->subset[g * L->ngroups + h] && !tb->flags[h * ns + s])
                    changed |= partition(tb, cities_of(tb, g, h, s), h, s);
        }
    }
    return changed;
}

static int shares_city(const struct table *tb, size_t g1, size_t g2)
{
    const struct anon_layout *L = tb->L;

    for (size_t c = 0; c < L->ncities; c++)
        if (tb->in[g1 * L->ncities + c] && tb->in[g2 * L->ncities + c])
            return 1;
    return 0;
}

static int same_family(const struct anon_layout *L, size_t s1, size_t s2)
{
    size_t a1 = 0, a2 = 0;

    if (s1 == 0 || s2 == 0)
        return s1 == s2;
    while (a1 + 1 < L->nattrs && s1 >= L->attr_first[a1 + 1])
        a1++;
    while (a2 + 1 < L->nattrs && s2 >= L->attr_first[a2 + 1])
        a2++;
    return a1 == a2;
}

/*
 * The smallest shown non-empty figure next to (g, s): in a group that
 * shares a city with g, in the same slot family (the whole, or the same
 * attribute) when there is one, else in any slot. SIZE_MAX when none.
 */
static size_t neighbour(const struct table *tb, size_t g, size_t s)
{
    const struct anon_layout *L = tb->L;
    size_t ns = L->nslots, best = SIZE_MAX;

    for (int wide = 0; wide < 2 && best == SIZE_MAX; wide++)
        for (size_t h = 0; h < L->ngroups; h++) {
            if (!shares_city(tb, g, h))
                continue;
            for (size_t u = 0; u < ns; u++) {
                size_t i = h * ns + u;

                if (tb->flags[i] || !(tb->N[i] > 0) || (!wide && !same_family(L, s, u)))
                    continue;
                if (best == SIZE_MAX || tb->N[i] < tb->N[best])
                    best = i;
            }
        }
    return best;
}

static int table_setup(struct table *tb, const struct anon_layout *L)
{
    size_t ng = L->ngroups, nc = L->ncities;

    tb->in = fail_calloc(ng * nc + 1, 1);
    tb->subset = fail_calloc(ng * ng + 1, 1);
    tb->idx = fail_calloc((nc > L->nslots ? nc : L->nslots) + 1, sizeof *tb->idx);
    if (tb->in == NULL || tb->subset == NULL || tb->idx == NULL)
        return -1;
    for (size_t g = 0; g < ng; g++)
        for (size_t i = 0; i < L->nmembers[g]; i++)
            tb->in[g * nc + L->members[g][i]] = 1;
    for (size_t g = nc; g < ng; g++)
        for (size_t h = nc; h < ng; h++) {
            int sub = h != g && L->nmembers[h] < L->nmembers[g];

            for (size_t c = 0; c < nc && sub; c++)
                sub = !tb->in[h * nc + c] || tb->in[g * nc + c];
            tb->subset[g * ng + h] = (unsigned char)sub;
        }
    return 0;
}

int anon_table(const struct anon_layout *L, const double *n, int threshold,
               const unsigned char *seed, unsigned char *flags, char *err, size_t errlen)
{
    size_t cells = L->ngroups * L->nslots;
    struct table tb;
    double *N = fail_calloc(cells + 1, sizeof *N);
    unsigned char *det = fail_calloc(cells + 1, 1);
    unsigned char *touched = fail_calloc(L->ncities + 1, 1);
    unsigned char *shown = fail_calloc(cells + 1, 1);
    size_t *hint = fail_calloc(cells + 1, sizeof *hint);
    unsigned char *target = fail_calloc(cells + 1, 1), *safe = fail_calloc(cells + 1, 1);
    int rc = -1;

    memset(&tb, 0, sizeof tb);
    if (N == NULL || det == NULL || touched == NULL || shown == NULL || hint == NULL ||
        target == NULL || safe == NULL ||
        table_setup(&tb, L) != 0) {
        err_set(err, errlen, "anonymity rules: out of memory");
        goto done;
    }
    anon_group_counts(L, n, N);
    tb.L = L;
    tb.N = N;
    tb.flags = flags;
    tb.t = threshold;
    for (size_t i = 0; seed != NULL && i < cells; i++)
        safe[i] = seed[i] != 0;
    for (size_t i = 0; i < cells; i++)
        flags[i] = seed != NULL && seed[i] ? seed[i]
                   : N[i] > 0 && N[i] < threshold ? ANON_BELOW_THRESHOLD
                                                  : ANON_SHOWN;
    for (;;) {
        size_t found;

        while (rules_pass(&tb))
            ;
        if (!anon_cross_table)
            break;
        /* Hiding more only shrinks what can be derived: a figure found not
         * recoverable stays so, and the seed's were checked on the same
         * table shape; only the others are audited again. */
        for (size_t i = 0; i < cells; i++) {
            shown[i] = !flags[i];
            target[i] = flags[i] && !safe[i];
        }
        if (audit_table(L, N, shown, target, det, hint, &found, NULL, err, errlen) != 0)
            goto done;
        for (size_t i = 0; i < cells; i++)
            if (target[i] && !det[i])
                safe[i] = 1;
        if (found == 0)
            break;
        /* Hide a neighbour of each recoverable figure, one per city per
         * round: one more hidden figure often protects several. */
        memset(touched, 0, L->ncities);
        for (size_t i = 0; i < cells; i++) {
            size_t g = i / L->nslots, s = i % L->nslots, best;
            int busy = 0;

            if (!det[i])
                continue;
            for (size_t m = 0; m < L->nmembers[g] && !busy; m++)
                busy = touched[L->members[g][m]];
            if (busy)
                continue;
            best = hint[i] != SIZE_MAX && !flags[hint[i]] ? hint[i] : neighbour(&tb, g, s);
            if (best == SIZE_MAX) {
                err_set(err, errlen,
                        "anonymity rules: a hidden figure can be recovered and nothing is left "
                        "to hide");
                goto done;
            }
            flags[best] = ANON_PROTECTS;
            for (size_t m = 0; m < L->nmembers[g]; m++)
                touched[L->members[g][m]] = 1;
        }
    }
    rc = 0;
done:
    FREE_ALL(N, det, touched, shown, hint, target, safe, tb.in, tb.subset, tb.idx);
    return rc;
}
