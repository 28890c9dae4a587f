#include "results_table.h"

#include "agg.h"
#include "label.h"
#include "results.h"
#include "survey.h"
#include "utf8.h"
#include "vocab.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define W(pl, en) (english ? (en) : (pl))

/* The trend column: the longest word (20) and its adjusted p, " (0.123)". */
#define TREND_COLS 28

/* A dash right-aligned in cols display columns (the dash is 3 bytes of
 * UTF-8 and one column: printf's widths count bytes). */
static void dash(FILE *f, int cols)
{
    utf8_lpad(f, "—", (size_t)cols);
}

/* A number right-aligned in width columns after a space, or a dash when
 * there is none. */
static void print_num(FILE *f, double v, int width, int prec, int sign)
{
    if (!isfinite(v))
        dash(f, width + 1);
    else if (sign)
        fprintf(f, " %+*.*f", width, prec, v);
    else
        fprintf(f, " %*.*f", width, prec, v);
}

/* Prints at most max characters (not bytes) of UTF-8 text. */
static void print_utf8(FILE *f, const char *s, size_t max)
{
    size_t chars = 0, i = 0;

    for (; s[i] != '\0'; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80 && chars++ == max)
            break;
    }
    fwrite(s, 1, i, f);
}

static const char *measure_code(const struct results *r, const struct results_measure *m)
{
    return m->is_dim ? agg_dim_def(r->in->agg, m->index)->code
                     : agg_item_def(r->in->agg, m->index)->code;
}

/* The item's text, after "(odwr.)" for a reverse-coded item. */
static void print_text(FILE *f, const struct results *r, const struct results_measure *m,
                       size_t max, int english)
{
    const char *t;

    if (m->is_dim) {
        const struct survey_dimension *d = agg_dim_def(r->in->agg, m->index);

        t = english && d->label_en ? d->label_en : d->label_pl;
    } else {
        const struct survey_item *it = agg_item_def(r->in->agg, m->index);

        if (it->reverse)
            fprintf(f, "%s ", W("(odwr.)", "(rev.)"));
        t = english && it->text_en ? it->text_en : it->text_pl;
    }
    print_utf8(f, t != NULL ? t : measure_code(r, m), max);
}

/* Why a figure is hidden, in words. */
static const char *hidden_text(int flag, int english)
{
    const char *why = anon_reason_code((enum anon_flag)flag);

    if (why != NULL && strcmp(why, "protects_another_group") == 0)
        return W("ukryte, aby nie dało się odtworzyć innej małej grupy",
                 "hidden so that another small group cannot be recovered");
    return W("ukryte: mniej respondentów niż próg anonimowości",
             "hidden: fewer respondents than the anonymity threshold");
}

static void print_row(FILE *f, const struct results *r, const struct results_measure *m,
                      int english)
{
    const struct results_est *e = &m->est;

    fprintf(f, "  %-16s", measure_code(r, m));
    if (m->not_asked) {
        dash(f, 7);
        fprintf(f, "  (%s) ", W("nie zadane w tej fali", "not asked in this wave"));
        print_text(f, r, m, 40, english);
        fputc('\n', f);
        return;
    }
    if (m->hidden) {
        dash(f, 7);
        fprintf(f, "  (%s)\n", hidden_text(m->hidden, english));
        return;
    }
    if (m->choice || !isfinite(e->mean)) {
        fprintf(f, " %6.0f  ", m->choice ? m->n : e->n);
        print_text(f, r, m, 60, english);
        fputc('\n', f);
        return;
    }
    fprintf(f, " %6.0f", e->n);
    print_num(f, e->mean, 6, 2, 0);
    fprintf(f, " [");
    print_num(f, e->ci_lo, 4, 2, 0);
    fprintf(f, ",");
    print_num(f, e->ci_hi, 4, 2, 0);
    fprintf(f, "]");
    if (e->has_fav) {
        print_num(f, 100 * e->fav, 4, 0, 0);
        fprintf(f, "%%");
    } else {
        dash(f, 6);
    }
    print_num(f, m->change.present ? m->change.diff : NAN, 6, 2, 1);
    print_num(f, m->change.present && isfinite(m->change.test.p) ? m->change.test.p_adj : NAN,
              6, 3, 0);
    /* the same words as the workbooks (vocab.h), from the trend's own
     * adjusted p, shown beside the word (the p_adj column is the change's) */
    {
        char word[96] = "";
        int w;

        if (m->trend.present)
            snprintf(word, sizeof word, isfinite(m->trend.test.p_adj) ? "%s (%.3f)" : "%s",
                     vocab_trend(m->trend.slope, results_significant(&m->trend.test), english),
                     m->trend.test.p_adj);
        w = (int)utf8_width(word);
        fprintf(f, " %s%*s", word, w < TREND_COLS ? TREND_COLS - w : 0, "");
    }
    if (m->is_dim && m->alpha.present) {
        fprintf(f, " α=");
        print_num(f, m->alpha.value, 4, 2, 0);
    }
    fprintf(f, "  ");
    print_text(f, r, m, 40, english);
    fputc('\n', f);
}

void results_table_print(FILE *f, const struct results *r, const struct results_group *g,
                         int english)
{
    const struct survey *s = r->in->survey;
    const struct results_enps *enps = &g->enps;
    char kind[64], wave[32], threshold[64];

    /* the workbooks' words (label.h), inside the sentence */
    label_lower(g->type == RESULTS_CITY      ? L_CITY
                : g->type == RESULTS_NETWORK ? L_NETWORK
                                             : L_ALL_CITIES,
                english, kind, sizeof kind);
    fprintf(f, "%s — %s (%s), %s %s (%s %d)\n",
            english && s->title_en ? s->title_en : s->title_pl,
            results_group_name(g, english), kind,
            label_lower(L_WAVE, english, wave, sizeof wave), agg_wave(r->in->agg, g->wave),
            label_lower(L_THRESHOLD, english, threshold, sizeof threshold), r->threshold);
    if (g->hidden) {
        const char *t = hidden_text(g->hidden, english);

        /* the sentence's first letter in capitals: both texts begin in ASCII */
        fprintf(f, "%c%s.\n", t[0] - ('a' - 'A'), t + 1);
        return;
    }
    fprintf(f, "%s: %.0f\n\n", W("Respondenci", "Respondents"), g->respondents);
    /* each heading ends where its column's figures end (print_row) */
    fprintf(f, "  %-16s %6s %6s %-13s %5s %6s %6s %-28s\n", W("pytanie", "item"), "n",
            W("śred.", "mean"), W("95% PU", "95% CI"), W("poz.", "fav"),
            W("zmiana", "change"), "p_adj", "trend");
    for (size_t i = 0; i < g->nitems; i++)
        print_row(f, r, &g->items[i], english);
    fprintf(f, "\n  %-16s\n", W("wymiar", "dimension"));
    for (size_t i = 0; i < g->ndims; i++)
        print_row(f, r, &g->dims[i], english);
    if (enps->present && !enps->hidden)
        fprintf(f, "\neNPS: %+.1f [%+.1f, %+.1f] (n = %.0f)\n", enps->value, enps->ci_lo,
                enps->ci_hi, enps->n);
    fprintf(f, "\n%s\n",
            W("Istotne: skorygowane p (Benjamini–Hochberg) < 0,05; p_adj: zmiany, w "
              "nawiasie przy trendzie: trendu. (odwr.): pytanie odwrócone, wyższy wynik = "
              "lepiej.",
              "Significant: adjusted p (Benjamini-Hochberg) < 0.05; p_adj: the change's, in "
              "brackets by the trend: the trend's. (rev.): a reverse-coded item, a higher "
              "score is better."));
}

void results_table_weighting(FILE *f, const struct results *r, const struct results_group *g,
                             int english)
{
    struct results_wline *lines = NULL;
    size_t n = 0;

    if (results_wlines(r, g, &lines, &n) < 0) {
        fprintf(f, W("stats: uwaga: brak pamięci na opis ważenia\n",
                     "stats: warning: out of memory for the weighting's notes\n"));
        return;
    }
    for (size_t i = 0; i < n; i++)
        fprintf(f, W("stats: uwaga: %s, fala %s: %s%s\n", "stats: warning: %s, wave %s: %s%s\n"),
                lines[i].city, agg_wave(r->in->agg, g->wave), results_wline_note(&lines[i], english),
                strcmp(lines[i].method, "none") == 0
                    ? W("; użyto wag przesłanych z odpowiedziami",
                        "; the weights sent with the responses are used")
                    : "");
    free(lines);
}
