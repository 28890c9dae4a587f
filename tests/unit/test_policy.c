/* policy: who may read what, every role against every kind of target, on
 * a registry snapshot made by hand: network A (members a1, both; observer
 * a-obs), network B (members b1, both). Adversarial: a coordinator asks for
 * another city, a network and all; an analyst of A asks for B, B's city,
 * A's observer, a city the registry does not hold, and all. */
#include "policy.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static const char *const a_members[] = { "a1", "both" };
static const char *const a_observers[] = { "a-obs" };
static const char *const b_members[] = { "b1", "both" };
static const struct regsnap_city cities[] = {
    { .slug = "a1", .name = "A1", .programme = 1 },
    { .slug = "b1", .name = "B1", .programme = 1 },
    { .slug = "both", .name = "Both", .programme = 1 },
    { .slug = "a-obs", .name = "A obs", .programme = 1 },
};
static const struct regsnap_network networks[] = {
    { .slug = "net-a", .name = "Sieć A", .name_en = "Network A", .members = a_members,
      .nmembers = 2, .observers = a_observers, .nobservers = 1 },
    { .slug = "net-b", .name = "Sieć B", .members = b_members, .nmembers = 2 },
};
static const struct regsnap reg = { cities, 4, networks, 2, NULL };

static struct auth_principal who(enum auth_role role, const char *scope)
{
    struct auth_principal p;

    memset(&p, 0, sizeof p);
    p.role = role;
    snprintf(p.scope, sizeof p.scope, "%s", scope);
    return p;
}

static int may(const struct auth_principal *p, enum policy_target t, const char *slug)
{
    char why[256] = "";
    int ok = policy_may_read(p, &reg, t, slug, why, sizeof why);

    cr_expect(ok || why[0] != '\0', "a refusal says why");
    return ok;
}

Test(policy, coordinator_reads_its_city_only)
{
    struct auth_principal c = who(AUTH_COORDINATOR, "a1");
    char why[256];

    cr_expect(may(&c, POLICY_CITY, "a1"));
    cr_expect(!may(&c, POLICY_CITY, "b1"), "another city");
    cr_expect(!may(&c, POLICY_CITY, "both"), "a city of the same network");
    cr_expect(!may(&c, POLICY_NETWORK, "net-a"), "its own city's network");
    cr_expect(!may(&c, POLICY_NETWORK, "a1"), "a network slug spelled like its city");
    cr_expect(!may(&c, POLICY_ALL, NULL));
    cr_expect(!may(&c, POLICY_PROGRAMME, NULL));
    cr_expect(!may(&c, POLICY_CITY, NULL));
    cr_expect(!policy_may_read(&c, &reg, POLICY_CITY, "b1", why, sizeof why));
    cr_expect_str_eq(why, "a coordinator of a1 reads that city only");
}

Test(policy, analyst_reads_its_network_and_member_cities_only)
{
    struct auth_principal a = who(AUTH_ANALYST, "net-a");

    cr_expect(may(&a, POLICY_NETWORK, "net-a"));
    cr_expect(may(&a, POLICY_CITY, "a1"));
    cr_expect(may(&a, POLICY_CITY, "both"), "a member of both networks");
    cr_expect(!may(&a, POLICY_NETWORK, "net-b"), "another network");
    cr_expect(!may(&a, POLICY_CITY, "b1"), "another network's city");
    cr_expect(!may(&a, POLICY_CITY, "a-obs"), "an observer is not a member");
    cr_expect(!may(&a, POLICY_CITY, "nowhere"), "a city the registry does not hold");
    cr_expect(!may(&a, POLICY_CITY, "net-a"), "its network's slug as a city");
    cr_expect(!may(&a, POLICY_ALL, NULL));
    cr_expect(!may(&a, POLICY_PROGRAMME, NULL));
    /* without a registry, an analyst reads no city */
    cr_expect(!policy_may_read(&a, NULL, POLICY_CITY, "a1", NULL, 0));
}

Test(policy, ministry_and_admin_read_everything_collector_nothing)
{
    struct auth_principal m = who(AUTH_MINISTRY, ""), ad = who(AUTH_ADMIN, "");
    struct auth_principal col = who(AUTH_COLLECTOR, "a1"), none = who(AUTH_NONE, "");
    const enum policy_target t[] = { POLICY_ALL, POLICY_CITY, POLICY_NETWORK, POLICY_PROGRAMME };

    for (size_t i = 0; i < 4; i++) {
        cr_expect(may(&m, t[i], "b1"));
        cr_expect(may(&ad, t[i], "b1"));
        cr_expect(!may(&col, t[i], "a1"), "a collector reads not even its own city");
        cr_expect(!may(&none, t[i], "a1"));
    }
}
