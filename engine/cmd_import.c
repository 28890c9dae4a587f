/* empirie import FILE: bulk import of responses (CSV or NDJSON), all or nothing. */
#include "catalog.h"
#include "cli.h"
#include "err.h"
#include "import.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fputs("Usage: empirie import [OPTIONS] FILE\n"
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
          "  --dry-run            validate everything, check against the database,\n"
          "                       then roll back: nothing is stored\n"
          "  --allow-closed-wave  take responses for waves that have closed (or not\n"
          "                       opened yet): loading historical data on purpose.\n"
          "                       Without it such a record is an error\n"
          "  --max-errors N       invalid records to report before stopping (1-20,\n"
          "                       default 10)\n"
          "  --db CONNINFO        libpq connection string (default: $DATABASE_URL, the\n"
          "                       PG* variables, else the private cluster under var/)\n"
          "  -q, --quiet          no progress display (it shows only on a terminal)\n"
          "  -h, --help           show this help\n"
          "\n"
          "Exit status: 0 imported, 1 nothing imported (errors on stderr), 2 usage.\n",
          out);
}

static void show_progress(void *ctx, size_t records, off_t bytes, off_t size)
{
    (void)ctx;
    if (size > 0 && bytes >= 0)
        fprintf(stderr, "\rimport: %zu records read (%d%%)", records,
                (int)(100.0 * (double)bytes / (double)size));
    else
        fprintf(stderr, "\rimport: %zu records read", records);
    fflush(stderr);
}

struct import_args {
    const char *db;
    const char *file;
    struct import_options opt;
    int quiet;
};

static int parse_args(int argc, char **argv, struct import_args *a)
{
    static const struct option opts[] = {
        { "db", required_argument, NULL, 'd' },
        { "format", required_argument, NULL, 'f' },
        { "dry-run", no_argument, NULL, 'n' },
        { "allow-closed-wave", no_argument, NULL, 'w' },
        { "max-errors", required_argument, NULL, 'm' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    char *end;
    int c;

    a->opt.max_errors = 10;
    while ((c = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
        switch (c) {
        case 'd': a->db = optarg; break;
        case 'n': a->opt.dry_run = 1; break;
        case 'w': a->opt.allow_closed_wave = 1; break;
        case 'q': a->quiet = 1; break;
        case 'h': usage(stdout); return 1;
        case 'f':
            if (strcmp(optarg, "csv") != 0 && strcmp(optarg, "ndjson") != 0) {
                cli_error("import", "--format: expected csv or ndjson, got '%s'", optarg);
                return -1;
            }
            a->opt.format = strcmp(optarg, "csv") == 0 ? IMPORT_CSV : IMPORT_NDJSON;
            break;
        case 'm':
            a->opt.max_errors = strtoul(optarg, &end, 10);
            if (*end != '\0' || a->opt.max_errors < 1 || a->opt.max_errors > IMPORT_MAX_ERRORS) {
                cli_error("import", "--max-errors: expected 1 to %d, got '%s'",
                          IMPORT_MAX_ERRORS, optarg);
                return -1;
            }
            break;
        default: usage(stderr); return -1;
        }
    }
    if (optind + 1 != argc) {
        cli_error("import", "expected one FILE (see --help)");
        return -1;
    }
    a->file = argv[optind];
    return 0;
}

static int run(PGconn *conn, FILE *in, struct import_args *a)
{
    struct import_result *res = calloc(1, sizeof *res);
    struct catalog *cat = NULL;
    char err[ERR_MAX];
    int rc;

    if (res == NULL || catalog_load(conn, &cat, err, sizeof err) != 0) {
        cli_error("import", "%s", res == NULL ? "out of memory" : err);
        free(res);
        return CLI_FAIL;
    }
    if (!a->quiet && cli_interactive())
        a->opt.progress = show_progress;
    rc = import_stream(conn, cat, in, strcmp(a->file, "-") == 0 ? "stdin" : a->file, &a->opt, res);
    if (a->opt.progress != NULL)
        fputc('\n', stderr);
    for (size_t i = 0; i < res->nerrors; i++)
        cli_error("import", "%s", res->errors[i]);
    if (rc != 0)
        cli_error("import", "nothing was imported (%zu records read)", res->records);
    else
        printf("import: %zu records: %zu stored, %zu already stored%s\n", res->records,
               res->created, res->duplicates, a->opt.dry_run ? " (dry run: rolled back)" : "");
    catalog_free(cat);
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
        return rc > 0 ? CLI_OK : CLI_USAGE;
    in = strcmp(a.file, "-") == 0 ? stdin : fopen(a.file, "r");
    if (in == NULL) {
        cli_error("import", "%s: cannot open: %s", a.file, strerror(errno));
        return CLI_FAIL;
    }
    conn = cli_connect(a.db);
    if (conn != NULL) {
        rc = run(conn, in, &a);
        PQfinish(conn);
    } else {
        rc = CLI_FAIL;
    }
    if (in != stdin)
        fclose(in);
    return rc;
}
