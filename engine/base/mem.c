/* mem: freeing a list of owned pointers (mem.h). */
#include "mem.h"

void free_all(void *const *ptrs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(ptrs[i]);
}
