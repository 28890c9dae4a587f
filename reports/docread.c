/*
 * docread: reading the results document (JSON) in the workbooks, for
 * ministry.c until it reads the typed model (issue 12); removed then. The
 * city and network workbooks read the model (results_model.h) instead.
 */
#include "docread.h"

#include "anon.h"
#include "results.h"
#include "sheets.h"
#include "vocab.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void xlsx_hidden_why(struct xlsx *x, lxw_worksheet *ws, int row, int col, const char *reason)
{
    xlsx_hidden_flag(x, ws, row, col,
                     reason == NULL                                     ? XLSX_UNTOLD
                     : strcmp(reason, "protects_another_group") == 0 ? ANON_PROTECTS
                                                                      : ANON_BELOW_THRESHOLD);
}

const char *xlsx_reason(const json_t *obj)
{
    return json_string_value(json_object_get(obj, "reason"));
}

const json_t *xlsx_get(const json_t *obj, const char *path)
{
    char key[64];

    while (obj != NULL && *path != '\0') {
        size_t len = strcspn(path, ".");

        if (len >= sizeof key)
            return NULL;
        memcpy(key, path, len);
        key[len] = '\0';
        obj = json_object_get(obj, key);
        path += len;
        if (*path == '.')
            path++;
    }
    return obj;
}

double xlsx_num(const json_t *obj, const char *path)
{
    const json_t *v = xlsx_get(obj, path);

    return json_is_number(v) ? json_number_value(v) : NAN;
}

const char *xlsx_str(const json_t *obj, const char *path, const char *dflt)
{
    const char *s = json_string_value(xlsx_get(obj, path));

    return s != NULL ? s : dflt;
}

int xlsx_is_hidden(const json_t *obj)
{
    return obj == NULL || json_is_true(json_object_get(obj, "suppressed"));
}

/* True when obj, or an object on the way along path, is suppressed; *why
 * receives the hidden object's reason (NULL when it gives none). */
static int path_hidden(const json_t *obj, const char *path, const char **why)
{
    char key[64];

    *why = json_string_value(json_object_get(obj, "reason"));
    if (xlsx_is_hidden(obj))
        return 1;
    while (*path != '\0') {
        size_t len = strcspn(path, ".");

        if (len >= sizeof key)
            return 0;
        memcpy(key, path, len);
        key[len] = '\0';
        obj = json_object_get(obj, key);
        if (json_is_object(obj) && json_is_true(json_object_get(obj, "suppressed"))) {
            *why = json_string_value(json_object_get(obj, "reason"));
            return 1;
        }
        path += len;
        if (*path == '.')
            path++;
    }
    return 0;
}

void xlsx_figure(struct xlsx *x, lxw_worksheet *ws, int row, int col, const json_t *obj,
                 const char *key, enum xlsx_fmt f)
{
    const char *why;

    if (path_hidden(obj, key, &why))
        xlsx_hidden_why(x, ws, row, col, why);
    else
        xlsx_number(x, ws, row, col, xlsx_num(obj, key), f);
}

const json_t *xlsx_find(const json_t *arr, const char *key, const char *code)
{
    size_t i;
    json_t *e;

    if (code == NULL)
        return NULL;
    json_array_foreach(arr, i, e) {
        const char *c = json_string_value(json_object_get(e, key));

        if (c != NULL && strcmp(c, code) == 0)
            return e;
    }
    return NULL;
}

const json_t *xlsx_find_int(const json_t *arr, const char *key, long long value)
{
    size_t i;
    json_t *e;

    json_array_foreach(arr, i, e)
        if (json_is_integer(json_object_get(e, key)) &&
            json_integer_value(json_object_get(e, key)) == value)
            return e;
    return NULL;
}

int xlsx_significant(const json_t *obj, const char *path)
{
    double p = xlsx_num(obj, path);

    return vocab_significant(p);
}
