/*
 * participation_table: the table `empirie participation` prints
 * (participation.h), from the typed model: per city its responses,
 * headcount and rate, its departments below it, the total, then the
 * responses per day.
 */
#include "participation.h"

#include "label.h"
#include "utf8.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define W(pl, en) (english ? (en) : (pl))

/* The label column is at most this wide; a department's label is cut to it. */
#define LABEL_MAX 48

static void pct(FILE *f, double v, size_t width)
{
    char buf[32];

    if (isfinite(v))
        snprintf(buf, sizeof buf, "%.1f%%", 100 * v);
    else
        snprintf(buf, sizeof buf, "—");
    utf8_lpad(f, buf, width);
}

/* A count, or a dash when it is not shown (known == 0). */
static void count(FILE *f, int known, long long v, size_t width)
{
    char buf[32];

    if (known)
        snprintf(buf, sizeof buf, "%lld", v);
    else
        snprintf(buf, sizeof buf, "—");
    utf8_lpad(f, buf, width);
}

/* The responses, headcount and rate of a city, department or the total,
 * in columns of widths w. */
static void print_counts(FILE *f, int shown, long long responses, int has_heads,
                         long long headcount, double rate, const size_t w[3])
{
    fputs("  ", f);
    count(f, shown, responses, w[0]);
    fputs("  ", f);
    count(f, has_heads, headcount, w[1]);
    fputs("  ", f);
    pct(f, rate, w[2]);
}

/* "  " and the label, cut to LABEL_MAX - 1 characters and "…" when longer
 * than LABEL_MAX columns. */
static void print_label(FILE *f, const char *l, size_t namew)
{
    char label[200];

    snprintf(label, sizeof label, "  %s", l);
    if (utf8_width(label) > LABEL_MAX) {
        size_t k = 0, cols = 0;

        while (label[k] != '\0' && cols < LABEL_MAX - 1) {
            k++;
            while (((unsigned char)label[k] & 0xC0) == 0x80)
                k++;
            cols++;
        }
        snprintf(label + k, sizeof label - k, "…");
    }
    utf8_pad(f, label, namew);
}

void participation_table_print(FILE *f, const struct participation *p, int english)
{
    const struct participation_total *t = &p->total;
    const char *head[3] = { W("odpowiedzi", "responses"), W("zatrudnienie", "headcount"),
                            W("odsetek", "rate") };
    size_t w[3] = { 9, 9, 6 };
    size_t namew = 6;
    char city[32];
    int examples = 0;

    for (int k = 0; k < 3; k++)
        if (utf8_width(head[k]) > w[k])
            w[k] = utf8_width(head[k]);
    for (size_t i = 0; i < p->ncities; i++) {
        const struct participation_city *c = &p->cities[i];
        size_t cw = utf8_width(c->name);

        if (cw > namew)
            namew = cw;
        for (size_t j = 0; j < c->ndepts; j++) {
            cw = 2 + utf8_width(c->depts[j].label);
            if (cw > namew)
                namew = cw < LABEL_MAX ? cw : LABEL_MAX;
        }
    }
    fprintf(f,
            W("%s, fala %s (od %s do %s), próg anonimowości %d\n\n",
              "%s, wave %s (%s to %s), anonymity threshold %d\n\n"),
            p->survey, p->wave, p->opens_on, p->closes_on, p->threshold);
    utf8_pad(f, label_lower(L_CITY, english, city, sizeof city), namew);   /* label.h */
    for (int k = 0; k < 3; k++) {
        fputs("  ", f);
        utf8_lpad(f, head[k], w[k]);
    }
    fputc('\n', f);
    for (size_t i = 0; i < p->ncities; i++) {
        const struct participation_city *c = &p->cities[i];

        utf8_pad(f, c->name, namew);
        print_counts(f, !c->hidden, c->responses, c->headcount > 0, c->headcount, c->rate, w);
        if (c->example_headcount) {
            fprintf(f, "  (%s)", W("zatrudnienie przykładowe", "example headcount"));
            examples = 1;
        }
        fputc('\n', f);
        for (size_t j = 0; j < c->ndepts; j++) {
            const struct participation_dept *d = &c->depts[j];

            print_label(f, d->label, namew);
            print_counts(f, !d->hidden, d->responses, 1, d->headcount, d->rate, w);
            if (d->hidden)
                fprintf(f, "  (%s)", W("ukryte: próg anonimowości", "hidden: anonymity threshold"));
            fputc('\n', f);
        }
    }
    utf8_pad(f, W("razem", "total"), namew);
    print_counts(f, 1, t->responses, t->cities_with_headcount > 0, t->headcount, t->rate, w);
    fputc('\n', f);
    if (examples)
        fputs(W("(zatrudnienie przykładowe: przykładowe liczby z rejestru, nie dane miasta)\n",
                "(example headcount: example figures of the registry, not the city's)\n"),
              f);
    fputs(W("\nodpowiedzi dzień po dniu:\n", "\nresponses per day:\n"), f);
    for (size_t i = 0; i < p->ncities; i++) {
        const struct participation_city *c = &p->cities[i];

        if (c->ndays == 0)
            continue;
        fputs("  ", f);
        utf8_pad(f, c->name, namew);
        for (size_t j = 0; j < c->ndays; j++)
            fprintf(f, "%s %s %lld", j > 0 ? "," : "",
                    strlen(c->days[j].day) > 5 ? c->days[j].day + 5 : c->days[j].day,   /* MM-DD */
                    c->days[j].responses);
        fputc('\n', f);
    }
}
