/*
 * city_sheets: the sheets of the city workbook (city.h), for the files
 * that write them: city.c (the summary and the workbook), city_items.c
 * (items, dimensions, distributions), city_cmp.c (the comparison with the
 * networks, what drives eNPS, the breakdown by attribute). They read the
 * typed results model (results_model.h, rmodel.h) and report_meta.
 */
#ifndef EMPIRIE_CITY_SHEETS_H
#define EMPIRIE_CITY_SHEETS_H

#include "report.h"
#include "results_model.h"
#include "xlsx.h"

#include <stddef.h>

struct city {
    struct xlsx x;
    const struct results *r;
    const struct results *const *rby;   /* the models split by each attribute */
    size_t nby;
    const struct report_meta *meta;
    const struct results_group *g;      /* the city in the wave */
    const struct results_group *net;    /* the network compared with on the summary, or NULL */
    const char *net_slug;
    const char *wave, *slug, *name;
    long wi;
    char subtitle[300];
};

/* A change's difference (highlighted when significant) at col and its
 * adjusted p beside it: dashes when why is not 0; nothing when there is no
 * change (ch not present, or fav and it has no favourable share's). fav:
 * the favourable share's change. */
void city_change(struct city *c, lxw_worksheet *ws, int row, int col, int why,
                 const struct results_change *ch, int fav, enum xlsx_fmt plain,
                 enum xlsx_fmt sig);

/* A test's adjusted p as shown: none (NAN) outside the family. */
double city_p_adj(const struct results_test *t);

void city_sheet_items(struct city *c);
void city_sheet_dimensions(struct city *c);
void city_sheet_distributions(struct city *c);
void city_sheet_networks(struct city *c);
void city_sheet_drivers(struct city *c);
void city_sheet_breakdown(struct city *c);

#endif
