#include "jsonv.h"

#include "err.h"

#include <stdio.h>
#include <string.h>

int jsonv_load_file(const char *path, json_t **out, char *err, size_t n)
{
    json_error_t je;

    *out = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (*out == NULL) {
        if (je.line > 0)
            return err_set(err, n, "%s:%d:%d: %s", path, je.line, je.column, je.text);
        return err_set(err, n, "%s: %s", path, je.text);
    }
    return 0;
}

const char *jsonv_describe(const json_t *v, char *buf, size_t n)
{
    switch (json_typeof(v)) {
    case JSON_STRING: {
        const char *str = json_string_value(v);
        size_t len = json_string_length(v);
        int cut = len > 60;

        /* Cut at 60 bytes, never inside a UTF-8 sequence. */
        if (cut)
            for (len = 60; len > 0 && ((unsigned char)str[len] & 0xC0) == 0x80; len--)
                ;
        snprintf(buf, n, "\"%.*s%s\"", (int)len, str, cut ? "..." : "");
        break;
    }
    case JSON_INTEGER:
        snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        snprintf(buf, n, "%g", json_real_value(v));
        break;
    default: {
        static const char *const words[] = {
            [JSON_TRUE] = "true",        [JSON_FALSE] = "false",    [JSON_NULL] = "null",
            [JSON_OBJECT] = "an object", [JSON_ARRAY] = "an array",
        };
        size_t t = (size_t)json_typeof(v);

        snprintf(buf, n, "%s",
                 t < sizeof words / sizeof words[0] && words[t] != NULL ? words[t] : "a value");
        break;
    }
    }
    return buf;
}

static int bad(const char *where, const char *key, const char *expected, const json_t *v,
               char *err, size_t n)
{
    char got[96];

    if (v == NULL)
        return err_set(err, n, "%s: field \"%s\": expected %s, but it is missing", where,
                       key, expected);
    return err_set(err, n, "%s: field \"%s\": expected %s, got %s", where, key, expected,
                   jsonv_describe(v, got, sizeof got));
}

int jsonv_object_only(const json_t *v, const char *const *allowed, const char *where,
                      char *err, size_t n)
{
    if (!json_is_object(v))
        return err_set(err, n, "%s: expected an object", where);
    return jsonv_only_keys(v, allowed, where, err, n);
}

int jsonv_only_keys(const json_t *obj, const char *const *allowed, const char *where,
                    char *err, size_t n)
{
    const char *key;
    json_t *v;

    json_object_foreach((json_t *)obj, key, v) {
        int ok = key[0] == '_';

        for (size_t i = 0; !ok && allowed[i] != NULL; i++)
            ok = strcmp(key, allowed[i]) == 0;
        if (!ok)
            return err_set(err, n, "%s: unknown field \"%s\"", where, key);
    }
    return 0;
}

int jsonv_string(const json_t *obj, const char *key, int required, const char **out,
                 const char *where, char *err, size_t n)
{
    const json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (v == NULL)
        return required ? bad(where, key, "a string", NULL, err, n) : 0;
    if (!json_is_string(v) || json_string_length(v) == 0)
        return bad(where, key, "a non-empty string", v, err, n);
    *out = json_string_value(v);
    return 0;
}

int jsonv_is_slug(const char *s)
{
    size_t len = strlen(s);

    if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return 0;
        if (c == '-' && s[i + 1] == '-')
            return 0;
    }
    return 1;
}

int jsonv_slug(const json_t *obj, const char *key, int required, const char **out,
               const char *where, char *err, size_t n)
{
    if (jsonv_string(obj, key, required, out, where, err, n) != 0)
        return -1;
    if (*out != NULL && !jsonv_is_slug(*out))
        return bad(where, key,
                   "a slug (lowercase ASCII letters, digits and single hyphens, "
                   "at most 63 characters)",
                   json_object_get(obj, key), err, n);
    return 0;
}

int jsonv_is_date(const char *s)
{
    static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int y, m, d;

    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 1900 || m < 1 || m > 12 || d < 1)
        return 0;
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return d <= 29;
    return d <= mdays[m - 1];
}

int jsonv_date(const json_t *obj, const char *key, int required, const char **out,
               const char *where, char *err, size_t n)
{
    if (jsonv_string(obj, key, required, out, where, err, n) != 0)
        return -1;
    if (*out != NULL && !jsonv_is_date(*out))
        return bad(where, key, "a date YYYY-MM-DD", json_object_get(obj, key), err, n);
    return 0;
}

int jsonv_bool(const json_t *obj, const char *key, int dflt, int *out, const char *where,
               char *err, size_t n)
{
    const json_t *v = json_object_get(obj, key);

    *out = dflt;
    if (v == NULL)
        return 0;
    if (!json_is_boolean(v))
        return bad(where, key, "true or false", v, err, n);
    *out = json_is_true(v);
    return 0;
}

int jsonv_int(const json_t *obj, const char *key, int required, long long min,
              long long max, long long dflt, long long *out, const char *where,
              char *err, size_t n)
{
    const json_t *v = json_object_get(obj, key);
    char expected[96];

    *out = dflt;
    snprintf(expected, sizeof expected, "an integer from %lld to %lld", min, max);
    if (v == NULL)
        return required ? bad(where, key, expected, NULL, err, n) : 0;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return bad(where, key, expected, v, err, n);
    *out = json_integer_value(v);
    return 0;
}

int jsonv_array(const json_t *obj, const char *key, int required, json_t **out,
                const char *where, char *err, size_t n)
{
    json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (v == NULL)
        return required ? bad(where, key, "an array", NULL, err, n) : 0;
    if (!json_is_array(v))
        return bad(where, key, "an array", v, err, n);
    *out = v;
    return 0;
}
