#!/usr/bin/python3
"""Synthetic responses for the report tests: NDJSON for `empirie import`.

Usage: gen_responses.py ROOT OUT.ndjson

Employee survey: waves 2023 (instrument v1), 2024 and 2025 (v2) for a few
Kapitał Ludzki cities of different sizes, one of them (nisko) below the
anonymity threshold, and an observer city (gorlice). Youth survey (weighted):
waves 2024 and 2025 for three cities. Deterministic (fixed seed).
"""
import json
import random
import sys
import uuid

ROOT, OUT = sys.argv[1], sys.argv[2]
rng = random.Random(20251123)


def load(name):
    with open(f"{ROOT}/surveys/{name}") as f:
        return json.load(f)


def scale_range(inst, item):
    if "scale" in item:
        sc = inst["scales"][item["scale"]]
        return sc["min"], sc["max"]
    return item["min"], item["max"]


def answer(inst, item, shift):
    t = item.get("type") or inst["scales"][item["scale"]]["type"]
    if t in ("likert", "scale"):
        lo, hi = scale_range(inst, item)
        mid = (lo + hi) / 2 + shift * (hi - lo) / 4
        v = round(rng.gauss(mid, (hi - lo) / 4))
        return max(lo, min(hi, v))
    if t == "single":
        return rng.choice([o["code"] for o in item["options"]])
    if t == "multi":
        codes = [o["code"] for o in item["options"]]
        return sorted(rng.sample(codes, rng.randint(0, min(3, len(codes)))))
    return None


def record(inst, survey, wave, city, shift, weighted):
    attrs = {}
    for a in inst["attributes"]:
        if a.get("required") or rng.random() < 0.7:
            attrs[a["code"]] = rng.choice([o["code"] for o in a["options"]])
    answers = {}
    for it in inst["items"]:
        if (it.get("type") == "text") or rng.random() < 0.03:
            continue
        answers[it["code"]] = answer(inst, it, shift)
    r = {"survey": survey, "wave": wave, "city": city,
         "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
         "attributes": attrs, "answers": answers}
    if weighted:
        r["weight"] = round(rng.uniform(0.5, 2.0), 3)
    return r


def main():
    v1 = load("employee-satisfaction.json")
    v2 = load("employee-satisfaction-v2.json")
    youth = load("youth-participation.json")
    staff = {"konin": (40, 0.3), "cieszyn": (30, -0.1), "jaroslaw": (25, 0.0),
             "nisko": (3, 0.0), "gorlice": (12, 0.2)}
    rows = []
    for wave, inst, drift in (("2023", v1, -0.2), ("2024", v2, 0.0), ("2025", v2, 0.2)):
        for city, (n, shift) in staff.items():
            for _ in range(n):
                rows.append(record(inst, "satysfakcja-pracownikow", wave, city,
                                   shift + drift, False))
    for wave in ("2024", "2025"):
        for city, n in (("konin", 20), ("jaslo", 15), ("krosno", 12)):
            for _ in range(n):
                rows.append(record(youth, "mlodziez-partycypacja", wave, city, 0.1, True))
    with open(OUT, "w") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


main()
