/* ministry: the programme-wide tidy export (see ministry.h). */
#include "ministry.h"

#include "err.h"
#include "results.h"
#include "sheets.h"
#include "xlsx.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* The tidy columns, in order. */
static const char *const columns[] = {
    "survey", "wave", "group_type", "group_slug", "group_name", "indicator",
    "indicator_label", "statistic", "n", "value", "ci_low", "ci_high", "suppressed",
};
#define NCOLUMNS (sizeof columns / sizeof columns[0])

static const struct {
    const char *type, *pl, *en;
} column_defs[NCOLUMNS] = {
    { "text", "Identyfikator badania (slug).", "The survey's identifier (slug)." },
    { "text", "Etykieta fali badania (np. 2025).", "The wave's label (e.g. 2025)." },
    { "text", "Rodzaj grupy: city (miasto), network (sieć: jej miasta członkowskie), all "
              "(wszystkie miasta z odpowiedziami).",
      "The kind of group: city, network (its member cities) or all (every city with "
      "responses)." },
    { "text", "Identyfikator miasta lub sieci; \"all\" dla wszystkich miast.",
      "The city's or network's identifier; \"all\" for all cities." },
    { "text", "Nazwa miasta lub sieci.", "The city's or network's name." },
    { "text", "Kod wskaźnika (patrz tabela wskaźników).", "The indicator's code (see the "
                                                           "indicators below)." },
    { "text", "Nazwa wskaźnika.", "The indicator's name." },
    { "text", "Rodzaj wartości: count (liczba), mean (średnia), share (odsetek 0–1), enps "
              "(punkty −100..100).",
      "What the value is: count, mean, share (0-1) or enps (points -100..100)." },
    { "number", "Liczba odpowiedzi, na których opiera się wartość.",
      "The number of responses the value rests on." },
    { "number", "Wartość wskaźnika; puste, gdy ukryta.", "The indicator's value; empty when "
                                                          "hidden." },
    { "number", "Dolna granica 95% przedziału ufności.", "The lower bound of the 95% confidence "
                                                          "interval." },
    { "number", "Górna granica 95% przedziału ufności.", "The upper bound of the 95% confidence "
                                                          "interval." },
    { "boolean", "true, gdy wartość jest ukryta (próg anonimowości); wtedy n, value i CI są "
                 "puste.",
      "true when the figure is hidden (anonymity threshold); then n, value and CI are empty." },
};

/* ---- the tidy rows ---- */

struct rowctx {
    json_t *rows;
    const json_t *doc, *g;
    const char *group_slug;
};

static json_t *jnum_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static void add_row(struct rowctx *r, const char *indicator, const char *label,
                    const char *statistic, double n, double value, double lo, double hi,
                    int hidden)
{
    json_t *row = json_object();

    json_object_set_new(row, "survey", json_string(xlsx_str(r->doc, "survey", "")));
    json_object_set_new(row, "wave", json_string(xlsx_str(r->g, "wave", "")));
    json_object_set_new(row, "group_type", json_string(xlsx_str(r->g, "type", "")));
    json_object_set_new(row, "group_slug", json_string(r->group_slug));
    json_object_set_new(row, "group_name", json_string(xlsx_str(r->g, "name", "")));
    json_object_set_new(row, "indicator", json_string(indicator));
    json_object_set_new(row, "indicator_label", json_string(label));
    json_object_set_new(row, "statistic", json_string(statistic));
    json_object_set_new(row, "n", hidden ? json_null() : jnum_or_null(n));
    json_object_set_new(row, "value", hidden ? json_null() : jnum_or_null(value));
    json_object_set_new(row, "ci_low", hidden ? json_null() : jnum_or_null(lo));
    json_object_set_new(row, "ci_high", hidden ? json_null() : jnum_or_null(hi));
    json_object_set_new(row, "suppressed", json_boolean(hidden));
    json_array_append_new(r->rows, row);
}

static void measure_rows(struct rowctx *r, const char *indicator, const char *label,
                         const json_t *m, const char *statistic, const char *vkey)
{
    add_row(r, indicator, label, statistic, xlsx_num(m, "n"), xlsx_num(m, vkey),
            xlsx_num(m, "ci_low"), xlsx_num(m, "ci_high"), xlsx_is_hidden(m));
}

static void item_rows(struct rowctx *r, const json_t *item)
{
    const char *code = xlsx_str(item, "code", "");
    const char *text = xlsx_str(item, "text", code);
    const json_t *m = xlsx_is_hidden(r->g)
                          ? NULL
                          : xlsx_find(json_object_get(r->g, "items"), "code", code);
    char ind[160], label[600];
    size_t i;
    json_t *opt;

    if (sheets_scored(item)) {
        snprintf(ind, sizeof ind, "item.%s", code);
        measure_rows(r, ind, text, m, "mean", "mean");
        if (strcmp(xlsx_str(item, "type", ""), "likert") != 0)
            return;
        snprintf(ind, sizeof ind, "item.%s.favourable", code);
        snprintf(label, sizeof label, "%s (%%)", text);
        add_row(r, ind, label, "share", xlsx_num(m, "n"), xlsx_num(m, "favourable.share"),
                xlsx_num(m, "favourable.ci_low"), xlsx_num(m, "favourable.ci_high"),
                xlsx_is_hidden(m));
        return;
    }
    json_array_foreach(json_object_get(item, "options"), i, opt) {
        long long oc = json_integer_value(json_object_get(opt, "code"));

        snprintf(ind, sizeof ind, "item.%s.option_%lld", code, oc);
        snprintf(label, sizeof label, "%s: %s", text, xlsx_str(opt, "label", ""));
        add_row(r, ind, label, "share", xlsx_num(m, "n"),
                xlsx_num(json_array_get(json_object_get(m, "distribution"), i), ""), NAN, NAN,
                xlsx_is_hidden(m));
    }
}

static void group_rows(struct rowctx *r)
{
    const json_t *g = r->g;
    int hidden = xlsx_is_hidden(g);
    size_t i;
    json_t *d;

    add_row(r, "respondents", xlsx_str(r->doc, "language", "pl")[0] == 'e' ? "Respondents"
                                                                            : "Liczba respondentów",
            "count", xlsx_num(g, "respondents"), xlsx_num(g, "respondents"), NAN, NAN, hidden);
    json_array_foreach(xlsx_get(r->doc, "instrument.dimensions"), i, d) {
        const char *code = xlsx_str(d, "code", "");
        char ind[160];

        snprintf(ind, sizeof ind, "dimension.%s", code);
        measure_rows(r, ind, xlsx_str(d, "label", code),
                     hidden ? NULL : xlsx_find(json_object_get(g, "dimensions"), "code", code),
                     "mean", "mean");
    }
    if (sheets_enps_item(r->doc) != NULL)
        measure_rows(r, "enps", "eNPS", hidden ? NULL : json_object_get(g, "enps"), "enps",
                     "value");
    json_array_foreach(xlsx_get(r->doc, "instrument.items"), i, d)
        item_rows(r, d);
}

json_t *report_ministry_rows(json_t *doc, const char *wave)
{
    long wi = report_wave_index(doc, wave);
    struct rowctx r;
    size_t i;
    json_t *g;

    memset(&r, 0, sizeof r);
    r.rows = json_array();
    r.doc = doc;
    if (r.rows == NULL)
        return NULL;
    json_array_foreach(json_object_get(doc, "groups"), i, g) {
        long w = report_wave_index(doc, xlsx_str(g, "wave", ""));

        if (w < 0 || w > wi)
            continue;
        r.g = g;
        r.group_slug = xlsx_str(g, "slug", "all");
        group_rows(&r);
    }
    return r.rows;
}

/* ---- CSV and JSON ---- */

static int csv_field(FILE *f, const json_t *v)
{
    if (json_is_string(v)) {
        const char *s = json_string_value(v);

        if (strpbrk(s, ",\"\r\n") == NULL)
            return fputs(s, f) < 0 ? -1 : 0;
        if (fputc('"', f) == EOF)
            return -1;
        for (; *s != '\0'; s++)
            if ((*s == '"' && fputc('"', f) == EOF) || fputc(*s, f) == EOF)
                return -1;
        return fputc('"', f) == EOF ? -1 : 0;
    }
    if (json_is_boolean(v))
        return fputs(json_is_true(v) ? "true" : "false", f) < 0 ? -1 : 0;
    if (json_is_integer(v))
        return fprintf(f, "%lld", (long long)json_integer_value(v)) < 0 ? -1 : 0;
    if (json_is_real(v))
        return fprintf(f, "%.17g", json_real_value(v)) < 0 ? -1 : 0;
    return 0;    /* null: empty */
}

static int csv_write(FILE *f, const json_t *rows)
{
    size_t i;
    json_t *row;

    for (size_t c = 0; c < NCOLUMNS; c++)
        if (fprintf(f, "%s%s", c ? "," : "", columns[c]) < 0)
            return -1;
    if (fputs("\r\n", f) < 0)
        return -1;
    json_array_foreach(rows, i, row) {
        for (size_t c = 0; c < NCOLUMNS; c++)
            if ((c > 0 && fputc(',', f) == EOF) ||
                csv_field(f, json_object_get(row, columns[c])) != 0)
                return -1;
        if (fputs("\r\n", f) < 0)
            return -1;
    }
    return 0;
}

static int json_write(FILE *f, const json_t *doc, const json_t *rows, const char *wave,
                      const struct report_meta *meta)
{
    json_t *out = json_pack("{s:s, s:s, s:O, s:s, s:s, s:O}", "survey",
                            xlsx_str(doc, "survey", ""), "wave", wave, "threshold",
                            json_object_get(doc, "threshold"), "data_date", meta->data_date,
                            "created", meta->created, "rows", rows);
    int rc;

    if (out == NULL)
        return -1;
    rc = json_dumpf(out, f, JSON_INDENT(1) | JSON_REAL_PRECISION(17));
    json_decref(out);
    return rc != 0 || fputc('\n', f) == EOF ? -1 : 0;
}

/* Writes a text file through a temporary name. kind: 'c' CSV, 'j' JSON. */
static int write_text(const char *path, int kind, const json_t *doc, const json_t *rows,
                      const char *wave, const struct report_meta *meta, char *err,
                      size_t errlen)
{
    char tmp[4096];
    FILE *f;
    int ok;

    if (report_tmp_path(path, tmp, sizeof tmp) != 0)
        return err_set(err, errlen, "%s: path too long", path);
    f = fopen(tmp, "w");
    if (f == NULL)
        return err_set(err, errlen, "%s: %s", tmp, strerror(errno));
    ok = (kind == 'c' ? csv_write(f, rows) : json_write(f, doc, rows, wave, meta)) == 0;
    if (fclose(f) != 0)
        ok = 0;
    if (!ok)
        err_set(err, errlen, "%s: cannot write: %s", path, strerror(errno));
    return report_commit(tmp, path, ok, err, errlen);
}

/* ---- the workbook ---- */

static enum xlsx_fmt value_format(const json_t *row)
{
    const char *stat = xlsx_str(row, "statistic", "");

    if (strcmp(stat, "share") == 0)
        return XF_PCT1;
    if (strcmp(stat, "count") == 0)
        return XF_INT;
    if (strcmp(stat, "enps") == 0)
        return XF_SIGNED1;
    return XF_DEC2;
}

static void tidy_row(struct xlsx *x, lxw_worksheet *ws, int row, const json_t *r)
{
    int hidden = json_is_true(json_object_get(r, "suppressed"));
    enum xlsx_fmt vf = value_format(r);

    for (size_t c = 0; c < 8; c++)
        xlsx_text(x, ws, row, (int)c, xlsx_str(r, columns[c], ""), XF_PLAIN);
    if (hidden) {
        xlsx_hidden(x, ws, row, 9);
    } else {
        xlsx_number(x, ws, row, 8, xlsx_num(r, "n"), XF_INT);
        xlsx_number(x, ws, row, 9, xlsx_num(r, "value"), vf);
        xlsx_number(x, ws, row, 10, xlsx_num(r, "ci_low"), vf);
        xlsx_number(x, ws, row, 11, xlsx_num(r, "ci_high"), vf);
    }
    if (xlsx_ok(x))
        xlsx_check(x, worksheet_write_boolean(ws, (lxw_row_t)row, 12, hidden, NULL),
                   "a boolean");
}

static void sheet_tidy(struct xlsx *x, const json_t *rows)
{
    static const double widths[NCOLUMNS] = { 22, 8, 10, 22, 24, 30, 50, 9, 8, 10, 10, 10, 11 };
    lxw_worksheet *ws = xlsx_sheet(x, xlsx_label(x, L_DATA));
    struct xlsx_col cols[NCOLUMNS];
    size_t i;
    json_t *r;

    if (ws == NULL)
        return;
    for (size_t c = 0; c < NCOLUMNS; c++)
        cols[c] = (struct xlsx_col){ L_COUNT, columns[c], widths[c] };
    xlsx_header(x, ws, 0, 0, cols, NCOLUMNS);
    json_array_foreach(rows, i, r)
        tidy_row(x, ws, 1 + (int)i, r);
    xlsx_table(x, ws, 0, (int)json_array_size(rows), NCOLUMNS);
}

static void sheet_codebook(struct xlsx *x, const json_t *rows)
{
    static const struct xlsx_col cols[] = {
        { L_COLUMN, NULL, 30 }, { L_TYPE, NULL, 12 }, { L_DEFINITION, NULL, 90 },
    };
    lxw_worksheet *ws = xlsx_sheet(x, xlsx_label(x, L_CODEBOOK));
    json_t *seen = json_object();
    int row = 1;
    size_t i;
    json_t *r;

    if (ws == NULL || seen == NULL) {
        json_decref(seen);
        return;
    }
    xlsx_header(x, ws, 0, 0, cols, 3);
    for (size_t c = 0; c < NCOLUMNS; c++) {
        xlsx_text(x, ws, row, 0, columns[c], XF_PLAIN);
        xlsx_text(x, ws, row, 1, column_defs[c].type, XF_PLAIN);
        xlsx_text(x, ws, row++, 2, x->english ? column_defs[c].en : column_defs[c].pl, XF_WRAP);
    }
    row++;
    xlsx_label_cell(x, ws, row, 0, L_INDICATOR, XF_HEAD);
    xlsx_text(x, ws, row, 1, "statistic", XF_HEAD);
    xlsx_label_cell(x, ws, row++, 2, L_DEFINITION, XF_HEAD);
    json_array_foreach(rows, i, r) {
        const char *ind = xlsx_str(r, "indicator", "");

        if (json_object_get(seen, ind) != NULL)
            continue;
        json_object_set_new(seen, ind, json_true());
        xlsx_text(x, ws, row, 0, ind, XF_PLAIN);
        xlsx_text(x, ws, row, 1, xlsx_str(r, "statistic", ""), XF_PLAIN);
        xlsx_text(x, ws, row++, 2, xlsx_str(r, "indicator_label", ""), XF_WRAP);
    }
    json_decref(seen);
    worksheet_freeze_panes(ws, 1, 0);
}

/* A sheet name: at most 31 characters (not bytes) of name. */
static void sheet_name(char *buf, size_t n, const char *name)
{
    size_t len = 0, chars = 0;

    while (name[len] != '\0' && len + 4 < n) {
        if (((unsigned char)name[len] & 0xC0) != 0x80 && ++chars > 31)
            break;
        len++;
    }
    memcpy(buf, name, len);
    buf[len] = '\0';
}

static void network_city_row(struct xlsx *x, lxw_worksheet *ws, int row, const json_t *doc,
                             const json_t *g, const char *name)
{
    size_t i;
    json_t *d;
    int col = 2;

    xlsx_text(x, ws, row, 0, name, XF_PLAIN);
    xlsx_figure(x, ws, row, 1, g, "respondents", XF_INT);
    json_array_foreach(xlsx_get(doc, "instrument.dimensions"), i, d)
        xlsx_figure(x, ws, row, col++,
                    xlsx_is_hidden(g) ? NULL
                                      : xlsx_find(json_object_get(g, "dimensions"), "code",
                                                  xlsx_str(d, "code", "")),
                    "mean", XF_DEC2);
    if (sheets_enps_item(doc) != NULL)
        xlsx_figure(x, ws, row, col, xlsx_is_hidden(g) ? NULL : json_object_get(g, "enps"),
                    "value", XF_SIGNED1);
}

static void sheet_network(struct xlsx *x, json_t *doc, const struct report_meta *meta,
                          const json_t *net, const char *wave)
{
    const json_t *dims = xlsx_get(doc, "instrument.dimensions");
    const char *slug = xlsx_str(net, "slug", "");
    char name[128];
    struct xlsx_col col = { L_CITY, NULL, 24 };
    lxw_worksheet *ws;
    int row = 3, c = 2;
    size_t i;
    json_t *d;

    sheet_name(name, sizeof name, report_network_name(meta, slug, x->english));
    ws = xlsx_sheet(x, name);
    if (ws == NULL)
        return;
    sheets_title(x, ws, report_network_name(meta, slug, x->english), wave);
    xlsx_header(x, ws, 2, 0, &col, 1);
    col = (struct xlsx_col){ L_RESPONDENTS, NULL, 12 };
    xlsx_header(x, ws, 2, 1, &col, 1);
    json_array_foreach(dims, i, d) {
        col = (struct xlsx_col){ L_COUNT, xlsx_str(d, "label", ""), 14 };
        xlsx_header(x, ws, 2, c++, &col, 1);
    }
    if (sheets_enps_item(doc) != NULL) {
        col = (struct xlsx_col){ L_COUNT, "eNPS", 10 };
        xlsx_header(x, ws, 2, c++, &col, 1);
    }
    network_city_row(x, ws, row++, doc, net, xlsx_label(x, L_NETWORK_TOTAL));
    json_array_foreach(json_object_get(net, "members"), i, d) {
        const char *city = json_string_value(d);

        network_city_row(x, ws, row++, doc, results_group(doc, wave, "city", city),
                         report_city_name(meta, city));
    }
    xlsx_table(x, ws, 2, row - 1, c);
}

static int write_workbook(json_t *doc, const struct report_meta *meta, const char *wave,
                          const json_t *rows, const char *path, char *err, size_t errlen)
{
    struct xlsx x;
    struct xlsx_props props;
    char tmp[4096], title[300];
    size_t i;
    json_t *g;
    int rc;

    if (report_tmp_path(path, tmp, sizeof tmp) != 0)
        return err_set(err, errlen, "%s: path too long", path);
    snprintf(title, sizeof title, "%s: %s", xlsx_str(doc, "title", ""), wave);
    /* The tidy sheet has a row per group, wave and indicator: written top
     * to bottom, like every sheet here, so it can stream to disk. */
    props = (struct xlsx_props){ title, L_MINISTRY_REPORT, 1, meta->created_at };
    if (xlsx_open(&x, tmp, strcmp(xlsx_str(doc, "language", "pl"), "en") == 0,
                  (int)xlsx_num(doc, "threshold"), &props, err, errlen) != 0)
        return -1;
    sheet_tidy(&x, rows);
    sheet_codebook(&x, rows);
    json_array_foreach(json_object_get(doc, "groups"), i, g)
        if (strcmp(xlsx_str(g, "type", ""), "network") == 0 &&
            strcmp(xlsx_str(g, "wave", ""), wave) == 0 &&
            json_array_size(json_object_get(g, "members")) > 0)
            sheet_network(&x, doc, meta, g, wave);
    sheets_methodology(&x, doc, meta, wave, L_SURVEY, NULL);
    rc = xlsx_close(&x, err, errlen);
    return report_commit(tmp, path, rc == 0, err, errlen);
}

int report_ministry_write(json_t *doc, const struct report_meta *meta, const char *wave,
                          const char *xlsx_path, const char *csv_path, const char *json_path,
                          char *err, size_t errlen)
{
    json_t *rows;
    int rc = 0;

    if (report_wave_index(doc, wave) < 0)
        return err_set(err, errlen, "no wave \"%s\"", wave);
    rows = report_ministry_rows(doc, wave);
    if (rows == NULL)
        return err_set(err, errlen, "out of memory");
    if (xlsx_path != NULL)
        rc = write_workbook(doc, meta, wave, rows, xlsx_path, err, errlen);
    if (rc == 0 && csv_path != NULL)
        rc = write_text(csv_path, 'c', doc, rows, wave, meta, err, errlen);
    if (rc == 0 && json_path != NULL)
        rc = write_text(json_path, 'j', doc, rows, wave, meta, err, errlen);
    json_decref(rows);
    return rc;
}
