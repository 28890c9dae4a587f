/*
 * results_wlines: which cities of a group were not weighted to their
 * population as the instrument asks, and why (weights.h), for the views
 * that say so: the stats table and the methodology sheets.
 */
#include "results.h"
#include "results_model.h"

#include "agg.h"
#include "weights.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int results_group_has(const struct results_group *g, const char *city)
{
    if (g->type == RESULTS_ALL)
        return 1;
    if (g->type == RESULTS_CITY)
        return g->slug != NULL && strcmp(g->slug, city) == 0;
    for (size_t i = 0; g->network != NULL && i < g->network->nmembers; i++)
        if (strcmp(g->network->members[i], city) == 0)
            return 1;
    return 0;
}

int results_wlines(const struct results *r, const struct results_group *g,
                      struct results_wline **lines, size_t *nlines)
{
    const struct weights *w = r->in->weights;
    size_t n = 0, ne;

    *lines = NULL;
    *nlines = 0;
    if (w == NULL)
        return 0;
    /* the weights module's own account, per city and wave */
    ne = weights_nentries(w);
    *lines = calloc(ne + 1, sizeof **lines);
    if (*lines == NULL)
        return -1;
    for (size_t i = 0; i < ne; i++) {
        const char *method, *note;
        size_t wave;
        const char *city = weights_entry(w, i, &wave, &method, &note);
        const struct results_group *cg;

        if (wave != g->wave || !results_group_has(g, city))
            continue;
        /* a hidden city's weighting could tell about its cells: not shown */
        cg = results_find(r, agg_wave(r->in->agg, wave), RESULTS_CITY, city);
        if (cg == NULL || cg->hidden || note[0] == '\0')
            continue;
        snprintf((*lines)[n].city, sizeof (*lines)[n].city, "%s", city);
        snprintf((*lines)[n].method, sizeof (*lines)[n].method, "%s", method);
        snprintf((*lines)[n].note, sizeof (*lines)[n].note, "%s", note);
        n++;
    }
    *nlines = n;
    return 1;
}

const char *results_wline_note(const struct results_wline *l, int english)
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
        /* weights_cal: the SEs' fit, alone or after the raking's note */
        { "the fit to the margins for the SEs did not converge; residuals within the cells used",
          "dopasowanie do rozkładów brzegowych dla błędów standardowych nie zbiegło się; użyto "
          "reszt w komórkach" },
        { "cells could not be used; raked to their margins; the fit to the margins for the SEs "
          "did not converge; residuals within the cells used",
          "nie dało się użyć pełnych komórek; raking do rozkładów brzegowych; dopasowanie do "
          "rozkładów brzegowych dla błędów standardowych nie zbiegło się; użyto reszt w "
          "komórkach" },
    };

    for (size_t i = 0; !english && i < sizeof pl / sizeof pl[0]; i++)
        if (strcmp(l->note, pl[i][0]) == 0)
            return pl[i][1];
    return l->note;
}
