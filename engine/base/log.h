/*
 * log: one line per event on stderr, with a UTC timestamp and a level.
 *
 * Only main() and the daemon's request loop log; library modules report
 * errors through their err buffers instead (see err.h). Lines are written with
 * a single write(2) so that lines from concurrent threads never interleave.
 */
#ifndef EMPIRIE_LOG_H
#define EMPIRIE_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
