/*
 * outcome: the one vocabulary for how a piece of intake or serving work
 * ended, and the one place it becomes an HTTP status (outcome_http_status).
 *
 *   OUTCOME_OK           done (200; a creating route answers 201 itself)
 *   OUTCOME_INVALID      the client's input is wrong (400)
 *   OUTCOME_UNAUTHENTICATED  the caller's token is not (or no longer) known (401)
 *   OUTCOME_FORBIDDEN    the caller's role or scope does not allow it (403)
 *   OUTCOME_NOT_FOUND    no such thing (404)
 *   OUTCOME_CONFLICT     it contradicts what is stored (409)
 *   OUTCOME_UNAVAILABLE  the database is not available: retry later (503;
 *                        decided by db_unavailable, db.h)
 *   OUTCOME_INTERNAL     our failure: a bug, bad stored data, no memory (500)
 */
#ifndef EMPIRIE_OUTCOME_H
#define EMPIRIE_OUTCOME_H

enum outcome {
    OUTCOME_OK,
    OUTCOME_INVALID,
    OUTCOME_UNAUTHENTICATED,
    OUTCOME_FORBIDDEN,
    OUTCOME_NOT_FOUND,
    OUTCOME_CONFLICT,
    OUTCOME_UNAVAILABLE,
    OUTCOME_INTERNAL,
};

/* The HTTP status of an outcome (an unknown value: 500). */
unsigned outcome_http_status(enum outcome o);

#endif
