/*
 * network: the network workbook. Sheets: summary (the network's key
 * indicators with change, trend and whether its cities differ), the member
 * cities side by side per indicator with a colour-scale heat map (observer
 * cities shown apart, after the members, and not coloured), each member's
 * rank in the network, the network's trend with line charts, and
 * methodology. Everything comes from the typed results model
 * (results_model.h) and the registry facts of report.h.
 */
#ifndef EMPIRIE_NETWORK_H
#define EMPIRIE_NETWORK_H

#include "report.h"

#include <stddef.h>

/* Writes the workbook of one network of r (results_model.h) in one wave
 * to path (through a temporary file, renamed when complete), its words in
 * English or Polish. -1 with err when the network has no group in that wave
 * or the file cannot be written. */
struct results;
int report_network_write(const struct results *r, int english, const struct report_meta *meta,
                         const char *wave, const char *network, const char *path, char *err,
                         size_t errlen);

#endif
