#!/usr/bin/python3
"""Reads the hidden cities of the demo's workbooks back (openpyxl) and checks
that every dash's note gives the reason `empirie stats --json` gives for that
city and wave (tests/reports/check_demo.sh):

- the ministry workbooks' network sheets (every wave, every member city: a
  row per wave and city),
- each city workbook's Trendy sheet (a row per wave),
- each network workbook's Miasta heat map (a column per city, the report's wave).

A city hidden "below_threshold" must say "mniej respondentów niż próg"; one
hidden "protects_another_group" (so that another small group cannot be
recovered by subtraction) must say "odtworzyć innej małej grupy"; the
general note that names neither is a failure. The demo must hold at least
one city of each kind (empirie-gen's small group: Żywiec, 3 respondents in
2023, and the city hidden to protect it).

Usage: check_hidden_reasons.py OUT_DIR CONNINFO [EMPIRIE_BIN]
Prints what is wrong and exits 1; prints "ok ..." and exits 0 otherwise.
"""
import glob
import json
import os
import re
import subprocess
import sys

import openpyxl

SURVEYS = ("satysfakcja-pracownikow", "mlodziez-partycypacja")
WORDS = {
    "below_threshold": "mniej respondentów niż próg",
    "protects_another_group": "odtworzyć innej małej grupy",
}
WHOLE = ("Cała sieć", "Whole network")

errors = []
seen = {}          # reason -> cells checked
cities = {}        # reason -> {(survey, wave, city)}
cache = {}


def fail(msg):
    errors.append(msg)


def group_of(bin_, db, survey, kind, name, wave):
    """The results document's group (stats --json) of a city or network."""
    key = (survey, kind, name, wave)
    if key not in cache:
        p = subprocess.run([bin_, "stats", "--db", db, "--survey", survey, f"--{kind}", name,
                            "--wave", wave, "--json"], capture_output=True, text=True)
        # the message is in the CLI's language (Polish by default)
        if p.returncode == 1 and ("no responses" in p.stderr or "brak odpowiedzi" in p.stderr):
            cache[key] = None  # a city without responses (an observer): nothing hidden
        elif p.returncode != 0:
            fail(f"stats {survey} --{kind} {name!r} --wave {wave}: exit {p.returncode}: "
                 f"{p.stderr.strip()}")
            cache[key] = None
        else:
            cache[key] = json.loads(p.stdout)["group"]
    return cache[key]


def check_cells(cells, group, where, survey, wave, name):
    """Every dash among cells (the figures of one hidden group) carries the
    note of the group's reason."""
    dashes = [c for c in cells if c.value == "—"]
    if not dashes:
        return
    if group is None:
        return
    if not group.get("suppressed"):
        return  # a figure hidden on its own: not a hidden city
    reason = group.get("reason")
    if reason not in WORDS:
        fail(f"{where}: stats gives no known reason for hidden {name} {wave}: {reason!r}")
        return
    for c in dashes:
        note = c.comment.text if c.comment is not None else ""
        if WORDS[reason] not in note:
            fail(f"{where}!{c.coordinate}: {name} {wave} hidden ({reason}), "
                 f"the note says {note!r}")
        seen[reason] = seen.get(reason, 0) + 1
    cities.setdefault(reason, set()).add((survey, wave, name))


def survey_of(path):
    base = os.path.basename(path)[:-5]
    for s in SURVEYS:
        if base.endswith("-" + s):
            return s, base[:-len(s) - 1]
    return None, base


def main():
    out, db = sys.argv[1], sys.argv[2]
    bin_ = sys.argv[3] if len(sys.argv) > 3 else "build/rel/empirie"
    books = sorted(glob.glob(os.path.join(out, "*", "*.xlsx")))
    if not books:
        sys.exit(f"no workbooks in {out}")
    for path in books:
        survey, base = survey_of(path)
        if survey is None:
            continue
        wb = openpyxl.load_workbook(path)
        if base == "ministerstwo":
            for name in wb.sheetnames[2:]:
                if name == "Metodologia":
                    continue
                ws = wb[name]
                for row in ws.iter_rows(min_row=4):
                    wave, city = row[0].value, row[1].value
                    if wave is None or city is None or row[2].value != "—":
                        continue
                    kind, gname = ("network", name) if city in WHOLE else ("city", city)
                    check_cells(row[2:], group_of(bin_, db, survey, kind, gname, str(wave)),
                                f"{os.path.basename(path)}:{name}", survey, str(wave), gname)
        elif base.startswith("miasto-"):
            slug, wave = base[len("miasto-"):], os.path.basename(os.path.dirname(path))
            ws = wb["Trendy"]
            for row in ws.iter_rows(min_row=4):
                w = row[0].value
                if w is None or not re.fullmatch(r"\d{4}", str(w)):
                    break
                if any(c.value == "—" for c in row[1:]):
                    check_cells(row[1:], group_of(bin_, db, survey, "city", slug, str(w)),
                                f"{os.path.basename(path)}:Trendy", survey, str(w), slug)
        elif base.startswith("siec-"):
            wave = os.path.basename(os.path.dirname(path))
            ws = wb["Miasta"]
            for col in ws.iter_cols(min_col=4, min_row=3):
                head = col[0].value
                if head is None or not any(c.value == "—" for c in col[1:]):
                    continue
                name = re.sub(r" \((obserwator|observer)\)$", "", str(head))
                check_cells(col[1:], group_of(bin_, db, survey, "city", name, wave),
                            f"{os.path.basename(path)}:Miasta", survey, wave, name)
    for reason in WORDS:
        if not seen.get(reason):
            fail(f"no hidden city with reason {reason} in the workbooks of {out}")
    if errors:
        print("\n".join(errors[:40]))
        print(f"{len(errors)} problems in the hidden cities' notes of {out}")
        sys.exit(1)
    print(f"ok {out}: hidden cities' notes give their reason: " + "; ".join(
        f"{r} {seen[r]} cells ({', '.join(sorted({f'{c} {w}' for _, w, c in cities[r]}))})"
        for r in WORDS))


main()
