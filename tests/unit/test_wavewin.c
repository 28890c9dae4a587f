/* wavewin_default: the default wave is the latest that has opened. */
#include "wavewin.h"

#include <criterion/criterion.h>

Test(wavewin, default_is_the_latest_opened_wave)
{
    const char *opens[] = { "2023-10-01", "2024-10-01", "2025-10-01", "2099-01-01" };

    cr_expect_eq(wavewin_default(opens, 4, "2026-12-01"), 2, "the future wave is not the default");
    cr_expect_eq(wavewin_default(opens, 4, "2025-10-01"), 2, "a wave opening today has opened");
    cr_expect_eq(wavewin_default(opens, 4, "2025-09-30"), 1);
    cr_expect_eq(wavewin_default(opens, 4, "2099-01-01"), 3);
    cr_expect_eq(wavewin_default(opens, 4, "2020-01-01"), -1, "none has opened");
    cr_expect_eq(wavewin_default(opens, 0, "2026-12-01"), -1);
}

Test(wavewin, default_in_any_order_ties_to_the_later)
{
    const char *opens[] = { "2025-10-01", "2099-01-01", "2023-10-01", "2025-10-01" };

    cr_expect_eq(wavewin_default(opens, 4, "2026-12-01"), 3);
}
