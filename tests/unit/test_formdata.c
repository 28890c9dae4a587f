/* formdata: the form's x-www-form-urlencoded parser, its caps and errors. */
#include "formdata.h"

#include <criterion/criterion.h>
#include <string.h>

static int parse(const char *body, size_t max_bytes, size_t max_fields, struct formdata *fd,
                 char *err)
{
    return formdata_parse(body, strlen(body), max_bytes, max_fields, fd, err, 256);
}

Test(formdata, decodes_names_values_plus_and_escapes)
{
    struct formdata fd;
    char err[256];

    cr_assert_eq(parse("rid=abc&q-uwagi=Wi%C4%99cej+zieleni%21&empty=&bare&&q-m=1&q-m=3",
                       4096, 100, &fd, err), 0, "%s", err);
    cr_assert_eq(fd.n, 6);
    cr_expect_str_eq(formdata_get(&fd, "rid"), "abc");
    cr_expect_str_eq(formdata_get(&fd, "q-uwagi"), "Więcej zieleni!");
    cr_expect_str_eq(formdata_get(&fd, "empty"), "");
    cr_expect_str_eq(formdata_get(&fd, "bare"), "");
    cr_expect_str_eq(formdata_get(&fd, "q-m"), "1");
    cr_expect(formdata_has(&fd, "q-m", "3"));
    cr_expect(!formdata_has(&fd, "q-m", "2"));
    cr_expect_null(formdata_get(&fd, "nope"));
    formdata_free(&fd);
    cr_expect_eq(fd.n, 0);
}

Test(formdata, refuses_what_it_cannot_take)
{
    struct formdata fd;
    char err[256];

    cr_expect_eq(parse("a=%4", 4096, 100, &fd, err), -1);
    cr_expect(strstr(err, "field 1: the value has a malformed %XX escape") != NULL, "%s", err);
    cr_expect_eq(parse("a=1&b%zz=2", 4096, 100, &fd, err), -1);
    cr_expect(strstr(err, "field 2: the name has a malformed") != NULL, "%s", err);
    cr_expect_eq(parse("a=%C3%28", 4096, 100, &fd, err), -1);
    cr_expect(strstr(err, "not valid UTF-8") != NULL, "%s", err);
    cr_expect_eq(parse("a=x%00y", 4096, 100, &fd, err), -1, "a NUL byte is refused");
    cr_expect_eq(parse("a=1&b=2&c=3", 4096, 2, &fd, err), -1);
    cr_expect(strstr(err, "more than 2 fields") != NULL, "%s", err);
    cr_expect_eq(parse("a=123456789", 8, 100, &fd, err), -1);
    cr_expect(strstr(err, "larger than 8 bytes") != NULL, "%s", err);
    cr_expect_eq(fd.n, 0);
    cr_expect_null(fd.f);
}

Test(formdata, a_value_longer_than_the_field_cap)
{
    static char body[FORMDATA_MAX_FIELD + 16];
    struct formdata fd;
    char err[256];

    memcpy(body, "a=", 2);
    memset(body + 2, 'x', FORMDATA_MAX_FIELD + 1);
    body[FORMDATA_MAX_FIELD + 3] = '\0';
    cr_expect_eq(parse(body, sizeof body, 10, &fd, err), -1);
    cr_expect(strstr(err, "longer than 8192 bytes") != NULL, "%s", err);
    body[FORMDATA_MAX_FIELD + 2] = '\0';   /* exactly the cap: accepted */
    cr_assert_eq(parse(body, sizeof body, 10, &fd, err), 0, "%s", err);
    cr_expect_eq(strlen(formdata_get(&fd, "a")), FORMDATA_MAX_FIELD);
    formdata_free(&fd);
}
