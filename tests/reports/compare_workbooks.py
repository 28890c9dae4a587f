#!/usr/bin/python3
"""Compares two sets of city and network workbooks cell by cell.

Usage: compare_workbooks.py BEFORE_DIR AFTER_DIR [--max N] [--ministry]

Every city and network workbook under BEFORE_DIR (miasto-*, siec-*, city-*,
network-*.xlsx, at any depth) is read with openpyxl together with the file
of the same relative path under AFTER_DIR. For every sheet (hidden ones
too) it compares the sheets' names and visibility, every cell's value,
number format, boldness and fill (the significance highlight), every cell's
note (the notes of hidden cells say why), the merged ranges, the
conditional formats' ranges, the column widths, row heights and frozen
panes, and each chart's XML part byte for byte. The one cell that differs
by design is the methodology's "Report created" time (and the workbook's
creation date, which is not a cell): it is skipped.

Prints each difference (up to --max per workbook) and a summary line;
--ministry compares the ministry's workbooks
(ministerstwo-*, ministry-*) too. Exits 1 when there is any difference or a workbook is missing on either
side, 0 otherwise. Used to prove that a change to the writers changed
nothing a reader sees (issue 12: the writers read the typed model).
"""
import os
import sys
import zipfile

import openpyxl

KINDS = ("miasto-", "siec-", "city-", "network-")
CREATED = ("Raport utworzono", "Report created")


def books(root, kinds=KINDS):
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            if f.endswith(".xlsx") and f.startswith(kinds) and not f.startswith("."):
                p = os.path.join(d, f)
                out[os.path.relpath(p, root)] = p
    return out


def fill_of(c):
    f = c.fill
    if f is None or f.fill_type is None:
        return None
    return (f.fill_type, f.fgColor.rgb if f.fgColor is not None else None)


def cell_facts(c):
    return (
        c.value,
        c.number_format,
        bool(c.font.b) if c.font is not None else False,
        fill_of(c),
    )


def sheet_cells(ws):
    cells = {}
    for row in ws.iter_rows():
        for c in row:
            if c.value is None and c.comment is None and not c.has_style:
                continue
            cells[c.coordinate] = c
    return cells


def created_cells(ws):
    """The cell right of "Report created": its time differs by design."""
    skip = set()
    for row in ws.iter_rows(max_col=1):
        c = row[0]
        if c.value in CREATED:
            skip.add(ws.cell(row=c.row, column=2).coordinate)
    return skip


def compare_sheet(name, a, b, diffs):
    if a.sheet_state != b.sheet_state:
        diffs.append(f"{name}: visibility {a.sheet_state!r} -> {b.sheet_state!r}")
    skip = created_cells(a) | created_cells(b)
    ca, cb = sheet_cells(a), sheet_cells(b)
    for coord in sorted(set(ca) | set(cb), key=lambda k: (len(k), k)):
        if coord in skip:
            continue
        x, y = ca.get(coord), cb.get(coord)
        fx = cell_facts(x) if x is not None else (None, "General", False, None)
        fy = cell_facts(y) if y is not None else (None, "General", False, None)
        if fx != fy:
            diffs.append(f"{name}!{coord}: {fx!r} -> {fy!r}")
        nx = x.comment.text if x is not None and x.comment is not None else None
        ny = y.comment.text if y is not None and y.comment is not None else None
        if nx != ny:
            diffs.append(f"{name}!{coord}: note {nx!r} -> {ny!r}")
    ma = sorted(str(r) for r in a.merged_cells.ranges)
    mb = sorted(str(r) for r in b.merged_cells.ranges)
    if ma != mb:
        diffs.append(f"{name}: merged {ma} -> {mb}")
    cfa = sorted(str(r.sqref) for r in a.conditional_formatting)
    cfb = sorted(str(r.sqref) for r in b.conditional_formatting)
    if cfa != cfb:
        diffs.append(f"{name}: conditional formats {cfa} -> {cfb}")
    wa = {k: v.width for k, v in a.column_dimensions.items()}
    wb = {k: v.width for k, v in b.column_dimensions.items()}
    if wa != wb:
        diffs.append(f"{name}: column widths {wa} -> {wb}")
    ha = {k: v.height for k, v in a.row_dimensions.items() if v.height is not None}
    hb = {k: v.height for k, v in b.row_dimensions.items() if v.height is not None}
    if ha != hb:
        diffs.append(f"{name}: row heights {ha} -> {hb}")
    if a.freeze_panes != b.freeze_panes:
        diffs.append(f"{name}: frozen {a.freeze_panes} -> {b.freeze_panes}")
    if (a.auto_filter.ref or None) != (b.auto_filter.ref or None):
        diffs.append(f"{name}: autofilter {a.auto_filter.ref} -> {b.auto_filter.ref}")


def compare_charts(pa, pb, diffs):
    with zipfile.ZipFile(pa) as za, zipfile.ZipFile(pb) as zb:
        na = sorted(n for n in za.namelist() if n.startswith(("xl/charts/", "xl/drawings/drawing")))
        nb = sorted(n for n in zb.namelist() if n.startswith(("xl/charts/", "xl/drawings/drawing")))
        if na != nb:
            diffs.append(f"chart parts {na} -> {nb}")
            return
        for n in na:
            if za.read(n) != zb.read(n):
                diffs.append(f"{n} differs")


def compare_book(pa, pb):
    diffs = []
    a = openpyxl.load_workbook(pa)
    b = openpyxl.load_workbook(pb)
    if a.sheetnames != b.sheetnames:
        diffs.append(f"sheets {a.sheetnames} -> {b.sheetnames}")
    for name in a.sheetnames:
        if name in b.sheetnames:
            compare_sheet(name, a[name], b[name], diffs)
    compare_charts(pa, pb, diffs)
    return diffs


def main(argv):
    args = [x for x in argv[1:] if not x.startswith("--")]
    limit = 20
    if "--max" in argv:
        limit = int(argv[argv.index("--max") + 1])
        args = [x for x in args if x != str(limit)]
    if len(args) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    kinds = KINDS + (("ministerstwo-", "ministry-") if "--ministry" in argv else ())
    before, after = books(args[0], kinds), books(args[1], kinds)
    bad = 0
    ndiffs = 0
    for rel in sorted(set(before) | set(after)):
        if rel not in after:
            print(f"{rel}: missing in {args[1]}")
            bad += 1
            continue
        if rel not in before:
            print(f"{rel}: missing in {args[0]}")
            bad += 1
            continue
        diffs = compare_book(before[rel], after[rel])
        if diffs:
            bad += 1
            ndiffs += len(diffs)
            for d in diffs[:limit]:
                print(f"{rel}: {d}")
            if len(diffs) > limit:
                print(f"{rel}: ... {len(diffs) - limit} more")
    print(f"compare_workbooks: {len(before)} workbooks before, {len(after)} after, "
          f"{bad} with differences, {ndiffs} differences")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
