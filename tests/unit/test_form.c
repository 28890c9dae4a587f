/* form: the respondent's form as HTML from the instruments: structure,
 * labels, escaping, errors; and the access codes' canonical form. */
#include "form.h"
#include "formlink.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct survey *load(const char *name)
{
    char path[1024], err[1024];
    struct survey *s;

    snprintf(path, sizeof path, "%s/surveys/%s", testdb_root(), name);
    cr_assert(survey_load_file(path, &s, err, sizeof err) == 0, "%s", err);
    return s;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;

    for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

Test(form, every_question_labelled_in_its_fieldset)
{
    struct survey *s = load("employee-satisfaction-v2.json");
    struct form_view v = { .s = s, .rid = "4a6c1d2e-8b1f-4c3e-9a57-0d5b2f6e7a10",
                           .closes_on = "2026-12-31" };
    char needle[128];
    size_t len;
    char *html = form_render(&v, &len);

    cr_assert_not_null(html);
    cr_expect_eq(strlen(html), len);
    cr_expect(strstr(html, "<html lang=\"pl\">") != NULL);
    cr_expect(strstr(html, "<form method=\"post\" novalidate autocomplete=\"off\"") != NULL);
    /* no script, no inline style, nothing from elsewhere */
    cr_expect_null(strstr(html, "<script"));
    cr_expect_null(strstr(html, "style="));
    cr_expect_null(strstr(html, "http"));
    /* sections: one per dimension, the other questions, the attributes */
    cr_expect_eq(count(html, "<fieldset class=\"section\""), s->ndimensions + 2);
    /* every item and attribute a question; every choice has its label */
    cr_expect_eq(count(html, "class=\"q "), s->nitems + s->nattrs);
    cr_expect_eq(count(html, "<input type=\"radio\""), count(html, "<label for=\"f-q-") +
                 count(html, "<label for=\"f-a-") - 1 /* the text area's label */);
    for (size_t i = 0; i < s->nitems; i++) {
        const struct survey_item *it = &s->items[i];

        if (it->type != SURVEY_LIKERT)
            continue;
        for (int p = it->min; p <= it->max; p++) {
            snprintf(needle, sizeof needle, "<label for=\"f-q-%s-%d\">", it->code, p);
            cr_expect(strstr(html, needle) != NULL, "%s point %d has no label", it->code, p);
        }
    }
    /* eNPS 0-10 with its end labels */
    cr_expect(strstr(html, "id=\"f-q-enps-0\"") != NULL && strstr(html, "id=\"f-q-enps-10\"") != NULL);
    cr_expect(strstr(html, "0 – Zupełnie nieprawdopodobne, 10 – Bardzo prawdopodobne") != NULL);
    cr_expect(strstr(html, "maxlength=\"1000\"") != NULL);
    cr_expect(strstr(html, "Nie wpisuj imion") != NULL);
    cr_expect(strstr(html, "co najmniej 5 osób") != NULL);
    cr_expect(strstr(html, "(wymagane)") != NULL && strstr(html, "(nieobowiązkowe)") != NULL);
    cr_expect_null(strstr(html, "aria-invalid"));
    cr_expect_null(strstr(html, "name=\"code\""), "no code field without codes");
    free(html);
    survey_free(s);
}

Test(form, values_kept_and_escaped_errors_described)
{
    struct survey *s = load("youth-participation.json");
    struct formdata_field f[] = {
        { "q-pomysl", "</textarea><script>alert(1)</script> & \"x\"" },
        { "q-bo_udzial", "0" }, { "q-bo_udzial", "2" }, { "q-wplyw_01", "3" },
        { "code", "\"><b>" },
    };
    struct formdata fd = { f, sizeof f / sizeof f[0] };
    struct form_error errs[] = { { "a-wiek", "Wybierz jedną z odpowiedzi." },
                                 { "code", "Wpisz <kod>." } };
    struct form_view v = { .s = s, .english = 1, .rid = "4a6c1d2e-8b1f-4c3e-9a57-0d5b2f6e7a10",
                           .with_codes = 1, .values = &fd, .errors = errs, .nerrors = 2 };
    size_t len;
    char *html = form_render(&v, &len);

    cr_assert_not_null(html);
    cr_expect(strstr(html, "<html lang=\"en\">") != NULL);
    cr_expect(strstr(html, "<title>Error: ") != NULL);
    cr_expect_null(strstr(html, "<script"));
    cr_expect_null(strstr(html, "<b>"));
    cr_expect(strstr(html, "&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;</textarea>") != NULL);
    cr_expect(strstr(html, "value=\"&quot;&gt;&lt;b&gt;\"") != NULL);
    cr_expect(strstr(html, "id=\"f-q-bo_udzial-0\" name=\"q-bo_udzial\" value=\"0\" checked") != NULL);
    cr_expect(strstr(html, "id=\"f-q-bo_udzial-1\" name=\"q-bo_udzial\" value=\"1\">") != NULL);
    cr_expect(strstr(html, "id=\"f-q-wplyw_01-3\" name=\"q-wplyw_01\" value=\"3\" checked") != NULL);
    /* the summary links to each problem; the question is described by its message */
    cr_expect(strstr(html, "role=\"alert\"") != NULL);
    cr_expect(strstr(html, "<a href=\"#f-a-wiek-1\">Age band: Wybierz") != NULL);
    cr_expect(strstr(html, "<a href=\"#f-code\">Access code: Wpisz &lt;kod&gt;.") != NULL);
    cr_expect(strstr(html, "id=\"q-a-wiek\" aria-describedby=\"e-a-wiek\"") != NULL);
    cr_expect(strstr(html, "<p class=\"error\" id=\"e-a-wiek\">") != NULL);
    cr_expect(strstr(html, "id=\"f-a-wiek-1\" name=\"a-wiek\" value=\"1\" aria-invalid=\"true\"") != NULL);
    cr_expect(strstr(html, "aria-describedby=\"h-code e-code\" aria-invalid=\"true\"") != NULL);
    free(html);
    survey_free(s);
}

Test(form, pages_escape_their_text)
{
    size_t len;
    char *html = form_page(0, "A <b>", "x & y", "/s/k/thanks?lang=en", "Dalej", &len);

    cr_assert_not_null(html);
    cr_expect(strstr(html, "<h1>A &lt;b&gt;</h1>") != NULL);
    cr_expect(strstr(html, "<p>x &amp; y</p>") != NULL);
    cr_expect(strstr(html, "href=\"/s/k/thanks?lang=en\"") != NULL);
    free(html);
}

Test(formlink, codes_and_keys)
{
    char out[FORMLINK_CODE_CHARS + 1], h1[FORMLINK_HASH_SIZE], h2[FORMLINK_HASH_SIZE];

    cr_expect_eq(formlink_code_normalize("ab12c-3de45", out), 0);
    cr_expect_str_eq(out, "AB12C3DE45");
    cr_expect_eq(formlink_code_normalize(" AB12C 3DE4O ", out), 0);
    cr_expect_str_eq(out, "AB12C3DE40", "O is read as 0");
    cr_expect_eq(formlink_code_normalize("iL000-00000", out), 0);
    cr_expect_str_eq(out, "1100000000");
    cr_expect_eq(formlink_code_normalize("AB12C-3DE4", out), -1, "too short");
    cr_expect_eq(formlink_code_normalize("AB12C-3DE456", out), -1, "too long");
    cr_expect_eq(formlink_code_normalize("AB12C-3DE4U", out), -1, "U is not in the alphabet");
    formlink_code_hash(1, "AB12C3DE45", h1);
    formlink_code_hash(2, "AB12C3DE45", h2);
    cr_expect_str_neq(h1, h2, "the same code of two links hashes apart");
    cr_expect_eq(formlink_key_hash("short", h1), 0);
    cr_expect_eq(formlink_key_hash("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA!", h1), 0);
    cr_expect_eq(formlink_key_hash("AAAAAAAAAAAAAAAAAAAAAAAAAAAA-_09", h1), 1);
    cr_expect_eq(strlen(h1), 64);
}
