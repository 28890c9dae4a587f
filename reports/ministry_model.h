/*
 * ministry_model: what the ministry's export (ministry.h) reads of its
 * inputs' typed models (results_model.h) besides the rows: a survey's slug
 * and title in the export's language, and the waves covered, as labels.
 * The wave index is report_ministry_wave (ministry.h).
 */
#ifndef EMPIRIE_MINISTRY_MODEL_H
#define EMPIRIE_MINISTRY_MODEL_H

#include "ministry.h"

#include <jansson.h>

/* The survey's slug, and its title in the export's language. */
const char *ministry_survey_slug(const struct ministry_input *in);
const char *ministry_survey_title(const struct ministry_input *in);

/* The waves of one input up to its wave (JSON strings), and every wave of
 * the inputs in time order (by the waves' opening dates); new references,
 * NULL when out of memory. */
json_t *ministry_input_waves(const struct ministry_input *in);
json_t *ministry_all_waves(const struct ministry_input *in, size_t n);

#endif
