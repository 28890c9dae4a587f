/*
 * form: the respondent's form as HTML, made from an instrument (survey.h):
 * Polish, or English where the instrument has English texts; one fieldset
 * per dimension (and one for the other questions, one for the respondent's
 * attributes), each with a legend; every question a fieldset of labelled
 * radio buttons (Likert points, eNPS 0-10 with its end labels, single
 * choice), checkboxes (multiple choice), a number field or a text area with
 * its length limit. No script, no style attribute, nothing loaded from
 * elsewhere than the daemon (/form.css, form_css). Every value echoed is
 * escaped. Also the short pages around it (thank-you, closed, not found).
 * Pure: no I/O (docs/form.md).
 */
#ifndef EMPIRIE_FORM_H
#define EMPIRIE_FORM_H

#include "formdata.h"
#include "survey.h"

#include <stddef.h>

/* A problem with one field of the form: field is its name ("q-CODE" for an
 * item, "a-CODE" for an attribute, "code" for the access code, "" for the
 * whole form). */
struct form_error {
    char field[64];
    char message[400];
};

struct form_view {
    const struct survey *s;
    int english;
    const char *rid;                 /* the response id carried by the form */
    const char *closes_on;           /* YYYY-MM-DD, shown */
    int with_codes;                  /* ask for an access code */
    const struct formdata *values;   /* the answers to show again; NULL: none */
    const struct form_error *errors;
    size_t nerrors;
};

/* The form page; NULL when out of memory. *len receives its length. */
char *form_render(const struct form_view *v, size_t *len);

/* A short page: a heading and one paragraph (both plain text, escaped),
 * with an optional link back (href and text, or NULL). */
char *form_page(int english, const char *heading, const char *text, const char *href,
                const char *link_text, size_t *len);

/* The stylesheet served at /form.css. */
extern const char form_css[];

#endif
