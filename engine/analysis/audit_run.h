/*
 * audit_run: the disclosure audit of a survey on the real data, as a role
 * reads it. It builds the very documents that `empirie stats`, GET
 * /v1/stats and the reports publish (results.h: without a breakdown and
 * broken down by each attribute), reads back from them which figures are
 * shown and which are hidden, and hands that to audit_table (audit.h) with
 * the census counts, wave by wave and quantity by quantity. So it checks
 * what users get, not what the rules meant to do.
 *
 * A role reads: the ministry (and admin) every group; an analyst of a
 * network that network and its member cities. Targets are the hidden
 * figures of every group, and any figure of 1 .. threshold - 1 respondents
 * that a role is not given.
 */
#ifndef EMPIRIE_AUDIT_RUN_H
#define EMPIRIE_AUDIT_RUN_H

#include "catalog.h"
#include "results.h"

#include <jansson.h>

#include <libpq-fe.h>
#include <stdio.h>

struct audit_summary {
    size_t waves;
    size_t shown;          /* figures the role reads (group x slot x quantity) */
    size_t hidden;         /* hidden figures holding somebody */
    size_t below;          /* of those: below the threshold */
    size_t protects;       /* of those: hidden to protect another group */
    size_t recoverable;    /* targets whose value follows from what is shown */
};

/*
 * Audits survey (every wave, or only wave when not NULL) as read by the
 * ministry (network NULL) or by an analyst of network. Prints one line per
 * recoverable figure to out (never its value). reg: the command's registry
 * snapshot (regsnap.h; NULL: one is read), used by every source of the
 * audit. Returns 0 and fills *sum, or -1 with err (unknown survey, wave or
 * network; database; out of memory).
 */
struct regsnap;
int audit_survey(PGconn *conn, const struct catalog *cat, const struct regsnap *reg,
                 const char *survey, const char *wave,
                 const char *network, FILE *out, struct audit_summary *sum, char *err,
                 size_t errlen);

/*
 * The same on documents already built (no database): doc without a
 * breakdown and by_attr[a] broken down by the survey's attribute a, all
 * from the input in (results.h). For tests and callers that hold them.
 */
int audit_docs(const struct results_input *in, json_t *doc, json_t *const *by_attr,
               const char *network, const char *wave, FILE *out, struct audit_summary *sum,
               char *err, size_t errlen);

#endif
