/*
 * registry_priv: what the registry modules share and nothing else includes:
 * the registry's state and warnings (registry.c), the validators of the
 * tables (registry_check.c) and storing them (registry_store.c). The public
 * interface is registry.h.
 */
#ifndef EMPIRIE_REGISTRY_PRIV_H
#define EMPIRIE_REGISTRY_PRIV_H

#include "registry.h"

#include <jansson.h>
#include <stddef.h>

struct registry {
    json_t *cities;      /* the validated arrays, owned through the roots */
    json_t *networks;
    json_t *memberships;
    json_t *waves;       /* NULL when instruments are not read */
    json_t *roots[4];
    struct survey **surveys;  /* every instrument version, sorted by slug, version */
    char **survey_files;
    size_t nsurveys;
    char **warnings;     /* registry_warning */
    size_t nwarnings, cap_warnings;
};

void registry_warn(struct registry *reg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

const char *registry_str_or_null(const json_t *obj, const char *key);

int registry_load_array(const char *dir, const char *name, const char *key, json_t **root,
                      json_t **array, char *err, size_t errlen);
int registry_validate_memberships(const char *file, const struct registry *reg, char *err,
                                size_t errlen);
int registry_check_populations(struct registry *reg, const char *file, char *err, size_t errlen);
int registry_validate_networks(const char *file, json_t *networks, char *err, size_t errlen);
int registry_validate_cities(const char *file, json_t *cities, char *err, size_t errlen);

#endif
