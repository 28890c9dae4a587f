/*
 * anon: which cells of an output must be hidden so that no group of fewer
 * respondents than the anonymity threshold can be seen or recovered.
 *
 * Primary suppression hides every cell with 0 < n < threshold. That alone is
 * not enough: a city total minus its visible departments gives the hidden
 * department back, and a network's department minus its cities' shown ones
 * gives a city's hidden department back. So anon_table decides over the
 * whole linked table of a survey and wave (every city, network and "all",
 * whole and split by every attribute), and proves the result with the
 * disclosure audit (audit.h): no hidden figure follows from the shown ones.
 *
 * Cells with n == 0 are empty, not hidden: there is nothing to recover.
 * The functions are pure and decide on counts only; callers apply them to
 * every output (tables, JSON, reports) before anything is shown.
 */
#ifndef EMPIRIE_ANON_H
#define EMPIRIE_ANON_H

#include <stddef.h>

/* The smallest threshold the engine accepts, whatever a survey asks. */
#define ANON_MIN_THRESHOLD 3
#define ANON_DEFAULT_THRESHOLD 5

/* True when a cell of n respondents may be shown on its own. */
int anon_visible(double n, int threshold);

/* The threshold a survey asks for, raised to ANON_MIN_THRESHOLD; 0 or less
 * means the default. */
int anon_threshold(int requested);

/* ---- the linked tables of a survey and wave (anon_table) ---- */

/* Why a figure is not shown. */
enum anon_flag {
    ANON_SHOWN = 0,
    ANON_BELOW_THRESHOLD = 1,   /* 0 < n < threshold */
    ANON_PROTECTS = 2,          /* hidden so that another small group cannot be recovered */
};

/* JSON and log words for a flag: "below_threshold", "protects_another_group", NULL. */
const char *anon_reason_code(enum anon_flag f);

/*
 * Everything published of one survey, wave and quantity forms one linked
 * table: groups x slots. Groups 0 .. ncities - 1 are the cities (in order),
 * the others sets of cities (networks, "all"). Slot 0 is the whole group;
 * attribute a's values (its "not given" last) are the slots
 * [attr_first[a], attr_first[a + 1]); attr_first[nattrs] == nslots.
 */
struct anon_layout {
    size_t ncities, nslots, nattrs;
    const size_t *attr_first;       /* nattrs + 1 */
    size_t ngroups;
    const size_t *const *members;   /* per group: city indices (distinct) */
    const size_t *nmembers;
};

/* N[g * nslots + s] = sum over g's cities of n[c * nslots + s]. */
void anon_group_counts(const struct anon_layout *L, const double *n, double *N);

/*
 * Decides what to hide of one linked table, from the cities' counts n
 * (ncities x nslots). seed, when not NULL, holds flags that must stay
 * (an item's table starts from the respondents' flags); flags (ngroups x
 * nslots) receives the result. The rules, run to a fixed point: primary
 * suppression (0 < N < threshold); a hidden whole group hides all its
 * slots; in every partition of a shown figure (a group's slot 0 into one
 * attribute's values; a network's or all's slot into its cities, or into a
 * shown nested network and the other cities) the hidden non-empty parts
 * are none or at least two holding at least the threshold together, the
 * smallest parts hidden first. Then audit_table (audit.h) checks the whole
 * table as the widest role (every group) reads it, and while a hidden
 * figure can still be recovered, the smallest shown figure next to it is
 * hidden too and the rules run again. Afterwards no hidden non-empty figure
 * is determined by the shown ones. Returns 0, or -1 with err (out of
 * memory, GSL, or nothing left to hide): the caller must not publish.
 */
int anon_table(const struct anon_layout *L, const double *n, int threshold,
               const unsigned char *seed, unsigned char *flags, char *err, size_t errlen);

/* Test hook: 0 turns off the cross-table rules (the partitions of a
 * network's or all's parts into cities, and the audit's repair), leaving
 * what Empirie did before: each group's parts alone, cities on totals. */
extern int anon_cross_table;

#endif
