/*
 * sheets: the sheets that city and network workbooks share: the title
 * lines, the trend over every wave of one group with its line charts, and
 * the methodology (definitions, threshold, the data's date, what
 * "significant" means, how a weighted survey was weighted). They read the
 * typed results model (results_model.h) and the registry facts (report.h).
 */
#ifndef EMPIRIE_SHEETS_H
#define EMPIRIE_SHEETS_H

#include "report.h"
#include "results_model.h"
#include "rmodel.h"
#include "xlsx.h"

#include <stddef.h>

/* The first rows of a sheet: a title (row 0) and a subtitle (row 1). */
void sheets_title(struct xlsx *x, lxw_worksheet *ws, const char *title, const char *subtitle);

/*
 * A sheet called name (L_TRENDS, L_NETWORK_TREND) with the dimension means
 * and eNPS of the group (type, slug) in every wave up to wave index wi, a
 * chart-data copy of the table without hidden values, line charts of the
 * dimensions and of eNPS, and the trend of each dimension (slope, adjusted
 * p, label) as of wave wi.
 */
void sheets_trends(struct xlsx *x, enum label name, const struct results *r,
                   enum results_group_type type, const char *slug, long wi,
                   const char *subtitle);

/*
 * What the methodology sheet says besides its definitions: the survey's
 * title, threshold and whether it is weighted; subject, the group's name
 * (NULL: none), and what says what it is (L_CITY, L_NETWORK); the cities
 * (ncities slugs; cities NULL: every city) whose void responses in the wave
 * it counts; weighted_to_population: the survey is post-stratified, lines
 * (nlines) its cities not weighted as the instrument asks.
 */
struct sheets_facts {
    const char *title;
    int threshold, weighted;
    const char *const *cities;
    size_t ncities;
    const char *wave;
    enum label what;
    const char *subject;
    int weighted_to_population;
    const struct results_wline *lines;
    size_t nlines;
};
void sheets_methodology_facts(struct xlsx *x, const struct report_meta *meta,
                              const struct sheets_facts *f);

/* The methodology sheet of group g (NULL: every city, as in "all") of r in
 * wave: its cities' void responses and weighting; subject and what as in
 * sheets_facts. */
void sheets_methodology_of(struct xlsx *x, const struct results *r,
                           const struct report_meta *meta, const struct results_group *g,
                           const char *wave, enum label what, const char *subject);

/* The trend's direction in the workbook's language (vocab_trend, by
 * results_significant); "" when m is hidden or has no trend. */
const char *sheets_trend_word(const struct xlsx *x, const struct results_measure *m);

/* "istotny wzrost" / "istotny spadek" / "brak istotnej zmiany" (vocab.h) for
 * a change (results_significant), or NULL when m is hidden or ch is not
 * present. */
const char *sheets_change_word(const struct xlsx *x, const struct results_measure *m,
                              const struct results_change *ch);

#endif
