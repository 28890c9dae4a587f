/*
 * audit: decides exactly which hidden figures of a linked table follow from
 * the figures shown, by linear algebra (GSL). Pure: no I/O.
 *
 * The model. For one survey, wave and quantity (respondents, one item's
 * answers, one dimension's scores), every published figure is a sum over
 * base cells, a base cell being a city x one combination of every
 * attribute's values. The figures of anon_layout (anon.h) are group x slot:
 * a group is a set of cities (a city, a network, "all"), a slot is the
 * whole group or one value of one attribute. A hidden figure can be
 * recovered exactly when its coefficient vector over the base cells lies in
 * the row space of the shown figures' vectors. The same linear system holds
 * for every additive quantity of a figure (n, sums, sums of squares,
 * favourable counts, each count of the distribution), because all of them
 * are sums over the same base cells with the same hidden pattern; so one
 * check per pattern covers them all.
 *
 * Every figure's vector lies in the subspace spanned, per city, by the
 * indicator of the whole city and of each attribute value ("main effects"),
 * so the audit works in coordinates of that subspace instead of the full
 * product of attribute values: per city the whole, and every value of every
 * attribute but its last ("not given"), which is the whole minus the
 * others. Row-space membership is the same in both coordinates (they are
 * an isomorphism of the subspace), and the system stays small: a city adds
 * 1 + sum(values - 1) columns instead of prod(values).
 *
 * The check, exact where it can be: shown figures that pin one unknown
 * coordinate are propagated first (integer arithmetic, no rounding); a
 * hidden figure left with no unknown coordinate is determined. What
 * remains is split into independent blocks (connected by shown figures);
 * in each, an orthonormal basis of the shown rows' span comes from a
 * one-sided Jacobi SVD, rank with the tolerance max(m, n) * DBL_EPSILON *
 * s_max (Golub & Van Loan, 4th ed., 5.4.1; NumPy's matrix_rank), and a
 * hidden figure is determined when the residual of its projection is at
 * most AUDIT_RESIDUAL_TOL times its norm. The coefficients are small
 * integers, so a vector in the span leaves a residual of rounding size
 * (about 1e-15) and one outside it a residual of order 1e-1 and more on the
 * tables Empirie builds; the property test (tests/unit/test_audit.c)
 * records both extremes over its random cases and checks the gap, and
 * compares every decision with exact rational elimination.
 */
#ifndef EMPIRIE_AUDIT_H
#define EMPIRIE_AUDIT_H

#include "anon.h"

#include <stddef.h>

#define AUDIT_RESIDUAL_TOL 1e-7

/* The extremes of the residuals seen by audit_table's SVD step, for tests:
 * the largest of the vectors judged in the span, the smallest of those
 * judged outside (INFINITY / 0 when none). */
struct audit_residuals {
    double max_in, min_out;
};

/*
 * Marks in determined (ngroups x nslots, set to 0 or 1) every target figure
 * not shown, holding somebody, whose value follows from the shown figures.
 * N: the groups' counts (anon_group_counts); shown: nonzero for each figure
 * the role reads; target: nonzero for each figure that must not be
 * recoverable (hidden ones, and any small one the role is not given).
 * hint, when not NULL, receives per determined figure the index (g * nslots
 * + s) of a shown figure holding somebody that its recovery uses, the
 * smallest such (SIZE_MAX when none is known): hiding it breaks that way of
 * recovering it. *count receives how many were marked; res, when not NULL,
 * the residual extremes. Returns 0, or -1 with err when out of memory or GSL fails (the
 * caller must then publish nothing).
 */
int audit_table(const struct anon_layout *L, const double *N, const unsigned char *shown,
                const unsigned char *target, unsigned char *determined, size_t *hint,
                size_t *count, struct audit_residuals *res, char *err, size_t errlen);

#endif
