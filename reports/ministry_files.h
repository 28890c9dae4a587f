/*
 * ministry_files: the text files of the ministry's export (ministry.h)
 * from its tidy rows (ministry_tidy.h): the CSV (RFC 4180, or the dialect
 * of a Polish Excel: BOM, ';', decimal comma), the JSON file, the codebook
 * CSV and the Frictionless Data Package descriptor of the CSV and the
 * codebook. Each is written through a temporary name and renamed when
 * complete.
 */
#ifndef EMPIRIE_MINISTRY_FILES_H
#define EMPIRIE_MINISTRY_FILES_H

#include "ministry_tidy.h"

#include <stddef.h>

/* What an export writes from: its inputs, the registry facts, the rows
 * built from them, and the files asked for. */
struct ministry_ctx {
    const struct ministry_input *in;
    size_t n;
    const struct report_meta *meta;
    const struct tidy *t;
    const struct ministry_files *f;
};

enum ministry_text { MK_CSV, MK_CSV_PL, MK_JSON, MK_CODEBOOK, MK_DATAPACKAGE };

/* Writes one text file to path; 0, or -1 with err (nothing left behind). */
int ministry_write_text(const char *path, enum ministry_text kind, const struct ministry_ctx *w,
                        char *err, size_t errlen);

#endif
