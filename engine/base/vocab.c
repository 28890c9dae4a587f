/* vocab: significance words (see vocab.h). */
#include "vocab.h"

#include "label.h"
#include "stats.h"

#include <math.h>

int vocab_significant(double p_adj)
{
    return isfinite(p_adj) && p_adj < STATS_ALPHA;
}

/* up when significant and x > 0, down when significant and x < 0, else none */
static const char *direction(double x, int significant, const char *up, const char *down,
                             const char *none)
{
    if (significant && x > 0)
        return up;
    if (significant && x < 0)
        return down;
    return none;
}

/* The words are the label table's (label.h), which the workbooks share. */
const char *vocab_trend(double slope, int significant, int english)
{
    return direction(slope, significant, label_text(L_RISING, english),
                     label_text(L_FALLING, english), label_text(L_NONE_TREND, english));
}

const char *vocab_trend_dir(double slope, int significant)
{
    return direction(slope, significant, "rising", "falling", "none");
}

const char *vocab_change(double diff, int significant, int english)
{
    return direction(diff, significant, label_text(L_SIG_UP, english),
                     label_text(L_SIG_DOWN, english), label_text(L_NO_SIG_CHANGE, english));
}

const char *vocab_difference(double diff, int significant, int english)
{
    return english ? direction(diff, significant, "significant difference: higher",
                               "significant difference: lower", "no significant difference")
                   : direction(diff, significant, "istotna różnica: wyżej",
                               "istotna różnica: niżej", "brak istotnej różnicy");
}

const char *vocab_effect(double d, int english)
{
    double a = fabs(d);

    if (!isfinite(d))
        return "";
    if (a < 0.2)
        return english ? "negligible" : "znikoma";
    if (a < 0.5)
        return english ? "small" : "mała";
    if (a < 0.8)
        return english ? "medium" : "średnia";
    return english ? "large" : "duża";
}
