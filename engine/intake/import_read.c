/* import_read: the import's two formats read into records (import_priv.h):
 * NDJSON lines, and CSV rows made into the JSON object the API takes
 * (docs/import.md has the columns). */
#include "import_priv.h"

#include "catalog.h"
#include "csv.h"
#include "err.h"
#include "jarena.h"
#include "jsonv.h"
#include "msg.h"
#include "response.h"
#include "rscan.h"
#include "survey.h"

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- NDJSON ---- */

static int blank(const char *s)
{
    for (; *s != '\0'; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return 0;
    return 1;
}

int import_read_ndjson(struct importer *imp, FILE *in, off_t size)
{
    struct jarena arena = { 0 };   /* each line's values, dropped with the line */
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    long lineno = 0;
    int rc = 0;

    for (;;) {
        struct response r;
        json_error_t je;
        json_t *obj;

        if (rc != 0 || (imp->direct && imp->copy_broken))
            break;
        got = getline(&line, &cap, in);
        if (got < 0)
            break;
        lineno++;
        if (blank(line))
            continue;
        if (response_scan_line(imp->scan, line, (size_t)got, &r) == 0) {
            imp->res->records++;
            rc = import_queue_row(imp, &r, lineno);
            import_progress(imp, in, size, 0);
            continue;
        }
        jarena_enter(&arena);
        obj = json_loadb(line, (size_t)got, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
        if (obj == NULL) {
            jarena_leave(&arena);
            imp->res->records++;
            rc = import_add_error(imp, msg("%s:%ld: niepoprawny JSON w kolumnie %d: %s",
                                           "%s:%ld: invalid JSON at column %d: %s"),
                                  imp->name, lineno,
                           je.column, je.text);
            continue;
        }
        rc = import_take(imp, obj, lineno);
        json_decref(obj);
        jarena_leave(&arena);
        import_progress(imp, in, size, 0);
    }
    jarena_free(&arena);
    free(line);
    if (ferror(in))
        return import_add_error(imp, msg("%s: błąd odczytu: %s", "%s: read error: %s"), imp->name,
                                err_errno(errno));
    return rc;
}

/* ---- CSV ---- */

static int given_twice(struct importer *imp, size_t c, const char *name)
{
    return import_fatal(imp, msg("%s:1: kolumna %zu \"%s\": kolumna podana dwa razy",
                                 "%s:1: column %zu \"%s\": the column is given twice"),
                        imp->name, c + 1, name);
}

static const char *const fixed_names[] = { "survey", "wave", "city", "id", "weight" };

/* True when some version of some survey has this item (attr: attribute). */
static int known_code(const struct catalog *cat, const char *code, int attr)
{
    size_t n;
    const struct survey *const *latest = catalog_surveys(cat, &n);

    for (size_t i = 0; i < n; i++)
        for (int v = 1; v <= latest[i]->version; v++) {
            const struct survey *s = catalog_survey(cat, latest[i]->slug, v);

            if (s != NULL && (attr ? survey_attr_index(s, code) : survey_item_index(s, code)) >= 0)
                return 1;
        }
    return 0;
}

static int column_kind(struct importer *imp, size_t c, const char *name)
{
    for (int k = 0; k < 5; k++)
        if (strcmp(name, fixed_names[k]) == 0) {
            if (imp->fixed[k] >= 0)
                return given_twice(imp, c, name);
            imp->fixed[k] = (int)c;
            imp->kinds[c] = (enum col_kind)k;
            return 0;
        }
    imp->kinds[c] = strncmp(name, "attr.", 5) == 0 ? COL_ATTR : COL_ITEM;
    imp->codes[c] = strdup(imp->kinds[c] == COL_ATTR ? name + 5 : name);
    if (imp->codes[c] == NULL)
        return import_fatal(imp, "%s", msg("brak pamięci", "out of memory"));
    for (size_t o = 0; o < c; o++)
        if (imp->kinds[o] == imp->kinds[c] && strcmp(imp->codes[o], imp->codes[c]) == 0)
            return given_twice(imp, c, name);
    if (strchr(name, ';') != NULL || strchr(name, '\t') != NULL || strchr(name, ',') != NULL)
        return import_fatal(imp, msg("%s:1: kolumna %zu \"%.60s%s\": nagłówek nie jest rozdzielony "
                                     "znakiem '%s'; podaj --delimiter '%s' (polski Excel zapisuje "
                                     "';')",
                                     "%s:1: column %zu \"%.60s%s\": the header is not separated by "
                                     "'%s'; give --delimiter '%s' (Polish Excel writes ';')"),
                     imp->name, c + 1, name, strlen(name) > 60 ? "..." : "",
                     imp->opt->delimiter == '\t' ? "\\t" : imp->opt->delimiter == ';' ? ";" : ",",
                     strchr(name, ';') != NULL ? ";" : strchr(name, '\t') != NULL ? "\\t" : ",");
    if (!known_code(imp->cat, imp->codes[c], imp->kinds[c] == COL_ATTR))
        return import_fatal(imp, msg("%s:1: kolumna %zu \"%s\": to nie survey, wave, city, id, "
                                     "weight, attr.KOD atrybutu ani kod pytania wczytanego badania",
                                     "%s:1: column %zu \"%s\": not survey, wave, city, id, weight, "
                                     "attr.CODE of an attribute or the code of an item of a loaded "
                                     "survey"),
                         imp->name, c + 1, name);
    return 0;
}

static int read_header(struct importer *imp, char **f, size_t n)
{
    imp->ncols = n;
    imp->kinds = calloc(n, sizeof *imp->kinds);
    imp->codes = calloc(n, sizeof *imp->codes);
    if (imp->kinds == NULL || imp->codes == NULL)
        return import_fatal(imp, "%s", msg("brak pamięci", "out of memory"));
    for (int k = 0; k < 5; k++)
        imp->fixed[k] = -1;
    for (size_t c = 0; c < n; c++)
        if (column_kind(imp, c, f[c]) != 0)
            return -1;
    for (int k = 0; k < 4; k++)
        if (imp->fixed[k] < 0)
            return import_fatal(imp, msg("%s:1: w nagłówku brak kolumny \"%s\" (wymagane: survey, "
                                         "wave, city, id)",
                                         "%s:1: the header has no column \"%s\" (required: "
                                         "survey, wave, city, id)"),
                                imp->name, fixed_names[k]);
    return 0;
}

/* An integer cell as a JSON integer, anything else as a string (which the
 * validator then rejects, quoting it). NULL: not UTF-8 text. */
static json_t *cell_value(const char *cell)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(cell, &end, 10);
    if (errno == 0 && end != cell && *end == '\0' && cell[0] != ' ' && cell[0] != '+')
        return json_integer(v);
    return json_string(cell);
}

static json_t *weight_value(const char *cell)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(cell, &end);
    if (errno == 0 && end != cell && *end == '\0' && cell[0] != ' ')
        return json_real(v);
    return json_string(cell);
}

/* "0|4|9" -> [0, 4, 9]; "-" -> [] (answered, nothing chosen). */
static json_t *multi_value(const char *cell)
{
    json_t *arr = json_array();
    const char *p = cell;

    if (arr == NULL || strcmp(cell, "-") == 0)
        return arr;
    while (*p != '\0') {
        char *end;
        long v;

        errno = 0;
        v = strtol(p, &end, 10);
        if (errno != 0 || end == p || (*end != '|' && *end != '\0') || *p == ' ' || *p == '+' ||
            json_array_append_new(arr, json_integer(v)) != 0) {
            json_decref(arr);
            return json_string(cell);
        }
        p = *end == '|' ? end + 1 : end;
    }
    return arr;
}

/* ---- labels for codes (a CSV from an office) ---- */

/* The code of the option whose Polish or English label folds as cell does;
 * -1 when none. */
static int option_by_label(const struct survey_option *opts, size_t n, const char *cell)
{
    char f[NAMES_MAX + 1], l[NAMES_MAX + 1];

    names_fold(cell, f, sizeof f);
    if (f[0] == '\0')
        return -1;
    for (size_t i = 0; i < n; i++) {
        names_fold(opts[i].label_pl != NULL ? opts[i].label_pl : "", l, sizeof l);
        if (strcmp(l, f) == 0)
            return opts[i].code;
        if (opts[i].label_en != NULL) {
            names_fold(opts[i].label_en, l, sizeof l);
            if (strcmp(l, f) == 0)
                return opts[i].code;
        }
    }
    return -1;
}

/* The survey slug a cell names: the slug, or the title of its newest
 * version (folded); the cell itself when nothing matches (the validator
 * then names it). */
static const char *survey_of(const struct importer *imp, const char *cell)
{
    const struct survey *const *all;
    char f[NAMES_MAX + 1], t[NAMES_MAX + 1];
    size_t n;

    if (catalog_survey_latest(imp->cat, cell) != NULL)
        return cell;
    all = catalog_surveys(imp->cat, &n);
    names_fold(cell, f, sizeof f);
    for (size_t i = 0; f[0] != '\0' && i < n; i++) {
        names_fold(all[i]->slug, t, sizeof t);
        if (strcmp(t, f) == 0)
            return all[i]->slug;
        names_fold(all[i]->title_pl != NULL ? all[i]->title_pl : "", t, sizeof t);
        if (strcmp(t, f) == 0)
            return all[i]->slug;
        names_fold(all[i]->title_en != NULL ? all[i]->title_en : "", t, sizeof t);
        if (strcmp(t, f) == 0)
            return all[i]->slug;
    }
    return cell;
}

static const char *wave_of(const struct importer *imp, const char *survey, const char *cell)
{
    const struct catalog_wave *const *waves;
    char f[NAMES_MAX + 1], t[NAMES_MAX + 1];
    size_t n = 0;

    if (catalog_wave(imp->cat, survey, cell) != NULL)
        return cell;
    waves = catalog_waves(imp->cat, survey, &n);
    names_fold(cell, f, sizeof f);
    for (size_t i = 0; f[0] != '\0' && i < n; i++) {
        names_fold(waves[i]->label, t, sizeof t);
        if (strcmp(t, f) == 0)
            return waves[i]->label;
    }
    return cell;
}

static const char *city_of(const struct importer *imp, const char *cell)
{
    char err[ERR_MAX];
    long k;

    if (catalog_has_city(imp->cat, cell) || imp->opt->cities == NULL)
        return cell;
    k = names_find(imp->opt->cities, imp->opt->ncities, "city", cell, err, sizeof err);
    return k >= 0 ? imp->opt->cities[k].slug : cell;
}

/* An option's label (or a code) as its code; the cell as is when neither. */
static json_t *coded_value(const struct survey_option *opts, size_t n, const char *cell)
{
    json_t *v = cell_value(cell);
    int code;

    if (v == NULL || json_is_integer(v) || opts == NULL)
        return v;
    code = option_by_label(opts, n, cell);
    if (code < 0)
        return v;
    json_decref(v);
    return json_integer(code);
}

/* "a|b" of option codes or labels; "-": nothing chosen. */
static json_t *multi_labels(const struct survey_item *it, const char *cell)
{
    json_t *arr = multi_value(cell);
    char part[NAMES_MAX + 1];
    const char *p = cell;

    if (arr == NULL || json_is_array(arr))
        return arr;
    json_decref(arr);
    arr = json_array();
    while (arr != NULL && *p != '\0') {
        size_t len = strcspn(p, "|");
        int code;

        snprintf(part, sizeof part, "%.*s", (int)len, p);
        code = option_by_label(it->options, it->noptions, part);
        if (code < 0 || json_array_append_new(arr, json_integer(code)) != 0) {
            json_decref(arr);
            return json_string(cell);
        }
        p += len;
        if (*p == '|')
            p++;
    }
    return arr;
}

static const struct survey *row_instrument(const struct importer *imp, const char *survey,
                                           const char *wave)
{
    const struct catalog_wave *w = catalog_wave(imp->cat, survey, wave);

    return w != NULL ? catalog_survey(imp->cat, w->survey, w->survey_version) : NULL;
}

static json_t *item_value(struct importer *imp, const struct survey *s, const char *code,
                          const char *cell)
{
    const struct rscan_codes *m = response_scanner_codes(imp->scan, s);
    int k = m != NULL ? rscan_codes_find(m, code, 0) : survey_item_index(s, code);

    if (k >= 0 && s->items[k].type == SURVEY_TEXT)
        return json_string(cell);
    if (k >= 0 && s->items[k].type == SURVEY_MULTI)
        return multi_labels(&s->items[k], cell);
    if (k >= 0)
        return coded_value(s->items[k].options, s->items[k].noptions, cell);
    return cell_value(cell);
}

static json_t *attr_value(const struct survey *s, const char *code, const char *cell)
{
    int k = s != NULL ? survey_attr_index(s, code) : -1;

    if (k < 0)
        return cell_value(cell);
    return coded_value(s->attrs[k].options, s->attrs[k].noptions, cell);
}

/* Sets obj.key, or sub.key where sub = obj.group (created on first use). */
static int set_cell(json_t *obj, const char *group, const char *key, json_t *v)
{
    json_t *sub = obj;

    if (v == NULL)
        return -1;
    if (group != NULL) {
        sub = json_object_get(obj, group);
        if (sub == NULL) {
            sub = json_object();
            if (json_object_set_new(obj, group, sub) != 0) {
                json_decref(v);
                return -1;
            }
        }
    }
    return json_object_set_new(sub, key, v);
}

/* The row as the API's JSON object; empty cells are left out. */
static json_t *csv_object(struct importer *imp, char **f, int *bad_column)
{
    const char *survey = survey_of(imp, f[imp->fixed[COL_SURVEY]]);
    const char *wave = wave_of(imp, survey, f[imp->fixed[COL_WAVE]]);
    const struct survey *s = row_instrument(imp, survey, wave);
    json_t *obj = json_pack("{s:{}}", "answers");

    *bad_column = -1;
    for (size_t c = 0; obj != NULL && c < imp->ncols; c++) {
        json_t *v;
        int rc;

        if (f[c][0] == '\0' || (imp->kinds[c] == COL_ITEM && s == NULL))
            continue;
        if (imp->kinds[c] == COL_WEIGHT)
            v = weight_value(f[c]);
        else if (imp->kinds[c] == COL_ATTR)
            v = attr_value(s, imp->codes[c], f[c]);
        else if (imp->kinds[c] == COL_ITEM)
            v = item_value(imp, s, imp->codes[c], f[c]);
        else if (imp->kinds[c] == COL_SURVEY)
            v = json_string(survey);
        else if (imp->kinds[c] == COL_WAVE)
            v = json_string(wave);
        else if (imp->kinds[c] == COL_CITY)
            v = json_string(city_of(imp, f[c]));
        else
            v = json_string(f[c]);
        rc = imp->kinds[c] == COL_ATTR ? set_cell(obj, "attributes", imp->codes[c], v)
             : imp->kinds[c] == COL_ITEM ? set_cell(obj, "answers", imp->codes[c], v)
             : set_cell(obj, NULL, fixed_names[imp->kinds[c]], v);
        if (rc != 0) {
            *bad_column = (int)c;
            json_decref(obj);
            return NULL;
        }
    }
    return obj;
}

static int csv_row(struct importer *imp, char **f, size_t n, long line)
{
    json_t *obj;
    int bad;
    int rc;

    if (n != imp->ncols) {
        imp->res->records++;
        return import_add_error(imp, msg("%s:%ld: pól: %zu, a nagłówek ma kolumn: %zu",
                                         "%s:%ld: %zu fields, but the header has %zu columns"),
                                imp->name,
                         line, n, imp->ncols);
    }
    obj = csv_object(imp, f, &bad);
    if (obj == NULL) {
        imp->res->records++;
        if (bad < 0)
            return import_add_error(imp, msg("%s:%ld: brak pamięci", "%s:%ld: out of memory"),
                                    imp->name, line);
        return import_add_error(imp, msg("%s:%ld: kolumna %d \"%s%s\": niepoprawny tekst UTF-8 "
                                         "(czy plik jest w innym kodowaniu? --encoding "
                                         "windows-1250 lub iso-8859-2)",
                                         "%s:%ld: column %d \"%s%s\": not valid UTF-8 text (is "
                                         "the file in another encoding? --encoding windows-1250 "
                                         "or iso-8859-2)"),
                         imp->name, line, bad + 1,
                         imp->kinds[bad] == COL_ATTR ? "attr." : "",
                         imp->kinds[bad] == COL_ATTR || imp->kinds[bad] == COL_ITEM
                             ? imp->codes[bad]
                             : fixed_names[imp->kinds[bad]]);
    }
    rc = import_take(imp, obj, line);
    json_decref(obj);
    return rc;
}

int import_read_csv(struct importer *imp, FILE *in, off_t size)
{
    struct csv_reader *r = csv_open_delim(in, imp->opt->delimiter ? imp->opt->delimiter : ',');
    char err[ERR_MAX];
    char **f;
    size_t n;
    int got, rc = 0;

    if (r == NULL)
        return import_add_error(imp, "%s", msg("brak pamięci", "out of memory"));
    got = csv_read(r, &f, &n, err, sizeof err);
    if (got == 0)
        rc = import_add_error(imp, msg("%s: plik jest pusty: oczekiwano wiersza nagłówka",
                                       "%s: the file is empty: expected a header line"),
                              imp->name);
    else if (got < 0 || read_header(imp, f, n) != 0)
        rc = got < 0 ? import_add_error(imp, "%s: %s", imp->name, err) : -1;
    for (;;) {
        if (rc != 0 || imp->res->nerrors != 0 || (imp->direct && imp->copy_broken))
            break;
        got = csv_read(r, &f, &n, err, sizeof err);
        if (got == 0)
            break;
        if (got < 0) {
            rc = import_add_error(imp, "%s: %s", imp->name, err);
            break;
        }
        rc = csv_row(imp, f, n, csv_line(r));
        import_progress(imp, in, size, 0);
    }
    /* after the first error, keep validating (not copying) to report more */
    for (;;) {
        if (rc != 0 || got <= 0 || (imp->direct && imp->copy_broken))
            break;
        got = csv_read(r, &f, &n, err, sizeof err);
        if (got == 0)
            break;
        rc = got < 0 ? import_add_error(imp, "%s: %s", imp->name, err) : csv_row(imp, f, n, csv_line(r));
        import_progress(imp, in, size, 0);
    }
    csv_close(r);
    return rc;
}
