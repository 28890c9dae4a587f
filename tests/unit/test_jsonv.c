#include "err.h"
#include "jsonv.h"

#include <criterion/criterion.h>
#include <string.h>

Test(jsonv, slugs)
{
    cr_expect(jsonv_is_slug("konin"));
    cr_expect(jsonv_is_slug("kedzierzyn-kozle"));
    cr_expect(jsonv_is_slug("a1-b2-c3"));
    cr_expect(!jsonv_is_slug(""));
    cr_expect(!jsonv_is_slug("Konin"));
    cr_expect(!jsonv_is_slug("-konin"));
    cr_expect(!jsonv_is_slug("konin-"));
    cr_expect(!jsonv_is_slug("a--b"));
    cr_expect(!jsonv_is_slug("łomża"));
    cr_expect(!jsonv_is_slug("a b"));
}

Test(jsonv, dates)
{
    cr_expect(jsonv_is_date("2024-02-29"));
    cr_expect(jsonv_is_date("2000-02-29"));
    cr_expect(!jsonv_is_date("1900-02-29"));
    cr_expect(!jsonv_is_date("2023-02-29"));
    cr_expect(!jsonv_is_date("2023-04-31"));
    cr_expect(!jsonv_is_date("2023-13-01"));
    cr_expect(!jsonv_is_date("2023-1-01"));
    cr_expect(!jsonv_is_date("2023-01-01T00"));
}

Test(jsonv, errors_name_the_field_and_value)
{
    char err[ERR_MAX];
    json_t *obj = json_pack("{s:s, s:i}", "slug", "Konin", "n", 7);
    const char *s;
    long long v;

    cr_assert(jsonv_slug(obj, "slug", 1, &s, "cities[2]", err, sizeof err) == -1);
    cr_expect(strstr(err, "cities[2]") != NULL, "%s", err);
    cr_expect(strstr(err, "field \"slug\"") != NULL, "%s", err);
    cr_expect(strstr(err, "\"Konin\"") != NULL, "%s", err);
    cr_assert(jsonv_string(obj, "name", 1, &s, "x", err, sizeof err) == -1);
    cr_expect(strstr(err, "missing") != NULL, "%s", err);
    cr_assert(jsonv_int(obj, "n", 1, 1, 5, 0, &v, "x", err, sizeof err) == -1);
    cr_expect(strstr(err, "from 1 to 5, got 7") != NULL, "%s", err);
    cr_assert(jsonv_int(obj, "n", 1, 1, 10, 0, &v, "x", err, sizeof err) == 0);
    cr_expect_eq(v, 7);
    json_decref(obj);
}

Test(jsonv, unknown_keys_rejected_comments_allowed)
{
    static const char *const allowed[] = { "slug", NULL };
    char err[ERR_MAX];
    json_t *ok = json_pack("{s:s, s:s}", "slug", "a", "_comment", "hi");
    json_t *bad = json_pack("{s:s, s:s}", "slug", "a", "slgu", "b");

    cr_expect(jsonv_only_keys(ok, allowed, "x", err, sizeof err) == 0);
    cr_expect(jsonv_only_keys(bad, allowed, "x", err, sizeof err) == -1);
    cr_expect(strstr(err, "unknown field \"slgu\"") != NULL, "%s", err);
    json_decref(ok);
    json_decref(bad);
}
