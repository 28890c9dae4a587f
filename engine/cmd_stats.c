/* empirie stats: the statistics of one group in one wave, as a table or JSON. */
#include "catalog.h"
#include "cli.h"
#include "names.h"
#include "collate.h"
#include "err.h"
#include "msg.h"
#include "results.h"
#include "utf8.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
    fputs(msg("Użycie: empirie stats --survey SLUG [--wave FALA] [--city SLUG | --network SLUG |\n"
              "                     --all] [--by ATRYBUT] [--json] [--lang pl|en] [--db CONNINFO]\n"
              "\n"
              "Wypisuje statystyki jednej grupy (miasta, sieci lub wszystkich miast) w jednej\n"
              "fali: respondentów, każde pytanie i wymiar (n, średnia, SD, 95% PU, mediana,\n"
              "% odpowiedzi pozytywnych), alfę Cronbacha, eNPS, zmianę od poprzedniej fali,\n"
              "trend przez wszystkie fale, miasto na tle reszty jego sieci i porównanie\n"
              "miast, z wartościami p skorygowanymi metodą Benjaminiego-Hochberga. Grupy\n"
              "i komórki mniejsze niż próg anonimowości badania są ukrywane.\n"
              "\n"
              "Opcje:\n",
              "Usage: empirie stats --survey SLUG [--wave LABEL] [--city SLUG | --network SLUG | --all]\n"
              "                     [--by ATTRIBUTE] [--json] [--lang pl|en] [--db CONNINFO]\n"
              "\n"
              "Prints the statistics of one group (a city, a network or all cities) in one\n"
              "wave: respondents, every item and dimension (n, mean, SD, 95% CI, median,\n"
              "% favourable), Cronbach's alpha, eNPS, the change since the previous wave,\n"
              "the trend over all waves, the city against the rest of its networks and the\n"
              "comparison across cities, with Benjamini-Hochberg adjusted p-values. Groups\n"
              "and cells smaller than the survey's anonymity threshold are suppressed.\n"
              "\n"
              "Options:\n"),
          out);
    cli_help_survey_wave(out, 15);
    fputs(msg("  --city SLUG     jedno miasto (slug lub nazwa, z polskimi literami lub bez,\n"
              "                  dowolną wielkością liter: Konin, \"Kędzierzyn-Koźle\", kedzierzyn)\n"
              "  --network SLUG  jedna sieć (jej miasta członkowskie; slug lub nazwa)\n"
              "  --all           wszystkie miasta (domyślnie)\n"
              "  --by ATRYBUT    także podział grupy według atrybutu respondenta\n"
              "  --json          wypisuje JSON (każda liczba, próg, ukryte komórki)\n"
              "  --lang pl|en    etykiety po polsku (domyślnie) lub po angielsku\n",
              "  --city SLUG     one city (its slug or name, with or without Polish letters,\n"
              "                  in any case: Konin, \"Kędzierzyn-Koźle\", kedzierzyn)\n"
              "  --network SLUG  one network (its member cities; slug or name)\n"
              "  --all           all cities (the default)\n"
              "  --by ATTRIBUTE  also break the group down by a respondent attribute\n"
              "  --json          print JSON (every figure, the threshold, suppressed cells)\n"
              "  --lang pl|en    labels in Polish (default) or English\n"),
          out);
    cli_help_db(out, 15);
    cli_help_exit_group(out);
}

struct options {
    const char *db, *survey, *wave, *city, *network, *by, *lang;
    int all, json;
};

static int parse(int argc, char **argv, struct options *o)
{
    static const struct option opts[] = {
        { "db", required_argument, NULL, 'd' },      { "survey", required_argument, NULL, 's' },
        { "wave", required_argument, NULL, 'w' },    { "city", required_argument, NULL, 'c' },
        { "network", required_argument, NULL, 'n' }, { "all", no_argument, NULL, 'a' },
        { "by", required_argument, NULL, 'b' },      { "json", no_argument, NULL, 'j' },
        { "lang", required_argument, NULL, 'l' },    { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    memset(o, 0, sizeof *o);
    o->lang = msg("pl", "en");
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': o->db = optarg; break;
        case 's': o->survey = optarg; break;
        case 'w': o->wave = optarg; break;
        case 'c': o->city = optarg; break;
        case 'n': o->network = optarg; break;
        case 'a': o->all = 1; break;
        case 'b': o->by = optarg; break;
        case 'j': o->json = 1; break;
        case 'l': o->lang = optarg; msg_set_lang(optarg); break;   /* --help follows it */
        case 'h': usage(stdout); return 1;
        default: usage(stderr); return -1;
        }
    }
    if (cli_no_args("stats", argc, argv) != 0 || cli_lang("stats", o->lang) != 0 ||
        cli_required("stats", "--survey", o->survey) != 0)
        return -1;
    if ((o->city != NULL) + (o->network != NULL) + o->all > 1) {
        cli_error("stats", msg("podaj najwyżej jedno z --city, --network i --all",
                               "give at most one of --city, --network and --all"));
        return -1;
    }
    return 0;
}

static double num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);

    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* A dash right-aligned in cols display columns (the dash is 3 bytes of
 * UTF-8 and one column: printf's widths count bytes). */
static void dash(int cols)
{
    utf8_lpad(stdout, "—", (size_t)cols);
}

/* A number right-aligned in width columns after a space, or a dash when
 * there is none. */
static void print_num(double v, int width, int prec, int sign)
{
    if (!isfinite(v))
        dash(width + 1);
    else if (sign)
        printf(" %+*.*f", width, prec, v);
    else
        printf(" %*.*f", width, prec, v);
}

/* Prints at most max characters (not bytes) of UTF-8 text. */
static void print_utf8(const char *s, size_t max)
{
    size_t chars = 0, i = 0;

    for (; s[i] != '\0'; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80 && chars++ == max)
            break;
    }
    fwrite(s, 1, i, stdout);
}

static const json_t *instrument_entry(const json_t *doc, const char *code, int dims)
{
    size_t i;
    json_t *it;

    json_array_foreach(json_object_get(json_object_get(doc, "instrument"),
                                       dims ? "dimensions" : "items"), i, it)
        if (strcmp(json_string_value(json_object_get(it, "code")), code) == 0)
            return it;
    return NULL;
}

static const char *item_text(const json_t *doc, const char *code, int dims)
{
    const json_t *it = instrument_entry(doc, code, dims);
    const char *t = json_string_value(json_object_get(it, dims ? "label" : "text"));

    return t != NULL ? t : code;
}

/* The text output's words, Polish by default (--lang en: English). */
static int english;

#define W(pl, en) (english ? (en) : (pl))

/* The item's text, after "(odwr.)" for a reverse-coded item. */
static void print_text(const json_t *doc, const char *code, int dims, size_t max)
{
    if (!dims && json_is_string(json_object_get(instrument_entry(doc, code, 0), "note")))
        printf("%s ", W("(odwr.)", "(rev.)"));
    print_utf8(item_text(doc, code, dims), max);
}

/* Why a figure is hidden, in words, in the document's language. */
static const char *hidden_text(const json_t *doc, const json_t *fig)
{
    int en = strcmp(json_string_value(json_object_get(doc, "language")), "en") == 0;
    const char *why = json_string_value(json_object_get(fig, "reason"));

    if (why != NULL && strcmp(why, "protects_another_group") == 0)
        return en ? "hidden so that another small group cannot be recovered"
                  : "ukryte, aby nie dało się odtworzyć innej małej grupy";
    return en ? "hidden: fewer respondents than the anonymity threshold"
              : "ukryte: mniej respondentów niż próg anonimowości";
}

static void print_row(const json_t *doc, const json_t *m, int dims)
{
    const char *code = json_string_value(json_object_get(m, "code"));
    const json_t *fav = json_object_get(m, "favourable");
    const json_t *ch = json_object_get(m, "change");
    const json_t *tr = json_object_get(m, "trend");

    printf("  %-16s", code);
    if (json_is_true(json_object_get(m, "not_asked"))) {
        dash(7);
        printf("  (%s) ", W("nie zadane w tej fali", "not asked in this wave"));
        print_text(doc, code, dims, 40);
        putchar('\n');
        return;
    }
    if (json_is_true(json_object_get(m, "suppressed"))) {
        dash(7);
        printf("  (%s)\n", hidden_text(doc, m));
        return;
    }
    if (!json_is_number(json_object_get(m, "mean"))) {
        printf(" %6.0f  ", num(m, "n"));
        print_text(doc, code, dims, 60);
        putchar('\n');
        return;
    }
    printf(" %6.0f", num(m, "n"));
    print_num(num(m, "mean"), 6, 2, 0);
    printf(" [");
    print_num(num(m, "ci_low"), 4, 2, 0);
    printf(",");
    print_num(num(m, "ci_high"), 4, 2, 0);
    printf("]");
    if (json_is_object(fav)) {
        print_num(100 * num(fav, "share"), 4, 0, 0);
        printf("%%");
    } else {
        dash(6);
    }
    print_num(json_is_object(ch) ? num(ch, "diff") : NAN, 6, 2, 1);
    print_num(json_is_object(ch) ? num(ch, "p_adj") : NAN, 6, 3, 0);
    /* the same words as the workbooks (vocab.h), from the adjusted p */
    {
        const char *label = json_is_object(tr) ? json_string_value(json_object_get(tr, "label"))
                                               : NULL;
        int w = label != NULL ? (int)utf8_width(label) : 0;

        printf(" %s%*s", label != NULL ? label : "", w < 20 ? 20 - w : 0, "");
    }
    if (dims && json_is_object(json_object_get(m, "alpha")))
    {
        printf(" α=");
        print_num(num(json_object_get(m, "alpha"), "value"), 4, 2, 0);
    }
    printf("  ");
    print_text(doc, code, dims, 40);
    putchar('\n');
}

static void print_table(const json_t *doc, const json_t *g)
{
    const json_t *enps = json_object_get(g, "enps");
    const char *type = json_string_value(json_object_get(g, "type"));
    size_t i;
    json_t *m;

    printf("%s — %s (%s), %s %s (%s %d)\n",
           json_string_value(json_object_get(doc, "title")),
           json_string_value(json_object_get(g, "name")),
           strcmp(type, "city") == 0      ? W("miasto", "city")
           : strcmp(type, "network") == 0 ? W("sieć", "network")
                                          : W("wszystkie miasta", "all cities"),
           W("fala", "wave"), json_string_value(json_object_get(g, "wave")),
           W("próg anonimowości", "anonymity threshold"),
           (int)json_integer_value(json_object_get(doc, "threshold")));
    if (json_is_true(json_object_get(g, "suppressed"))) {
        {
            const char *t = hidden_text(doc, g);

            /* the sentence's first letter in capitals: both texts begin in ASCII */
            printf("%c%s.\n", t[0] - ('a' - 'A'), t + 1);
        }
        return;
    }
    printf("%s: %.0f\n\n", W("Respondenci", "Respondents"), num(g, "respondents"));
    /* each heading ends where its column's figures end (print_row) */
    printf("  %-16s %6s %6s %-13s %5s %6s %6s %-20s\n", W("pytanie", "item"), "n",
           W("śred.", "mean"), W("95% PU", "95% CI"), W("poz.", "fav"), W("zmiana", "change"),
           "p_adj", "trend");
    json_array_foreach(json_object_get(g, "items"), i, m)
        print_row(doc, m, 0);
    printf("\n  %-16s\n", W("wymiar", "dimension"));
    json_array_foreach(json_object_get(g, "dimensions"), i, m)
        print_row(doc, m, 1);
    if (json_is_object(enps) && !json_is_true(json_object_get(enps, "suppressed")))
        printf("\neNPS: %+.1f [%+.1f, %+.1f] (n = %.0f)\n", num(enps, "value"),
               num(enps, "ci_low"), num(enps, "ci_high"), num(enps, "n"));
    printf("\n%s\n", W("Istotne: skorygowane p (Benjamini–Hochberg) < 0,05. (odwr.): pytanie "
                        "odwrócone, wyższy wynik = lepiej.",
                        "Significant: adjusted p (Benjamini-Hochberg) < 0.05. (rev.): a "
                        "reverse-coded item, a higher score is better."));
}

/* One line on stderr per city of the group whose sample could not be
 * weighted to its population as the instrument asks (the weights given
 * with the responses are used), or was raked instead of post-stratified. */
static void print_weighting_warnings(const json_t *wt)
{
    size_t i;
    json_t *e;

    json_array_foreach(json_object_get(wt, "by_city"), i, e) {
        const char *method = json_string_value(json_object_get(e, "method"));
        const char *note = json_string_value(json_object_get(e, "note"));

        if (method != NULL && note != NULL && note[0] != '\0')
            fprintf(stderr, "stats: warning: %s, wave %s: %s%s\n",
                    json_string_value(json_object_get(e, "city")),
                    json_string_value(json_object_get(e, "wave")), note,
                    strcmp(method, "none") == 0 ? "; the weights sent with the responses are used"
                                                : "");
    }
}

int cmd_stats(int argc, char **argv)
{
    struct options o;
    char err[ERR_MAX];
    struct names_args names;
    struct catalog *cat = NULL;
    json_t *doc = NULL, *g, *out;
    const char *type, *slug;
    int rc = CLI_FAIL;
    PGconn *conn;

    switch (parse(argc, argv, &o)) {
    case 1: return CLI_OK;
    case -1: return CLI_USAGE;
    }
    conn = cli_connect(o.db);
    if (conn == NULL)
        return CLI_FAIL;
    /* names as a person types them: slugs, names with or without diacritics */
    rc = cli_resolve_names(conn, "stats", &names, &o.survey, &o.wave, &o.city, &o.network);
    if (rc != CLI_OK) {
        PQfinish(conn);
        return rc;
    }
    rc = CLI_FAIL;
    if (catalog_load(conn, &cat, err, sizeof err) != 0 ||
        (doc = results_load(conn, cat, o.survey, o.by, strcmp(o.lang, "en") == 0, NULL, NULL,
                            err, sizeof err)) == NULL) {
        cli_error("stats", "%s", err);
        goto done;
    }
    if (o.wave == NULL) {
        json_t *waves = json_object_get(doc, "waves");

        o.wave = json_string_value(json_object_get(json_array_get(waves, json_array_size(waves) - 1),
                                                   "label"));
    }
    type = o.city ? "city" : o.network ? "network" : "all";
    slug = o.city ? o.city : o.network;
    g = results_group(doc, o.wave, type, slug);
    if (g == NULL) {
        cli_error("stats", "no responses of %s%s%s in wave %s of survey %s", type,
                  slug ? " " : "", slug ? slug : "", o.wave, o.survey);
        goto done;
    }
    out = results_view(doc, g);
    if (out == NULL) {
        cli_error("stats", "out of memory");
        goto done;
    }
    /* The JSON says it under "weighting"; the table on stderr. */
    if (!o.json)
        print_weighting_warnings(json_object_get(out, "weighting"));
    if (o.json) {
        if (json_dumpf(out, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) != 0)
            cli_error("stats", "cannot write the JSON");
        putchar('\n');
    } else {
        english = strcmp(o.lang, "en") == 0;
        print_table(doc, g);
    }
    json_decref(out);
    rc = CLI_OK;
done:
    json_decref(doc);
    catalog_free(cat);
    PQfinish(conn);
    return rc;
}
