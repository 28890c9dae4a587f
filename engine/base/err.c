#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int err_set(char *err, size_t n, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || n == 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
    return -1;
}

int err_prefix(char *err, size_t n, const char *fmt, ...)
{
    char prefix[ERR_MAX];
    char old[ERR_MAX];
    va_list ap;

    if (err == NULL || n == 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    snprintf(old, sizeof old, "%s", err);
    snprintf(err, n, "%s: %s", prefix, old);
    return -1;
}

/* The GNU strerror_r returns its message, in buf or in a static string of
 * its own (never changed afterwards): copy the latter. */
static const char *errno_gnu(const char *msg, char *buf, size_t n, int errnum)
{
    if (msg == NULL || msg[0] == '\0')
        snprintf(buf, n, "error %d", errnum);
    else if (msg != buf)
        snprintf(buf, n, "%s", msg);
    return buf;
}

/* The XSI strerror_r returns 0, or an error number (EINVAL: unknown errnum,
 * ERANGE: buf too small), or -1 and errno (old glibc); what it wrote stands
 * (glibc's "Unknown error N", a message cut to fit), nothing written reads
 * "error N". */
static const char *errno_xsi(int rc, char *buf, size_t n, int errnum)
{
    if (rc != 0 && buf[0] == '\0')
        snprintf(buf, n, "error %d", errnum);
    return buf;
}

const char *err_errno_r(int errnum, char *buf, size_t n)
{
    int saved = errno;
    const char *out;

    if (buf == NULL || n == 0)
        return "";
    buf[0] = '\0';
    /* The controlling expression is not evaluated: strerror_r runs once, and
     * its return type picks the finisher for the variant declared. */
    out = _Generic(strerror_r(errnum, buf, n), char *: errno_gnu, int: errno_xsi)(
        strerror_r(errnum, buf, n), buf, n, errnum);
    buf[n - 1] = '\0';
    errno = saved;
    return out;
}
