/* report: registry facts, file names and safe writing of reports (see report.h). */
#include "report.h"

#include "agg.h"
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

const char *report_city_name(const struct report_meta *m, const char *slug)
{
    const struct regsnap_city *c = regsnap_city(m->reg, slug);

    return c != NULL ? c->name : slug;
}

const char *report_network_name(const struct report_meta *m, const char *slug, int english)
{
    const struct regsnap_network *n = regsnap_network(m->reg, slug);

    return n != NULL ? regsnap_network_name(n, english) : slug;
}

const char *report_city_teryt(const struct report_meta *m, const char *slug)
{
    const struct regsnap_city *c = regsnap_city(m->reg, slug);

    return c != NULL ? c->teryt : NULL;
}

const char *report_city_voivodeship(const struct report_meta *m, const char *slug)
{
    const struct regsnap_city *c = regsnap_city(m->reg, slug);

    return c != NULL ? c->voivodeship : NULL;
}

int report_headcount_example(const struct report_meta *m, const char *slug)
{
    const struct regsnap_city *c = regsnap_city(m->reg, slug);

    return c != NULL && c->example_headcount;
}

double report_headcount(const struct report_meta *m, const char *slug)
{
    const struct regsnap_city *c = regsnap_city(m->reg, slug);

    return c != NULL ? c->headcount : 0;
}

double report_voids(const struct report_meta *m, const char *wave, const char *city)
{
    double n = 0;

    for (size_t i = 0; i < m->nvoids; i++)
        if (strcmp(m->voids[i].wave, wave) == 0 &&
            (city == NULL || strcmp(city, m->voids[i].city) == 0))
            n += m->voids[i].n;
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
            return err_set(err, errlen, "%s: %s", path, err_errno(errno));
        *p = '/';
    }
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return err_set(err, errlen, "%s: %s", path, err_errno(errno));
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
        err_set(err, errlen, "%s: %s", path, err_errno(errno));
    /* Best effort: the failure that brought us here is the one to report. */
    if (unlink(tmp) != 0 && errno != ENOENT)
        err_prefix(err, errlen, "%s left behind", tmp);
    return -1;
}

const char *report_model_wave(const struct results *r, const char *wave)
{
    long i = wave != NULL ? rmodel_wave_index(r, wave) : results_default_wave(r);

    return i < 0 ? NULL : agg_wave(r->in->agg, (size_t)i);
}

int report_write_group(struct xlsx *x, const struct report_group_book *b, const char *path,
                       void (*sheets)(void *ctx), void *ctx, char *err, size_t errlen)
{
    const char *survey = rmodel_title(b->r, b->english);
    struct xlsx_props props;
    char title[400], tmp[4096];
    int rc;

    if (report_tmp_path(path, tmp, sizeof tmp) != 0)
        return err_set(err, errlen, "%s: path too long", path);
    if (survey == NULL)
        survey = "";
    snprintf(title, sizeof title, "%s: %s, %s", survey, b->name, b->wave);
    snprintf(b->subtitle, b->sublen, "%s · %s · %s", survey, b->name, b->wave);
    memset(&props, 0, sizeof props);
    props.title = title;
    props.subject = b->subject;
    props.created = b->meta->created_at;
    if (xlsx_open(x, tmp, b->english, b->r->threshold, &props, err, errlen) != 0)
        return -1;
    sheets(ctx);
    rc = xlsx_close(x, err, errlen);
    return report_commit(tmp, path, rc == 0, err, errlen);
}
