/* sheets: title lines, trends with charts, methodology (see sheets.h). */
#include "sheets.h"

#include "agg.h"
#include "results.h"
#include "vocab.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sheets_title(struct xlsx *x, lxw_worksheet *ws, const char *title, const char *subtitle)
{
    xlsx_text(x, ws, 0, 0, title, XF_TITLE);
    if (subtitle != NULL)
        xlsx_text(x, ws, 1, 0, subtitle, XF_NOTE);
}

const char *sheets_trend_word(const struct xlsx *x, const struct results_measure *m)
{
    if (!rmodel_shown(m) || !m->trend.present)
        return "";
    return vocab_trend(m->trend.slope, results_significant(&m->trend.test), x->english);
}

const char *sheets_change_word(const struct xlsx *x, const struct results_measure *m,
                               const struct results_change *ch)
{
    if (!rmodel_shown(m) || !ch->present)
        return NULL;
    return vocab_change(ch->diff, results_significant(&ch->test), x->english);
}

/* ---- trends ---- */

struct trend_layout {
    const char *sheet;         /* the visible sheet */
    const char *data_sheet;    /* the hidden sheet the charts read */
    int header, first, last;   /* rows */
    int ndims, has_enps;
};

/* One wave's row: in the table (dashes with notes) and in the chart data
 * on the hidden sheet (hidden values left empty, so a line has a gap
 * instead of a zero). g NULL: no group in that wave. */
static void trend_row(struct xlsx *x, lxw_worksheet *ws, lxw_worksheet *data,
                      const struct trend_layout *l, int row, const struct results_group *g,
                      const char *wave)
{
    /* a hidden group: its own reason in every cell */
    int gwhy = g == NULL ? XLSX_UNTOLD : g->hidden;

    xlsx_text(x, ws, row, 0, wave, XF_PLAIN);
    xlsx_text(x, data, row, 0, wave, XF_PLAIN);
    for (int i = 0; i < l->ndims; i++) {
        const struct results_measure *m = gwhy ? NULL : rmodel_dim(g, (size_t)i);
        int why = gwhy ? gwhy : rmodel_why(m);

        xlsx_value(x, ws, row, 1 + i, why, why ? NAN : m->est.mean, XF_DEC2);
        if (!why)
            xlsx_number(x, data, row, 1 + i, m->est.mean, XF_DEC2);
    }
    if (l->has_enps) {
        int c = 1 + l->ndims;
        int why = gwhy ? gwhy : g->enps.hidden;
        double v = !why && g->enps.present ? g->enps.value : NAN;

        xlsx_value(x, ws, row, c, why, v, XF_SIGNED1);
        if (!why)
            xlsx_number(x, data, row, c, v, XF_SIGNED1);
    }
}

/* Distinct colours (a colour-blind-safe qualitative set) and markers, one
 * per line. */
static const lxw_color_t line_colors[] = { 0x0072B2, 0xE69F00, 0x009E73, 0xCC79A7,
                                           0x56B4E9, 0xD55E00, 0x000000, 0xF0E442 };
static const uint8_t line_markers[] = { LXW_CHART_MARKER_CIRCLE,  LXW_CHART_MARKER_SQUARE,
                                        LXW_CHART_MARKER_DIAMOND, LXW_CHART_MARKER_TRIANGLE,
                                        LXW_CHART_MARKER_X,       LXW_CHART_MARKER_STAR,
                                        LXW_CHART_MARKER_PLUS,    LXW_CHART_MARKER_CIRCLE };

static void style_line(lxw_chart_series *s, size_t i)
{
    lxw_chart_line line;
    lxw_chart_fill fill;

    if (s == NULL)
        return;
    memset(&line, 0, sizeof line);
    memset(&fill, 0, sizeof fill);
    line.color = line_colors[i % 8];
    line.width = 2.25;
    fill.color = line_colors[i % 8];
    chart_series_set_line(s, &line);
    chart_series_set_marker_type(s, line_markers[i % 8]);
    chart_series_set_marker_size(s, 7);
    chart_series_set_marker_line(s, &line);
    chart_series_set_marker_fill(s, &fill);
}

static void value_axis(lxw_chart *chart, double lo, double hi, double unit, const char *name,
                       const char *fmt)
{
    chart_axis_set_min(chart->y_axis, lo);
    chart_axis_set_max(chart->y_axis, hi);
    chart_axis_set_major_unit(chart->y_axis, unit);
    chart_axis_set_name(chart->y_axis, name);
    chart_axis_set_num_format(chart->y_axis, fmt);
}

/* The answer range of dimension d's items (1-5 for the staff survey); 1-5
 * when it has none. */
static void dim_scale(const struct results *r, size_t d, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t k = 0; k < r->nitems; k++) {
        const struct survey_item *it = agg_item_def(r->in->agg, k);

        if (it->type == SURVEY_TEXT || it->dimension != (int)d)
            continue;
        if (it->min < *lo)
            *lo = it->min;
        if (it->max > *hi)
            *hi = it->max;
    }
    if (!isfinite(*lo) || !isfinite(*hi) || *hi <= *lo) {
        *lo = 1;
        *hi = 5;
    }
}

/* The dimensions' means over the waves: one chart per answer range (the
 * youth survey's 1-4 and 1-5 dimensions apart), its axis on that range;
 * then the eNPS chart. Each starts on the page where it fits whole. */
static void trend_charts(struct xlsx *x, lxw_worksheet *ws, const struct trend_layout *l,
                         const struct results *r, int at)
{
    double lo[32], hi[32];
    char done[32];
    int nscales = 0;

    for (int i = 0; i < l->ndims; i++) {
        dim_scale(r, (size_t)i, &lo[i], &hi[i]);
        done[i] = 0;
        nscales++;
        for (int j = 0; j < i; j++)
            if (lo[j] == lo[i] && hi[j] == hi[i]) {
                nscales--;
                break;
            }
    }
    for (int i = 0; i < l->ndims; i++) {
        char title[160], name[120];
        lxw_chart *chart;

        if (done[i])
            continue;
        if (nscales > 1)
            snprintf(title, sizeof title, "%s (%g–%g)", xlsx_label(x, L_MEAN_OF_WAVES), lo[i],
                     hi[i]);
        else
            snprintf(title, sizeof title, "%s", xlsx_label(x, L_MEAN_OF_WAVES));
        chart = xlsx_chart(x, LXW_CHART_LINE, title);
        for (int j = i; j < l->ndims; j++) {
            if (done[j] || lo[j] != lo[i] || hi[j] != hi[i])
                continue;
            done[j] = 1;
            style_line(xlsx_series(x, chart, l->data_sheet, l->first, 0, l->last, 0, l->first,
                                   1 + j, l->last, 1 + j,
                                   rmodel_dim_label(r, (size_t)j, x->english)),
                       (size_t)j);
        }
        if (chart != NULL) {
            snprintf(name, sizeof name, "%s (%g–%g)", xlsx_label(x, L_MEAN), lo[i], hi[i]);
            value_axis(chart, lo[i], hi[i], 0.5, name, "0.0");
            chart_axis_set_name(chart->x_axis, xlsx_label(x, L_WAVE));
            chart_legend_set_position(chart, LXW_CHART_LEGEND_RIGHT);
        }
        at = xlsx_place_chart(x, ws, at, 0, chart, 760, 340);
    }
    if (l->has_enps) {
        lxw_chart *ec = xlsx_chart(x, LXW_CHART_LINE, xlsx_label(x, L_ENPS_TREND));
        int c = 1 + l->ndims;

        style_line(xlsx_series(x, ec, l->data_sheet, l->first, 0, l->last, 0, l->first, c,
                               l->last, c, "eNPS"),
                   0);
        if (ec != NULL) {
            value_axis(ec, -100, 100, 25, xlsx_label(x, L_ENPS_AXIS), "+0;-0;0");
            chart_axis_set_name(ec->x_axis, xlsx_label(x, L_WAVE));
            /* the years along the bottom, not on the zero line */
            chart_axis_set_label_position(ec->x_axis, LXW_CHART_AXIS_LABEL_POSITION_LOW);
            chart_legend_set_position(ec, LXW_CHART_LEGEND_NONE);
        }
        /* below the first chart, never over a table */
        xlsx_place_chart(x, ws, at, 0, ec, 760, 300);
    }
}

/* One row of the trends' summary: m's slope, adjusted p and word; why for
 * a hidden one. */
static void trend_line(struct xlsx *x, lxw_worksheet *ws, int row, int why,
                       const struct results_measure *m, enum xlsx_fmt f)
{
    const struct results_trend *tr = why ? NULL : &m->trend;

    xlsx_value(x, ws, row, 2, why, tr != NULL && tr->present ? tr->slope : NAN, f);
    xlsx_value(x, ws, row, 3, why,
               tr != NULL && tr->present && isfinite(tr->test.p) ? tr->test.p_adj : NAN,
               XF_PVAL);
    xlsx_text(x, ws, row, 4, why ? "" : sheets_trend_word(x, m), XF_PLAIN);
}

/* The trend of each dimension (and eNPS) as of the report's wave. */
static void trend_summary(struct xlsx *x, lxw_worksheet *ws, int row, const struct results *r,
                          const struct results_group *g, int has_enps)
{
    static const struct xlsx_col cols[] = {
        { L_CODE, NULL, 14 },   { L_DIMENSION, NULL, 34 }, { L_SLOPE, NULL, 14 },
        { L_P_ADJ, NULL, 13 },  { L_TREND, NULL, 20 },
    };
    int gwhy = g == NULL ? XLSX_UNTOLD : g->hidden;

    xlsx_header(x, ws, row++, 0, cols, sizeof cols / sizeof cols[0]);
    for (size_t d = 0; d < r->ndims; d++) {
        const struct results_measure *m = gwhy ? NULL : rmodel_dim(g, d);

        xlsx_text(x, ws, row, 0, agg_dim_def(r->in->agg, d)->code, XF_PLAIN);
        xlsx_text(x, ws, row, 1, rmodel_dim_label(r, d, x->english), XF_PLAIN);
        trend_line(x, ws, row++, gwhy ? gwhy : rmodel_why(m), m, XF_SIGNED2);
    }
    if (has_enps) {
        struct results_measure e;

        if (!gwhy)
            rmodel_enps_as(&g->enps, &e);
        xlsx_text(x, ws, row, 0, "enps", XF_PLAIN);
        xlsx_label_cell(x, ws, row, 1, L_ENPS, XF_PLAIN);
        trend_line(x, ws, row, gwhy ? gwhy : e.hidden, &e, XF_SIGNED1);
    }
}

void sheets_trends(struct xlsx *x, enum label name, const struct results *r,
                   enum results_group_type type, const char *slug, long wi,
                   const char *subtitle)
{
    struct trend_layout l;
    lxw_worksheet *ws, *data;
    struct xlsx_col cols[34];
    int ncols;

    memset(&l, 0, sizeof l);
    l.sheet = xlsx_label(x, name);
    l.data_sheet = xlsx_label(x, L_CHART_DATA_SHEET);
    l.ndims = (int)r->ndims;
    if (l.ndims > 32)
        l.ndims = 32;
    l.has_enps = rmodel_enps_item(r) >= 0;
    l.header = 2;
    l.first = 3;
    l.last = l.first + (int)wi;
    ws = xlsx_sheet(x, l.sheet);
    /* The charts' data on a hidden sheet of its own: out of sight, and
     * without the dashes of hidden values (a gap, not a zero). */
    data = xlsx_sheet(x, l.data_sheet);
    if (ws == NULL || data == NULL)
        return;
    worksheet_hide(data);
    sheets_title(x, ws, l.sheet, subtitle);
    xlsx_text(x, data, 0, 0, xlsx_label(x, L_CHART_DATA), XF_NOTE);
    cols[0] = (struct xlsx_col){ L_WAVE, NULL, 10 };
    for (int i = 1; i <= l.ndims + l.has_enps; i++)
        cols[i] = (struct xlsx_col){ L_COUNT,
                                     i <= l.ndims ? rmodel_dim_label(r, (size_t)i - 1,
                                                                     x->english)
                                                  : "eNPS",
                                     16 };
    ncols = 1 + l.ndims + l.has_enps;
    /* one call per row: its height fits the longest label */
    xlsx_header(x, ws, l.header, 0, cols, (size_t)ncols);
    xlsx_header(x, data, l.header, 0, cols, (size_t)ncols);
    for (long w = 0; w <= wi; w++) {
        const char *label = agg_wave(r->in->agg, (size_t)w);

        trend_row(x, ws, data, &l, l.first + (int)w, results_find(r, label, type, slug), label);
    }
    xlsx_table(x, ws, l.header, l.last, ncols);
    trend_summary(x, ws, l.last + 2, r,
                  results_find(r, agg_wave(r->in->agg, (size_t)wi), type, slug), l.has_enps);
    /* the charts below both tables */
    trend_charts(x, ws, &l, r, l.last + 2 + l.ndims + l.has_enps + 3);
    /* a fixed scale and a page break above a chart that would not fit */
    xlsx_print_charts(x, ws, ncols > 5 ? ncols : 5);
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
        "Ta jedna reguła stoi za każdym słowem („istotny wzrost”, „rośnie”, „istotna różnica”) "
        "i każdym wyróżnieniem; komórki istotnych zmian są wyróżnione.",
        "An adjusted p (Benjamini-Hochberg, within the figures of one group) below 0.05. "
        "This one rule is behind every word (\"significant rise\", \"rising\", \"significant "
        "difference\") and every highlight; significant changes are highlighted." } },
    { { "Trend", "Trend" },
      { "Nachylenie prostej dopasowanej ważoną metodą najmniejszych kwadratów do średnich z "
        "fal, w których zadano pytanie (na rok); „rośnie” lub „spada”, gdy skorygowane p < 0,05, "
        "inaczej „bez wyraźnego trendu”.",
        "The slope of a weighted least-squares line through the means of the waves that asked "
        "the item (per year); \"rising\" or \"falling\" when the adjusted p < 0.05, else \"no "
        "clear trend\"." } },
    { { "Porównanie z siecią", "Network comparison" },
      { "Miasto wobec pozostałych miast członkowskich sieci (test t Welcha) i pozycja miasta w "
        "sieci. Miasta obserwatorzy nie wchodzą do wyników sieci.",
        "The city against the network's other member cities (Welch's t-test) and its rank in "
        "the network. Observer cities are not part of a network's figures." } },
    { { "Pytanie odwrócone", "Reversed item" },
      { "Pytanie sformułowane negatywnie (np. „Obawiam się zgłaszać…”), oznaczone „(pytanie "
        "odwrócone: wyższy wynik = lepiej)”. Rozkład pokazuje odpowiedzi tak, jak je udzielono, "
        "pod etykietami pytania; średnia, % pozytywnych (tu: odsetek osób, które się nie "
        "zgadzają), zmiana i trend są liczone na skali odwróconej, na której wyższy wynik jest "
        "lepszy.",
        "A negatively worded item (e.g. \"I am afraid to report...\"), marked \"(reversed item: "
        "a higher score is better)\". The distribution shows the answers as given, under the "
        "item's labels; the mean, % favourable (here: the share who disagree), change and "
        "trend are on the reversed scale, where higher is better." } },
    { { "Pytanie nie zadane", "Item not asked" },
      { "Pytanie, którego nie było w wersji kwestionariusza danej fali, nie ma wiersza ani "
        "słupka w tej fali; jego trend obejmuje tylko fale, w których je zadano.",
        "An item the wave's version of the questionnaire did not ask has no row or bar in that "
        "wave; its trend covers only the waves that asked it." } },
    { { "Ukryte wartości (—)", "Hidden values (—)" },
      { "Wartości grup mniejszych niż próg anonimowości są ukryte, podobnie jak wartości, z "
        "których dałoby się je odtworzyć. Komórka ma wtedy kreskę i notatkę.",
        "Figures of groups smaller than the anonymity threshold are hidden, and so are figures "
        "that would let one recover them. Such a cell holds a dash and a note." } },
};

/* The void responses of wave in cities (n slugs; NULL: all). */
static double voided(const struct report_meta *meta, const char *const *cities, size_t ncities,
                     const char *wave)
{
    double n = 0;

    if (cities == NULL)
        return report_voids(meta, wave, NULL);
    for (size_t i = 0; i < ncities; i++)
        n += report_voids(meta, wave, cities[i]);
    return n;
}

static void methodology_facts(struct xlsx *x, lxw_worksheet *ws, int *row,
                              const struct report_meta *meta, const struct sheets_facts *f)
{
    xlsx_label_cell(x, ws, *row, 0, L_SURVEY, XF_BOLD);
    xlsx_wrapped(x, ws, (*row)++, 1, f->title, 100, XF_WRAP);
    if (f->subject != NULL) {
        xlsx_label_cell(x, ws, *row, 0, f->what, XF_BOLD);
        xlsx_wrapped(x, ws, (*row)++, 1, f->subject, 100, XF_WRAP);
    }
    xlsx_label_cell(x, ws, *row, 0, L_WAVE, XF_BOLD);
    xlsx_text(x, ws, (*row)++, 1, f->wave, XF_PLAIN);
    xlsx_label_cell(x, ws, *row, 0, L_THRESHOLD, XF_BOLD);
    xlsx_number(x, ws, (*row)++, 1, f->threshold, XF_INT);
    xlsx_label_cell(x, ws, *row, 0, L_DATA_DATE, XF_BOLD);
    xlsx_text(x, ws, (*row)++, 1, meta->data_date[0] ? meta->data_date : "—", XF_PLAIN);
    xlsx_label_cell(x, ws, *row, 0, L_CREATED, XF_BOLD);
    xlsx_text(x, ws, (*row)++, 1, meta->created, XF_PLAIN);
    /* responses set aside with `empirie responses void`: stored, never counted */
    xlsx_label_cell(x, ws, *row, 0, L_VOIDED, XF_BOLD);
    xlsx_number(x, ws, (*row)++, 1, voided(meta, f->cities, f->ncities, f->wave), XF_INT);
}

/* A weighted survey: how the weights were made and their standard errors,
 * then one line per visible city of the group whose sample was not weighted
 * as the instrument asks (results_wlines; docs/results.md). */
static void methodology_weighting(struct xlsx *x, lxw_worksheet *ws, int *row,
                                  const struct sheets_facts *f)
{
    if (!f->weighted_to_population)
        return;
    xlsx_label_cell(x, ws, *row, 0, L_WEIGHTING, XF_BOLD);
    xlsx_wrapped(x, ws, (*row)++, 1,
              x->english
                  ? "Each city's sample is weighted to its population (post-stratification on "
                    "full cells, or raking to the margins); the standard errors are those of the "
                    "calibrated estimator (R survey's postStratify / calibrate)."
                  : "Próba każdego miasta jest ważona do struktury jego ludności "
                    "(poststratyfikacja w pełnych komórkach albo raking do rozkładów brzegowych); "
                    "błędy standardowe uwzględniają kalibrację wag (jak postStratify / calibrate "
                    "w pakiecie survey dla R).",
              100, XF_WRAP);
    for (size_t i = 0; i < f->nlines; i++) {
        const struct results_wline *e = &f->lines[i];
        char line[512];

        if (e->note[0] == '\0')
            continue;
        snprintf(line, sizeof line, "%s: %s%s", e->city,
                 strcmp(e->method, "none") == 0
                     ? (x->english ? "not weighted to the population: "
                                   : "nie ważono do struktury ludności: ")
                     : (x->english ? "raked: " : "raking: "),
                 results_wline_note(e, x->english));
        xlsx_wrapped(x, ws, (*row)++, 1, line, 100, XF_WRAP);
    }
}

void sheets_methodology_facts(struct xlsx *x, const struct report_meta *meta,
                              const struct sheets_facts *f)
{
    static const struct xlsx_col cols[] = { { L_TERM, NULL, 28 }, { L_DEFINITION, NULL, 100 } };
    lxw_worksheet *ws = xlsx_sheet(x, xlsx_label(x, L_METHODOLOGY));
    int row = 2;

    if (ws == NULL)
        return;
    sheets_title(x, ws, xlsx_label(x, L_METHODOLOGY), NULL);
    methodology_facts(x, ws, &row, meta, f);
    methodology_weighting(x, ws, &row, f);
    row++;
    xlsx_header(x, ws, row++, 0, cols, 2);
    for (size_t i = 0; i < sizeof terms / sizeof terms[0]; i++) {
        const char *def = x->english ? terms[i][1].en : terms[i][1].pl;

        /* the methodology of this survey: weights only where there are */
        if (i == 1 && !f->weighted)
            def = x->english ? "The mean answer on the item's scale after reverse-coding "
                               "negatively worded items (unweighted)."
                             : "Średnia odpowiedzi na skali pytania, po odwróceniu pytań "
                               "sformułowanych negatywnie (bez wag).";
        xlsx_text(x, ws, row, 0, x->english ? terms[i][0].en : terms[i][0].pl, XF_BOLD);
        xlsx_wrapped(x, ws, row++, 1, def, 100, XF_WRAP);
    }
}

void sheets_methodology_of(struct xlsx *x, const struct results *r,
                           const struct report_meta *meta, const struct results_group *g,
                           const char *wave, enum label what, const char *subject)
{
    const struct results_group *wg = g != NULL ? g : results_find(r, wave, RESULTS_ALL, NULL);
    struct results_wline *lines = NULL;
    struct sheets_facts f;
    int wt = 0;

    memset(&f, 0, sizeof f);
    f.title = rmodel_title(r, x->english);
    f.threshold = r->threshold;
    f.weighted = r->weighted;
    if (g != NULL && g->type == RESULTS_CITY) {
        f.cities = &g->slug;
        f.ncities = 1;
    } else if (g != NULL && g->network != NULL) {
        f.cities = g->network->members;
        f.ncities = g->network->nmembers;
    }
    f.wave = wave;
    f.what = what;
    f.subject = subject;
    if (wg != NULL) {
        wt = results_wlines(r, wg, &lines, &f.nlines);
        if (wt < 0)
            xlsx_check(x, LXW_ERROR_MEMORY_MALLOC_FAILED, "the weighting");
    }
    f.weighted_to_population = wt > 0;
    f.lines = lines;
    sheets_methodology_facts(x, meta, &f);
    free(lines);
}
