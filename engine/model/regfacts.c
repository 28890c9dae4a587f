/* regfacts: the registry snapshot, the data's date and the voids of a report (regfacts.h). */
#include "regfacts.h"

#include "db.h"
#include "dynarr.h"
#include "err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The data's date (void responses left out) in every row, and one row per
 * wave and city with void responses (wave and city NULL when none). */
#define DATE_SQL                                                                   \
    "SELECT d.day, v.wave, v.city, v.n FROM (SELECT max(received_on)::text AS day " \
    "FROM response WHERE survey = $1 "                                             \
    "AND (city, id) NOT IN (SELECT v.city, v.id FROM response_void v)) d "         \
    "LEFT JOIN (SELECT r.wave, r.city, count(*) AS n FROM response_void v JOIN "   \
    "response r ON r.city = v.city AND r.id = v.id WHERE r.survey = $1 "           \
    "GROUP BY 1, 2) v ON true ORDER BY 2, 3"

static void voids_free(struct report_void *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].wave);
        free(v[i].city);
    }
    free(v);
}

static int take_date(PGresult *res, struct report_meta *m, char *err, size_t errlen)
{
    int rows = PQntuples(res);
    struct report_void *v = calloc((size_t)rows + 1, sizeof *v);
    size_t n = 0;

    if (v == NULL)
        return err_set(err, errlen, "reading the data's date: out of memory");
    for (int i = 0; i < rows; i++) {
        if (PQgetisnull(res, i, 1) || PQgetisnull(res, i, 2))
            continue;
        v[n].wave = strdup(PQgetvalue(res, i, 1));
        v[n].city = strdup(PQgetvalue(res, i, 2));
        v[n].n = strtod(PQgetvalue(res, i, 3), NULL);
        n++;
        if (v[n - 1].wave == NULL || v[n - 1].city == NULL) {
            voids_free(v, n);
            return err_set(err, errlen, "reading the data's date: out of memory");
        }
    }
    if (rows >= 1 && !PQgetisnull(res, 0, 0))
        snprintf(m->data_date, sizeof m->data_date, "%s", PQgetvalue(res, 0, 0));
    voids_free(m->voids, m->nvoids);
    if (n == 0) {
        free(v);
        v = NULL;
    }
    m->voids = v;
    m->nvoids = n;
    return 0;
}

static int load_date(PGconn *conn, const char *survey, struct report_meta *m, char *err,
                     size_t errlen)
{
    const char *params[1] = { survey };
    PGresult *res;
    int rc;

    if (db_exec(conn, DATE_SQL, 1, params, &res, NULL, err, errlen) != 0)
        return -1;
    rc = take_date(res, m, err, errlen);
    PQclear(res);
    return rc;
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

    for (res = PQgetResult(date_conn); res != NULL; res = PQgetResult(date_conn)) {
        if (rc == 0 && PQresultStatus(res) != PGRES_TUPLES_OK)
            rc = err_set(err, errlen, "reading the data's date: %s",
                         PQresultErrorMessage(res));
        else if (rc == 0 && !got) {
            rc = take_date(res, m, err, errlen);
            got = 1;
        }
        PQclear(res);
    }
    if (rc == 0 && !got)
        rc = err_set(err, errlen, "reading the data's date: %s", PQerrorMessage(date_conn));
    return rc;
}

int report_meta_take_voids(struct report_meta *m, struct report_meta *from)
{
    struct report_void *v;
    size_t n = m->nvoids, cap = m->nvoids;   /* at least as many as there are */

    if (from->nvoids == 0) {
        free(from->voids);
        from->voids = NULL;
        return 0;
    }
    v = dynarr_reserve(m->voids, &cap, m->nvoids + from->nvoids, sizeof *v);
    if (v == NULL)
        return -1;
    m->voids = v;
    for (size_t i = 0; i < from->nvoids; i++) {
        size_t k = 0;

        while (k < m->nvoids && (strcmp(v[k].wave, from->voids[i].wave) != 0 ||
                                 strcmp(v[k].city, from->voids[i].city) != 0))
            k++;
        if (k < m->nvoids) {
            v[k].n += from->voids[i].n;
            free(from->voids[i].wave);
            free(from->voids[i].city);
        } else {
            v[n++] = from->voids[i];
        }
        m->nvoids = n;
    }
    free(from->voids);
    from->voids = NULL;
    from->nvoids = 0;
    return 0;
}

int report_meta_load(PGconn *conn, const struct regsnap *reg, const char *survey,
                     struct report_meta *m, char *err, size_t errlen)
{
    if (report_meta_load_names(conn, reg, m, err, errlen) != 0)
        return -1;
    if (load_date(conn, survey, m, err, errlen) != 0) {
        report_meta_free(m);
        return err_prefix(err, errlen, "reading the registry");
    }
    return 0;
}

int report_meta_load_names(PGconn *conn, const struct regsnap *reg, struct report_meta *m,
                           char *err, size_t errlen)
{
    time_t now = time(NULL);
    struct tm tm;

    memset(m, 0, sizeof *m);
    m->created_at = now;
    if (localtime_r(&now, &tm) != NULL)
        strftime(m->created, sizeof m->created, "%Y-%m-%d %H:%M", &tm);
    if (reg == NULL && regsnap_load(conn, &m->own, err, errlen) != 0)
        return -1;
    m->reg = reg != NULL ? reg : m->own;
    return 0;
}

void report_meta_free(struct report_meta *m)
{
    regsnap_free(m->own);
    voids_free(m->voids, m->nvoids);
    m->reg = NULL;
    m->own = NULL;
    m->voids = NULL;
    m->nvoids = 0;
}
