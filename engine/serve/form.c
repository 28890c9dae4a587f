#include "form.h"

#include "dynbuf.h"
#include "msg.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the page ---------------------------------------------------------- */

/* The most a page may take: far more than any instrument's form needs, it
 * only stops a runaway. The hb_ adds are not checked one by one: a
 * dynbuf's failure is sticky, and hb_done looks at it once. */
#define FORM_MAX_PAGE (8u << 20)

static void hb_put(struct dynbuf *b, const char *s, size_t n)
{
    (void)dynbuf_addn(b, s, n);
}

static void hb_lit(struct dynbuf *b, const char *s)
{
    (void)dynbuf_add(b, s);
}

/* Text escaped for HTML content and quoted attribute values. */
static void hb_esc(struct dynbuf *b, const char *s)
{
    const char *run = s;

    for (; *s != '\0'; s++) {
        const char *rep = NULL;

        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: break;
        }
        if (rep != NULL) {
            hb_put(b, run, (size_t)(s - run));
            hb_lit(b, rep);
            run = s + 1;
        }
    }
    hb_put(b, run, (size_t)(s - run));
}

/* printf with every %s escaped is too easy to get wrong: this one formats
 * only trusted text (numbers, codes of the instrument, constant strings). */
static void hb_fmt(struct dynbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void hb_fmt(struct dynbuf *b, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    (void)dynbuf_vprintf(b, fmt, ap);
    va_end(ap);
}

/* The page (the caller frees it), or NULL when it could not be made. */
static char *hb_done(struct dynbuf *b, size_t *len)
{
    if (dynbuf_error(b) != DYNBUF_OK) {
        dynbuf_free(b);
        return NULL;
    }
    return dynbuf_take(b, len);
}

/* ---- texts ------------------------------------------------------------ */

static const char *L(int english, const char *pl, const char *en)
{
    return msg_text(english, pl, en);
}

#define T(pl, en) L(v->english, (pl), (en))

static void head(struct dynbuf *b, int english, const char *title, int error)
{
    hb_fmt(b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
              "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
              "<meta name=\"referrer\" content=\"no-referrer\">\n<title>",
           english ? "en" : "pl");
    if (error)
        hb_lit(b, english ? "Error: " : "Błąd: ");
    hb_esc(b, title);
    hb_lit(b, " – Empirie</title>\n<link rel=\"stylesheet\" href=\"/form.css\">\n</head>\n"
              "<body>\n<main id=\"main\">\n");
}

static void foot(struct dynbuf *b)
{
    hb_lit(b, "</main>\n</body>\n</html>\n");
}

char *form_page(int english, const char *heading, const char *text, const char *href,
                const char *link_text, size_t *len)
{
    struct dynbuf b;

    dynbuf_init(&b, FORM_MAX_PAGE);
    head(&b, english, heading, 0);
    hb_lit(&b, "<h1>");
    hb_esc(&b, heading);
    hb_lit(&b, "</h1>\n<p>");
    hb_esc(&b, text);
    hb_lit(&b, "</p>\n");
    if (href != NULL && link_text != NULL) {
        hb_lit(&b, "<p><a href=\"");
        hb_esc(&b, href);
        hb_lit(&b, "\">");
        hb_esc(&b, link_text);
        hb_lit(&b, "</a></p>\n");
    }
    foot(&b);
    return hb_done(&b, len);
}

/* ---- the form --------------------------------------------------------- */

static const struct form_error *error_of(const struct form_view *v, const char *field)
{
    for (size_t i = 0; i < v->nerrors; i++)
        if (strcmp(v->errors[i].field, field) == 0)
            return &v->errors[i];
    return NULL;
}

/* The label of a "don't know" code from the instrument's document: the
 * item's own "missing" list, else its scale's. */
static const char *missing_label(const struct form_view *v, const struct survey_item *it,
                                 int code)
{
    const json_t *doc = survey_document(v->s);
    const json_t *items = json_object_get(doc, "items");
    const json_t *item = NULL, *miss, *m;
    size_t i;

    json_array_foreach(items, i, m)
        if (json_is_string(json_object_get(m, "code")) &&
            strcmp(json_string_value(json_object_get(m, "code")), it->code) == 0)
            item = m;
    miss = json_object_get(item, "missing");
    if (miss == NULL && json_is_string(json_object_get(item, "scale")))
        miss = json_object_get(
            json_object_get(json_object_get(doc, "scales"),
                            json_string_value(json_object_get(item, "scale"))),
            "missing");
    json_array_foreach(miss, i, m)
        if (json_is_object(m) && json_integer_value(json_object_get(m, "code")) == code) {
            const json_t *label = json_object_get(m, "label");
            const char *pl = json_string_value(json_object_get(label, "pl"));
            const char *en = json_string_value(json_object_get(label, "en"));

            if (pl != NULL)
                return L(v->english, pl, en);
        }
    return T("Nie wiem / trudno powiedzieć", "Don't know / hard to say");
}

/* The label of point value of a Likert or scale item, or NULL. */
static const struct survey_option *point_option(const struct survey_item *it, int value)
{
    for (size_t i = 0; i < it->noptions; i++)
        if (it->options[i].code == value)
            return &it->options[i];
    return NULL;
}

static void error_para(struct dynbuf *b, const struct form_view *v, const char *field,
                       const struct form_error *e)
{
    if (e == NULL)
        return;
    hb_fmt(b, "<p class=\"error\" id=\"e-%s\"><span class=\"vh\">%s </span>", field,
           T("Błąd:", "Error:"));
    hb_esc(b, e->message);
    hb_lit(b, "</p>\n");
}

/* One choice (radio or checkbox) of field. */
static void choice(struct dynbuf *b, const struct form_view *v, const char *type,
                   const char *field, int value, const char *label, int invalid,
                   const char *extra_class)
{
    char vtext[16];

    snprintf(vtext, sizeof vtext, "%d", value);
    hb_fmt(b, "<div class=\"opt%s%s\"><input type=\"%s\" id=\"f-%s-%d\" name=\"%s\" value=\"%d\"",
           extra_class != NULL ? " " : "", extra_class != NULL ? extra_class : "", type, field,
           value, field, value);
    if (formdata_has(v->values, field, vtext))
        hb_lit(b, " checked");
    if (invalid)
        hb_lit(b, " aria-invalid=\"true\"");
    hb_fmt(b, "><label for=\"f-%s-%d\">", field, value);
    hb_esc(b, label);
    hb_lit(b, "</label></div>\n");
}

static void legend(struct dynbuf *b, const struct form_view *v, const char *text, int required)
{
    hb_lit(b, "<legend>");
    hb_esc(b, text);
    hb_fmt(b, " <span class=\"%s\">(%s)</span></legend>\n", required ? "req" : "opt-mark",
           required ? T("wymagane", "required") : T("nieobowiązkowe", "optional"));
}

/* The opening of a question's fieldset, with its hint and error ids. */
static void question_open(struct dynbuf *b, const struct form_view *v, const char *field,
                          const char *text, int required, const char *hint,
                          const struct form_error *e, const char *cls)
{
    hb_fmt(b, "<fieldset class=\"q %s\" id=\"q-%s\"", cls, field);
    if (hint != NULL || e != NULL) {
        hb_lit(b, " aria-describedby=\"");
        if (hint != NULL)
            hb_fmt(b, "h-%s", field);
        if (hint != NULL && e != NULL)
            hb_lit(b, " ");
        if (e != NULL)
            hb_fmt(b, "e-%s", field);
        hb_lit(b, "\"");
    }
    hb_lit(b, ">\n");
    legend(b, v, text, required);
    if (hint != NULL) {
        hb_fmt(b, "<p class=\"hint%s\" id=\"h-%s\">", strcmp(cls, "scale") == 0 ? " vh" : "",
               field);
        hb_esc(b, hint);
        hb_lit(b, "</p>\n");
    }
    error_para(b, v, field, e);
}

static void missing_choices(struct dynbuf *b, const struct form_view *v,
                            const struct survey_item *it, const char *field, int invalid)
{
    for (size_t m = 0; m < it->nmissing; m++)
        choice(b, v, "radio", field, it->missing[m], missing_label(v, it, it->missing[m]),
               invalid, "dk");
}

static void item_scale(struct dynbuf *b, const struct form_view *v, const struct survey_item *it,
                       const char *field, const char *text, const struct form_error *e)
{
    const struct survey_option *lo = point_option(it, it->min), *hi = point_option(it, it->max);
    char hint[600];
    const char *h = NULL;

    if (it->type == SURVEY_SCALE && lo != NULL && hi != NULL) {
        snprintf(hint, sizeof hint, "%d – %s, %d – %s", it->min,
                 L(v->english, lo->label_pl, lo->label_en), it->max,
                 L(v->english, hi->label_pl, hi->label_en));
        h = hint;
    }
    question_open(b, v, field, text, 0, h, e, it->type == SURVEY_SCALE ? "scale" : "likert");
    hb_fmt(b, "<div class=\"opts %s\">\n", it->type == SURVEY_SCALE ? "row" : "col");
    for (int p = it->min; p <= it->max; p++) {
        const struct survey_option *o = point_option(it, p);
        char num[16];

        snprintf(num, sizeof num, "%d", p);
        if (it->type == SURVEY_LIKERT && o != NULL)
            choice(b, v, "radio", field, p, L(v->english, o->label_pl, o->label_en), e != NULL,
                   NULL);
        else
            choice(b, v, "radio", field, p, num, e != NULL, NULL);
    }
    hb_lit(b, "</div>\n");
    if (it->type == SURVEY_SCALE && lo != NULL && hi != NULL) {
        hb_lit(b, "<div class=\"ends\" aria-hidden=\"true\"><span>");
        hb_esc(b, L(v->english, lo->label_pl, lo->label_en));
        hb_lit(b, "</span><span>");
        hb_esc(b, L(v->english, hi->label_pl, hi->label_en));
        hb_lit(b, "</span></div>\n");
    }
    if (it->nmissing > 0) {
        hb_lit(b, "<div class=\"opts col\">\n");
        missing_choices(b, v, it, field, e != NULL);
        hb_lit(b, "</div>\n");
    }
    hb_lit(b, "</fieldset>\n");
}

static void item_options(struct dynbuf *b, const struct form_view *v, const struct survey_item *it,
                         const char *field, const char *text, const struct form_error *e)
{
    int multi = it->type == SURVEY_MULTI;

    question_open(b, v, field, text, 0, multi ? T("Możesz zaznaczyć kilka odpowiedzi.",
                                                  "You may tick several answers.")
                                              : NULL,
                  e, multi ? "multi" : "single");
    hb_lit(b, "<div class=\"opts col\">\n");
    for (size_t o = 0; o < it->noptions; o++)
        choice(b, v, multi ? "checkbox" : "radio", field, it->options[o].code,
               L(v->english, it->options[o].label_pl, it->options[o].label_en), e != NULL,
               NULL);
    if (!multi)
        missing_choices(b, v, it, field, e != NULL);
    hb_lit(b, "</div>\n</fieldset>\n");
}

/* A labelled single field (number, text area) in a div. */
static void item_field(struct dynbuf *b, const struct form_view *v, const struct survey_item *it,
                       const char *field, const char *text, const struct form_error *e)
{
    const char *value = formdata_get(v->values, field);
    char hint[400];

    if (it->type == SURVEY_TEXT)
        snprintf(hint, sizeof hint, "%s %d %s",
                 T("Nie wpisuj imion, nazwisk ani niczego, po czym można kogoś rozpoznać. "
                   "Najwyżej", "Do not write names or anything else that could identify "
                   "someone. At most"),
                 it->max_length, T("znaków.", "characters."));
    else
        snprintf(hint, sizeof hint, "%s %d %s %d.", T("Liczba od", "A whole number from"),
                 it->min, T("do", "to"), it->max);
    hb_fmt(b, "<div class=\"q field\" id=\"q-%s\">\n<label for=\"f-%s\">", field, field);
    hb_esc(b, text);
    hb_fmt(b, " <span class=\"opt-mark\">(%s)</span></label>\n",
           T("nieobowiązkowe", "optional"));
    hb_fmt(b, "<p class=\"hint\" id=\"h-%s\">", field);
    hb_esc(b, hint);
    hb_lit(b, "</p>\n");
    error_para(b, v, field, e);
    if (it->type == SURVEY_TEXT)
        hb_fmt(b, "<textarea id=\"f-%s\" name=\"%s\" rows=\"5\" maxlength=\"%d\"", field, field,
               it->max_length);
    else
        hb_fmt(b, "<input type=\"number\" inputmode=\"numeric\" id=\"f-%s\" name=\"%s\" "
                  "min=\"%d\" max=\"%d\" step=\"1\"",
               field, field, it->min, it->max);
    hb_fmt(b, " aria-describedby=\"h-%s%s%s\"", field, e != NULL ? " e-" : "",
           e != NULL ? field : "");
    if (e != NULL)
        hb_lit(b, " aria-invalid=\"true\"");
    if (it->type == SURVEY_TEXT) {
        hb_lit(b, ">");
        if (value != NULL)
            hb_esc(b, value);
        hb_lit(b, "</textarea>\n</div>\n");
    } else {
        if (value != NULL) {
            hb_lit(b, " value=\"");
            hb_esc(b, value);
            hb_lit(b, "\"");
        }
        hb_lit(b, ">\n</div>\n");
    }
}

static void item(struct dynbuf *b, const struct form_view *v, const struct survey_item *it)
{
    char field[64];
    const char *text = L(v->english, it->text_pl, it->text_en);
    const struct form_error *e;

    snprintf(field, sizeof field, "q-%s", it->code);
    e = error_of(v, field);
    switch (it->type) {
    case SURVEY_LIKERT:
    case SURVEY_SCALE:
        item_scale(b, v, it, field, text, e);
        break;
    case SURVEY_SINGLE:
    case SURVEY_MULTI:
        item_options(b, v, it, field, text, e);
        break;
    case SURVEY_NUMBER:
    case SURVEY_TEXT:
        item_field(b, v, it, field, text, e);
        break;
    }
}

static void section_open(struct dynbuf *b, const char *id, const char *title)
{
    hb_fmt(b, "<fieldset class=\"section\" id=\"s-%s\">\n<legend><h2>", id);
    hb_esc(b, title);
    hb_lit(b, "</h2></legend>\n");
}

static void attributes(struct dynbuf *b, const struct form_view *v)
{
    const struct survey *s = v->s;

    if (s->nattrs == 0)
        return;
    section_open(b, "o-tobie", T("Kilka informacji o Tobie", "A little about you"));
    hb_fmt(b, "<p class=\"hint\">%s</p>\n",
           T("Te odpowiedzi służą tylko do zestawień grup; wyniki grupy są pokazywane tylko, "
             "gdy jest w niej dość osób.",
             "These answers are used only to compare groups; a group's results are shown "
             "only when it has enough people."));
    for (size_t k = 0; k < s->nattrs; k++) {
        const struct survey_attr *a = &s->attrs[k];
        char field[64];
        const struct form_error *e;

        snprintf(field, sizeof field, "a-%s", a->code);
        e = error_of(v, field);
        question_open(b, v, field, L(v->english, a->label_pl, a->label_en), a->required, NULL,
                      e, "single");
        hb_lit(b, "<div class=\"opts col\">\n");
        for (size_t o = 0; o < a->noptions; o++)
            choice(b, v, "radio", field, a->options[o].code,
                   L(v->english, a->options[o].label_pl, a->options[o].label_en), e != NULL,
                   NULL);
        hb_lit(b, "</div>\n</fieldset>\n");
    }
    hb_lit(b, "</fieldset>\n");
}

static void summary(struct dynbuf *b, const struct form_view *v)
{
    if (v->nerrors == 0)
        return;
    hb_fmt(b, "<div class=\"summary\" role=\"alert\" aria-labelledby=\"summary-h\">\n"
              "<h2 id=\"summary-h\">%s</h2>\n<ul>\n",
           T("Popraw te odpowiedzi, aby wysłać formularz", "Please correct these answers to "
             "send the form"));
    for (size_t i = 0; i < v->nerrors; i++) {
        const struct form_error *e = &v->errors[i];
        const char *field = e->field;
        const char *question = NULL;
        char target[128];

        /* the link goes to the field, or the first choice of a group */
        if (field[0] == '\0') {
            hb_lit(b, "<li>");
            hb_esc(b, e->message);
            hb_lit(b, "</li>\n");
            continue;
        }
        snprintf(target, sizeof target, "f-%s", field);
        if (strcmp(field, "code") == 0)
            question = T("Kod dostępu", "Access code");
        if (strncmp(field, "q-", 2) == 0 || strncmp(field, "a-", 2) == 0) {
            const char *code = field + 2;
            int k = field[0] == 'q' ? survey_item_index(v->s, code)
                                    : survey_attr_index(v->s, code);

            if (field[0] == 'q' && k >= 0) {
                const struct survey_item *it = &v->s->items[k];

                question = L(v->english, it->text_pl, it->text_en);
                if (it->type == SURVEY_LIKERT || it->type == SURVEY_SCALE)
                    snprintf(target, sizeof target, "f-%s-%d", field, it->min);
                else if (it->type == SURVEY_SINGLE || it->type == SURVEY_MULTI)
                    snprintf(target, sizeof target, "f-%s-%d", field,
                             it->noptions > 0 ? it->options[0].code : 0);
            } else if (field[0] == 'a' && k >= 0) {
                question = L(v->english, v->s->attrs[k].label_pl, v->s->attrs[k].label_en);
                snprintf(target, sizeof target, "f-%s-%d", field,
                         v->s->attrs[k].noptions > 0 ? v->s->attrs[k].options[0].code : 0);
            }
        }
        hb_lit(b, "<li><a href=\"#");
        hb_esc(b, target);
        hb_lit(b, "\">");
        if (question != NULL) {
            hb_esc(b, question);
            hb_lit(b, ": ");
        }
        hb_esc(b, e->message);
        hb_lit(b, "</a></li>\n");
    }
    hb_lit(b, "</ul>\n</div>\n");
}

static void anonymity_note(struct dynbuf *b, const struct form_view *v)
{
    hb_fmt(b, "<section class=\"note\" aria-labelledby=\"anon-h\">\n<h2 id=\"anon-h\">%s</h2>\n",
           T("Ankieta jest anonimowa", "This survey is anonymous"));
    hb_fmt(b, "<p>%s</p>\n",
           T("Zapisujemy tylko Twoje odpowiedzi, miasto, falę badania i dzień wysłania. Nie "
             "zapisujemy imienia, adresu e-mail, adresu IP, przeglądarki ani godziny; strona "
             "nie używa plików cookie.",
             "We store only your answers, the city, the survey wave and the day you send "
             "them. We do not store your name, e-mail, IP address, browser or the time of "
             "day; this page sets no cookies."));
    hb_fmt(b, "<p>%s %d %s</p>\n",
           T("Urząd, sieć miast i ministerstwo widzą wyłącznie wyniki zbiorcze grup liczących "
             "co najmniej", "The city office, the city network and the ministry see only "
             "totals of groups of at least"),
           v->s->anonymity_threshold,
           T("osób; mniejsze grupy są ukrywane. Pojedynczych odpowiedzi nie pokazuje żaden "
             "raport.", "people; smaller groups are hidden. No report shows a single "
             "response."));
    if (v->with_codes)
        hb_fmt(b, "<p>%s</p>\n",
               T("Kod dostępu sprawdza tylko, że każdy odpowiada raz: nie jest zapisywany z "
                 "odpowiedziami i nie da się go z nimi powiązać.",
                 "The access code only ensures that each person answers once: it is not "
                 "stored with the answers and cannot be linked to them."));
    hb_lit(b, "</section>\n");
}

static void code_field(struct dynbuf *b, const struct form_view *v)
{
    const struct form_error *e = error_of(v, "code");
    const char *value = formdata_get(v->values, "code");

    if (!v->with_codes)
        return;
    hb_fmt(b, "<div class=\"q field code\" id=\"q-code\">\n<label for=\"f-code\">%s "
              "<span class=\"req\">(%s)</span></label>\n"
              "<p class=\"hint\" id=\"h-code\">%s</p>\n",
           T("Kod dostępu", "Access code"), T("wymagane", "required"),
           T("Kod z kartki lub wiadomości, np. AB12C-3DE45. Każdy kod działa jeden raz.",
             "The code from your slip or message, e.g. AB12C-3DE45. Each code works once."));
    error_para(b, v, "code", e);
    hb_fmt(b, "<input type=\"text\" id=\"f-code\" name=\"code\" autocomplete=\"off\" "
              "autocapitalize=\"characters\" spellcheck=\"false\" maxlength=\"32\" "
              "aria-describedby=\"h-code%s\"%s",
           e != NULL ? " e-code" : "", e != NULL ? " aria-invalid=\"true\"" : "");
    if (value != NULL) {
        hb_lit(b, " value=\"");
        hb_esc(b, value);
        hb_lit(b, "\"");
    }
    hb_lit(b, ">\n</div>\n");
}

char *form_render(const struct form_view *v, size_t *len)
{
    const struct survey *s = v->s;
    const char *title = L(v->english, s->title_pl, s->title_en);
    const json_t *desc = json_object_get(survey_document(s), "description");
    const char *desc_pl = json_string_value(json_object_get(desc, "pl"));
    const char *desc_en = json_string_value(json_object_get(desc, "en"));
    struct dynbuf b;
    int open_dim = -2;

    dynbuf_init(&b, FORM_MAX_PAGE);
    head(&b, v->english, title, v->nerrors > 0);
    hb_lit(&b, "<header class=\"top\">\n<p class=\"lang\">");
    if (s->title_en != NULL) {
        if (v->english)
            hb_lit(&b, "<a href=\"?lang=pl\" lang=\"pl\" hreflang=\"pl\">Polski</a>");
        else
            hb_lit(&b, "<a href=\"?lang=en\" lang=\"en\" hreflang=\"en\">English</a>");
    }
    hb_lit(&b, "</p>\n<h1>");
    hb_esc(&b, title);
    hb_lit(&b, "</h1>\n");
    if (desc_pl != NULL) {
        hb_lit(&b, "<p class=\"lead\">");
        hb_esc(&b, L(v->english, desc_pl, desc_en));
        hb_lit(&b, "</p>\n");
    }
    if (v->closes_on != NULL) {
        hb_fmt(&b, "<p class=\"hint\">%s ", T("Formularz jest otwarty do", "The form is open until"));
        hb_esc(&b, v->closes_on);
        hb_lit(&b, ".</p>\n");
    }
    hb_lit(&b, "</header>\n");
    summary(&b, v);
    anonymity_note(&b, v);
    /* autocomplete off: a browser does not restore the answers into the page
     * when someone presses Back (a shared computer shows the next person a
     * blank form) */
    hb_lit(&b, "<form method=\"post\" novalidate autocomplete=\"off\" accept-charset=\"utf-8\">\n"
               "<input type=\"hidden\" name=\"rid\" value=\"");
    hb_esc(&b, v->rid);
    hb_fmt(&b, "\">\n<input type=\"hidden\" name=\"lang\" value=\"%s\">\n",
           v->english ? "en" : "pl");
    if (error_of(v, "") != NULL) {
        hb_lit(&b, "<p class=\"error\" id=\"e-form\">");
        hb_esc(&b, error_of(v, "")->message);
        hb_lit(&b, "</p>\n");
    }
    code_field(&b, v);
    hb_fmt(&b, "<p class=\"hint\">%s</p>\n",
           T("Pytania oznaczone jako nieobowiązkowe możesz pominąć.",
             "You may skip the questions marked optional."));
    for (size_t i = 0; i < s->nitems; i++) {
        const struct survey_item *it = &s->items[i];

        if (it->dimension != open_dim) {
            if (open_dim != -2)
                hb_lit(&b, "</fieldset>\n");
            if (it->dimension >= 0) {
                const struct survey_dimension *d = &s->dimensions[it->dimension];

                section_open(&b, d->code, L(v->english, d->label_pl, d->label_en));
            } else {
                section_open(&b, "inne", T("Pozostałe pytania", "Other questions"));
            }
            open_dim = it->dimension;
        }
        item(&b, v, it);
    }
    if (open_dim != -2)
        hb_lit(&b, "</fieldset>\n");
    attributes(&b, v);
    hb_fmt(&b, "<div class=\"send\"><button type=\"submit\">%s</button></div>\n</form>\n",
           T("Wyślij odpowiedzi", "Send my answers"));
    foot(&b);
    return hb_done(&b, len);
}
