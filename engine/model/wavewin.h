/*
 * wavewin: a wave's window (opens_on .. closes_on, both days included), as
 * the API and import enforce it: a response for a wave that has not opened
 * or has closed is refused (409 from the API, an error from import), unless
 * historical data is loaded on purpose (`empirie import --allow-closed-wave`,
 * `empirie serve --allow-closed-waves`). Days are the local calendar date.
 */
#ifndef EMPIRIE_WAVEWIN_H
#define EMPIRIE_WAVEWIN_H

#include "catalog.h"
#include "response.h"

#include <stddef.h>

/* Today as YYYY-MM-DD (local time). */
void wavewin_today(char out[11]);

/*
 * The default wave, the one rule for every command and route that reads a
 * survey's figures without being told which wave (stats, report,
 * participation, GET /v1/stats, /v1/reports, /v1/participation): the
 * latest wave that has opened, that is the one with the latest opens_on on
 * or before today (of two opening the same day, the later in the list). A
 * wave that opens after today is never the default, with or without
 * responses. opens_on: n dates YYYY-MM-DD (any order). The index of the
 * default, or -1 when no wave has opened (docs/survey-format.md, "Fale").
 */
long wavewin_default(const char *const *opens_on, size_t n, const char *today);

/* The same over the survey's waves in the catalog: the default wave, or NULL. */
const struct catalog_wave *wavewin_default_wave(const struct catalog *cat, const char *survey,
                                                const char *today);

/* -1 before the wave opens, 0 while it is open, 1 after it closed. */
int wavewin_state(const struct catalog_wave *w, const char *today);

/* 0 when every response's wave is open on today; else -1 with e naming the
 * first that is not (path: "wave", or "[i].wave" when array, i from pos
 * when not NULL). */
int wavewin_check(const struct catalog *cat, const struct response *items, size_t n, int array,
                  const size_t *pos, const char *today, struct response_error *e);

#endif
