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

/* The size of the buffer err_errno gives each call: enough for every message
 * glibc and musl have (the longest is under 60 bytes). */
#define ERR_ERRNO_MAX 128

/* The message for errnum (an errno value, or what pthread_* returned), in
 * buf (size n > 0), always NUL-terminated (cut to fit) and never NULL: the
 * thread-safe strerror, whichever strerror_r the C library declares (XSI:
 * int, what this build gets; GNU: char *). An unknown errnum reads as the
 * library words it (glibc: "Unknown error N"), or "error N" when it writes
 * nothing. Leaves errno as it was. Returns buf. */
const char *err_errno_r(int errnum, char *buf, size_t n);

/* err_errno(e): err_errno_r into a buffer of ERR_ERRNO_MAX bytes of its own
 * (a compound literal), which lives until the end of the enclosing block: for
 * a message argument, as in err_set(err, n, "%s: %s", path, err_errno(errno)). */
#define err_errno(e) err_errno_r((e), (char[ERR_ERRNO_MAX]){ 0 }, ERR_ERRNO_MAX)

#endif
