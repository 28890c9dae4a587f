/*
 * results_table: the CLI's view of the typed model (`empirie stats`
 * without --json): one group's respondents, every item and dimension (n,
 * mean with its CI, % favourable, change, its adjusted p, the trend's
 * word, alpha), eNPS, and why a hidden figure is hidden, in Polish or
 * English. The same words as the JSON and the workbooks (vocab.h,
 * results_significant).
 */
#ifndef EMPIRIE_RESULTS_TABLE_H
#define EMPIRIE_RESULTS_TABLE_H

#include "results_model.h"

#include <stdio.h>

void results_table_print(FILE *f, const struct results *r, const struct results_group *g,
                         int english);

/* One line on f per city of the group whose sample could not be weighted
 * to its population as the instrument asks (the weights given with the
 * responses are used), or was raked instead of post-stratified; nothing
 * for a survey that is not weighted, or a hidden city. */
void results_table_weighting(FILE *f, const struct results *r, const struct results_group *g,
                             int english);

#endif
