/* Unit: jarena, jansson's values in a bump allocator. A constructor installs the
 * allocator for the whole test binary (as main() does for the program), so
 * the in-process import and ingest tests run through it too; ASan checks
 * that nothing allocated in an arena is freed or used after leaving it. */
#include "jarena.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Criterion starts each test in a process of its own: a constructor runs
 * in every one of them, before any jansson use. */
__attribute__((constructor)) static void install(void)
{
    jarena_install();
}

Test(jarena, values_parse_and_drop_inside_an_arena)
{
    struct jarena a = { 0 };
    size_t first_total = 0;
    json_error_t je;

    for (int round = 0; round < 3; round++) {
        json_t *doc;

        jarena_enter(&a);
        doc = json_loads("{\"survey\":\"s\",\"answers\":{\"a\":1,\"b\":[1,2,3]},\"w\":1.5}", 0, &je);
        cr_assert(doc != NULL, "%s", je.text);
        cr_expect_str_eq(json_string_value(json_object_get(doc, "survey")), "s");
        cr_expect_eq(json_integer_value(json_object_get(json_object_get(doc, "answers"), "a")), 1);
        cr_expect_eq(json_array_size(json_object_get(json_object_get(doc, "answers"), "b")), 3);
        cr_expect_eq(json_real_value(json_object_get(doc, "w")), 1.5);
        json_decref(doc);
        cr_expect(a.total > 0, "the values came from the arena");
        if (round == 0)
            first_total = a.total;
        cr_expect_eq(a.total, first_total, "later rounds reuse the first block");
        jarena_leave(&a);
        cr_expect_eq(a.total, first_total, "the block is kept for the next round");
    }
    jarena_free(&a);
    cr_expect(a.blocks == NULL && a.total == 0);
}

/* Past JARENA_MAX the values come from malloc and are freed one by one;
 * outside an arena jansson works as usual. */
Test(jarena, large_documents_fall_back_to_malloc)
{
    struct jarena a = { 0 };
    json_t *arr, *outside;
    size_t n = 400000;

    outside = json_string("made before");
    jarena_enter(&a);
    arr = json_array();
    cr_assert(arr != NULL);
    for (size_t i = 0; i < n; i++)
        cr_assert(json_array_append_new(arr, json_stringn("abcdefghijklmnopqrstuvwxyz", 26)) == 0);
    cr_expect_leq(a.total, JARENA_MAX, "the arena stays within its bound");
    cr_expect_eq(json_array_size(arr), n);
    cr_expect_str_eq(json_string_value(json_array_get(arr, n - 1)), "abcdefghijklmnopqrstuvwxyz");
    json_decref(arr);
    json_decref(outside);   /* malloc'd before entering: freed normally */
    jarena_leave(&a);
    jarena_free(&a);
    outside = json_pack("{s:i}", "after", 1);
    cr_expect_eq(json_integer_value(json_object_get(outside, "after")), 1);
    json_decref(outside);
}
