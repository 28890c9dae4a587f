/* registry: reading the registry and the instruments (registry.h): the
 * tables, checked by registry_check.c, waves and instruments, the catalog;
 * storing is registry_store.c. */
#include "registry_priv.h"

#include "db.h"
#include "dynarr.h"
#include "err.h"
#include "jsonv.h"
#include "mem.h"
#include "survey.h"

#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Records a warning (dropped when memory runs out: it is advice only). */
void registry_warn(struct registry *reg, const char *fmt, ...)
{
    char buf[ERR_MAX];
    char **grown;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    grown = dynarr_reserve(reg->warnings, &reg->cap_warnings, reg->nwarnings + 1,
                           sizeof *grown);
    if (grown == NULL)
        return;
    reg->warnings = grown;
    reg->warnings[reg->nwarnings] = strdup(buf);
    if (reg->warnings[reg->nwarnings] != NULL)
        reg->nwarnings++;
}

static int survey_order(const void *a, const void *b)
{
    const struct survey *x = *(const struct survey *const *)a;
    const struct survey *y = *(const struct survey *const *)b;
    int c = strcmp(x->slug, y->slug);

    return c != 0 ? c : (x->version > y->version) - (x->version < y->version);
}

static const char *survey_file(const struct registry *reg, const struct survey *s)
{
    for (size_t i = 0; i < reg->nsurveys; i++)
        if (reg->surveys[i] == s)
            return reg->survey_files[i];
    return "?";
}

/* Distinct slug and version; each version keeps the item codes of the
 * versions before it (survey_check_successor). */
static int check_versions(struct registry *reg, char *err, size_t errlen)
{
    struct survey **sorted = malloc((reg->nsurveys + 1) * sizeof *sorted);

    if (sorted == NULL)
        return err_set(err, errlen, "out of memory");
    memcpy(sorted, reg->surveys, reg->nsurveys * sizeof *sorted);
    qsort(sorted, reg->nsurveys, sizeof *sorted, survey_order);
    for (size_t i = 0; i < reg->nsurveys; i++)
        for (size_t j = 0; j < i; j++) {
            if (strcmp(sorted[j]->slug, sorted[i]->slug) != 0)
                continue;
            if (sorted[j]->version == sorted[i]->version) {
                err_set(err, errlen, "%s: survey \"%s\" version %d is also defined in %s",
                        survey_file(reg, sorted[i]), sorted[i]->slug, sorted[i]->version,
                        survey_file(reg, sorted[j]));
                free(sorted);
                return -1;
            }
            if (survey_check_successor(sorted[j], sorted[i], survey_file(reg, sorted[i]), err,
                                       errlen) != 0) {
                free(sorted);
                return -1;
            }
        }
    free(sorted);
    return 0;
}

static int read_instruments(struct registry *reg, const char *surveys_dir, char *err,
                            size_t errlen)
{
    char pattern[4096];
    glob_t g;
    int rc;

    snprintf(pattern, sizeof pattern, "%s/*.json", surveys_dir);
    rc = glob(pattern, GLOB_ERR, NULL, &g);
    if (rc == GLOB_NOMATCH)
        return err_set(err, errlen, "%s: no instrument (*.json) in this folder", surveys_dir);
    if (rc != 0)
        return err_set(err, errlen, "%s: cannot list the folder", surveys_dir);
    reg->surveys = calloc(g.gl_pathc, sizeof *reg->surveys);
    reg->survey_files = calloc(g.gl_pathc, sizeof *reg->survey_files);
    rc = reg->surveys == NULL || reg->survey_files == NULL ? err_set(err, errlen, "out of memory")
                                                           : 0;
    for (size_t i = 0; rc == 0 && i < g.gl_pathc; i++) {
        reg->survey_files[i] = strdup(g.gl_pathv[i]);
        if (reg->survey_files[i] == NULL) {
            rc = err_set(err, errlen, "out of memory");
            break;
        }
        reg->nsurveys = i + 1;
        rc = survey_load_file(g.gl_pathv[i], &reg->surveys[i], err, errlen);
    }
    globfree(&g);
    return rc != 0 ? -1 : check_versions(reg, err, errlen);
}

static const struct survey *find_survey(const struct registry *reg, const char *slug,
                                        long long version)
{
    for (size_t i = 0; i < reg->nsurveys; i++)
        if (reg->surveys[i] != NULL && reg->surveys[i]->version == version &&
            strcmp(reg->surveys[i]->slug, slug) == 0)
            return reg->surveys[i];
    return NULL;
}

/* A wave label: 1-40 characters, no control characters. */
static int check_label(const char *label, const char *where, char *err, size_t errlen)
{
    size_t len = strlen(label);

    for (size_t i = 0; i < len; i++)
        if ((unsigned char)label[i] < 0x20)
            return err_set(err, errlen, "%s: field \"label\": control characters are not allowed",
                           where);
    if (len > 40)
        return err_set(err, errlen, "%s: field \"label\": at most 40 bytes, got %zu", where, len);
    return 0;
}

static int validate_wave(const struct registry *reg, json_t *w, size_t i, const char *file,
                         char *err, size_t errlen)
{
    static const char *const keys[] = { "survey", "label", "survey_version", "opens_on",
                                        "closes_on", NULL };
    const char *survey, *label, *opens, *closes;
    long long version;
    char where[512];

    snprintf(where, sizeof where, "%s: waves[%zu]", file, i);
    if (jsonv_object_only(w, keys, where, err, errlen) != 0 ||
        jsonv_slug(w, "survey", 1, &survey, where, err, errlen) != 0 ||
        jsonv_string(w, "label", 1, &label, where, err, errlen) != 0 ||
        check_label(label, where, err, errlen) != 0 ||
        jsonv_int(w, "survey_version", 1, 1, 1000, 1, &version, where, err, errlen) != 0 ||
        jsonv_date(w, "opens_on", 1, &opens, where, err, errlen) != 0 ||
        jsonv_date(w, "closes_on", 1, &closes, where, err, errlen) != 0)
        return -1;
    if (find_survey(reg, survey, version) == NULL)
        return err_set(err, errlen, "%s: field \"survey_version\": survey \"%s\" version %lld is "
                       "not among the instruments", where, survey, version);
    if (strcmp(closes, opens) < 0)
        return err_set(err, errlen, "%s: field \"closes_on\": %s is before opens_on %s", where,
                       closes, opens);
    for (size_t j = 0; j < i; j++) {
        json_t *o = json_array_get(reg->waves, j);

        if (strcmp(registry_str_or_null(o, "survey"), survey) == 0 &&
            strcmp(registry_str_or_null(o, "label"), label) == 0)
            return err_set(err, errlen, "%s: wave \"%s\" of survey \"%s\" is listed twice",
                           where, label, survey);
    }
    return 0;
}

static int read_waves(const char *dir, struct registry *reg, char *err, size_t errlen)
{
    char file[4096];
    size_t i;
    json_t *w;

    if (registry_load_array(dir, "waves.json", "waves", &reg->roots[3], &reg->waves, err, errlen) != 0)
        return -1;
    snprintf(file, sizeof file, "%s/waves.json", dir);
    json_array_foreach(reg->waves, i, w)
        if (validate_wave(reg, w, i, file, err, errlen) != 0)
            return -1;
    return 0;
}

int registry_read(const char *dir, const char *surveys_dir, struct registry **out, char *err,
                  size_t errlen)
{
    struct registry *reg = calloc(1, sizeof *reg);
    char file[4096];

    *out = NULL;
    if (reg == NULL)
        return err_set(err, errlen, "out of memory");
    if (registry_load_array(dir, "cities.json", "cities", &reg->roots[0], &reg->cities, err, errlen) != 0 ||
        registry_load_array(dir, "networks.json", "networks", &reg->roots[1], &reg->networks, err,
                   errlen) != 0 ||
        registry_load_array(dir, "memberships.json", "memberships", &reg->roots[2], &reg->memberships,
                   err, errlen) != 0)
        goto fail;
    snprintf(file, sizeof file, "%s/cities.json", dir);
    if (registry_validate_cities(file, reg->cities, err, errlen) != 0)
        goto fail;
    snprintf(file, sizeof file, "%s/networks.json", dir);
    if (registry_validate_networks(file, reg->networks, err, errlen) != 0)
        goto fail;
    snprintf(file, sizeof file, "%s/memberships.json", dir);
    if (registry_validate_memberships(file, reg, err, errlen) != 0)
        goto fail;
    if (surveys_dir != NULL && (read_instruments(reg, surveys_dir, err, errlen) != 0 ||
                                read_waves(dir, reg, err, errlen) != 0))
        goto fail;
    snprintf(file, sizeof file, "%s/cities.json", dir);
    if (surveys_dir != NULL && registry_check_populations(reg, file, err, errlen) != 0)
        goto fail;
    *out = reg;
    return 0;
fail:
    registry_free(reg);
    return -1;
}

void registry_free(struct registry *reg)
{
    if (reg == NULL)
        return;
    for (size_t i = 0; i < 4; i++)
        json_decref(reg->roots[i]);
    for (size_t i = 0; i < reg->nsurveys; i++) {
        survey_free(reg->surveys[i]);
        free(reg->survey_files[i]);
    }
    FREE_EACH(reg->warnings, reg->nwarnings);
    FREE_ALL(reg->surveys, reg->survey_files, reg);
}

static int catalog_fill(const struct registry *reg, struct catalog *cat, char *err,
                        size_t errlen)
{
    size_t i;
    json_t *v;

    for (i = 0; i < reg->nsurveys; i++) {
        struct survey *copy;

        if (survey_parse(survey_document(reg->surveys[i]), reg->survey_files[i], &copy, err,
                         errlen) != 0 ||
            catalog_add_survey(cat, copy, err, errlen) != 0)
            return -1;
    }
    json_array_foreach(reg->waves, i, v)
        if (catalog_add_wave(cat, registry_str_or_null(v, "survey"), registry_str_or_null(v, "label"),
                             (int)json_integer_value(json_object_get(v, "survey_version")),
                             registry_str_or_null(v, "opens_on"), registry_str_or_null(v, "closes_on"), err,
                             errlen) != 0)
            return -1;
    json_array_foreach(reg->cities, i, v)
        if (catalog_add_city(cat, registry_str_or_null(v, "slug"), err, errlen) != 0)
            return -1;
    return 0;
}

int registry_catalog(const struct registry *reg, struct catalog **out, char *err,
                     size_t errlen)
{
    struct catalog *cat = catalog_new();

    *out = NULL;
    if (cat == NULL)
        return err_set(err, errlen, "out of memory");
    if (catalog_fill(reg, cat, err, errlen) != 0) {
        catalog_free(cat);
        return -1;
    }
    *out = cat;
    return 0;
}

size_t registry_nwarnings(const struct registry *reg)
{
    return reg->nwarnings;
}

const char *registry_warning(const struct registry *reg, size_t i)
{
    return i < reg->nwarnings ? reg->warnings[i] : NULL;
}
