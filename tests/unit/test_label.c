/* label: the one table of words (label.h). Every label has both languages;
 * the significance words (vocab.h) are the table's own strings, not copies;
 * label_lower gives a word for the middle of a sentence. */
#include "label.h"
#include "vocab.h"

#include <criterion/criterion.h>
#include <string.h>

Test(label, every_label_has_both_languages)
{
    for (int id = 0; id < L_COUNT; id++) {
        cr_expect(label_text((enum label)id, 0)[0] != '\0', "label %d has no Polish", id);
        cr_expect(label_text((enum label)id, 1)[0] != '\0', "label %d has no English", id);
    }
    cr_expect_str_eq(label_text(L_COUNT, 0), "");
}

Test(label, vocab_words_come_from_the_table)
{
    for (int en = 0; en <= 1; en++) {
        /* the same pointers: one definition, not two equal strings */
        cr_expect(vocab_trend(1, 1, en) == label_text(L_RISING, en));
        cr_expect(vocab_trend(-1, 1, en) == label_text(L_FALLING, en));
        cr_expect(vocab_trend(1, 0, en) == label_text(L_NONE_TREND, en));
        cr_expect(vocab_change(1, 1, en) == label_text(L_SIG_UP, en));
        cr_expect(vocab_change(-1, 1, en) == label_text(L_SIG_DOWN, en));
        cr_expect(vocab_change(1, 0, en) == label_text(L_NO_SIG_CHANGE, en));
    }
    cr_expect_str_eq(vocab_trend(1, 1, 0), "rośnie");
    cr_expect_str_eq(vocab_change(0, 0, 1), "no significant change");
}

Test(label, lower_case_inside_a_sentence)
{
    char buf[64], tiny[4];

    cr_expect_str_eq(label_lower(L_THRESHOLD, 0, buf, sizeof buf), "próg anonimowości");
    cr_expect_str_eq(label_lower(L_THRESHOLD, 1, buf, sizeof buf), "anonymity threshold");
    cr_expect_str_eq(label_lower(L_ALL_CITIES, 0, buf, sizeof buf), "wszystkie miasta");
    cr_expect_str_eq(label_lower(L_NETWORK, 0, buf, sizeof buf), "sieć");
    cr_expect_str_eq(label_lower(L_CITY, 1, tiny, sizeof tiny), "cit", "cut to the buffer");
    /* the table itself is unchanged */
    cr_expect_str_eq(label_text(L_THRESHOLD, 0), "Próg anonimowości");
}
