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

static void hidden_why(struct xlsx *x, lxw_worksheet *ws, int row, int col, const char *reason)
{
    xlsx_hidden_flag(x, ws, row, col,
                     reason == NULL                                     ? XLSX_UNTOLD
                     : strcmp(reason, "protects_another_group") == 0 ? ANON_PROTECTS
                                                                      : ANON_BELOW_THRESHOLD);
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
        hidden_why(x, ws, row, col, why);
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

int sheets_scored(const json_t *item)
{
    const char *t = xlsx_str(item, "type", "");

    return strcmp(t, "likert") == 0 || strcmp(t, "scale") == 0 || strcmp(t, "number") == 0;
}

const char *sheets_enps_item(const json_t *doc)
{
    return json_string_value(xlsx_get(doc, "instrument.enps_item"));
}

/* The methodology of a document's group (NULL: "all"), with
 * sheets_methodology_facts. */
void sheets_methodology(struct xlsx *x, const json_t *doc, const struct report_meta *meta,
                        const json_t *cities, const char *wave, enum xlsx_label what,
                        const char *subject, const json_t *group)
{
    json_t *all = group == NULL ? results_group((json_t *)doc, wave, "all", NULL) : NULL;
    json_t *wt = NULL, *e;
    size_t n = json_array_size(cities), nb, i;
    const char **slugs = calloc(n + 1, sizeof *slugs);
    struct rmodel_wline *lines;
    struct sheets_facts f;

    if (group != NULL || all != NULL)
        wt = results_weighting((json_t *)doc, (json_t *)(group != NULL ? group : all));
    nb = json_array_size(json_object_get(wt, "by_city"));
    lines = calloc(nb + 1, sizeof *lines);
    if (slugs == NULL || lines == NULL) {
        xlsx_check(x, LXW_ERROR_MEMORY_MALLOC_FAILED, "the methodology");
        goto done;
    }
    memset(&f, 0, sizeof f);
    f.title = xlsx_str(doc, "title", "");
    f.threshold = (int)xlsx_num(doc, "threshold");
    f.weighted = json_is_true(json_object_get(doc, "weighted"));
    for (i = 0; i < n; i++)
        slugs[i] = json_string_value(json_array_get(cities, i));
    f.cities = cities != NULL ? slugs : NULL;
    f.ncities = n;
    f.wave = wave;
    f.what = what;
    f.subject = subject;
    f.weighted_to_population = json_is_object(wt);
    json_array_foreach(json_object_get(wt, "by_city"), i, e) {
        snprintf(lines[i].city, sizeof lines[i].city, "%s", xlsx_str(e, "city", ""));
        snprintf(lines[i].method, sizeof lines[i].method, "%s", xlsx_str(e, "method", ""));
        snprintf(lines[i].note, sizeof lines[i].note, "%s", xlsx_str(e, "note", ""));
    }
    f.lines = lines;
    f.nlines = nb;
    sheets_methodology_facts(x, meta, &f);
done:
    json_decref(wt);
    free(slugs);
    free(lines);
}

/* ---- waves (report.h) ---- */

long report_wave_index(const json_t *doc, const char *wave)
{
    size_t i;
    json_t *w;

    json_array_foreach(json_object_get(doc, "waves"), i, w)
        if (strcmp(json_string_value(json_object_get(w, "label")), wave) == 0)
            return (long)i;
    return -1;
}

const char *report_wave(const json_t *doc, const char *wave)
{
    const json_t *waves = json_object_get(doc, "waves");
    long i = wave != NULL ? report_wave_index(doc, wave) : (long)json_array_size(waves) - 1;

    if (i < 0)
        return NULL;
    return json_string_value(json_object_get(json_array_get(waves, (size_t)i), "label"));
}
