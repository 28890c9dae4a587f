/*
 * jsonv: reading and validating JSON documents (jansson) with errors that
 * name where the problem is: the file, the entry (a path such as
 * `cities[3] "konin"`), the field, what was expected and what was found.
 *
 * Each getter takes `where`, the path of the object being read, and on
 * failure writes "WHERE: field "KEY": expected ..., got ..." into err.
 */
#ifndef EMPIRIE_JSONV_H
#define EMPIRIE_JSONV_H

#include <jansson.h>
#include <stddef.h>

/* Parses a file (rejecting duplicate keys). Error: "FILE:LINE:COL: message". */
int jsonv_load_file(const char *path, json_t **out, char *err, size_t n);

/* Fails when obj has a key outside `allowed` (a NULL-terminated list); keys
 * starting with "_" (comments) are always allowed. */
int jsonv_only_keys(const json_t *obj, const char *const *allowed, const char *where,
                    char *err, size_t n);

/* Fails unless v is an object ("WHERE: expected an object") with only the
 * allowed keys (jsonv_only_keys): what every entry of a registry list is. */
int jsonv_object_only(const json_t *v, const char *const *allowed, const char *where,
                      char *err, size_t n);

/* A string field. required: absent is an error; otherwise *out = NULL. An
 * empty string is an error either way. */
int jsonv_string(const json_t *obj, const char *key, int required, const char **out,
                 const char *where, char *err, size_t n);

/* A slug: 1-63 characters of a-z, 0-9 and single hyphens inside. */
int jsonv_slug(const json_t *obj, const char *key, int required, const char **out,
               const char *where, char *err, size_t n);

/* A calendar date "YYYY-MM-DD" that exists (2023-02-29 does not). */
int jsonv_date(const json_t *obj, const char *key, int required, const char **out,
               const char *where, char *err, size_t n);

/* A boolean; absent gives dflt. */
int jsonv_bool(const json_t *obj, const char *key, int dflt, int *out,
               const char *where, char *err, size_t n);

/* An integer within [min, max]; absent and not required gives *out = dflt. */
int jsonv_int(const json_t *obj, const char *key, int required, long long min,
              long long max, long long dflt, long long *out, const char *where,
              char *err, size_t n);

/* An array field; absent and not required gives *out = NULL. */
int jsonv_array(const json_t *obj, const char *key, int required, json_t **out,
                const char *where, char *err, size_t n);

/* True when s is a valid slug (see jsonv_slug). */
int jsonv_is_slug(const char *s);

/* True when s is a valid date "YYYY-MM-DD". */
int jsonv_is_date(const char *s);

/* A short description of a JSON value for messages: "\"abc\"", "42",
 * "an object", ... written into buf. Returns buf. */
const char *jsonv_describe(const json_t *v, char *buf, size_t n);

#endif
