/* msg: the command line's language, and the Polish forms of a noun after a
 * number (the rule of the Polish grammars: 1 / 2-4 but not 12-14 / the rest). */
#include "msg.h"

#include <criterion/criterion.h>

Test(msg, polish_plural_forms)
{
    static const struct {
        long long n;
        const char *want;
    } cases[] = {
        { 0, "rekordów" },  { 1, "rekord" },    { 2, "rekordy" },   { 4, "rekordy" },
        { 5, "rekordów" },  { 11, "rekordów" }, { 12, "rekordów" }, { 14, "rekordów" },
        { 21, "rekordów" }, { 22, "rekordy" },  { 104, "rekordy" }, { 112, "rekordów" },
        { 1001, "rekordów" },
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_expect_str_eq(msg_pl_plural(cases[i].n, "rekord", "rekordy", "rekordów"),
                         cases[i].want, "%lld", cases[i].n);
}

Test(msg, language_is_chosen_and_bad_values_are_ignored)
{
    msg_set_lang("en");
    cr_expect(msg_english());
    cr_expect_str_eq(msg("tak", "yes"), "yes");
    msg_set_lang("de");   /* not a language of the messages: nothing changes */
    cr_expect(msg_english());
    msg_set_lang("pl");
    cr_expect(!msg_english());
    cr_expect_str_eq(msg("tak", "yes"), "tak");
    cr_expect(msg_lang_valid("pl") && msg_lang_valid("en") && !msg_lang_valid("PL") &&
              !msg_lang_valid(NULL));
}
