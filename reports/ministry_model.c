/* ministry_model: what the ministry's export reads of a typed model (see
 * ministry_model.h). */
#include "ministry_model.h"

#include "dynarr.h"
#include "msg.h"
#include "results.h"
#include "results_model.h"

#include <stdlib.h>
#include <string.h>

long report_ministry_wave(const struct results *r, const char *wave)
{
    if (wave == NULL)
        return results_default_wave(r);
    for (size_t w = 0; w < r->nwaves; w++)
        if (strcmp(agg_wave(r->in->agg, w), wave) == 0)
            return (long)w;
    return -1;
}

const char *ministry_survey_slug(const struct ministry_input *in)
{
    return in->r->in->survey->slug;
}

const char *ministry_survey_title(const struct ministry_input *in)
{
    const struct survey *s = in->r->in->survey;

    return msg_text(in->english, s->title_pl, s->title_en);
}

json_t *ministry_input_waves(const struct ministry_input *in)
{
    json_t *a = json_array();
    long wi = report_ministry_wave(in->r, in->wave);

    for (long w = 0; w <= wi && a != NULL; w++)
        if (json_array_append_new(a, json_string(agg_wave(in->r->in->agg, (size_t)w))) != 0) {
            json_decref(a);
            a = NULL;
        }
    return a;
}

json_t *ministry_all_waves(const struct ministry_input *in, size_t n)
{
    struct {
        const char *label;
        double x;
    } *w = NULL;
    size_t nw = 0, cap = 0;
    json_t *a = json_array();

    for (size_t k = 0; k < n && a != NULL; k++) {
        const struct results *r = in[k].r;
        long wi = report_ministry_wave(r, in[k].wave);

        for (long v = 0; v <= wi && a != NULL; v++) {
            const char *label = agg_wave(r->in->agg, (size_t)v);
            size_t j = 0;
            void *p;

            while (j < nw && strcmp(w[j].label, label) != 0)
                j++;
            if (j < nw)
                continue;    /* a wave of an earlier survey */
            p = dynarr_reserve(w, &cap, nw + 1, sizeof *w);
            if (p == NULL) {
                json_decref(a);
                a = NULL;
                break;
            }
            w = p;
            w[nw].label = label;
            w[nw++].x = r->in->wave_x[v];
        }
    }
    /* insertion sort: a handful of waves */
    for (size_t i = 1; i < nw; i++)
        for (size_t j = i; j > 0 && w[j].x < w[j - 1].x; j--) {
            const char *l = w[j].label;
            double x = w[j].x;

            w[j] = w[j - 1];
            w[j - 1].label = l;
            w[j - 1].x = x;
        }
    for (size_t i = 0; i < nw && a != NULL; i++)
        if (json_array_append_new(a, json_string(w[i].label)) != 0) {
            json_decref(a);
            a = NULL;
        }
    free(w);
    return a;
}
