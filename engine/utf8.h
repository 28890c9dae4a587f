/*
 * utf8: small helpers for UTF-8 text (jansson guarantees valid UTF-8 in
 * parsed strings; these count and cut it by characters, not bytes).
 */
#ifndef EMPIRIE_UTF8_H
#define EMPIRIE_UTF8_H

#include <stddef.h>

/* The number of characters (code points) in a NUL-terminated UTF-8 string. */
size_t utf8_chars(const char *s);

#endif
