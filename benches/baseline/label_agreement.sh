#!/usr/bin/env bash
# How often near-identical petitions of a history carry the same label (a ceiling on accuracy).
#
#   benches/baseline/label_agreement.sh dalian/train.jsonl
set -euo pipefail
cd "$(dirname "$0")/../.."
source benches/baseline/venv.sh
PYTHONWARNINGS=ignore "$VENV/bin/python" benches/baseline/label_agreement.py "$@"
