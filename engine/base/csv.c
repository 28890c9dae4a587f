#include "csv.h"

#include "err.h"

#include <stdlib.h>
#include <string.h>

struct csv_reader {
    FILE *f;
    char *buf;          /* the fields of the current record, each NUL-terminated */
    size_t len, cap;
    size_t *starts;     /* offsets of the fields in buf */
    char **fields;      /* capf entries, like starts */
    size_t nfields, capf;
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
    free(r->buf);
    free(r->starts);
    free(r->fields);
    free(r);
}

long csv_line(const struct csv_reader *r)
{
    return r->line;
}

static int put(struct csv_reader *r, char c, char *err, size_t errlen)
{
    if (r->len + 1 >= r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 4096;
        char *bigger;

        if (cap > CSV_MAX_RECORD)
            return err_set(err, errlen, "line %ld: the record is longer than %d bytes", r->line,
                           CSV_MAX_RECORD);
        bigger = realloc(r->buf, cap);
        if (bigger == NULL)
            return err_set(err, errlen, "out of memory");
        r->buf = bigger;
        r->cap = cap;
    }
    r->buf[r->len++] = c;
    return 0;
}

/* Ends the current field. */
static int end_field(struct csv_reader *r, size_t start, char *err, size_t errlen)
{
    if (put(r, '\0', err, errlen) != 0)
        return -1;
    if (r->nfields == r->capf) {
        size_t capf = r->capf ? r->capf * 2 : 64;
        size_t *bigger = realloc(r->starts, capf * sizeof *bigger);
        char **more;

        if (bigger == NULL)
            return err_set(err, errlen, "out of memory");
        r->starts = bigger;
        more = realloc(r->fields, capf * sizeof *more);
        if (more == NULL)
            return err_set(err, errlen, "out of memory");
        r->fields = more;
        r->capf = capf;
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
    size_t start = r->len;
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
        while (c != r->delim && c != '\n' && c != EOF) {
            if (put(r, (char)c, err, errlen) != 0)
                return -1;
            c = getc(r->f);
        }
        if (r->len > start && r->buf[r->len - 1] == '\r')
            r->len--;
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
        r->len = 0;
        r->nfields = 0;
        r->line = r->next_line;
        while (!last)
            if (field(r, &last, &eof, err, errlen) != 0)
                return -1;
        if (r->nfields > 1 || r->buf[r->starts[0]] != '\0')
            break;
        if (eof)
            return 0;
        last = 0;  /* an empty line */
    }
    for (size_t i = 0; i < r->nfields; i++)
        r->fields[i] = r->buf + r->starts[i];
    if (!r->started && strncmp(r->fields[0], "\xef\xbb\xbf", 3) == 0)
        r->fields[0] += 3;  /* a byte order mark, as spreadsheets write */
    r->started = 1;
    *fields = r->fields;
    *n = r->nfields;
    return 1;
}
