#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

/* Debug lines are dropped. */
static const enum log_level min_level = LOG_INFO;

void log_msg(enum log_level level, const char *fmt, ...)
{
    static const char *names[] = { "debug", "info", "warn", "error" };
    char line[2048];
    struct timespec ts;
    struct tm tm;
    va_list ap;
    int len;
    int rest;

    if (level < min_level)
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    len = (int)strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
    len += snprintf(line + len, sizeof line - (size_t)len, ".%03ldZ %s ",
                    ts.tv_nsec / 1000000L, names[level]);
    va_start(ap, fmt);
    rest = vsnprintf(line + len, sizeof line - (size_t)len - 1, fmt, ap);
    va_end(ap);
    if (rest < 0)
        rest = 0;
    len += rest;
    if (len > (int)sizeof line - 2)
        len = (int)sizeof line - 2;
    line[len++] = '\n';
    /* One write per line: a short write to stderr is not worth retrying. */
    if (write(STDERR_FILENO, line, (size_t)len) < 0)
        return;
}
