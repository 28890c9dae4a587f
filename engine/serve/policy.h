/*
 * policy: who may read what. Every route that reads figures (GET /v1/stats,
 * /v1/responses/counts, /v1/participation, /v1/reports/...) asks here, so
 * the rules are written once (docs/api.md, "Roles"):
 *   admin, ministry   every city, network, all cities and the programme-wide
 *                     export (aggregates only: that is all there is to read);
 *   coordinator       its own city (the token's scope) only;
 *   analyst           its network (the scope) and the network's member
 *                     cities; not its observers, not other networks, not all;
 *   collector         nothing (it submits only).
 * Membership comes from the registry snapshot (regsnap.h) the figures were
 * computed with, never from a figures' document, so what a document lists
 * cannot widen what a token reads. Pure: no I/O.
 */
#ifndef EMPIRIE_POLICY_H
#define EMPIRIE_POLICY_H

#include "auth.h"
#include "regsnap.h"

#include <stddef.h>

enum policy_target {
    POLICY_ALL,        /* the group of every city */
    POLICY_CITY,       /* one city (slug) */
    POLICY_NETWORK,    /* one network (slug) */
    POLICY_PROGRAMME,  /* the programme-wide (ministry) export */
};

/*
 * 1 when who may read the figures of target (slug: the city or network;
 * ignored for all and the programme) by the registry reg; 0 when not, with
 * why (size n, may be NULL) the message of the 403. A NULL reg, or a slug
 * the registry does not hold, grants an analyst no city.
 */
int policy_may_read(const struct auth_principal *who, const struct regsnap *reg,
                    enum policy_target target, const char *slug, char *why, size_t n);

#endif
