/*
 * form_response: from the respondent's form to a response (docs/form.md).
 * Builds the response object the API would receive for the posted fields,
 * and validates it with the API's validator (response_from_json), in the
 * respondent's words; no I/O.
 */
#include "form_response.h"

#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A decimal integer of at most 6 characters as a JSON integer, anything
 * else as a JSON string (which the validator then refuses, naming it). */
static json_t *number_or_text(const char *v)
{
    size_t n = strlen(v), i = v[0] == '-' ? 1 : 0;

    if (n == i || n > 6)
        return json_string(v);
    for (size_t k = i; k < n; k++)
        if (v[k] < '0' || v[k] > '9')
            return json_string(v);
    return json_integer(strtol(v, NULL, 10));
}

/* text with CR LF (how browsers send a line break) as LF. */
static json_t *text_value(const char *v)
{
    char *t = strdup(v);
    size_t o = 0;
    json_t *j;

    if (t == NULL)
        return NULL;
    for (size_t i = 0; v[i] != '\0'; i++)
        if (!(v[i] == '\r' && v[i + 1] == '\n'))
            t[o++] = v[i];
    t[o] = '\0';
    j = json_string(t);
    free(t);
    return j;
}

int form_response_blank(const char *v)
{
    for (; *v != '\0'; v++)
        if (*v != ' ' && *v != '\t' && *v != '\r' && *v != '\n')
            return 0;
    return 1;
}

/* form_response.h */
json_t *form_response_object(const struct survey *s, const struct formlink *l,
                             const char *rid, const struct formdata *fd)
{
    json_t *obj = json_pack("{s:s,s:s,s:s,s:s,s:{},s:{}}", "survey", l->survey, "wave", l->wave,
                            "city", l->city, "id", rid, "answers", "attributes");
    json_t *answers = json_object_get(obj, "answers"), *attrs = json_object_get(obj, "attributes");
    char field[64];

    if (obj == NULL)
        return NULL;
    for (size_t i = 0; i < s->nitems; i++) {
        const struct survey_item *it = &s->items[i];
        const char *v;
        json_t *val = NULL;

        snprintf(field, sizeof field, "q-%s", it->code);
        if (it->type == SURVEY_MULTI) {
            val = json_array();
            for (size_t k = 0; val != NULL && k < fd->n; k++)
                if (strcmp(fd->f[k].name, field) == 0 && fd->f[k].value[0] != '\0')
                    json_array_append_new(val, number_or_text(fd->f[k].value));
            if (val != NULL && json_array_size(val) == 0) {
                json_decref(val);
                continue;
            }
        } else {
            v = formdata_get(fd, field);
            if (v == NULL || form_response_blank(v))
                continue;
            val = it->type == SURVEY_TEXT ? text_value(v) : number_or_text(v);
        }
        if (val == NULL || json_object_set_new(answers, it->code, val) != 0) {
            json_decref(obj);
            return NULL;
        }
    }
    for (size_t k = 0; k < s->nattrs; k++) {
        const char *v;

        snprintf(field, sizeof field, "a-%s", s->attrs[k].code);
        v = formdata_get(fd, field);
        if (v != NULL && !form_response_blank(v) &&
            json_object_set_new(attrs, s->attrs[k].code, number_or_text(v)) != 0) {
            json_decref(obj);
            return NULL;
        }
    }
    /* The form's respondent carries no design weight: 1, and the statistics
     * post-stratify where the registry has population figures. */
    if (s->weighted && json_object_set_new(obj, "weight", json_real(1.0)) != 0) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

/* A valid answer of the item, to stand in for a missing one while the
 * validator is asked about the rest. */
static json_t *placeholder(const struct survey_item *it)
{
    switch (it->type) {
    case SURVEY_SINGLE:
        return json_integer(it->options[0].code);
    case SURVEY_MULTI:
        return json_pack("[i]", it->options[0].code);
    case SURVEY_TEXT:
        return json_string("-");
    default:
        return json_integer(it->min);
    }
}

void form_response_add_error(struct form_error *errs, size_t *n, size_t cap,
                             const char *field, const char *msg)
{
    if (*n == cap)
        return;
    snprintf(errs[*n].field, sizeof errs[*n].field, "%s", field);
    snprintf(errs[*n].message, sizeof errs[*n].message, "%s", msg);
    (*n)++;
}

/* The respondent's words for the validator's message about item it. */
static void item_message(const struct survey_item *it, const char *why, int english, char *out,
                         size_t n)
{
    if (it->type == SURVEY_TEXT && strstr(why, "characters") != NULL)
        snprintf(out, n, english ? "This text is too long: write at most %d characters."
                                 : "Ten tekst jest za długi: wpisz najwyżej %d znaków.",
                 it->max_length);
    else if (it->type == SURVEY_NUMBER)
        snprintf(out, n, english ? "Enter a whole number from %d to %d."
                                 : "Wpisz liczbę całkowitą od %d do %d.",
                 it->min, it->max);
    else
        snprintf(out, n, "%s", english ? "Choose one of the answers given."
                                       : "Wybierz jedną z podanych odpowiedzi.");
}

/* form_response.h */
size_t form_response_validate(const struct catalog *cat, const struct survey *s, json_t *obj,
                              int english, struct response *r, int *ok,
                              struct form_error *errs, size_t cap)
{
    json_t *answers = json_object_get(obj, "answers"), *attrs = json_object_get(obj, "attributes");
    size_t n = 0;
    int placeholder_used = 0;

    *ok = 0;
    for (size_t round = 0; round < s->nitems + s->nattrs + 4; round++) {
        struct response_error e;
        char field[64], msg[400];
        const char *path;

        if (response_from_json(obj, cat, "", r, &e) == 0) {
            if (n == 0 && !placeholder_used) {
                *ok = 1;
                return 0;
            }
            response_clear(r);
            return n;
        }
        path = e.path;
        if (strncmp(path, "answers.", 8) == 0) {
            int k = survey_item_index(s, path + 8);

            if (k < 0)
                break;
            snprintf(field, sizeof field, "q-%s", s->items[k].code);
            item_message(&s->items[k], e.message, english, msg, sizeof msg);
            form_response_add_error(errs, &n, cap, field, msg);
            json_object_del(answers, s->items[k].code);
        } else if (strcmp(path, "answers") == 0 && s->nitems > 0) {
            form_response_add_error(errs, &n, cap, "",
                      english ? "Answer at least one question before sending the form."
                              : "Odpowiedz na co najmniej jedno pytanie, zanim wyślesz formularz.");
            json_object_set_new(answers, s->items[0].code, placeholder(&s->items[0]));
            placeholder_used = 1;
        } else if (strncmp(path, "attributes.", 11) == 0) {
            int k = survey_attr_index(s, path + 11);

            if (k < 0)
                break;
            snprintf(field, sizeof field, "a-%s", s->attrs[k].code);
            form_response_add_error(errs, &n, cap, field,
                      json_object_get(attrs, s->attrs[k].code) == NULL
                          ? (english ? "Choose one of the answers: this question is required."
                                     : "Wybierz jedną z odpowiedzi: to pytanie jest wymagane.")
                          : (english ? "Choose one of the answers given."
                                     : "Wybierz jedną z podanych odpowiedzi."));
            json_object_set_new(attrs, s->attrs[k].code,
                                json_integer(s->attrs[k].options[0].code));
        } else {
            /* survey, wave, city or id: not the respondent's doing */
            log_warn("form: a response the validator refused: %s", e.message);
            form_response_add_error(errs, &n, cap, "",
                      english ? "The form could not be read. Reload the page and try again."
                              : "Nie udało się odczytać formularza. Odśwież stronę i spróbuj "
                                "ponownie.");
            return n;
        }
    }
    if (n == 0)
        form_response_add_error(errs, &n, cap, "",
                  english ? "The form could not be read. Reload the page and try again."
                          : "Nie udało się odczytać formularza. Odśwież stronę i spróbuj "
                            "ponownie.");
    return n;
}
