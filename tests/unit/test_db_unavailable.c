/* Unit: which SQLSTATEs mean "the database is unavailable" (503, retry
 * later) and which do not (500 or the client's error); db.h. */
#include "db.h"

#include <criterion/criterion.h>

Test(db_unavailable, sqlstates)
{
    static const char *const unavailable[] = {
        "08000", "08003", "08006", "08001", "08004", "57P01", "57P02", "57P03", "57014",
        "55P03", "40001", "40P01", "53300", "53100", "53200", "58000", "58030", "?????",
    };
    static const char *const other[] = {
        "", "23505", "22P02", "42P01", "42703", "26000", "XX000", "P0001", "25P02",
    };

    for (size_t i = 0; i < sizeof unavailable / sizeof unavailable[0]; i++)
        cr_expect(db_sqlstate_unavailable(unavailable[i]), "%s is unavailable", unavailable[i]);
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        cr_expect(!db_sqlstate_unavailable(other[i]), "%s is not", other[i]);
    cr_expect(!db_sqlstate_unavailable(NULL));
}
