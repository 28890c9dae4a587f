/* label: the one table of words in Polish and English (label.h), made from
 * labels.def. */
#include "label.h"

#include <stdio.h>

struct label_pair {
    const char *pl, *en;
};

static const struct label_pair labels[L_COUNT] = {
#define LABEL(id, pl, en) [id] = { pl, en },
#include "labels.def"
#undef LABEL
};

const char *label_text(enum label id, int english)
{
    if ((unsigned)id >= L_COUNT)
        return "";
    return english ? labels[id].en : labels[id].pl;
}

const char *label_lower(enum label id, int english, char *buf, size_t n)
{
    const char *t = label_text(id, english);

    if (n == 0)
        return buf;
    snprintf(buf, n, "%s", t);
    if (buf[0] >= 'A' && buf[0] <= 'Z')
        buf[0] = (char)(buf[0] - 'A' + 'a');
    return buf;
}
