/* outcome: see outcome.h. */
#include "outcome.h"

unsigned outcome_http_status(enum outcome o)
{
    switch (o) {
    case OUTCOME_OK:
        return 200;
    case OUTCOME_INVALID:
        return 400;
    case OUTCOME_UNAUTHENTICATED:
        return 401;
    case OUTCOME_FORBIDDEN:
        return 403;
    case OUTCOME_NOT_FOUND:
        return 404;
    case OUTCOME_CONFLICT:
        return 409;
    case OUTCOME_UNAVAILABLE:
        return 503;
    case OUTCOME_INTERNAL:
        break;
    }
    return 500;
}
