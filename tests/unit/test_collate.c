/* Unit: Polish collation (engine/base/collate.h). */
#include "collate.h"
#include "utf8.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

Test(collate, programme_cities_in_polish_order)
{
    const char *names[] = { "Żywiec", "Zabrze", "Łomża", "Konin", "Kędzierzyn-Koźle", "Żary",
                            "Krosno", "Złotów", "Nisko", "Zawiercie", "Ostrów Wielkopolski",
                            "Ostrowiec Świętokrzyski", "Jasło", "Jarosław", "Włocławek",
                            "Warszawa" };
    const char *want[] = { "Jarosław", "Jasło", "Kędzierzyn-Koźle", "Konin", "Krosno",
                           "Łomża", "Nisko", "Ostrowiec Świętokrzyski", "Ostrów Wielkopolski",
                           "Warszawa", "Włocławek", "Zabrze", "Zawiercie", "Złotów", "Żary",
                           "Żywiec" };
    size_t n = sizeof names / sizeof names[0];

    qsort(names, n, sizeof names[0], collate_pl_ptr);
    for (size_t i = 0; i < n; i++)
        cr_expect_str_eq(names[i], want[i], "position %zu", i);
}

Test(collate, letters_levels_and_edges)
{
    cr_expect_lt(collate_pl("a", "ą"), 0);
    cr_expect_lt(collate_pl("ą", "b"), 0);
    cr_expect_lt(collate_pl("l", "ł"), 0);
    cr_expect_lt(collate_pl("ł", "m"), 0);
    cr_expect_lt(collate_pl("z", "ź"), 0);
    cr_expect_lt(collate_pl("ź", "ż"), 0);
    cr_expect_lt(collate_pl("Ź", "ż"), 0);      /* the letter first, case later */
    cr_expect_lt(collate_pl("konin", "Konin"), 0);
    cr_expect_lt(collate_pl("Kon", "Konin"), 0);
    cr_expect_lt(collate_pl("Nowe Brzesko", "Nowea"), 0);   /* space before letters */
    cr_expect_lt(collate_pl("e", "é"), 0);      /* é: e with a diacritic, before f */
    cr_expect_lt(collate_pl("é", "f"), 0);
    cr_expect_eq(collate_pl("Łomża", "Łomża"), 0);
    cr_expect_lt(collate_pl(NULL, "a"), 0);
    /* display width (utf8.h, shared with every padded table) */
    cr_expect_eq(utf8_width("Żywiec"), 6);
    cr_expect_eq(utf8_width("Kędzierzyn-Koźle"), 16);
}
