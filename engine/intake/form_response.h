/*
 * form_response: from the respondent's form (posted fields, formdata.h) to
 * a response of the API (response.h), validated by the API's validator with
 * every problem worded for the respondent (form.h's form_error), in Polish
 * or English. Pure: no database, no HTTP. Used by http_form.c.
 */
#ifndef EMPIRIE_FORM_RESPONSE_H
#define EMPIRIE_FORM_RESPONSE_H

#include "catalog.h"
#include "form.h"
#include "formdata.h"
#include "formlink.h"
#include "response.h"
#include "survey.h"

#include <jansson.h>
#include <stddef.h>

/* The response object the API would receive for these answers (survey,
 * wave and city of the link l, id rid); NULL when out of memory. */
json_t *form_response_object(const struct survey *s, const struct formlink *l,
                             const char *rid, const struct formdata *fd);

/*
 * Validates obj with the API's validator and collects every problem: the
 * validator stops at the first, so the field it names is taken out (or, for
 * a required attribute or an empty form, given a stand-in) and it is asked
 * again, until it accepts. On return, *ok tells whether r holds the valid
 * response (only when no error was found).
 */
size_t form_response_validate(const struct catalog *cat, const struct survey *s, json_t *obj,
                              int english, struct response *r, int *ok,
                              struct form_error *errs, size_t cap);

/* True when v is empty or only blanks (space, tab, CR, LF). */
int form_response_blank(const char *v);

/* Appends the error (field, msg) to errs[*n] unless cap are there already. */
void form_response_add_error(struct form_error *errs, size_t *n, size_t cap,
                             const char *field, const char *msg);

#endif
