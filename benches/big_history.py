#!/usr/bin/env python3
"""Builds a large labelled history from a real one, for the training scale benchmark.

Each row splices the opening sentences of one real petition onto the closing sentences of
another with the same label, so rows are distinct, read like petitions, and keep the label's
vocabulary and the source's label shares and lengths. Deterministic for a given seed.

    benches/big_history.py --rows 1000000 --out /tmp/big.jsonl \\
        [--source ../shared/data/tipdm2020/train.jsonl] [--seed 7]

Write the output outside the repository: it is derived from the shared data.
"""

import argparse
import json
import pathlib
import random
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]
SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--out", type=pathlib.Path, required=True)
    parser.add_argument(
        "--source",
        type=pathlib.Path,
        default=ROOT.parent / "shared" / "data" / "tipdm2020" / "train.jsonl",
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    by_label = {}
    with open(args.source, encoding="utf-8") as f:
        source = [json.loads(line) for line in f if line.strip()]
    for r in source:
        sentences = [s for s in SENTENCE_END.split(r["text"]) if s]
        by_label.setdefault(r["label"], []).append((r.get("title", ""), sentences))
    labels = [r["label"] for r in source]

    with open(args.out, "w", encoding="utf-8") as out:
        for i in range(args.rows):
            label = rng.choice(labels)
            (title, head), (_, tail) = rng.choice(by_label[label]), rng.choice(by_label[label])
            cut_head = rng.randint(1, max(1, len(head)))
            cut_tail = rng.randint(0, max(0, len(tail) - 1))
            text = "".join(head[:cut_head] + tail[cut_tail:])
            row = {"id": f"big-{i}", "title": title, "text": text, "label": label}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
