#include "regfacts.h"

#include "db.h"
#include "err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int load_cities(PGconn *conn, struct report_meta *m, char *err, size_t errlen)
{
    PGresult *res;

    if (db_exec(conn,
                "SELECT slug, name, extra->>'headcount', extra->>'teryt', voivodeship, "
                "coalesce((extra->>'example_headcount')::boolean, false) "
                "FROM city ORDER BY slug",
                0, NULL, &res, NULL, err, errlen) != 0)
        return -1;
    for (int i = 0; i < PQntuples(res); i++) {
        json_t *hc = json_null();

        if (!PQgetisnull(res, i, 2)) {
            char *end;
            double v = strtod(PQgetvalue(res, i, 2), &end);

            if (*end == '\0' && v > 0)
                hc = json_real(v);
        }
        json_object_set_new(m->cities, PQgetvalue(res, i, 0),
                            json_pack("{s:s, s:o, s:s?, s:s?, s:b}", "name",
                                      PQgetvalue(res, i, 1), "headcount", hc, "teryt",
                                      PQgetisnull(res, i, 3) ? NULL : PQgetvalue(res, i, 3),
                                      "voivodeship",
                                      PQgetisnull(res, i, 4) ? NULL : PQgetvalue(res, i, 4),
                                      "example_headcount",
                                      strcmp(PQgetvalue(res, i, 5), "t") == 0));
    }
    PQclear(res);
    return 0;
}

static int load_networks(PGconn *conn, struct report_meta *m, char *err, size_t errlen)
{
    PGresult *res;

    if (db_exec(conn, "SELECT slug, name, name_en FROM network ORDER BY slug", 0, NULL, &res,
                NULL, err, errlen) != 0)
        return -1;
    for (int i = 0; i < PQntuples(res); i++)
        json_object_set_new(m->networks, PQgetvalue(res, i, 0),
                            json_pack("{s:s, s:o}", "name", PQgetvalue(res, i, 1), "name_en",
                                      PQgetisnull(res, i, 2)
                                          ? json_null()
                                          : json_string(PQgetvalue(res, i, 2))));
    PQclear(res);
    return 0;
}

/* The data's date (void responses left out) and the void responses per
 * wave and city, as {"WAVE/CITY": n}. */
#define DATE_SQL                                                                   \
    "SELECT (SELECT max(received_on)::text FROM response WHERE survey = $1 "       \
    "AND (city, id) NOT IN (SELECT v.city, v.id FROM response_void v)), "          \
    "(SELECT coalesce(json_object_agg(k, n), '{}')::text FROM (SELECT "            \
    "r.wave || '/' || r.city AS k, count(*) AS n FROM response_void v JOIN "       \
    "response r ON r.city = v.city AND r.id = v.id WHERE r.survey = $1 "           \
    "GROUP BY 1) x)"

static void take_date(PGresult *res, struct report_meta *m)
{
    if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
        snprintf(m->data_date, sizeof m->data_date, "%s", PQgetvalue(res, 0, 0));
    json_decref(m->voids);
    m->voids = PQntuples(res) == 1 && PQnfields(res) > 1 && !PQgetisnull(res, 0, 1)
                   ? json_loads(PQgetvalue(res, 0, 1), 0, NULL)
                   : NULL;
}

static int load_date(PGconn *conn, const char *survey, struct report_meta *m, char *err,
                     size_t errlen)
{
    const char *params[1] = { survey };
    PGresult *res;

    if (db_exec(conn, DATE_SQL, 1, params, &res, NULL, err, errlen) != 0)
        return -1;
    take_date(res, m);
    PQclear(res);
    return 0;
}

int report_date_send(PGconn *date_conn, const char *survey, char *err, size_t errlen)
{
    const char *params[1] = { survey };

    if (PQsendQueryParams(date_conn, DATE_SQL, 1, NULL, params, NULL, NULL, 0) != 1)
        return err_set(err, errlen, "reading the data's date: %s", PQerrorMessage(date_conn));
    return 0;
}

int report_date_recv(PGconn *date_conn, struct report_meta *m, char *err, size_t errlen)
{
    PGresult *res;
    int rc = 0, got = 0;

    while ((res = PQgetResult(date_conn)) != NULL) {
        if (rc == 0 && PQresultStatus(res) != PGRES_TUPLES_OK)
            rc = err_set(err, errlen, "reading the data's date: %s",
                         PQresultErrorMessage(res));
        else if (rc == 0 && !got) {
            take_date(res, m);
            got = 1;
        }
        PQclear(res);
    }
    if (rc == 0 && !got)
        rc = err_set(err, errlen, "reading the data's date: %s", PQerrorMessage(date_conn));
    return rc;
}

int report_meta_load(PGconn *conn, const char *survey, struct report_meta *m, char *err,
                     size_t errlen)
{
    if (report_meta_load_names(conn, m, err, errlen) != 0)
        return -1;
    if (load_date(conn, survey, m, err, errlen) != 0) {
        report_meta_free(m);
        return err_prefix(err, errlen, "reading the registry");
    }
    return 0;
}

int report_meta_load_names(PGconn *conn, struct report_meta *m, char *err, size_t errlen)
{
    time_t now = time(NULL);
    struct tm tm;

    memset(m, 0, sizeof *m);
    m->cities = json_object();
    m->networks = json_object();
    if (m->cities == NULL || m->networks == NULL) {
        report_meta_free(m);
        return err_set(err, errlen, "out of memory");
    }
    m->created_at = now;
    if (localtime_r(&now, &tm) != NULL)
        strftime(m->created, sizeof m->created, "%Y-%m-%d %H:%M", &tm);
    if (load_cities(conn, m, err, errlen) != 0 || load_networks(conn, m, err, errlen) != 0) {
        report_meta_free(m);
        return err_prefix(err, errlen, "reading the registry");
    }
    return 0;
}

void report_meta_free(struct report_meta *m)
{
    json_decref(m->cities);
    json_decref(m->networks);
    json_decref(m->voids);
    m->cities = NULL;
    m->networks = NULL;
    m->voids = NULL;
}
