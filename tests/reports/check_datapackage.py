#!/usr/bin/python3
"""Checks a Frictionless Data Package descriptor against its CSV files, field
by field and row by row (the frictionless tools are not among Debian's
packages, so this reads the Table Schema itself).

Usage: check_datapackage.py DESCRIPTOR.json

For every resource: the descriptor's shape (profile, name, path, dialect,
schema), the CSV's header equal to the schema's field names in order, and
on every row every field: a missing value ("missingValues") only where the
field is not required; the type (string, integer: digits, number: digits
with an optional '.' part, boolean, date); the constraints enum, pattern
(the whole value), minimum, maximum, minLength, maxLength; the primary key
present and unique. Prints what is wrong and exits 1; "ok ..." otherwise.
"""
import csv
import datetime
import json
import os
import re
import sys

errors = []
NAME = re.compile(r"[a-z0-9._-]+")


def fail(msg):
    errors.append(msg)


def typed(field, s, where):
    """The value of s as the field's type, or None after a failure."""
    t = field.get("type", "string")
    if t == "string":
        return s
    if t == "integer":
        if re.fullmatch(r"-?[0-9]+", s):
            return int(s)
    elif t == "number":
        dc = re.escape(field.get("decimalChar", "."))
        if re.fullmatch(r"-?[0-9]+(%s[0-9]+)?" % dc, s):
            return float(s.replace(field.get("decimalChar", "."), "."))
    elif t == "boolean":
        if s in field.get("trueValues", ["true"]) + field.get("falseValues", ["false"]):
            return s in field.get("trueValues", ["true"])
    elif t == "date":
        try:
            return datetime.date.fromisoformat(s)
        except ValueError:
            pass
    else:
        fail(f"{where}: type {t!r} is not checked here")
        return None
    fail(f"{where}: {s!r} is not of type {t}")
    return None


def check_value(field, s, missing, where):
    cons = field.get("constraints", {})
    if s in missing:
        if cons.get("required"):
            fail(f"{where}: required, got {s!r}")
        return None
    v = typed(field, s, where)
    if v is None:
        return None
    if "enum" in cons and s not in [str(e) for e in cons["enum"]]:
        fail(f"{where}: {s!r} is not one of {cons['enum']}")
    if "pattern" in cons and not re.fullmatch(cons["pattern"], s):
        fail(f"{where}: {s!r} does not match {cons['pattern']!r}")
    if "minimum" in cons and v < cons["minimum"]:
        fail(f"{where}: {v} < minimum {cons['minimum']}")
    if "maximum" in cons and v > cons["maximum"]:
        fail(f"{where}: {v} > maximum {cons['maximum']}")
    if "minLength" in cons and len(s) < cons["minLength"]:
        fail(f"{where}: shorter than {cons['minLength']}")
    if "maxLength" in cons and len(s) > cons["maxLength"]:
        fail(f"{where}: longer than {cons['maxLength']}")
    return v


def check_resource(res, base):
    name = res.get("name", "")
    if not NAME.fullmatch(name):
        fail(f"resource name {name!r}")
    if res.get("profile") != "tabular-data-resource" or res.get("format") != "csv":
        fail(f"{name}: profile {res.get('profile')!r}, format {res.get('format')!r}")
    path = res.get("path", "")
    if "/" in path or path.startswith("."):
        fail(f"{name}: path {path!r} is not a file beside the descriptor")
    schema = res.get("schema", {})
    fields = schema.get("fields", [])
    names = [f.get("name") for f in fields]
    if not fields or len(set(names)) != len(names):
        fail(f"{name}: field names {names}")
    missing = schema.get("missingValues", [""])
    key = schema.get("primaryKey", [])
    if isinstance(key, str):
        key = [key]
    for k in key:
        if k not in names:
            fail(f"{name}: primary key field {k!r} is not a field")
    dialect = res.get("dialect", {})
    with open(os.path.join(base, path), newline="", encoding=res.get("encoding", "utf-8")) as f:
        rows = list(csv.reader(f, delimiter=dialect.get("delimiter", ","),
                               quotechar=dialect.get("quoteChar", '"'),
                               doublequote=dialect.get("doubleQuote", True)))
    if dialect.get("header", True):
        if rows[0] != names:
            fail(f"{name}: header {rows[0]} != schema {names}")
        rows = rows[1:]
    seen = set()
    ki = [names.index(k) for k in key if k in names]
    for i, row in enumerate(rows):
        where = f"{path}:{i + 2}"
        if len(row) != len(fields):
            fail(f"{where}: {len(row)} fields, schema has {len(fields)}")
            continue
        for field, s in zip(fields, row):
            check_value(field, s, missing, f"{where} {field['name']}")
        if ki:
            kv = tuple(row[j] for j in ki)
            if any(v in missing for v in kv):
                fail(f"{where}: primary key {kv} has a missing value")
            if kv in seen:
                fail(f"{where}: primary key {kv} twice")
            seen.add(kv)
    return len(rows)


def main():
    path = sys.argv[1]
    with open(path, encoding="utf-8") as f:
        pkg = json.load(f)
    if pkg.get("profile") != "tabular-data-package":
        fail(f"profile {pkg.get('profile')!r}")
    if not NAME.fullmatch(pkg.get("name", "")):
        fail(f"package name {pkg.get('name')!r}")
    resources = pkg.get("resources", [])
    if not resources:
        fail("no resources")
    counts = []
    for res in resources:
        counts.append(f"{res.get('name')}: {check_resource(res, os.path.dirname(path))} rows")
    if errors:
        print("\n".join(errors[:40]))
        print(f"{len(errors)} problems in {path}")
        sys.exit(1)
    print(f"ok {path}: " + ", ".join(counts) + " valid against their Table Schemas")


main()
