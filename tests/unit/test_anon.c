#include "anon.h"

#include <criterion/criterion.h>

Test(anon, threshold_never_below_three)
{
    cr_expect_eq(anon_threshold(0), 5);
    cr_expect_eq(anon_threshold(1), 3);
    cr_expect_eq(anon_threshold(3), 3);
    cr_expect_eq(anon_threshold(10), 10);
}

Test(anon, primary_suppression)
{
    cr_expect(anon_visible(0, 5), "an empty cell has nothing to hide");
    cr_expect(!anon_visible(1, 5));
    cr_expect(!anon_visible(4, 5));
    cr_expect(anon_visible(5, 5));
}

/* One city whose departments are n[0..k) (and nobody "not given"); the
 * flags of its parts after anon_table, with the city's own figure too.
 * Groups: the city, then "all" (the same city). */
static void one_city(const double *n, size_t k, const unsigned char *seed_parts,
                     unsigned char *parts)
{
    size_t first[2] = { 1, k + 2 };
    size_t m0[] = { 0 };
    const size_t *mp[] = { m0, m0 };
    size_t nm[] = { 1, 1 };
    struct anon_layout L = { .ncities = 1, .nslots = k + 2, .nattrs = 1, .attr_first = first,
                             .ngroups = 2, .members = mp, .nmembers = nm };
    double cells[16] = { 0 };
    unsigned char seed[32] = { 0 }, flags[32];
    char err[256];

    for (size_t i = 0; i < k; i++) {
        cells[0] += n[i];
        cells[1 + i] = n[i];
    }
    for (size_t i = 0; seed_parts != NULL && i < k; i++)
        seed[1 + i] = seed[(k + 2) + 1 + i] = seed_parts[i];
    cr_assert_eq(anon_table(&L, cells, 5, seed_parts ? seed : NULL, flags, err, sizeof err), 0,
                 "%s", err);
    for (size_t i = 0; i < k; i++)
        parts[i] = flags[1 + i];
    cr_expect(!flags[0], "the city itself stays shown");
}

/* A city of 40 with departments 20, 16 and 4: hiding only the 4 would let
 * 40 - 20 - 16 give it back, so the next smallest (16) is hidden too. */
Test(anon, complementary_suppression_blocks_subtraction)
{
    double n[3] = { 20, 16, 4 };
    unsigned char h[3];

    one_city(n, 3, NULL, h);
    cr_expect_eq(h[2], ANON_BELOW_THRESHOLD);
    cr_expect_eq(h[1], ANON_PROTECTS);
    cr_expect_eq(h[0], ANON_SHOWN);
}

Test(anon, two_small_cells_together_still_too_small)
{
    double n[4] = { 30, 12, 2, 1 };
    unsigned char h[4];

    one_city(n, 4, NULL, h);
    cr_expect(h[2] && h[3] && h[1], "2 + 1 < 5: the 12 is hidden as well");
    cr_expect(!h[0]);
}

Test(anon, enough_hidden_already)
{
    double n[3] = { 30, 3, 4 };
    unsigned char h[3];

    one_city(n, 3, NULL, h);
    cr_expect(h[1] && h[2], "3 + 4 = 7 >= 5: nothing more");
    cr_expect(!h[0]);
}

Test(anon, nothing_small_nothing_hidden)
{
    double n[3] = { 30, 0, 6 };
    unsigned char h[3];

    one_city(n, 3, NULL, h);
    cr_expect(!h[0] && !h[1] && !h[2]);
}

Test(anon, one_hidden_part_is_never_alone)
{
    /* the seed hides 10 (for another table's sake): alone it would follow
     * from 30 - 20, so the next smallest part is hidden with it */
    double n[3] = { 30, 20, 10 };
    unsigned char seed[3] = { 0, 0, ANON_PROTECTS }, h[3];

    one_city(n, 3, seed, h);
    cr_expect(h[2]);
    cr_expect(h[1], "20 hidden with the 10");
}

/* Two networks, one nested in the other, differing by one city of 3. */
Test(anon, nested_groups_must_differ_enough)
{
    size_t first[2] = { 1, 2 };
    size_t m0[] = { 0 }, m1[] = { 1 }, m2[] = { 2 }, big[] = { 0, 1, 2 }, small[] = { 0, 1 };
    const size_t *mp[] = { m0, m1, m2, big, small, big };
    size_t nm[] = { 1, 1, 1, 3, 2, 3 };
    struct anon_layout L = { .ncities = 3, .nslots = 2, .nattrs = 1, .attr_first = first,
                             .ngroups = 6, .members = mp, .nmembers = nm };
    double n[6] = { 50, 0, 40, 0, 3, 0 };
    unsigned char f[12];
    char err[256];

    cr_assert_eq(anon_table(&L, n, 5, NULL, f, err, sizeof err), 0, "%s", err);
    cr_expect_eq(f[2 * 2], ANON_BELOW_THRESHOLD, "the city of 3");
    cr_expect(f[0 * 2] || f[1 * 2] || f[4 * 2], "big - small = 3: something more is hidden");
}

Test(anon, reasons_have_words)
{
    cr_expect_str_eq(anon_reason_code(ANON_BELOW_THRESHOLD), "below_threshold");
    cr_expect_str_eq(anon_reason_code(ANON_PROTECTS), "protects_another_group");
    cr_expect_null(anon_reason_code(ANON_SHOWN));
}
