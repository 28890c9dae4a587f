#include "csv.h"

#include "dynarr.h"
#include "dynbuf.h"
#include "err.h"
#include "mem.h"

#include <stdlib.h>
#include <string.h>

struct csv_reader {
    FILE *f;
    struct dynbuf buf;  /* the fields of the current record, each NUL-terminated */
    size_t *starts;     /* offsets of the fields in buf */
    char **fields;      /* like starts */
    size_t nfields, capstarts, capfields;
    long line;          /* where the current record starts */
    long next_line;     /* the line the next character is on */
    int started;
    char delim;         /* the field separator */
};

struct csv_reader *csv_open_delim(FILE *f, char delim)
{
    struct csv_reader *r = calloc(1, sizeof *r);

    if (r == NULL)
        return NULL;
    r->f = f;
    dynbuf_init(&r->buf, CSV_MAX_RECORD);
    r->next_line = 1;
    r->delim = delim;
    return r;
}

struct csv_reader *csv_open(FILE *f)
{
    return csv_open_delim(f, ',');
}

char csv_guess_delimiter(const char *line, size_t len)
{
    static const char cand[] = { ',', ';', '\t' };
    size_t count[3] = { 0, 0, 0 };
    int quoted = 0;
    char best = ',';
    size_t most = 0;

    for (size_t i = 0; i < len; i++) {
        char c = line[i];

        if (c == '"')
            quoted = !quoted;
        else if (!quoted && (c == '\n' || c == '\r'))
            break;
        else if (!quoted)
            for (int k = 0; k < 3; k++)
                count[k] += c == cand[k];
    }
    for (int k = 0; k < 3; k++)
        if (count[k] > most) {
            most = count[k];
            best = cand[k];
        }
    return best;
}

void csv_close(struct csv_reader *r)
{
    if (r == NULL)
        return;
    dynbuf_free(&r->buf);
    FREE_ALL(r->starts, r->fields, r);
}

long csv_line(const struct csv_reader *r)
{
    return r->line;
}

static int put(struct csv_reader *r, char c, char *err, size_t errlen)
{
    if (dynbuf_addc(&r->buf, c) == 0)
        return 0;
    if (dynbuf_error(&r->buf) == DYNBUF_TOO_LARGE)
        return err_set(err, errlen, "line %ld: the record is longer than %d bytes", r->line,
                       CSV_MAX_RECORD);
    return err_set(err, errlen, "out of memory");
}

/* Ends the current field. */
static int end_field(struct csv_reader *r, size_t start, char *err, size_t errlen)
{
    if (put(r, '\0', err, errlen) != 0)
        return -1;
    if (r->nfields == r->capstarts || r->nfields == r->capfields) {
        size_t *bigger = dynarr_reserve(r->starts, &r->capstarts, r->nfields + 1, sizeof *bigger);
        char **more;

        if (bigger == NULL)
            return err_set(err, errlen, "out of memory");
        r->starts = bigger;
        more = dynarr_reserve(r->fields, &r->capfields, r->nfields + 1, sizeof *more);
        if (more == NULL)
            return err_set(err, errlen, "out of memory");
        r->fields = more;
    }
    r->starts[r->nfields++] = start;
    return 0;
}

/* A quoted field, after its opening quote. */
static int quoted(struct csv_reader *r, char *err, size_t errlen)
{
    for (;;) {
        int c = getc(r->f);

        if (c == EOF)
            return err_set(err, errlen, "line %ld: a quoted field is not closed", r->line);
        if (c == '\n')
            r->next_line++;
        if (c == '"') {
            c = getc(r->f);
            if (c != '"') {
                if (c != EOF)
                    ungetc(c, r->f);
                return 0;
            }
        }
        if (put(r, (char)c, err, errlen) != 0)
            return -1;
    }
}

/* Reads one field; *last is set when it ended the record. */
static int field(struct csv_reader *r, int *last, int *eof, char *err, size_t errlen)
{
    size_t start = dynbuf_len(&r->buf);
    int c = getc(r->f);

    *last = 0;
    if (c == '"') {
        if (quoted(r, err, errlen) != 0)
            return -1;
        c = getc(r->f);
        if (c == '\r')
            c = getc(r->f);
        if (c != r->delim && c != '\n' && c != EOF)
            return err_set(err, errlen, "line %ld: field %zu: a character after the closing "
                           "quote (a quote inside a quoted field is written \"\")", r->line,
                           r->nfields + 1);
    } else {
        size_t end;

        while (c != r->delim && c != '\n' && c != EOF) {
            if (put(r, (char)c, err, errlen) != 0)
                return -1;
            c = getc(r->f);
        }
        end = dynbuf_len(&r->buf);
        if (end > start && dynbuf_ptr(&r->buf)[end - 1] == '\r')
            dynbuf_truncate(&r->buf, end - 1);
    }
    if (c == '\n')
        r->next_line++;
    *last = c != r->delim;
    *eof = c == EOF;
    return end_field(r, start, err, errlen);
}

int csv_read(struct csv_reader *r, char ***fields, size_t *n, char *err, size_t errlen)
{
    int last = 0, eof = 0;

    for (;;) {
        int c = getc(r->f);

        if (c == EOF)
            return ferror(r->f) ? err_set(err, errlen, "read error") : 0;
        ungetc(c, r->f);
        dynbuf_reset(&r->buf);
        r->nfields = 0;
        r->line = r->next_line;
        while (!last)
            if (field(r, &last, &eof, err, errlen) != 0)
                return -1;
        if (r->nfields > 1 || dynbuf_ptr(&r->buf)[r->starts[0]] != '\0')
            break;
        if (eof)
            return 0;
        last = 0;  /* an empty line */
    }
    for (size_t i = 0; i < r->nfields; i++)
        r->fields[i] = dynbuf_ptr(&r->buf) + r->starts[i];
    if (!r->started && strncmp(r->fields[0], "\xef\xbb\xbf", 3) == 0)
        r->fields[0] += 3;  /* a byte order mark, as spreadsheets write */
    r->started = 1;
    *fields = r->fields;
    *n = r->nfields;
    return 1;
}
