/* collate: Polish alphabetical order (see collate.h). */
#include "collate.h"

#include <stdint.h>
#include <string.h>

/* The next code point of s (advancing it); 0 at the end. Invalid bytes
 * count as themselves. */
static uint32_t next_cp(const unsigned char **s)
{
    const unsigned char *p = *s;
    uint32_t c = *p;
    int extra = 0;

    if (c == 0)
        return 0;
    if (c >= 0xF0 && c < 0xF8) {
        c &= 0x07;
        extra = 3;
    } else if (c >= 0xE0) {
        c &= 0x0F;
        extra = 2;
    } else if (c >= 0xC0) {
        c &= 0x1F;
        extra = 1;
    }
    p++;
    for (int i = 0; i < extra; i++) {
        if ((*p & 0xC0) != 0x80) {
            *s = p;
            return 0xFFFD;
        }
        c = (c << 6) | (*p++ & 0x3F);
    }
    *s = p;
    return c;
}

struct key {
    int primary;     /* place in the alphabet */
    int secondary;   /* a diacritic that is not a letter of its own in Polish */
    int tertiary;    /* 1 for upper case */
};

/* The Polish alphabet's own letters after their base: ą after a, etc. A
 * base letter b has primary 100 + 3 * (b - 'a'); its Polish variant + 1. */
static struct key key_of(uint32_t c)
{
    struct key k = { 0, 0, 0 };
    static const struct {
        uint32_t cp;
        char base;
        int polish;   /* a letter of its own (primary), else a diacritic (secondary) */
        int upper;
    } map[] = {
        { 0x0105, 'a', 1, 0 }, { 0x0104, 'a', 1, 1 }, { 0x0107, 'c', 1, 0 },
        { 0x0106, 'c', 1, 1 }, { 0x0119, 'e', 1, 0 }, { 0x0118, 'e', 1, 1 },
        { 0x0142, 'l', 1, 0 }, { 0x0141, 'l', 1, 1 }, { 0x0144, 'n', 1, 0 },
        { 0x0143, 'n', 1, 1 }, { 0x00F3, 'o', 1, 0 }, { 0x00D3, 'o', 1, 1 },
        { 0x015B, 's', 1, 0 }, { 0x015A, 's', 1, 1 }, { 0x017A, 'z', 1, 0 },
        { 0x0179, 'z', 1, 1 }, { 0x017C, 'z', 2, 0 }, { 0x017B, 'z', 2, 1 },
        /* other letters with diacritics: their base letter */
        { 0x00E1, 'a', 0, 0 }, { 0x00C1, 'a', 0, 1 }, { 0x00E4, 'a', 0, 0 },
        { 0x00C4, 'a', 0, 1 }, { 0x00E9, 'e', 0, 0 }, { 0x00C9, 'e', 0, 1 },
        { 0x011B, 'e', 0, 0 }, { 0x011A, 'e', 0, 1 }, { 0x00ED, 'i', 0, 0 },
        { 0x00CD, 'i', 0, 1 }, { 0x00F6, 'o', 0, 0 }, { 0x00D6, 'o', 0, 1 },
        { 0x00FA, 'u', 0, 0 }, { 0x00DA, 'u', 0, 1 }, { 0x00FC, 'u', 0, 0 },
        { 0x00DC, 'u', 0, 1 }, { 0x010D, 'c', 0, 0 }, { 0x010C, 'c', 0, 1 },
        { 0x0161, 's', 0, 0 }, { 0x0160, 's', 0, 1 }, { 0x017E, 'z', 0, 0 },
        { 0x017D, 'z', 0, 1 }, { 0x0159, 'r', 0, 0 }, { 0x0158, 'r', 0, 1 },
        { 0x00FD, 'y', 0, 0 }, { 0x00DD, 'y', 0, 1 }, { 0x00DF, 's', 0, 0 },
    };

    if (c >= 'a' && c <= 'z') {
        k.primary = 100 + 3 * (int)(c - 'a');
        return k;
    }
    if (c >= 'A' && c <= 'Z') {
        k.primary = 100 + 3 * (int)(c - 'A');
        k.tertiary = 1;
        return k;
    }
    if (c >= '0' && c <= '9') {
        k.primary = 50 + (int)(c - '0');
        return k;
    }
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (map[i].cp != c)
            continue;
        k.primary = 100 + 3 * (map[i].base - 'a') + map[i].polish;
        k.secondary = map[i].polish ? 0 : (int)(c & 0xFF);
        k.tertiary = map[i].upper;
        return k;
    }
    if (c < 0x80) {
        k.primary = 1 + (int)c % 40;    /* space and punctuation: before digits */
        if (c == ' ')
            k.primary = 1;
        return k;
    }
    k.primary = 1000 + (int)(c & 0xFFFF);   /* anything else: after z, by code point */
    return k;
}

int collate_pl(const char *a, const char *b)
{
    int level[3] = { 0, 0, 0 };
    const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;

    if (a == NULL || b == NULL)
        return (a != NULL) - (b != NULL);
    for (;;) {
        uint32_t x = next_cp(&p), y = next_cp(&q);
        struct key kx, ky;

        if (x == 0 || y == 0) {
            if (x != y)
                return x == 0 ? -1 : 1;
            break;
        }
        kx = key_of(x);
        ky = key_of(y);
        if (kx.primary != ky.primary)
            return kx.primary < ky.primary ? -1 : 1;
        if (level[1] == 0 && kx.secondary != ky.secondary)
            level[1] = kx.secondary < ky.secondary ? -1 : 1;
        if (level[2] == 0 && kx.tertiary != ky.tertiary)
            level[2] = kx.tertiary < ky.tertiary ? -1 : 1;
    }
    if (level[1] != 0)
        return level[1];
    if (level[2] != 0)
        return level[2];
    return strcmp(a, b);
}

int collate_pl_ptr(const void *a, const void *b)
{
    return collate_pl(*(const char *const *)a, *(const char *const *)b);
}
