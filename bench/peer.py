#!/usr/bin/python3
"""bench/peer.py: the peer in the benchmark (issue 19): what an HR analyst
would write in pandas + SciPy + XlsxWriter to get, per city and wave, the
figures Empirie's city workbooks hold (fewer of them), one workbook per city.

Reads the same rows `empirie report` streams (the survey's responses, void
ones left out) from the same database: one `COPY ... TO STDOUT` through psql
(Debian has no psycopg in its default set), parsed with pandas.read_csv. Per
city and wave and item: n, mean, SD, 95% t CI, % favourable (the top
`favourable_top` points after reverse coding); Welch's t test of the change
against the previous wave; the trend of the wave means (OLS slope and its p);
per dimension Cronbach's alpha (complete cases); eNPS (% 9-10 minus % 0-6).

Usage: /usr/bin/python3 bench/peer.py --survey SLUG -i INSTRUMENT.json [-i ...]
       --out DIR  (the database: DATABASE_URL, as psql reads it)
Prints how many rows and workbooks; exit status non-zero on any failure.
Run by bench/run beside `empirie report --all` (docs/performance.md).
"""
import argparse
import io
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
from scipy import stats


def load_instruments(paths):
    """Per version: item codes in answer order, and the scored items."""
    out = {}
    for p in paths:
        with open(p, encoding="utf-8") as f:
            s = json.load(f)
        scales = s.get("scales", {})
        items = []
        for it in s["items"]:
            d = dict(scales.get(it.get("scale"), {}))
            d.update(it)
            items.append(d)
        out[s["version"]] = {"survey": s, "items": items}
    return out


def read_rows(survey):
    # The slug goes through a psql variable (:'survey' is quoted by psql).
    sql = ("COPY (SELECT city, wave, survey_version, answers FROM response "
           "WHERE survey = :'survey' AND (city, id) NOT IN "
           "(SELECT city, id FROM response_void)) TO STDOUT (FORMAT csv)")
    url = os.environ.get("DATABASE_URL", "")
    p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", f"survey={survey}",
                        url], input=(sql + "\n").encode(), capture_output=True, check=True)
    return pd.read_csv(io.BytesIO(p.stdout), header=None,
                       names=["city", "wave", "version", "answers"],
                       dtype={"city": str, "wave": str, "version": int, "answers": str})


def wide(df, instruments):
    """One column per item code (NaN when not asked or not answered), scored:
    reverse coding undone, "don't know" codes dropped."""
    parts = []
    for version, g in df.groupby("version"):
        items = instruments[version]["items"]
        vals = g["answers"].str.strip("{}").str.split(",", expand=True)
        vals = vals.replace("NULL", np.nan).astype(float)
        vals.columns = [it["code"] for it in items]
        for it in items:
            c = it["code"]
            if it.get("type") not in ("likert", "scale"):
                vals.drop(columns=c, inplace=True)
                continue
            col = vals[c]
            col = col.where((col >= it["min"]) & (col <= it["max"]))
            if it.get("reverse"):
                col = it["min"] + it["max"] - col
            vals[c] = col
        vals.insert(0, "wave", g["wave"].values)
        vals.insert(0, "city", g["city"].values)
        parts.append(vals)
    return pd.concat(parts, ignore_index=True, sort=False)


def cronbach_alpha(block):
    block = block.dropna()
    k = block.shape[1]
    if k < 2 or len(block) < 2:
        return np.nan, len(block)
    item_var = block.var(ddof=1).sum()
    total_var = block.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return np.nan, len(block)
    return k / (k - 1) * (1 - item_var / total_var), len(block)


def city_workbook(city, data, newest, wave_order, wave_x, out_dir):
    s = newest["survey"]
    top = s.get("favourable_top", 2)
    enps_code = s.get("enps_item")
    likert = [it for it in newest["items"] if it.get("type") == "likert"]
    codes = [it["code"] for it in likert]
    codes = [c for c in codes if c in data.columns]
    waves = [w for w in wave_order if w in set(data["wave"])]
    by_wave = {w: data[data["wave"] == w] for w in waves}

    rows = []
    for w in waves:
        g = by_wave[w]
        for it in likert:
            c = it["code"]
            if c not in g.columns:
                continue
            x = g[c].dropna()
            n = len(x)
            if n == 0:
                continue
            mean, sd = x.mean(), x.std(ddof=1)
            half = stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n) if n > 1 else np.nan
            fav = (x > it["max"] - top).mean() * 100
            rows.append({"wave": w, "item": c, "n": n, "mean": mean, "sd": sd,
                         "ci_low": mean - half, "ci_high": mean + half, "pct_favourable": fav})
    items = pd.DataFrame(rows)

    change = []
    for prev, cur in zip(waves, waves[1:]):
        for c in codes:
            a = by_wave[cur][c].dropna() if c in by_wave[cur] else pd.Series(dtype=float)
            b = by_wave[prev][c].dropna() if c in by_wave[prev] else pd.Series(dtype=float)
            if len(a) < 2 or len(b) < 2:
                continue
            t, p = stats.ttest_ind(a, b, equal_var=False)
            change.append({"wave": cur, "vs": prev, "item": c,
                           "diff": a.mean() - b.mean(), "t": t, "p": p})
    change = pd.DataFrame(change)

    trend = []
    if not items.empty:
        for c, g in items.groupby("item", sort=False):
            if len(g) < 3:
                continue
            x = [wave_x[w] for w in g["wave"]]
            r = stats.linregress(x, g["mean"].values)
            trend.append({"item": c, "waves": len(g), "slope_per_year": r.slope,
                          "p": r.pvalue})
    trend = pd.DataFrame(trend)

    alpha = []
    for w in waves:
        g = by_wave[w]
        for d in s.get("dimensions", []):
            dc = [it["code"] for it in likert if it.get("dimension") == d["code"]
                  and it["code"] in g.columns]
            a, n = cronbach_alpha(g[dc])
            alpha.append({"wave": w, "dimension": d["code"], "items": len(dc),
                          "complete_cases": n, "alpha": a})
    alpha = pd.DataFrame(alpha)

    enps = []
    for w in waves:
        e = by_wave[w][enps_code].dropna() if enps_code in by_wave[w] else pd.Series(dtype=float)
        if len(e) == 0:
            continue
        promoters, detractors = (e >= 9).mean() * 100, (e <= 6).mean() * 100
        enps.append({"wave": w, "n": len(e), "promoters": promoters,
                     "detractors": detractors, "enps": promoters - detractors})
    enps = pd.DataFrame(enps)

    path = os.path.join(out_dir, f"{city}.xlsx")
    with pd.ExcelWriter(path, engine="xlsxwriter") as xw:
        items.to_excel(xw, sheet_name="Pytania", index=False)
        change.to_excel(xw, sheet_name="Zmiana", index=False)
        trend.to_excel(xw, sheet_name="Trend", index=False)
        alpha.to_excel(xw, sheet_name="Alfa", index=False)
        enps.to_excel(xw, sheet_name="eNPS", index=False)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--survey", required=True)
    ap.add_argument("-i", "--instrument", action="append", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    instruments = load_instruments(args.instrument)
    newest = instruments[max(instruments)]
    os.makedirs(args.out, exist_ok=True)

    df = read_rows(args.survey)
    unknown = set(df["version"]) - set(instruments)
    if unknown:
        sys.exit(f"peer.py: responses of instrument versions {sorted(unknown)} "
                 "but no instrument file given for them")
    data = wide(df, instruments)
    del df
    # waves in time order by label (years), x in years
    wave_order = sorted(set(data["wave"]))
    wave_x = {w: float(w) if w.isdigit() else float(i) for i, w in enumerate(wave_order)}
    n = 0
    for city, g in data.groupby("city", sort=True):
        city_workbook(city, g, newest, wave_order, wave_x, args.out)
        n += 1
    print(f"peer.py: {len(data)} rows, {n} workbooks in {args.out}")


if __name__ == "__main__":
    main()
