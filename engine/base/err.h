/*
 * err: the error convention every module follows.
 *
 * A function that can fail returns 0 on success and -1 on failure, and fills
 * a caller-provided buffer `char err[ERR_MAX]` with a message a person can act
 * on (which file, which field, what was expected). Nothing below main() prints
 * or exits: the caller decides where the message goes.
 */
#ifndef EMPIRIE_ERR_H
#define EMPIRIE_ERR_H

#include <stddef.h>

#define ERR_MAX 1024

/* Formats into err (of size n, may be NULL); always NUL-terminated. Returns -1
 * so that `return err_set(err, n, ...)` reads as a failure. */
int err_set(char *err, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepends "prefix: " to the message already in err. Returns -1. */
int err_prefix(char *err, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
