/* names: slugs from what a person types, and "did you mean". */
#include "err.h"
#include "msg.h"
#include "names.h"
#include "utf8.h"

#include <criterion/criterion.h>
#include <string.h>

static void expect_fold(const char *in, const char *want)
{
    char out[NAMES_MAX + 1];

    names_fold(in, out, sizeof out);
    cr_expect_str_eq(out, want, "%s -> %s, expected %s", in, out, want);
}

Test(names, fold_diacritics_case_and_separators)
{
    expect_fold("Kędzierzyn-Koźle", "kedzierzyn-kozle");
    expect_fold("KĘDZIERZYN KOŹLE", "kedzierzyn-kozle");
    expect_fold("Kapitał Ludzki", "kapital-ludzki");
    expect_fold("  Łódź  ", "lodz");
    expect_fold("Żółć gęślą jaźń", "zolc-gesla-jazn");
    expect_fold("ZAŻÓŁĆ GĘŚLĄ JAŹŃ", "zazolc-gesla-jazn");
    expect_fold("Ostrów Wielkopolski", "ostrow-wielkopolski");
    expect_fold("Jasło", "jaslo");
    /* decomposed: e + combining ogonek */
    expect_fold("Ke\xcc\xa8" "dzierzyn", "kedzierzyn");
    expect_fold("Miasto_2024!", "miasto-2024");
    expect_fold("", "");
}

Test(names, display_width)
{
    cr_expect_eq(utf8_width("Kędzierzyn-Koźle"), 16);
    cr_expect_eq(utf8_width("—"), 1);
    cr_expect_eq(utf8_width("Ke\xcc\xa8"), 2);
    cr_expect_eq(utf8_width("abc"), 3);
}

Test(names, distance)
{
    cr_expect_eq(names_distance("konin", "konin"), 0);
    cr_expect_eq(names_distance("konim", "konin"), 1);
    cr_expect_eq(names_distance("kitten", "sitting"), 3);
    cr_expect_eq(names_distance("", "abc"), 3);
}

static const struct names_entry cities[] = {
    { "jaslo", "Jasło" },
    { "kedzierzyn-kozle", "Kędzierzyn-Koźle" },
    { "konin", "Konin" },
    { "krosno", "Krosno" },
    { "ostrow-wielkopolski", "Ostrów Wielkopolski" },
    { "ostrowiec-swietokrzyski", "Ostrowiec Świętokrzyski" },
};
#define NC (sizeof cities / sizeof cities[0])

Test(names, find_by_slug_name_or_beginning)
{
    char err[ERR_MAX];

    cr_expect_eq(names_find(cities, NC, "city", "konin", err, sizeof err), 2);
    cr_expect_eq(names_find(cities, NC, "city", "Konin", err, sizeof err), 2);
    cr_expect_eq(names_find(cities, NC, "city", "KONIN", err, sizeof err), 2);
    cr_expect_eq(names_find(cities, NC, "city", "Kędzierzyn-Koźle", err, sizeof err), 1);
    cr_expect_eq(names_find(cities, NC, "city", "kedzierzyn kozle", err, sizeof err), 1);
    cr_expect_eq(names_find(cities, NC, "city", "kedzierzyn", err, sizeof err), 1);
    cr_expect_eq(names_find(cities, NC, "city", "Jasło", err, sizeof err), 0);
    cr_expect_eq(names_find(cities, NC, "city", "Ostrów Wielkopolski", err, sizeof err), 4);
}

Test(names, not_found_suggests)
{
    char err[ERR_MAX];

    cr_expect_eq(names_find(cities, NC, "city", "Konim", err, sizeof err), -1);
    cr_expect_str_eq(err, "brak miasta 'Konim' (czy chodziło o: konin (Konin)?)");
    cr_expect_eq(names_find(cities, NC, "city", "Krosmo", err, sizeof err), -1);
    cr_expect(strstr(err, "czy chodziło o: krosno (Krosno)") != NULL, "%s", err);
    /* English with --lang en (msg.h) */
    msg_set_lang("en");
    cr_expect_eq(names_find(cities, NC, "city", "Konim", err, sizeof err), -1);
    cr_expect_str_eq(err, "no city 'Konim' (did you mean: konin (Konin)?)");
    msg_set_lang("pl");
    /* "ostrow" is the first word of ostrow-wielkopolski, and only part of a
     * word of ostrowiec-swietokrzyski: one match */
    cr_expect_eq(names_find(cities, NC, "city", "Ostrów", err, sizeof err), 4);
    cr_expect_eq(names_find(cities, NC, "city", "ostrow", err, sizeof err), 4);
    cr_expect_eq(names_find(cities, NC, "city", "Ostrowiec", err, sizeof err), 5);
    cr_expect_eq(names_find(cities, NC, "city", "Warszawa", err, sizeof err), -1);
    cr_expect_str_eq(err, "brak miasta 'Warszawa' (wszystkie pokazuje empirie registry list)");
}

Test(names, ambiguous_beginning_lists_both)
{
    static const struct names_entry c[] = { { "nowa-deba", "Nowa Dęba" }, { "nowa-sol", "Nowa Sól" } };
    char err[ERR_MAX];

    cr_expect_eq(names_find(c, 2, "city", "Nowa", err, sizeof err), -1);
    cr_expect_str_eq(err, "'Nowa' pasuje do więcej niż jednej nazwy (miasta): nowa-deba (Nowa "
                          "Dęba), nowa-sol (Nowa Sól); podaj slug");
    msg_set_lang("en");
    cr_expect_eq(names_find(c, 2, "city", "Nowa", err, sizeof err), -1);
    cr_expect_str_eq(err, "'Nowa' names more than one city: nowa-deba (Nowa Dęba), nowa-sol "
                          "(Nowa Sól); give the slug");
    msg_set_lang("pl");
    cr_expect_eq(names_find(c, 2, "city", "nowa sól", err, sizeof err), 1);
}
