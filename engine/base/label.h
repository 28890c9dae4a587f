/*
 * label: the one table of the words every view shows, in Polish and
 * English: the workbooks' sheet names, headers and notes (reports/xlsx.h),
 * the words of significance (vocab.h) and the words the CLI's tables share
 * with them (results_table.c, participation_table.c). A word defined here
 * is defined nowhere else; a view that needs it mid-sentence takes it with
 * label_lower ("Próg anonimowości" -> "próg anonimowości").
 */
#ifndef EMPIRIE_LABEL_H
#define EMPIRIE_LABEL_H

#include <stddef.h>

enum label {
    L_SUMMARY, L_ITEMS, L_DIMENSIONS, L_TRENDS, L_DISTRIBUTIONS, L_NETWORK_CMP,
    L_METHODOLOGY, L_CITIES, L_RANKING, L_NETWORK_TREND, L_DATA, L_CODEBOOK,
    L_CODE, L_INDICATOR, L_ITEM_TEXT, L_DIMENSION, L_N, L_N_EFF, L_MEAN, L_SD, L_MEDIAN,
    L_CI_LOW, L_CI_HIGH, L_FAV, L_FAV_CI_LOW, L_FAV_CI_HIGH, L_CHANGE, L_P_ADJ,
    L_FAV_CHANGE, L_FAV_P_ADJ, L_SIGNIFICANT, L_TREND, L_SLOPE, L_DISTRIBUTION, L_VALUE,
    L_ALPHA, L_ALPHA_CI_LOW, L_ALPHA_CI_HIGH, L_ALPHA_N, L_NITEMS, L_RESPONDENTS,
    L_RESPONSE_RATE, L_HEADCOUNT, L_ENPS, L_PROMOTERS, L_PASSIVES, L_DETRACTORS,
    L_NETWORK, L_REST_MEAN, L_DIFF, L_RANK, L_OF, L_WAVE, L_CITY, L_ALL_CITIES,
    L_MEMBERS, L_OBSERVERS, L_OBSERVERS_NOTE, L_ANOVA_P_ADJ, L_YES, L_NO, L_SURVEY,
    L_THRESHOLD, L_DATA_DATE, L_CREATED, L_HIDDEN_NOTE, L_OPTION_SHARE, L_CHART_DATA,
    L_AUTHOR, L_COMPANY, L_CITY_REPORT, L_NETWORK_REPORT, L_MINISTRY_REPORT, L_TERM,
    L_DEFINITION, L_COLUMN, L_TYPE, L_NETWORK_TOTAL, L_NO_RESPONSES, L_VS_NETWORK,
    L_NETWORK_VALUE, L_RISING, L_FALLING, L_NONE_TREND, L_SIG_UP, L_SIG_DOWN,
    L_MEAN_OF_WAVES, L_ENPS_TREND, L_WEIGHTING, L_VOIDED, L_SIG_DIFF, L_EFFECT, L_NET_DIFF,
    L_CHART_DATA_SHEET, L_ENPS_AXIS, L_MEAN_RANK, L_OBSERVER, L_DRIVERS, L_DRIVERS_NOTE,
    L_DRIVERS_NONE, L_KIND, L_ITEM_KIND, L_CORR, L_SIGNIFICANT_R, L_SIG_R_YES, L_SIG_R_NO,
    L_BREAKDOWN, L_BREAKDOWN_BY, L_BREAKDOWN_NOTE, L_CITY_MEAN,
    L_NO_SIG_CHANGE, L_NOT_GIVEN, L_COUNT
};

/* The label in English (english) or Polish; "" for an id out of range. */
const char *label_text(enum label id, int english);

/* The label with its first letter in lower case, into buf (size n, cut
 * when too small), for use inside a sentence; returns buf. Only an ASCII
 * first letter is lowered: every label used so starts with one. */
const char *label_lower(enum label id, int english, char *buf, size_t n);

#endif
