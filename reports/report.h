/*
 * report: what the three kinds of workbook (city.h, network.h, ministry.h)
 * need besides the typed results: lookups of the registry facts that are
 * not figures (regfacts.h, read by the engine: city and network names, a
 * city's staff headcount for the response rate, the date of the latest
 * response), the names of the files
 * (out/WAVE/miasto-konin-SURVEY.xlsx) and writing them safely: a report is
 * written under a temporary name beside its final one and renamed only when
 * complete, so a failure never leaves a partial file behind.
 *
 * Every figure in a report comes from the typed results model
 * (results_model.h) that the results document (results.h) is a view of, so
 * the reports show exactly what `empirie stats --json` and GET /v1/stats
 * show.
 */
#ifndef EMPIRIE_REPORT_H
#define EMPIRIE_REPORT_H

#include "regfacts.h"
#include "xlsx.h"

#include <jansson.h>
#include <stddef.h>
#include <time.h>

enum report_kind { REPORT_CITY, REPORT_NETWORK, REPORT_MINISTRY };

/* The city's name (the slug when the registry has none). */
const char *report_city_name(const struct report_meta *m, const char *slug);

/* The network's name in the language asked for (Polish when there is no
 * English name). */
const char *report_network_name(const struct report_meta *m, const char *slug, int english);

/* The city's TERC code (registry field "teryt") and voivodeship, or NULL
 * when the registry has none. */
const char *report_city_teryt(const struct report_meta *m, const char *slug);
const char *report_city_voivodeship(const struct report_meta *m, const char *slug);

/* The city's staff headcount, or 0 when the registry does not know it. */
double report_headcount(const struct report_meta *m, const char *slug);

/* True when the registry marks the city's headcount as example figures. */
int report_headcount_example(const struct report_meta *m, const char *slug);

/* The void responses (voids.h) of city (NULL: every city) in wave: stored,
 * never counted. */
double report_voids(const struct report_meta *m, const char *wave, const char *city);

/*
 * The file of a report: DIR/WAVE/miasto-SLUG-SURVEY.EXT, siec-SLUG-SURVEY,
 * ministerstwo-SURVEY (city-, network-, ministry- in English). ext without
 * the dot. -1 when it does not fit in buf.
 */
int report_path(char *buf, size_t n, const char *dir, const char *wave, enum report_kind kind,
                const char *slug, const char *survey, int english, const char *ext);

/* Creates dir and its parents (mkdir -p). */
int report_mkdirs(const char *dir, char *err, size_t errlen);

/* The temporary name of a file being written: beside it, hidden, unique to
 * this process. */
int report_tmp_path(const char *path, char *tmp, size_t n);

/* When ok, renames tmp to path; otherwise (or when the rename fails)
 * removes tmp. Returns 0 when path now holds the new file. */
int report_commit(const char *tmp, const char *path, int ok, char *err, size_t errlen);

/* What a workbook of one group (a city, a network) of r is: its name and
 * wave for the title "SURVEY: NAME, WAVE" in the workbook's language
 * (english), the subject, and where the sheets' subtitle "SURVEY · NAME ·
 * WAVE" goes. */
struct results;
struct report_group_book {
    const struct results *r;
    int english;
    const struct report_meta *meta;
    const char *name, *wave;
    enum label subject;
    char *subtitle;
    size_t sublen;
};

/*
 * Writes the workbook of one group to path: opens it in x at a temporary
 * name beside path (r's threshold, created at meta's created_at), calls
 * sheets(ctx) to write the sheets, closes it and renames it to path
 * (report_commit). -1 with err when it cannot be written; then path is
 * untouched.
 */
int report_write_group(struct xlsx *x, const struct report_group_book *b, const char *path,
                       void (*sheets)(void *ctx), void *ctx, char *err, size_t errlen);

/* The wave of r with label wave (NULL: the latest), or NULL when r has no
 * such wave; borrowed from r's input. */
const char *report_model_wave(const struct results *r, const char *wave);

#endif
