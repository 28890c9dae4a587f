/* ministry_files: the export's text files (see ministry_files.h). */
#include "ministry_files.h"

#include "err.h"
#include "ministry_model.h"
#include "results_model.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- CSV ---- */

struct dialect {
    char sep;
    int bom, decimal_comma;
};
static const struct dialect rfc4180 = { ',', 0, 0 }, excel_pl = { ';', 1, 1 };

static int csv_text(FILE *f, const char *s, const struct dialect *d)
{
    const char special[] = { d->sep, '"', '\r', '\n', '\0' };

    if (s == NULL)
        return 0;    /* absent: empty */
    if (strpbrk(s, special) == NULL)
        return fputs(s, f) < 0 ? -1 : 0;
    if (fputc('"', f) == EOF)
        return -1;
    for (; *s != '\0'; s++)
        if ((*s == '"' && fputc('"', f) == EOF) || fputc(*s, f) == EOF)
            return -1;
    return fputc('"', f) == EOF ? -1 : 0;
}

/* A number as digits, a point and digits, never an exponent: 17 significant
 * digits (15 for Excel, which keeps no more), integers without a point. */
static void format_number(char *buf, size_t n, double v, int integer, const struct dialect *d)
{
    int sig = d->decimal_comma ? 15 : 17;
    char *p;

    if (integer) {
        snprintf(buf, n, "%.0f", v);
        return;
    }
    snprintf(buf, n, "%.*g", sig, v);
    if (strchr(buf, 'e') != NULL) {
        /* tiny or huge: fixed notation with as many significant digits,
         * trailing zeros dropped */
        int decimals = sig - 1 - (int)floor(log10(fabs(v)));

        snprintf(buf, n, "%.*f", decimals > 0 ? (decimals < 40 ? decimals : 40) : 0, v);
        if (strchr(buf, '.') != NULL) {
            p = buf + strlen(buf) - 1;
            while (*p == '0')
                *p-- = '\0';
            if (*p == '.')
                *p = '\0';
        }
    }
    if (d->decimal_comma) {
        p = strchr(buf, '.');
        if (p != NULL)
            *p = ',';
    }
}

static int csv_number(FILE *f, double v, int integer, const struct dialect *d)
{
    char buf[400];    /* DBL_MAX in fixed notation */

    if (isnan(v))
        return 0;    /* null: empty */
    format_number(buf, sizeof buf, v, integer, d);
    return fputs(buf, f) < 0 ? -1 : 0;
}

static int csv_write(FILE *f, const struct tidy *t, const struct dialect *d)
{
    if (d->bom && fputs("\xEF\xBB\xBF", f) < 0)
        return -1;
    for (size_t c = 0; c < MINISTRY_NCOLUMNS; c++)
        if ((c > 0 && fputc(d->sep, f) == EOF) || fputs(ministry_columns[c].name, f) < 0)
            return -1;
    if (fputs("\r\n", f) < 0)
        return -1;
    for (size_t i = 0; i < t->nrows; i++) {
        const struct tidy_row *row = &t->rows[i];
        const char *texts[MINISTRY_NTEXT];
        double nums[4];

        ministry_row_texts(t, row, texts);
        ministry_row_numbers(row, nums);
        for (size_t c = 0; c < MINISTRY_NTEXT; c++)
            if ((c > 0 && fputc(d->sep, f) == EOF) || csv_text(f, texts[c], d) != 0)
                return -1;
        for (size_t c = 0; c < 4; c++)
            if (fputc(d->sep, f) == EOF || csv_number(f, nums[c], c == 0, d) != 0)
                return -1;
        if (fputs("\r\n", f) < 0)
            return -1;
    }
    return 0;
}

static int codebook_write(FILE *f, const struct tidy *t)
{
    for (size_t c = 0; c < MINISTRY_NCB; c++)
        if ((c > 0 && fputc(',', f) == EOF) || fputs(ministry_cb_columns[c], f) < 0)
            return -1;
    if (fputs("\r\n", f) < 0)
        return -1;
    for (size_t i = 0; i < ministry_cb_rows(t); i++) {
        const char *texts[MINISTRY_NCB];

        ministry_cb_row(t, i, texts);
        for (size_t c = 0; c < MINISTRY_NCB; c++)
            if ((c > 0 && fputc(',', f) == EOF) || csv_text(f, texts[c], &rfc4180) != 0)
                return -1;
        if (fputs("\r\n", f) < 0)
            return -1;
    }
    return 0;
}

/* ---- JSON ---- */

/*
 * The JSON file: {"surveys": [{"survey", "title", "waves", "threshold"}],
 * "waves": [every wave covered], "data_date", "created", "rows": [row
 * objects, every column a key, null when empty]}. The layout is written
 * here, and every scalar through jansson (one reused value each), so
 * strings and numbers are written exactly as jansson writes them.
 */
struct jout {
    FILE *f;
    json_t *str, *real, *integer;
    char buf[2048];
};

/* Writes v as jansson does. */
static int jout_value(struct jout *o, const json_t *v)
{
    size_t len = json_dumpb(v, o->buf, sizeof o->buf,
                            JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(17));

    if (len == 0)
        return -1;
    if (len <= sizeof o->buf)
        return fwrite(o->buf, 1, len, o->f) == len ? 0 : -1;
    return json_dumpf(v, o->f, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(17));
}

static int jout_key(struct jout *o, int *first, const char *indent, const char *key)
{
    if (fprintf(o->f, "%s\n%s\"%s\": ", *first ? "" : ",", indent, key) < 0)
        return -1;
    *first = 0;
    return 0;
}

/* "key": "s", or null when absent (or not UTF-8). */
static int jout_string(struct jout *o, int *first, const char *indent, const char *key,
                       const char *s)
{
    if (jout_key(o, first, indent, key) != 0)
        return -1;
    if (s == NULL || json_string_set(o->str, s) != 0)
        return fputs("null", o->f) < 0 ? -1 : 0;
    return jout_value(o, o->str);
}

static int jout_number(struct jout *o, int *first, const char *indent, const char *key,
                       double v, int integer)
{
    if (jout_key(o, first, indent, key) != 0)
        return -1;
    if (isnan(v))
        return fputs("null", o->f) < 0 ? -1 : 0;
    if (integer) {
        json_integer_set(o->integer, (json_int_t)llround(v));
        return jout_value(o, o->integer);
    }
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
        const char *texts[MINISTRY_NTEXT];
        double nums[4];
        int first = 1;

        ministry_row_texts(t, row, texts);
        ministry_row_numbers(row, nums);
        if (fputs(i == 0 ? "\n  {" : ",\n  {", o->f) < 0)
            return -1;
        for (size_t c = 0; c < MINISTRY_NTEXT; c++)
            if (jout_string(o, &first, in, ministry_columns[c].name, texts[c]) != 0)
                return -1;
        for (size_t c = 0; c < 4; c++)
            if (jout_number(o, &first, in, ministry_columns[MINISTRY_NTEXT + c].name, nums[c], c == 0) != 0)
                return -1;
        if (fputs("\n  }", o->f) < 0)
            return -1;
    }
    return t->nrows == 0 || fputs("\n ]", o->f) >= 0 ? 0 : -1;
}

static json_t *surveys_json(const struct ministry_input *in, size_t n)
{
    json_t *a = json_array();

    for (size_t k = 0; k < n && a != NULL; k++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:o, s:i}", "survey",
                                           ministry_survey_slug(&in[k]), "title",
                                           ministry_survey_title(&in[k]), "waves",
                                           ministry_input_waves(&in[k]), "threshold",
                                           in[k].r->threshold));
    return a;
}

static int json_write(FILE *f, const struct ministry_ctx *w)
{
    json_t *surveys = surveys_json(w->in, w->n), *waves = ministry_all_waves(w->in, w->n);
    struct jout o;
    int first = 1, rc = -1;

    o.f = f;
    o.str = json_string("");
    o.real = json_real(0);
    o.integer = json_integer(0);
    if (o.str == NULL || o.real == NULL || o.integer == NULL || surveys == NULL ||
        waves == NULL || json_string_set(o.str, w->meta->data_date) != 0 ||
        json_string_set(o.str, w->meta->created) != 0)
        goto done;
    if (fputc('{', f) == EOF || jout_key(&o, &first, " ", "surveys") != 0 ||
        jout_value(&o, surveys) != 0 || jout_key(&o, &first, " ", "waves") != 0 ||
        jout_value(&o, waves) != 0 ||
        jout_string(&o, &first, " ", "data_date",
                    w->meta->data_date[0] ? w->meta->data_date : NULL) != 0 ||
        jout_string(&o, &first, " ", "created", w->meta->created) != 0 ||
        jout_key(&o, &first, " ", "rows") != 0 || json_rows(&o, w->t) != 0 ||
        fputs("\n}\n", f) < 0)
        goto done;
    rc = 0;
done:
    json_decref(surveys);
    json_decref(waves);
    json_decref(o.str);
    json_decref(o.real);
    json_decref(o.integer);
    return rc;
}

/* ---- the Frictionless Data Package ---- */

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');

    return s != NULL ? s + 1 : path;
}

static json_t *string_array(const char *const *s, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; i < n && a != NULL; i++)
        json_array_append_new(a, json_string(s[i]));
    return a;
}

#define SLUG_PATTERN "[a-z0-9]+(-[a-z0-9]+)*"

/* The Table Schema field of column c. */
static json_t *data_field(size_t c, const struct ministry_ctx *w, int english)
{
    static const char *const group_types[] = { "city", "network", "all" };
    static const char *const statistics[] = { "count", "mean", "share", "enps" };
    const struct ministry_column *col = &ministry_columns[c];
    json_t *cons = json_object(), *field;
    const char *name = col->name;

    if (col->required)
        json_object_set_new(cons, "required", json_true());
    if (strcmp(name, "survey") == 0) {
        json_t *e = json_array();

        for (size_t k = 0; k < w->n; k++)
            json_array_append_new(e, json_string(ministry_survey_slug(&w->in[k])));
        json_object_set_new(cons, "enum", e);
    } else if (strcmp(name, "wave") == 0) {
        json_object_set_new(cons, "enum", ministry_all_waves(w->in, w->n));
    } else if (strcmp(name, "group_type") == 0) {
        json_object_set_new(cons, "enum", string_array(group_types, 3));
    } else if (strcmp(name, "group_slug") == 0) {
        json_object_set_new(cons, "pattern", json_string(SLUG_PATTERN));
    } else if (strcmp(name, "teryt") == 0) {
        json_object_set_new(cons, "pattern", json_string("[0-3][0-9]{5}[1-3]"));
    } else if (strcmp(name, "voivodeship") == 0) {
        json_object_set_new(cons, "enum", string_array(ministry_voivodeships, 16));
    } else if (strcmp(name, "indicator") == 0) {
        json_object_set_new(cons, "pattern",
                            json_string("respondents|enps|dimension\\.[a-z][a-z0-9_]*|"
                                        "item\\.[a-z][a-z0-9_]*(\\.favourable|"
                                        "\\.option_-?[0-9]+)?"));
    } else if (strcmp(name, "statistic") == 0) {
        json_object_set_new(cons, "enum", string_array(statistics, 4));
    } else if (strcmp(name, "status") == 0) {
        json_object_set_new(cons, "enum", string_array(ministry_status_names, 4));
    } else if (strcmp(name, "n") == 0) {
        json_object_set_new(cons, "minimum", json_integer(0));
    }
    field = json_pack("{s:s, s:s, s:s}", "name", name, "type", ministry_type_names[col->type],
                      "description", english ? col->en : col->pl);
    if (field != NULL && col->type == MT_NUMBER)
        json_object_set_new(field, "decimalChar", json_string("."));
    if (field != NULL && json_object_size(cons) > 0)
        json_object_set(field, "constraints", cons);
    json_decref(cons);
    return field;
}

static json_t *codebook_schema(void)
{
    static const char *const entries[] = { "column", "indicator" };
    json_t *fields = json_array();

    for (size_t c = 0; c < MINISTRY_NCB && fields != NULL; c++) {
        json_t *f = json_pack("{s:s, s:s}", "name", ministry_cb_columns[c], "type",
                              c == MINISTRY_CB_REVERSE ? "boolean" : "string");

        if (f != NULL && c == 0)
            json_object_set_new(f, "constraints",
                                json_pack("{s:b, s:o}", "required", 1, "enum",
                                          string_array(entries, 2)));
        else if (f != NULL && (c == 2 || c == 3))
            json_object_set_new(f, "constraints", json_pack("{s:b}", "required", 1));
        json_array_append_new(fields, f);
    }
    return json_pack("{s:o, s:[s]}", "fields", fields, "missingValues", "");
}

static json_t *dialect_json(void)
{
    return json_pack("{s:s, s:s, s:s, s:b, s:b}", "delimiter", ",", "lineTerminator", "\r\n",
                     "quoteChar", "\"", "doubleQuote", 1, "header", 1);
}

static int datapackage_write(FILE *f, const struct ministry_ctx *w)
{
    static const char *const key[] = { "survey", "wave", "group_type", "group_slug",
                                       "indicator" };
    int english = w->in[0].english;
    json_t *fields = json_array(), *pkg = NULL;
    char name[200], created[32];
    struct tm tm;
    int rc = -1;

    if (fields == NULL)
        return -1;
    for (size_t c = 0; c < MINISTRY_NCOLUMNS; c++)
        json_array_append_new(fields, data_field(c, w, english));
    if (w->n == 1)
        snprintf(name, sizeof name, "empirie-%s-%s", english ? "ministry" : "ministerstwo",
                 ministry_survey_slug(&w->in[0]));
    else
        snprintf(name, sizeof name, "empirie-%s", english ? "ministry" : "ministerstwo");
    created[0] = '\0';
    if (gmtime_r(&w->meta->created_at, &tm) != NULL)
        strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    pkg = json_pack(
        "{s:s, s:s, s:s, s:s, s:[{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:{s:o, s:[s], s:o}}, "
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o}]}",
        "profile", "tabular-data-package", "name", name, "title",
        english ? "Rozwój Lokalny: survey results for the ministry (Empirie)"
                : "Rozwój Lokalny: wyniki badań dla ministerstwa (Empirie)",
        "created", created, "resources",
        /* the tidy data */
        "name", "data", "path", base_name(w->f->csv), "profile", "tabular-data-resource",
        "format", "csv", "mediatype", "text/csv", "encoding", "utf-8", "dialect",
        dialect_json(), "schema", "fields", fields, "missingValues", "", "primaryKey",
        string_array(key, 5),
        /* the codebook */
        "name", "codebook", "path", base_name(w->f->codebook), "profile",
        "tabular-data-resource", "format", "csv", "mediatype", "text/csv", "encoding", "utf-8",
        "dialect", dialect_json(), "schema", codebook_schema());
    if (pkg != NULL && json_dumpf(pkg, f, JSON_INDENT(2)) == 0 && fputc('\n', f) != EOF)
        rc = 0;
    json_decref(pkg);
    return rc;
}

/* ---- writing a text file ---- */

/* Writes a text file through a temporary name. */
int ministry_write_text(const char *path, enum ministry_text kind, const struct ministry_ctx *w, char *err,
                      size_t errlen)
{
    char tmp[4096];
    FILE *f;
    int ok;

    if (report_tmp_path(path, tmp, sizeof tmp) != 0)
        return err_set(err, errlen, "%s: path too long", path);
    f = fopen(tmp, "w");
    if (f == NULL)
        return err_set(err, errlen, "%s: %s", tmp, err_errno(errno));
    switch (kind) {
    case MK_CSV: ok = csv_write(f, w->t, &rfc4180) == 0; break;
    case MK_CSV_PL: ok = csv_write(f, w->t, &excel_pl) == 0; break;
    case MK_JSON: ok = json_write(f, w) == 0; break;
    case MK_CODEBOOK: ok = codebook_write(f, w->t) == 0; break;
    default: ok = datapackage_write(f, w) == 0; break;
    }
    if (fclose(f) != 0)
        ok = 0;
    if (!ok)
        err_set(err, errlen, "%s: cannot write: %s", path, errno ? err_errno(errno) : "error");
    return report_commit(tmp, path, ok, err, errlen);
}
