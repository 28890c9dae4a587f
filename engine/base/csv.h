/*
 * csv: a streaming reader of RFC 4180 CSV (comma-separated, or another
 * delimiter: Polish Excel writes ';'; fields quoted with '"', '""' inside
 * quotes for a quote, CRLF or LF line ends, quoted fields may span lines). It holds one record at a time, so memory is bounded
 * by the longest record (at most CSV_MAX_RECORD bytes), never by the file.
 */
#ifndef EMPIRIE_CSV_H
#define EMPIRIE_CSV_H

#include <stddef.h>
#include <stdio.h>

#define CSV_MAX_RECORD (1 << 20)

struct csv_reader;

/* A reader over f (not owned), fields separated by ','. NULL when out of
 * memory. */
struct csv_reader *csv_open(FILE *f);

/* The same with another delimiter (',', ';' or '\t'). */
struct csv_reader *csv_open_delim(FILE *f, char delim);

/* The delimiter a header line suggests: the one of ',', ';' and tab that
 * occurs most often outside quotes in line (len bytes, up to its first
 * line end); ',' when none occurs. */
char csv_guess_delimiter(const char *line, size_t len);

void csv_close(struct csv_reader *r);

/*
 * Reads the next record. Returns 1 with *fields (valid until the next call)
 * and *n set, 0 at the end of the file, -1 on a malformed record (err says
 * why; the reader cannot continue). Empty lines are skipped. A UTF-8 byte
 * order mark at the start of the file is skipped.
 */
int csv_read(struct csv_reader *r, char ***fields, size_t *n, char *err, size_t errlen);

/* The line on which the last record read starts (1-based). */
long csv_line(const struct csv_reader *r);

#endif
