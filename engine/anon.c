#include "anon.h"

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

int anon_difference_ok(double n_big, double n_small, int threshold)
{
    double d = n_big - n_small;

    return d <= 0 || d >= threshold;
}

size_t anon_partition(const double *n, size_t k, int threshold, int *hidden)
{
    double hidden_total = 0;
    size_t count = 0;

    for (size_t i = 0; i < k; i++) {
        if (n[i] > 0 && n[i] < threshold)
            hidden[i] = 1;
        if (hidden[i] && n[i] > 0)
            hidden_total += n[i];
    }
    /* Hide the smallest visible non-empty cell until the hidden ones hold
     * nobody or at least `threshold` respondents together. */
    while (hidden_total > 0 && hidden_total < threshold) {
        size_t best = k;

        for (size_t i = 0; i < k; i++)
            if (!hidden[i] && n[i] > 0 && (best == k || n[i] < n[best]))
                best = i;
        if (best == k)
            break;  /* everything is hidden: the caller hides the whole group */
        hidden[best] = 1;
        hidden_total += n[best];
    }
    for (size_t i = 0; i < k; i++)
        count += hidden[i] != 0;
    return count;
}
