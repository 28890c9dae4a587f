/* sheets: title lines, trends with charts, methodology (see sheets.h). */
#include "sheets.h"

#include "results.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void sheets_title(struct xlsx *x, lxw_worksheet *ws, const char *title, const char *subtitle)
{
    xlsx_text(x, ws, 0, 0, title, XF_TITLE);
    if (subtitle != NULL)
        xlsx_text(x, ws, 1, 0, subtitle, XF_NOTE);
}

const char *sheets_item_text(const json_t *doc, const char *code)
{
    const json_t *it = xlsx_find(xlsx_get(doc, "instrument.items"), "code", code);

    return xlsx_str(it, "text", code);
}

const char *sheets_dim_label(const json_t *doc, const char *code)
{
    const json_t *d = xlsx_find(xlsx_get(doc, "instrument.dimensions"), "code", code);

    return xlsx_str(d, "label", code);
}

int sheets_scored(const json_t *item)
{
    const char *t = xlsx_str(item, "type", "");

    return strcmp(t, "likert") == 0 || strcmp(t, "scale") == 0 || strcmp(t, "number") == 0;
}

const char *sheets_enps_item(const json_t *doc)
{
    return json_string_value(xlsx_get(doc, "instrument.enps_item"));
}

const char *sheets_trend_label(const struct xlsx *x, const json_t *measure)
{
    const char *dir = xlsx_str(measure, "trend.direction", NULL);

    if (xlsx_is_hidden(measure) || dir == NULL)
        return "";
    if (strcmp(dir, "rising") == 0)
        return xlsx_label(x, L_RISING);
    if (strcmp(dir, "falling") == 0)
        return xlsx_label(x, L_FALLING);
    return xlsx_label(x, L_NONE_TREND);
}

const char *sheets_change_label(const struct xlsx *x, const json_t *measure, const char *path)
{
    char key[64];
    const json_t *ch = xlsx_get(measure, path);

    if (xlsx_is_hidden(measure) || !json_is_object(ch))
        return NULL;
    snprintf(key, sizeof key, "%s.p_adj", path);
    if (!xlsx_significant(measure, key))
        return xlsx_label(x, L_NO);
    return xlsx_num(ch, "diff") > 0 ? xlsx_label(x, L_SIG_UP) : xlsx_label(x, L_SIG_DOWN);
}

/* ---- trends ---- */

struct trend_layout {
    const char *sheet;
    int header, first, last;   /* rows */
    int ndims, has_enps;
    int data_col;              /* first column of the chart data */
};

/* One wave's row: in the table (dashes with notes) and in the chart data
 * (hidden values left empty, so a line has a gap instead of a zero). */
static void trend_row(struct xlsx *x, lxw_worksheet *ws, const struct trend_layout *l, int row,
                      const json_t *g, const json_t *dims, const char *wave)
{
    size_t i;
    json_t *d;

    xlsx_text(x, ws, row, 0, wave, XF_PLAIN);
    xlsx_text(x, ws, row, l->data_col, wave, XF_PLAIN);
    json_array_foreach(dims, i, d) {
        const json_t *m = xlsx_find(json_object_get(g, "dimensions"), "code",
                                    xlsx_str(d, "code", NULL));

        if (xlsx_is_hidden(g))
            m = NULL;
        xlsx_figure(x, ws, row, 1 + (int)i, m, "mean", XF_DEC2);
        if (!xlsx_is_hidden(m))
            xlsx_number(x, ws, row, l->data_col + 1 + (int)i, xlsx_num(m, "mean"), XF_DEC2);
    }
    if (l->has_enps) {
        const json_t *e = xlsx_is_hidden(g) ? NULL : json_object_get(g, "enps");
        int c = 1 + l->ndims;

        xlsx_figure(x, ws, row, c, e, "value", XF_SIGNED1);
        if (!xlsx_is_hidden(e))
            xlsx_number(x, ws, row, l->data_col + c, xlsx_num(e, "value"), XF_SIGNED1);
    }
}

static void trend_charts(struct xlsx *x, lxw_worksheet *ws, const struct trend_layout *l,
                         const json_t *dims)
{
    lxw_chart *chart = xlsx_chart(x, LXW_CHART_LINE, xlsx_label(x, L_MEAN_OF_WAVES));
    int at = l->last + 2;
    size_t i;
    json_t *d;

    json_array_foreach(dims, i, d)
        xlsx_series(x, chart, l->sheet, l->first, l->data_col, l->last, l->data_col,
                    l->first, l->data_col + 1 + (int)i, l->last, l->data_col + 1 + (int)i,
                    xlsx_str(d, "label", ""));
    if (l->ndims > 0)
        xlsx_insert_chart(x, ws, at, 0, chart, 720, 320);
    if (l->has_enps) {
        lxw_chart *ec = xlsx_chart(x, LXW_CHART_LINE, xlsx_label(x, L_ENPS_TREND));
        int c = l->data_col + 1 + l->ndims;

        xlsx_series(x, ec, l->sheet, l->first, l->data_col, l->last, l->data_col, l->first, c,
                    l->last, c, "eNPS");
        xlsx_insert_chart(x, ws, at, 8, ec, 480, 320);
    }
}

/* The trend of each dimension (and eNPS) as of the report's wave. */
static void trend_summary(struct xlsx *x, lxw_worksheet *ws, int row, const json_t *g,
                          const json_t *dims, int has_enps)
{
    static const struct xlsx_col cols[] = {
        { L_CODE, NULL, 14 },   { L_DIMENSION, NULL, 34 }, { L_SLOPE, NULL, 14 },
        { L_P_ADJ, NULL, 12 },  { L_TREND, NULL, 20 },
    };
    size_t i;
    json_t *d;

    xlsx_header(x, ws, row++, 0, cols, sizeof cols / sizeof cols[0]);
    json_array_foreach(dims, i, d) {
        const char *code = xlsx_str(d, "code", "");
        const json_t *m = xlsx_is_hidden(g) ? NULL
                                            : xlsx_find(json_object_get(g, "dimensions"), "code",
                                                        code);

        xlsx_text(x, ws, row, 0, code, XF_PLAIN);
        xlsx_text(x, ws, row, 1, xlsx_str(d, "label", code), XF_PLAIN);
        xlsx_figure(x, ws, row, 2, m, "trend.slope", XF_SIGNED2);
        xlsx_figure(x, ws, row, 3, m, "trend.p_adj", XF_PVAL);
        xlsx_text(x, ws, row++, 4, sheets_trend_label(x, m), XF_PLAIN);
    }
    if (has_enps) {
        const json_t *e = xlsx_is_hidden(g) ? NULL : json_object_get(g, "enps");

        xlsx_text(x, ws, row, 0, "enps", XF_PLAIN);
        xlsx_label_cell(x, ws, row, 1, L_ENPS, XF_PLAIN);
        xlsx_figure(x, ws, row, 2, e, "trend.slope", XF_SIGNED1);
        xlsx_figure(x, ws, row, 3, e, "trend.p_adj", XF_PVAL);
        xlsx_text(x, ws, row, 4, sheets_trend_label(x, e), XF_PLAIN);
    }
}

void sheets_trends(struct xlsx *x, enum xlsx_label name, json_t *doc, const char *type,
                   const char *slug, long wi, const char *subtitle)
{
    const json_t *dims = xlsx_get(doc, "instrument.dimensions");
    const json_t *waves = json_object_get(doc, "waves");
    struct trend_layout l;
    lxw_worksheet *ws;
    struct xlsx_col col = { L_COUNT, NULL, 16 };

    memset(&l, 0, sizeof l);
    l.sheet = xlsx_label(x, name);
    l.ndims = (int)json_array_size(dims);
    l.has_enps = sheets_enps_item(doc) != NULL;
    l.header = 2;
    l.first = 3;
    l.last = l.first + (int)wi;
    l.data_col = l.ndims + l.has_enps + 2;
    ws = xlsx_sheet(x, l.sheet);
    if (ws == NULL)
        return;
    sheets_title(x, ws, l.sheet, subtitle);
    xlsx_label_cell(x, ws, l.header, 0, L_WAVE, XF_HEAD);
    xlsx_text(x, ws, l.header - 1, l.data_col, xlsx_label(x, L_CHART_DATA), XF_NOTE);
    xlsx_label_cell(x, ws, l.header, l.data_col, L_WAVE, XF_HEAD);
    for (int i = 0; i <= l.ndims + l.has_enps; i++) {
        const char *h = i == 0 ? NULL
                        : i <= l.ndims ? xlsx_str(json_array_get(dims, (size_t)i - 1), "label", "")
                                       : "eNPS";

        col.text = h;
        if (i > 0) {
            xlsx_header(x, ws, l.header, i, &col, 1);
            xlsx_header(x, ws, l.header, l.data_col + i, &col, 1);
        }
    }
    for (long w = 0; w <= wi; w++) {
        const char *label = xlsx_str(json_array_get(waves, (size_t)w), "label", "");
        const json_t *g = results_group(doc, label, type, slug);

        trend_row(x, ws, &l, l.first + (int)w, g, dims, label);
    }
    xlsx_table(x, ws, l.header, l.last, 1 + l.ndims + l.has_enps);
    trend_charts(x, ws, &l, dims);
    {
        const char *label = xlsx_str(json_array_get(waves, (size_t)wi), "label", "");

        trend_summary(x, ws, l.last + 20, results_group(doc, label, type, slug), dims,
                      l.has_enps);
    }
}

/* ---- methodology ---- */

struct term {
    const char *pl, *en;
};

static const struct term terms[][2] = {
    { { "n", "n" },
      { "Liczba osób, które odpowiedziały na pytanie (odpowiedzi „nie wiem” nie są liczone).",
        "The number of people who answered the item (\"don't know\" is not counted)." } },
    { { "Średnia", "Mean" },
      { "Średnia odpowiedzi na skali pytania, po odwróceniu pytań sformułowanych negatywnie; "
        "w badaniu młodzieży ważona wagami poststratyfikacyjnymi.",
        "The mean answer on the item's scale after reverse-coding negatively worded items; "
        "weighted with post-stratification weights in the youth survey." } },
    { { "95% PU", "95% CI" },
      { "95-procentowy przedział ufności średniej (rozkład t Studenta).",
        "The 95% confidence interval of the mean (Student's t)." } },
    { { "% pozytywnych", "% favourable" },
      { "Odsetek odpowiedzi w najwyższych punktach skali (np. 4 i 5 na skali 1–5), z przedziałem "
        "ufności Wilsona.",
        "The share of answers in the top points of the scale (e.g. 4 and 5 on 1-5), with a "
        "Wilson confidence interval." } },
    { { "Wymiar", "Dimension" },
      { "Średnia pytań wymiaru dla osób, które odpowiedziały na wymaganą ich liczbę; spójność "
        "mierzy alfa Cronbacha (z przedziałem Feldta).",
        "The mean of the dimension's items for people who answered enough of them; alpha "
        "(Cronbach, with Feldt's interval) measures their consistency." } },
    { { "eNPS", "eNPS" },
      { "Odsetek promotorów (9–10) minus odsetek krytyków (0–6) w pytaniu o polecenie urzędu "
        "jako pracodawcy, w punktach od −100 do 100.",
        "Promoters (9-10) minus detractors (0-6) in the question on recommending the office as "
        "an employer, in points from -100 to 100." } },
    { { "Zmiana", "Change" },
      { "Różnica względem poprzedniej fali; test t Welcha dla średnich, test dwóch proporcji dla "
        "odsetków.",
        "The difference from the previous wave; Welch's t-test for means, a two-proportion test "
        "for shares." } },
    { { "Istotna", "Significant" },
      { "Skorygowane p (Benjamini–Hochberg, w obrębie wyników jednej grupy) mniejsze niż 0,05. "
        "Komórki istotnych zmian są wyróżnione.",
        "An adjusted p (Benjamini-Hochberg, within the figures of one group) below 0.05. "
        "Significant changes are highlighted." } },
    { { "Trend", "Trend" },
      { "Nachylenie prostej dopasowanej ważoną metodą najmniejszych kwadratów do średnich ze "
        "wszystkich fal (na rok).",
        "The slope of a weighted least-squares line through the means of all waves (per year)." } },
    { { "Porównanie z siecią", "Network comparison" },
      { "Miasto wobec pozostałych miast członkowskich sieci (test t Welcha) i pozycja miasta w "
        "sieci. Miasta obserwatorzy nie wchodzą do wyników sieci.",
        "The city against the network's other member cities (Welch's t-test) and its rank in "
        "the network. Observer cities are not part of a network's figures." } },
    { { "Ukryte wartości (—)", "Hidden values (—)" },
      { "Wartości grup mniejszych niż próg anonimowości są ukryte, podobnie jak wartości, z "
        "których dałoby się je odtworzyć. Komórka ma wtedy kreskę i notatkę.",
        "Figures of groups smaller than the anonymity threshold are hidden, and so are figures "
        "that would let one recover them. Such a cell holds a dash and a note." } },
};

/* The void responses of wave in cities (an array of slugs; NULL: all). */
static double voided(const struct report_meta *meta, const json_t *cities, const char *wave)
{
    size_t wl = strlen(wave);
    const char *key;
    json_t *v;
    double n = 0;

    json_object_foreach(meta->voids, key, v) {
        size_t i;
        json_t *c;

        if (strncmp(key, wave, wl) != 0 || key[wl] != '/')
            continue;
        if (cities == NULL) {
            n += json_number_value(v);
            continue;
        }
        json_array_foreach(cities, i, c)
            if (strcmp(json_string_value(c), key + wl + 1) == 0)
                n += json_number_value(v);
    }
    return n;
}

static void methodology_facts(struct xlsx *x, lxw_worksheet *ws, int *row, const json_t *doc,
                              const struct report_meta *meta, const json_t *cities,
                              const char *wave, enum xlsx_label what, const char *subject)
{
    xlsx_label_cell(x, ws, *row, 0, L_SURVEY, XF_BOLD);
    xlsx_text(x, ws, (*row)++, 1, xlsx_str(doc, "title", ""), XF_WRAP);
    if (subject != NULL) {
        xlsx_label_cell(x, ws, *row, 0, what, XF_BOLD);
        xlsx_text(x, ws, (*row)++, 1, subject, XF_WRAP);
    }
    xlsx_label_cell(x, ws, *row, 0, L_WAVE, XF_BOLD);
    xlsx_text(x, ws, (*row)++, 1, wave, XF_PLAIN);
    xlsx_label_cell(x, ws, *row, 0, L_THRESHOLD, XF_BOLD);
    xlsx_number(x, ws, (*row)++, 1, xlsx_num(doc, "threshold"), XF_INT);
    xlsx_label_cell(x, ws, *row, 0, L_DATA_DATE, XF_BOLD);
    xlsx_text(x, ws, (*row)++, 1, meta->data_date[0] ? meta->data_date : "—", XF_PLAIN);
    xlsx_label_cell(x, ws, *row, 0, L_CREATED, XF_BOLD);
    xlsx_text(x, ws, (*row)++, 1, meta->created, XF_PLAIN);
    /* responses set aside with `empirie responses void`: stored, never counted */
    xlsx_label_cell(x, ws, *row, 0, L_VOIDED, XF_BOLD);
    xlsx_number(x, ws, (*row)++, 1, voided(meta, cities, wave), XF_INT);
}

/* The engine's notes (engine/weights.c) in Polish; others stay as given. */
static const char *note_pl(const char *note)
{
    static const char *const pl[][2] = {
        { "no population figures in the registry", "brak danych o ludności w rejestrze" },
        { "cells could not be used; raked to their margins",
          "nie dało się użyć pełnych komórek; raking do rozkładów brzegowych" },
        { "raking did not converge; not weighted to the population",
          "raking nie zbiegł się; bez ważenia do struktury ludności" },
        { "a category with population figures has no respondents (collapse categories); "
          "not weighted to the population",
          "kategoria z danymi o ludności nie ma respondentów (połącz kategorie); bez ważenia "
          "do struktury ludności" },
        { "population figures give neither cells nor margins",
          "dane o ludności nie podają ani komórek, ani rozkładów brzegowych" },
    };

    for (size_t i = 0; i < sizeof pl / sizeof pl[0]; i++)
        if (strcmp(note, pl[i][0]) == 0)
            return pl[i][1];
    return note;
}

/* A weighted survey: how the weights were made and their standard errors,
 * then one line per visible city of the group whose sample was not weighted
 * as the instrument asks (results_weighting; docs/results.md). */
static void methodology_weighting(struct xlsx *x, lxw_worksheet *ws, int *row, const json_t *doc,
                                  const char *wave, const json_t *group)
{
    json_t *all = group == NULL ? results_group((json_t *)doc, wave, "all", NULL) : NULL;
    json_t *wt, *e;
    size_t i;

    if (group == NULL && all == NULL)
        return;
    wt = results_weighting((json_t *)doc, (json_t *)(group != NULL ? group : all));
    if (!json_is_object(wt)) {
        json_decref(wt);
        return;
    }
    xlsx_label_cell(x, ws, *row, 0, L_WEIGHTING, XF_BOLD);
    xlsx_text(x, ws, (*row)++, 1,
              x->english
                  ? "Each city's sample is weighted to its population (post-stratification on "
                    "full cells, or raking to the margins); the standard errors are those of the "
                    "calibrated estimator (R survey's postStratify / calibrate)."
                  : "Próba każdego miasta jest ważona do struktury jego ludności "
                    "(poststratyfikacja w pełnych komórkach albo raking do rozkładów brzegowych); "
                    "błędy standardowe uwzględniają kalibrację wag (jak postStratify / calibrate "
                    "w pakiecie survey dla R).",
              XF_WRAP);
    json_array_foreach(json_object_get(wt, "by_city"), i, e) {
        const char *city = xlsx_str(e, "city", ""), *note = xlsx_str(e, "note", "");
        char line[512];

        if (note[0] == '\0')
            continue;
        snprintf(line, sizeof line, "%s: %s%s", city,
                 strcmp(xlsx_str(e, "method", ""), "none") == 0
                     ? (x->english ? "not weighted to the population: "
                                   : "nie ważono do struktury ludności: ")
                     : (x->english ? "raked: " : "raking: "),
                 x->english ? note : note_pl(note));
        xlsx_text(x, ws, (*row)++, 1, line, XF_WRAP);
    }
    json_decref(wt);
}

void sheets_methodology(struct xlsx *x, const json_t *doc, const struct report_meta *meta,
                        const json_t *cities, const char *wave, enum xlsx_label what,
                        const char *subject, const json_t *group)
{
    static const struct xlsx_col cols[] = { { L_TERM, NULL, 28 }, { L_DEFINITION, NULL, 100 } };
    lxw_worksheet *ws = xlsx_sheet(x, xlsx_label(x, L_METHODOLOGY));
    int row = 2;

    if (ws == NULL)
        return;
    sheets_title(x, ws, xlsx_label(x, L_METHODOLOGY), NULL);
    methodology_facts(x, ws, &row, doc, meta, cities, wave, what, subject);
    methodology_weighting(x, ws, &row, doc, wave, group);
    row++;
    xlsx_header(x, ws, row++, 0, cols, 2);
    for (size_t i = 0; i < sizeof terms / sizeof terms[0]; i++) {
        xlsx_text(x, ws, row, 0, x->english ? terms[i][0].en : terms[i][0].pl, XF_BOLD);
        xlsx_text(x, ws, row++, 1, x->english ? terms[i][1].en : terms[i][1].pl, XF_WRAP);
    }
}
