#!/usr/bin/env python3
"""Adds a simulated `region` column (the petitioner's district, as an intake desk would give
it) to a Dalian-style history whose labels are unit names, so that the region-hint path can be
cross-validated where no real region column exists:

    python3 benches/region_hint.py ../shared/data/dalian/train.jsonl > /tmp/dalian_region.jsonl
    petition-router train --history /tmp/dalian_region.jsonl --out /tmp/m.model

A row handled by a district or town unit gets that unit's district; any other row (city-level
matters: the petitioner still lives somewhere) gets the district its text names, else one drawn
at random, weighted like the districts of the local rows (seeded, so reproducible). The output
goes to standard output: never into the repository.
"""
import collections
import json
import random
import sys

# Dalian's districts and the names its petitions and units use for them (功能区 → the district
# that holds most of them).
DISTRICTS = {
    "中山区": "中山区", "西岗区": "西岗区", "沙河口区": "沙河口区", "甘井子区": "甘井子区",
    "旅顺口区": "旅顺口区", "金州区": "金州区", "金普新区": "金州区", "普兰店区": "普兰店区",
    "长海县": "长海县", "瓦房店市": "瓦房店市", "庄河市": "庄河市", "高新区": "甘井子区",
    "高新技术产业园区": "甘井子区", "长兴岛": "瓦房店市", "花园口": "庄河市",
}
SHORT = {k.rstrip("区县市"): v for k, v in DISTRICTS.items() if len(k.rstrip("区县市")) >= 2}
BY_LENGTH = sorted(list(DISTRICTS.items()) + list(SHORT.items()), key=lambda kv: -len(kv[0]))


def label_district(label):
    return next((v for k, v in BY_LENGTH if k in DISTRICTS and label.startswith(k)), None)


def text_district(text):
    return next((v for k, v in BY_LENGTH if k in text), None)


def main(path):
    random.seed(7)
    rows = [json.loads(line) for line in open(path, encoding="utf-8")]
    local = [label_district(r["label"]) for r in rows]
    weights = collections.Counter(d for d in local if d)
    pool = [d for d, n in sorted(weights.items()) for _ in range(n)]
    for row, district in zip(rows, local):
        if district is None:
            district = text_district(row.get("title", "") + row["text"]) or random.choice(pool)
        row["region"] = district
        print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
