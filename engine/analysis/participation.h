/*
 * participation: how a survey wave's collection is going, as it goes.
 *
 * Per city: the responses so far (void ones, voids.h, not counted), the
 * response rate against the city hall's staff headcount when the registry
 * knows it (city "headcount"), the responses per day of receipt, and per
 * department when the registry holds department headcounts (city
 * "departments": {"ATTRIBUTE": {"CODE": headcount, ...}}, the attribute
 * being one of the survey's, such as "wydzial"). A department's count is
 * shown only when the anonymity rules allow it (anon.h: below the survey's
 * threshold it is hidden, and so is any further department that would let
 * it be recovered from the city's total).
 */
#ifndef EMPIRIE_PARTICIPATION_H
#define EMPIRIE_PARTICIPATION_H

#include "catalog.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>

/*
 * The participation document of survey's wave (NULL: the newest wave),
 * for one city (city), the member cities of a network (network), or every
 * city (both NULL). NULL with err, and *unknown set when the survey or wave
 * does not exist (else a database error).
 */
json_t *participation_load(PGconn *conn, const struct catalog *cat, const char *survey,
                           const char *wave, const char *city, const char *network,
                           int *unknown, char *err, size_t errlen);

#endif
