/*
 * label: the one table of the words every view shows, in Polish and
 * English: the workbooks' sheet names, headers and notes (reports/xlsx.h),
 * the words of significance (vocab.h) and the words the CLI's tables share
 * with them (results_table.c, participation_table.c). A word defined here
 * is defined nowhere else; a view that needs it mid-sentence takes it with
 * label_lower ("Próg anonimowości" -> "próg anonimowości").
 * The words themselves are data, in labels.def: one LABEL(id, Polish,
 * English) a word, from which the enum below and label.c's table are made.
 */
#ifndef EMPIRIE_LABEL_H
#define EMPIRIE_LABEL_H

#include <stddef.h>

/* L_SUMMARY, L_ITEMS, ...: one id a word, in the order of labels.def. */
enum label {
#define LABEL(id, pl, en) id,
#include "labels.def"
#undef LABEL
    L_COUNT
};

/* The label in English (english) or Polish; "" for an id out of range. */
const char *label_text(enum label id, int english);

/* The label with its first letter in lower case, into buf (size n, cut
 * when too small), for use inside a sentence; returns buf. Only an ASCII
 * first letter is lowered: every label used so starts with one. */
const char *label_lower(enum label id, int english, char *buf, size_t n);

#endif
