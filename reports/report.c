/* report: registry facts, file names and safe writing of reports (see report.h). */
#include "report.h"

#include "agg.h"
#include "db.h"
#include "err.h"
#include "results.h"
#include "results_model.h"
#include "rmodel.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

const char *report_city_name(const struct report_meta *m, const char *slug)
{
    const char *name = json_string_value(json_object_get(json_object_get(m->cities, slug),
                                                         "name"));

    return name != NULL ? name : slug;
}

const char *report_network_name(const struct report_meta *m, const char *slug, int english)
{
    const json_t *net = json_object_get(m->networks, slug);
    const char *en = json_string_value(json_object_get(net, "name_en"));
    const char *pl = json_string_value(json_object_get(net, "name"));

    if (english && en != NULL)
        return en;
    return pl != NULL ? pl : slug;
}

const char *report_city_teryt(const struct report_meta *m, const char *slug)
{
    return json_string_value(json_object_get(json_object_get(m->cities, slug), "teryt"));
}

const char *report_city_voivodeship(const struct report_meta *m, const char *slug)
{
    return json_string_value(json_object_get(json_object_get(m->cities, slug), "voivodeship"));
}

int report_headcount_example(const struct report_meta *m, const char *slug)
{
    return json_is_true(
        json_object_get(json_object_get(m->cities, slug), "example_headcount"));
}

double report_headcount(const struct report_meta *m, const char *slug)
{
    const json_t *hc = json_object_get(json_object_get(m->cities, slug), "headcount");

    return json_is_number(hc) ? json_number_value(hc) : 0;
}

double report_voids(const struct report_meta *m, const char *wave, const char *city)
{
    size_t wl = strlen(wave);
    const char *key;
    json_t *v;
    double n = 0;

    json_object_foreach(m->voids, key, v) {
        if (strncmp(key, wave, wl) != 0 || key[wl] != '/')
            continue;
        if (city == NULL || strcmp(city, key + wl + 1) == 0)
            n += json_number_value(v);
    }
    return n;
}

int report_path(char *buf, size_t n, const char *dir, const char *wave, enum report_kind kind,
                const char *slug, const char *survey, int english, const char *ext)
{
    static const char *const pl[] = { "miasto", "siec", "ministerstwo" };
    static const char *const en[] = { "city", "network", "ministry" };
    const char *prefix = english ? en[kind] : pl[kind];
    int len;

    if (kind == REPORT_MINISTRY || slug == NULL)
        len = snprintf(buf, n, "%s/%s/%s-%s.%s", dir, wave, prefix, survey, ext);
    else
        len = snprintf(buf, n, "%s/%s/%s-%s-%s.%s", dir, wave, prefix, slug, survey, ext);
    return len < 0 || (size_t)len >= n ? -1 : 0;
}

int report_mkdirs(const char *dir, char *err, size_t errlen)
{
    char path[4096];
    size_t len = strlen(dir);

    if (len == 0 || len >= sizeof path)
        return err_set(err, errlen, "%s: bad folder name", dir);
    memcpy(path, dir, len + 1);
    for (char *p = path + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return err_set(err, errlen, "%s: %s", path, strerror(errno));
        *p = '/';
    }
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return err_set(err, errlen, "%s: %s", path, strerror(errno));
    return 0;
}

int report_tmp_path(const char *path, char *tmp, size_t n)
{
    const char *slash = strrchr(path, '/');
    int dirlen = slash != NULL ? (int)(slash - path + 1) : 0;
    int len = snprintf(tmp, n, "%.*s.%s.%ld.tmp", dirlen, path,
                       slash != NULL ? slash + 1 : path, (long)getpid());

    return len < 0 || (size_t)len >= n ? -1 : 0;
}

int report_commit(const char *tmp, const char *path, int ok, char *err, size_t errlen)
{
    if (ok && rename(tmp, path) == 0)
        return 0;
    if (ok)
        err_set(err, errlen, "%s: %s", path, strerror(errno));
    /* Best effort: the failure that brought us here is the one to report. */
    if (unlink(tmp) != 0 && errno != ENOENT)
        err_prefix(err, errlen, "%s left behind", tmp);
    return -1;
}

long report_model_wave_index(const struct results *r, const char *wave)
{
    return rmodel_wave_index(r, wave);
}

const char *report_model_wave(const struct results *r, const char *wave)
{
    long i = wave != NULL ? rmodel_wave_index(r, wave) : (long)r->nwaves - 1;

    return i < 0 ? NULL : agg_wave(r->in->agg, (size_t)i);
}

int report_open(struct xlsx *x, const struct results *r, int english,
                const struct report_meta *meta, const char *path, const char *name,
                const char *wave, enum xlsx_label subject, char *tmp, size_t tmplen,
                char *subtitle, size_t sublen, char *err, size_t errlen)
{
    const char *survey = rmodel_title(r, english);
    struct xlsx_props props;
    char title[400];

    if (report_tmp_path(path, tmp, tmplen) != 0)
        return err_set(err, errlen, "%s: path too long", path);
    if (survey == NULL)
        survey = "";
    snprintf(title, sizeof title, "%s: %s, %s", survey, name, wave);
    snprintf(subtitle, sublen, "%s · %s · %s", survey, name, wave);
    memset(&props, 0, sizeof props);
    props.title = title;
    props.subject = subject;
    props.created = meta->created_at;
    return xlsx_open(x, tmp, english, r->threshold, &props, err, errlen);
}
