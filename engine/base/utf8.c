#include "utf8.h"

size_t utf8_chars(const char *s)
{
    size_t n = 0;

    for (; *s != '\0'; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

size_t utf8_seq(const unsigned char *s, size_t n)
{
    size_t len = 0;
    unsigned cp = 0;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2;
        cp = s[0] & 0x1fu;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3;
        cp = s[0] & 0x0fu;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4;
        cp = s[0] & 0x07u;
    }
    if (len == 0 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    /* overlong forms, surrogates and code points past U+10FFFF */
    if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return len;
}

size_t utf8_width(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t w = 0;

    while (*p != '\0') {
        size_t n = utf8_seq(p, 4);
        unsigned cp;

        if (n == 0) {   /* not UTF-8: a byte, a column */
            w++;
            p++;
            continue;
        }
        cp = n == 1 ? p[0]
             : n == 2 ? (p[0] & 0x1fu) << 6 | (p[1] & 0x3fu)
             : n == 3 ? (p[0] & 0x0fu) << 12 | (p[1] & 0x3fu) << 6 | (p[2] & 0x3fu)
                      : (p[0] & 0x07u) << 18 | (p[1] & 0x3fu) << 12 | (p[2] & 0x3fu) << 6 |
                            (p[3] & 0x3fu);
        if (!((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || cp == 0xfeff))
            w++;
        p += n;
    }
    return w;
}

void utf8_pad(FILE *out, const char *s, size_t width)
{
    fputs(s, out);
    for (size_t w = utf8_width(s); w < width; w++)
        fputc(' ', out);
}

void utf8_lpad(FILE *out, const char *s, size_t width)
{
    for (size_t w = utf8_width(s); w < width; w++)
        fputc(' ', out);
    fputs(s, out);
}
