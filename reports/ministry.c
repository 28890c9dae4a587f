/* ministry: the programme-wide export (see ministry.h): its workbook (the
 * tidy sheet, the codebook, a sheet per network, the methodology) and the
 * export's entry points. The rows: ministry_tidy.c; the text files:
 * ministry_files.c. */
#include "ministry.h"

#include "anon.h"
#include "err.h"
#include "ministry_files.h"
#include "ministry_model.h"
#include "msg.h"
#include "results.h"
#include "results_model.h"
#include "sheets.h"
#include "weights.h"
#include "xlsx.h"

#include <stdio.h>
#include <string.h>

/* ---- the workbook ---- */

static enum xlsx_fmt value_format(const struct tidy_row *row)
{
    const char *stat = row->statistic;

    if (strcmp(stat, "share") == 0)
        return XF_PCT1;
    if (strcmp(stat, "count") == 0)
        return XF_INT;
    if (strcmp(stat, "enps") == 0)
        return XF_SIGNED1;
    return XF_DEC2;
}

/* A tidy row: texts, and numbers or nothing (never a dash: the sheet types
 * as numbers; the status says why a cell is empty). */
static void tidy_row(struct xlsx *x, lxw_worksheet *ws, int row, const struct tidy *t,
                     const struct tidy_row *r)
{
    enum xlsx_fmt vf = value_format(r);
    const char *texts[MINISTRY_NTEXT];

    ministry_row_texts(t, r, texts);
    for (size_t c = 0; c < MINISTRY_NTEXT; c++)
        xlsx_text(x, ws, row, (int)c, texts[c], XF_PLAIN);
    xlsx_number(x, ws, row, MINISTRY_NTEXT, r->n, XF_INT);
    xlsx_number(x, ws, row, MINISTRY_NTEXT + 1, r->value, vf);
    xlsx_number(x, ws, row, MINISTRY_NTEXT + 2, r->lo, vf);
    xlsx_number(x, ws, row, MINISTRY_NTEXT + 3, r->hi, vf);
}

static void sheet_tidy(struct xlsx *x, const struct tidy *t)
{
    static const double widths[MINISTRY_NCOLUMNS] = { 22, 8, 10, 22, 24, 9, 18, 30,
                                             50, 9, 11, 8, 10, 10, 10 };
    lxw_worksheet *ws = xlsx_sheet(x, xlsx_label(x, L_DATA));
    struct xlsx_col cols[MINISTRY_NCOLUMNS];

    if (ws == NULL)
        return;
    for (size_t c = 0; c < MINISTRY_NCOLUMNS; c++)
        cols[c] = (struct xlsx_col){ L_COUNT, ministry_columns[c].name, widths[c] };
    xlsx_header(x, ws, 0, 0, cols, MINISTRY_NCOLUMNS);
    for (size_t i = 0; i < t->nrows; i++)
        tidy_row(x, ws, 1 + (int)i, t, &t->rows[i]);
    xlsx_table(x, ws, 0, (int)t->nrows, MINISTRY_NCOLUMNS);
}

/* The codebook sheet: the same rows as the codebook CSV. */
static void sheet_codebook(struct xlsx *x, const struct tidy *t)
{
    static const double widths[MINISTRY_NCB] = { 10, 22, 30, 9, 14, 9, 10, 9, 60, 60 };
    lxw_worksheet *ws = xlsx_sheet(x, xlsx_label(x, L_CODEBOOK));
    struct xlsx_col cols[MINISTRY_NCB];

    if (ws == NULL)
        return;
    for (size_t c = 0; c < MINISTRY_NCB; c++)
        cols[c] = (struct xlsx_col){ L_COUNT, ministry_cb_columns[c], widths[c] };
    xlsx_header(x, ws, 0, 0, cols, MINISTRY_NCB);
    for (size_t i = 0; i < ministry_cb_rows(t); i++) {
        const char *texts[MINISTRY_NCB];

        ministry_cb_row(t, i, texts);
        for (size_t c = 0; c < MINISTRY_NCB; c++)
            xlsx_text(x, ws, 1 + (int)i, (int)c, texts[c], c > MINISTRY_CB_REVERSE ? XF_WRAP : XF_PLAIN);
    }
    xlsx_table(x, ws, 0, (int)ministry_cb_rows(t), MINISTRY_NCB);
}

/* A sheet name: at most maxchars characters (not bytes) of name. */
static void sheet_name(char *buf, size_t n, const char *name, size_t maxchars)
{
    size_t len = 0, chars = 0;

    while (name[len] != '\0' && len + 4 < n) {
        if (((unsigned char)name[len] & 0xC0) != 0x80 && ++chars > maxchars)
            break;
        len++;
    }
    while (len > 0 && name[len - 1] == ' ')
        len--;
    memcpy(buf, name, len);
    buf[len] = '\0';
}

/* The dash of a figure hidden by flag (an anon_flag), with the note of its
 * reason, as the results document gives it. */
static void hidden_cell(struct xlsx *x, lxw_worksheet *ws, int row, int col, int flag)
{
    xlsx_hidden_flag(x, ws, row, col, flag != 0 ? flag : ANON_BELOW_THRESHOLD);
}

/* A network's total or a member city in one wave: respondents, the
 * dimension means and eNPS; a hidden figure as the dash with its note (a
 * hidden group: every cell with the group's reason; a city without
 * responses, g NULL: the general note); a figure that cannot be computed,
 * or an item the wave did not ask, stays empty. */
static void network_city_row(struct xlsx *x, lxw_worksheet *ws, int row,
                             const struct results *res, const char *wave,
                             const struct results_group *g, const char *name)
{
    int enps = agg_enps_item(res->in->agg) >= 0;
    int ncells = 1 + (int)res->ndims + enps;
    int col = 3;

    xlsx_text(x, ws, row, 0, wave, XF_PLAIN);
    xlsx_text(x, ws, row, 1, name, XF_PLAIN);
    if (g == NULL || g->hidden) {
        for (int c = 2; c < 2 + ncells; c++)
            if (g == NULL)
                xlsx_hidden(x, ws, row, c);
            else
                hidden_cell(x, ws, row, c, g->hidden);
        return;
    }
    xlsx_number(x, ws, row, 2, g->respondents, XF_INT);
    for (size_t d = 0; d < res->ndims; d++, col++) {
        const struct results_measure *m = NULL;

        for (size_t i = 0; i < g->ndims && m == NULL; i++)
            if (g->dims[i].index == d)
                m = &g->dims[i];
        if (m == NULL)
            xlsx_hidden(x, ws, row, col);
        else if (m->not_asked)
            continue;
        else if (m->hidden)
            hidden_cell(x, ws, row, col, m->hidden);
        else
            xlsx_number(x, ws, row, col, m->est.mean, XF_DEC2);
    }
    if (enps && g->enps.hidden)
        hidden_cell(x, ws, row, col, g->enps.hidden);
    else if (enps && g->enps.present)
        xlsx_number(x, ws, row, col, g->enps.value, XF_SIGNED1);
}

/* The network group slug in wave w, when it has member cities, or NULL. */
static const struct results_group *network_group(const struct results *res, size_t w,
                                                 const char *slug)
{
    const struct results_group *g = results_find(res, agg_wave(res->in->agg, w),
                                                 RESULTS_NETWORK, slug);

    return g != NULL && g->network != NULL && g->network->nmembers > 0 ? g : NULL;
}

/* True when the network has members in some wave up to wi. */
static int network_has_members(const struct results *res, const char *slug, long wi)
{
    for (long w = 0; w <= wi; w++)
        if (network_group(res, (size_t)w, slug) != NULL)
            return 1;
    return 0;
}

/*
 * A network's sheet: every wave up to the export's, each with the network's
 * total and its member cities of that wave: respondents, the dimension
 * means and eNPS (the dash of a hidden figure: this sheet is for people).
 * tag: 0 for a single survey, else the survey's number, added to the name.
 */
static void sheet_network(struct xlsx *x, const struct ministry_input *in, int tag,
                          const struct report_meta *meta, const char *slug)
{
    const struct results *res = in->r;
    const struct agg *agg = res->in->agg;
    long wi = report_ministry_wave(res, in->wave);
    const char *netname = report_network_name(meta, slug, x->english);
    char name[160], subtitle[400];
    struct xlsx_col col = { L_WAVE, NULL, 8 };
    lxw_worksheet *ws;
    int row = 3, c = 3;

    if (tag == 0) {
        sheet_name(name, sizeof name, netname, 31);
    } else {
        sheet_name(name, sizeof name, netname, 26);
        snprintf(name + strlen(name), sizeof name - strlen(name), " (%d)", tag);
    }
    ws = xlsx_sheet(x, name);
    if (ws == NULL)
        return;
    snprintf(subtitle, sizeof subtitle, "%s%s%s", ministry_survey_title(in), tag ? " · " : "",
             tag ? ministry_survey_slug(in) : "");
    sheets_title(x, ws, netname, subtitle);
    xlsx_header(x, ws, 2, 0, &col, 1);
    col = (struct xlsx_col){ L_CITY, NULL, 24 };
    xlsx_header(x, ws, 2, 1, &col, 1);
    col = (struct xlsx_col){ L_RESPONDENTS, NULL, 12 };
    xlsx_header(x, ws, 2, 2, &col, 1);
    for (size_t d = 0; d < res->ndims; d++) {
        const struct survey_dimension *dim = agg_dim_def(agg, d);

        col = (struct xlsx_col){ L_COUNT, msg_text(in->english, dim->label_pl,
                                                        dim->label_en), 14 };
        xlsx_header(x, ws, 2, c++, &col, 1);
    }
    if (agg_enps_item(agg) >= 0) {
        col = (struct xlsx_col){ L_COUNT, "eNPS", 10 };
        xlsx_header(x, ws, 2, c++, &col, 1);
    }
    for (long w = 0; w <= wi; w++) {
        const char *wave = agg_wave(agg, (size_t)w);
        const struct results_group *net = network_group(res, (size_t)w, slug);

        if (net == NULL)
            continue;
        network_city_row(x, ws, row++, res, wave, net, xlsx_label(x, L_NETWORK_TOTAL));
        for (size_t i = 0; i < net->network->nmembers; i++) {
            const char *city = net->network->members[i];

            network_city_row(x, ws, row++, res, wave,
                             results_find(res, wave, RESULTS_CITY, city),
                             report_city_name(meta, city));
        }
    }
    xlsx_table(x, ws, 2, row - 1, c);
}

/* Every network of an input with members, once, in the model's order. */
static void network_sheets(struct xlsx *x, const struct ministry_input *in, int tag,
                           const struct report_meta *meta)
{
    const struct results *res = in->r;
    long wi = report_ministry_wave(res, in->wave);

    for (size_t i = 0; i < res->nwaves * res->ngroups; i++) {
        const struct results_group *g = &res->groups[i];
        int seen = 0;

        if (g->type != RESULTS_NETWORK)
            continue;
        for (size_t j = 0; j < i && !seen; j++)
            seen = res->groups[j].type == RESULTS_NETWORK &&
                   strcmp(res->groups[j].slug, g->slug) == 0;
        if (!seen && network_has_members(res, g->slug, wi))
            sheet_network(x, in, tag, meta, g->slug);
    }
}

/* "2022, 2023, 2024, 2025" from an array of labels. */
static void waves_text(char *buf, size_t n, const json_t *waves)
{
    size_t len = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < json_array_size(waves); i++)
        if (len < n)
            len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? ", " : "",
                                    json_string_value(json_array_get(waves, i)));
}

/*
 * The methodology sheet of the export: the surveys' titles, every wave, the
 * lowest threshold; for one survey whether it is weighted and, when it is
 * post-stratified, how each city's sample was weighted (results_wlines).
 */
static void methodology(struct xlsx *x, const struct ministry_ctx *w, const char *titles,
                        int threshold, const char *waves)
{
    struct results_wline *lines = NULL;
    struct sheets_facts f;

    memset(&f, 0, sizeof f);
    f.title = titles;
    f.threshold = threshold;
    f.wave = waves;
    f.what = L_SURVEY;
    if (w->n == 1) {
        const struct results *res = w->in[0].r;
        const struct results_group *all = results_find(res, w->in[0].wave, RESULTS_ALL, NULL);
        int wt = all != NULL ? results_wlines(res, all, &lines, &f.nlines) : 0;

        f.weighted = res->weighted;
        if (wt < 0)
            xlsx_check(x, LXW_ERROR_MEMORY_MALLOC_FAILED, "the weighting");
        f.weighted_to_population = wt > 0;
        f.lines = lines;
    }
    sheets_methodology_facts(x, w->meta, &f);
    free(lines);
}

static int write_workbook(const struct ministry_ctx *w, const char *path, char *err,
                          size_t errlen)
{
    const struct ministry_input *in = w->in;
    json_t *waves = ministry_all_waves(in, w->n);
    int english = in[0].english;
    struct xlsx x;
    struct xlsx_props props;
    char tmp[4096], title[600], wtext[200], titles[600];
    size_t tlen = 0;
    double threshold = in[0].r->threshold;
    int rc;

    if (waves == NULL)
        return err_set(err, errlen, "out of memory");
    waves_text(wtext, sizeof wtext, waves);
    json_decref(waves);
    titles[0] = '\0';
    for (size_t k = 0; k < w->n; k++) {
        if (tlen < sizeof titles)
            tlen += (size_t)snprintf(titles + tlen, sizeof titles - tlen, "%s%s", k ? "; " : "",
                                     ministry_survey_title(&in[k]));
        if (in[k].r->threshold < threshold)
            threshold = in[k].r->threshold;
    }
    if (report_tmp_path(path, tmp, sizeof tmp) != 0)
        return err_set(err, errlen, "%s: path too long", path);
    snprintf(title, sizeof title, "%s: %s", w->n == 1 ? titles : "Rozwój Lokalny", wtext);
    /* The tidy sheet has a row per group, wave and indicator: written top
     * to bottom, like every sheet here, so it can stream to disk. */
    props = (struct xlsx_props){ title, L_MINISTRY_REPORT, 1, w->meta->created_at };
    if (xlsx_open(&x, tmp, english, (int)threshold, &props, err, errlen) != 0)
        return -1;
    sheet_tidy(&x, w->t);
    sheet_codebook(&x, w->t);
    for (size_t k = 0; k < w->n; k++)
        network_sheets(&x, &in[k], w->n == 1 ? 0 : (int)k + 1, w->meta);
    /* The methodology of every survey at once: their titles, every wave,
     * the lowest threshold (each survey's is in the JSON). */
    methodology(&x, w, titles, (int)threshold, wtext);
    rc = xlsx_close(&x, err, errlen);
    return report_commit(tmp, path, rc == 0, err, errlen);
}

/* ---- the export ---- */

int report_ministry_paths(struct ministry_paths *p, const char *dir, const char *wave,
                          const char *survey, int english)
{
    const char *prefix = english ? "ministry" : "ministerstwo";
    char base[4000];
    int len;

    if (survey != NULL)
        len = snprintf(base, sizeof base, "%s/%s/%s-%s", dir, wave, prefix, survey);
    else
        len = snprintf(base, sizeof base, "%s/%s/%s", dir, wave, prefix);
    if (len < 0 || (size_t)len >= sizeof base)
        return -1;
    snprintf(p->xlsx, sizeof p->xlsx, "%s.xlsx", base);
    snprintf(p->csv, sizeof p->csv, "%s.csv", base);
    snprintf(p->json, sizeof p->json, "%s.json", base);
    snprintf(p->codebook, sizeof p->codebook, "%s-codebook.csv", base);
    snprintf(p->csv_excel_pl, sizeof p->csv_excel_pl, "%s-excel-pl.csv", base);
    if (survey != NULL)
        snprintf(p->datapackage, sizeof p->datapackage, "%s.datapackage.json", base);
    else
        snprintf(p->datapackage, sizeof p->datapackage, "%s/%s/datapackage.json", dir, wave);
    return 0;
}

int report_ministry_export(const struct ministry_input *in, size_t n,
                           const struct report_meta *meta, const struct ministry_files *f,
                           char *err, size_t errlen)
{
    struct tidy t;
    struct ministry_ctx w;
    int rc = 0;

    if (n == 0)
        return err_set(err, errlen, "no survey to export");
    for (size_t k = 0; k < n; k++) {
        if (in[k].r == NULL)
            return err_set(err, errlen, "survey %zu of the export: no results", k + 1);
        if (in[k].wave == NULL || report_ministry_wave(in[k].r, in[k].wave) < 0)
            return err_set(err, errlen, "survey \"%s\": no wave \"%s\"",
                           ministry_survey_slug(&in[k]), in[k].wave ? in[k].wave : "");
    }
    if (f->datapackage != NULL && (f->csv == NULL || f->codebook == NULL))
        return err_set(err, errlen, "the data package describes the CSV and the codebook: "
                                    "write them too");
    if (ministry_tidy_build(&t, in, n, meta) != 0)
        return err_set(err, errlen, "out of memory");
    w = (struct ministry_ctx){ in, n, meta, &t, f };
    if (f->xlsx != NULL)
        rc = write_workbook(&w, f->xlsx, err, errlen);
    if (rc == 0 && f->csv != NULL)
        rc = ministry_write_text(f->csv, MK_CSV, &w, err, errlen);
    if (rc == 0 && f->csv_excel_pl != NULL)
        rc = ministry_write_text(f->csv_excel_pl, MK_CSV_PL, &w, err, errlen);
    if (rc == 0 && f->json != NULL)
        rc = ministry_write_text(f->json, MK_JSON, &w, err, errlen);
    if (rc == 0 && f->codebook != NULL)
        rc = ministry_write_text(f->codebook, MK_CODEBOOK, &w, err, errlen);
    if (rc == 0 && f->datapackage != NULL)
        rc = ministry_write_text(f->datapackage, MK_DATAPACKAGE, &w, err, errlen);
    ministry_tidy_free(&t);
    return rc;
}

int report_ministry_write(const struct results *r, int english, const struct report_meta *meta,
                          const char *wave, const char *xlsx_path, const char *csv_path,
                          const char *json_path, char *err, size_t errlen)
{
    struct ministry_input in = { r, english, wave, NULL };
    struct ministry_files f = { xlsx_path, csv_path, json_path, NULL, NULL, NULL };

    if (r == NULL || wave == NULL || report_ministry_wave(r, wave) < 0)
        return err_set(err, errlen, "no wave \"%s\"", wave != NULL ? wave : "");
    return report_ministry_export(&in, 1, meta, &f, err, errlen);
}
