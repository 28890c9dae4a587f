/*
 * testgen: made-up responses for tests that need many of them in both
 * surveys (the parallel streams and the cache of closed waves): every wave
 * of the staff and the youth survey, 9 cities, 25 to 64 respondents per
 * city and wave, answers 1..4 (valid on every scale used), attributes at
 * random, a weight sent in (0.5, 1.5) for the youth survey; stored in
 * random order (a fixed seed), so the cities' order of first appearance is
 * not their slugs' order. Then 7 responses of wave 2025 in konin and
 * tarnow void (one audit record).
 */
#ifndef EMPIRIE_TESTGEN_H
#define EMPIRIE_TESTGEN_H

#include "testdb.h"

void testgen_responses(struct testdb *db);

/* The same, with the staff survey's wave 2025 still open (closes in 30
 * days): 3 closed waves and an open one, for the cache of closed waves. */
void testgen_responses_open(struct testdb *db);

/* Runs one statement (test constants), cr_assert on failure. */
void testgen_exec(struct testdb *db, const char *sql);

#endif
