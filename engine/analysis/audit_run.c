#include "audit_run.h"

#include "anon.h"
#include "audit.h"
#include "err.h"
#include "mem.h"
#include "results.h"

#include <stdlib.h>
#include <string.h>

/* What one role sees of every wave x quantity x group x slot. */
struct view {
    const struct results_input *in;
    struct results_layout y;
    size_t nw, nq, ns, ng;
    unsigned char *readable;   /* per group */
    unsigned char *shown;      /* nw x nq x ng x ns */
    unsigned char *target;     /* likewise */
    unsigned char *flag;       /* the anon_flag a hidden figure gave as its reason */
};

static size_t at(const struct view *v, size_t w, size_t q, size_t g, size_t s)
{
    return ((w * v->nq + q) * v->ng + g) * v->ns + s;
}

static long wave_index(const struct view *v, const char *label)
{
    for (size_t w = 0; label != NULL && w < v->nw; w++)
        if (strcmp(agg_wave(v->in->agg, w), label) == 0)
            return (long)w;
    return -1;
}

static long group_index(const struct view *v, const json_t *g)
{
    const char *type = json_string_value(json_object_get(g, "type"));
    const char *slug = json_string_value(json_object_get(g, "slug"));
    size_t nc = agg_ncities(v->in->agg);

    if (type == NULL)
        return -1;
    if (strcmp(type, "all") == 0)
        return (long)(v->ng - 1);
    if (slug == NULL)
        return -1;
    if (strcmp(type, "city") == 0)
        return agg_city_index(v->in->agg, slug);
    for (size_t n = 0; n < v->in->nnetworks; n++)
        if (strcmp(v->in->networks[n].slug, slug) == 0)
            return (long)(nc + n);
    return -1;
}

/* The census quantity of an item or dimension code, or -1. */
static long quantity(const struct view *v, const char *code, int dim)
{
    const struct agg *a = v->in->agg;

    if (code == NULL)
        return -1;
    if (!dim) {
        for (size_t k = 0; k < agg_nitems(a); k++)
            if (strcmp(agg_item_def(a, k)->code, code) == 0)
                return (long)(1 + k);
        return -1;
    }
    for (size_t d = 0; d < agg_ndims(a); d++)
        if (strcmp(agg_dim_def(a, d)->code, code) == 0)
            return (long)(1 + agg_nitems(a) + d);
    return -1;
}

/* Records one figure: hidden ones are targets (whoever reads them), shown
 * ones count for the role when it reads the group. */
static void mark(struct view *v, size_t w, size_t q, size_t g, size_t s, const json_t *fig)
{
    size_t i = at(v, w, q, g, s);

    if (json_is_true(json_object_get(fig, "suppressed"))) {
        const char *why = json_string_value(json_object_get(fig, "reason"));

        v->target[i] = 1;
        v->flag[i] = why != NULL && strcmp(why, "protects_another_group") == 0
                         ? ANON_PROTECTS
                         : ANON_BELOW_THRESHOLD;
    } else if (v->readable[g]) {
        v->shown[i] = 1;
    }
}

/* A hidden group hides every figure of it. */
static void mark_hidden_group(struct view *v, size_t w, size_t g, const json_t *fig)
{
    for (size_t q = 0; q < v->nq; q++)
        for (size_t s = 0; s < v->ns; s++)
            mark(v, w, q, g, s, fig);
}

static void read_measures(struct view *v, size_t w, size_t g, size_t s, const json_t *list,
                          int dim)
{
    size_t i;
    json_t *m;

    json_array_foreach(list, i, m) {
        long q = quantity(v, json_string_value(json_object_get(m, "code")), dim);

        if (q > 0)
            mark(v, w, (size_t)q, g, s, m);
    }
}

/* The slot of a part of attribute a (its value code; null: not given). */
static long part_slot(const struct view *v, size_t a, const json_t *value)
{
    const struct survey_attr *def = &v->in->survey->attrs[a];
    size_t first = v->y.attr_first[a];

    if (json_is_null(value))
        return (long)(first + def->noptions);
    for (size_t j = 0; j < def->noptions; j++)
        if (json_is_integer(value) && def->options[j].code == json_integer_value(value))
            return (long)(first + j);
    return -1;
}

/* Reads one document: without a breakdown (attr < 0) or broken down by
 * attribute attr. Parts a document leaves out hold nobody: shown as such. */
static int read_doc(struct view *v, const json_t *doc, long attr, char *err, size_t errlen)
{
    size_t i;
    json_t *g;

    json_array_foreach(json_object_get(doc, "groups"), i, g) {
        long w = wave_index(v, json_string_value(json_object_get(g, "wave")));
        long gi = group_index(v, g);
        const json_t *parts;
        size_t j;
        json_t *p;

        if (w < 0 || gi < 0)
            return err_set(err, errlen, "audit: a group of the document is not in the table");
        if (json_is_true(json_object_get(g, "suppressed"))) {
            mark_hidden_group(v, (size_t)w, (size_t)gi, g);
            continue;
        }
        if (attr < 0) {
            mark(v, (size_t)w, 0, (size_t)gi, 0, g);
            read_measures(v, (size_t)w, (size_t)gi, 0, json_object_get(g, "items"), 0);
            read_measures(v, (size_t)w, (size_t)gi, 0, json_object_get(g, "dimensions"), 1);
            continue;
        }
        for (size_t s = v->y.attr_first[attr]; s < v->y.attr_first[attr + 1]; s++)
            for (size_t q = 0; q < v->nq; q++)
                if (v->readable[gi] && !v->target[at(v, (size_t)w, q, (size_t)gi, 0)])
                    v->shown[at(v, (size_t)w, q, (size_t)gi, s)] = 1;   /* until read below */
        parts = json_object_get(json_object_get(g, "breakdown"), "parts");
        json_array_foreach(parts, j, p) {
            long s = part_slot(v, (size_t)attr, json_object_get(p, "value"));

            if (s < 0)
                return err_set(err, errlen, "audit: a part of the document has an unknown value");
            /* a listed part: only what it shows counts as shown */
            for (size_t q = 0; q < v->nq; q++)
                v->shown[at(v, (size_t)w, q, (size_t)gi, (size_t)s)] = 0;
            mark(v, (size_t)w, 0, (size_t)gi, (size_t)s, p);
            if (json_is_true(json_object_get(p, "suppressed"))) {
                for (size_t q = 1; q < v->nq; q++)
                    mark(v, (size_t)w, q, (size_t)gi, (size_t)s, p);
                continue;
            }
            read_measures(v, (size_t)w, (size_t)gi, (size_t)s, json_object_get(p, "items"), 0);
        }
    }
    return 0;
}

static int view_init(struct view *v, const struct results_input *in, const char *network,
                     char *err, size_t errlen)
{
    size_t cells;

    memset(v, 0, sizeof *v);
    v->in = in;
    if (results_layout_build(in, &v->y) != 0)
        return err_set(err, errlen, "out of memory");
    v->nw = agg_nwaves(in->agg);
    v->nq = agg_census_nq(in->agg);
    v->ns = v->y.L.nslots;
    v->ng = v->y.L.ngroups;
    cells = v->nw * v->nq * v->ng * v->ns + 1;
    v->readable = calloc(v->ng + 1, 1);
    v->shown = calloc(cells, 1);
    v->target = calloc(cells, 1);
    v->flag = calloc(cells, 1);
    if (v->readable == NULL || v->shown == NULL || v->target == NULL || v->flag == NULL)
        return err_set(err, errlen, "out of memory");
    if (network == NULL) {
        memset(v->readable, 1, v->ng);
        return 0;
    }
    for (size_t n = 0; n < in->nnetworks; n++) {
        size_t g = agg_ncities(in->agg) + n;

        if (strcmp(in->networks[n].slug, network) != 0)
            continue;
        v->readable[g] = 1;
        for (size_t m = 0; m < v->y.nmembers[g]; m++)
            v->readable[v->y.members[g][m]] = 1;
        return 0;
    }
    return err_set(err, errlen, "no network \"%s\" in the registry", network);
}

static void view_free(struct view *v)
{
    results_layout_free(&v->y);
    FREE_ALL(v->readable, v->shown, v->target, v->flag);
}

static void describe(const struct view *v, FILE *out, size_t w, size_t q, size_t g, size_t s)
{
    const struct agg *a = v->in->agg;
    size_t nc = agg_ncities(a);

    fprintf(out, "recoverable: wave %s, ", agg_wave(a, w));
    if (g < nc)
        fprintf(out, "city %s", agg_city(a, g));
    else if (g < nc + v->in->nnetworks)
        fprintf(out, "network %s", v->in->networks[g - nc].slug);
    else
        fprintf(out, "all cities");
    if (s > 0) {
        size_t at_ = 0;

        while (at_ + 1 < v->y.L.nattrs && s >= v->y.attr_first[at_ + 1])
            at_++;
        {
            const struct survey_attr *def = &v->in->survey->attrs[at_];
            size_t j = s - v->y.attr_first[at_];

            if (j < def->noptions)
                fprintf(out, ", %s = %d", def->code, def->options[j].code);
            else
                fprintf(out, ", %s not given", def->code);
        }
    }
    if (q == 0)
        fprintf(out, ", respondents\n");
    else if (q <= agg_nitems(a))
        fprintf(out, ", item %s\n", agg_item_def(a, q - 1)->code);
    else
        fprintf(out, ", dimension %s\n", agg_dim_def(a, q - 1 - agg_nitems(a))->code);
}

static int audit_view(struct view *v, long only_wave, FILE *out, struct audit_summary *sum,
                      char *err, size_t errlen)
{
    size_t nc = agg_ncities(v->in->agg), cells = v->ng * v->ns;
    int t = v->in->threshold;
    double *n = calloc(nc * v->ns + 1, sizeof *n), *N = calloc(cells + 1, sizeof *N);
    unsigned char *det = calloc(cells + 1, 1), *tg = calloc(cells + 1, 1);
    int rc = -1;

    if (n == NULL || N == NULL || det == NULL || tg == NULL) {
        err_set(err, errlen, "out of memory");
        goto done;
    }
    for (size_t w = 0; w < v->nw; w++) {
        if (only_wave >= 0 && (size_t)only_wave != w)
            continue;
        sum->waves++;
        for (size_t q = 0; q < v->nq; q++) {
            const unsigned char *shown = v->shown + at(v, w, q, 0, 0);
            const unsigned char *target = v->target + at(v, w, q, 0, 0);
            const unsigned char *flag = v->flag + at(v, w, q, 0, 0);
            size_t found;

            for (size_t c = 0; c < nc; c++) {
                const double *block = agg_census(v->in->agg, w, c);

                for (size_t s = 0; s < v->ns; s++)
                    n[c * v->ns + s] = block[s * v->nq + q];
            }
            anon_group_counts(&v->y.L, n, N);
            for (size_t i = 0; i < cells; i++) {
                /* small figures the role is not given must stay unknown too */
                tg[i] = target[i] || (!shown[i] && N[i] > 0 && N[i] < t);
                sum->shown += shown[i];
                if (target[i] && N[i] > 0) {
                    sum->hidden++;
                    sum->below += flag[i] == ANON_BELOW_THRESHOLD;
                    sum->protects += flag[i] == ANON_PROTECTS;
                }
            }
            if (audit_table(&v->y.L, N, shown, tg, det, NULL, &found, NULL, err, errlen) != 0)
                goto done;
            sum->recoverable += found;
            for (size_t i = 0; i < cells && out != NULL; i++)
                if (det[i])
                    describe(v, out, w, q, i / v->ns, i % v->ns);
        }
    }
    rc = 0;
done:
    FREE_ALL(n, N, det, tg);
    return rc;
}

int audit_docs(const struct results_input *in, json_t *doc, json_t *const *by_attr,
               const char *network, const char *wave, FILE *out, struct audit_summary *sum,
               char *err, size_t errlen)
{
    struct view v;
    long w = -1;
    int rc = -1;

    memset(sum, 0, sizeof *sum);
    if (view_init(&v, in, network, err, errlen) != 0)
        goto done;
    if (wave != NULL)
        w = wave_index(&v, wave);
    if (wave != NULL && w < 0) {
        err_set(err, errlen, "survey \"%s\" has no wave \"%s\"", in->survey->slug, wave);
        goto done;
    }
    if (read_doc(&v, doc, -1, err, errlen) != 0)
        goto done;
    for (size_t a = 0; a < in->survey->nattrs; a++)
        if (read_doc(&v, by_attr[a], (long)a, err, errlen) != 0)
            goto done;
    rc = audit_view(&v, w, out, sum, err, errlen);
done:
    view_free(&v);
    return rc;
}

int audit_survey(PGconn *conn, const struct catalog *cat, const struct regsnap *reg,
                 const char *survey, const char *wave, const char *network, FILE *out,
                 struct audit_summary *sum, char *err, size_t errlen)
{
    struct results_src *src0 =
        results_src_load(conn, cat, reg, survey, NULL, NULL, NULL, err, errlen);
    const struct results_input *in;
    json_t *doc = NULL, **docs = NULL;
    size_t na = 0;
    int rc = -1;

    memset(sum, 0, sizeof *sum);
    if (src0 == NULL)
        return -1;
    in = results_src_input(src0);
    docs = calloc(in->survey->nattrs + 1, sizeof *docs);
    if (docs == NULL) {
        err_set(err, errlen, "out of memory");
        goto done;
    }
    doc = results_src_build(src0, 0, err, errlen);
    if (doc == NULL)
        goto done;
    {
        /* every split in one pass over the responses */
        size_t n = in->survey->nattrs;
        const char **by = calloc(n + 1, sizeof *by);
        struct results_src **src = calloc(n + 1, sizeof *src);
        int ok = by != NULL && src != NULL;

        for (size_t a = 0; ok && a < n; a++)
            by[a] = in->survey->attrs[a].code;
        if (ok && n > 0)
            ok = results_src_load_many(conn, cat, in->registry, survey, by, n, src, NULL,
                                       NULL, err, errlen) == 0;   /* src0's registry */
        else if (!ok)
            err_set(err, errlen, "out of memory");
        for (size_t a = 0; a < n; a++) {
            if (ok && na == a) {
                docs[a] = results_src_build(src[a], 0, err, errlen);
                if (docs[a] != NULL)
                    na++;
            }
            results_src_free(src[a]);
        }
        free(by);
        free(src);
        if (na < n)
            goto done;
    }
    rc = audit_docs(in, doc, docs, network, wave, out, sum, err, errlen);
done:
    for (size_t a = 0; docs != NULL && a < na; a++)
        json_decref(docs[a]);
    free(docs);
    json_decref(doc);
    results_src_free(src0);
    return rc;
}
