/*
 * utf8: small helpers for UTF-8 text (jansson guarantees valid UTF-8 in
 * parsed strings; these count and cut it by characters, not bytes, and
 * check it where jansson is not used: rscan.h).
 */
#ifndef EMPIRIE_UTF8_H
#define EMPIRIE_UTF8_H

#include <stddef.h>
#include <stdio.h>

/* The number of characters (code points) in a NUL-terminated UTF-8 string. */
size_t utf8_chars(const char *s);

/* The length of the valid UTF-8 sequence at s (at most n bytes; n >= 1), 0
 * when it is not one: the rules of RFC 3629 (no overlong forms, no
 * surrogates, nothing past U+10FFFF), which are jansson's. */
size_t utf8_seq(const unsigned char *s, size_t n);

/* The display width of a NUL-terminated UTF-8 string in a terminal: one
 * column per code point, none for combining marks (U+0300..U+036F) and
 * zero-width characters (U+200B..U+200F, U+FEFF). Polish letters, precomposed
 * or not, and the dash "—" take one column each. */
size_t utf8_width(const char *s);

/* Prints s to out padded with spaces on the right to width display columns
 * (nothing added when it is wider). */
void utf8_pad(FILE *out, const char *s, size_t width);

/* Likewise, padded on the left (right-aligned). */
void utf8_lpad(FILE *out, const char *s, size_t width);

#endif
