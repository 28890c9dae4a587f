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

/* A city of 40 with departments 20, 16 and 4: hiding only the 4 would let
 * 40 - 20 - 16 give it back, so the next smallest (16) is hidden too. */
Test(anon, complementary_suppression_blocks_subtraction)
{
    double n[3] = { 20, 16, 4 };
    int hidden[3] = { 0, 0, 0 };
    double visible_sum = 0;

    cr_expect_eq(anon_partition(n, 3, 5, hidden), 2);
    cr_expect_eq(hidden[2], 1);
    cr_expect_eq(hidden[1], 1);
    cr_expect_eq(hidden[0], 0);
    for (int i = 0; i < 3; i++)
        if (!hidden[i])
            visible_sum += n[i];
    /* What subtraction recovers is the hidden cells together: 20 people. */
    cr_expect_geq(40 - visible_sum, 5);
}

Test(anon, two_small_cells_together_still_too_small)
{
    double n[4] = { 30, 12, 2, 1 };
    int hidden[4] = { 0 };

    anon_partition(n, 4, 5, hidden);
    cr_expect(hidden[2] && hidden[3] && hidden[1], "2 + 1 < 5: the 12 is hidden as well");
    cr_expect(!hidden[0]);
}

Test(anon, enough_hidden_already)
{
    double n[3] = { 30, 3, 4 };
    int hidden[3] = { 0 };

    cr_expect_eq(anon_partition(n, 3, 5, hidden), 2, "3 + 4 = 7 >= 5: nothing more");
    cr_expect(!hidden[0]);
}

Test(anon, nothing_small_nothing_hidden)
{
    double n[3] = { 30, 0, 6 };
    int hidden[3] = { 0 };

    cr_expect_eq(anon_partition(n, 3, 5, hidden), 0);
}

Test(anon, earlier_flags_are_kept)
{
    double n[3] = { 30, 20, 10 };
    int hidden[3] = { 0, 0, 1 };

    cr_expect_eq(anon_partition(n, 3, 5, hidden), 1);
    cr_expect(hidden[2]);
}

Test(anon, nested_groups_must_differ_enough)
{
    cr_expect(anon_difference_ok(100, 100, 5));
    cr_expect(!anon_difference_ok(100, 97, 5), "a network minus a nested one: 3 people");
    cr_expect(anon_difference_ok(100, 95, 5));
}
