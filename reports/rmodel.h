/*
 * rmodel: what the workbooks read of the typed results model
 * (results_model.h) besides its fields: a group's item or dimension by its
 * index, an option's share, a city's comparison with one network, eNPS and
 * a share seen as a measure (so one row writer serves them all), and the
 * words of the instrument (texts, labels, the reversed-item note) in the
 * workbook's language, from the survey (agg_item_def, agg_dim_def). And the
 * weighting of a post-stratified survey per city (weights.h).
 *
 * A measure a sheet reads is NULL when its group is hidden (the group has
 * none); rmodel_why tells the note its cells get.
 */
#ifndef EMPIRIE_RMODEL_H
#define EMPIRIE_RMODEL_H

#include "results_model.h"
#include "survey.h"

#include <stddef.h>

/* Item k (its agg index) or dimension d of group g; NULL when g lists none
 * (a hidden group). */
const struct results_measure *rmodel_item(const struct results_group *g, size_t k);
const struct results_measure *rmodel_dim(const struct results_group *g, size_t d);
/* Item k of a part of a breakdown; NULL when not listed. */
const struct results_measure *rmodel_part_item(const struct results_part *p, size_t k);

/* Why a measure's cells are hidden (xlsx_value): its anon_flag, 0 when
 * shown; -1 (XLSX_UNTOLD) for NULL, whose reason the sheet does not tell. */
int rmodel_why(const struct results_measure *m);
/* True when m is there and shown. */
int rmodel_shown(const struct results_measure *m);
/* True when m is shown with an estimate (a scored item, a dimension, or
 * eNPS or a share seen as a measure): not hidden, not a choice item, not an
 * item the wave did not ask. */
int rmodel_has_est(const struct results_measure *m);

/* The share of option code in a choice item's measure, or NULL. */
const struct results_share *rmodel_share(const struct results_measure *m, int code);

/* The comparison of a city's measure (or eNPS: vs, nvs) with network
 * slug, or NULL. */
const struct results_vs *rmodel_vs(const struct results *r, const struct results_vs *vs,
                                   size_t nvs, const char *network);
/* The network group of a comparison, in the wave of group g. */
const struct results_group *rmodel_vs_network(const struct results *r,
                                              const struct results_group *g,
                                              const struct results_vs *vs);

/* eNPS as a measure: its value as est.mean with its CI, change, trend and
 * comparisons; hidden as hidden; not computed (present 0) as a measure with
 * nothing to show (not_asked). */
void rmodel_enps_as(const struct results_enps *e, struct results_measure *out);
/* An option's share as a measure: est.mean, its CI and its change. */
void rmodel_share_as(const struct results_share *s, struct results_measure *out);

/* True for items with a mean: survey_item_scored (survey.h). */
int rmodel_scored(const struct survey_item *it);
/* The eNPS item's agg index, or -1. */
int rmodel_enps_item(const struct results *r);

/* pl, or en when english and there is one (msg_text, msg.h). */
const char *rmodel_word(int english, const char *pl, const char *en);
/* The survey's title. */
const char *rmodel_title(const struct results *r, int english);
/* Item k's text; its text with the reversed-item note for a reverse-coded
 * item (in buf then). */
const char *rmodel_item_text(const struct results *r, size_t k, int english);
const char *rmodel_item_label(const struct results *r, size_t k, int english, char *buf,
                              size_t n);
/* Dimension d's label. */
const char *rmodel_dim_label(const struct results *r, size_t d, int english);
/* The label of the dimension item k belongs to in the newest instrument,
 * or NULL when none (its code when the dimension is not one of r's). */
const char *rmodel_item_dim_label(const struct results *r, size_t k, int english);
/* The value of item k's distribution slot i (the answers as given; 0 past
 * the last slot). */
long rmodel_slot_value(const struct results *r, size_t k, size_t i);
/* The label of option i of a part of a breakdown (its "not given" last). */
const char *rmodel_part_label(const struct results *r, size_t part, int english);

/* The index of wave label in r, or -1. */
long rmodel_wave_index(const struct results *r, const char *wave);

/* The group a workbook is of: the city's or the network's (type) with slug
 * in wave, and that wave's index into *wi; NULL when r has no such wave or
 * no such group in it. */
const struct results_group *rmodel_group(const struct results *r, const char *wave,
                                         enum results_group_type type, const char *slug,
                                         long *wi);

#endif
