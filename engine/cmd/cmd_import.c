/* empirie import FILE: bulk import of responses (CSV or NDJSON), all or nothing. */
#include "catalog.h"
#include "cli.h"
#include "cliopt.h"
#include "csv.h"
#include "db.h"
#include "err.h"
#include "import.h"
#include "msg.h"
#include "names.h"
#include "regsnap.h"
#include "utf8.h"

#include <errno.h>
#include <getopt.h>   /* optind */
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static void usage(FILE *out)
{
    fputs(msg("Użycie: empirie import [OPCJE] PLIK\n"
              "       empirie import --template BADANIE [--delimiter D] [--db CONNINFO]\n"
              "\n"
              "Importuje odpowiedzi z PLIKU (CSV lub NDJSON, jedna odpowiedź na rekord, te\n"
              "same pola co w API: docs/import.md), wszystkie albo żadnej: każdy rekord jest\n"
              "sprawdzany z jego kwestionariuszem i zapisywane są albo wszystkie rekordy,\n"
              "albo żaden. Odpowiedź już zapisana z tym samym id i treścią jest pomijana; z\n"
              "inną treścią import się nie udaje, a komunikat podaje wiersz. Błędy podają\n"
              "wiersz, kolumnę (lub pole) i problem. PLIK może być '-', czyli standardowe\n"
              "wejście (wtedy podaj --format); potok jest wolniejszy od pliku dla nowych\n"
              "danych, bo nie da się go przeczytać dwa razy (docs/import.md). Plik jest\n"
              "czytany strumieniowo: jego rozmiar nie ma znaczenia.\n"
              "\n"
              "Opcje:\n"
              "  --format csv|ndjson  format (domyślnie: z rozszerzenia: .csv albo\n"
              "                       .ndjson / .jsonl)\n"
              "  --delimiter D        CSV: separator pól: ',' ';' lub tab (domyślnie: ten,\n"
              "                       którego wiersz nagłówka używa najczęściej)\n"
              "  --encoding E         CSV: utf-8 (z BOM lub bez), windows-1250 lub\n"
              "                       iso-8859-2 (domyślnie: utf-8, gdy plik jest poprawnym\n"
              "                       UTF-8, inaczej to z dwóch, na które wskazują polskie\n"
              "                       litery); potok jest czytany jako utf-8, chyba że podano\n"
              "  --template BADANIE   wypisuje pusty CSV dla najnowszej wersji badania:\n"
              "                       nagłówek i jeden przykładowy wiersz (UTF-8 z BOM, dla\n"
              "                       Excela; --delimiter ';' dla polskiego Excela)\n"
              "  --dry-run            sprawdza wszystko, także z bazą danych, po czym wycofuje:\n"
              "                       nic nie zostaje zapisane\n"
              "  --allow-closed-wave  przyjmuje odpowiedzi z fal już zamkniętych (lub jeszcze\n"
              "                       nieotwartych): celowe wczytywanie danych historycznych.\n"
              "                       Bez tej opcji taki rekord jest błędem\n"
              "  --max-errors N       ile błędnych rekordów zgłosić przed przerwaniem (1-20,\n"
              "                       domyślnie 10)\n"
              "  -q, --quiet          bez wskaźnika postępu (pokazuje się tylko w terminalu)\n",
              "Usage: empirie import [OPTIONS] FILE\n"
              "       empirie import --template SURVEY [--delimiter D] [--db CONNINFO]\n"
              "\n"
              "Imports survey responses from FILE (CSV or NDJSON, one response per record,\n"
              "the same fields as the API: docs/import.md), all or nothing: every record is\n"
              "validated against its instrument, and either every record is stored or none.\n"
              "A response already stored with the same id and content is skipped; with\n"
              "different content the import fails, naming the line. Errors name the line,\n"
              "the column (or field) and the problem. FILE may be '-' for standard input\n"
              "(then give --format); a pipe is slower than a file for new data, since it\n"
              "cannot be read twice (docs/import.md). The file is streamed: its size does\n"
              "not matter.\n"
              "\n"
              "Options:\n"
              "  --format csv|ndjson  the format (default: from the extension: .csv, or\n"
              "                       .ndjson / .jsonl)\n"
              "  --delimiter D        CSV: the field separator: ',' ';' or tab (default: the\n"
              "                       one the header line uses most)\n"
              "  --encoding E         CSV: utf-8 (with or without BOM), windows-1250 or\n"
              "                       iso-8859-2 (default: utf-8 when the file is valid\n"
              "                       UTF-8, else whichever of the two the Polish letters\n"
              "                       suggest); a pipe is read as utf-8 unless given\n"
              "  --template SURVEY    print an empty CSV for the survey's newest version:\n"
              "                       the header and one example row (UTF-8 with a BOM,\n"
              "                       for Excel; --delimiter ';' for Polish Excel)\n"
              "  --dry-run            validate everything, check against the database,\n"
              "                       then roll back: nothing is stored\n"
              "  --allow-closed-wave  take responses for waves that have closed (or not\n"
              "                       opened yet): loading historical data on purpose.\n"
              "                       Without it such a record is an error\n"
              "  --max-errors N       invalid records to report before stopping (1-20,\n"
              "                       default 10)\n"
              "  -q, --quiet          no progress display (it shows only on a terminal)\n"),
          out);
    cli_help_db(out, 20);
    fputs(msg("\n"
              "Komórki miasta, badania, fali, opcji i atrybutu mogą zawierać zamiast kodów\n"
              "nazwy z rejestru lub etykiety z kwestionariusza (Konin, Kędzierzyn-Koźle,\n"
              "\"Raczej się zgadzam\"), w dowolnej wielkości liter, z polskimi literami lub bez.\n"
              "\n"
              "Kod wyjścia: 0 zaimportowano, 1 nic nie zaimportowano (błędy na stderr),\n"
              "2 błąd użycia.\n",
              "\n"
              "City, survey, wave, option and attribute cells may hold the registry's or\n"
              "the instrument's labels instead of codes (Konin, Kędzierzyn-Koźle, \"Raczej\n"
              "się zgadzam\"), in any case, with or without Polish letters.\n"
              "\n"
              "Exit status: 0 imported, 1 nothing imported (errors on stderr), 2 usage.\n"),
          out);
}

static void show_progress(void *ctx, size_t records, off_t bytes, off_t size)
{
    (void)ctx;
    if (size > 0 && bytes >= 0)
        fprintf(stderr, msg("\rimport: przeczytane rekordy: %zu (%d%%)",
                            "\rimport: %zu records read (%d%%)"),
                records, (int)(100.0 * (double)bytes / (double)size));
    else
        fprintf(stderr, msg("\rimport: przeczytane rekordy: %zu", "\rimport: %zu records read"),
                records);
    fflush(stderr);
}

struct import_args {
    const char *db;
    const char *file;
    const char *encoding;   /* NULL: detect */
    const char *template_survey;
    struct import_options opt;
    int quiet;
};

/* The iconv name of an --encoding, NULL for UTF-8; "?" when unknown. */
static const char *iconv_name(const char *enc)
{
    if (strcasecmp(enc, "utf-8") == 0 || strcasecmp(enc, "utf8") == 0)
        return NULL;
    if (strcasecmp(enc, "windows-1250") == 0 || strcasecmp(enc, "cp1250") == 0)
        return "WINDOWS-1250";
    if (strcasecmp(enc, "iso-8859-2") == 0 || strcasecmp(enc, "latin2") == 0)
        return "ISO-8859-2";
    return "?";
}

/* --delimiter D: ',', ';' or a tab ("\t", "\\t" or "tab"). */
static int take_delimiter(void *field, const char *value)
{
    if (strcmp(value, ",") == 0 || strcmp(value, ";") == 0) {
        *(char *)field = value[0];
        return 0;
    }
    if (strcmp(value, "\t") == 0 || strcmp(value, "\\t") == 0 || strcasecmp(value, "tab") == 0) {
        *(char *)field = '\t';
        return 0;
    }
    cli_error("import", msg("--delimiter: oczekiwano ',', ';' lub tab, podano '%s'",
                            "--delimiter: expected ',', ';' or tab, got '%s'"),
              value);
    return -1;
}

/* --encoding E: one iconv_name knows. */
static int take_encoding(void *field, const char *value)
{
    if (strcmp(iconv_name(value) ? iconv_name(value) : "", "?") == 0) {
        cli_error("import", msg("--encoding: oczekiwano utf-8, windows-1250 lub "
                                "iso-8859-2, podano '%s'",
                                "--encoding: expected utf-8, windows-1250 or "
                                "iso-8859-2, got '%s'"),
                  value);
        return -1;
    }
    *(const char **)field = value;
    return 0;
}

/* --format csv|ndjson. */
static int take_format(void *field, const char *value)
{
    if (strcmp(value, "csv") != 0 && strcmp(value, "ndjson") != 0) {
        cli_error("import", msg("--format: oczekiwano csv lub ndjson, podano '%s'",
                                "--format: expected csv or ndjson, got '%s'"),
                  value);
        return -1;
    }
    *(enum import_format *)field = strcmp(value, "csv") == 0 ? IMPORT_CSV : IMPORT_NDJSON;
    return 0;
}

static int parse_args(int argc, char **argv, struct import_args *a)
{
    const struct cliopt opts[] = {
        CLIOPT_STR("db", &a->db),
        CLIOPT_CALL("format", take_format, &a->opt.format),
        CLIOPT_FLAG("dry-run", &a->opt.dry_run),
        CLIOPT_FLAG("allow-closed-wave", &a->opt.allow_closed_wave),
        CLIOPT_SIZE("max-errors", &a->opt.max_errors, IMPORT_MAX_ERRORS),
        CLIOPT_FLAG_SHORT('q', "quiet", &a->quiet),
        CLIOPT_CALL("delimiter", take_delimiter, &a->opt.delimiter),
        CLIOPT_CALL("encoding", take_encoding, &a->encoding),
        CLIOPT_STR("template", &a->template_survey),
    };
    int rc;

    a->opt.max_errors = 10;
    rc = cliopt_parse("import", usage, opts, CLIOPT_N(opts), argc, argv);
    if (rc != 0)
        return rc;
    if (a->template_survey != NULL) {
        if (optind != argc) {
            cli_error("import", msg("--template wypisuje plik na stdout i żadnego nie czyta: "
                                    "nieoczekiwany argument '%s'",
                                    "--template writes a file to stdout and reads none: "
                                    "unexpected '%s'"),
                      argv[optind]);
            return -1;
        }
        return 0;
    }
    a->file = cli_one_arg("import", argc, argv,
                          msg("oczekiwano jednego PLIKU (zob. --help)",
                              "expected one FILE (see --help)"));
    return a->file != NULL ? 0 : -1;
}

/* ---- encodings and delimiters of a CSV from an office ---- */

/* Which of windows-1250 and iso-8859-2 the bytes suggest: they differ in
 * where ą, ś, ź, Ą, Ś, Ź are, and windows-1250 uses 0x80..0x9F, which are
 * control characters in ISO-8859-2. */
static const char *guess_8bit(const unsigned char *b, size_t n)
{
    long cp = 0, iso = 0;

    for (size_t i = 0; i < n; i++) {
        switch (b[i]) {
        case 0xB9: case 0x9C: case 0x9F: case 0xA5: case 0x8C: case 0x8F: cp++; break;
        case 0xB1: case 0xB6: case 0xBC: case 0xA1: case 0xA6: case 0xAC: iso++; break;
        default:
            if (b[i] >= 0x80 && b[i] <= 0x9F)
                cp++;
        }
    }
    return iso > cp ? "ISO-8859-2" : "WINDOWS-1250";
}

/* True when the n bytes are UTF-8 (a sequence cut at the end allowed). */
static int valid_utf8(const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(b + i, n - i);

        if (k == 0)
            return n - i < 4 && b[i] >= 0xC2;   /* cut by the end of the sample */
        i += k;
    }
    return 1;
}

#define SAMPLE (1 << 20)

/* Reads up to SAMPLE bytes from the start of a seekable in and goes back. */
static unsigned char *sample(FILE *in, size_t *n)
{
    unsigned char *b = malloc(SAMPLE);
    off_t at = ftello(in);

    *n = 0;
    if (b == NULL || at < 0) {
        free(b);
        return NULL;
    }
    *n = fread(b, 1, SAMPLE, in);
    if (fseeko(in, at, SEEK_SET) != 0) {
        free(b);
        return NULL;
    }
    return b;
}

/* Copies in, converted from enc (an iconv name) to UTF-8, into a temporary
 * file, positioned at its start. NULL with err (naming the byte and the
 * line of an invalid one). */
static FILE *to_utf8(FILE *in, const char *enc, const char *name, char *err, size_t errlen)
{
    iconv_t cd = iconv_open("UTF-8", enc);
    FILE *out = NULL;
    char ibuf[65536], obuf[4 * 65536];
    size_t have = 0;
    long line = 1;
    long long offset = 0;

    if (cd == (iconv_t)-1) {
        err_set(err, errlen, msg("%s: nie można przekształcić z %s: %s",
                                 "%s: cannot convert from %s: %s"),
                name, enc, err_errno(errno));
        return NULL;
    }
    out = tmpfile();
    if (out == NULL) {
        err_set(err, errlen, msg("plik tymczasowy: %s", "a temporary file: %s"), err_errno(errno));
        goto fail;
    }
    for (;;) {
        size_t got = fread(ibuf + have, 1, sizeof ibuf - have, in);
        char *ip = ibuf, *op = obuf;
        size_t il = have + got, ol = sizeof obuf;

        if (got == 0 && ferror(in)) {
            err_set(err, errlen, "%s: %s", name, err_errno(errno));
            goto fail;
        }
        if (il == 0)
            break;
        if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 && errno != EINVAL) {
            for (char *p = ibuf; p < ip; p++)
                line += *p == '\n';
            err_set(err, errlen, msg("%s:%ld: bajt %lld (0x%02X) nie jest znakiem %s",
                                     "%s:%ld: byte %lld (0x%02X) is not a character of %s"),
                    name, line, offset + (long long)(ip - ibuf) + 1, (unsigned char)*ip, enc);
            goto fail;
        }
        for (char *p = ibuf; p < ip; p++)
            line += *p == '\n';
        offset += ip - ibuf;
        if (fwrite(obuf, 1, (size_t)(op - obuf), out) != (size_t)(op - obuf)) {
            err_set(err, errlen, msg("plik tymczasowy: %s", "a temporary file: %s"),
                    err_errno(errno));
            goto fail;
        }
        memmove(ibuf, ip, il);
        have = il;
        if (got == 0) {
            if (have > 0) {
                err_set(err, errlen, msg("%s: plik kończy się w środku znaku %s",
                                         "%s: the file ends inside a character of %s"),
                        name, enc);
                goto fail;
            }
            break;
        }
    }
    iconv_close(cd);
    if (fflush(out) != 0 || fseeko(out, 0, SEEK_SET) != 0) {
        err_set(err, errlen, msg("plik tymczasowy: %s", "a temporary file: %s"), err_errno(errno));
        fclose(out);
        return NULL;
    }
    return out;
fail:
    iconv_close(cd);
    if (out != NULL)
        fclose(out);
    return NULL;
}

/* A regular file can be looked at before it is read. */
static int seekable(FILE *in)
{
    struct stat st;

    return fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * Settles the encoding (converting into a temporary file when it is not
 * UTF-8: *in then points to it, *conv owns it) and the delimiter of a CSV.
 * 0, or -1 with err.
 */
static int prepare_csv(struct import_args *a, FILE **in, FILE **conv, char *err, size_t errlen)
{
    const char *enc = a->encoding != NULL ? iconv_name(a->encoding) : NULL;
    unsigned char *b = NULL;
    size_t n = 0;

    *conv = NULL;
    if (seekable(*in) && (a->encoding == NULL || a->opt.delimiter == 0)) {
        b = sample(*in, &n);
        if (b == NULL)
            return err_set(err, errlen, msg("%s: nie można czytać: %s", "%s: cannot read: %s"),
                           a->file, err_errno(errno));
    }
    if (a->encoding == NULL && b != NULL && !valid_utf8(b, n)) {
        enc = guess_8bit(b, n);
        if (!a->quiet)
            fprintf(stderr, msg("empirie import: %s nie jest w UTF-8: czytam go jako %s "
                                "(wybór: --encoding)\n",
                                "empirie import: %s is not UTF-8: reading it as %s "
                                "(--encoding to choose)\n"),
                    a->file, enc);
    }
    if (enc != NULL) {
        *conv = to_utf8(*in, enc, strcmp(a->file, "-") == 0 ? "stdin" : a->file, err, errlen);
        if (*conv == NULL) {
            free(b);
            return -1;
        }
        *in = *conv;
        if (a->opt.delimiter == 0) {
            free(b);
            b = sample(*in, &n);
            if (b == NULL)
                return err_set(err, errlen, msg("plik tymczasowy: %s", "a temporary file: %s"),
                               err_errno(errno));
        }
    }
    if (a->opt.delimiter == 0 && b != NULL)
        a->opt.delimiter = csv_guess_delimiter((const char *)b, n);
    free(b);
    return 0;
}

/* The registry's cities, for city names in a file: pointing into reg. */
static int load_cities(const struct regsnap *reg, struct names_entry **out, size_t *n,
                       char *err, size_t errlen)
{
    struct names_entry *e = calloc(reg->ncities + 1, sizeof *e);

    if (e == NULL)
        return err_set(err, errlen, "%s", msg("brak pamięci", "out of memory"));
    for (size_t i = 0; i < reg->ncities; i++)
        e[i] = (struct names_entry){ reg->cities[i].slug, reg->cities[i].name };
    *n = reg->ncities;
    *out = e;
    return 0;
}

/* The example row's city: the first of the programme's in slug order, else
 * the first city; "" when the registry has none. */
static const char *example_city(const struct regsnap *reg)
{
    for (size_t i = 0; i < reg->ncities; i++)
        if (reg->cities[i].programme)
            return reg->cities[i].slug;
    return reg->ncities > 0 ? reg->cities[0].slug : "";
}

/* ---- --template ---- */

/* A CSV cell: quoted when it holds the delimiter, a quote or a line end. */
static void cell(FILE *out, const char *v, char delim, int first)
{
    if (!first)
        fputc(delim, out);
    if (strchr(v, delim) == NULL && strpbrk(v, "\"\r\n") == NULL) {
        fputs(v, out);
        return;
    }
    fputc('"', out);
    for (; *v != '\0'; v++) {
        if (*v == '"')
            fputc('"', out);
        fputc(*v, out);
    }
    fputc('"', out);
}

static int write_template(PGconn *conn, struct import_args *a)
{
    char delim = a->opt.delimiter ? a->opt.delimiter : ',';
    char err[ERR_MAX], slug[NAMES_MAX], num[32];
    const struct catalog_wave *const *waves;
    const struct survey *s;
    struct catalog *cat = NULL;
    struct regsnap *reg = NULL;
    size_t nwaves = 0;
    int rc;

    rc = names_resolve(conn, NAMES_SURVEY, a->template_survey, slug, sizeof slug, err,
                       sizeof err);
    if (rc != 0) {
        cli_error("import", "--template: %s", err);
        return rc > 0 ? CLI_USAGE : CLI_FAIL;
    }
    if (regsnap_load(conn, &reg, err, sizeof err) != 0 ||
        catalog_load_from(conn, reg, &cat, err, sizeof err) != 0) {
        cli_error("import", "%s", err);
        regsnap_free(reg);
        return CLI_FAIL;
    }
    s = catalog_survey_latest(cat, slug);
    waves = catalog_waves(cat, slug, &nwaves);
    /* a UTF-8 byte order mark: Excel then reads the Polish letters right */
    fputs("\xef\xbb\xbf", stdout);
    cell(stdout, "survey", delim, 1);
    cell(stdout, "wave", delim, 0);
    cell(stdout, "city", delim, 0);
    cell(stdout, "id", delim, 0);
    if (s->weighted)
        cell(stdout, "weight", delim, 0);
    for (size_t k = 0; k < s->nattrs; k++) {
        char h[160];

        snprintf(h, sizeof h, "attr.%s", s->attrs[k].code);
        cell(stdout, h, delim, 0);
    }
    for (size_t i = 0; i < s->nitems; i++)
        cell(stdout, s->items[i].code, delim, 0);
    fputs("\r\n", stdout);
    /* the example row: the newest wave of this version, the first city,
     * an id to replace, the first option or the lowest value */
    cell(stdout, slug, delim, 1);
    cell(stdout, nwaves > 0 ? waves[nwaves - 1]->label : "", delim, 0);
    cell(stdout, example_city(reg), delim, 0);
    cell(stdout, "00000000-0000-4000-8000-000000000001", delim, 0);
    if (s->weighted)
        cell(stdout, "1", delim, 0);
    for (size_t k = 0; k < s->nattrs; k++) {
        snprintf(num, sizeof num, "%d", s->attrs[k].noptions > 0 ? s->attrs[k].options[0].code
                                                                   : 1);
        cell(stdout, num, delim, 0);
    }
    for (size_t i = 0; i < s->nitems; i++) {
        const struct survey_item *it = &s->items[i];

        if (it->type == SURVEY_TEXT)
            num[0] = '\0';
        else if (it->type == SURVEY_SINGLE || it->type == SURVEY_MULTI)
            snprintf(num, sizeof num, "%d", it->noptions > 0 ? it->options[0].code : 0);
        else
            snprintf(num, sizeof num, "%d", it->min);
        cell(stdout, num, delim, 0);
    }
    fputs("\r\n", stdout);
    catalog_free(cat);
    regsnap_free(reg);
    if (fflush(stdout) != 0) {
        cli_error("import", msg("nie można zapisać szablonu: %s", "cannot write the template: %s"),
                  err_errno(errno));
        return CLI_FAIL;
    }
    return CLI_OK;
}

static int run(PGconn *conn, FILE *in, struct import_args *a)
{
    struct import_result *res = calloc(1, sizeof *res);
    struct catalog *cat = NULL;
    struct names_entry *cities = NULL;
    struct regsnap *reg = NULL;
    char err[ERR_MAX];
    int rc;

    /* one registry snapshot: the catalog's cities and the cities' names */
    if (res == NULL || regsnap_load(conn, &reg, err, sizeof err) != 0 ||
        catalog_load_from(conn, reg, &cat, err, sizeof err) != 0 ||
        load_cities(reg, &cities, &a->opt.ncities, err, sizeof err) != 0) {
        cli_error("import", "%s", res == NULL ? msg("brak pamięci", "out of memory") : err);
        catalog_free(cat);
        regsnap_free(reg);
        free(res);
        return CLI_FAIL;
    }
    a->opt.cities = cities;
    if (!a->quiet && cli_interactive())
        a->opt.progress = show_progress;
    rc = import_stream(conn, cat, in, strcmp(a->file, "-") == 0 ? "stdin" : a->file, &a->opt, res);
    if (a->opt.progress != NULL)
        fputc('\n', stderr);
    for (size_t i = 0; i < res->nerrors; i++)
        cli_error("import", "%s", res->errors[i]);
    if (rc != 0)
        cli_error("import", msg("nic nie zaimportowano (przeczytane rekordy: %zu)",
                                "nothing was imported (%zu records read)"),
                  res->records);
    else if (msg_english())
        printf("import: %zu records: %zu stored, %zu already stored%s\n", res->records,
               res->created, res->duplicates, a->opt.dry_run ? " (dry run: rolled back)" : "");
    else
        printf("import: %zu %s: zapisane: %zu, już zapisane wcześniej: %zu%s\n", res->records,
               msg_pl_plural((long long)res->records, "rekord", "rekordy", "rekordów"),
               res->created, res->duplicates,
               a->opt.dry_run ? " (próba: wycofano)" : "");
    catalog_free(cat);
    free(cities);
    regsnap_free(reg);
    free(res);
    return rc == 0 ? CLI_OK : CLI_FAIL;
}

int cmd_import(int argc, char **argv)
{
    struct import_args a;
    PGconn *conn;
    FILE *in;
    int rc;

    memset(&a, 0, sizeof a);
    rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return cli_parse_exit(rc);
    if (a.template_survey != NULL) {
        conn = cli_connect(a.db);
        if (conn == NULL)
            return CLI_FAIL;
        rc = write_template(conn, &a);
        PQfinish(conn);
        return rc;
    }
    in = strcmp(a.file, "-") == 0 ? stdin : fopen(a.file, "r");
    if (in == NULL) {
        cli_error("import", msg("%s: nie można otworzyć: %s", "%s: cannot open: %s"), a.file,
                  err_errno(errno));
        return CLI_FAIL;
    }
    {
        enum import_format fmt = a.opt.format != IMPORT_AUTO ? a.opt.format
                                                              : import_guess_format(a.file);
        char err[ERR_MAX];
        FILE *conv = NULL, *src = in;

        if (fmt == IMPORT_CSV && prepare_csv(&a, &src, &conv, err, sizeof err) != 0) {
            cli_error("import", "%s", err);
            if (in != stdin)
                fclose(in);
            return CLI_FAIL;
        }
        if (conv != NULL && a.opt.format == IMPORT_AUTO)
            a.opt.format = IMPORT_CSV;   /* the temporary file has no name to tell */
        conn = cli_connect(a.db);
        if (conn != NULL) {
            rc = run(conn, src, &a);
            PQfinish(conn);
        } else {
            rc = CLI_FAIL;
        }
        if (conv != NULL)
            fclose(conv);
    }
    if (in != stdin)
        fclose(in);
    return rc;
}
