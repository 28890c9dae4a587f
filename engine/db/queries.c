#include "queries.h"

#include <string.h>

const char *queries_get(const char *name)
{
    for (size_t i = 0; i < queries_nfiles; i++)
        if (strcmp(queries_files[i].name, name) == 0)
            return queries_files[i].sql;
    return NULL;
}
