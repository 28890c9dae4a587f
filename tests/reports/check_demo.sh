#!/bin/sh
# Reads every city and network workbook of the demo (make demo, out/) back
# with tests/reports/check_reports.py against `empirie stats --json` of the
# same group, and each city's reverse-coded items against the raw answer
# counts in the demo's database (psql); then every hidden city's notes against
# its reason (tests/reports/check_hidden_reasons.py). Exits 1 on the first
# workbook with a problem.
#
# Usage: tests/reports/check_demo.sh [OUT_DIR [CONNINFO]]
#   (defaults: out/ and the private cluster's conninfo, scripts/pg-local)
# Environment: EMPIRIE_BIN (default build/rel/empirie).
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$here/out}
db=${2:-$("$here/scripts/pg-local" conninfo)}
bin=${EMPIRIE_BIN:-$here/build/rel/empirie}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
for book in $(find "$out" -name 'miasto-*.xlsx' -o -name 'siec-*.xlsx' | sort); do
    base=$(basename "$book" .xlsx)
    wave=$(basename "$(dirname "$book")")
    case "$base" in
        miasto-*) kind=city; rest=${base#miasto-} ;;
        siec-*) kind=network; rest=${base#siec-} ;;
    esac
    for survey in satysfakcja-pracownikow mlodziez-partycypacja; do
        case "$rest" in *-"$survey") slug=${rest%-"$survey"}; break ;; esac
        survey=
    done
    [ -n "$survey" ] || { echo "check_demo: cannot read $book's name" >&2; exit 1; }
    "$bin" stats --db "$db" --survey "$survey" --"$kind" "$slug" --wave "$wave" --json \
        > "$tmp/stats.json"
    if [ "$kind" = city ]; then
        /usr/bin/python3 "$here/tests/reports/check_reports.py" city "$book" "$tmp/stats.json" pl "$db"
    else
        /usr/bin/python3 "$here/tests/reports/check_reports.py" network "$book" "$tmp/stats.json" pl
    fi
    n=$((n + 1))
done
# Every hidden city's notes (ministry network sheets, Trendy, heat maps) give
# its reason, and the demo holds a city hidden to protect another.
/usr/bin/python3 "$here/tests/reports/check_hidden_reasons.py" "$out" "$db" "$bin"
echo "check_demo: $n workbooks read back, 0 problems"
