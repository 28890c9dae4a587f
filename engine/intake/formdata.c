#include "formdata.h"

#include "dynarr.h"
#include "err.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes s[0..n) ('+' is a space, %XX a byte) into a new NUL-terminated
 * string, checked to be UTF-8 without NUL bytes. what names it in errors. */
static char *decode(const char *s, size_t n, const char *what, size_t index, char *err,
                    size_t errlen)
{
    char *out = malloc(n + 1);
    size_t o = 0;

    if (out == NULL) {
        err_set(err, errlen, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            out[o++] = ' ';
        } else if (s[i] == '%') {
            int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
            int lo = i + 2 < n ? hexval(s[i + 2]) : -1;

            if (hi < 0 || lo < 0) {
                err_set(err, errlen, "field %zu: the %s has a malformed %%XX escape", index + 1,
                        what);
                goto fail;
            }
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    if (o > FORMDATA_MAX_FIELD) {
        err_set(err, errlen, "field %zu: the %s is longer than %d bytes", index + 1, what,
                FORMDATA_MAX_FIELD);
        goto fail;
    }
    for (size_t i = 0; i < o;) {
        size_t k = out[i] != '\0' ? utf8_seq((const unsigned char *)out + i, o - i) : 0;

        if (k == 0) {
            err_set(err, errlen, "field %zu: the %s is not valid UTF-8 text", index + 1, what);
            goto fail;
        }
        i += k;
    }
    return out;
fail:
    free(out);
    return NULL;
}

int formdata_parse(const char *body, size_t len, size_t max_bytes, size_t max_fields,
                   struct formdata *out, char *err, size_t errlen)
{
    size_t i = 0, cap = 0;

    memset(out, 0, sizeof *out);
    if (len > max_bytes)
        return err_set(err, errlen, "the form is larger than %zu bytes", max_bytes);
    while (i < len) {
        size_t end = i, eq;
        struct formdata_field *f;

        while (end < len && body[end] != '&')
            end++;
        if (end == i) {   /* "a=1&&b=2": an empty field is skipped */
            i++;
            continue;
        }
        if (out->n == max_fields) {
            formdata_free(out);
            return err_set(err, errlen, "the form has more than %zu fields", max_fields);
        }
        for (eq = i; eq < end && body[eq] != '='; eq++)
            ;
        f = dynarr_reserve(out->f, &cap, out->n + 1, sizeof *out->f);
        if (f == NULL) {
            formdata_free(out);
            return err_set(err, errlen, "out of memory");
        }
        out->f = f;
        f = &out->f[out->n];
        f->name = decode(body + i, eq - i, "name", out->n, err, errlen);
        f->value = f->name == NULL ? NULL
                                   : decode(body + (eq < end ? eq + 1 : end),
                                            eq < end ? end - eq - 1 : 0, "value", out->n, err,
                                            errlen);
        if (f->value == NULL) {
            free(f->name);
            formdata_free(out);
            return -1;
        }
        out->n++;
        i = end + 1;
    }
    return 0;
}

const char *formdata_get(const struct formdata *fd, const char *name)
{
    for (size_t i = 0; fd != NULL && i < fd->n; i++)
        if (strcmp(fd->f[i].name, name) == 0)
            return fd->f[i].value;
    return NULL;
}

int formdata_has(const struct formdata *fd, const char *name, const char *value)
{
    for (size_t i = 0; fd != NULL && i < fd->n; i++)
        if (strcmp(fd->f[i].name, name) == 0 && strcmp(fd->f[i].value, value) == 0)
            return 1;
    return 0;
}

void formdata_free(struct formdata *fd)
{
    for (size_t i = 0; i < fd->n; i++) {
        free(fd->f[i].name);
        free(fd->f[i].value);
    }
    free(fd->f);
    fd->f = NULL;
    fd->n = 0;
}
