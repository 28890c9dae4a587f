#!/usr/bin/python3
"""Reads Empirie workbooks back with openpyxl and checks them against
`empirie stats --json` for the same group (tests/integration/test_reports.c).

Usage:
  check_reports.py city     BOOK.xlsx STATS.json pl|en [CONNINFO]
  check_reports.py network  BOOK.xlsx STATS.json pl|en
  check_reports.py ministry BOOK.xlsx STATS.json pl|en   (STATS: any one group;
                                                          the .csv and .json beside BOOK too)

Checks: the sheet names, the table headers, that every number shown for the
group equals the figure in the stats JSON, that hidden figures are a dash with
a note and never a number, and that the trend sheets hold charts. And what a
reader would misread (issue 13):
  - every reverse-coded item is marked "(pytanie odwrócone: ...)" on every
    sheet it appears on, and its distribution on Rozkłady and Pytania is the
    answers as given: with CONNINFO, equal to the raw answer counts per code
    read with psql for the city and wave (a weighted survey: n equal, and the
    shares nearer the raw order than the flipped one);
  - every trend, change and difference word agrees with its p_adj < 0.05,
    in the same words as the stats JSON;
  - an item not asked in the wave has no row, bar or heat-map row;
  - every wrapped header row and every wrapped text row has an explicit
    height; every chart's value axis has its scale's bounds and a title;
  - chart data live on a hidden sheet.
Prints what is wrong and exits 1; prints "ok ..." and exits 0 otherwise.
"""
import glob
import os
import subprocess
import csv
import json
import math
import re
import sys
import zipfile

import openpyxl
from openpyxl.utils import get_column_letter

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REVERSED = {"pl": "(pytanie odwrócone: wyższy wynik = lepiej)",
            "en": "(reversed item: a higher score is better)"}
TREND_WORDS = {"pl": {"rising": "rośnie", "falling": "spada", "none": "bez wyraźnego trendu"},
               "en": {"rising": "rising", "falling": "falling", "none": "no clear trend"}}
CHANGE_WORDS = {"pl": ("istotny wzrost", "istotny spadek", "brak istotnej zmiany"),
                "en": ("significant rise", "significant fall", "no significant change")}
DIFF_WORDS = {"pl": ("istotna różnica: wyżej", "istotna różnica: niżej", "brak istotnej różnicy"),
              "en": ("significant difference: higher", "significant difference: lower",
                     "no significant difference")}
CHART_DATA = {"pl": "Dane wykresów", "en": "Chart data"}

SHEETS = {
    ("city", "pl"): ["Podsumowanie", "Pytania", "Wymiary", "Trendy", "Rozkłady",
                     "Porównanie z siecią", "Co wpływa na eNPS", "Metodologia"],
    ("city", "en"): ["Summary", "Items", "Dimensions", "Trends", "Distributions",
                     "Network comparison", "What drives eNPS", "Methodology"],
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
STATS = {}


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


def hidden_reason(obj, path):
    """The reason the hidden object on the path gives (None: none given)."""
    if obj is None:
        return None
    if obj.get("suppressed"):
        return obj.get("reason")
    for key in path.split("."):
        obj = obj.get(key) if isinstance(obj, dict) else None
        if isinstance(obj, dict) and obj.get("suppressed"):
            return obj.get("reason")
    return None


# How many hidden cells' notes were checked against their reason, by reason.
REASONS_SEEN = {}

# The words of each reason in a cell's note (reports/xlsx.c).
REASON_WORDS = {
    "below_threshold": ("mniej respondentów niż próg", "fewer respondents than the anonymity"),
    "protects_another_group": ("odtworzyć innej małej grupy", "another small group cannot"),
}


def check_cell(cell, obj, path, where):
    """The cell shows obj[path]: a number equal to it, a dash with a note when
    hidden (the note giving the figure's reason), nothing when the figure is
    null."""
    if hidden(obj, path):
        if isinstance(cell.value, (int, float)):
            fail(f"{where}: hidden figure shows a number {cell.value}")
        elif cell.value != "—" or cell.comment is None:
            fail(f"{where}: hidden figure is not a dash with a note ({cell.value!r})")
        reason = hidden_reason(obj, path)
        if reason in REASON_WORDS:
            text = cell.comment.text
            if not any(w in text for w in REASON_WORDS[reason]):
                fail(f"{where}: hidden ({reason}) but the note says {text!r}")
            REASONS_SEEN[reason] = REASONS_SEEN.get(reason, 0) + 1
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


def sheet_anchors(path):
    """Sheet name -> the (first, last) rows of each chart, from the drawings."""
    z = zipfile.ZipFile(path)
    wbxml = z.read("xl/workbook.xml").decode()
    rels = z.read("xl/_rels/workbook.xml.rels").decode()
    targets = dict(re.findall(r'Id="(rId\d+)"[^>]*Target="([^"]+)"', rels))
    targets.update({k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*Id="(rId\d+)"', rels)})
    out = {}
    for name, rid in re.findall(r'<sheet name="([^"]+)" sheetId="\d+" r:id="(rId\d+)"', wbxml):
        sheet = "xl/" + targets[rid].lstrip("/").replace("xl/", "")
        relpath = sheet.replace("worksheets/", "worksheets/_rels/") + ".rels"
        spans = []
        if relpath in z.namelist():
            for d in re.findall(r'Target="\.\./drawings/([^"]+)"', z.read(relpath).decode()):
                xml = z.read(f"xl/drawings/{d}").decode()
                for a in re.findall(r"<xdr:twoCellAnchor.*?</xdr:twoCellAnchor>", xml, re.S):
                    rows = re.findall(r"<xdr:row>(\d+)</xdr:row>", a)
                    if len(rows) == 2 and "c:chart" in a:
                        spans.append((int(rows[0]), int(rows[1])))
        out[name.replace("&amp;", "&")] = spans
    return out


# Landscape paper (points) and libxlsxwriter's margins (inches) as printed.
PAPER = {9: (841.89, 595.28), 8: (1190.55, 841.89)}


def check_print(path, wb):
    """Every sheet prints legibly and no chart straddles a page: a sheet with
    charts has a fixed scale (fit-to-page would drop its page breaks) and, with
    its rows laid out page by page as a viewer does (row heights, manual
    breaks), each chart's rows on one page; a table fitted one page wide keeps
    the text at 55% or more, a wider one prints several pages wide."""
    anchors = sheet_anchors(path)
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        ps = ws.page_setup
        paper = PAPER.get(int(ps.paperSize or 9))
        if paper is None:
            fail(f"{ws.title}: paper {ps.paperSize}")
            continue
        fit = ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage
        pm = ws.page_margins
        width = sum((ws.column_dimensions[get_column_letter(c)].width or 8.43) * 7 * 0.75
                    for c in range(1, ws.max_column + 1))
        printable_w = paper[0] - (pm.left + pm.right) * 72
        if anchors.get(ws.title):
            if fit:
                fail(f"{ws.title}: charts on a sheet fitted to pages (its page breaks are ignored)")
                continue
            scale = (ps.scale or 100) / 100
            page_h = (paper[1] - (pm.top + pm.bottom) * 72) / scale
            breaks = {b.id for b in ws.row_breaks.brk}
            last = max(r1 for _, r1 in anchors[ws.title]) + 1
            page, y, page_of = 0, 0.0, []
            for r in range(max(last, ws.max_row) + 1):
                d = ws.row_dimensions.get(r + 1)
                h = d.height if d is not None and d.height else 15.0
                if r in breaks or (y > 0 and y + h > page_h):
                    page, y = page + 1, 0.0
                y += h
                page_of.append(page)
            for r0, r1 in anchors[ws.title]:
                if page_of[r0] != page_of[r1]:
                    fail(f"{ws.title}: the chart in rows {r0 + 1}-{r1 + 1} straddles a page break")
            if width * scale > printable_w * 1.02:
                fail(f"{ws.title}: {width:.0f} pt at {scale:.0%} is wider than the page")
        elif fit and (ps.fitToWidth in (None, 1)) and width > 0:
            if printable_w / width < 0.55:
                fail(f"{ws.title}: one page wide at {printable_w / width:.0%}: too small to read")


def check_common(kind, path, wb, lang):
    want = SHEETS[(kind, lang)]
    if kind == "city" and STATS.get("instrument", {}).get("enps_item") is None:
        want = [w for w in want if w not in ("Co wpływa na eNPS", "What drives eNPS")]
    visible = [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"]
    # the breakdown sheet comes with `empirie report` (not GET /v1/reports)
    if kind == "city" and visible[-2:-1] in (["Podział"], ["Breakdown"]):
        check_breakdown(wb[visible[-2]])
        visible = visible[:-2] + visible[-1:]
    if visible != want:
        fail(f"sheets {visible} != {want}")
    if CHART_DATA[lang] not in wb.sheetnames or wb[CHART_DATA[lang]].sheet_state != "hidden":
        fail(f"no hidden chart-data sheet {CHART_DATA[lang]!r}: {wb.sheetnames}")
    check_rows(wb)
    check_axes(path, lang)
    check_print(path, wb)
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


def check_city(path, stats, lang, conninfo=None):
    wb = openpyxl.load_workbook(path)
    check_common("city", path, wb, lang)
    g = stats["group"]
    names = SHEETS[("city", lang)]
    n_extra = check_reversed(wb, stats, lang, conninfo)
    n_extra += check_drivers(wb, stats, lang)
    n_extra += check_not_asked(wb, (names[1], names[4], names[5]), g)
    for sheet in (names[0], names[1], names[2]):
        n_extra += check_words(wb[sheet], g, lang, items_only=sheet == names[1])
    if not g.get("suppressed"):
        n_extra += check_trend_sheet(wb[names[3]], g, lang)
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
    return n + n_extra


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
    check_not_asked(wb, SHEETS[("network", lang)][1:3], g)
    members = [c.value for c in ws[3][3:3 + len(g.get("members") or [])]]
    check_polish_order(members, f"{ws.title} header")
    n += check_words(wb[SHEETS[("network", lang)][0]], g, lang)
    if not g.get("suppressed"):
        n += check_trend_sheet(wb[SHEETS[("network", lang)][3]], g, lang)
    heads = [c.value for c in ws[3]]
    observers = [c for c in heads if c and ("(obserwator)" in c or "(observer)" in c)]
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
    # every network sheet: its member cities in Polish order below the total
    for name in wb.sheetnames[2:-1]:
        cities = [r[0] for r in wb[name].iter_rows(min_row=5, values_only=True) if r[0]]
        check_polish_order(cities, f"{name}")
        n += 1
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


# ---- issue 13: what a reader would misread ----

def sig(m, key="p_adj"):
    p = (m or {}).get(key)
    return isinstance(p, (int, float)) and p < 0.05


def word_of(words, diff, significant):
    if significant and diff is not None and diff > 0:
        return words[0]
    if significant and diff is not None and diff < 0:
        return words[1]
    return words[2]


def check_words(ws, group, lang, items_only=False, code_col=1):
    """Trend, change and difference words on ws agree with p_adj < 0.05 and
    with the JSON's own labels. items_only: the sheet lists items (whose
    eNPS item may have the code "enps" too)."""
    heads = header_map(ws, 3)
    L = {"pl": ("Trend", "Istotna zmiana", "Istotna różnica"),
         "en": ("Trend", "Significant change", "Significant difference")}[lang]
    measures = {m["code"]: m for m in group.get("items") or []}
    if not items_only:
        measures.update({m["code"]: m for m in group.get("dimensions") or []})
        if isinstance(group.get("enps"), dict):
            measures["enps"] = group["enps"]
    n = 0
    for row in ws.iter_rows(min_row=4):
        code = row[code_col - 1].value
        m = measures.get(code)
        if m is None or m.get("suppressed") or m.get("not_asked"):
            continue
        tr = m.get("trend")
        if L[0] in heads and isinstance(tr, dict):
            got = row[heads[L[0]] - 1].value
            want = TREND_WORDS[lang][tr["direction"]]
            if (tr["direction"] != "none") != sig(tr):
                fail(f"{ws.title} {code}: trend {tr['direction']} with p_adj {tr.get('p_adj')}")
            if got != want or tr.get("label") != want:
                fail(f"{ws.title} {code}: trend word {got!r}, JSON {tr.get('label')!r}, "
                     f"p_adj {tr.get('p_adj')} wants {want!r}")
            n += 1
        ch = m.get("change")
        if L[1] in heads and isinstance(ch, dict):
            got = row[heads[L[1]] - 1].value
            want = word_of(CHANGE_WORDS[lang], ch.get("diff"), sig(ch))
            if got != want or ch.get("label") != want:
                fail(f"{ws.title} {code}: change word {got!r}, JSON {ch.get('label')!r}, "
                     f"p_adj {ch.get('p_adj')} wants {want!r}")
            n += 1
        if L[2] in heads and ws.title in ("Podsumowanie", "Summary"):
            got = row[heads[L[2]] - 1].value
            vs = (m.get("vs_networks") or [])
            if got is not None:
                match = [v for v in vs if v.get("label") == got]
                if not match or word_of(DIFF_WORDS[lang], match[0].get("diff"),
                                        sig(match[0])) != got:
                    fail(f"{ws.title} {code}: difference word {got!r} vs {vs}")
                n += 1
    return n


def check_trend_sheet(ws, group, lang):
    """The trend sheet's table of trends: each word agrees with its p_adj."""
    measures = {m["code"]: m for m in group.get("dimensions") or []}
    if isinstance(group.get("enps"), dict):
        measures["enps"] = group["enps"]
    n, heads = 0, None
    for row in ws.iter_rows(min_row=3):
        if row[0].value in ("Kod", "Code"):
            heads = {c.value: c.column for c in row if c.value}
            continue
        m = measures.get(row[0].value)
        if heads is None or m is None or m.get("suppressed"):
            continue
        tr = m.get("trend")
        got = row[heads["Trend"] - 1].value
        if not isinstance(tr, dict):
            continue
        want = TREND_WORDS[lang][tr["direction"]]
        if got != want or (tr["direction"] != "none") != sig(tr):
            fail(f"{ws.title} {row[0].value}: trend word {got!r}, p_adj {tr.get('p_adj')}")
        n += 1
    if heads is None:
        fail(f"{ws.title}: no table of trends")
    return n


def not_asked_codes(group):
    return {m["code"] for m in group.get("items") or [] if m.get("not_asked")}


def check_not_asked(wb, sheets, group):
    gone = not_asked_codes(group)
    for name in sheets:
        ws = wb[name]
        for row in ws.iter_rows(min_row=3):
            if row[0].value in gone:
                fail(f"{name}!{row[0].coordinate}: {row[0].value} was not asked in "
                     f"{group['wave']} but has a row")
    return len(gone)


def check_rows(wb):
    """A wrapped cell whose text needs more than one line sits in a row with
    an explicit height (viewers do not grow rows by themselves)."""
    for ws in wb.worksheets:
        widths = {k: v.width for k, v in ws.column_dimensions.items()}
        for row in ws.iter_rows():
            for c in row:
                if not isinstance(c.value, str) or not c.alignment.wrap_text:
                    continue
                width = widths.get(c.column_letter) or 8.43
                if len(c.value) * 0.88 <= width - 1.5:
                    continue
                h = ws.row_dimensions[c.row].height
                if h is None or h < 25:
                    fail(f"{ws.title}!{c.coordinate}: wrapped text {c.value[:30]!r} in a row "
                         f"without a height ({h})")
                    return


def check_axes(path, lang):
    """Every chart's value axis: explicit bounds on the scale and a title."""
    z = zipfile.ZipFile(path)
    for name in z.namelist():
        if not re.match(r"xl/charts/chart\d+\.xml$", name):
            continue
        xml = z.read(name).decode()
        val = re.search(r"<c:valAx>(.*?)</c:valAx>", xml, re.S)
        if val is None:
            fail(f"{name}: no value axis")
            continue
        ax = val.group(1)
        lo = re.search(r'<c:min val="([^"]+)"', ax)
        hi = re.search(r'<c:max val="([^"]+)"', ax)
        if lo is None or hi is None or "<c:title>" not in ax:
            fail(f"{name}: value axis without bounds or title")
            continue
        bounds = (float(lo.group(1)), float(hi.group(1)))
        if "<c:barChart>" in xml:
            ok = bounds == (0.0, 1.0)
        elif "eNPS" in xml and bounds == (-100.0, 100.0):
            ok = True
        else:
            ok = bounds in ((1.0, 5.0), (1.0, 4.0), (0.0, 10.0), (1.0, 7.0), (0.0, 1.0))
        if not ok:
            fail(f"{name}: value axis {bounds} is not a scale's range")
        if "<c:title>" not in xml.split("<c:plotArea>")[0]:
            fail(f"{name}: chart without a title")


def surveys():
    """(slug, version) -> the instrument JSON."""
    out = {}
    for f in glob.glob(os.path.join(ROOT, "surveys", "*.json")):
        with open(f) as fh:
            d = json.load(fh)
        out[(d["slug"], d["version"])] = d
    return out


def item_range(inst, it):
    if "scale" in it:
        sc = inst["scales"][it["scale"]]
        return sc["min"], sc["max"], sc.get("missing", [])
    return it.get("min"), it.get("max"), it.get("missing", [])


def raw_counts(conninfo, stats, group, code):
    """Answers to item code per answer code, from SQL, for the group's city
    and wave: {value: count}."""
    insts = surveys()
    slug = stats["survey"]
    out = {}
    for (s, version), inst in insts.items():
        if s != slug:
            continue
        codes = [it["code"] for it in inst["items"]]
        if code not in codes:
            continue
        pos = codes.index(code) + 1
        sql = (f"SELECT answers[{pos}], count(*) FROM response WHERE survey = "
               f"'{slug}' AND wave = '{group['wave']}' AND city = '{group['slug']}' "
               f"AND survey_version = {version} AND answers[{pos}] IS NOT NULL GROUP BY 1")
        res = subprocess.run(["psql", conninfo, "-XAtF,", "-c", sql], capture_output=True,
                             text=True, check=True)
        lo, hi, missing = item_range(inst, inst["items"][pos - 1])
        for line in res.stdout.split():
            v, k = (int(x) for x in line.split(","))
            if lo <= v <= hi and v not in missing:
                out[v] = out.get(v, 0) + k
    return out


def check_reversed(wb, stats, lang, conninfo):
    """Reverse-coded items: marked on every sheet; distributions as given."""
    g = stats["group"]
    names = SHEETS[("city", lang)]
    items = {it["code"]: it for it in stats["instrument"]["items"]}
    rev = [c for c, it in items.items() if it.get("reverse")]
    if not rev:
        fail("no reverse-coded item in the instrument")
    n = 0
    measures = {m["code"]: m for m in g.get("items") or []}
    weighted = stats.get("weighted")
    for code in rev:
        m = measures.get(code)
        if m is None or m.get("not_asked"):
            continue
        it = items[code]
        if it.get("note") != REVERSED[lang]:
            fail(f"JSON: {code} has no note {REVERSED[lang]!r}: {it.get('note')!r}")
        rows = {}
        for sheet in [n for n in names[1:7] if n in wb.sheetnames]:
            for row in wb[sheet].iter_rows(min_row=3):
                if row[0].value == code:
                    rows.setdefault(sheet, row)
                    if REVERSED[lang] not in str(row[1].value):
                        fail(f"{sheet}!{row[1].coordinate}: {code} not marked reversed")
        for sheet in (names[1], names[4]):
            if sheet not in rows:
                fail(f"{sheet}: no row for {code}")
        if m.get("suppressed") or g.get("suppressed") or names[4] not in rows:
            continue
        dist = m["distribution"]
        # Rozkłady: one column per answer code, headed "1: ..."
        ws = wb[names[4]]
        row = rows[names[4]]
        head_row = row[0].row - 1
        while head_row > 3 and not str(ws.cell(head_row, 4).value or "").startswith(
                str(it["values"][0])):
            head_row -= 1
        shown = {}
        for k, v in enumerate(it["values"]):
            head = str(ws.cell(head_row, 4 + k).value or "")
            opt = next((o["label"] for o in it["options"] if o["code"] == v), None)
            if not head.startswith(f"{v}") or (opt and opt not in head):
                fail(f"{names[4]}: {code} column {k} headed {head!r}, not {v}: {opt}")
            shown[v] = row[3 + k].value
            if not isinstance(shown[v], (int, float)) or not close(shown[v], dist[k]):
                fail(f"{names[4]}: {code} share of {v} {shown[v]!r} != stats {dist[k]}")
        # Pytania: "1: 5% · 2: 10% ..."
        prow = rows.get(names[1])
        text = next((c.value for c in prow if isinstance(c.value, str) and " · " in c.value),
                    "") if prow else ""
        for k, v in enumerate(it["values"]):
            if f"{v}: {100 * dist[k]:.0f}%" not in text:
                fail(f"{names[1]}: {code} distribution {text!r} lacks {v}: {100 * dist[k]:.0f}%")
        if conninfo:
            counts = raw_counts(conninfo, stats, g, code)
            total = sum(counts.values())
            if total != m["n"]:
                fail(f"{code}: n {m['n']} != SQL {total}")
            raw = [counts.get(v, 0) / total if total else 0 for v in it["values"]]
            if not weighted:
                for k, v in enumerate(it["values"]):
                    if not close(dist[k], raw[k]):
                        fail(f"{code}: share of answer {v} {dist[k]} != SQL "
                             f"{counts.get(v, 0)}/{total}")
            else:
                d_raw = sum(abs(a - b) for a, b in zip(dist, raw))
                d_flip = sum(abs(a - b) for a, b in zip(dist, reversed(raw)))
                if d_raw > d_flip + 1e-9:
                    fail(f"{code}: weighted distribution {dist} is nearer the flipped "
                         f"SQL shares {raw[::-1]} than {raw}")
            n += 1
    return n


def check_drivers(wb, stats, lang):
    """The eNPS drivers: every r equal to the stats JSON, strongest first."""
    name = {"pl": "Co wpływa na eNPS", "en": "What drives eNPS"}[lang]
    if stats["instrument"].get("enps_item") is None:
        return 0
    g = stats["group"]
    if g.get("suppressed"):
        return 0
    ms = {m["code"]: m for m in (g.get("dimensions") or []) + (g.get("items") or [])}
    ws = wb[name]
    n, last = 0, None
    for row in ws.iter_rows(min_row=5):
        code, r = row[0].value, row[3].value
        if code not in ms:
            continue
        d = ms[code].get("driver")
        if not isinstance(d, dict) or not isinstance(r, (int, float)) or not close(r, d["r"]):
            fail(f"{name}!{row[3].coordinate}: {code} r {r!r} != stats {d}")
            continue
        if last is not None and r > last:
            fail(f"{name}: {code} ({r}) after a weaker r ({last})")
        last = r
        n += 1
    return n

def check_breakdown(ws):
    """A part hidden by the anonymity rules (its header gives no n) shows
    dashes with notes, never a number; the header rows have heights."""
    heads = {}
    n = 0
    for row in ws.iter_rows(min_row=4):
        if row[0].value in ("Kod", "Code"):
            heads = {c.column: str(c.value or "") for c in row[3:] if c.value}
            if ws.row_dimensions[row[0].row].height is None:
                fail(f"{ws.title}!{row[0].coordinate}: header row without a height")
            continue
        for c in row[3:]:
            if c.column in heads and "(n = " not in heads[c.column]:
                if isinstance(c.value, (int, float)):
                    fail(f"{ws.title}!{c.coordinate}: hidden part {heads[c.column]!r} shows "
                         f"{c.value}")
                elif c.value is not None and (c.value != "—" or c.comment is None):
                    fail(f"{ws.title}!{c.coordinate}: hidden part without a dash and note")
            n += 1
    if not heads and not STATS.get("group", {}).get("suppressed"):
        fail(f"{ws.title}: no table")
    return n

PL_ALPHABET = "aąbcćdeęfghijklłmnńoópqrsśtuvwxyzźż"


def pl_key(name):
    """Polish alphabetical order (engine/base/collate.h, first level): letters by
    their place in the Polish alphabet, case ignored; space and hyphen first."""
    return [(-1 if ch in " -" else PL_ALPHABET.index(ch) if ch in PL_ALPHABET else 100 + ord(ch))
            for ch in name.lower()]


def check_polish_order(names, where):
    if names != sorted(names, key=pl_key):
        fail(f"{where}: not in Polish order: {names}")

def main():
    kind, path, stats_path, lang = sys.argv[1:5]
    conninfo = sys.argv[5] if len(sys.argv) > 5 and sys.argv[5] else None
    with open(stats_path) as f:
        stats = json.load(f)
    STATS.update(stats)
    if kind == "city":
        n = check_city(path, stats, lang, conninfo)
    else:
        n = {"network": check_network, "ministry": check_ministry}[kind](path, stats, lang)
    if errors:
        print("\n".join(errors[:40]))
        print(f"{len(errors)} problems in {path}")
        sys.exit(1)
    if n == 0 and not stats["group"].get("suppressed"):
        print(f"{path}: no number was compared")
        sys.exit(1)
    seen = ", ".join(f"{k} {v}" for k, v in sorted(REASONS_SEEN.items()))
    print(f"ok {path}: {n} numbers equal to empirie stats"
          + (f"; hidden cells' notes give their reason: {seen}" if seen else ""))


main()
