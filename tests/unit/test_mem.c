/* Unit: mem, the destructors' helpers (mem.h): FREE_ALL frees every
 * pointer of its list once, NULLs among them; FREE_EACH frees the array's
 * pointers and the array, and a NULL array whatever its count. What is
 * still allocated is read from AddressSanitizer's own count (the tests are
 * built with it): after the free it is what it was before the mallocs. */
#include "mem.h"

#include <criterion/criterion.h>
#include <string.h>

/* libasan's (sanitizer/allocator_interface.h, which Debian's gcc does not
 * ship): the bytes the program has allocated and not freed. */
size_t __sanitizer_get_current_allocated_bytes(void);

struct owner {
    char *name;
    double *x;
    int *unused;       /* never allocated: NULL */
    char **words;
    size_t nwords;
};

static void owner_free(struct owner *o)
{
    if (o == NULL)
        return;
    FREE_EACH(o->words, o->nwords);
    FREE_ALL(o->name, o->x, o->unused, o);
}

Test(mem, free_all_frees_each_pointer_and_skips_null)
{
    size_t before = __sanitizer_get_current_allocated_bytes();
    char *a = malloc(100), *b = NULL, *c = strdup("abc");

    cr_assert(a != NULL && c != NULL);
    cr_expect_geq(__sanitizer_get_current_allocated_bytes(), before + 104);
    FREE_ALL(a, b, c);
    cr_expect_eq(__sanitizer_get_current_allocated_bytes(), before);
    FREE_ALL(NULL);     /* a list of one NULL: nothing to do */
    cr_expect_eq(__sanitizer_get_current_allocated_bytes(), before);
}

Test(mem, free_each_frees_the_pointers_and_the_array)
{
    size_t before = __sanitizer_get_current_allocated_bytes();
    size_t n = 3;
    char **v = calloc(n, sizeof *v);

    cr_assert_not_null(v);
    v[0] = strdup("konin");
    v[2] = strdup("gniezno");   /* v[1] stays NULL: a slot never filled */
    cr_assert(v[0] != NULL && v[2] != NULL);
    FREE_EACH(v, n);
    cr_expect_eq(__sanitizer_get_current_allocated_bytes(), before);
}

Test(mem, free_each_of_a_null_array_reads_nothing)
{
    size_t before = __sanitizer_get_current_allocated_bytes();
    char **v = NULL;
    size_t n = 5;       /* a count left by a failure before the array was made */

    FREE_EACH(v, n);
    cr_expect_eq(__sanitizer_get_current_allocated_bytes(), before);
}

Test(mem, a_destructor_in_one_list)
{
    size_t before = __sanitizer_get_current_allocated_bytes();
    struct owner *o = calloc(1, sizeof *o);

    cr_assert_not_null(o);
    o->name = strdup("Empirie");
    o->x = calloc(8, sizeof *o->x);
    o->words = calloc(2, sizeof *o->words);
    cr_assert(o->name != NULL && o->x != NULL && o->words != NULL);
    o->words[0] = strdup("tak");
    o->words[1] = strdup("nie");
    cr_assert(o->words[0] != NULL && o->words[1] != NULL);
    o->nwords = 2;
    owner_free(o);
    owner_free(NULL);
    cr_expect_eq(__sanitizer_get_current_allocated_bytes(), before);
}
