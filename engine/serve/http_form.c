#include "http_form.h"

#include "db.h"
#include "err.h"
#include "form.h"
#include "form_response.h"
#include "formdata.h"
#include "formlink.h"
#include "ingest.h"
#include "log.h"
#include "outcome.h"
#include "response.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const http_form_headers[] = {
    "Content-Security-Policy",
    "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "Referrer-Policy", "no-referrer",
    "X-Content-Type-Options", "nosniff",
    "X-Frame-Options", "DENY",
    "Cross-Origin-Opener-Policy", "same-origin",
    NULL,
};

#define HTML "text/html; charset=utf-8"
#define THANKS "/thanks"

int http_form_route(const char *url)
{
    return strncmp(url, "/s/", 3) == 0 || strcmp(url, "/form.css") == 0;
}

void http_form_log_path(const char *url, char *out, size_t n)
{
    const char *rest;

    if (strncmp(url, "/s/", 3) != 0) {
        snprintf(out, n, "%s", url);
        return;
    }
    rest = strchr(url + 3, '/');
    snprintf(out, n, "/s/[key]%s", rest != NULL ? rest : "");
}

/* ---- answers ----------------------------------------------------------- */

static void page(struct http_form_answer *a, unsigned status, int english, const char *heading,
                 const char *text)
{
    a->status = status;
    a->type = HTML;
    a->body = form_page(english, heading, text, NULL, NULL, &a->len);
}

/* The page of an outcome the respondent cannot mend by editing the form:
 * OUTCOME_NOT_FOUND, OUTCOME_UNAVAILABLE (with Retry-After: 30) or, for
 * any other, OUTCOME_INTERNAL. */
static void outcome_page(struct http_form_answer *a, enum outcome o, int english)
{
    static const struct {
        enum outcome o;
        const char *heading[2], *text[2];   /* Polish, English */
    } pages[] = {
        { OUTCOME_NOT_FOUND,
          { "Nie ma takiego formularza", "Form not found" },
          { "Ten link nie prowadzi do żadnej ankiety. Sprawdź, czy został skopiowany w "
            "całości, albo poproś osobę, która go przesłała, o nowy.",
            "This link does not lead to a survey. Check that it was copied in full, or "
            "ask whoever sent it for a new one." } },
        { OUTCOME_UNAVAILABLE,
          { "Spróbuj ponownie za chwilę", "Please try again in a moment" },
          { "Ankieta jest chwilowo niedostępna. Odpowiedzi nie zostały zapisane: wróć i "
            "wyślij formularz ponownie za minutę.",
            "The survey cannot be reached right now. Your answers were not saved: go "
            "back and send the form again in a minute." } },
        { OUTCOME_INTERNAL,
          { "Coś poszło nie tak", "Something went wrong" },
          { "Nie udało się zapisać odpowiedzi z powodu błędu po naszej stronie. Spróbuj "
            "ponownie później.",
            "The answers could not be saved because of an error on our side. Please "
            "try again later." } },
    };
    size_t k = 0;

    while (k + 1 < sizeof pages / sizeof pages[0] && pages[k].o != o)
        k++;
    if (pages[k].o != o)
        k = sizeof pages / sizeof pages[0] - 1;   /* the last: internal */
    page(a, outcome_http_status(pages[k].o), english, pages[k].heading[english != 0],
         pages[k].text[english != 0]);
    if (pages[k].o == OUTCOME_UNAVAILABLE)
        a->retry_after = 30;
}

static void closed_page(struct http_form_answer *a, const struct formlink *l, int english)
{
    char text[400];

    if (l->state == FORMLINK_NOT_YET_OPEN)
        snprintf(text, sizeof text,
                 english ? "This survey opens on %s. Please come back then; nothing was saved."
                         : "Ta ankieta zostanie otwarta %s. Wróć wtedy; nic nie zostało "
                           "zapisane.",
                 l->opens_on);
    else
        snprintf(text, sizeof text, "%s",
                 english ? "This survey is closed and no longer accepts answers; nothing was "
                           "saved. Thank you for your interest."
                         : "Ta ankieta jest już zamknięta i nie przyjmuje odpowiedzi; nic nie "
                           "zostało zapisane. Dziękujemy za zainteresowanie.");
    page(a, 410, english,
         l->state == FORMLINK_NOT_YET_OPEN ? (english ? "The survey is not open yet"
                                                      : "Ankieta nie jest jeszcze otwarta")
                                           : (english ? "The survey is closed"
                                                      : "Ankieta jest zamknięta"),
         text);
}

/* ---- the request -------------------------------------------------------- */

/* Whether the page is in English: ?lang= (or the form's lang), else the
 * first of pl / en in Accept-Language. */
static int wants_english(struct MHD_Connection *c, const struct formdata *fd)
{
    const char *lang = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang");
    const char *al;

    if (lang == NULL && fd != NULL)
        lang = formdata_get(fd, "lang");
    if (lang != NULL)
        return strcmp(lang, "en") == 0;
    al = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_LANGUAGE);
    for (const char *p = al; p != NULL && *p != '\0'; p++) {
        while (*p == ' ' || *p == ',')
            p++;
        if (strncasecmp(p, "pl", 2) == 0)
            return 0;
        if (strncasecmp(p, "en", 2) == 0)
            return 1;
        p = strchr(p, ',');
        if (p == NULL)
            break;
    }
    return 0;
}

/* The key of "/s/KEY" or "/s/KEY/thanks" into key; *thanks set for the
 * second. 0 when the URL is neither. */
static int split_url(const char *url, char key[FORMLINK_KEY_SIZE], int *thanks)
{
    const char *k = url + 3, *slash = strchr(k, '/');
    size_t n = slash != NULL ? (size_t)(slash - k) : strlen(k);

    *thanks = 0;
    if (slash != NULL) {
        if (strcmp(slash, THANKS) != 0)
            return 0;
        *thanks = 1;
    }
    if (n != FORMLINK_KEY_CHARS)
        return 0;
    memcpy(key, k, n);
    key[n] = '\0';
    return 1;
}

/* Looks the link up: OUTCOME_OK (found), NOT_FOUND, UNAVAILABLE
 * (db_unavailable) or INTERNAL (any other database failure). */
static enum outcome lookup(struct dbpool *pool, const char *key, struct formlink *l)
{
    char hash[FORMLINK_HASH_SIZE], err[ERR_MAX];
    PGconn *conn;
    int found, down;

    if (!formlink_key_hash(key, hash))
        return OUTCOME_NOT_FOUND;
    conn = dbpool_get(pool, err, sizeof err);
    if (conn == NULL)
        return OUTCOME_UNAVAILABLE;
    db_clear_failure();
    found = formlink_lookup(conn, hash, l, err, sizeof err);
    down = found < 0 && db_unavailable(conn);
    if (PQstatus(conn) != CONNECTION_OK)
        dbpool_discard(pool, conn);
    else
        dbpool_put(pool, conn);
    if (found > 0)
        return OUTCOME_OK;
    if (found == 0)
        return OUTCOME_NOT_FOUND;
    if (down)
        return OUTCOME_UNAVAILABLE;
    log_error("form: link lookup: %s", err);
    return OUTCOME_INTERNAL;
}

/* A fresh UUID (version 4) for the form to carry. */
static int new_rid(char rid[37])
{
    unsigned char b[16];
    char err[ERR_MAX];

    if (formlink_random(b, sizeof b, err, sizeof err) != 0)
        return -1;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(rid, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
             b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
             b[15]);
    return 0;
}

struct form_ctx {
    struct dbpool *pool;
    const struct formlink *link;
    const char *key;
    int english;
    const struct formdata *fd;       /* POST: the answers; GET: NULL */
    const char *code_prefill;        /* GET ?code= */
    struct http_form_answer *a;
};

static const struct survey *instrument(const struct catalog *cat, const struct formlink *l)
{
    const struct catalog_wave *w = catalog_wave(cat, l->survey, l->wave);

    return w != NULL ? catalog_survey(cat, l->survey, w->survey_version) : NULL;
}

static void render(struct form_ctx *x, const struct survey *s, const char *rid,
                   const struct formdata *values, const struct form_error *errors,
                   size_t nerrors, unsigned status)
{
    /* English only where the instrument has English texts */
    struct form_view v = {
        .s = s, .english = x->english && s->title_en != NULL, .rid = rid, .closes_on = x->link->closes_on,
        .with_codes = x->link->with_codes, .values = values, .errors = errors,
        .nerrors = nerrors,
    };

    x->a->status = status;
    x->a->type = HTML;
    x->a->body = form_render(&v, &x->a->len);
}

static int get_form(const struct catalog *cat, void *ctx)
{
    struct form_ctx *x = ctx;
    const struct survey *s = instrument(cat, x->link);
    struct formdata prefill = { 0 };
    struct formdata_field f;
    char rid[37];

    if (s == NULL || new_rid(rid) != 0) {
        outcome_page(x->a, OUTCOME_INTERNAL, x->english);
        return 0;
    }
    if (x->code_prefill != NULL && strlen(x->code_prefill) <= 32) {
        f.name = "code";
        f.value = (char *)x->code_prefill;
        prefill.f = &f;
        prefill.n = 1;
    }
    render(x, s, rid, &prefill, NULL, 0, 200);
    return 0;
}

/* ---- storing ------------------------------------------------------------ */

static int exists(PGconn *conn, const struct response *r, int *found, char *err, size_t errlen)
{
    const char *params[2] = { r->city, r->id };
    char one[4];
    int rc = db_value(conn, "SELECT 1 FROM response WHERE city = $1 AND id = $2::uuid", 2, params,
                      one, sizeof one, err, errlen);

    *found = rc == 1;
    return rc < 0 ? -1 : 0;
}

/* What ingest_batch said, for the form: OK, CONFLICT, UNAVAILABLE, or
 * INTERNAL (logged). */
static enum outcome ingested(const struct ingest_result *res)
{
    if (res->outcome == OUTCOME_OK || res->outcome == OUTCOME_CONFLICT ||
        res->outcome == OUTCOME_UNAVAILABLE)
        return res->outcome;
    log_error("form: %s", res->error.message);
    return OUTCOME_INTERNAL;
}

/* The response is stored already (a resend): the same content is a
 * success, other content a conflict; nothing is written. */
static enum outcome again(PGconn *conn, const struct response *r)
{
    struct ingest_result res;

    ingest_batch(conn, r, 1, NULL, &res);
    return ingested(&res);
}

/*
 * One transaction: the link's row is locked first (the count of responses
 * received), so resends of one form wait for each other; a response stored
 * already is answered as such without using a code; the code, when the
 * link has codes, is used; the response is stored by the API's ingestion
 * (which commits). Anything but success rolls everything back.
 * OUTCOME_FORBIDDEN: the code was used (*code FORMLINK_CODE_USED) or is
 * not one of the link's.
 */
static enum outcome store_on(PGconn *conn, const struct formlink *l, const char *code_hash,
                             const struct response *r, enum formlink_code_outcome *code)
{
    char idtext[16], err[ERR_MAX];
    const char *params[1] = { idtext };
    enum formlink_code_outcome outcome = FORMLINK_CODE_ACCEPTED;
    struct ingest_result res;
    int found;

    snprintf(idtext, sizeof idtext, "%d", l->id);
    db_clear_failure();
    if (db_begin(conn, err, sizeof err) != 0 ||
        db_exec(conn, "UPDATE form_link SET received = received + 1 WHERE id = $1::int", 1,
                params, NULL, NULL, err, sizeof err) != 0 ||
        exists(conn, r, &found, err, sizeof err) != 0)
        goto failed;
    if (found) {
        db_rollback(conn);
        return again(conn, r);
    }
    if (l->with_codes &&
        formlink_code_use(conn, l->id, code_hash, &outcome, err, sizeof err) != 0)
        goto failed;
    if (outcome != FORMLINK_CODE_ACCEPTED) {
        db_rollback(conn);
        *code = outcome;
        return OUTCOME_FORBIDDEN;
    }
    ingest_batch(conn, r, 1, NULL, &res);
    db_rollback(conn);   /* nothing to do after the commit; undoes all on failure */
    return ingested(&res);
failed:
    if (db_unavailable(conn)) {
        log_warn("form: the database is unavailable: %s", err);
        db_rollback(conn);
        return OUTCOME_UNAVAILABLE;
    }
    log_error("form: %s", err);
    db_rollback(conn);
    return OUTCOME_INTERNAL;
}

static enum outcome store(struct dbpool *pool, const struct formlink *l, const char *code_hash,
                          const struct response *r, enum formlink_code_outcome *code)
{
    char err[ERR_MAX];

    for (int attempt = 0; attempt < 2; attempt++) {
        PGconn *conn = dbpool_get(pool, err, sizeof err);
        enum outcome out;

        if (conn == NULL)
            return OUTCOME_UNAVAILABLE;
        out = store_on(conn, l, code_hash, r, code);
        if (PQstatus(conn) == CONNECTION_OK) {
            dbpool_put(pool, conn);
            return out;
        }
        dbpool_discard(pool, conn);
        /* a dead pooled connection failed before anything was sent: once more */
        if (out != OUTCOME_UNAVAILABLE)
            return out;
    }
    return OUTCOME_UNAVAILABLE;
}

#define MAX_ERRORS 64

static int post_form(const struct catalog *cat, void *ctx)
{
    struct form_ctx *x = ctx;
    const struct formlink *l = x->link;
    const struct survey *s = instrument(cat, l);
    const char *rid_in = formdata_get(x->fd, "rid");
    struct form_error errs[MAX_ERRORS];
    char rid[37], canon[FORMLINK_CODE_CHARS + 1], code_hash[FORMLINK_HASH_SIZE] = "";
    struct response r;
    size_t nerr;
    json_t *obj;
    int ok;
    enum formlink_code_outcome code_state = FORMLINK_CODE_ACCEPTED;
    enum outcome out;

    if (s == NULL) {
        outcome_page(x->a, OUTCOME_INTERNAL, x->english);
        return 0;
    }
    /* a form without its id (or a damaged one) gets a fresh one */
    if (rid_in == NULL || response_uuid(rid_in, rid) != 0) {
        if (new_rid(rid) != 0) {
            outcome_page(x->a, OUTCOME_INTERNAL, x->english);
            return 0;
        }
    }
    obj = form_response_object(s, l, rid, x->fd);
    if (obj == NULL) {
        outcome_page(x->a, OUTCOME_INTERNAL, x->english);
        return 0;
    }
    nerr = form_response_validate(cat, s, obj, x->english, &r, &ok, errs, MAX_ERRORS);
    if (l->with_codes) {
        const char *code = formdata_get(x->fd, "code");

        if (code == NULL || form_response_blank(code))
            form_response_add_error(errs, &nerr, MAX_ERRORS, "code",
                      x->english ? "Enter your access code." : "Wpisz swój kod dostępu.");
        else if (formlink_code_normalize(code, canon) != 0)
            form_response_add_error(errs, &nerr, MAX_ERRORS, "code",
                      x->english ? "An access code has 10 letters and digits, e.g. AB12C-3DE45."
                                 : "Kod dostępu ma 10 liter i cyfr, np. AB12C-3DE45.");
        else
            formlink_code_hash(l->id, canon, code_hash);
    }
    if (nerr > 0) {
        if (ok)
            response_clear(&r);
        render(x, s, rid, x->fd, errs, nerr, 400);
        json_decref(obj);
        return 0;
    }
    out = store(x->pool, l, code_hash, &r, &code_state);
    response_clear(&r);
    json_decref(obj);
    switch (out) {
    case OUTCOME_OK:   /* stored now, or before (a resend) */
        x->a->status = 303;
        x->a->type = HTML;
        snprintf(x->a->location, sizeof x->a->location, "/s/%s" THANKS "%s", x->key,
                 x->english ? "?lang=en" : "");
        x->a->body = form_page(x->english, x->english ? "Thank you" : "Dziękujemy",
                               x->english ? "Your answers were saved." : "Odpowiedzi zapisano.",
                               x->a->location, x->english ? "Continue" : "Dalej", &x->a->len);
        break;
    case OUTCOME_CONFLICT:
        page(x->a, outcome_http_status(out), x->english,
             x->english ? "These answers were sent already" : "Te odpowiedzi zostały już wysłane",
             x->english ? "This form was sent before, and the answers saved then are kept; "
                          "the changes were not saved. Each form is saved once."
                        : "Ten formularz został już wysłany i zapisane wtedy odpowiedzi "
                          "pozostają; zmiany nie zostały zapisane. Każdy formularz zapisujemy "
                          "raz.");
        break;
    case OUTCOME_FORBIDDEN:
        if (code_state != FORMLINK_CODE_USED) {
            form_response_add_error(errs, &nerr, MAX_ERRORS, "code",
                      x->english ? "This is not an access code of this survey: check it and try "
                                   "again."
                                 : "To nie jest kod dostępu do tej ankiety: sprawdź go i spróbuj "
                                   "ponownie.");
            render(x, s, rid, x->fd, errs, nerr, outcome_http_status(out));
            break;
        }
        page(x->a, outcome_http_status(out), x->english,
             x->english ? "This code has been used" : "Ten kod został już wykorzystany",
             x->english ? "Each access code works once, and this one has been used already. "
                          "Nothing was saved. If you have not answered yet, ask the survey's "
                          "coordinator for a new code."
                        : "Każdy kod dostępu działa jeden raz, a ten został już użyty. Nic nie "
                          "zostało zapisane. Jeśli jeszcze nie odpowiadałeś/odpowiadałaś, "
                          "poproś koordynatora badania o nowy kod.");
        break;
    case OUTCOME_UNAVAILABLE:
        outcome_page(x->a, OUTCOME_UNAVAILABLE, x->english);
        break;
    default:
        outcome_page(x->a, OUTCOME_INTERNAL, x->english);
        break;
    }
    return 0;
}

void http_form_handle(struct submit *s, struct dbpool *pool, struct MHD_Connection *c,
                      const char *method, const char *url, const char *body, size_t len,
                      int too_large, struct http_form_answer *a)
{
    int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    int post = strcmp(method, "POST") == 0;
    char key[FORMLINK_KEY_SIZE], err[ERR_MAX];
    struct formdata fd = { 0 };
    struct formlink l;
    struct form_ctx x;
    int thanks, english;
    enum outcome found;

    memset(a, 0, sizeof *a);
    if (strcmp(url, "/form.css") == 0) {
        a->status = get ? 200 : 405;
        a->type = get ? "text/css; charset=utf-8" : "text/plain; charset=utf-8";
        a->body = strdup(get ? form_css : "method not allowed\n");
        a->len = a->body != NULL ? strlen(a->body) : 0;
        return;
    }
    english = wants_english(c, NULL);
    if (!split_url(url, key, &thanks)) {
        outcome_page(a, OUTCOME_NOT_FOUND, english);
        return;
    }
    if (!get && !(post && !thanks)) {
        page(a, 405, english, english ? "Method not allowed" : "Niedozwolona metoda",
             english ? "This page takes GET (and POST for the form)."
                     : "Ta strona przyjmuje GET (a formularz także POST).");
        return;
    }
    if (post) {
        const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                       MHD_HTTP_HEADER_CONTENT_TYPE);
        static const char urlenc[] = "application/x-www-form-urlencoded";

        if (type != NULL && (strncasecmp(type, urlenc, sizeof urlenc - 1) != 0 ||
                             (type[sizeof urlenc - 1] != '\0' && type[sizeof urlenc - 1] != ';'))) {
            page(a, 415, english, english ? "The form could not be read"
                                          : "Nie udało się odczytać formularza",
                 english ? "The form must be sent as application/x-www-form-urlencoded."
                         : "Formularz musi być wysłany jako application/x-www-form-urlencoded.");
            return;
        }
        if (too_large || len > HTTP_FORM_MAX_BODY) {
            page(a, 413, english, english ? "The form is too large" : "Formularz jest za duży",
                 english ? "Nothing was saved: the answers are longer than the form accepts."
                         : "Nic nie zostało zapisane: odpowiedzi są dłuższe, niż przyjmuje "
                           "formularz.");
            return;
        }
        if (formdata_parse(body != NULL ? body : "", len, HTTP_FORM_MAX_BODY,
                           HTTP_FORM_MAX_FIELDS, &fd, err, sizeof err) != 0) {
            page(a, 400, english, english ? "The form could not be read"
                                          : "Nie udało się odczytać formularza",
                 err);
            return;
        }
        english = wants_english(c, &fd);
    }
    found = lookup(pool, key, &l);
    if (found == OUTCOME_UNAVAILABLE || found == OUTCOME_INTERNAL || found == OUTCOME_NOT_FOUND) {
        outcome_page(a, found, english);
    } else if (thanks) {
        page(a, 200, english, english ? "Thank you!" : "Dziękujemy!",
             english ? "Your answers have been saved. You may close this page."
                     : "Twoje odpowiedzi zostały zapisane. Możesz zamknąć tę stronę.");
    } else if (l.state != FORMLINK_OPEN) {
        closed_page(a, &l, english);
    } else {
        x = (struct form_ctx){ .pool = pool, .link = &l, .key = key, .english = english,
                               .fd = post ? &fd : NULL, .a = a,
                               .code_prefill = MHD_lookup_connection_value(
                                   c, MHD_GET_ARGUMENT_KIND, "code") };
        if (submit_with_catalog(s, pool, post ? post_form : get_form, &x, err, sizeof err) != 0) {
            log_warn("form: %s", err);
            outcome_page(a, OUTCOME_UNAVAILABLE, english);
        }
    }
    formdata_free(&fd);
}
