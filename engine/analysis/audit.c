#include "audit.h"

#include "dynarr.h"
#include "err.h"
#include "fail.h"
#include "mem.h"

#include <float.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A figure's vector in the audit's coordinates: entries [start, end) of the
 * shared col/coef arrays. */
struct row {
    size_t start, end;
    size_t g, s;
};

struct sys {
    const struct anon_layout *L;
    size_t ncpc;          /* coordinates per city */
    long *loc;            /* per slot: its coordinate in a city, -1 for an attribute's last */
    size_t ncols;
    size_t *col;
    double *coef;
    size_t nnz, cap;
    struct row *rows;     /* shown figures, then hidden targets */
    size_t nrows, nshown, rcap;
    const double *N;
    size_t *pinned_by;    /* per known column: the shown row that pinned it */
    size_t *hint;         /* per figure: a shown figure to hide, or SIZE_MAX */
};

static int put(struct sys *y, size_t col, double coef)
{
    if (y->nnz == y->cap) {
        /* two arrays of one length, grown alike; 1024 entries to start */
        size_t need = y->cap ? y->nnz + 1 : 1024, cap = y->cap, fcap = y->cap;
        size_t *c = dynarr_reserve_by(fail_realloc, y->col, &cap, need, sizeof *c);
        double *f;

        if (c == NULL)
            return -1;
        y->col = c;
        f = dynarr_reserve_by(fail_realloc, y->coef, &fcap, need, sizeof *f);
        if (f == NULL)
            return -1;
        y->coef = f;
        y->cap = cap;
    }
    y->col[y->nnz] = col;
    y->coef[y->nnz] = coef;
    y->nnz++;
    return 0;
}

/* The attribute of slot s (s >= 1). */
static size_t attr_of(const struct anon_layout *L, size_t s)
{
    size_t a = 0;

    while (a + 1 < L->nattrs && s >= L->attr_first[a + 1])
        a++;
    return a;
}

static int add_row(struct sys *y, size_t g, size_t s)
{
    const struct anon_layout *L = y->L;
    struct row *r;

    if (y->nrows == y->rcap) {
        struct row *grown = dynarr_reserve_by(fail_realloc, y->rows, &y->rcap,
                                              y->rcap ? y->nrows + 1 : 256, sizeof *grown);

        if (grown == NULL)
            return -1;
        y->rows = grown;
    }
    r = &y->rows[y->nrows++];
    r->start = y->nnz;
    r->g = g;
    r->s = s;
    for (size_t i = 0; i < L->nmembers[g]; i++) {
        size_t base = L->members[g][i] * y->ncpc;

        if (s == 0 || y->loc[s] >= 0) {
            if (put(y, base + (size_t)(s == 0 ? 0 : y->loc[s]), 1.0) != 0)
                return -1;
            continue;
        }
        /* the last value of an attribute: the whole minus the other values */
        if (put(y, base, 1.0) != 0)
            return -1;
        {
            size_t a = attr_of(L, s);

            for (size_t t = L->attr_first[a]; t < L->attr_first[a + 1]; t++)
                if (y->loc[t] >= 0 && put(y, base + (size_t)y->loc[t], -1.0) != 0)
                    return -1;
        }
    }
    r->end = y->nnz;
    return 0;
}

static size_t uf_find(size_t *parent, size_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

/* Propagates shown figures with a single unknown coordinate: that
 * coordinate is then known. Integer bookkeeping only. */
static void propagate(const struct sys *y, unsigned char *known)
{
    int changed;

    do {
        changed = 0;
        for (size_t r = 0; r < y->nshown; r++) {
            const struct row *rw = &y->rows[r];
            size_t unknown = 0, last = 0;

            for (size_t e = rw->start; e < rw->end && unknown < 2; e++)
                if (!known[y->col[e]]) {
                    unknown++;
                    last = y->col[e];
                }
            if (unknown == 1) {
                known[last] = 1;
                y->pinned_by[last] = r;
                changed = 1;
            }
        }
    } while (changed);
}

/*
 * The span of the m rows of A (m x k), as Householder QR with column
 * pivoting of A^T (k x m): A^T P = Q R. *M receives the factors, *rank the
 * number of |R_ii| above max(k, m) * DBL_EPSILON * |R_00|, the usual rank
 * tolerance (Golub & Van Loan 5.4.1). The first rank columns of Q are an
 * orthonormal basis of the rows' span. Returns -1 on failure.
 */
static int row_span(const gsl_matrix *A, gsl_matrix **M, gsl_vector **tau,
                    gsl_permutation **perm, size_t *rank)
{
    size_t m = A->size1, k = A->size2, mn = m < k ? m : k;
    gsl_permutation *p = gsl_permutation_alloc(m);
    gsl_vector *norm = gsl_vector_alloc(m);
    int signum, rc = -1;

    *rank = 0;
    *M = gsl_matrix_alloc(k, m);
    *tau = gsl_vector_alloc(mn);
    if (p == NULL || norm == NULL || *M == NULL || *tau == NULL)
        goto done;
    gsl_matrix_transpose_memcpy(*M, A);
    if (gsl_linalg_QRPT_decomp(*M, *tau, p, &signum, norm) != GSL_SUCCESS)
        goto done;
    {
        double r0 = fabs(gsl_matrix_get(*M, 0, 0));
        double tol = (double)(m > k ? m : k) * DBL_EPSILON * r0;

        for (size_t i = 0; i < mn && fabs(gsl_matrix_get(*M, i, i)) > tol; i++)
            (*rank)++;
    }
    rc = 0;
    *perm = p;
    p = NULL;
done:
    if (p != NULL)
        gsl_permutation_free(p);
    if (norm != NULL)
        gsl_vector_free(norm);
    return rc;
}

/* Residual norm of h (k) after projection on the span: the part of Q^T h
 * beyond the rank. h is overwritten. NAN on failure. */
static double residual(const gsl_matrix *M, const gsl_vector *tau, size_t rank, double *h,
                       size_t k)
{
    gsl_vector_view v = gsl_vector_view_array(h, k);
    double sum = 0;

    if (gsl_linalg_QR_QTvec(M, tau, &v.vector) != GSL_SUCCESS)
        return NAN;
    for (size_t i = rank; i < k; i++)
        sum += h[i] * h[i];
    return sqrt(sum);
}

static int same_cities(const struct anon_layout *L, size_t g, size_t h)
{
    if (L->nmembers[g] != L->nmembers[h])
        return 0;
    for (size_t i = 0; i < L->nmembers[g]; i++) {
        int found = 0;

        for (size_t j = 0; j < L->nmembers[h] && !found; j++)
            found = L->members[g][i] == L->members[h][j];
        if (!found)
            return 0;
    }
    return 1;
}

/* The first group before g with the same cities, or -1. */
static long twin_of(const struct anon_layout *L, size_t g)
{
    for (size_t h = 0; h < g; h++)
        if (same_cities(L, g, h))
            return (long)h;
    return -1;
}

static int build(struct sys *y, const double *N, const unsigned char *shown,
                 const unsigned char *target)
{
    const struct anon_layout *L = y->L;
    size_t next = 1;

    y->loc = fail_calloc(L->nslots, sizeof *y->loc);
    if (y->loc == NULL)
        return -1;
    for (size_t a = 0; a < L->nattrs; a++)
        for (size_t s = L->attr_first[a]; s < L->attr_first[a + 1]; s++)
            y->loc[s] = s + 1 < L->attr_first[a + 1] ? (long)next++ : -1;
    y->ncpc = next;
    y->ncols = L->ncities * y->ncpc;
    for (size_t g = 0; g < L->ngroups; g++) {
        long twin = twin_of(L, g);

        /* a group with the same cities as an earlier one (two networks of
         * the same members, a network of one city) adds the same rows:
         * one copy is enough for the span */
        for (size_t s = 0; s < L->nslots; s++)
            if (shown[g * L->nslots + s] &&
                !(twin >= 0 && shown[(size_t)twin * L->nslots + s]) && add_row(y, g, s) != 0)
                return -1;
    }
    y->nshown = y->nrows;
    for (size_t g = 0; g < L->ngroups; g++)
        for (size_t s = 0; s < L->nslots; s++)
            if (target[g * L->nslots + s] && !shown[g * L->nslots + s] &&
                N[g * L->nslots + s] > 0 && add_row(y, g, s) != 0)
                return -1;
    return 0;
}

/* Offers figure row r (a shown one) as the one to hide for target t, when
 * it holds somebody and fewer than the offer so far. */
static void offer(const struct sys *y, size_t t, size_t r)
{
    const struct row *tr = &y->rows[t], *rr = &y->rows[r];
    size_t ti = tr->g * y->L->nslots + tr->s, ri = rr->g * y->L->nslots + rr->s;

    if (!(y->N[ri] > 0))
        return;
    if (y->hint[ti] == SIZE_MAX || y->N[ri] < y->N[y->hint[ti]])
        y->hint[ti] = ri;
}

/* Offers the rows that pinned the known coordinates of row rw. */
static void offer_pins(const struct sys *y, const unsigned char *known, size_t t,
                       const struct row *rw)
{
    for (size_t e = rw->start; e < rw->end; e++)
        if (known[y->col[e]])
            offer(y, t, y->pinned_by[y->col[e]]);
}

/* The block of a row: the root of its first unknown column, or SIZE_MAX. */
static size_t row_root(const struct sys *y, const unsigned char *known, size_t *parent,
                       const struct row *rw)
{
    for (size_t e = rw->start; e < rw->end; e++)
        if (!known[y->col[e]])
            return uf_find(parent, y->col[e]);
    return SIZE_MAX;
}

/*
 * The shown rows that make target t follow, from the factors: with
 * A^T P = Q R and qth = Q^T h (h already transformed), R11 mu = qth[0..r)
 * by back substitution gives h = sum mu_j A^T e_P(j); every row with a
 * coefficient is offered as the one to hide, and so are the rows that
 * pinned its known coordinates.
 */
static void certificate(const struct sys *y, const unsigned char *known, const gsl_matrix *M,
                        const gsl_permutation *perm, size_t r, const double *qth,
                        const size_t *rows, size_t t)
{
    double *mu = fail_calloc(r + 1, sizeof *mu);

    if (mu == NULL)
        return;   /* no hint: the caller falls back to a neighbour */
    for (size_t j = r; j-- > 0;) {
        double v = qth[j];

        for (size_t i = j + 1; i < r; i++)
            v -= gsl_matrix_get(M, j, i) * mu[i];
        mu[j] = v / gsl_matrix_get(M, j, j);
    }
    for (size_t j = 0; j < r; j++)
        if (fabs(mu[j]) > 1e-9) {
            size_t row = rows[gsl_permutation_get(perm, j)];

            offer(y, t, row);
            offer_pins(y, known, t, &y->rows[row]);
        }
    offer_pins(y, known, t, &y->rows[t]);
    free(mu);
}

/* Decides the targets that touch one block of k unknown columns: rows[]
 * lists its shown rows. */
static int check_block(const struct sys *y, const unsigned char *known, size_t *parent,
                       size_t root, const size_t *pos, size_t k, const size_t *rows, size_t m,
                       unsigned char *open, struct audit_residuals *res)
{
    gsl_matrix *A = NULL, *M = NULL;
    gsl_vector *tau = NULL;
    gsl_permutation *perm = NULL;
    size_t r = 0;
    double *h = fail_calloc(k, sizeof *h);
    int rc = -1;

    if (h == NULL)
        return -1;
    {
        int wanted = 0;

        for (size_t t = y->nshown; t < y->nrows && !wanted; t++)
            if (open[t - y->nshown])
                for (size_t e = y->rows[t].start; e < y->rows[t].end && !wanted; e++)
                    wanted = !known[y->col[e]] && uf_find(parent, y->col[e]) == root;
        if (!wanted) {
            free(h);
            return 0;    /* no open target here: nothing to factor */
        }
    }
    if (m > 0) {
        A = gsl_matrix_calloc(m, k);
        if (A == NULL)
            goto done;
        for (size_t i = 0; i < m; i++) {
            const struct row *rw = &y->rows[rows[i]];

            for (size_t e = rw->start; e < rw->end; e++)
                if (!known[y->col[e]])
                    gsl_matrix_set(A, i, pos[y->col[e]],
                                   gsl_matrix_get(A, i, pos[y->col[e]]) + y->coef[e]);
        }
        if (row_span(A, &M, &tau, &perm, &r) != 0)
            goto done;
    }
    for (size_t t = y->nshown; t < y->nrows; t++) {
        const struct row *rw = &y->rows[t];
        int touches = 0;
        double norm = 0, d;

        if (!open[t - y->nshown])
            continue;
        memset(h, 0, k * sizeof *h);
        for (size_t e = rw->start; e < rw->end; e++)
            if (!known[y->col[e]] && uf_find(parent, y->col[e]) == root) {
                h[pos[y->col[e]]] += y->coef[e];
                touches = 1;
            }
        if (!touches)
            continue;
        for (size_t q = 0; q < k; q++)
            norm += h[q] * h[q];
        norm = sqrt(norm);
        if (norm == 0)
            continue;
        if (r == 0) {
            open[t - y->nshown] = 0;    /* no shown figure touches these coordinates */
            continue;
        }
        d = residual(M, tau, r, h, k);
        if (isnan(d))
            goto done;
        if (d > AUDIT_RESIDUAL_TOL * norm) {
            open[t - y->nshown] = 0;
            if (res != NULL && d / norm < res->min_out)
                res->min_out = d / norm;
            continue;
        }
        if (res != NULL && d / norm > res->max_in)
            res->max_in = d / norm;
        if (y->hint != NULL)
            certificate(y, known, M, perm, r, h, rows, t);
    }
    rc = 0;
done:
    if (A != NULL)
        gsl_matrix_free(A);
    if (M != NULL)
        gsl_matrix_free(M);
    if (tau != NULL)
        gsl_vector_free(tau);
    if (perm != NULL)
        gsl_permutation_free(perm);
    free(h);
    return rc;
}

int audit_table(const struct anon_layout *L, const double *N, const unsigned char *shown,
                const unsigned char *target, unsigned char *determined, size_t *hint,
                size_t *count, struct audit_residuals *res, char *err, size_t errlen)
{
    struct sys y;
    unsigned char *known = NULL, *open = NULL, *done_root = NULL;
    size_t *parent = NULL, *pos = NULL, *size = NULL, *rootof = NULL, *order = NULL;
    size_t *bstart = NULL, *cursor = NULL;
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int rc = -1;

    memset(&y, 0, sizeof y);
    y.L = L;
    y.N = N;
    y.hint = hint;
    *count = 0;
    for (size_t i = 0; hint != NULL && i < L->ngroups * L->nslots; i++)
        hint[i] = SIZE_MAX;
    memset(determined, 0, L->ngroups * L->nslots);
    if (res != NULL) {
        res->max_in = 0;
        res->min_out = INFINITY;
    }
    if (build(&y, N, shown, target) != 0)
        goto oom;
    known = fail_calloc(y.ncols ? y.ncols : 1, 1);
    open = fail_calloc(y.nrows - y.nshown + 1, 1);
    parent = fail_calloc(y.ncols ? y.ncols : 1, sizeof *parent);
    pos = fail_calloc(y.ncols ? y.ncols : 1, sizeof *pos);
    size = fail_calloc(y.ncols ? y.ncols : 1, sizeof *size);
    done_root = fail_calloc(y.ncols ? y.ncols : 1, 1);
    y.pinned_by = fail_calloc(y.ncols ? y.ncols : 1, sizeof *y.pinned_by);
    if (y.pinned_by == NULL || known == NULL || open == NULL || parent == NULL || pos == NULL || size == NULL ||
        done_root == NULL)
        goto oom;
    propagate(&y, known);
    /* Targets left with no unknown coordinate are determined exactly; the
     * others stay open until a block shows they are not in the span. */
    for (size_t t = y.nshown; t < y.nrows; t++)
        open[t - y.nshown] = 1;
    for (size_t c = 0; c < y.ncols; c++)
        parent[c] = c;
    for (size_t r = 0; r < y.nshown; r++) {
        size_t first = y.ncols;

        for (size_t e = y.rows[r].start; e < y.rows[r].end; e++) {
            size_t c = y.col[e];

            if (known[c])
                continue;
            if (first == y.ncols)
                first = c;
            else
                parent[uf_find(parent, c)] = uf_find(parent, first);
        }
    }
    for (size_t c = 0; c < y.ncols; c++)
        if (!known[c]) {
            size_t root = uf_find(parent, c);

            pos[c] = size[root]++;
        }
    /* shown rows by block: counting sort on their roots */
    rootof = fail_calloc(y.nshown + 1, sizeof *rootof);
    order = fail_calloc(y.nshown + 1, sizeof *order);
    bstart = fail_calloc(y.ncols + 1, sizeof *bstart);
    cursor = fail_calloc(y.ncols + 1, sizeof *cursor);
    if (rootof == NULL || order == NULL || bstart == NULL || cursor == NULL)
        goto oom;
    for (size_t r = 0; r < y.nshown; r++) {
        rootof[r] = row_root(&y, known, parent, &y.rows[r]);
        if (rootof[r] != SIZE_MAX)
            bstart[rootof[r] + 1]++;
    }
    for (size_t c = 0; c < y.ncols; c++)
        bstart[c + 1] += bstart[c];
    for (size_t r = 0; r < y.nshown; r++)
        if (rootof[r] != SIZE_MAX)
            order[bstart[rootof[r]] + cursor[rootof[r]]++] = r;
    for (size_t c = 0; c < y.ncols; c++) {
        size_t root;

        if (known[c])
            continue;
        root = uf_find(parent, c);
        if (done_root[root])
            continue;
        done_root[root] = 1;
        if (check_block(&y, known, parent, root, pos, size[root], order + bstart[root],
                        bstart[root + 1] - bstart[root], open, res) != 0) {
            err_set(err, errlen, "audit: the linear algebra failed");
            goto fail;
        }
    }
    for (size_t t = y.nshown; t < y.nrows; t++)
        if (open[t - y.nshown]) {
            size_t i = y.rows[t].g * L->nslots + y.rows[t].s;

            determined[i] = 1;
            (*count)++;
            if (hint != NULL && hint[i] == SIZE_MAX)
                offer_pins(&y, known, t, &y.rows[t]);   /* follows by propagation alone */
        }
    rc = 0;
    goto fail;
oom:
    err_set(err, errlen, "audit: out of memory");
fail:
    gsl_set_error_handler(old);
    FREE_ALL(known, open, parent, pos, size, done_root, rootof, order, bstart, cursor,
             y.pinned_by, y.loc, y.col, y.coef, y.rows);
    return rc;
}
