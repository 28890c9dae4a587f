/*
 * anon: which cells of an output must be hidden so that no group of fewer
 * respondents than the anonymity threshold can be seen or recovered.
 *
 * Primary suppression hides every cell with 0 < n < threshold. That alone is
 * not enough: a city total minus its visible departments gives the hidden
 * department back. So within every partition of a group (the departments of
 * a city, the cities of a network) the hidden cells together must hold
 * either nobody or at least `threshold` respondents; anon_partition hides
 * further cells, smallest first, until that holds (complementary
 * suppression). Two groups of which one contains the other (a network and a
 * network nested in it, a network and the rest of it without one city) must
 * differ by nobody or by at least `threshold`: anon_difference_ok says
 * whether showing both is safe.
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

/*
 * Marks the cells of one partition to hide. n: the k parts' counts (include
 * a part for "not given" when the parts do not add up to the whole).
 * hidden: k flags, set to 1 for each cell to hide (cells already flagged
 * stay hidden: pass the result of an earlier pass to combine partitions).
 * Returns how many cells are hidden. Afterwards the hidden non-empty cells
 * hold 0 or >= threshold respondents together, unless every non-empty cell
 * is hidden (the whole group is then too small and must be hidden too:
 * anon_visible on its total says so).
 */
size_t anon_partition(const double *n, size_t k, int threshold, int *hidden);

/* True when groups of n_big and n_small respondents, the second contained
 * in the first, may both be shown: they differ by 0 or by >= threshold. */
int anon_difference_ok(double n_big, double n_small, int threshold);

/* The threshold a survey asks for, raised to ANON_MIN_THRESHOLD; 0 or less
 * means the default. */
int anon_threshold(int requested);

#endif
