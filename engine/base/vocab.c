/* vocab: significance words (see vocab.h). */
#include "vocab.h"

#include "stats.h"

#include <math.h>

int vocab_significant(double p_adj)
{
    return isfinite(p_adj) && p_adj < STATS_ALPHA;
}

const char *vocab_trend(double slope, int significant, int english)
{
    if (significant && slope > 0)
        return english ? "rising" : "rośnie";
    if (significant && slope < 0)
        return english ? "falling" : "spada";
    return english ? "no clear trend" : "bez wyraźnego trendu";
}

const char *vocab_trend_dir(double slope, int significant)
{
    if (significant && slope > 0)
        return "rising";
    if (significant && slope < 0)
        return "falling";
    return "none";
}

const char *vocab_change(double diff, int significant, int english)
{
    if (significant && diff > 0)
        return english ? "significant rise" : "istotny wzrost";
    if (significant && diff < 0)
        return english ? "significant fall" : "istotny spadek";
    return english ? "no significant change" : "brak istotnej zmiany";
}

const char *vocab_difference(double diff, int significant, int english)
{
    if (significant && diff > 0)
        return english ? "significant difference: higher" : "istotna różnica: wyżej";
    if (significant && diff < 0)
        return english ? "significant difference: lower" : "istotna różnica: niżej";
    return english ? "no significant difference" : "brak istotnej różnicy";
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
