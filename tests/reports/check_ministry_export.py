#!/usr/bin/python3
"""Reads the ministry's export back as an analyst would (pandas, openpyxl,
csv) and checks that it types cleanly and that its files agree
(tests/integration/test_reports.c).

Usage:
  check_ministry_export.py BASE [--surveys N] [--not-asked SURVEY WAVE INDICATOR]...
                           [--instrument FILE.json]...

BASE is the export without its extension (DIR/2025/ministerstwo or
DIR/2025/ministerstwo-SURVEY): BASE.xlsx, .csv, .json, -codebook.csv and,
when present, -excel-pl.csv.

Checks:
- pandas.read_excel(sheet "Dane"/"Data") gives numeric dtypes for n, value,
  ci_low, ci_high, with no other argument;
- the sheet, the CSV and the JSON hold the same rows, texts and numbers;
- n is an integer (CSV digits, JSON int), numbers never hold a dash;
- status is ok, suppressed, not_asked or no_data and the empty cells follow it
  (suppressed: n, value and CI empty; not_asked: all empty; no_data: value and
  CI empty; ok: a value);
- city rows have a 7-digit teryt and a voivodeship, other rows neither;
- the JSON's top level lists the surveys and the waves of the rows;
- the codebook lists every column, in order, and every survey x indicator of
  the data, with Polish and English labels;
- in the codebook CSV and in its sheet (read with openpyxl), the indicators of
  every item that an --instrument file marks "reverse": true (item.CODE and
  item.CODE.favourable) say reverse = true and carry the note "(pytanie
  odwrócone: wyższy wynik = lepiej)" / "(reversed item: a higher score is
  better)" in label_pl / label_en; every other indicator says false and has
  no note; column entries leave reverse empty;
- the excel-pl CSV starts with a BOM, uses ';' and decimal commas, and holds
  the same rows;
- each network sheet has the rows of every wave of its survey;
- the given items are not_asked in the given waves (instrument versions).
Prints what is wrong and exits 1; prints "ok ..." and exits 0 otherwise.
"""
import csv
import json
import math
import re
import sys

import openpyxl
import pandas as pd

TIDY = ["survey", "wave", "group_type", "group_slug", "group_name", "teryt", "voivodeship",
        "indicator", "indicator_label", "statistic", "status", "n", "value", "ci_low",
        "ci_high"]
NUMERIC = ["n", "value", "ci_low", "ci_high"]
TEXT = [c for c in TIDY if c not in NUMERIC]
STATUSES = {"ok", "suppressed", "not_asked", "no_data"}
CB_COLUMNS = ["entry", "survey", "code", "type", "unit", "statistic", "scale", "reverse",
              "label_pl", "label_en"]
NOTE_PL = "(pytanie odwrócone: wyższy wynik = lepiej)"
NOTE_EN = "(reversed item: a higher score is better)"

errors = []


def fail(msg):
    errors.append(msg)


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)


def num_or_none(v):
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    return float(v)


def text_or_none(v):
    if v is None or (isinstance(v, float) and math.isnan(v)) or v == "":
        return None
    return str(v)


def csv_number(s, where, integer=False, decimal="."):
    if s == "":
        return None
    pat = r"-?[0-9]+" if integer else r"-?[0-9]+(\%s[0-9]+)?" % decimal
    if not re.fullmatch(pat, s):
        fail(f"{where}: {s!r} is not {'an integer' if integer else 'a plain number'}")
        return None
    return float(s.replace(decimal, "."))


def main():
    args = sys.argv[1:]
    base = args.pop(0)
    want_surveys = None
    not_asked = []
    instruments = []
    while args:
        a = args.pop(0)
        if a == "--surveys":
            want_surveys = int(args.pop(0))
        elif a == "--not-asked":
            not_asked.append((args.pop(0), args.pop(0), args.pop(0)))
        elif a == "--instrument":
            instruments.append(args.pop(0))
        else:
            sys.exit(f"unknown argument {a}")

    wb = openpyxl.load_workbook(base + ".xlsx", read_only=True)
    data_sheet = wb.sheetnames[0]
    if data_sheet not in ("Dane", "Data"):
        fail(f"first sheet {data_sheet!r}, expected Dane or Data")

    # 1. pandas as an analyst calls it: numeric dtypes with no help.
    plain = pd.read_excel(base + ".xlsx", sheet_name=data_sheet)
    if list(plain.columns) != TIDY:
        fail(f"sheet columns {list(plain.columns)} != {TIDY}")
    for c in NUMERIC:
        if c in plain.columns and not pd.api.types.is_numeric_dtype(plain[c]):
            fail(f"sheet column {c}: dtype {plain[c].dtype}, not numeric")
    # the texts as texts (teryt keeps its leading zero, the wave stays a label)
    sheet = pd.read_excel(base + ".xlsx", sheet_name=data_sheet,
                          dtype={c: str for c in TEXT})

    with open(base + ".csv", newline="", encoding="utf-8") as f:
        crows = list(csv.reader(f))
    if crows[0] != TIDY:
        fail(f"CSV header {crows[0]} != {TIDY}")
    crows = crows[1:]
    with open(base + ".json", encoding="utf-8") as f:
        doc = json.load(f)
    jrows = doc["rows"]
    if not (len(sheet) == len(crows) == len(jrows)):
        fail(f"rows: sheet {len(sheet)}, CSV {len(crows)}, JSON {len(jrows)}")

    # 2. the same rows in all three; status and emptiness
    counts = {s: 0 for s in STATUSES}
    keyset = set()
    for i, (srow, crow, jrow) in enumerate(zip(sheet.itertuples(index=False), crows, jrows)):
        where = f"row {i + 2}"
        s = dict(zip(TIDY, srow))
        c = dict(zip(TIDY, crow))
        if set(jrow) != set(TIDY):
            fail(f"{where}: JSON keys {sorted(jrow)}")
            continue
        for col in TEXT:
            a, b, j = text_or_none(s[col]), text_or_none(c[col]), text_or_none(jrow[col])
            if not (a == b == j):
                fail(f"{where}: {col}: sheet {a!r}, CSV {b!r}, JSON {j!r}")
        nums = {}
        for col in NUMERIC:
            a = num_or_none(s[col])
            b = csv_number(c[col], f"{where} CSV {col}", integer=(col == "n"))
            j = jrow[col]
            if col == "n" and j is not None and not isinstance(j, int):
                fail(f"{where}: JSON n {j!r} is not an integer")
            if j is not None and not isinstance(j, (int, float)):
                fail(f"{where}: JSON {col} {j!r} is not a number")
                j = None
            j = num_or_none(j)
            if not (close(a, b) and close(b, j)):
                fail(f"{where}: {col}: sheet {a!r}, CSV {b!r}, JSON {j!r}")
            nums[col] = b
        st = c["status"]
        if st not in STATUSES:
            fail(f"{where}: status {st!r}")
            continue
        counts[st] += 1
        ci = (nums["ci_low"], nums["ci_high"])
        if st == "suppressed" and (nums["n"] is not None or nums["value"] is not None or
                                   ci != (None, None)):
            fail(f"{where}: suppressed row holds a figure: {crow}")
        if st == "not_asked" and any(v is not None for v in nums.values()):
            fail(f"{where}: not_asked row holds a figure: {crow}")
        if st == "no_data" and (nums["value"] is not None or ci != (None, None)):
            fail(f"{where}: no_data row holds a value: {crow}")
        if st == "ok" and nums["value"] is None:
            fail(f"{where}: ok row without a value: {crow}")
        if c["group_type"] == "city":
            if not re.fullmatch(r"[0-9]{7}", c["teryt"]) or c["voivodeship"] == "":
                fail(f"{where}: city row without teryt/voivodeship: {crow}")
            elif c["teryt"][6] not in "123":
                fail(f"{where}: teryt {c['teryt']} is not a gmina's")
        elif c["teryt"] != "" or c["voivodeship"] != "":
            fail(f"{where}: {c['group_type']} row with teryt/voivodeship")
        key = (c["survey"], c["wave"], c["group_type"], c["group_slug"], c["indicator"])
        if key in keyset:
            fail(f"{where}: {key} twice")
        keyset.add(key)
    if counts["ok"] == 0 or counts["suppressed"] == 0:
        fail(f"statuses {counts}: expected ok and suppressed rows")

    # 3. the JSON's top level
    surveys = list(dict.fromkeys(r["survey"] for r in jrows))
    if [s["survey"] for s in doc.get("surveys", [])] != surveys:
        fail(f"JSON surveys {doc.get('surveys')} vs the rows' {surveys}")
    if want_surveys is not None and len(surveys) != want_surveys:
        fail(f"{len(surveys)} surveys in the rows, expected {want_surveys}")
    waves = sorted({r["wave"] for r in jrows})
    if sorted(doc.get("waves", [])) != waves:
        fail(f"JSON waves {doc.get('waves')} vs the rows' {waves}")
    for s in doc.get("surveys", []):
        got = sorted({r["wave"] for r in jrows if r["survey"] == s["survey"]})
        if sorted(s.get("waves", [])) != got:
            fail(f"JSON survey {s['survey']}: waves {s.get('waves')} vs rows {got}")
        if not isinstance(s.get("threshold"), int):
            fail(f"JSON survey {s['survey']}: threshold {s.get('threshold')!r}")
    if "wave" in doc or "survey" in doc:
        fail("JSON top level still has a single wave or survey")

    # 4. not asked where the instrument version had no such item
    for survey, wave, ind in not_asked:
        sts = {r["status"] for r in jrows
               if (r["survey"], r["wave"], r["indicator"]) == (survey, wave, ind)}
        if sts != {"not_asked"}:
            fail(f"{survey} {wave} {ind}: statuses {sts}, expected not_asked only")

    # 5. the codebook
    with open(base + "-codebook.csv", newline="", encoding="utf-8") as f:
        cb = list(csv.reader(f))
    if cb[0] != CB_COLUMNS:
        fail(f"codebook header {cb[0]}")
    cb = [dict(zip(CB_COLUMNS, r)) for r in cb[1:]]
    cols = [r["code"] for r in cb if r["entry"] == "column"]
    if cols != TIDY:
        fail(f"codebook columns {cols} != {TIDY}")
    for r in cb:
        if r["label_pl"] == "" or r["label_en"] == "":
            fail(f"codebook entry without both labels: {r}")
    inds = {(r["survey"], r["code"]) for r in cb if r["entry"] == "indicator"}
    used = {(r["survey"], r["indicator"]) for r in jrows}
    if inds != used:
        fail(f"codebook indicators: missing {sorted(used - inds)[:5]}, "
             f"extra {sorted(inds - used)[:5]}")
    for r in cb:
        if r["entry"] == "indicator" and (r["statistic"] == "" or r["scale"] == ""):
            fail(f"codebook indicator without statistic or scale: {r}")
    n_rev = check_codebook_reverse(cb, "codebook CSV", instruments, surveys)
    # the codebook sheet, as openpyxl reads it: the same rows
    cb_sheet = wb.sheetnames[1]
    if cb_sheet not in ("Słownik", "Codebook"):
        fail(f"second sheet {cb_sheet!r}, expected Słownik or Codebook")
    srows = list(wb[cb_sheet].iter_rows(values_only=True))
    if [str(v) for v in srows[0]] != CB_COLUMNS:
        fail(f"codebook sheet header {srows[0]}")
    scb = [dict(zip(CB_COLUMNS, ("" if v is None else str(v) for v in r))) for r in srows[1:]]
    if scb != cb:
        fail(f"codebook sheet: {len(scb)} rows differ from the CSV's {len(cb)}")
    check_codebook_reverse(scb, f"sheet {cb_sheet}", instruments, surveys)

    # 6. the CSV for a Polish Excel
    try:
        with open(base + "-excel-pl.csv", "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raw = None
    if raw is not None:
        if not raw.startswith(b"\xef\xbb\xbf"):
            fail("excel-pl CSV: no BOM")
        prow = list(csv.reader(raw[3:].decode("utf-8").splitlines(), delimiter=";"))
        if prow[0] != TIDY or len(prow) - 1 != len(crows):
            fail(f"excel-pl CSV: header {prow[0]}, {len(prow) - 1} rows")
        for i, (p, c) in enumerate(zip(prow[1:], crows)):
            for k, col in enumerate(TIDY):
                if col in NUMERIC:
                    a = csv_number(p[k], f"excel-pl row {i + 2} {col}", col == "n", ",")
                    b = csv_number(c[k], f"row {i + 2} {col}", col == "n")
                    if not (a is None and b is None) and (
                            a is None or b is None or
                            not math.isclose(a, b, rel_tol=1e-14, abs_tol=1e-15)):
                        fail(f"excel-pl row {i + 2} {col}: {p[k]!r} vs {c[k]!r}")
                elif p[k] != c[k]:
                    fail(f"excel-pl row {i + 2} {col}: {p[k]!r} vs {c[k]!r}")
        if not any("," in p[TIDY.index("value")] for p in prow[1:]):
            fail("excel-pl CSV: no decimal comma in any value")

    # 7. a sheet per network, every wave of its survey
    nets = [n for n in wb.sheetnames[2:] if n not in ("Metodologia", "Methodology")]
    if not nets:
        fail("no network sheet")
    for name in nets:
        m = re.search(r" \((\d+)\)$", name)
        survey = surveys[int(m.group(1)) - 1] if m else surveys[0]
        want = {r["wave"] for r in jrows if r["survey"] == survey}
        got = {str(r[0]) for r in wb[name].iter_rows(min_row=4, max_col=1, values_only=True)
               if r[0] is not None}
        if got != want:
            fail(f"sheet {name!r}: waves {sorted(got)}, expected {sorted(want)}")

    if errors:
        print("\n".join(errors[:40]))
        print(f"{len(errors)} problems in {base}")
        sys.exit(1)
    print(f"ok {base}: {len(jrows)} rows equal in sheet, CSV and JSON; statuses {counts}; "
          f"{len(inds)} indicators in the codebook ({n_rev} of reversed items, marked in the CSV and "
          f"the sheet); {len(nets)} network sheets")


def check_codebook_reverse(cb, where, instruments, surveys):
    """The reverse column and the note of the labels against the
    instruments' own "reverse" flags; the number of reversed indicators."""
    rev = set()
    for path in instruments:
        with open(path, encoding="utf-8") as f:
            ins = json.load(f)
        for it in ins["items"]:
            if it.get("reverse"):
                rev.add((ins["slug"], it["code"]))
    if instruments and not rev:
        fail(f"{where}: no reverse-coded item in the instruments {instruments}")
    n = 0
    marked = set()
    for r in cb:
        if r["entry"] == "column":
            if r["reverse"] != "":
                fail(f"{where}: column {r['code']} has reverse {r['reverse']!r}")
            continue
        m = re.fullmatch(r"item\.([a-z][a-z0-9_]*)(\.favourable)?", r["code"])
        is_rev = m is not None and (r["survey"], m.group(1)) in rev
        if r["reverse"] != ("true" if is_rev else "false"):
            fail(f"{where}: {r['survey']} {r['code']} reverse {r['reverse']!r}, "
                 f"the instrument says {is_rev}")
        for col, note in (("label_pl", NOTE_PL), ("label_en", NOTE_EN)):
            if (note in r[col]) != is_rev:
                fail(f"{where}: {r['survey']} {r['code']} {col} {r[col]!r}: "
                     f"{'no' if is_rev else 'a'} reversed-item note")
        if is_rev:
            n += 1
            marked.add((r["survey"], m.group(1)))
    # every reversed item of a survey in the export has its indicators marked
    missing = {k for k in rev if k[0] in surveys} - marked
    if missing:
        fail(f"{where}: reversed items without a marked indicator: {sorted(missing)}")
    return n


main()
