/* Unit: dynbuf, the capped byte buffer (the cap reached exactly, passed,
 * growth, printf, empty adds, overflow of size_t), and dynarr, room in a
 * growable array. */
#include "dynarr.h"
#include "dynbuf.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

Test(dynbuf, starts_empty_and_allocates_on_first_add)
{
    struct dynbuf b;

    dynbuf_init(&b, 100);
    cr_expect_null(dynbuf_ptr(&b));
    cr_expect_eq(dynbuf_len(&b), 0);
    cr_expect_eq(dynbuf_error(&b), DYNBUF_OK);
    cr_assert_eq(dynbuf_addn(&b, NULL, 0), 0, "an empty add succeeds");
    cr_assert_not_null(dynbuf_ptr(&b), "and leaves a string");
    cr_expect_str_eq(dynbuf_ptr(&b), "");
    cr_expect_eq(dynbuf_len(&b), 0);
    cr_expect_eq(dynbuf_add(&b, ""), 0);
    cr_expect_eq(dynbuf_len(&b), 0);
    dynbuf_free(&b);
}

Test(dynbuf, cap_reached_exactly_then_passed_by_one)
{
    struct dynbuf b;
    char ten[10];

    memset(ten, 'x', sizeof ten);
    dynbuf_init(&b, 10);
    cr_assert_eq(dynbuf_addn(&b, ten, 4), 0);
    cr_assert_eq(dynbuf_addn(&b, ten, 6), 0, "10 bytes fit a cap of 10");
    cr_expect_eq(dynbuf_len(&b), 10);
    cr_expect_eq(strlen(dynbuf_ptr(&b)), 10, "NUL-terminated at the cap");
    cr_expect_eq(dynbuf_addn(&b, NULL, 0), 0, "an empty add still fits");
    cr_expect_eq(dynbuf_addc(&b, 'y'), -1, "the 11th byte does not");
    cr_expect_eq(dynbuf_error(&b), DYNBUF_TOO_LARGE);
    cr_expect_eq(dynbuf_len(&b), 10, "the content is kept");
    cr_expect_str_eq(dynbuf_ptr(&b), "xxxxxxxxxx");
    dynbuf_free(&b);
}

Test(dynbuf, too_large_fails_whole_and_keeps_content_and_is_sticky)
{
    struct dynbuf b;

    dynbuf_init(&b, 8);
    cr_assert_eq(dynbuf_add(&b, "abc"), 0);
    cr_expect_eq(dynbuf_add(&b, "defghi"), -1, "3 + 6 > 8: nothing of it is added");
    cr_expect_eq(dynbuf_error(&b), DYNBUF_TOO_LARGE);
    cr_expect_str_eq(dynbuf_ptr(&b), "abc");
    cr_expect_eq(dynbuf_len(&b), 3);
    cr_expect_eq(dynbuf_add(&b, "d"), -1, "a failure is sticky: no hole in the middle");
    cr_expect_str_eq(dynbuf_ptr(&b), "abc");
    dynbuf_reset(&b);
    cr_expect_eq(dynbuf_error(&b), DYNBUF_OK, "reset clears it");
    cr_expect_eq(dynbuf_len(&b), 0);
    cr_expect_str_eq(dynbuf_ptr(&b), "");
    cr_expect_eq(dynbuf_add(&b, "12345678"), 0);
    cr_expect_str_eq(dynbuf_ptr(&b), "12345678");
    dynbuf_free(&b);
}

Test(dynbuf, grows_by_doubling_and_keeps_every_byte)
{
    struct dynbuf b;
    size_t last_alloc = 0, reallocs = 0;

    dynbuf_init(&b, 1 << 20);
    for (int i = 0; i < 100000; i++) {
        cr_assert_eq(dynbuf_addc(&b, (char)('a' + i % 26)), 0);
        if (b.alloc != last_alloc) {
            reallocs++;
            last_alloc = b.alloc;
        }
    }
    cr_expect_eq(dynbuf_len(&b), 100000);
    for (size_t i = 0; i < 100000; i++)
        if (dynbuf_ptr(&b)[i] != (char)('a' + i % 26))
            cr_assert_fail("byte %zu changed", i);
    cr_expect_eq(dynbuf_ptr(&b)[100000], '\0');
    /* 64 doubled to 131072: 12 allocations, not one per byte */
    cr_expect_eq(reallocs, 12, "%zu allocations", reallocs);
    cr_expect(b.alloc <= (1u << 20) + 1, "never more than the cap and its NUL");
    dynbuf_free(&b);
}

Test(dynbuf, allocation_is_capped_at_cap_plus_nul)
{
    struct dynbuf b;
    char big[100];

    memset(big, 'z', sizeof big);
    dynbuf_init(&b, 100);
    cr_assert_eq(dynbuf_addn(&b, big, 70), 0);
    cr_assert_eq(dynbuf_addn(&b, big, 30), 0);
    cr_expect_eq(b.alloc, 101, "the doubling stops at the cap: %zu", b.alloc);
    dynbuf_free(&b);
}

Test(dynbuf, printf_formats_and_appends)
{
    struct dynbuf b;
    char want[400];

    dynbuf_init(&b, 1000);
    cr_assert_eq(dynbuf_printf(&b, "%s=%d;", "n", 42), 0);
    cr_assert_eq(dynbuf_printf(&b, "%.3f|%5s|%-3u|", 3.14159, "ab", 7u), 0);
    cr_expect_str_eq(dynbuf_ptr(&b), "n=42;3.142|   ab|7  |");
    /* longer than the first allocation: formatted once more after growing */
    memset(want, 'q', 300);
    want[300] = '\0';
    cr_assert_eq(dynbuf_printf(&b, "%s", want), 0);
    cr_expect_eq(dynbuf_len(&b), 21 + 300);
    cr_expect_str_eq(dynbuf_ptr(&b) + 21, want);
    cr_expect_eq(dynbuf_printf(&b, "%s", ""), 0, "an empty format adds nothing");
    cr_expect_eq(dynbuf_len(&b), 321);
    dynbuf_free(&b);
}

Test(dynbuf, printf_past_the_cap_adds_nothing)
{
    struct dynbuf b;

    dynbuf_init(&b, 10);
    cr_assert_eq(dynbuf_printf(&b, "%d", 12345), 0);
    cr_expect_eq(dynbuf_printf(&b, "%d", 123456), -1, "5 + 6 > 10");
    cr_expect_eq(dynbuf_error(&b), DYNBUF_TOO_LARGE);
    cr_expect_str_eq(dynbuf_ptr(&b), "12345", "no partial text");
    cr_expect_eq(dynbuf_len(&b), 5);
    dynbuf_reset(&b);
    cr_expect_eq(dynbuf_printf(&b, "%s", "0123456789"), 0, "exactly the cap");
    cr_expect_str_eq(dynbuf_ptr(&b), "0123456789");
    dynbuf_free(&b);
}

Test(dynbuf, size_t_overflow_is_too_large_not_a_wrap)
{
    struct dynbuf b;
    char c = 'a';

    dynbuf_init(&b, DYNBUF_MAX_CAP);
    cr_assert_eq(dynbuf_addn(&b, &c, 1), 0);
    /* len + n wraps size_t: must fail before any arithmetic wraps */
    cr_expect_eq(dynbuf_addn(&b, &c, SIZE_MAX), -1);
    cr_expect_eq(dynbuf_error(&b), DYNBUF_TOO_LARGE);
    cr_expect_eq(dynbuf_len(&b), 1);
    cr_expect_str_eq(dynbuf_ptr(&b), "a");
    dynbuf_reset(&b);
    cr_expect_eq(dynbuf_addn(&b, &c, SIZE_MAX - 1), -1);
    cr_expect_eq(dynbuf_addn(&b, &c, DYNBUF_MAX_CAP), -1, "sticky");
    dynbuf_free(&b);
}

Test(dynbuf, truncate_and_take)
{
    struct dynbuf b;
    size_t len = 0;
    char *s;

    dynbuf_init(&b, 64);
    cr_assert_eq(dynbuf_add(&b, "hello, world"), 0);
    dynbuf_truncate(&b, 5);
    cr_expect_str_eq(dynbuf_ptr(&b), "hello");
    s = dynbuf_take(&b, &len);
    cr_expect_str_eq(s, "hello");
    cr_expect_eq(len, 5);
    cr_expect_null(dynbuf_ptr(&b), "taken: empty");
    cr_expect_eq(dynbuf_len(&b), 0);
    free(s);
    cr_expect_eq(dynbuf_add(&b, "again"), 0, "and usable again");
    cr_expect_str_eq(dynbuf_ptr(&b), "again");
    dynbuf_free(&b);
    dynbuf_free(&b);    /* twice is harmless */
}

Test(dynarr, grows_by_doubling_from_eight)
{
    int *a = NULL, *p;
    size_t cap = 0;

    p = dynarr_reserve(a, &cap, 1, sizeof *a);
    cr_assert_not_null(p);
    cr_expect_eq(cap, 8);
    a = p;
    cr_expect_eq(dynarr_reserve(a, &cap, 8, sizeof *a), a, "room already: the same array");
    cr_expect_eq(cap, 8);
    for (int i = 0; i < 8; i++)
        a[i] = i;
    p = dynarr_reserve(a, &cap, 9, sizeof *a);
    cr_assert_not_null(p);
    a = p;
    cr_expect_eq(cap, 16);
    for (int i = 0; i < 8; i++)
        cr_expect_eq(a[i], i, "kept when moved");
    p = dynarr_reserve(a, &cap, 100, sizeof *a);
    cr_assert_not_null(p);
    a = p;
    cr_expect_eq(cap, 128);
    free(a);
}

Test(dynarr, overflow_fails_and_leaves_the_array)
{
    int *a = NULL, *p;
    size_t cap = 0;

    p = dynarr_reserve(a, &cap, 4, sizeof *a);
    cr_assert_not_null(p);
    a = p;
    a[0] = 7;
    cr_expect_null(dynarr_reserve(a, &cap, SIZE_MAX / 2, sizeof *a), "need * size overflows");
    cr_expect_null(dynarr_reserve(a, &cap, SIZE_MAX, 1), "the doubling would overflow");
    cr_expect_eq(cap, 8, "cap unchanged");
    cr_expect_eq(a[0], 7, "the array is still the caller's");
    free(a);
}

static int calls;

static void *refuse(void *p, size_t n)
{
    (void)p;
    (void)n;
    calls++;
    return NULL;
}

Test(dynarr, reserve_by_uses_the_given_realloc)
{
    size_t cap = 0;

    cr_expect_null(dynarr_reserve_by(refuse, NULL, &cap, 1, 16));
    cr_expect_eq(calls, 1);
    cr_expect_eq(cap, 0, "unchanged on failure");
}
