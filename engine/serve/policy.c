/* policy: who may read what (policy.h). */
#include "policy.h"

#include <stdio.h>
#include <string.h>

int policy_may_read(const struct auth_principal *who, const struct regsnap *reg,
                    enum policy_target target, const char *slug, char *why, size_t n)
{
    const char *scope = who->scope;
    char none[1];

    if (why == NULL || n == 0) {
        why = none;   /* the verdict without its message */
        n = sizeof none;
    }
    switch (who->role) {
    case AUTH_ADMIN:
    case AUTH_MINISTRY:
        return 1;
    case AUTH_COORDINATOR:
        if (target == POLICY_CITY && slug != NULL && strcmp(slug, scope) == 0)
            return 1;
        snprintf(why, n, "a coordinator of %s reads that city only", scope);
        return 0;
    case AUTH_ANALYST:
        if (target == POLICY_NETWORK && slug != NULL && strcmp(slug, scope) == 0)
            return 1;
        if (target == POLICY_CITY && regsnap_is_member(reg, scope, slug))
            return 1;
        snprintf(why, n, "an analyst of %s reads that network and its member cities only",
                 scope);
        return 0;
    case AUTH_COLLECTOR:
    case AUTH_NONE:
        break;
    }
    snprintf(why, n, "the %s role reads no figures", auth_role_name(who->role));
    return 0;
}
