#!/usr/bin/env python3
"""Writes calibration.csv: the made-up respondents of tests/integration/
test_calibration.c (Empirie's own test data, not one of R's data sets).
Deterministic (seed 18); run once, the CSV is committed.

Columns: city, survey, grupa, plec, q1, q2 (answers 1-5; the sample's mix
of grupa x plec differs from the populations in calibration.R on purpose,
and q1/q2 depend on the cell so that weighting moves the means)."""
import csv
import random

rng = random.Random(18)
rows = []


def draw(city, survey, sizes):
    for (g, p), n in sizes.items():
        for _ in range(n):
            base = 1 + g + (p == 2)
            q1 = max(1, min(5, base + rng.choice([-2, -1, 0, 0, 1])))
            q2 = max(1, min(5, 6 - base + rng.choice([-1, 0, 0, 1, 2])))
            rows.append([city, survey, g, p, q1, q2])


# one-attribute post-stratification (grupa): Konin
draw("konin", "kal-jeden", {(1, 1): 12, (1, 2): 8, (2, 1): 9, (2, 2): 6, (3, 1): 6, (3, 2): 4})
# two attributes: Konin raked to margins, Jaslo post-stratified on 6 cells
draw("konin", "kal-dwa", {(1, 1): 14, (1, 2): 7, (2, 1): 10, (2, 2): 9, (3, 1): 4, (3, 2): 8})
draw("jaslo", "kal-dwa", {(1, 1): 9, (1, 2): 11, (2, 1): 6, (2, 2): 10, (3, 1): 7, (3, 2): 5})
with open("calibration.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["city", "survey", "grupa", "plec", "q1", "q2"])
    w.writerows(rows)
