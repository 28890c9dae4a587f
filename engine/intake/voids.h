/*
 * voids: mistaken and test responses set aside without changing them.
 *
 * A response is never updated or deleted (the trigger response_immutable
 * refuses it); voiding one adds its (city, id) to table response_void, and
 * every figure (agg_read.c, weights.c, the reports' data date, the
 * collection counts) leaves such responses out. Each void and each undo is a
 * row of response_void_audit: what, who, when, why, how many. An undo
 * removes the response_void rows of one void record, so they count again.
 */
#ifndef EMPIRIE_VOIDS_H
#define EMPIRIE_VOIDS_H

#include <libpq-fe.h>
#include <stddef.h>

struct voids_spec {
    const char *survey, *wave, *city;
    const char *const *ids;       /* response ids (UUID text), nids of them; or NULL */
    size_t nids;
    const char *received_before;  /* YYYY-MM-DD: every response received before that day */
    const char *reason;           /* required, non-empty */
    const char *who;              /* the operating-system user */
};

/*
 * Voids the responses of spec in one transaction (all or nothing) and
 * writes the audit record. *audit: its number; *voided: responses voided
 * now; *already: matching responses that were void already (--ids only).
 * Returns 0; 2 when the request names something that does not exist (a
 * survey, a wave of it, a city) or lacks a reason; 1 when nothing is voided
 * for the data's sake (an id that is not a response of that city and wave,
 * nothing left to void): err says what; -1 on a database error.
 */
int voids_apply(PGconn *conn, const struct voids_spec *spec, long long *audit,
                long *voided, long *already, char *err, size_t errlen);

/*
 * Restores the responses of void record audit, with an audit record of its
 * own (reason: NULL for "undo of void N"). *restored: how many. 0; 1 when
 * audit is no void record or was undone already (err says which); -1 on a
 * database error.
 */
int voids_undo(PGconn *conn, long long audit, const char *reason, const char *who,
               long long *undo_audit, long *restored, char *err, size_t errlen);

/* Reads a file of response ids, one UUID per line (blank lines and lines
 * starting with # skipped). 0 with *ids (free each, then the array) and *n;
 * -1 with err naming the line. */
int voids_read_ids(const char *path, char ***ids, size_t *n, char *err, size_t errlen);

/* True when s is a UUID in text form (8-4-4-4-12 hex digits). */
int voids_is_uuid(const char *s);

#endif
