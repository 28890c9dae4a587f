#!/usr/bin/python3
"""Reads Empirie workbooks back with openpyxl and checks them against
`empirie stats --json` for the same group (tests/integration/test_reports.c).

Usage:
  check_reports.py city     BOOK.xlsx STATS.json pl|en
  check_reports.py network  BOOK.xlsx STATS.json pl|en
  check_reports.py ministry BOOK.xlsx STATS.json pl|en   (STATS: any one group;
                                                          the .csv and .json beside BOOK too)

Checks: the sheet names, the table headers, that every number shown for the
group equals the figure in the stats JSON, that hidden figures are a dash with
a note and never a number, and that the trend sheets hold charts. Prints what
is wrong and exits 1; prints "ok ..." and exits 0 otherwise.
"""
import csv
import json
import math
import re
import sys
import zipfile

import openpyxl

SHEETS = {
    ("city", "pl"): ["Podsumowanie", "Pytania", "Wymiary", "Trendy", "Rozkłady",
                     "Porównanie z siecią", "Metodologia"],
    ("city", "en"): ["Summary", "Items", "Dimensions", "Trends", "Distributions",
                     "Network comparison", "Methodology"],
    ("network", "pl"): ["Podsumowanie", "Miasta", "Ranking", "Trend sieci", "Metodologia"],
    ("network", "en"): ["Summary", "Cities", "Ranking", "Network trend", "Methodology"],
}
CHART_SHEETS = {"city": ("Trendy", "Trends"), "network": ("Trend sieci", "Network trend")}
TIDY = ["survey", "wave", "group_type", "group_slug", "group_name", "teryt", "voivodeship",
        "indicator", "indicator_label", "statistic", "status", "n", "value", "ci_low",
        "ci_high"]
HEADERS = {  # a few headers per sheet, per language
    "pl": {"Pytania": ["Kod", "Treść pytania", "Liczba odpowiedzi (n)", "Średnia"],
           "Wymiary": ["Kod", "Wymiar", "Średnia", "Alfa Cronbacha"],
           "Podsumowanie": ["Kod", "Wskaźnik", "Wartość"]},
    "en": {"Items": ["Code", "Item", "Responses (n)", "Mean"],
           "Dimensions": ["Code", "Dimension", "Mean", "Cronbach's alpha"],
           "Summary": ["Code", "Indicator", "Value"]},
}

errors = []


def fail(msg):
    errors.append(msg)


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def get(obj, path):
    for key in path.split("."):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def hidden(obj, path):
    """True when obj or an object on the path is suppressed."""
    if obj is None or obj.get("suppressed"):
        return True
    for key in path.split("."):
        obj = obj.get(key) if isinstance(obj, dict) else None
        if isinstance(obj, dict) and obj.get("suppressed"):
            return True
    return False


def check_cell(cell, obj, path, where):
    """The cell shows obj[path]: a number equal to it, a dash with a note when
    hidden, nothing when the figure is null."""
    if hidden(obj, path):
        if isinstance(cell.value, (int, float)):
            fail(f"{where}: hidden figure shows a number {cell.value}")
        elif cell.value != "—" or cell.comment is None:
            fail(f"{where}: hidden figure is not a dash with a note ({cell.value!r})")
        return 0
    want = get(obj, path)
    if want is None:
        if cell.value not in (None, ""):
            fail(f"{where}: expected an empty cell, got {cell.value!r}")
        return 0
    if not isinstance(cell.value, (int, float)) or not close(float(cell.value), want):
        fail(f"{where}: {cell.value!r} != stats {want!r}")
    return 1


def header_map(ws, row):
    return {c.value: c.column for c in ws[row] if c.value is not None}


def check_table(ws, group, array, columns, header_row=3):
    """Rows keyed by the code in column A; columns: header -> path."""
    heads = header_map(ws, header_row)
    n = 0
    for row in ws.iter_rows(min_row=header_row + 1):
        code = row[0].value
        if code is None:
            continue
        m = None if group.get("suppressed") else next(
            (x for x in group.get(array) or [] if x.get("code") == code), None)
        if m is None and not group.get("suppressed"):
            continue  # e.g. text items, not in the stats
        for head, path in columns.items():
            if head not in heads:
                fail(f"{ws.title}: no column {head!r}")
                continue
            cell = row[heads[head] - 1]
            if m is not None and get(m, path) is None and not m.get("suppressed"):
                if not hidden(m, path.rsplit(".", 1)[0]) and "." in path:
                    continue
            n += check_cell(cell, m, path, f"{ws.title}!{cell.coordinate} ({code} {path})")
    return n


def sheet_charts(path):
    """Sheet name -> number of charts, read from the package itself (openpyxl
    drops charts when it loads a file)."""
    z = zipfile.ZipFile(path)
    wbxml = z.read("xl/workbook.xml").decode()
    rels = z.read("xl/_rels/workbook.xml.rels").decode()
    targets = dict(re.findall(r'Id="(rId\d+)"[^>]*Target="([^"]+)"', rels))
    targets.update({k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*Id="(rId\d+)"', rels)})
    out = {}
    for name, rid in re.findall(r'<sheet name="([^"]+)" sheetId="\d+" r:id="(rId\d+)"', wbxml):
        sheet = "xl/" + targets[rid].lstrip("/").replace("xl/", "")
        relpath = sheet.replace("worksheets/", "worksheets/_rels/") + ".rels"
        count = 0
        if relpath in z.namelist():
            for d in re.findall(r'Target="\.\./drawings/([^"]+)"', z.read(relpath).decode()):
                drels = f"xl/drawings/_rels/{d}.rels"
                if drels in z.namelist():
                    count += len(re.findall(r"charts/chart\d+\.xml", z.read(drels).decode()))
        out[name.replace("&amp;", "&")] = count
    return out


def check_common(kind, path, wb, lang):
    want = SHEETS[(kind, lang)]
    if wb.sheetnames != want:
        fail(f"sheets {wb.sheetnames} != {want}")
    charts = sheet_charts(path)
    trend = CHART_SHEETS[kind][0 if lang == "pl" else 1]
    if charts.get(trend, 0) < 1:
        fail(f"no chart on {trend}: {charts}")
    if kind == "city" and charts.get(want[4], 0) < 1:
        fail(f"no chart on {want[4]}: {charts}")
    for ws in wb.worksheets:
        if ws.page_setup.orientation != "landscape":
            fail(f"{ws.title}: not landscape")
    if not wb.properties.title or not wb.properties.creator:
        fail("document properties missing")


def check_city(path, stats, lang):
    wb = openpyxl.load_workbook(path)
    check_common("city", path, wb, lang)
    g = stats["group"]
    names = SHEETS[("city", lang)]
    for sheet, heads in HEADERS[lang].items():
        got = [c.value for c in wb[sheet][3]]
        for h in heads:
            if h not in got:
                fail(f"{sheet}: header {h!r} missing from {got}")
    L = HEADERS[lang]
    items, dims, summ = names[1], names[2], names[0]
    n = check_table(wb[items], g, "items", {
        L[items][2]: "n", L[items][3]: "mean"})
    n += check_table(wb[dims], g, "dimensions", {
        L[dims][2]: "mean", L[dims][3]: "alpha.value"})
    # The summary: respondents, dimensions and eNPS in the value column.
    ws = wb[summ]
    vcol = header_map(ws, 3)[L[summ][2]]
    for row in ws.iter_rows(min_row=4):
        code, cell = row[0].value, row[vcol - 1]
        if code == "respondents":
            n += check_cell(cell, g, "respondents", f"{summ}!{cell.coordinate}")
        elif code == "enps":
            n += check_cell(cell, None if g.get("suppressed") else g.get("enps"), "value",
                            f"{summ}!{cell.coordinate}")
        elif any(d.get("code") == code for d in g.get("dimensions") or []) or (
                g.get("suppressed") and code in [d["code"] for d in
                                                  stats["instrument"]["dimensions"]]):
            m = None if g.get("suppressed") else next(
                d for d in g["dimensions"] if d["code"] == code)
            n += check_cell(cell, m, "mean", f"{summ}!{cell.coordinate} ({code})")
    # Single-choice items: the question on its own row, each option's label
    # (not cut behind the question) on the rows after it.
    items_by_code = {it["code"]: it for it in stats["instrument"]["items"]}
    for row in ws.iter_rows(min_row=4):
        code, label = row[0].value, row[1].value
        if not isinstance(code, str):
            continue
        it = items_by_code.get(code)
        if it is not None and it.get("type") == "single":
            if label != it.get("text"):
                fail(f"{summ}: question row {code}: {label!r}")
            n += 1
        elif "." in code and code.rsplit(".", 1)[0] in items_by_code:
            it = items_by_code[code.rsplit(".", 1)[0]]
            opt = next((o for o in it.get("options") or []
                        if str(o["code"]) == code.rsplit(".", 1)[1]), None)
            if opt is None or (label or "").strip() != opt["label"]:
                fail(f"{summ}: option row {code}: {label!r}")
            n += 1
    return n


def check_network(path, stats, lang):
    wb = openpyxl.load_workbook(path)
    check_common("network", path, wb, lang)
    g = stats["group"]
    ws = wb[SHEETS[("network", lang)][1]]
    if not ws.conditional_formatting:
        fail(f"{ws.title}: no colour scale")
    n = 0
    for row in ws.iter_rows(min_row=4):
        code, cell = row[0].value, row[2]
        if code is None:
            continue
        if code == "enps":
            n += check_cell(cell, g.get("enps"), "value", f"{ws.title}!{cell.coordinate}")
            continue
        m = next((x for x in (g.get("dimensions") or []) + (g.get("items") or [])
                  if x.get("code") == code), None)
        if m is not None:
            n += check_cell(cell, m, "mean", f"{ws.title}!{cell.coordinate} ({code})")
    heads = [c.value for c in ws[3]]
    observers = [c for c in heads if c and ("(Obserwatorzy)" in c or "(Observers)" in c)]
    if len(observers) != len(g.get("observers", [])):
        fail(f"{ws.title}: observers {observers} vs {g.get('observers')}")
    return n


def tidy_expect(g, indicator):
    """(object, value path, n path) for a tidy indicator of group g."""
    if g.get("suppressed"):
        return None, "value", "n"
    if indicator == "respondents":
        return g, "respondents", "respondents"
    if indicator == "enps":
        return g.get("enps"), "value", "n"
    kind, _, rest = indicator.partition(".")
    if kind == "dimension":
        return next((d for d in g["dimensions"] if d["code"] == rest), None), "mean", "n"
    code, _, sub = rest.partition(".")
    m = next((i for i in g["items"] if i["code"] == code), None)
    if sub == "":
        return m, "mean", "n"
    if sub == "favourable":
        return m, "favourable.share", "n"
    return None, None, None  # option shares: checked through the CSV equality


def check_ministry(path, stats, lang):
    wb = openpyxl.load_workbook(path)
    data = wb.worksheets[0]
    heads = [c.value for c in data[1]]
    if heads != TIDY:
        fail(f"tidy columns {heads} != {TIDY}")
    if wb.sheetnames[1] not in ("Słownik", "Codebook"):
        fail(f"no codebook: {wb.sheetnames}")
    g = stats["group"]
    slug = g.get("slug") or "all"
    n = 0
    rows = list(data.iter_rows(min_row=2))
    for row in rows:
        r = {h: c for h, c in zip(TIDY, row)}
        if (r["wave"].value, r["group_type"].value, r["group_slug"].value) != (
                g["wave"], g["type"], slug):
            continue
        m, vpath, npath = tidy_expect(g, r["indicator"].value)
        if vpath is None:
            continue
        where = f"Data!{r['value'].coordinate} ({r['indicator'].value})"
        status = r["status"].value
        if status != "ok" and r["value"].value is not None:
            fail(f"{where}: {status} row holds a value {r['value'].value!r}")
        if status == "suppressed":
            if m is not None and not hidden(m, vpath):
                fail(f"{where}: suppressed here, shown by stats")
            continue
        if status in ("not_asked", "no_data"):
            if m is not None and not hidden(m, vpath) and get(m, vpath) is not None:
                fail(f"{where}: {status} here, stats has {get(m, vpath)}")
            continue
        if status != "ok":
            fail(f"{where}: status {status!r}")
            continue
        n += check_cell(r["value"], m, vpath, where)
    base = path[:-len(".xlsx")]
    with open(base + ".csv", newline="") as f:
        crow = list(csv.reader(f))
    if crow[0] != TIDY or len(crow) - 1 != len(rows):
        fail(f"CSV: {len(crow) - 1} rows, workbook {len(rows)}")
    with open(base + ".json") as f:
        jrows = json.load(f)["rows"]
    if len(jrows) != len(rows):
        fail(f"JSON: {len(jrows)} rows, workbook {len(rows)}")
    vi = TIDY.index("value")
    for c, j in zip(crow[1:], jrows):
        if j["status"] == "suppressed" and (c[vi] != "" or j["value"] is not None):
            fail(f"suppressed row with a value: {c}")
        if j["value"] is not None and not close(float(c[vi]), j["value"]):
            fail(f"CSV {c[vi]} != JSON {j['value']}")
    return n


def main():
    kind, path, stats_path, lang = sys.argv[1:5]
    with open(stats_path) as f:
        stats = json.load(f)
    n = {"city": check_city, "network": check_network, "ministry": check_ministry}[kind](
        path, stats, lang)
    if errors:
        print("\n".join(errors[:40]))
        print(f"{len(errors)} problems in {path}")
        sys.exit(1)
    if n == 0 and not stats["group"].get("suppressed"):
        print(f"{path}: no number was compared")
        sys.exit(1)
    print(f"ok {path}: {n} numbers equal to empirie stats")


main()
