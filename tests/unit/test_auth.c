/* auth and metrics: the parts that need no database. */
#include "auth.h"
#include "err.h"
#include "metrics.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

Test(auth, roles_parse_and_print)
{
    char err[ERR_MAX];
    enum auth_role r;

    cr_expect_eq(auth_role_parse("collector", &r, err, sizeof err), 0);
    cr_expect_eq(r, AUTH_COLLECTOR);
    cr_expect_eq(auth_role_parse("admin", &r, err, sizeof err), 0);
    cr_expect_str_eq(auth_role_name(r), "admin");
    cr_expect_eq(auth_role_parse("root", &r, err, sizeof err), -1);
    cr_expect(strstr(err, "unknown role 'root'") != NULL, "%s", err);
}

Test(auth, tokens_are_random_and_well_formed)
{
    char a[AUTH_TOKEN_SIZE], b[AUTH_TOKEN_SIZE], err[ERR_MAX];

    cr_assert(auth_token_generate(a, err, sizeof err) == 0, "%s", err);
    cr_assert(auth_token_generate(b, err, sizeof err) == 0, "%s", err);
    cr_expect_eq(strlen(a), AUTH_TOKEN_SIZE - 1);
    cr_expect(strncmp(a, "emp_", 4) == 0);
    cr_expect(strspn(a + 4, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
              AUTH_TOKEN_SIZE - 5);
    cr_expect_str_neq(a, b);
}

Test(auth, bearer_header)
{
    cr_expect_str_eq(auth_bearer("Bearer emp_x"), "emp_x");
    cr_expect_str_eq(auth_bearer("bearer   emp_x"), "emp_x");
    cr_expect_null(auth_bearer("Basic dXNlcjpwYXNz"));
    cr_expect_null(auth_bearer("Bearer "));
    cr_expect_null(auth_bearer(NULL));
}

Test(metrics, counts_and_histogram)
{
    size_t len;
    char *text;

    metrics_init();
    metrics_request(METRICS_ROUTE_HEALTHZ, 200, 0.003);
    metrics_request(METRICS_ROUTE_HEALTHZ, 200, 0.2);
    metrics_request(METRICS_ROUTE_RESPONSES, 0, 30);
    metrics_request(METRICS_ROUTE_OTHER, 418, 0.001);
    metrics_stored(5, 2);
    text = metrics_render(&len);
    cr_assert(text != NULL);
    cr_expect_eq(strlen(text), len);
    cr_expect(strstr(text, "empirie_http_requests_total{route=\"/healthz\",status=\"200\"} 2\n"));
    cr_expect(strstr(text, "empirie_http_requests_total{route=\"/v1/responses\",status=\"none\"} 1\n"));
    cr_expect(strstr(text, "empirie_http_requests_total{route=\"other\",status=\"other\"} 1\n"));
    cr_expect(strstr(text, "empirie_http_request_duration_seconds_bucket{le=\"0.005\"} 2\n"), "%s", text);
    cr_expect(strstr(text, "empirie_http_request_duration_seconds_bucket{le=\"0.25\"} 3\n"), "%s", text);
    cr_expect(strstr(text, "empirie_http_request_duration_seconds_bucket{le=\"10\"} 3\n"), "%s", text);
    cr_expect(strstr(text, "empirie_http_request_duration_seconds_bucket{le=\"+Inf\"} 4\n"), "%s", text);
    cr_expect(strstr(text, "empirie_http_request_duration_seconds_count 4\n"));
    cr_expect(strstr(text, "empirie_responses_stored_total{result=\"created\"} 5\n"));
    cr_expect(strstr(text, "empirie_responses_stored_total{result=\"duplicate\"} 2\n"));
    free(text);
}
