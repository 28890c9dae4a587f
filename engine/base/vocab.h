/*
 * vocab: the words for significance, shared by the results document
 * (JSON "label" fields), `empirie stats` and every workbook, so that one
 * figure is never called two things. Every word rests on one rule: an
 * adjusted p (Benjamini-Hochberg) below STATS_ALPHA (vocab_significant).
 * The words of the trend and of the change are the label table's (label.h:
 * L_RISING ... L_NO_SIG_CHANGE), which the workbooks' legends use too.
 */
#ifndef EMPIRIE_VOCAB_H
#define EMPIRIE_VOCAB_H

/* The marker shown after a reverse-coded item's text (docs/reports.md). */
#define VOCAB_REVERSED_PL "(pytanie odwrócone: wyższy wynik = lepiej)"
#define VOCAB_REVERSED_EN "(reversed item: a higher score is better)"

/* 1 when p_adj is a number below STATS_ALPHA. */
int vocab_significant(double p_adj);

/* A trend: sign > 0 rising, < 0 falling; significant as vocab_significant.
 * "rośnie" / "spada" / "bez wyraźnego trendu". */
const char *vocab_trend(double slope, int significant, int english);
/* The trend's direction code for JSON: "rising", "falling", "none". */
const char *vocab_trend_dir(double slope, int significant);

/* A change since the previous wave: "istotny wzrost" / "istotny spadek" /
 * "brak istotnej zmiany". */
const char *vocab_change(double diff, int significant, int english);

/* A difference from a network: "istotna różnica" (with "wyżej"/"niżej"
 * when the sign is known) or "brak istotnej różnicy". */
const char *vocab_difference(double diff, int significant, int english);

/* Cohen's d in words (|d| < 0.2 znikoma, < 0.5 mała, < 0.8 średnia, else
 * duża); "" when d is not a number. */
const char *vocab_effect(double d, int english);

#endif
