/* ministry: the programme-wide tidy export (see ministry.h). */
#include "ministry.h"

#include "err.h"
#include "results.h"
#include "sheets.h"
#include "survey.h"
#include "vocab.h"
#include "xlsx.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- the columns ---- */

enum col_type { T_STRING, T_INTEGER, T_NUMBER };
static const char *const type_names[] = { "string", "integer", "number" };

static const struct column {
    const char *name;
    enum col_type type;
    int required;
    const char *unit;
    const char *pl, *en;
} columns[] = {
    { "survey", T_STRING, 1, "", "Identyfikator badania (slug).", "The survey's identifier (slug)." },
    { "wave", T_STRING, 1, "", "Etykieta fali badania (np. 2025).",
      "The wave's label (e.g. 2025)." },
    { "group_type", T_STRING, 1, "",
      "Rodzaj grupy: city (miasto), network (sieć: jej miasta członkowskie), all (wszystkie "
      "miasta z odpowiedziami).",
      "The kind of group: city, network (its member cities) or all (every city with "
      "responses)." },
    { "group_slug", T_STRING, 1, "",
      "Identyfikator miasta lub sieci; \"all\" dla wszystkich miast.",
      "The city's or network's identifier; \"all\" for all cities." },
    { "group_name", T_STRING, 1, "", "Nazwa miasta lub sieci.", "The city's or network's name." },
    { "teryt", T_STRING, 0, "",
      "Kod TERC gminy miasta (7 cyfr, rejestr TERYT GUS), do łączenia ze statystyką publiczną; "
      "tylko w wierszach miast.",
      "The TERC code of the city's gmina (7 digits, the GUS TERYT register), for joining to "
      "official statistics; city rows only." },
    { "voivodeship", T_STRING, 0, "", "Województwo miasta; tylko w wierszach miast.",
      "The city's voivodeship; city rows only." },
    { "indicator", T_STRING, 1, "", "Kod wskaźnika (patrz wskaźniki poniżej).",
      "The indicator's code (see the indicators below)." },
    { "indicator_label", T_STRING, 0, "", "Nazwa wskaźnika w języku raportu.",
      "The indicator's name in the report's language." },
    { "statistic", T_STRING, 1, "",
      "Rodzaj wartości: count (liczba), mean (średnia), share (odsetek 0–1), enps (punkty "
      "−100..100).",
      "What the value is: count, mean, share (0-1) or enps (points -100..100)." },
    { "status", T_STRING, 1, "",
      "ok: wartość podana; suppressed: ukryta przez próg anonimowości (n, value i CI puste); "
      "not_asked: pytania nie było w wersji narzędzia tej fali (wszystko puste); no_data: "
      "brak odpowiedzi, z których można ją obliczyć (value i CI puste).",
      "ok: the value is given; suppressed: hidden by the anonymity threshold (n, value and CI "
      "empty); not_asked: the wave's instrument version did not have the item (all empty); "
      "no_data: no answers to compute it from (value and CI empty)." },
    { "n", T_INTEGER, 0, "responses", "Liczba odpowiedzi, na których opiera się wartość "
                                      "(w badaniu ważonym: nieważona).",
      "The number of responses the value rests on (for a weighted survey: unweighted)." },
    { "value", T_NUMBER, 0, "see statistic", "Wartość wskaźnika; pusta, gdy status nie jest ok.",
      "The indicator's value; empty unless status is ok." },
    { "ci_low", T_NUMBER, 0, "as value",
      "Dolna granica 95% przedziału ufności (t dla średnich, Wilson dla odsetków).",
      "The lower bound of the 95% confidence interval (t for means, Wilson for shares)." },
    { "ci_high", T_NUMBER, 0, "as value", "Górna granica 95% przedziału ufności.",
      "The upper bound of the 95% confidence interval." },
};
#define NCOLUMNS (sizeof columns / sizeof columns[0])
#define NTEXT 11 /* the text columns, before n, value, ci_low, ci_high */

/* The codebook's columns. */
static const char *const cb_columns[] = {
    "entry", "survey", "code", "type", "unit", "statistic", "scale", "reverse", "label_pl",
    "label_en",
};
#define CB_REVERSE 7 /* true for a reverse-coded item's indicators; empty for columns */
#define NCB (sizeof cb_columns / sizeof cb_columns[0])

enum status { ST_OK, ST_SUPPRESSED, ST_NOT_ASKED, ST_NO_DATA };
static const char *const status_names[] = { "ok", "suppressed", "not_asked", "no_data" };

static const char *const voivodeship_names[] = {
    "dolnośląskie", "kujawsko-pomorskie", "lubelskie", "lubuskie", "łódzkie", "małopolskie",
    "mazowieckie", "opolskie", "podkarpackie", "podlaskie", "pomorskie", "śląskie",
    "świętokrzyskie", "warmińsko-mazurskie", "wielkopolskie", "zachodniopomorskie",
};

/* ---- the tidy rows ---- */

/*
 * The rows are plain structs (about 15,000 of them for five waves of a
 * network of 29 cities): the names come from the documents and the
 * registry facts (borrowed), the indicator's code and labels are built here
 * and kept in one text buffer. A text that is not valid UTF-8 (a label cut
 * at its buffer's end inside a character) is absent: an empty cell, an
 * empty CSV field, a JSON null.
 */
#define ABSENT ((size_t)-1)

struct tidy_row {
    const char *survey, *wave, *type, *slug, *name, *teryt, *voiv;    /* borrowed */
    size_t indicator, label;                   /* offsets into tidy.text, or ABSENT */
    const char *statistic;                     /* a literal */
    double n, value, lo, hi;                   /* NAN: empty */
    enum status status;
};

/* An indicator of the codebook: the first row of each survey x indicator. */
struct cb_entry {
    const char *survey, *statistic, *unit;
    size_t code, label_pl, label_en;           /* offsets, or ABSENT */
    char scale[32];
    int reverse;                               /* a reverse-coded item's indicator */
};

struct tidy {
    struct tidy_row *rows;
    size_t nrows, cap;
    struct cb_entry *cb;
    size_t ncb, cbcap;
    json_t *seen;                              /* "survey\x01indicator": the codebook's */
    char *text;
    size_t textlen, textcap;
    int oom;
};

/* A label in the report's language (row) and in both languages for the
 * codebook; the *_cut flags say a buffer cut the text. */
struct names {
    char row[600], pl[600], en[600];
    int row_cut, pl_cut, en_cut, have_pl, have_en;
};

struct rowctx {
    struct tidy *t;
    const struct report_meta *meta;
    const json_t *doc, *g;
    const char *survey, *group_slug, *teryt, *voiv;
    const struct catalog *cat;     /* or NULL */
    const struct survey *newest;   /* the catalog's newest version, or NULL */
    const struct survey *asked;    /* the wave's version, or NULL: unknown */
    int english;
    int reverse;                   /* the rows being added are a reverse-coded item's */
};

static void tidy_free(struct tidy *t)
{
    free(t->rows);
    free(t->cb);
    free(t->text);
    json_decref(t->seen);
    memset(t, 0, sizeof *t);
}

static const char *tidy_text(const struct tidy *t, size_t off)
{
    return off == ABSENT ? NULL : t->text + off;
}

/* True when the string ends inside a multi-byte character: the only way the
 * texts built here (from valid UTF-8 and ASCII) can be invalid. */
static int cut_inside_char(const char *s, size_t len)
{
    size_t i = len, need;
    unsigned char c;

    while (i > 0 && len - i < 4 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;
    if (i == 0 || i == len)
        return i == 0 && len > 0;
    c = (unsigned char)s[i - 1];
    need = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
    return len - (i - 1) < need;
}

static size_t tidy_add_text(struct tidy *t, const char *s, int truncated)
{
    size_t len = strlen(s), off = t->textlen;

    if (truncated && cut_inside_char(s, len))
        return ABSENT;
    if (t->textlen + len + 1 > t->textcap) {
        size_t cap = t->textcap ? t->textcap * 2 : 1 << 16;
        char *p;

        while (cap < t->textlen + len + 1)
            cap *= 2;
        p = realloc(t->text, cap);
        if (p == NULL) {
            t->oom = 1;
            return ABSENT;
        }
        t->text = p;
        t->textcap = cap;
    }
    memcpy(t->text + off, s, len + 1);
    t->textlen += len + 1;
    return off;
}

static double finite_or_nan(double v)
{
    return isfinite(v) ? v : NAN;
}

/* snprintf that says whether it cut the text. */
#define FMT(buf, ...) ((size_t)snprintf(buf, sizeof buf, __VA_ARGS__) >= sizeof buf)

/* The label a + sep + b, in the report's language and in Polish and English
 * (pl_a/en_a NULL: not known; b's NULL: the same as row_b). */
static void names_set(struct names *nm, const struct rowctx *r, const char *row_a,
                      const char *pl_a, const char *en_a, const char *sep, const char *row_b,
                      const char *pl_b, const char *en_b)
{
    nm->row_cut = FMT(nm->row, "%s%s%s", row_a, sep, row_b);
    /* Without the catalog, only the report's language is known. */
    if (r->newest == NULL) {
        pl_a = r->english ? NULL : row_a;
        en_a = r->english ? row_a : NULL;
    }
    nm->have_pl = pl_a != NULL;
    nm->have_en = en_a != NULL;
    if (nm->have_pl)
        nm->pl_cut = FMT(nm->pl, "%s%s%s", pl_a, sep, pl_b != NULL ? pl_b : row_b);
    if (nm->have_en)
        nm->en_cut = FMT(nm->en, "%s%s%s", en_a, sep, en_b != NULL ? en_b : row_b);
}

static const char *stat_unit(const char *statistic)
{
    if (strcmp(statistic, "count") == 0)
        return "respondents";
    if (strcmp(statistic, "share") == 0)
        return "proportion";
    if (strcmp(statistic, "enps") == 0)
        return "points";
    return "scale points";
}

static void codebook_add(struct rowctx *r, const char *indicator, int ind_cut,
                         const struct names *nm, const char *statistic, const char *scale)
{
    struct tidy *t = r->t;
    char key[300];
    struct cb_entry *e;

    if (FMT(key, "%s\x01%s", r->survey, indicator) || json_object_get(t->seen, key) != NULL)
        return;
    if (json_object_set_new(t->seen, key, json_true()) != 0) {
        t->oom = 1;
        return;
    }
    if (t->ncb == t->cbcap) {
        size_t cap = t->cbcap ? t->cbcap * 2 : 256;
        struct cb_entry *p = realloc(t->cb, cap * sizeof *p);

        if (p == NULL) {
            t->oom = 1;
            return;
        }
        t->cb = p;
        t->cbcap = cap;
    }
    e = &t->cb[t->ncb++];
    e->survey = r->survey;
    e->statistic = statistic;
    e->unit = stat_unit(statistic);
    e->code = tidy_add_text(t, indicator, ind_cut);
    e->label_pl = nm->have_pl ? tidy_add_text(t, nm->pl, nm->pl_cut) : ABSENT;
    e->label_en = nm->have_en ? tidy_add_text(t, nm->en, nm->en_cut) : ABSENT;
    snprintf(e->scale, sizeof e->scale, "%s", scale);
    e->reverse = r->reverse;
}

/*
 * One row. asked: the wave's instrument had the item; hidden: the figure
 * is suppressed (or the group is). What is empty follows the status.
 */
static void add_row(struct rowctx *r, const char *indicator, int ind_cut,
                    const struct names *nm, const char *statistic, const char *scale, double n,
                    double value, double lo, double hi, int hidden, int asked)
{
    struct tidy *t = r->t;
    struct tidy_row *row;

    if (t->oom)
        return;
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        struct tidy_row *p = realloc(t->rows, cap * sizeof *p);

        if (p == NULL) {
            t->oom = 1;
            return;
        }
        t->rows = p;
        t->cap = cap;
    }
    row = &t->rows[t->nrows++];
    row->survey = r->survey;
    row->wave = xlsx_str(r->g, "wave", "");
    row->type = xlsx_str(r->g, "type", "");
    row->slug = r->group_slug;
    row->name = xlsx_str(r->g, "name", "");
    row->teryt = r->teryt;
    row->voiv = r->voiv;
    row->indicator = tidy_add_text(t, indicator, ind_cut);
    row->label = tidy_add_text(t, nm->row, nm->row_cut);
    row->statistic = statistic;
    row->n = row->value = row->lo = row->hi = NAN;
    if (!asked) {
        row->status = ST_NOT_ASKED;
    } else if (hidden) {
        row->status = ST_SUPPRESSED;
    } else if (!isfinite(value)) {
        row->status = ST_NO_DATA;
        row->n = finite_or_nan(n);
    } else {
        row->status = ST_OK;
        row->n = finite_or_nan(n);
        row->value = value;
        row->lo = finite_or_nan(lo);
        row->hi = finite_or_nan(hi);
    }
    codebook_add(r, indicator, ind_cut, nm, statistic, scale);
}

static void measure_row(struct rowctx *r, const char *indicator, int ind_cut,
                        const struct names *nm, const char *statistic, const char *scale,
                        const json_t *m, const char *vkey, int asked)
{
    int fav = strcmp(vkey, "favourable.share") == 0;
    const char *lo = fav ? "favourable.ci_low" : "ci_low";
    const char *hi = fav ? "favourable.ci_high" : "ci_high";

    add_row(r, indicator, ind_cut, nm, statistic, scale, xlsx_num(m, "n"), xlsx_num(m, vkey),
            xlsx_num(m, lo), xlsx_num(m, hi), xlsx_is_hidden(m), asked);
}

static const struct survey_dimension *version_dim(const struct survey *s, const char *code)
{
    for (size_t i = 0; s != NULL && i < s->ndimensions; i++)
        if (strcmp(s->dimensions[i].code, code) == 0)
            return &s->dimensions[i];
    return NULL;
}

/* The item in the newest instrument version that has it (an item may have
 * been dropped), or NULL. */
static const struct survey_item *catalog_item(const struct rowctx *r, const char *code)
{
    const struct catalog_wave *const *waves;
    size_t n = 0;
    int i = r->newest != NULL ? survey_item_index(r->newest, code) : -1;

    if (i >= 0 || r->cat == NULL)
        return i >= 0 ? &r->newest->items[i] : NULL;
    waves = catalog_waves(r->cat, r->survey, &n);
    for (size_t w = n; w-- > 0;) {
        const struct survey *s = catalog_survey(r->cat, r->survey, waves[w]->survey_version);

        if (s != NULL && (i = survey_item_index(s, code)) >= 0)
            return &s->items[i];
    }
    return NULL;
}

/* The same for a dimension. */
static const struct survey_dimension *catalog_dim(const struct rowctx *r, const char *code)
{
    const struct catalog_wave *const *waves;
    const struct survey_dimension *d = version_dim(r->newest, code);
    size_t n = 0;

    if (d != NULL || r->cat == NULL)
        return d;
    waves = catalog_waves(r->cat, r->survey, &n);
    for (size_t w = n; w-- > 0 && d == NULL;)
        d = version_dim(catalog_survey(r->cat, r->survey, waves[w]->survey_version), code);
    return d;
}

static const struct survey_option *catalog_option(const struct survey_item *it, long long code)
{
    for (size_t i = 0; it != NULL && i < it->noptions; i++)
        if (it->options[i].code == code)
            return &it->options[i];
    return NULL;
}

/* "1..5": an item's range from the document's instrument. */
static void item_scale(char *buf, size_t n, const json_t *item)
{
    double lo = xlsx_num(item, "min"), hi = xlsx_num(item, "max");

    if (isfinite(lo) && isfinite(hi))
        snprintf(buf, n, "%g..%g", lo, hi);
    else
        snprintf(buf, n, "%s", "");
}

static void item_rows(struct rowctx *r, const json_t *item)
{
    const char *code = xlsx_str(item, "code", "");
    const char *text = xlsx_str(item, "text", code);
    const json_t *m = xlsx_is_hidden(r->g)
                          ? NULL
                          : xlsx_find(json_object_get(r->g, "items"), "code", code);
    const struct survey_item *it = catalog_item(r, code);
    const char *pl = it != NULL ? it->text_pl : NULL, *en = it != NULL ? it->text_en : NULL;
    int asked = r->asked == NULL || survey_item_index(r->asked, code) >= 0;
    struct names nm;
    char ind[160], scale[32];
    int ind_cut;
    size_t i;
    json_t *opt;

    if (sheets_scored(item)) {
        /* A reverse-coded item says so in its labels (its mean and %
         * favourable are keyed: higher is better) and in the codebook. */
        int rev = json_is_true(json_object_get(item, "reverse"));
        const char *note = !rev ? "" : r->english ? " " VOCAB_REVERSED_EN : " " VOCAB_REVERSED_PL;
        const char *note_pl = rev ? " " VOCAB_REVERSED_PL : "";
        const char *note_en = rev ? " " VOCAB_REVERSED_EN : "";

        r->reverse = rev;
        item_scale(scale, sizeof scale, item);
        ind_cut = FMT(ind, "item.%s", code);
        names_set(&nm, r, text, pl, en, "", note, note_pl, note_en);
        measure_row(r, ind, ind_cut, &nm, "mean", scale, m, "mean", asked);
        if (strcmp(xlsx_str(item, "type", ""), "likert") == 0) {
            ind_cut = FMT(ind, "item.%s.favourable", code);
            names_set(&nm, r, text, pl, en, " (%)", note, note_pl, note_en);
            measure_row(r, ind, ind_cut, &nm, "share", "0..1", m, "favourable.share", asked);
        }
        r->reverse = 0;
        return;
    }
    json_array_foreach(json_object_get(item, "options"), i, opt) {
        long long oc = json_integer_value(json_object_get(opt, "code"));
        const struct survey_option *o = catalog_option(it, oc);
        const char *olabel = xlsx_str(opt, "label", "");

        ind_cut = FMT(ind, "item.%s.option_%lld", code, oc);
        names_set(&nm, r, text, pl, en, ": ", olabel, o != NULL ? o->label_pl : NULL,
                  o != NULL && o->label_en != NULL ? o->label_en : NULL);
        if (it != NULL && en != NULL && (o == NULL || o->label_en == NULL))
            nm.have_en = 0;    /* an option without its English label */
        add_row(r, ind, ind_cut, &nm, "share", "0..1", xlsx_num(m, "n"),
                xlsx_num(json_array_get(json_object_get(m, "distribution"), i), ""), NAN, NAN,
                xlsx_is_hidden(m), asked);
    }
}

/* The range of a dimension: that of its first item. */
static void dim_scale(char *buf, size_t n, const json_t *doc, const json_t *d)
{
    const char *first = json_string_value(json_array_get(json_object_get(d, "items"), 0));

    item_scale(buf, n, xlsx_find(xlsx_get(doc, "instrument.items"), "code",
                                 first != NULL ? first : ""));
}

static int dim_asked(const struct rowctx *r, const char *code)
{
    return r->asked == NULL || version_dim(r->asked, code) != NULL;
}

static void group_rows(struct rowctx *r)
{
    const json_t *g = r->g;
    int hidden = xlsx_is_hidden(g);
    struct names nm;
    char scale[32];
    size_t i;
    json_t *d;

    names_set(&nm, r, r->english ? "Respondents" : "Liczba respondentów", "Liczba respondentów",
              "Respondents", "", "", "", "");
    add_row(r, "respondents", 0, &nm, "count", "0..", xlsx_num(g, "respondents"),
            xlsx_num(g, "respondents"), NAN, NAN, hidden, 1);
    json_array_foreach(xlsx_get(r->doc, "instrument.dimensions"), i, d) {
        const char *code = xlsx_str(d, "code", "");
        const struct survey_dimension *cd = catalog_dim(r, code);
        char ind[160];
        int ind_cut = FMT(ind, "dimension.%s", code);

        names_set(&nm, r, xlsx_str(d, "label", code), cd != NULL ? cd->label_pl : NULL,
                  cd != NULL ? cd->label_en : NULL, "", "", "", "");
        dim_scale(scale, sizeof scale, r->doc, d);
        measure_row(r, ind, ind_cut, &nm, "mean", scale,
                    hidden ? NULL : xlsx_find(json_object_get(g, "dimensions"), "code", code),
                    "mean", dim_asked(r, code));
    }
    if (sheets_enps_item(r->doc) != NULL) {
        names_set(&nm, r, "eNPS", "eNPS", "eNPS", "", "", "", "");
        measure_row(r, "enps", 0, &nm, "enps", "-100..100",
                    hidden ? NULL : json_object_get(g, "enps"), "value",
                    r->asked == NULL || r->asked->enps_item >= 0);
    }
    json_array_foreach(xlsx_get(r->doc, "instrument.items"), i, d)
        item_rows(r, d);
}

/* The instrument version a wave used, or NULL when the catalog does not say. */
static const struct survey *wave_version(const struct catalog *cat, const char *survey,
                                         const char *wave)
{
    const struct catalog_wave *w = cat != NULL ? catalog_wave(cat, survey, wave) : NULL;

    return w != NULL ? catalog_survey(cat, survey, w->survey_version) : NULL;
}

/* The tidy rows of every group in every wave up to each input's wave
 * (inclusive). -1 when out of memory (t then holds nothing to free). */
static int tidy_build(struct tidy *t, const struct ministry_input *in, size_t n,
                      const struct report_meta *meta)
{
    struct rowctx r;

    memset(t, 0, sizeof *t);
    t->seen = json_object();
    if (t->seen == NULL)
        return -1;
    memset(&r, 0, sizeof r);
    r.t = t;
    r.meta = meta;
    for (size_t k = 0; k < n; k++) {
        json_t *doc = in[k].doc;
        long wi = report_wave_index(doc, in[k].wave);
        size_t i;
        json_t *g;

        r.doc = doc;
        r.survey = xlsx_str(doc, "survey", "");
        r.english = strcmp(xlsx_str(doc, "language", "pl"), "en") == 0;
        r.cat = in[k].cat;
        r.newest = in[k].cat != NULL ? catalog_survey_latest(in[k].cat, r.survey) : NULL;
        json_array_foreach(json_object_get(doc, "groups"), i, g) {
            const char *wave = xlsx_str(g, "wave", "");
            long w = report_wave_index(doc, wave);
            int city = strcmp(xlsx_str(g, "type", ""), "city") == 0;

            if (w < 0 || w > wi)
                continue;
            r.g = g;
            r.group_slug = xlsx_str(g, "slug", "all");
            r.teryt = city ? report_city_teryt(meta, r.group_slug) : NULL;
            r.voiv = city ? report_city_voivodeship(meta, r.group_slug) : NULL;
            r.asked = wave_version(in[k].cat, r.survey, wave);
            group_rows(&r);
        }
    }
    if (t->oom) {
        tidy_free(t);
        return -1;
    }
    return 0;
}

/* The text columns of a row, in the order of columns[] (NULL: empty). */
static void row_texts(const struct tidy *t, const struct tidy_row *row, const char *out[NTEXT])
{
    out[0] = row->survey;
    out[1] = row->wave;
    out[2] = row->type;
    out[3] = row->slug;
    out[4] = row->name;
    out[5] = row->teryt;
    out[6] = row->voiv;
    out[7] = tidy_text(t, row->indicator);
    out[8] = tidy_text(t, row->label);
    out[9] = row->statistic;
    out[10] = status_names[row->status];
}

static void row_numbers(const struct tidy_row *row, double out[4])
{
    out[0] = row->n;
    out[1] = row->value;
    out[2] = row->lo;
    out[3] = row->hi;
}

/* The codebook's rows: every column, then every indicator. */
static size_t cb_rows(const struct tidy *t)
{
    return NCOLUMNS + t->ncb;
}

static void cb_row(const struct tidy *t, size_t i, const char *out[NCB])
{
    if (i < NCOLUMNS) {
        const struct column *c = &columns[i];

        out[0] = "column";
        out[1] = NULL;
        out[2] = c->name;
        out[3] = type_names[c->type];
        out[4] = c->unit[0] != '\0' ? c->unit : NULL;
        out[5] = NULL;
        out[6] = NULL;
        out[CB_REVERSE] = NULL;
        out[8] = c->pl;
        out[9] = c->en;
    } else {
        const struct cb_entry *e = &t->cb[i - NCOLUMNS];

        out[0] = "indicator";
        out[1] = e->survey;
        out[2] = tidy_text(t, e->code);
        out[3] = "number";
        out[4] = e->unit;
        out[5] = e->statistic;
        out[6] = e->scale[0] != '\0' ? e->scale : NULL;
        out[CB_REVERSE] = e->reverse ? "true" : "false";
        out[8] = tidy_text(t, e->label_pl);
        out[9] = tidy_text(t, e->label_en);
    }
}

/* ---- CSV ---- */

struct dialect {
    char sep;
    int bom, decimal_comma;
};
static const struct dialect rfc4180 = { ',', 0, 0 }, excel_pl = { ';', 1, 1 };

static int csv_text(FILE *f, const char *s, const struct dialect *d)
{
    const char special[] = { d->sep, '"', '\r', '\n', '\0' };

    if (s == NULL)
        return 0;    /* absent: empty */
    if (strpbrk(s, special) == NULL)
        return fputs(s, f) < 0 ? -1 : 0;
    if (fputc('"', f) == EOF)
        return -1;
    for (; *s != '\0'; s++)
        if ((*s == '"' && fputc('"', f) == EOF) || fputc(*s, f) == EOF)
            return -1;
    return fputc('"', f) == EOF ? -1 : 0;
}

/* A number as digits, a point and digits, never an exponent: 17 significant
 * digits (15 for Excel, which keeps no more), integers without a point. */
static void format_number(char *buf, size_t n, double v, int integer, const struct dialect *d)
{
    int sig = d->decimal_comma ? 15 : 17;
    char *p;

    if (integer) {
        snprintf(buf, n, "%.0f", v);
        return;
    }
    snprintf(buf, n, "%.*g", sig, v);
    if (strchr(buf, 'e') != NULL) {
        /* tiny or huge: fixed notation with as many significant digits,
         * trailing zeros dropped */
        int decimals = sig - 1 - (int)floor(log10(fabs(v)));

        snprintf(buf, n, "%.*f", decimals > 0 ? (decimals < 40 ? decimals : 40) : 0, v);
        if (strchr(buf, '.') != NULL) {
            p = buf + strlen(buf) - 1;
            while (*p == '0')
                *p-- = '\0';
            if (*p == '.')
                *p = '\0';
        }
    }
    if (d->decimal_comma && (p = strchr(buf, '.')) != NULL)
        *p = ',';
}

static int csv_number(FILE *f, double v, int integer, const struct dialect *d)
{
    char buf[400];    /* DBL_MAX in fixed notation */

    if (isnan(v))
        return 0;    /* null: empty */
    format_number(buf, sizeof buf, v, integer, d);
    return fputs(buf, f) < 0 ? -1 : 0;
}

static int csv_write(FILE *f, const struct tidy *t, const struct dialect *d)
{
    if (d->bom && fputs("\xEF\xBB\xBF", f) < 0)
        return -1;
    for (size_t c = 0; c < NCOLUMNS; c++)
        if ((c > 0 && fputc(d->sep, f) == EOF) || fputs(columns[c].name, f) < 0)
            return -1;
    if (fputs("\r\n", f) < 0)
        return -1;
    for (size_t i = 0; i < t->nrows; i++) {
        const struct tidy_row *row = &t->rows[i];
        const char *texts[NTEXT];
        double nums[4];

        row_texts(t, row, texts);
        row_numbers(row, nums);
        for (size_t c = 0; c < NTEXT; c++)
            if ((c > 0 && fputc(d->sep, f) == EOF) || csv_text(f, texts[c], d) != 0)
                return -1;
        for (size_t c = 0; c < 4; c++)
            if (fputc(d->sep, f) == EOF || csv_number(f, nums[c], c == 0, d) != 0)
                return -1;
        if (fputs("\r\n", f) < 0)
            return -1;
    }
    return 0;
}

static int codebook_write(FILE *f, const struct tidy *t)
{
    for (size_t c = 0; c < NCB; c++)
        if ((c > 0 && fputc(',', f) == EOF) || fputs(cb_columns[c], f) < 0)
            return -1;
    if (fputs("\r\n", f) < 0)
        return -1;
    for (size_t i = 0; i < cb_rows(t); i++) {
        const char *texts[NCB];

        cb_row(t, i, texts);
        for (size_t c = 0; c < NCB; c++)
            if ((c > 0 && fputc(',', f) == EOF) || csv_text(f, texts[c], &rfc4180) != 0)
                return -1;
        if (fputs("\r\n", f) < 0)
            return -1;
    }
    return 0;
}

/* ---- JSON ---- */

/*
 * The JSON file: {"surveys": [{"survey", "title", "waves", "threshold"}],
 * "waves": [every wave covered], "data_date", "created", "rows": [row
 * objects, every column a key, null when empty]}. The layout is written
 * here, and every scalar through jansson (one reused value each), so
 * strings and numbers are written exactly as jansson writes them.
 */
struct jout {
    FILE *f;
    json_t *str, *real, *integer;
    char buf[2048];
};

/* Writes v as jansson does. */
static int jout_value(struct jout *o, const json_t *v)
{
    size_t len = json_dumpb(v, o->buf, sizeof o->buf,
                            JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(17));

    if (len == 0)
        return -1;
    if (len <= sizeof o->buf)
        return fwrite(o->buf, 1, len, o->f) == len ? 0 : -1;
    return json_dumpf(v, o->f, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(17));
}

static int jout_key(struct jout *o, int *first, const char *indent, const char *key)
{
    if (fprintf(o->f, "%s\n%s\"%s\": ", *first ? "" : ",", indent, key) < 0)
        return -1;
    *first = 0;
    return 0;
}

/* "key": "s", or null when absent (or not UTF-8). */
static int jout_string(struct jout *o, int *first, const char *indent, const char *key,
                       const char *s)
{
    if (jout_key(o, first, indent, key) != 0)
        return -1;
    if (s == NULL || json_string_set(o->str, s) != 0)
        return fputs("null", o->f) < 0 ? -1 : 0;
    return jout_value(o, o->str);
}

static int jout_number(struct jout *o, int *first, const char *indent, const char *key,
                       double v, int integer)
{
    if (jout_key(o, first, indent, key) != 0)
        return -1;
    if (isnan(v))
        return fputs("null", o->f) < 0 ? -1 : 0;
    if (integer) {
        json_integer_set(o->integer, (json_int_t)llround(v));
        return jout_value(o, o->integer);
    }
    if (json_real_set(o->real, v) != 0)
        return -1;
    return jout_value(o, o->real);
}

static int json_rows(struct jout *o, const struct tidy *t)
{
    static const char *const in = "   ";

    if (fputs(t->nrows == 0 ? "[]" : "[", o->f) < 0)
        return -1;
    for (size_t i = 0; i < t->nrows; i++) {
        const struct tidy_row *row = &t->rows[i];
        const char *texts[NTEXT];
        double nums[4];
        int first = 1;

        row_texts(t, row, texts);
        row_numbers(row, nums);
        if (fputs(i == 0 ? "\n  {" : ",\n  {", o->f) < 0)
            return -1;
        for (size_t c = 0; c < NTEXT; c++)
            if (jout_string(o, &first, in, columns[c].name, texts[c]) != 0)
                return -1;
        for (size_t c = 0; c < 4; c++)
            if (jout_number(o, &first, in, columns[NTEXT + c].name, nums[c], c == 0) != 0)
                return -1;
        if (fputs("\n  }", o->f) < 0)
            return -1;
    }
    return t->nrows == 0 || fputs("\n ]", o->f) >= 0 ? 0 : -1;
}

/* The waves of one input, up to its wave, as labels. */
static json_t *input_waves(const struct ministry_input *in)
{
    json_t *a = json_array();
    long wi = report_wave_index(in->doc, in->wave);
    size_t i;
    json_t *w;

    json_array_foreach(json_object_get(in->doc, "waves"), i, w)
        if ((long)i <= wi && a != NULL)
            json_array_append_new(a, json_string(xlsx_str(w, "label", "")));
    return a;
}

/* Every wave covered, in time order (by the waves' opening dates). */
static json_t *all_waves(const struct ministry_input *in, size_t n)
{
    json_t *seen = json_object(), *a = json_array();
    struct {
        const char *label;
        double x;
    } *w = NULL;
    size_t nw = 0, cap = 0;

    for (size_t k = 0; k < n && seen != NULL && a != NULL; k++) {
        long wi = report_wave_index(in[k].doc, in[k].wave);
        size_t i;
        json_t *v;

        json_array_foreach(json_object_get(in[k].doc, "waves"), i, v) {
            const char *label = xlsx_str(v, "label", "");

            if ((long)i > wi || json_object_get(seen, label) != NULL)
                continue;
            json_object_set_new(seen, label, json_true());
            if (nw == cap) {
                void *p = realloc(w, (cap = cap ? cap * 2 : 8) * sizeof *w);

                if (p == NULL) {
                    json_decref(a);
                    a = NULL;
                    break;
                }
                w = p;
            }
            w[nw].label = label;
            w[nw++].x = xlsx_num(v, "x");
        }
    }
    /* insertion sort: a handful of waves */
    for (size_t i = 1; i < nw; i++)
        for (size_t j = i; j > 0 && w[j].x < w[j - 1].x; j--) {
            const char *l = w[j].label;
            double x = w[j].x;

            w[j] = w[j - 1];
            w[j - 1].label = l;
            w[j - 1].x = x;
        }
    for (size_t i = 0; i < nw && a != NULL; i++)
        json_array_append_new(a, json_string(w[i].label));
    free(w);
    json_decref(seen);
    return a;
}

static json_t *surveys_json(const struct ministry_input *in, size_t n)
{
    json_t *a = json_array();

    for (size_t k = 0; k < n && a != NULL; k++)
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:o, s:O?}", "survey", xlsx_str(in[k].doc, "survey", ""),
                         "title", xlsx_str(in[k].doc, "title", ""), "waves",
                         input_waves(&in[k]), "threshold",
                         json_object_get(in[k].doc, "threshold")));
    return a;
}

struct wctx {
    const struct ministry_input *in;
    size_t n;
    const struct report_meta *meta;
    const struct tidy *t;
    const struct ministry_files *f;
};

static int json_write(FILE *f, const struct wctx *w)
{
    json_t *surveys = surveys_json(w->in, w->n), *waves = all_waves(w->in, w->n);
    struct jout o;
    int first = 1, rc = -1;

    o.f = f;
    o.str = json_string("");
    o.real = json_real(0);
    o.integer = json_integer(0);
    if (o.str == NULL || o.real == NULL || o.integer == NULL || surveys == NULL ||
        waves == NULL || json_string_set(o.str, w->meta->data_date) != 0 ||
        json_string_set(o.str, w->meta->created) != 0)
        goto done;
    if (fputc('{', f) == EOF || jout_key(&o, &first, " ", "surveys") != 0 ||
        jout_value(&o, surveys) != 0 || jout_key(&o, &first, " ", "waves") != 0 ||
        jout_value(&o, waves) != 0 ||
        jout_string(&o, &first, " ", "data_date",
                    w->meta->data_date[0] ? w->meta->data_date : NULL) != 0 ||
        jout_string(&o, &first, " ", "created", w->meta->created) != 0 ||
        jout_key(&o, &first, " ", "rows") != 0 || json_rows(&o, w->t) != 0 ||
        fputs("\n}\n", f) < 0)
        goto done;
    rc = 0;
done:
    json_decref(surveys);
    json_decref(waves);
    json_decref(o.str);
    json_decref(o.real);
    json_decref(o.integer);
    return rc;
}

/* ---- the Frictionless Data Package ---- */

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');

    return s != NULL ? s + 1 : path;
}

static json_t *string_array(const char *const *s, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; i < n && a != NULL; i++)
        json_array_append_new(a, json_string(s[i]));
    return a;
}

#define SLUG_PATTERN "[a-z0-9]+(-[a-z0-9]+)*"

/* The Table Schema field of column c. */
static json_t *data_field(size_t c, const struct wctx *w, int english)
{
    static const char *const group_types[] = { "city", "network", "all" };
    static const char *const statistics[] = { "count", "mean", "share", "enps" };
    const struct column *col = &columns[c];
    json_t *cons = json_object(), *field;
    const char *name = col->name;

    if (col->required)
        json_object_set_new(cons, "required", json_true());
    if (strcmp(name, "survey") == 0) {
        json_t *e = json_array();

        for (size_t k = 0; k < w->n; k++)
            json_array_append_new(e, json_string(xlsx_str(w->in[k].doc, "survey", "")));
        json_object_set_new(cons, "enum", e);
    } else if (strcmp(name, "wave") == 0) {
        json_object_set_new(cons, "enum", all_waves(w->in, w->n));
    } else if (strcmp(name, "group_type") == 0) {
        json_object_set_new(cons, "enum", string_array(group_types, 3));
    } else if (strcmp(name, "group_slug") == 0) {
        json_object_set_new(cons, "pattern", json_string(SLUG_PATTERN));
    } else if (strcmp(name, "teryt") == 0) {
        json_object_set_new(cons, "pattern", json_string("[0-3][0-9]{5}[1-3]"));
    } else if (strcmp(name, "voivodeship") == 0) {
        json_object_set_new(cons, "enum", string_array(voivodeship_names, 16));
    } else if (strcmp(name, "indicator") == 0) {
        json_object_set_new(cons, "pattern",
                            json_string("respondents|enps|dimension\\.[a-z][a-z0-9_]*|"
                                        "item\\.[a-z][a-z0-9_]*(\\.favourable|"
                                        "\\.option_-?[0-9]+)?"));
    } else if (strcmp(name, "statistic") == 0) {
        json_object_set_new(cons, "enum", string_array(statistics, 4));
    } else if (strcmp(name, "status") == 0) {
        json_object_set_new(cons, "enum", string_array(status_names, 4));
    } else if (strcmp(name, "n") == 0) {
        json_object_set_new(cons, "minimum", json_integer(0));
    }
    field = json_pack("{s:s, s:s, s:s}", "name", name, "type", type_names[col->type],
                      "description", english ? col->en : col->pl);
    if (field != NULL && col->type == T_NUMBER)
        json_object_set_new(field, "decimalChar", json_string("."));
    if (field != NULL && json_object_size(cons) > 0)
        json_object_set(field, "constraints", cons);
    json_decref(cons);
    return field;
}

static json_t *codebook_schema(void)
{
    static const char *const entries[] = { "column", "indicator" };
    json_t *fields = json_array();

    for (size_t c = 0; c < NCB && fields != NULL; c++) {
        json_t *f = json_pack("{s:s, s:s}", "name", cb_columns[c], "type",
                              c == CB_REVERSE ? "boolean" : "string");

        if (f != NULL && c == 0)
            json_object_set_new(f, "constraints",
                                json_pack("{s:b, s:o}", "required", 1, "enum",
                                          string_array(entries, 2)));
        else if (f != NULL && (c == 2 || c == 3))
            json_object_set_new(f, "constraints", json_pack("{s:b}", "required", 1));
        json_array_append_new(fields, f);
    }
    return json_pack("{s:o, s:[s]}", "fields", fields, "missingValues", "");
}

static json_t *dialect_json(void)
{
    return json_pack("{s:s, s:s, s:s, s:b, s:b}", "delimiter", ",", "lineTerminator", "\r\n",
                     "quoteChar", "\"", "doubleQuote", 1, "header", 1);
}

static int datapackage_write(FILE *f, const struct wctx *w)
{
    static const char *const key[] = { "survey", "wave", "group_type", "group_slug",
                                       "indicator" };
    int english = strcmp(xlsx_str(w->in[0].doc, "language", "pl"), "en") == 0;
    json_t *fields = json_array(), *pkg = NULL;
    char name[200], created[32];
    struct tm tm;
    int rc = -1;

    if (fields == NULL)
        return -1;
    for (size_t c = 0; c < NCOLUMNS; c++)
        json_array_append_new(fields, data_field(c, w, english));
    if (w->n == 1)
        snprintf(name, sizeof name, "empirie-%s-%s", english ? "ministry" : "ministerstwo",
                 xlsx_str(w->in[0].doc, "survey", ""));
    else
        snprintf(name, sizeof name, "empirie-%s", english ? "ministry" : "ministerstwo");
    created[0] = '\0';
    if (gmtime_r(&w->meta->created_at, &tm) != NULL)
        strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    pkg = json_pack(
        "{s:s, s:s, s:s, s:s, s:[{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:{s:o, s:[s], s:o}}, "
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o}]}",
        "profile", "tabular-data-package", "name", name, "title",
        english ? "Rozwój Lokalny: survey results for the ministry (Empirie)"
                : "Rozwój Lokalny: wyniki badań dla ministerstwa (Empirie)",
        "created", created, "resources",
        /* the tidy data */
        "name", "data", "path", base_name(w->f->csv), "profile", "tabular-data-resource",
        "format", "csv", "mediatype", "text/csv", "encoding", "utf-8", "dialect",
        dialect_json(), "schema", "fields", fields, "missingValues", "", "primaryKey",
        string_array(key, 5),
        /* the codebook */
        "name", "codebook", "path", base_name(w->f->codebook), "profile",
        "tabular-data-resource", "format", "csv", "mediatype", "text/csv", "encoding", "utf-8",
        "dialect", dialect_json(), "schema", codebook_schema());
    if (pkg != NULL && json_dumpf(pkg, f, JSON_INDENT(2)) == 0 && fputc('\n', f) != EOF)
        rc = 0;
    json_decref(pkg);
    return rc;
}

/* ---- writing a text file ---- */

enum text_kind { K_CSV, K_CSV_PL, K_JSON, K_CODEBOOK, K_DATAPACKAGE };

/* Writes a text file through a temporary name. */
static int write_text(const char *path, enum text_kind kind, const struct wctx *w, char *err,
                      size_t errlen)
{
    char tmp[4096];
    FILE *f;
    int ok;

    if (report_tmp_path(path, tmp, sizeof tmp) != 0)
        return err_set(err, errlen, "%s: path too long", path);
    f = fopen(tmp, "w");
    if (f == NULL)
        return err_set(err, errlen, "%s: %s", tmp, strerror(errno));
    switch (kind) {
    case K_CSV: ok = csv_write(f, w->t, &rfc4180) == 0; break;
    case K_CSV_PL: ok = csv_write(f, w->t, &excel_pl) == 0; break;
    case K_JSON: ok = json_write(f, w) == 0; break;
    case K_CODEBOOK: ok = codebook_write(f, w->t) == 0; break;
    default: ok = datapackage_write(f, w) == 0; break;
    }
    if (fclose(f) != 0)
        ok = 0;
    if (!ok)
        err_set(err, errlen, "%s: cannot write: %s", path, errno ? strerror(errno) : "error");
    return report_commit(tmp, path, ok, err, errlen);
}

/* ---- the workbook ---- */

static enum xlsx_fmt value_format(const struct tidy_row *row)
{
    const char *stat = row->statistic;

    if (strcmp(stat, "share") == 0)
        return XF_PCT1;
    if (strcmp(stat, "count") == 0)
        return XF_INT;
    if (strcmp(stat, "enps") == 0)
        return XF_SIGNED1;
    return XF_DEC2;
}

/* A tidy row: texts, and numbers or nothing (never a dash: the sheet types
 * as numbers; the status says why a cell is empty). */
static void tidy_row(struct xlsx *x, lxw_worksheet *ws, int row, const struct tidy *t,
                     const struct tidy_row *r)
{
    enum xlsx_fmt vf = value_format(r);
    const char *texts[NTEXT];

    row_texts(t, r, texts);
    for (size_t c = 0; c < NTEXT; c++)
        xlsx_text(x, ws, row, (int)c, texts[c], XF_PLAIN);
    xlsx_number(x, ws, row, NTEXT, r->n, XF_INT);
    xlsx_number(x, ws, row, NTEXT + 1, r->value, vf);
    xlsx_number(x, ws, row, NTEXT + 2, r->lo, vf);
    xlsx_number(x, ws, row, NTEXT + 3, r->hi, vf);
}

static void sheet_tidy(struct xlsx *x, const struct tidy *t)
{
    static const double widths[NCOLUMNS] = { 22, 8, 10, 22, 24, 9, 18, 30,
                                             50, 9, 11, 8, 10, 10, 10 };
    lxw_worksheet *ws = xlsx_sheet(x, xlsx_label(x, L_DATA));
    struct xlsx_col cols[NCOLUMNS];

    if (ws == NULL)
        return;
    for (size_t c = 0; c < NCOLUMNS; c++)
        cols[c] = (struct xlsx_col){ L_COUNT, columns[c].name, widths[c] };
    xlsx_header(x, ws, 0, 0, cols, NCOLUMNS);
    for (size_t i = 0; i < t->nrows; i++)
        tidy_row(x, ws, 1 + (int)i, t, &t->rows[i]);
    xlsx_table(x, ws, 0, (int)t->nrows, NCOLUMNS);
}

/* The codebook sheet: the same rows as the codebook CSV. */
static void sheet_codebook(struct xlsx *x, const struct tidy *t)
{
    static const double widths[NCB] = { 10, 22, 30, 9, 14, 9, 10, 9, 60, 60 };
    lxw_worksheet *ws = xlsx_sheet(x, xlsx_label(x, L_CODEBOOK));
    struct xlsx_col cols[NCB];

    if (ws == NULL)
        return;
    for (size_t c = 0; c < NCB; c++)
        cols[c] = (struct xlsx_col){ L_COUNT, cb_columns[c], widths[c] };
    xlsx_header(x, ws, 0, 0, cols, NCB);
    for (size_t i = 0; i < cb_rows(t); i++) {
        const char *texts[NCB];

        cb_row(t, i, texts);
        for (size_t c = 0; c < NCB; c++)
            xlsx_text(x, ws, 1 + (int)i, (int)c, texts[c], c > CB_REVERSE ? XF_WRAP : XF_PLAIN);
    }
    xlsx_table(x, ws, 0, (int)cb_rows(t), NCB);
}

/* A sheet name: at most maxchars characters (not bytes) of name. */
static void sheet_name(char *buf, size_t n, const char *name, size_t maxchars)
{
    size_t len = 0, chars = 0;

    while (name[len] != '\0' && len + 4 < n) {
        if (((unsigned char)name[len] & 0xC0) != 0x80 && ++chars > maxchars)
            break;
        len++;
    }
    while (len > 0 && name[len - 1] == ' ')
        len--;
    memcpy(buf, name, len);
    buf[len] = '\0';
}

static void network_city_row(struct xlsx *x, lxw_worksheet *ws, int row, const json_t *doc,
                             const char *wave, const json_t *g, const char *name)
{
    size_t i;
    json_t *d;
    int col = 3;

    xlsx_text(x, ws, row, 0, wave, XF_PLAIN);
    xlsx_text(x, ws, row, 1, name, XF_PLAIN);
    xlsx_figure(x, ws, row, 2, g, "respondents", XF_INT);
    /* a hidden group: g itself, so that every note gives its reason */
    json_array_foreach(xlsx_get(doc, "instrument.dimensions"), i, d)
        xlsx_figure(x, ws, row, col++,
                    xlsx_is_hidden(g) ? g
                                      : xlsx_find(json_object_get(g, "dimensions"), "code",
                                                  xlsx_str(d, "code", "")),
                    "mean", XF_DEC2);
    if (sheets_enps_item(doc) != NULL)
        xlsx_figure(x, ws, row, col, xlsx_is_hidden(g) ? g : json_object_get(g, "enps"),
                    "value", XF_SIGNED1);
}

/* True when the network has members in some wave up to wi. */
static int network_has_members(json_t *doc, const char *slug, long wi)
{
    size_t i;
    json_t *w;

    json_array_foreach(json_object_get(doc, "waves"), i, w) {
        json_t *g = results_group(doc, xlsx_str(w, "label", ""), "network", slug);

        if ((long)i <= wi && g != NULL && json_array_size(json_object_get(g, "members")) > 0)
            return 1;
    }
    return 0;
}

/*
 * A network's sheet: every wave up to the export's, each with the network's
 * total and its member cities of that wave: respondents, the dimension
 * means and eNPS (the dash of a hidden figure: this sheet is for people).
 * tag: 0 for a single survey, else the survey's number, added to the name.
 */
static void sheet_network(struct xlsx *x, const struct ministry_input *in, int tag,
                          const struct report_meta *meta, const char *slug)
{
    json_t *doc = in->doc;
    const json_t *dims = xlsx_get(doc, "instrument.dimensions");
    long wi = report_wave_index(doc, in->wave);
    const char *netname = report_network_name(meta, slug, x->english);
    char name[160], subtitle[400];
    struct xlsx_col col = { L_WAVE, NULL, 8 };
    lxw_worksheet *ws;
    int row = 3, c = 3;
    size_t i, wv;
    json_t *d, *w;

    if (tag == 0) {
        sheet_name(name, sizeof name, netname, 31);
    } else {
        sheet_name(name, sizeof name, netname, 26);
        snprintf(name + strlen(name), sizeof name - strlen(name), " (%d)", tag);
    }
    ws = xlsx_sheet(x, name);
    if (ws == NULL)
        return;
    snprintf(subtitle, sizeof subtitle, "%s%s%s", xlsx_str(doc, "title", ""),
             tag ? " · " : "", tag ? xlsx_str(doc, "survey", "") : "");
    sheets_title(x, ws, netname, subtitle);
    xlsx_header(x, ws, 2, 0, &col, 1);
    col = (struct xlsx_col){ L_CITY, NULL, 24 };
    xlsx_header(x, ws, 2, 1, &col, 1);
    col = (struct xlsx_col){ L_RESPONDENTS, NULL, 12 };
    xlsx_header(x, ws, 2, 2, &col, 1);
    json_array_foreach(dims, i, d) {
        col = (struct xlsx_col){ L_COUNT, xlsx_str(d, "label", ""), 14 };
        xlsx_header(x, ws, 2, c++, &col, 1);
    }
    if (sheets_enps_item(doc) != NULL) {
        col = (struct xlsx_col){ L_COUNT, "eNPS", 10 };
        xlsx_header(x, ws, 2, c++, &col, 1);
    }
    json_array_foreach(json_object_get(doc, "waves"), wv, w) {
        const char *wave = xlsx_str(w, "label", "");
        json_t *net = results_group(doc, wave, "network", slug);

        if ((long)wv > wi || net == NULL || json_array_size(json_object_get(net, "members")) == 0)
            continue;
        network_city_row(x, ws, row++, doc, wave, net, xlsx_label(x, L_NETWORK_TOTAL));
        json_array_foreach(json_object_get(net, "members"), i, d) {
            const char *city = json_string_value(d);

            network_city_row(x, ws, row++, doc, wave, results_group(doc, wave, "city", city),
                             report_city_name(meta, city));
        }
    }
    xlsx_table(x, ws, 2, row - 1, c);
}

/* Every network of an input with members, once, in the document's order. */
static void network_sheets(struct xlsx *x, const struct ministry_input *in, int tag,
                           const struct report_meta *meta)
{
    json_t *done = json_object();
    long wi = report_wave_index(in->doc, in->wave);
    size_t i;
    json_t *g;

    if (done == NULL) {
        xlsx_check(x, LXW_ERROR_MEMORY_MALLOC_FAILED, "the network sheets");
        return;
    }
    json_array_foreach(json_object_get(in->doc, "groups"), i, g) {
        const char *slug = xlsx_str(g, "slug", "");

        if (strcmp(xlsx_str(g, "type", ""), "network") != 0 ||
            json_object_get(done, slug) != NULL || !network_has_members(in->doc, slug, wi))
            continue;
        json_object_set_new(done, slug, json_true());
        sheet_network(x, in, tag, meta, slug);
    }
    json_decref(done);
}

/* "2022, 2023, 2024, 2025" */
static void waves_text(char *buf, size_t n, const json_t *waves)
{
    size_t i, len = 0;
    json_t *w;

    buf[0] = '\0';
    json_array_foreach(waves, i, w)
        if (len < n)
            len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? ", " : "",
                                    json_string_value(w));
}

static int write_workbook(const struct wctx *w, const char *path, char *err, size_t errlen)
{
    const struct ministry_input *in = w->in;
    json_t *doc0 = in[0].doc, *waves = all_waves(in, w->n), *mdoc = NULL, *grp = NULL;
    int english = strcmp(xlsx_str(doc0, "language", "pl"), "en") == 0;
    struct xlsx x;
    struct xlsx_props props;
    char tmp[4096], title[600], wtext[200], titles[600];
    size_t tlen = 0;
    double threshold = xlsx_num(doc0, "threshold");
    int rc;

    if (waves == NULL)
        return err_set(err, errlen, "out of memory");
    waves_text(wtext, sizeof wtext, waves);
    json_decref(waves);
    titles[0] = '\0';
    for (size_t k = 0; k < w->n; k++) {
        if (tlen < sizeof titles)
            tlen += (size_t)snprintf(titles + tlen, sizeof titles - tlen, "%s%s", k ? "; " : "",
                                     xlsx_str(in[k].doc, "title", ""));
        if (xlsx_num(in[k].doc, "threshold") < threshold)
            threshold = xlsx_num(in[k].doc, "threshold");
    }
    if (report_tmp_path(path, tmp, sizeof tmp) != 0)
        return err_set(err, errlen, "%s: path too long", path);
    snprintf(title, sizeof title, "%s: %s", w->n == 1 ? titles : "Rozwój Lokalny", wtext);
    /* The tidy sheet has a row per group, wave and indicator: written top
     * to bottom, like every sheet here, so it can stream to disk. */
    props = (struct xlsx_props){ title, L_MINISTRY_REPORT, 1, w->meta->created_at };
    if (xlsx_open(&x, tmp, english, (int)threshold, &props, err, errlen) != 0)
        return -1;
    sheet_tidy(&x, w->t);
    sheet_codebook(&x, w->t);
    for (size_t k = 0; k < w->n; k++)
        network_sheets(&x, &in[k], w->n == 1 ? 0 : (int)k + 1, w->meta);
    /* The methodology of every survey at once: their titles, every wave,
     * the lowest threshold (each survey's is in the JSON). */
    mdoc = json_pack("{s:s, s:f}", "title", titles, "threshold", threshold);
    /* one survey: how its sample was weighted, for every city of its wave */
    if (mdoc != NULL && w->n == 1 && json_is_object(json_object_get(in[0].doc, "weighting"))) {
        json_object_set(mdoc, "weighting", json_object_get(in[0].doc, "weighting"));
        json_object_set(mdoc, "groups", json_object_get(in[0].doc, "groups"));
        grp = json_pack("{s:s, s:s}", "type", "all", "wave", in[0].wave);
    }
    if (mdoc == NULL)
        xlsx_check(&x, LXW_ERROR_MEMORY_MALLOC_FAILED, "the methodology");
    else
        sheets_methodology(&x, mdoc, w->meta, NULL, wtext, L_SURVEY, NULL, grp);
    json_decref(grp);
    json_decref(mdoc);
    rc = xlsx_close(&x, err, errlen);
    return report_commit(tmp, path, rc == 0, err, errlen);
}

/* ---- the export ---- */

int report_ministry_paths(struct ministry_paths *p, const char *dir, const char *wave,
                          const char *survey, int english)
{
    const char *prefix = english ? "ministry" : "ministerstwo";
    char base[4000];
    int len;

    if (survey != NULL)
        len = snprintf(base, sizeof base, "%s/%s/%s-%s", dir, wave, prefix, survey);
    else
        len = snprintf(base, sizeof base, "%s/%s/%s", dir, wave, prefix);
    if (len < 0 || (size_t)len >= sizeof base)
        return -1;
    snprintf(p->xlsx, sizeof p->xlsx, "%s.xlsx", base);
    snprintf(p->csv, sizeof p->csv, "%s.csv", base);
    snprintf(p->json, sizeof p->json, "%s.json", base);
    snprintf(p->codebook, sizeof p->codebook, "%s-codebook.csv", base);
    snprintf(p->csv_excel_pl, sizeof p->csv_excel_pl, "%s-excel-pl.csv", base);
    if (survey != NULL)
        snprintf(p->datapackage, sizeof p->datapackage, "%s.datapackage.json", base);
    else
        snprintf(p->datapackage, sizeof p->datapackage, "%s/%s/datapackage.json", dir, wave);
    return 0;
}

int report_ministry_export(const struct ministry_input *in, size_t n,
                           const struct report_meta *meta, const struct ministry_files *f,
                           char *err, size_t errlen)
{
    struct tidy t;
    struct wctx w;
    int rc = 0;

    if (n == 0)
        return err_set(err, errlen, "no survey to export");
    for (size_t k = 0; k < n; k++)
        if (report_wave_index(in[k].doc, in[k].wave) < 0)
            return err_set(err, errlen, "survey \"%s\": no wave \"%s\"",
                           xlsx_str(in[k].doc, "survey", ""), in[k].wave);
    if (f->datapackage != NULL && (f->csv == NULL || f->codebook == NULL))
        return err_set(err, errlen, "the data package describes the CSV and the codebook: "
                                    "write them too");
    if (tidy_build(&t, in, n, meta) != 0)
        return err_set(err, errlen, "out of memory");
    w = (struct wctx){ in, n, meta, &t, f };
    if (f->xlsx != NULL)
        rc = write_workbook(&w, f->xlsx, err, errlen);
    if (rc == 0 && f->csv != NULL)
        rc = write_text(f->csv, K_CSV, &w, err, errlen);
    if (rc == 0 && f->csv_excel_pl != NULL)
        rc = write_text(f->csv_excel_pl, K_CSV_PL, &w, err, errlen);
    if (rc == 0 && f->json != NULL)
        rc = write_text(f->json, K_JSON, &w, err, errlen);
    if (rc == 0 && f->codebook != NULL)
        rc = write_text(f->codebook, K_CODEBOOK, &w, err, errlen);
    if (rc == 0 && f->datapackage != NULL)
        rc = write_text(f->datapackage, K_DATAPACKAGE, &w, err, errlen);
    tidy_free(&t);
    return rc;
}

int report_ministry_write(json_t *doc, const struct results *r, int english,
                          const struct report_meta *meta, const char *wave,
                          const char *xlsx_path, const char *csv_path, const char *json_path,
                          char *err, size_t errlen)
{
    struct ministry_input in = { doc, r, english, wave, NULL };
    struct ministry_files f = { xlsx_path, csv_path, json_path, NULL, NULL, NULL };

    if (report_wave_index(doc, wave) < 0)
        return err_set(err, errlen, "no wave \"%s\"", wave);
    return report_ministry_export(&in, 1, meta, &f, err, errlen);
}
