#include "names.h"

#include "db.h"
#include "err.h"
#include "msg.h"
#include "regsnap.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* U+00C0..U+00FF and U+0100..U+017F without their diacritics; '-' for a
 * character that separates words (the multiplication and division signs). */
static const char latin1[] = "aaaaaaaceeeeiiiidnooooo-ouuuuyts"
                             "aaaaaaaceeeeiiiidnooooo-ouuuuyty";
static const char latin_ext_a[] = "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkk"
                                  "llllllllllnnnnnnnnnoooooooorrrrrrsssssssstttttt"
                                  "uuuuuuuuuuuuwwyyyzzzzzzs";

void names_fold(const char *in, char *out, size_t n)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t o = 0;
    int sep = 0;

    if (n == 0)
        return;
    while (*p != '\0' && o + 2 < n) {
        size_t len = utf8_seq(p, 4);
        unsigned cp;
        char c = '-';

        if (len == 0) {   /* not UTF-8: a separator */
            p++;
            sep = o > 0;
            continue;
        }
        cp = len == 1 ? p[0]
             : len == 2 ? (p[0] & 0x1fu) << 6 | (p[1] & 0x3fu)
             : len == 3 ? (p[0] & 0x0fu) << 12 | (p[1] & 0x3fu) << 6 | (p[2] & 0x3fu)
                        : 0x110000;
        p += len;
        if (cp >= 0x300 && cp <= 0x36f)
            continue;   /* a combining mark: the letter before it stays as it is */
        if (cp < 0x80) {
            if (cp >= 'A' && cp <= 'Z')
                c = (char)(cp - 'A' + 'a');
            else if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9'))
                c = (char)cp;
        } else if (cp >= 0xc0 && cp <= 0xff) {
            c = latin1[cp - 0xc0];
        } else if (cp >= 0x100 && cp <= 0x17f) {
            c = latin_ext_a[cp - 0x100];
        }
        if (c == '-') {
            sep = o > 0;
            continue;
        }
        if (sep) {
            out[o++] = '-';
            sep = 0;
        }
        out[o++] = c;
    }
    out[o] = '\0';
}

size_t names_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t prev[NAMES_MAX + 1], cur[NAMES_MAX + 1];

    if (la > NAMES_MAX)
        la = NAMES_MAX;
    if (lb > NAMES_MAX)
        lb = NAMES_MAX;
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);

            cur[j] = del < ins ? del : ins;
            if (sub < cur[j])
                cur[j] = sub;
        }
        memcpy(prev, cur, (lb + 1) * sizeof *prev);
    }
    return prev[lb];
}

/* f starts c, and c goes on with a new word (or ends) there. */
static int word_prefix(const char *f, const char *c)
{
    size_t n = strlen(f);

    return n > 0 && strncmp(c, f, n) == 0 && (c[n] == '\0' || c[n] == '-');
}

struct near {
    size_t idx, dist;
};

static int by_distance(const void *a, const void *b)
{
    const struct near *x = a, *y = b;

    if (x->dist != y->dist)
        return x->dist < y->dist ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Appends "slug (Name)" or "slug" to buf. */
static void append_entry(char *buf, size_t n, const struct names_entry *e, int first)
{
    size_t o = strlen(buf);

    if (o + 1 >= n)
        return;
    if (e->name != NULL && strcmp(e->name, e->slug) != 0)
        snprintf(buf + o, n - o, "%s%s (%s)", first ? "" : ", ", e->slug, e->name);
    else
        snprintf(buf + o, n - o, "%s%s", first ? "" : ", ", e->slug);
}

/* The Polish genitive of what names_find is given ("city", "network",
 * "survey"), for "brak miasta 'x'"; what itself when it is none of them. */
static const char *genitive(const char *what)
{
    return strcmp(what, "city") == 0      ? "miasta"
           : strcmp(what, "network") == 0 ? "sieci"
           : strcmp(what, "survey") == 0  ? "badania"
                                          : what;
}

long names_find(const struct names_entry *c, size_t n, const char *what, const char *given,
                char *err, size_t errlen)
{
    char f[NAMES_MAX + 1], fs[NAMES_MAX + 1], fn[NAMES_MAX + 1], list[512];
    struct near *near;
    size_t nnear = 0, hits = 0;
    long hit = -1;

    for (size_t i = 0; i < n; i++)
        if (strcmp(c[i].slug, given) == 0)
            return (long)i;
    names_fold(given, f, sizeof f);
    for (size_t i = 0; f[0] != '\0' && i < n; i++) {
        names_fold(c[i].slug, fs, sizeof fs);
        names_fold(c[i].name != NULL ? c[i].name : "", fn, sizeof fn);
        if (strcmp(fs, f) == 0 || strcmp(fn, f) == 0)
            return (long)i;
    }
    /* the unique beginning of a slug or a name, up to a word's end */
    list[0] = '\0';
    for (size_t i = 0; f[0] != '\0' && i < n; i++) {
        names_fold(c[i].slug, fs, sizeof fs);
        names_fold(c[i].name != NULL ? c[i].name : "", fn, sizeof fn);
        if (word_prefix(f, fs) || word_prefix(f, fn)) {
            if (hits < 8)
                append_entry(list, sizeof list, &c[i], hits == 0);
            hit = (long)i;
            hits++;
        }
    }
    if (hits == 1)
        return hit;
    if (hits > 1) {
        if (msg_english())
            err_set(err, errlen, "'%s' names more than one %s: %s%s; give the slug", given, what,
                    list, hits > 8 ? ", ..." : "");
        else
            err_set(err, errlen, "'%s' pasuje do więcej niż jednej nazwy (%s): %s%s; podaj slug",
                    given, genitive(what), list, hits > 8 ? ", ..." : "");
        return -1;
    }
    /* the nearest, by edit distance of the folded forms, or containing it */
    near = calloc(n > 0 ? n : 1, sizeof *near);
    if (near == NULL) {
        err_set(err, errlen, msg("brak %s '%s'", "no %s '%s'"), msg(genitive(what), what), given);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        size_t d, dn, limit = strlen(f) / 3 > 2 ? strlen(f) / 3 : 2;

        names_fold(c[i].slug, fs, sizeof fs);
        names_fold(c[i].name != NULL ? c[i].name : "", fn, sizeof fn);
        d = names_distance(f, fs);
        dn = names_distance(f, fn);
        if (dn < d)
            d = dn;
        if (d <= limit || (strlen(f) >= 3 && (strstr(fs, f) != NULL || strstr(fn, f) != NULL)))
            near[nnear++] = (struct near){ i, d };
    }
    qsort(near, nnear, sizeof *near, by_distance);
    list[0] = '\0';
    for (size_t k = 0; k < nnear && k < 5; k++)
        append_entry(list, sizeof list, &c[near[k].idx], k == 0);
    free(near);
    if (nnear > 0)
        err_set(err, errlen, msg("brak %s '%s' (czy chodziło o: %s?)",
                                 "no %s '%s' (did you mean: %s?)"),
                msg(genitive(what), what), given, list);
    else
        err_set(err, errlen, msg("brak %s '%s' (wszystkie pokazuje empirie registry list)",
                                 "no %s '%s' (empirie registry list shows them all)"),
                msg(genitive(what), what), given);
    return -1;
}

static int load_entries(PGconn *conn, const char *sql, const char *param, PGresult **res,
                        struct names_entry **out, char *err, size_t errlen)
{
    const char *params[1] = { param };
    struct names_entry *e;
    int n;

    if (db_exec(conn, sql, param != NULL ? 1 : 0, params, res, NULL, err, errlen) != 0)
        return -1;
    n = PQntuples(*res);
    e = calloc(n > 0 ? (size_t)n : 1, sizeof *e);
    if (e == NULL) {
        PQclear(*res);
        return err_set(err, errlen, "%s", msg("brak pamięci", "out of memory"));
    }
    for (int i = 0; i < n; i++) {
        e[i].slug = PQgetvalue(*res, i, 0);
        e[i].name = PQgetisnull(*res, i, 1) ? NULL : PQgetvalue(*res, i, 1);
    }
    *out = e;
    return n;
}

/* The candidates of the registry snapshot (cities or networks): slugs and
 * Polish names, pointing into s. */
static long registry_entries(const struct regsnap *s, enum names_kind kind,
                             struct names_entry **out, char *err, size_t errlen)
{
    size_t n = kind == NAMES_CITY ? s->ncities : s->nnetworks;
    struct names_entry *e = calloc(n + 1, sizeof *e);

    if (e == NULL)
        return err_set(err, errlen, "%s", msg("brak pamięci", "out of memory"));
    for (size_t i = 0; i < n; i++)
        e[i] = kind == NAMES_CITY
                   ? (struct names_entry){ s->cities[i].slug, s->cities[i].name }
                   : (struct names_entry){ s->networks[i].slug, s->networks[i].name };
    *out = e;
    return (long)n;
}

int names_resolve_in(const struct regsnap *reg, enum names_kind kind, const char *given,
                     char *slug, size_t n, char *err, size_t errlen)
{
    static const char *const what[] = { "city", "network", "survey" };
    struct names_entry *e = NULL;
    long idx, count = registry_entries(reg, kind, &e, err, errlen);

    if (count < 0)
        return -1;
    idx = names_find(e, (size_t)count, what[kind], given, err, errlen);
    if (idx >= 0)
        snprintf(slug, n, "%s", e[idx].slug);
    free(e);
    return idx >= 0 ? 0 : 1;
}

int names_resolve(PGconn *conn, enum names_kind kind, const char *given, char *slug, size_t n,
                  char *err, size_t errlen)
{
    static const char survey_sql[] =
        "SELECT DISTINCT ON (slug) slug, coalesce(definition->'title'->>'pl', "
        "definition->>'title') FROM survey ORDER BY slug, version DESC";
    struct names_entry *e = NULL;
    struct regsnap *snap = NULL;
    PGresult *res = NULL;
    long idx, count;
    int rc;

    if (kind != NAMES_SURVEY) {
        if (regsnap_load(conn, &snap, err, errlen) != 0)
            return -1;
        rc = names_resolve_in(snap, kind, given, slug, n, err, errlen);
        regsnap_free(snap);
        return rc;
    }
    count = load_entries(conn, survey_sql, NULL, &res, &e, err, errlen);
    if (count < 0)
        return -1;
    idx = names_find(e, (size_t)count, "survey", given, err, errlen);
    if (idx >= 0)
        snprintf(slug, n, "%s", e[idx].slug);
    free(e);
    PQclear(res);
    return idx >= 0 ? 0 : 1;
}

int names_wave(PGconn *conn, const char *survey, const char *given, char *label, size_t n,
               char *err, size_t errlen)
{
    struct names_entry *e = NULL;
    char f[NAMES_MAX + 1], fl[NAMES_MAX + 1], list[512];
    PGresult *res;
    int count = load_entries(conn, "SELECT label, NULL FROM wave WHERE survey = $1 "
                                   "ORDER BY opens_on, label",
                             survey, &res, &e, err, errlen);
    int rc = 1;

    if (count < 0)
        return -1;
    names_fold(given, f, sizeof f);
    list[0] = '\0';
    for (int i = 0; i < count && rc != 0; i++) {
        names_fold(e[i].slug, fl, sizeof fl);
        if (strcmp(e[i].slug, given) == 0 || (f[0] != '\0' && strcmp(fl, f) == 0)) {
            snprintf(label, n, "%s", e[i].slug);
            rc = 0;
        }
    }
    for (int i = 0; rc != 0 && i < count; i++)
        append_entry(list, sizeof list, &e[i], i == 0);
    if (rc != 0)
        err_set(err, errlen, msg("badanie '%s' nie ma fali '%s' (jego fale: %s)",
                                 "survey '%s' has no wave '%s' (its waves: %s)"),
                survey, given, count > 0 ? list : msg("brak", "none"));
    free(e);
    PQclear(res);
    return rc;
}

/* *name (when given) resolved into buf, and *name then points to it:
 * the survey from the database, a city or network from the snapshot. */
static int resolve_in_place(PGconn *conn, const struct regsnap *reg, enum names_kind kind,
                            const char **name, char *buf, char *err, size_t errlen)
{
    int rc;

    if (*name == NULL)
        return 0;
    rc = kind == NAMES_SURVEY ? names_resolve(conn, kind, *name, buf, NAMES_MAX, err, errlen)
                              : names_resolve_in(reg, kind, *name, buf, NAMES_MAX, err, errlen);
    if (rc == 0)
        *name = buf;
    return rc;
}

int names_args_resolve(PGconn *conn, struct names_args *a, char *err, size_t errlen)
{
    int rc;

    if (a->registry == NULL && regsnap_load(conn, &a->registry, err, errlen) != 0)
        return -1;
    rc = resolve_in_place(conn, NULL, NAMES_SURVEY, &a->survey, a->buf[0], err, errlen);
    if (rc == 0 && a->survey != NULL && a->wave != NULL) {
        rc = names_wave(conn, a->survey, a->wave, a->buf[1], NAMES_MAX, err, errlen);
        if (rc == 0)
            a->wave = a->buf[1];
    }
    if (rc == 0)
        rc = resolve_in_place(conn, a->registry, NAMES_CITY, &a->city, a->buf[2], err, errlen);
    if (rc == 0)
        rc = resolve_in_place(conn, a->registry, NAMES_NETWORK, &a->network, a->buf[3], err,
                              errlen);
    return rc;
}

void names_args_free(struct names_args *a)
{
    regsnap_free(a->registry);
    a->registry = NULL;
}
