/* ministry: the programme-wide tidy export (see ministry.h). */
#include "ministry.h"

#include "err.h"
#include "results.h"
#include "sheets.h"
#include "xlsx.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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

/*
 * The rows are plain structs (about 15,000 of them for five waves of a
 * network of 29 cities): the names come from the document (borrowed), the
 * indicator's code and label are built here and kept in one text buffer.
 * A text that is not valid UTF-8 (a label cut at its buffer's end inside a
 * character) is absent: an empty cell, an empty CSV field, no JSON key.
 */
#define ABSENT ((size_t)-1)

struct tidy_row {
    const char *wave, *type, *slug, *name;    /* borrowed from the document */
    size_t indicator, label;                  /* offsets into tidy.text, or ABSENT */
    const char *statistic;                    /* a literal */
    double n, value, lo, hi;                  /* NAN: null */
    int hidden;
};

struct tidy {
    const char *survey;
    struct tidy_row *rows;
    size_t nrows, cap;
    char *text;
    size_t textlen, textcap;
    int oom;
};

struct rowctx {
    struct tidy *t;
    const json_t *doc, *g;
    const char *group_slug;
};

static void tidy_free(struct tidy *t)
{
    free(t->rows);
    free(t->text);
}

static const char *tidy_text(const struct tidy *t, size_t off)
{
    return off == ABSENT ? NULL : t->text + off;
}

/* True when the string ends inside a multi-byte character: the only way the
 * texts built here (from valid UTF-8 and ASCII) can be invalid. */
static int cut_inside_char(const char *s, size_t len)
{
    size_t i = len, need;
    unsigned char c;

    while (i > 0 && len - i < 4 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;
    if (i == 0 || i == len)
        return i == 0 && len > 0;
    c = (unsigned char)s[i - 1];
    need = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
    return len - (i - 1) < need;
}

static size_t tidy_add_text(struct tidy *t, const char *s, int truncated)
{
    size_t len = strlen(s), off = t->textlen;

    if (truncated && cut_inside_char(s, len))
        return ABSENT;
    if (t->textlen + len + 1 > t->textcap) {
        size_t cap = t->textcap ? t->textcap * 2 : 1 << 16;
        char *p;

        while (cap < t->textlen + len + 1)
            cap *= 2;
        p = realloc(t->text, cap);
        if (p == NULL) {
            t->oom = 1;
            return ABSENT;
        }
        t->text = p;
        t->textcap = cap;
    }
    memcpy(t->text + off, s, len + 1);
    t->textlen += len + 1;
    return off;
}

static double finite_or_nan(double v)
{
    return isfinite(v) ? v : NAN;
}

static void add_row(struct rowctx *r, const char *indicator, int ind_cut, const char *label,
                    int label_cut, const char *statistic, double n, double value, double lo,
                    double hi, int hidden)
{
    struct tidy *t = r->t;
    struct tidy_row *row;

    if (t->oom)
        return;
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        struct tidy_row *p = realloc(t->rows, cap * sizeof *p);

        if (p == NULL) {
            t->oom = 1;
            return;
        }
        t->rows = p;
        t->cap = cap;
    }
    row = &t->rows[t->nrows++];
    row->wave = xlsx_str(r->g, "wave", "");
    row->type = xlsx_str(r->g, "type", "");
    row->slug = r->group_slug;
    row->name = xlsx_str(r->g, "name", "");
    row->indicator = tidy_add_text(t, indicator, ind_cut);
    row->label = tidy_add_text(t, label, label_cut);
    row->statistic = statistic;
    row->hidden = hidden;
    row->n = hidden ? NAN : finite_or_nan(n);
    row->value = hidden ? NAN : finite_or_nan(value);
    row->lo = hidden ? NAN : finite_or_nan(lo);
    row->hi = hidden ? NAN : finite_or_nan(hi);
}

/* snprintf that says whether it cut the text. */
#define FMT(buf, ...) ((size_t)snprintf(buf, sizeof buf, __VA_ARGS__) >= sizeof buf)

static void measure_rows(struct rowctx *r, const char *indicator, int ind_cut,
                         const char *label, const json_t *m, const char *statistic,
                         const char *vkey)
{
    add_row(r, indicator, ind_cut, label, 0, statistic, xlsx_num(m, "n"), xlsx_num(m, vkey),
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
    int ind_cut, label_cut;
    size_t i;
    json_t *opt;

    if (sheets_scored(item)) {
        ind_cut = FMT(ind, "item.%s", code);
        measure_rows(r, ind, ind_cut, text, m, "mean", "mean");
        if (strcmp(xlsx_str(item, "type", ""), "likert") != 0)
            return;
        ind_cut = FMT(ind, "item.%s.favourable", code);
        label_cut = FMT(label, "%s (%%)", text);
        add_row(r, ind, ind_cut, label, label_cut, "share", xlsx_num(m, "n"),
                xlsx_num(m, "favourable.share"), xlsx_num(m, "favourable.ci_low"),
                xlsx_num(m, "favourable.ci_high"), xlsx_is_hidden(m));
        return;
    }
    json_array_foreach(json_object_get(item, "options"), i, opt) {
        long long oc = json_integer_value(json_object_get(opt, "code"));

        ind_cut = FMT(ind, "item.%s.option_%lld", code, oc);
        label_cut = FMT(label, "%s: %s", text, xlsx_str(opt, "label", ""));
        add_row(r, ind, ind_cut, label, label_cut, "share", xlsx_num(m, "n"),
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

    add_row(r, "respondents", 0,
            xlsx_str(r->doc, "language", "pl")[0] == 'e' ? "Respondents" : "Liczba respondentów",
            0, "count", xlsx_num(g, "respondents"), xlsx_num(g, "respondents"), NAN, NAN,
            hidden);
    json_array_foreach(xlsx_get(r->doc, "instrument.dimensions"), i, d) {
        const char *code = xlsx_str(d, "code", "");
        char ind[160];
        int ind_cut = FMT(ind, "dimension.%s", code);

        measure_rows(r, ind, ind_cut, xlsx_str(d, "label", code),
                     hidden ? NULL : xlsx_find(json_object_get(g, "dimensions"), "code", code),
                     "mean", "mean");
    }
    if (sheets_enps_item(r->doc) != NULL)
        measure_rows(r, "enps", 0, "eNPS", hidden ? NULL : json_object_get(g, "enps"), "enps",
                     "value");
    json_array_foreach(xlsx_get(r->doc, "instrument.items"), i, d)
        item_rows(r, d);
}

/* The tidy rows of every group in every wave up to wave (inclusive). -1 when
 * out of memory (t then holds nothing to free). */
static int tidy_build(struct tidy *t, json_t *doc, const char *wave)
{
    long wi = report_wave_index(doc, wave);
    struct rowctx r;
    size_t i;
    json_t *g;

    memset(t, 0, sizeof *t);
    t->survey = xlsx_str(doc, "survey", "");
    memset(&r, 0, sizeof r);
    r.t = t;
    r.doc = doc;
    json_array_foreach(json_object_get(doc, "groups"), i, g) {
        long w = report_wave_index(doc, xlsx_str(g, "wave", ""));

        if (w < 0 || w > wi)
            continue;
        r.g = g;
        r.group_slug = xlsx_str(g, "slug", "all");
        group_rows(&r);
    }
    if (t->oom) {
        tidy_free(t);
        memset(t, 0, sizeof *t);
        return -1;
    }
    return 0;
}

/* The text columns of a row, in the order of columns[] (NULL: absent). */
static void row_texts(const struct tidy *t, const struct tidy_row *row, const char *out[8])
{
    out[0] = t->survey;
    out[1] = row->wave;
    out[2] = row->type;
    out[3] = row->slug;
    out[4] = row->name;
    out[5] = tidy_text(t, row->indicator);
    out[6] = tidy_text(t, row->label);
    out[7] = row->statistic;
}

/* ---- CSV and JSON ---- */

static int csv_text(FILE *f, const char *s)
{
    if (s == NULL)
        return 0;    /* absent: empty */
    if (strpbrk(s, ",\"\r\n") == NULL)
        return fputs(s, f) < 0 ? -1 : 0;
    if (fputc('"', f) == EOF)
        return -1;
    for (; *s != '\0'; s++)
        if ((*s == '"' && fputc('"', f) == EOF) || fputc(*s, f) == EOF)
            return -1;
    return fputc('"', f) == EOF ? -1 : 0;
}

static int csv_number(FILE *f, double v)
{
    if (isnan(v))
        return 0;    /* null: empty */
    return fprintf(f, "%.17g", v) < 0 ? -1 : 0;
}

static int csv_write(FILE *f, const struct tidy *t)
{
    for (size_t c = 0; c < NCOLUMNS; c++)
        if (fprintf(f, "%s%s", c ? "," : "", columns[c]) < 0)
            return -1;
    if (fputs("\r\n", f) < 0)
        return -1;
    for (size_t i = 0; i < t->nrows; i++) {
        const struct tidy_row *row = &t->rows[i];
        const char *texts[8];

        row_texts(t, row, texts);
        for (size_t c = 0; c < 8; c++)
            if ((c > 0 && fputc(',', f) == EOF) || csv_text(f, texts[c]) != 0)
                return -1;
        if (fputc(',', f) == EOF || csv_number(f, row->n) != 0 || fputc(',', f) == EOF ||
            csv_number(f, row->value) != 0 || fputc(',', f) == EOF ||
            csv_number(f, row->lo) != 0 || fputc(',', f) == EOF ||
            csv_number(f, row->hi) != 0 || fputc(',', f) == EOF ||
            fputs(row->hidden ? "true" : "false", f) < 0 || fputs("\r\n", f) < 0)
            return -1;
    }
    return 0;
}

/*
 * The JSON file is what json_dumpf(JSON_INDENT(1) | JSON_REAL_PRECISION(17))
 * wrote of {"survey", "wave", "threshold", "data_date", "created", "rows":
 * [row objects]}: the layout is written here, and every scalar through
 * jansson (one reused value each), so strings and numbers are written
 * exactly as jansson writes them.
 */
struct jout {
    FILE *f;
    json_t *str, *real;
    char buf[2048];
};

/* Writes v (a scalar) as jansson does. */
static int jout_value(struct jout *o, const json_t *v)
{
    size_t len = json_dumpb(v, o->buf, sizeof o->buf,
                            JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));

    if (len == 0)
        return -1;
    if (len <= sizeof o->buf)
        return fwrite(o->buf, 1, len, o->f) == len ? 0 : -1;
    return json_dumpf(v, o->f, JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
}

/* "key": value, with the separator before it. absent: nothing written. */
static int jout_string(struct jout *o, int *first, const char *indent, const char *key,
                       const char *s)
{
    if (s == NULL)
        return 0;
    if (json_string_set(o->str, s) != 0)
        return 0;    /* not UTF-8: jansson would have had no value to write */
    if (fprintf(o->f, "%s\n%s\"%s\": ", *first ? "" : ",", indent, key) < 0)
        return -1;
    *first = 0;
    return jout_value(o, o->str);
}

static int jout_number(struct jout *o, int *first, const char *indent, const char *key,
                       double v)
{
    if (fprintf(o->f, "%s\n%s\"%s\": ", *first ? "" : ",", indent, key) < 0)
        return -1;
    *first = 0;
    if (isnan(v))
        return fputs("null", o->f) < 0 ? -1 : 0;
    if (json_real_set(o->real, v) != 0)
        return -1;
    return jout_value(o, o->real);
}

static int json_rows(struct jout *o, const struct tidy *t)
{
    static const char *const in = "   ";

    if (fputs(t->nrows == 0 ? "[]" : "[", o->f) < 0)
        return -1;
    for (size_t i = 0; i < t->nrows; i++) {
        const struct tidy_row *row = &t->rows[i];
        const char *texts[8];
        int first = 1;

        row_texts(t, row, texts);
        if (fputs(i == 0 ? "\n  {" : ",\n  {", o->f) < 0)
            return -1;
        for (size_t c = 0; c < 8; c++)
            if (jout_string(o, &first, in, columns[c], texts[c]) != 0)
                return -1;
        if (jout_number(o, &first, in, "n", row->n) != 0 ||
            jout_number(o, &first, in, "value", row->value) != 0 ||
            jout_number(o, &first, in, "ci_low", row->lo) != 0 ||
            jout_number(o, &first, in, "ci_high", row->hi) != 0 ||
            fprintf(o->f, ",\n%s\"suppressed\": %s\n  }", in,
                    row->hidden ? "true" : "false") < 0)
            return -1;
    }
    return t->nrows == 0 || fputs("\n ]", o->f) >= 0 ? 0 : -1;
}

static int json_write(FILE *f, const json_t *doc, const struct tidy *t, const char *wave,
                      const struct report_meta *meta)
{
    const json_t *threshold = json_object_get(doc, "threshold");
    struct jout o;
    int first = 1, rc = -1;

    o.f = f;
    o.str = json_string("");
    o.real = json_real(0);
    /* The header's texts were required (json_pack "s"): not UTF-8 is an error. */
    if (o.str == NULL || o.real == NULL || threshold == NULL ||
        json_string_set(o.str, t->survey) != 0 || json_string_set(o.str, wave) != 0 ||
        json_string_set(o.str, meta->data_date) != 0 ||
        json_string_set(o.str, meta->created) != 0)
        goto done;
    if (fputc('{', f) == EOF || jout_string(&o, &first, " ", "survey", t->survey) != 0 ||
        jout_string(&o, &first, " ", "wave", wave) != 0 ||
        fputs(",\n \"threshold\": ", f) < 0 || jout_value(&o, threshold) != 0 ||
        jout_string(&o, &first, " ", "data_date", meta->data_date) != 0 ||
        jout_string(&o, &first, " ", "created", meta->created) != 0 ||
        fputs(",\n \"rows\": ", f) < 0 || json_rows(&o, t) != 0 || fputs("\n}\n", f) < 0)
        goto done;
    rc = 0;
done:
    json_decref(o.str);
    json_decref(o.real);
    return rc;
}

/* Writes a text file through a temporary name. kind: 'c' CSV, 'j' JSON. */
static int write_text(const char *path, int kind, const json_t *doc, const struct tidy *t,
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
    ok = (kind == 'c' ? csv_write(f, t) : json_write(f, doc, t, wave, meta)) == 0;
    if (fclose(f) != 0)
        ok = 0;
    if (!ok)
        err_set(err, errlen, "%s: cannot write: %s", path, strerror(errno));
    return report_commit(tmp, path, ok, err, errlen);
}

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

static void tidy_row(struct xlsx *x, lxw_worksheet *ws, int row, const struct tidy *t,
                     const struct tidy_row *r)
{
    int hidden = r->hidden;
    enum xlsx_fmt vf = value_format(r);
    const char *texts[8];

    row_texts(t, r, texts);
    for (size_t c = 0; c < 8; c++)
        xlsx_text(x, ws, row, (int)c, texts[c] != NULL ? texts[c] : "", XF_PLAIN);
    if (hidden) {
        xlsx_hidden(x, ws, row, 9);
    } else {
        xlsx_number(x, ws, row, 8, r->n, XF_INT);
        xlsx_number(x, ws, row, 9, r->value, vf);
        xlsx_number(x, ws, row, 10, r->lo, vf);
        xlsx_number(x, ws, row, 11, r->hi, vf);
    }
    if (xlsx_ok(x))
        xlsx_check(x, worksheet_write_boolean(ws, (lxw_row_t)row, 12, hidden, NULL),
                   "a boolean");
}

static void sheet_tidy(struct xlsx *x, const struct tidy *t)
{
    static const double widths[NCOLUMNS] = { 22, 8, 10, 22, 24, 30, 50, 9, 8, 10, 10, 10, 11 };
    lxw_worksheet *ws = xlsx_sheet(x, xlsx_label(x, L_DATA));
    struct xlsx_col cols[NCOLUMNS];

    if (ws == NULL)
        return;
    for (size_t c = 0; c < NCOLUMNS; c++)
        cols[c] = (struct xlsx_col){ L_COUNT, columns[c], widths[c] };
    xlsx_header(x, ws, 0, 0, cols, NCOLUMNS);
    for (size_t i = 0; i < t->nrows; i++)
        tidy_row(x, ws, 1 + (int)i, t, &t->rows[i]);
    xlsx_table(x, ws, 0, (int)t->nrows, NCOLUMNS);
}

static void sheet_codebook(struct xlsx *x, const struct tidy *t)
{
    static const struct xlsx_col cols[] = {
        { L_COLUMN, NULL, 30 }, { L_TYPE, NULL, 12 }, { L_DEFINITION, NULL, 90 },
    };
    lxw_worksheet *ws = xlsx_sheet(x, xlsx_label(x, L_CODEBOOK));
    json_t *seen = json_object();
    int row = 1;

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
    for (size_t i = 0; i < t->nrows; i++) {
        const struct tidy_row *r = &t->rows[i];
        const char *ind = tidy_text(t, r->indicator);
        const char *label = tidy_text(t, r->label);

        if (ind == NULL)
            ind = "";
        if (json_object_get(seen, ind) != NULL)
            continue;
        json_object_set_new(seen, ind, json_true());
        xlsx_text(x, ws, row, 0, ind, XF_PLAIN);
        xlsx_text(x, ws, row, 1, r->statistic, XF_PLAIN);
        xlsx_text(x, ws, row++, 2, label != NULL ? label : "", XF_WRAP);
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
                          const struct tidy *t, const char *path, char *err, size_t errlen)
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
    sheet_tidy(&x, t);
    sheet_codebook(&x, t);
    json_array_foreach(json_object_get(doc, "groups"), i, g)
        if (strcmp(xlsx_str(g, "type", ""), "network") == 0 &&
            strcmp(xlsx_str(g, "wave", ""), wave) == 0 &&
            json_array_size(json_object_get(g, "members")) > 0)
            sheet_network(&x, doc, meta, g, wave);
    sheets_methodology(&x, doc, meta, NULL, wave, L_SURVEY, NULL);
    rc = xlsx_close(&x, err, errlen);
    return report_commit(tmp, path, rc == 0, err, errlen);
}

int report_ministry_write(json_t *doc, const struct report_meta *meta, const char *wave,
                          const char *xlsx_path, const char *csv_path, const char *json_path,
                          char *err, size_t errlen)
{
    struct tidy t;
    int rc = 0;

    if (report_wave_index(doc, wave) < 0)
        return err_set(err, errlen, "no wave \"%s\"", wave);
    if (tidy_build(&t, doc, wave) != 0)
        return err_set(err, errlen, "out of memory");
    if (xlsx_path != NULL)
        rc = write_workbook(doc, meta, wave, &t, xlsx_path, err, errlen);
    if (rc == 0 && csv_path != NULL)
        rc = write_text(csv_path, 'c', doc, &t, wave, meta, err, errlen);
    if (rc == 0 && json_path != NULL)
        rc = write_text(json_path, 'j', doc, &t, wave, meta, err, errlen);
    tidy_free(&t);
    return rc;
}
