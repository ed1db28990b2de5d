#!/usr/bin/env bash
# The Python baseline's 5-fold cross-validated quality on a labelled history, to set beside
# what `petition-router train` reports for the same file.
#
#   benches/baseline/quality.sh tipdm2020/train.jsonl [--word-ngrams 2] [--char-ngrams 1-3]
set -euo pipefail
cd "$(dirname "$0")/../.."
source benches/baseline/venv.sh
PYTHONWARNINGS=ignore "$VENV/bin/python" benches/baseline/quality.py "$@"
