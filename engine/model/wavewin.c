#include "wavewin.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void wavewin_today(char out[11])
{
    time_t now = time(NULL);
    struct tm tm;

    if (localtime_r(&now, &tm) == NULL || strftime(out, 11, "%Y-%m-%d", &tm) != 10)
        snprintf(out, 11, "9999-12-31");   /* no clock: every wave counts as closed */
}

/* The rule of wavewin_default: a wave opening on cand has opened by today
 * and opens no earlier than the best so far (NULL: none yet). YYYY-MM-DD
 * compares as text. */
static int beats(const char *cand, const char *best, const char *today)
{
    return strcmp(cand, today) <= 0 && (best == NULL || strcmp(cand, best) >= 0);
}

long wavewin_default(const char *const *opens_on, size_t n, const char *today)
{
    long best = -1;

    for (size_t i = 0; i < n; i++)
        if (beats(opens_on[i], best >= 0 ? opens_on[best] : NULL, today))
            best = (long)i;
    return best;
}

const struct catalog_wave *wavewin_default_wave(const struct catalog *cat, const char *survey,
                                                const char *today)
{
    size_t n = 0;
    const struct catalog_wave *const *waves = catalog_waves(cat, survey, &n);
    const struct catalog_wave *best = NULL;

    for (size_t i = 0; i < n; i++)
        if (beats(waves[i]->opens_on, best != NULL ? best->opens_on : NULL, today))
            best = waves[i];
    return best;
}

int wavewin_state(const struct catalog_wave *w, const char *today)
{
    /* YYYY-MM-DD compares as text */
    if (strcmp(today, w->opens_on) < 0)
        return -1;
    if (strcmp(today, w->closes_on) > 0)
        return 1;
    return 0;
}

int wavewin_check(const struct catalog *cat, const struct response *items, size_t n, int array,
                  const size_t *pos, const char *today, struct response_error *e)
{
    for (size_t i = 0; i < n; i++) {
        const struct catalog_wave *w = catalog_wave(cat, items[i].survey, items[i].wave);
        int state = w != NULL ? wavewin_state(w, today) : 0;

        if (state == 0)
            continue;
        if (array)
            snprintf(e->path, sizeof e->path, "[%zu].wave", pos != NULL ? pos[i] : i);
        else
            snprintf(e->path, sizeof e->path, "wave");
        if (state < 0)
            snprintf(e->message, sizeof e->message,
                     "%s: wave \"%s\" of survey \"%s\" opens on %s: it takes no responses yet",
                     e->path, w->label, w->survey, w->opens_on);
        else
            snprintf(e->message, sizeof e->message,
                     "%s: wave \"%s\" of survey \"%s\" closed on %s: it takes no more responses "
                     "(historical data: empirie import --allow-closed-wave)",
                     e->path, w->label, w->survey, w->closes_on);
        return -1;
    }
    return 0;
}
