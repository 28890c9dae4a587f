/* ministry_tidy: the tidy rows of the ministry's export from the typed
 * models (see ministry_tidy.h). */
#include "ministry_tidy.h"

#include "dynarr.h"
#include "ministry_model.h"

#include "msg.h"
#include "results.h"
#include "results_model.h"
#include "survey.h"
#include "vocab.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the columns ---- */

const char *const ministry_type_names[] = { "string", "integer", "number" };

const struct ministry_column ministry_columns[MINISTRY_NCOLUMNS] = {
    { "survey", MT_STRING, 1, "", "Identyfikator badania (slug).", "The survey's identifier (slug)." },
    { "wave", MT_STRING, 1, "", "Etykieta fali badania (np. 2025).",
      "The wave's label (e.g. 2025)." },
    { "group_type", MT_STRING, 1, "",
      "Rodzaj grupy: city (miasto), network (sieć: jej miasta członkowskie), all (wszystkie "
      "miasta z odpowiedziami).",
      "The kind of group: city, network (its member cities) or all (every city with "
      "responses)." },
    { "group_slug", MT_STRING, 1, "",
      "Identyfikator miasta lub sieci; \"all\" dla wszystkich miast.",
      "The city's or network's identifier; \"all\" for all cities." },
    { "group_name", MT_STRING, 1, "", "Nazwa miasta lub sieci.", "The city's or network's name." },
    { "teryt", MT_STRING, 0, "",
      "Kod TERC gminy miasta (7 cyfr, rejestr TERYT GUS), do łączenia ze statystyką publiczną; "
      "tylko w wierszach miast.",
      "The TERC code of the city's gmina (7 digits, the GUS TERYT register), for joining to "
      "official statistics; city rows only." },
    { "voivodeship", MT_STRING, 0, "", "Województwo miasta; tylko w wierszach miast.",
      "The city's voivodeship; city rows only." },
    { "indicator", MT_STRING, 1, "", "Kod wskaźnika (patrz wskaźniki poniżej).",
      "The indicator's code (see the indicators below)." },
    { "indicator_label", MT_STRING, 0, "", "Nazwa wskaźnika w języku raportu.",
      "The indicator's name in the report's language." },
    { "statistic", MT_STRING, 1, "",
      "Rodzaj wartości: count (liczba), mean (średnia), share (odsetek 0–1), enps (punkty "
      "−100..100).",
      "What the value is: count, mean, share (0-1) or enps (points -100..100)." },
    { "status", MT_STRING, 1, "",
      "ok: wartość podana; suppressed: ukryta przez próg anonimowości (n, value i CI puste); "
      "not_asked: pytania nie było w wersji narzędzia tej fali (wszystko puste); no_data: "
      "brak odpowiedzi, z których można ją obliczyć (value i CI puste).",
      "ok: the value is given; suppressed: hidden by the anonymity threshold (n, value and CI "
      "empty); not_asked: the wave's instrument version did not have the item (all empty); "
      "no_data: no answers to compute it from (value and CI empty)." },
    { "n", MT_INTEGER, 0, "responses", "Liczba odpowiedzi, na których opiera się wartość "
                                      "(w badaniu ważonym: nieważona).",
      "The number of responses the value rests on (for a weighted survey: unweighted)." },
    { "value", MT_NUMBER, 0, "see statistic", "Wartość wskaźnika; pusta, gdy status nie jest ok.",
      "The indicator's value; empty unless status is ok." },
    { "ci_low", MT_NUMBER, 0, "as value",
      "Dolna granica 95% przedziału ufności (t dla średnich, Wilson dla odsetków).",
      "The lower bound of the 95% confidence interval (t for means, Wilson for shares)." },
    { "ci_high", MT_NUMBER, 0, "as value", "Górna granica 95% przedziału ufności.",
      "The upper bound of the 95% confidence interval." },
};

const char *const ministry_cb_columns[MINISTRY_NCB] = {
    "entry", "survey", "code", "type", "unit", "statistic", "scale", "reverse", "label_pl",
    "label_en",
};

const char *const ministry_status_names[4] = { "ok", "suppressed", "not_asked", "no_data" };

const char *const ministry_voivodeships[16] = {
    "dolnośląskie", "kujawsko-pomorskie", "lubelskie", "lubuskie", "łódzkie", "małopolskie",
    "mazowieckie", "opolskie", "podkarpackie", "podlaskie", "pomorskie", "śląskie",
    "świętokrzyskie", "warmińsko-mazurskie", "wielkopolskie", "zachodniopomorskie",
};

#define ABSENT MINISTRY_ABSENT

/* A label in the report's language (row) and in both languages for the
 * codebook; the *_cut flags say a buffer cut the text. */
struct names {
    char row[600], pl[600], en[600];
    int row_cut, pl_cut, en_cut, have_pl, have_en;
};

struct rowctx {
    struct tidy *t;
    const struct results *res;     /* the survey's model */
    const struct results_group *g;
    struct tidy_group grp;         /* the rows' first columns */
    const struct catalog *cat;     /* or NULL */
    const struct survey *newest;   /* the catalog's newest version, or NULL */
    const struct survey *asked;    /* the wave's version, or NULL: unknown */
    int english;
    int reverse;                   /* the rows being added are a reverse-coded item's */
};

/* One figure of a row: NAN where there is no number; hidden: suppressed. */
struct fig {
    double n, value, lo, hi;
    int hidden;
};

void ministry_tidy_free(struct tidy *t)
{
    free(t->rows);
    free(t->cb);
    dynbuf_free(&t->text);
    json_decref(t->seen);
    memset(t, 0, sizeof *t);
}

static const char *tidy_text(const struct tidy *t, size_t off)
{
    return off == ABSENT ? NULL : dynbuf_ptr(&t->text) + off;
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
    size_t len = strlen(s), off = dynbuf_len(&t->text);

    if (truncated && cut_inside_char(s, len))
        return ABSENT;
    if (dynbuf_addn(&t->text, s, len + 1) != 0) {
        t->oom = 1;
        return ABSENT;
    }
    return off;
}

static double finite_or_nan(double v)
{
    return isfinite(v) ? v : NAN;
}

/* snprintf that says whether it cut the text. */
#define FMT(buf, ...) ((size_t)snprintf(buf, sizeof buf, __VA_ARGS__) >= sizeof buf)

/* Points e at a new last element of t->arr (t->n of them, room for t->cap),
 * not initialized; NULL, with t->oom set and the array kept, when out of
 * memory. */
#define APPEND(e, t, arr, n, cap)                                                    \
    do {                                                                             \
        void *more_ = dynarr_reserve((t)->arr, &(t)->cap, (t)->n + 1, sizeof *(e)); \
                                                                                     \
        (e) = NULL;                                                                  \
        if (more_ == NULL) {                                                         \
            (t)->oom = 1;                                                            \
        } else {                                                                     \
            (t)->arr = more_;                                                        \
            (e) = &(t)->arr[(t)->n++];                                               \
        }                                                                            \
    } while (0)

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

    /* t->seen is a set of the entries made, not a results document */
    if (FMT(key, "%s\x01%s", r->grp.survey, indicator) || json_object_get(t->seen, key) != NULL)
        return;
    if (json_object_set_new(t->seen, key, json_true()) != 0) {
        t->oom = 1;
        return;
    }
    APPEND(e, t, cb, ncb, cbcap);
    if (e == NULL)
        return;
    e->survey = r->grp.survey;
    e->statistic = statistic;
    e->unit = stat_unit(statistic);
    e->code = tidy_add_text(t, indicator, ind_cut);
    e->label_pl = nm->have_pl ? tidy_add_text(t, nm->pl, nm->pl_cut) : ABSENT;
    e->label_en = nm->have_en ? tidy_add_text(t, nm->en, nm->en_cut) : ABSENT;
    snprintf(e->scale, sizeof e->scale, "%s", scale);
    e->reverse = r->reverse;
}

/*
 * One row. asked: the wave's instrument had the item; f->hidden: the figure
 * is suppressed (or the group is). What is empty follows the status.
 */
static void add_row(struct rowctx *r, const char *indicator, int ind_cut,
                    const struct names *nm, const char *statistic, const char *scale,
                    const struct fig *f, int asked)
{
    struct tidy *t = r->t;
    struct tidy_row *row;

    if (t->oom)
        return;
    APPEND(row, t, rows, nrows, cap);
    if (row == NULL)
        return;
    row->grp = r->grp;
    row->indicator = tidy_add_text(t, indicator, ind_cut);
    row->label = tidy_add_text(t, nm->row, nm->row_cut);
    row->statistic = statistic;
    row->n = row->value = row->lo = row->hi = NAN;
    if (!asked) {
        row->status = ST_NOT_ASKED;
    } else if (f->hidden) {
        row->status = ST_SUPPRESSED;
    } else if (!isfinite(f->value)) {
        row->status = ST_NO_DATA;
        row->n = finite_or_nan(f->n);
    } else {
        row->status = ST_OK;
        row->n = finite_or_nan(f->n);
        row->value = f->value;
        row->lo = finite_or_nan(f->lo);
        row->hi = finite_or_nan(f->hi);
    }
    codebook_add(r, indicator, ind_cut, nm, statistic, scale);
}

/* ---- the figures of the model ---- */

static const struct fig fig_hidden = { NAN, NAN, NAN, NAN, 1 };
static const struct fig fig_none = { NAN, NAN, NAN, NAN, 0 };

/* A scored measure's mean, or (fav) its favourable share; m NULL: the
 * group is hidden (or has no such measure). An item the wave did not ask
 * has no numbers. */
static struct fig measure_fig(const struct results_measure *m, int fav)
{
    const struct results_est *e;

    if (m == NULL)
        return fig_hidden;
    if (m->not_asked)    /* before hidden, as the results document says */
        return fig_none;
    if (m->hidden)
        return fig_hidden;
    if (m->choice)
        return (struct fig){ m->n, NAN, NAN, NAN, 0 };
    e = &m->est;
    if (!fav)
        return (struct fig){ e->n, e->mean, e->ci_lo, e->ci_hi, 0 };
    if (!e->has_fav)
        return (struct fig){ e->n, NAN, NAN, NAN, 0 };
    return (struct fig){ e->n, e->fav, e->fav_lo, e->fav_hi, 0 };
}

/* The share of a choice item's answer slot i (its distribution, as given). */
static struct fig option_fig(const struct results_measure *m, size_t i)
{
    struct fig f = fig_none;

    if (m == NULL)
        return fig_hidden;
    if (m->not_asked)
        return fig_none;
    if (m->hidden)
        return fig_hidden;
    f.n = m->choice ? m->n : m->est.n;
    f.value = i < m->ndist && m->dist != NULL ? m->dist[i] : NAN;
    return f;
}

static struct fig enps_fig(const struct results_group *g)
{
    const struct results_enps *e = &g->enps;

    if (g->hidden || e->hidden)
        return fig_hidden;
    if (!e->present)
        return fig_none;
    return (struct fig){ e->n, e->value, e->ci_lo, e->ci_hi, 0 };
}

/* Item k of a shown group, or NULL. */
static const struct results_measure *group_item(const struct results_group *g, size_t k)
{
    for (size_t i = 0; !g->hidden && i < g->nitems; i++)
        if (g->items[i].index == k)
            return &g->items[i];
    return NULL;
}

static const struct results_measure *group_dim(const struct results_group *g, size_t d)
{
    for (size_t i = 0; !g->hidden && i < g->ndims; i++)
        if (g->dims[i].index == d)
            return &g->dims[i];
    return NULL;
}

/* ---- the instrument and the catalog ---- */

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
    waves = catalog_waves(r->cat, r->grp.survey, &n);
    for (size_t w = n; w-- > 0;) {
        const struct survey *s = catalog_survey(r->cat, r->grp.survey, waves[w]->survey_version);

        if (s == NULL)
            continue;
        i = survey_item_index(s, code);
        if (i >= 0)
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
    waves = catalog_waves(r->cat, r->grp.survey, &n);
    for (size_t w = n; w-- > 0 && d == NULL;)
        d = version_dim(catalog_survey(r->cat, r->grp.survey, waves[w]->survey_version), code);
    return d;
}

static const struct survey_option *catalog_option(const struct survey_item *it, long long code)
{
    for (size_t i = 0; it != NULL && i < it->noptions; i++)
        if (it->options[i].code == code)
            return &it->options[i];
    return NULL;
}

/* "1..5": an item's range. */
static void item_scale(char *buf, size_t n, const struct survey_item *def)
{
    snprintf(buf, n, "%g..%g", (double)def->min, (double)def->max);
}

static void item_rows(struct rowctx *r, size_t k)
{
    const struct survey_item *def = agg_item_def(r->res->in->agg, k);
    const char *code = def->code;
    const char *text = msg_text(r->english, def->text_pl, def->text_en);
    const struct results_measure *m = group_item(r->g, k);
    const struct survey_item *it = catalog_item(r, code);
    const char *pl = it != NULL ? it->text_pl : NULL, *en = it != NULL ? it->text_en : NULL;
    int asked = r->asked == NULL || survey_item_index(r->asked, code) >= 0;
    struct names nm;
    struct fig f;
    char ind[160], scale[32];
    int ind_cut;

    if (survey_item_scored(def)) {
        /* A reverse-coded item says so in its labels (its mean and %
         * favourable are keyed: higher is better) and in the codebook. */
        int rev = def->reverse != 0;
        const char *note = !rev ? "" : r->english ? " " VOCAB_REVERSED_EN : " " VOCAB_REVERSED_PL;
        const char *note_pl = rev ? " " VOCAB_REVERSED_PL : "";
        const char *note_en = rev ? " " VOCAB_REVERSED_EN : "";

        r->reverse = rev;
        item_scale(scale, sizeof scale, def);
        ind_cut = FMT(ind, "item.%s", code);
        names_set(&nm, r, text, pl, en, "", note, note_pl, note_en);
        f = measure_fig(m, 0);
        add_row(r, ind, ind_cut, &nm, "mean", scale, &f, asked);
        if (def->type == SURVEY_LIKERT) {
            ind_cut = FMT(ind, "item.%s.favourable", code);
            names_set(&nm, r, text, pl, en, " (%)", note, note_pl, note_en);
            f = measure_fig(m, 1);
            add_row(r, ind, ind_cut, &nm, "share", "0..1", &f, asked);
        }
        r->reverse = 0;
        return;
    }
    for (size_t i = 0; i < def->noptions; i++) {
        long long oc = def->options[i].code;
        const struct survey_option *o = catalog_option(it, oc);
        const char *olabel = msg_text(r->english, def->options[i].label_pl,
                                     def->options[i].label_en);

        ind_cut = FMT(ind, "item.%s.option_%lld", code, oc);
        names_set(&nm, r, text, pl, en, ": ", olabel, o != NULL ? o->label_pl : NULL,
                  o != NULL && o->label_en != NULL ? o->label_en : NULL);
        if (it != NULL && en != NULL && (o == NULL || o->label_en == NULL))
            nm.have_en = 0;    /* an option without its English label */
        f = option_fig(m, i);
        f.lo = f.hi = NAN;
        add_row(r, ind, ind_cut, &nm, "share", "0..1", &f, asked);
    }
}

/* The range of a dimension: that of its first item. */
static void dim_scale(char *buf, size_t n, const struct agg *agg, size_t d)
{
    const struct survey_item *first =
        agg_dim_def(agg, d)->nitems > 0 ? agg_item_def(agg, agg_dim_items(agg, d)[0]) : NULL;

    if (first != NULL && first->type != SURVEY_TEXT)
        item_scale(buf, n, first);
    else
        snprintf(buf, n, "%s", "");
}

static int dim_asked(const struct rowctx *r, const char *code)
{
    return r->asked == NULL || version_dim(r->asked, code) != NULL;
}

static void group_rows(struct rowctx *r)
{
    const struct results_group *g = r->g;
    const struct agg *agg = r->res->in->agg;
    struct names nm;
    struct fig f = g->hidden ? fig_hidden
                             : (struct fig){ g->respondents, g->respondents, NAN, NAN, 0 };
    char scale[32];

    names_set(&nm, r, r->english ? "Respondents" : "Liczba respondentów", "Liczba respondentów",
              "Respondents", "", "", "", "");
    add_row(r, "respondents", 0, &nm, "count", "0..", &f, 1);
    for (size_t d = 0; d < r->res->ndims; d++) {
        const struct survey_dimension *dim = agg_dim_def(agg, d);
        const struct survey_dimension *cd = catalog_dim(r, dim->code);
        char ind[160];
        int ind_cut = FMT(ind, "dimension.%s", dim->code);

        names_set(&nm, r, msg_text(r->english, dim->label_pl, dim->label_en),
                  cd != NULL ? cd->label_pl : NULL, cd != NULL ? cd->label_en : NULL, "", "", "",
                  "");
        dim_scale(scale, sizeof scale, agg, d);
        f = measure_fig(group_dim(g, d), 0);
        add_row(r, ind, ind_cut, &nm, "mean", scale, &f, dim_asked(r, dim->code));
    }
    if (agg_enps_item(agg) >= 0) {
        names_set(&nm, r, "eNPS", "eNPS", "eNPS", "", "", "", "");
        f = enps_fig(g);
        add_row(r, "enps", 0, &nm, "enps", "-100..100", &f,
                r->asked == NULL || r->asked->enps_item >= 0);
    }
    for (size_t k = 0; k < r->res->nitems; k++)
        if (agg_item_def(agg, k)->type != SURVEY_TEXT)
            item_rows(r, k);
}

/* The instrument version a wave used, or NULL when the catalog does not say. */
static const struct survey *wave_version(const struct catalog *cat, const char *survey,
                                         const char *wave)
{
    const struct catalog_wave *w = cat != NULL ? catalog_wave(cat, survey, wave) : NULL;

    return w != NULL ? catalog_survey(cat, survey, w->survey_version) : NULL;
}

static const char *group_type_name(enum results_group_type t)
{
    return t == RESULTS_CITY ? "city" : t == RESULTS_NETWORK ? "network" : "all";
}

int ministry_tidy_build(struct tidy *t, const struct ministry_input *in, size_t n,
                        const struct report_meta *meta)
{
    struct rowctx r;

    memset(t, 0, sizeof *t);
    dynbuf_init(&t->text, MINISTRY_MAX_TEXT);
    t->seen = json_object();
    if (t->seen == NULL)
        return -1;
    memset(&r, 0, sizeof r);
    r.t = t;
    for (size_t k = 0; k < n; k++) {
        const struct results *res = in[k].r;
        long wi = report_ministry_wave(res, in[k].wave);

        r.res = res;
        r.grp.survey = res->in->survey->slug;
        r.english = in[k].english;
        r.cat = in[k].cat;
        r.newest = in[k].cat != NULL ? catalog_survey_latest(in[k].cat, r.grp.survey) : NULL;
        for (size_t i = 0; i < res->nwaves * res->ngroups; i++) {
            const struct results_group *g = &res->groups[i];
            int city = g->type == RESULTS_CITY;

            if ((long)g->wave > wi)
                continue;
            r.g = g;
            r.grp.wave = agg_wave(res->in->agg, g->wave);
            r.grp.type = group_type_name(g->type);
            r.grp.name = results_group_name(g, r.english);
            r.grp.slug = g->slug != NULL ? g->slug : "all";
            r.grp.teryt = city ? report_city_teryt(meta, r.grp.slug) : NULL;
            r.grp.voiv = city ? report_city_voivodeship(meta, r.grp.slug) : NULL;
            r.asked = wave_version(in[k].cat, r.grp.survey, r.grp.wave);
            group_rows(&r);
        }
    }
    if (t->oom) {
        ministry_tidy_free(t);
        return -1;
    }
    return 0;
}

void ministry_row_texts(const struct tidy *t, const struct tidy_row *row,
                        const char *out[MINISTRY_NTEXT])
{
    const struct tidy_group *g = &row->grp;
    const char *texts[MINISTRY_NTEXT] = {
        g->survey, g->wave, g->type, g->slug, g->name, g->teryt, g->voiv,
        tidy_text(t, row->indicator), tidy_text(t, row->label), row->statistic,
        ministry_status_names[row->status],
    };

    memcpy(out, texts, sizeof texts);
}

void ministry_row_numbers(const struct tidy_row *row, double out[4])
{
    out[0] = row->n;
    out[1] = row->value;
    out[2] = row->lo;
    out[3] = row->hi;
}

size_t ministry_cb_rows(const struct tidy *t)
{
    return MINISTRY_NCOLUMNS + t->ncb;
}

void ministry_cb_row(const struct tidy *t, size_t i, const char *out[MINISTRY_NCB])
{
    if (i < MINISTRY_NCOLUMNS) {
        const struct ministry_column *c = &ministry_columns[i];
        const char *texts[MINISTRY_NCB] = {
            "column", NULL, c->name, ministry_type_names[c->type],
            c->unit[0] != '\0' ? c->unit : NULL, NULL, NULL,
            [MINISTRY_CB_REVERSE] = NULL, c->pl, c->en,
        };

        memcpy(out, texts, sizeof texts);
    } else {
        const struct cb_entry *e = &t->cb[i - MINISTRY_NCOLUMNS];
        const char *texts[MINISTRY_NCB] = {
            "indicator", e->survey, tidy_text(t, e->code), "number", e->unit, e->statistic,
            e->scale[0] != '\0' ? e->scale : NULL,
            [MINISTRY_CB_REVERSE] = e->reverse ? "true" : "false",
            tidy_text(t, e->label_pl), tidy_text(t, e->label_en),
        };

        memcpy(out, texts, sizeof texts);
    }
}
