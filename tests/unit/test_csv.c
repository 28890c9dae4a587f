/* Unit: the streaming CSV reader (engine/base/csv.c). */
#include "csv.h"
#include "err.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static FILE *text(const char *s)
{
    FILE *f = fmemopen((void *)s, strlen(s), "r");

    cr_assert(f != NULL);
    return f;
}

Test(csv, quoting_line_ends_and_bom)
{
    FILE *f = text("\xef\xbb\xbf" "a,b,c\r\n1,\"x, \"\"y\"\"\nz\",\r\n\n\"\",2,3");
    struct csv_reader *r = csv_open(f);
    char err[ERR_MAX];
    char **v;
    size_t n;

    cr_assert_eq(csv_read(r, &v, &n, err, sizeof err), 1, "%s", err);
    cr_assert_eq(n, 3);
    cr_expect_str_eq(v[0], "a");
    cr_expect_str_eq(v[2], "c");
    cr_expect_eq(csv_line(r), 1);
    cr_assert_eq(csv_read(r, &v, &n, err, sizeof err), 1, "%s", err);
    cr_assert_eq(n, 3);
    cr_expect_str_eq(v[0], "1");
    cr_expect_str_eq(v[1], "x, \"y\"\nz");
    cr_expect_str_eq(v[2], "");
    cr_expect_eq(csv_line(r), 2);
    cr_assert_eq(csv_read(r, &v, &n, err, sizeof err), 1, "%s", err);
    cr_expect_eq(csv_line(r), 5, "the quoted line break and the empty line count");
    cr_expect_str_eq(v[0], "");
    cr_expect_str_eq(v[2], "3");
    cr_expect_eq(csv_read(r, &v, &n, err, sizeof err), 0);
    csv_close(r);
    fclose(f);
}

Test(csv, malformed)
{
    FILE *f = text("a,b\n\"open,2\n");
    FILE *g = text("a,\"b\"c\n");
    struct csv_reader *r = csv_open(f);
    struct csv_reader *s = csv_open(g);
    char err[ERR_MAX];
    char **v;
    size_t n;

    cr_assert_eq(csv_read(r, &v, &n, err, sizeof err), 1);
    cr_expect_eq(csv_read(r, &v, &n, err, sizeof err), -1);
    cr_expect(strstr(err, "line 2: a quoted field is not closed") != NULL, "%s", err);
    cr_expect_eq(csv_read(s, &v, &n, err, sizeof err), -1);
    cr_expect(strstr(err, "line 1: field 2") != NULL, "%s", err);
    csv_close(r);
    csv_close(s);
    fclose(f);
    fclose(g);
}
