/*
 * utf8: small helpers for UTF-8 text (jansson guarantees valid UTF-8 in
 * parsed strings; these count and cut it by characters, not bytes, and
 * check it where jansson is not used: rscan.h).
 */
#ifndef EMPIRIE_UTF8_H
#define EMPIRIE_UTF8_H

#include <stddef.h>

/* The number of characters (code points) in a NUL-terminated UTF-8 string. */
size_t utf8_chars(const char *s);

/* The length of the valid UTF-8 sequence at s (at most n bytes; n >= 1), 0
 * when it is not one: the rules of RFC 3629 (no overlong forms, no
 * surrogates, nothing past U+10FFFF), which are jansson's. */
size_t utf8_seq(const unsigned char *s, size_t n);

#endif
