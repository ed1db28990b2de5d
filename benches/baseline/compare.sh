#!/usr/bin/env bash
# route() next to the Python baseline (jieba + scikit-learn) on the same petitions, both pinned
# to one core, timed one document at a time; prints both and their ratio.
#
#   benches/baseline/compare.sh            # CORE=1 by default; needs ../shared/data
#
# The Python packages come from PyPI at run time (see venv.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
CORE=${CORE:-1}
source benches/baseline/venv.sh
cargo bench --bench per_document --no-run --quiet
ours=$(taskset -c "$CORE" cargo bench --quiet --bench per_document 2>/dev/null | tail -1)
# One thread: the comparison is per core.
theirs=$(OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
    taskset -c "$CORE" "$VENV/bin/python" benches/baseline/baseline.py)
python3 - "$ours" "$theirs" <<'PY'
import json, sys
ours, theirs = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"{'':22}{ours['side']:>26}{theirs['side']:>30}{'ratio':>8}")
for key in ["short_100_p50_us", "median_230_p50_us", "average_410_p50_us", "long_1000_p50_us"]:
    o, t = ours[key], theirs[key]
    print(f"{key:22}{o:>23.1f} µs{t:>27.1f} µs{t / o:>7.1f}×")
o, t = ours["corpus_docs_per_s"], theirs["corpus_docs_per_s"]
print(f"{'corpus docs/s, 1 core':22}{o:>26.0f}{t:>30.0f}{o / t:>7.1f}×")
PY
