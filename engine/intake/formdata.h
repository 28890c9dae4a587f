/*
 * formdata: the daemon's own parser of application/x-www-form-urlencoded
 * bodies (the respondent's form, http_form.h), size-capped: a body longer
 * than max_bytes, with more than max_fields fields, a name or value longer
 * than FORMDATA_MAX_FIELD bytes after decoding, a malformed %XX escape or
 * text that is not valid UTF-8 is refused with a message saying which.
 * Names may repeat (checkboxes): every value is kept, in order.
 */
#ifndef EMPIRIE_FORMDATA_H
#define EMPIRIE_FORMDATA_H

#include <stddef.h>

/* The longest name or value accepted, in bytes after decoding. */
#define FORMDATA_MAX_FIELD 8192

struct formdata_field {
    char *name;
    char *value;
};

struct formdata {
    struct formdata_field *f;
    size_t n;
};

/* Parses body (len bytes, need not be NUL-terminated) into *out (zeroed
 * first). 0 on success; -1 with err, and *out empty, on any error. */
int formdata_parse(const char *body, size_t len, size_t max_bytes, size_t max_fields,
                   struct formdata *out, char *err, size_t errlen);

/* The first value of name, or NULL. */
const char *formdata_get(const struct formdata *fd, const char *name);

/* True when name has value among its values. */
int formdata_has(const struct formdata *fd, const char *name, const char *value);

void formdata_free(struct formdata *fd);

#endif
