/* http_reports: GET /v1/reports/...: the files of `empirie report`, written
 * for the request and sent from an open descriptor (http_priv.h). */
#include "http_priv.h"

#include "city.h"
#include "err.h"
#include "jsonv.h"
#include "log.h"
#include "ministry.h"
#include "network.h"
#include "policy.h"
#include "report.h"
#include "results.h"
#include "results_model.h"
#include "submit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- GET /v1/reports/... ---------------------------------------------- */

/*
 * The files of `empirie report`, one per request, with the name the command
 * gives them. libxlsxwriter 1.1.4 cannot write to memory, so a report is
 * written into a folder made for the request under $TMPDIR (or /tmp),
 * opened, and its name and folder are removed before the answer is queued:
 * MHD sends from the open descriptor and closes it when done, so nothing is
 * left on disk whether the client reads it all, goes away, or the writer
 * fails. Loading from the database and writing are separate steps so that
 * no pooled connection is held while a workbook is written.
 */
struct report_query {
    struct submit *submit;   /* owns the cached survey catalog */
    const char *survey, *wave;
    int english;
    struct rcache_entry *held;    /* the computed results (submit.h), shared */
    const struct results *r;      /* its typed model: what the writers read */
    struct report_meta meta;
    int have_meta;
    unsigned status;      /* 200, or the client error to answer */
    char message[ERR_MAX];
};

static void report_query_clear(struct report_query *q)
{
    if (q->have_meta)   /* first: it borrows the held results' registry */
        report_meta_free(&q->meta);
    q->have_meta = 0;
    submit_results_put(q->submit, q->held);
    q->held = NULL;
    q->r = NULL;
}

static int report_load_work(PGconn *conn, void *ctx, char *err, size_t errlen)
{
    struct report_query *q = ctx;
    int unknown;

    report_query_clear(q);   /* what a failed attempt may have loaded */
    q->held = submit_results_get(q->submit, conn, q->survey, NULL, &unknown, q->message,
                                 sizeof q->message);
    if (q->held != NULL)
        q->r = rcache_model(q->held);   /* shared, read-only: the writers only read it */
    if (q->r == NULL) {
        /* Unknown survey: the client's error; anything else is ours. */
        if (!unknown)
            return err_set(err, errlen, "%s", q->message);
        q->status = MHD_HTTP_NOT_FOUND;
        return 0;
    }
    /* the registry the figures were computed with: the names, the TERC
     * codes and the members the writers show match the figures */
    if (report_meta_load(conn, q->r->in->registry, q->survey, &q->meta, err, errlen) != 0)
        return -1;
    q->have_meta = 1;
    q->status = MHD_HTTP_OK;
    return 0;
}

static enum report_kind report_kind_of(enum route r)
{
    return r == ROUTE_REPORT_CITY ? REPORT_CITY
           : r == ROUTE_REPORT_NETWORK ? REPORT_NETWORK
                                       : REPORT_MINISTRY;
}

/* Whether the caller gets the report: the wave exists, the caller may read
 * the group (policy.h), and the group has figures to
 * show (a hidden group, or one without responses, has no workbook, as with
 * `empirie report --all`). Sets *wave to the wave's label; 200 or the status
 * to http_answer, with q->message. */
static unsigned report_allowed(const struct request *rq, struct report_query *q,
                               const char **wave)
{
    const char *type = rq->route == ROUTE_REPORT_CITY ? "city" : "network";
    const struct results_group *g;

    *wave = report_model_wave(q->r, q->wave);
    if (*wave == NULL) {
        snprintf(q->message, sizeof q->message, "survey %s has no wave %s", q->survey,
                 q->wave != NULL ? q->wave : "");
        return MHD_HTTP_NOT_FOUND;
    }
    if (!policy_may_read(&rq->who, q->r->in->registry,
                         rq->route == ROUTE_REPORT_CITY      ? POLICY_CITY
                         : rq->route == ROUTE_REPORT_NETWORK ? POLICY_NETWORK
                                                             : POLICY_PROGRAMME,
                         rq->slug, q->message, sizeof q->message))
        return MHD_HTTP_FORBIDDEN;
    if (rq->route == ROUTE_REPORT_MINISTRY)
        return MHD_HTTP_OK;
    g = results_find(q->r, *wave,
                     rq->route == ROUTE_REPORT_CITY ? RESULTS_CITY : RESULTS_NETWORK, rq->slug);
    if (g == NULL) {
        snprintf(q->message, sizeof q->message, "no %s %s in wave %s of survey %s", type,
                 rq->slug, *wave, q->survey);
        return MHD_HTTP_NOT_FOUND;
    }
    if (g->hidden || !(g->respondents > 0)) {
        snprintf(q->message, sizeof q->message,
                 "no report of %s %s in wave %s: too few respondents to show", type, rq->slug,
                 *wave);
        return MHD_HTTP_NOT_FOUND;
    }
    return MHD_HTTP_OK;
}

/* Removes path, the writer's temporary file beside it, and the folder dir.
 * 0 when nothing is left. */
static int report_cleanup(const char *dir, const char *path)
{
    char wtmp[4096];
    int rc = 0;

    if (unlink(path) != 0 && errno != ENOENT)
        rc = -1;
    if (report_tmp_path(path, wtmp, sizeof wtmp) == 0 && unlink(wtmp) != 0 && errno != ENOENT)
        rc = -1;
    if (rmdir(dir) != 0)
        rc = -1;
    if (rc != 0)
        log_error("GET /v1/reports: could not remove %s: %s", dir, err_errno(errno));
    return rc;
}

/* Writes the report of rq in wave and returns an open descriptor of it (its
 * name already removed), with the file's name for the client in name; -1
 * with err on failure, with nothing left on disk. */
static int report_file(const struct request *rq, struct report_query *q, const char *wave,
                       char *name, size_t namelen, char *err, size_t errlen)
{
    enum report_kind kind = report_kind_of(rq->route);
    const char *tmpdir = getenv("TMPDIR");
    char dir[4096], path[4096];
    const char *ext = rq->ext;
    int rc, fd = -1;

    /* The name `empirie report` gives the file, without its folders. */
    if (report_path(path, sizeof path, ".", wave, kind, rq->slug, q->survey, q->english,
                    ext) != 0 ||
        (size_t)snprintf(name, namelen, "%s", strrchr(path, '/') + 1) >= namelen)
        return err_set(err, errlen, "report name too long");
    if (tmpdir == NULL || tmpdir[0] == '\0')
        tmpdir = "/tmp";
    if ((size_t)snprintf(dir, sizeof dir, "%s/empirie-report-XXXXXX", tmpdir) >= sizeof dir)
        return err_set(err, errlen, "TMPDIR too long");
    if (mkdtemp(dir) == NULL)
        return err_set(err, errlen, "%s: %s", dir, err_errno(errno));
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) {
        err_set(err, errlen, "TMPDIR too long");
        rc = -1;
    } else if (kind == REPORT_CITY) {
        rc = report_city_write(q->r, NULL, 0, q->english, &q->meta, wave, rq->slug, path, err,
                               errlen);
    } else if (kind == REPORT_NETWORK) {
        rc = report_network_write(q->r, q->english, &q->meta, wave, rq->slug, path, err, errlen);
    } else {
        rc = report_ministry_write(q->r, q->english, &q->meta, wave,
                                   strcmp(ext, "xlsx") == 0 ? path : NULL,
                                   strcmp(ext, "csv") == 0 ? path : NULL,
                                   strcmp(ext, "json") == 0 ? path : NULL, err, errlen);
    }
    if (rc == 0) {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            err_set(err, errlen, "%s: %s", path, err_errno(errno));
    }
    if (report_cleanup(dir, path) != 0 && fd >= 0) {
        close(fd);
        fd = -1;
        err_set(err, errlen, "%s: cannot remove the temporary report", dir);
    }
    return fd;
}

/* Sends the open file fd (taken over) as an attachment named name. */
static enum MHD_Result reply_file(struct request *rq, struct MHD_Connection *c, int fd,
                                  const char *type, const char *name)
{
    char disposition[320];
    const char *headers[3] = { "Content-Disposition", disposition, NULL };
    struct MHD_Response *resp;
    struct stat st;

    if (fstat(fd, &st) != 0 || st.st_size < 0) {
        log_error("GET %s: fstat: %s", rq->path, err_errno(errno));
        close(fd);
        return http_reply_error(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "", "cannot read the report");
    }
    snprintf(disposition, sizeof disposition, "attachment; filename=\"%s\"", name);
    resp = MHD_create_response_from_fd((size_t)st.st_size, fd);
    if (resp == NULL) {
        close(fd);
        return MHD_NO;
    }
    return http_queue(rq, c, MHD_HTTP_OK, resp, type, (size_t)st.st_size, headers);
}

static const char *report_content_type(const char *ext)
{
    if (strcmp(ext, "csv") == 0)
        return "text/csv; charset=utf-8";
    if (strcmp(ext, "json") == 0)
        return "application/json";
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
}

/* GET /v1/reports/city/{slug}.xlsx, /v1/reports/network/{slug}.xlsx and
 * /v1/reports/ministry.{xlsx,csv,json}, all with ?survey=S[&wave=W][&lang=en]. */
enum MHD_Result http_get_report(struct request *rq, struct MHD_Connection *c)
{
    struct report_query q;
    const char *wave = NULL;
    char name[256], err[ERR_MAX];
    enum outcome out;
    enum MHD_Result ok;
    int fd = -1;

    memset(&q, 0, sizeof q);
    q.submit = rq->srv->submit;
    q.survey = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "survey");
    q.wave = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "wave");
    /* The survey's slug goes into the file name: ASCII only. */
    if (q.survey == NULL || !jsonv_is_slug(q.survey))
        return http_reply_error(rq, c, MHD_HTTP_BAD_REQUEST, "survey",
                           "survey: expected a survey slug (?survey=...)");
    if (http_query_lang(c, &q.english) != 0)
        return http_reply_error(rq, c, MHD_HTTP_BAD_REQUEST, "lang", "lang: expected pl or en");
    out = http_with_db(rq->srv, report_load_work, &q);
    if (out == OUTCOME_OK && q.status == MHD_HTTP_OK)
        q.status = report_allowed(rq, &q, &wave);
    if (out == OUTCOME_OK && q.status == MHD_HTTP_OK) {
        fd = report_file(rq, &q, wave, name, sizeof name, err, sizeof err);
        if (fd < 0)
            log_error("GET %s: %s", rq->path, err);
    }
    report_query_clear(&q);
    if (out == OUTCOME_UNAVAILABLE)
        ok = http_reply_unavailable(rq, c);
    else if (out == OUTCOME_INTERNAL)
        ok = http_reply_error(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "", "database error");
    else if (q.status != MHD_HTTP_OK)
        ok = http_reply_error(rq, c, q.status, "", q.message);
    else if (fd < 0)
        ok = http_reply_error(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "", "cannot write the report");
    else
        ok = reply_file(rq, c, fd, report_content_type(rq->ext), name);
    return ok;
}
