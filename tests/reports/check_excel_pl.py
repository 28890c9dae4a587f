#!/usr/bin/python3
"""The ministry's excel-pl CSV round-trips through LibreOffice Calc as a
Polish office opens it: `soffice --headless --convert-to xlsx` with the CSV
filter's Polish options (separator ';', text delimiter '"', UTF-8, from the
first line, language 1045 pl-PL, so the decimal comma is the locale's) and
no column formats given, as on a double-click. Then the converted workbook
is read with openpyxl and compared with the RFC 4180 CSV beside it.

Usage: check_excel_pl.py BASE-excel-pl.csv ...   (BASE.csv beside each)

Checks, on every row: 15 cells (every value in its own column), texts equal
to the RFC CSV's, diacritics included; n, value, ci_low, ci_high read as
numbers equal to the RFC CSV's (to Excel's 15 digits); wave and teryt, which
a spreadsheet reads as numbers, equal as numbers (a TERC code starting with
0 loses that zero: counted and reported, see docs/reports.md). Exits 1 on
any difference; prints "ok ..." otherwise.
"""
import csv
import math
import os
import subprocess
import sys
import tempfile

import openpyxl

FILTER = "Text - txt - csv (StarCalc):59,34,76,1,,1045,false,true"
NUMERIC = {"n", "value", "ci_low", "ci_high"}
AS_NUMBER = {"wave", "teryt"}    # digits only: a spreadsheet makes them numbers


def check(pl_path):
    errors = []
    base = pl_path[:-len("-excel-pl.csv")]
    with open(base + ".csv", newline="", encoding="utf-8") as f:
        want = list(csv.reader(f))
    with tempfile.TemporaryDirectory() as tmp:
        r = subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp}/p",
                            f"--infilter={FILTER}", "--convert-to", "xlsx", "--outdir", tmp,
                            pl_path], capture_output=True, text=True, timeout=600)
        out = os.path.join(tmp, os.path.basename(pl_path)[:-4] + ".xlsx")
        if r.returncode != 0 or not os.path.exists(out):
            return [f"soffice failed ({r.returncode}): {r.stdout} {r.stderr}"], 0, 0
        got = list(openpyxl.load_workbook(out, read_only=True).worksheets[0]
                   .iter_rows(values_only=True))
    if len(got) != len(want):
        errors.append(f"{len(got)} rows after LibreOffice, {len(want)} in the CSV")
    head = want[0]
    lost_zero = 0
    for i, (g, w) in enumerate(zip(got, want)):
        where = f"row {i + 1}"
        if len(g) != len(head):
            errors.append(f"{where}: {len(g)} cells, expected {len(head)}: {g}")
            continue
        for col, gv, wv in zip(head, g, w):
            if i == 0 or (col not in NUMERIC and col not in AS_NUMBER):
                if (gv if gv is not None else "") != wv:
                    errors.append(f"{where} {col}: {gv!r} != {wv!r}")
                continue
            if wv == "":
                if gv not in (None, ""):
                    errors.append(f"{where} {col}: {gv!r}, expected empty")
                continue
            if not isinstance(gv, (int, float)):
                errors.append(f"{where} {col}: {gv!r} is not a number (CSV {wv!r})")
                continue
            if col in AS_NUMBER:
                if int(gv) != int(wv):
                    errors.append(f"{where} {col}: {gv!r} != {wv!r}")
                elif wv.startswith("0"):
                    lost_zero += 1
                continue
            if not math.isclose(gv, float(wv), rel_tol=1e-14, abs_tol=1e-15):
                errors.append(f"{where} {col}: {gv!r} != {wv!r}")
    return errors, len(want) - 1, lost_zero


def main():
    failed = 0
    for path in sys.argv[1:]:
        errors, n, lost = check(path)
        if errors:
            failed += 1
            print("\n".join(errors[:30]))
            print(f"FAIL  {path}: {len(errors)} problems")
        else:
            print(f"ok    {path}: {n} rows, every value in its own column, equal to the "
                  f"RFC 4180 CSV; {lost} TERC codes lost their leading zero")
    sys.exit(1 if failed else 0)


main()
