/* Unit: the one mapping of an outcome to its HTTP status (outcome.h). */
#include "outcome.h"

#include <criterion/criterion.h>

Test(outcome, http_status)
{
    cr_expect_eq(outcome_http_status(OUTCOME_OK), 200);
    cr_expect_eq(outcome_http_status(OUTCOME_INVALID), 400);
    cr_expect_eq(outcome_http_status(OUTCOME_UNAUTHENTICATED), 401);
    cr_expect_eq(outcome_http_status(OUTCOME_FORBIDDEN), 403);
    cr_expect_eq(outcome_http_status(OUTCOME_NOT_FOUND), 404);
    cr_expect_eq(outcome_http_status(OUTCOME_CONFLICT), 409);
    cr_expect_eq(outcome_http_status(OUTCOME_UNAVAILABLE), 503);
    cr_expect_eq(outcome_http_status(OUTCOME_INTERNAL), 500);
    cr_expect_eq(outcome_http_status((enum outcome)99), 500);
}
