/* msg: the command line's language (see msg.h). */
#include "msg.h"

#include <stdlib.h>
#include <string.h>

static int lang = -1; /* -1 not yet read, 0 Polish, 1 English */

int msg_lang_valid(const char *l)
{
    return l != NULL && (strcmp(l, "pl") == 0 || strcmp(l, "en") == 0);
}

void msg_set_lang(const char *l)
{
    if (msg_lang_valid(l))
        lang = strcmp(l, "en") == 0;
}

int msg_english(void)
{
    if (lang < 0) {
        const char *env = getenv("EMPIRIE_LANG");

        lang = env != NULL && strcmp(env, "en") == 0;
    }
    return lang;
}

const char *msg_pl_plural(long long n, const char *one, const char *few, const char *many)
{
    long long t = n % 10, h = n % 100;

    if (n == 1)
        return one;
    return t >= 2 && t <= 4 && (h < 12 || h > 14) ? few : many;
}

const char *msg_text(int english, const char *pl, const char *en)
{
    return english && en != NULL ? en : pl;
}
