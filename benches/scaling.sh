#!/usr/bin/env bash
# Scaling curves: runs `cargo bench --bench scaling` (CSV in target/scaling/) and draws them as
# PNG plots beside the CSV files. Arguments name the curves to run (length, catalogue, labels,
# concurrency); none runs them all. Needs ../shared/data. matplotlib comes from PyPI at run time,
# into target/bench-venv; nothing is installed system-wide.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=target/bench-venv
if ! "$VENV/bin/python" -c 'import matplotlib' 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet matplotlib==3.10.*
fi
cargo bench --bench scaling -- "$@"
"$VENV/bin/python" benches/plot_scaling.py
