#!/usr/bin/env python3
"""Mine candidate petition pairs for the repeat-petition (重复件) evaluation set.

Reads the shared petition data (default: ../shared/data next to the repository, or
$PETITION_DATA, or --data) and prints candidate pairs for a human to read and label.
It never writes into the repository: the only file it writes is an optional pair
cache (--cache, default under the system temp directory).

Similarity is the Jaccard index of character 3-gram sets of title+text after
normalisation (NFKC, lower case, only letters and digits kept).  Candidate pairs are
found with an inverted index over "rare" 3-grams (document frequency 2..--df-cap),
then scored exactly.  Pairs that share only common 3-grams are not found by that
index; `random` covers the low end.

Sub-commands
  stats                       how many candidate pairs fall in each band
  sample  --band LO-HI        random candidate pairs from one Jaccard band
          [--same-label] [--cross-label] [--n N] [--seed S] [--exclude pairs.jsonl]
  topic                       same-label pairs with low 3-gram Jaccard but many shared
                              distinctive 3-grams (hard negatives / reworded repeats)
  templates                   high-similarity pairs whose differing spans name places,
                              estates, companies or people (template re-use: hard negatives)
  random                      random pairs (mostly unrelated)
  show KEY [KEY ...]          print full records (KEY = <source>/<id>)
  summary pairs.jsonl         recompute Jaccard of labelled pairs; print count tables

Printed texts are for reading only: never paste petition text into the repository
(pairs.jsonl holds ids and labels; GUIDELINES.md only the reviewer's own words).

Candidates shown by `sample`, `topic` and `templates` depend on --seed and on the
--exclude file (pairs already labelled are skipped), so pass the current pairs.jsonl
as --exclude to get fresh candidates.

Keys are "<source>/<id>" where source is the file path relative to the data
directory without ".jsonl".  Ids that occur more than once in one file are ambiguous
and are skipped; so are pairs of two copies of the same platform record (the TipDM
train file writes ids as "117372.0" where the unlabelled file has "117372").
"""
import argparse
import collections
import difflib
import json
import os
import pickle
import random
import sys
import tempfile
import unicodedata

SOURCES = ["tipdm2020/train", "tipdm2020/unlabelled", "dalian/train", "jiamusi/all"]
ENTITY_MARKERS = ["小区", "花园", "家园", "苑", "城", "栋", "号楼", "单元", "村", "组", "镇", "乡", "街道",
                  "社区", "路", "街", "县", "区", "市", "公司", "学校", "中学", "小学", "医院", "局"]
BANDS = [(0.8, 1.01), (0.5, 0.8), (0.3, 0.5), (0.15, 0.3), (0.0, 0.15)]


def band_name(j):
    for lo, hi in BANDS:
        if lo <= j < hi:
            return "%.2f-%.2f" % (lo, min(hi, 1.0))
    return "?"


def default_data_dir():
    env = os.environ.get("PETITION_DATA")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))  # tests/repeat-pairs -> repo root
    return os.path.join(os.path.dirname(repo), "shared", "data")


def norm(s):
    s = unicodedata.normalize("NFKC", s).lower()
    return "".join(c for c in s if unicodedata.category(c)[0] in "LN")


def shingles(s, k=3):
    return frozenset(s[i:i + k] for i in range(max(1, len(s) - k + 1)))


def record_key(key):
    """Platform record number, used to spot the same record in two files."""
    src, rid = key.rsplit("/", 1)
    if src.startswith("tipdm2020/"):
        r = rid[:-2] if rid.endswith(".0") else rid
        if r.isdigit():
            return "tipdm:" + r
    return key


class Corpus:
    def __init__(self, data_dir):
        self.docs = []  # dicts: key, source, id, label, title, text, date
        self.skipped = []
        for src in SOURCES:
            path = os.path.join(data_dir, src + ".jsonl")
            if not os.path.exists(path):
                continue
            rows = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
            count = collections.Counter(r["id"] for r in rows)
            for r in rows:
                if count[r["id"]] > 1:
                    self.skipped.append(src + "/" + r["id"])
                    continue
                self.docs.append({
                    "key": src + "/" + r["id"], "source": src, "id": r["id"],
                    "label": r.get("label"), "title": r.get("title") or "",
                    "text": r.get("text") or "", "date": r.get("date", ""),
                })
        if not self.docs:
            sys.exit("no data found under %s" % data_dir)
        self.index = {d["key"]: i for i, d in enumerate(self.docs)}
        self.sh = [shingles(norm(d["title"] + d["text"])) for d in self.docs]
        self.rec = [record_key(d["key"]) for d in self.docs]

    def jaccard(self, i, j):
        a, b = self.sh[i], self.sh[j]
        inter = len(a & b)
        return inter / (len(a) + len(b) - inter) if inter else 0.0

    def same_record(self, i, j):
        return self.rec[i] == self.rec[j]


def mine_pairs(c, df_cap, min_shared):
    """{(i, j): (jaccard, shared_rare)} for pairs sharing >= min_shared rare 3-grams."""
    df = collections.Counter()
    for s in c.sh:
        df.update(s)
    post = collections.defaultdict(list)
    for i, s in enumerate(c.sh):
        for g in s:
            if 2 <= df[g] <= df_cap:
                post[g].append(i)
    n = len(c.docs)
    shared = collections.Counter()
    for docs in post.values():
        for x in range(len(docs)):
            a = docs[x] * n
            for y in range(x + 1, len(docs)):
                shared[a + docs[y]] += 1
    out = {}
    for k, cnt in shared.items():
        if cnt < min_shared:
            continue
        i, j = divmod(k, n)
        if c.same_record(i, j):
            continue
        out[(i, j)] = (c.jaccard(i, j), cnt)
    return out


def load_pairs(c, args):
    cache = args.cache or os.path.join(
        tempfile.gettempdir(),
        "repeat-pairs-cache-%s-%d-%d.pkl" % (getattr(os, "getuid", lambda: 0)(), args.df_cap, args.min_shared))
    stamp = [d["key"] for d in c.docs]
    if os.path.exists(cache):
        with open(cache, "rb") as fh:
            got = pickle.load(fh)
        if got["stamp"] == stamp:
            return got["pairs"]
    pairs = mine_pairs(c, args.df_cap, args.min_shared)
    with open(cache, "wb") as fh:
        pickle.dump({"stamp": stamp, "pairs": pairs}, fh)
    return pairs


def excluded(c, path):
    keys = set()
    if path and os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            if line.strip():
                p = json.loads(line)
                keys.add(frozenset((p["a"], p["b"])))
    return keys


def clip(s, width):
    if width <= 0 or len(s) <= width:
        return s
    half = width // 2
    return s[: width - half] + " [...] " + s[-half + 20:] if width > 80 else s[:width] + " [...]"


def show_pair(c, n, i, j, extra, width, diff=False):
    print("=" * 100)
    print("#%d  J=%.3f  %s" % (n, c.jaccard(i, j), extra))
    for x in (i, j):
        d = c.docs[x]
        print("-- %s | %s | %s | len=%d" % (d["key"], d["label"], d["date"], len(d["text"])))
        if d["title"]:
            print("   T: " + d["title"])
        if not diff:
            print("   " + clip(d["text"], width))
    if diff:
        # near-duplicates: show the opening once, then only the segments that differ
        a, b = c.docs[i]["text"], c.docs[j]["text"]
        print("   A[:%d]: %s" % (width // 3, a[: width // 3]))
        sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
        shown = 0
        for op, a0, a1, b0, b1 in sm.get_opcodes():
            if op == "equal":
                continue
            print("   %s A{%s} B{%s}" % (op[0], a[a0:a1][:60], b[b0:b1][:60]))
            shown += 1
            if shown >= 12:
                print("   ...")
                break


def cap_per_doc(items, limit):
    """Keep at most `limit` pairs per document so one big cluster does not dominate."""
    seen = collections.Counter()
    out = []
    for it in items:
        i, j = it[0], it[1]
        if seen[i] >= limit or seen[j] >= limit:
            continue
        seen[i] += 1
        seen[j] += 1
        out.append(it)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=default_data_dir())
    ap.add_argument("--cache", default=None, help="pair cache file (outside the repo)")
    ap.add_argument("--df-cap", type=int, default=100)
    ap.add_argument("--min-shared", type=int, default=3)
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--width", type=int, default=400, help="clip texts to this many chars (0 = full)")
    ap.add_argument("--exclude", default=None, help="pairs.jsonl whose pairs are skipped")
    ap.add_argument("--per-doc", type=int, default=2, help="max pairs per document in one sample")
    ap.add_argument("--same-label", action="store_true")
    ap.add_argument("--allow-unlabelled", action="store_true",
                    help="topic: also pair unlabelled TipDM rows with TipDM rows")
    ap.add_argument("--cross-label", action="store_true")
    ap.add_argument("--source", default=None, help="only pairs with at least one doc from this source")
    ap.add_argument("--band", default="0.5-0.8")
    ap.add_argument("--keys-only", action="store_true")
    ap.add_argument("--diff", action="store_true", help="show only differing segments (near-duplicates)")
    ap.add_argument("cmd", choices=["stats", "sample", "topic", "templates", "random", "show", "summary"])
    ap.add_argument("rest", nargs="*")
    args = ap.parse_args()

    c = Corpus(args.data)
    rng = random.Random(args.seed)
    skip = excluded(c, args.exclude)

    def keep(i, j):
        di, dj = c.docs[i], c.docs[j]
        if frozenset((di["key"], dj["key"])) in skip:
            return False
        if args.source and args.source not in (di["source"], dj["source"]):
            return False
        same = di["label"] is not None and di["label"] == dj["label"] and di["source"].split("/")[0] == dj["source"].split("/")[0]
        if args.same_label and not same:
            return False
        if args.cross_label and same:
            return False
        return True

    def emit(items):
        for n, (i, j, extra) in enumerate(items, 1):
            if args.keys_only:
                print("%s\t%s\t%.3f" % (c.docs[i]["key"], c.docs[j]["key"], c.jaccard(i, j)))
            else:
                show_pair(c, n, i, j, extra, args.width, args.diff)

    if args.cmd == "show":
        for k in args.rest:
            d = c.docs[c.index[k]]
            print("-- %s | %s | %s\n   T: %s\n   %s" % (k, d["label"], d["date"], d["title"], d["text"]))
        return

    if args.cmd == "summary":
        path = args.rest[0]
        rows = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
        table = collections.Counter()
        kinds = collections.Counter()
        bands = collections.Counter()
        js = collections.defaultdict(list)
        js_of = {}
        for p in rows:
            i, j = c.index[p["a"]], c.index[p["b"]]
            jac = c.jaccard(i, j)
            js_of[(p["a"], p["b"])] = jac
            b = band_name(jac)
            table[(p["label"], p["kind"], b)] += 1
            kinds[(p["label"], p["kind"])] += 1
            bands[b] += 1
            js[p["kind"]].append(jac)
        names = [band_name(lo) for lo, _ in BANDS]
        print("| label | kind | " + " | ".join(names) + " | total |")
        print("|---|---|" + "---|" * (len(names) + 1))
        for (lab, kind), tot in sorted(kinds.items()):
            print("| %s | %s | " % (lab, kind) + " | ".join(str(table[(lab, kind, b)]) for b in names) + " | %d |" % tot)
        print("| all | | " + " | ".join(str(bands[b]) for b in names) + " | %d |" % len(rows))
        print()
        for kind, v in sorted(js.items()):
            v.sort()
            q = lambda f: v[min(len(v) - 1, int(f * len(v)))]
            print("%-15s n=%3d  min=%.3f p10=%.3f p25=%.3f median=%.3f p75=%.3f p90=%.3f max=%.3f"
                  % (kind, len(v), v[0], q(.1), q(.25), q(.5), q(.75), q(.9), v[-1]))
        print()
        srcs = collections.Counter()
        for p in rows:
            pair = " + ".join(sorted({p["a"].rsplit("/", 1)[0], p["b"].rsplit("/", 1)[0]}))
            srcs[(pair, p["label"])] += 1
        print("| sources | repeat | different |")
        print("|---|---|---|")
        for pair in sorted({k[0] for k in srcs}):
            print("| %s | %d | %d |" % (pair, srcs[(pair, "repeat")], srcs[(pair, "different")]))
        print()
        # what a plain "Jaccard >= t means repeat" rule does on this set (not a population estimate)
        nrep = sum(1 for p in rows if p["label"] == "repeat")
        nk = collections.Counter(p["kind"] for p in rows)
        print("| t | precision | recall | near_duplicate recall | rewording recall | same_topic above t |")
        print("|---|---|---|---|---|---|")
        for t in (0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
            above = [p for p in rows if js_of[(p["a"], p["b"])] >= t]
            tp = sum(1 for p in above if p["label"] == "repeat")
            by = collections.Counter(p["kind"] for p in above)
            print("| %.2f | %.3f | %.3f | %.3f | %.3f | %d |" % (
                t, tp / max(1, len(above)), tp / max(1, nrep),
                by["near_duplicate"] / max(1, nk["near_duplicate"]),
                by["rewording"] / max(1, nk["rewording"]), by["same_topic"]))
        return

    if args.cmd == "random":
        n = len(c.docs)
        items = []
        while len(items) < args.n:
            i, j = sorted(rng.sample(range(n), 2))
            if c.same_record(i, j) or not keep(i, j):
                continue
            items.append((i, j, "random"))
        emit(items)
        return

    pairs = load_pairs(c, args)

    if args.cmd == "stats":
        cnt = collections.Counter()
        same = collections.Counter()
        for (i, j), (jac, _) in pairs.items():
            cnt[band_name(jac)] += 1
            if keep(i, j):
                same[band_name(jac)] += 1
        for lo, _ in BANDS:
            b = band_name(lo)
            print("%s  all=%8d  kept(filters)=%8d" % (b, cnt[b], same[b]))
        print("ambiguous ids skipped:", len(c.skipped))
        return

    if args.cmd == "sample":
        lo, hi = (float(x) for x in args.band.split("-"))
        pool = [(i, j, "shared_rare=%d" % s) for (i, j), (jac, s) in pairs.items()
                if lo <= jac < hi and keep(i, j)]
        pool.sort()
        rng.shuffle(pool)
        emit(cap_per_doc(pool, args.per_doc)[: args.n])
        return

    if args.cmd == "templates":
        # Pairs that look like near-duplicates but where the edited spans contain
        # entity markers (estate, building, village, company, road ...): often one
        # template filled in for two different matters.
        lo, hi = (float(x) for x in args.band.split("-"))
        pool = []
        for (i, j), (jac, _) in pairs.items():
            if not (lo <= jac < hi) or not keep(i, j):
                continue
            a = c.docs[i]["title"] + "|" + c.docs[i]["text"]
            b = c.docs[j]["title"] + "|" + c.docs[j]["text"]
            if len(a) > 3000 or len(b) > 3000:
                continue
            sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
            spans = [a[a0:a1] + "/" + b[b0:b1] for op, a0, a1, b0, b1 in sm.get_opcodes() if op != "equal"]
            hits = [sp for sp in spans if any(m in sp for m in ENTITY_MARKERS) and len(sp) < 80]
            if hits:
                pool.append((i, j, "edited: " + " ; ".join(hits[:4])))
        pool.sort()
        rng.shuffle(pool)
        emit(cap_per_doc(pool, args.per_doc)[: args.n])
        return

    if args.cmd == "topic":
        # same-label pairs whose 3-gram Jaccard is low but which share many rare 3-grams:
        # same topic vocabulary (place names, institutions, terms) with different wording.
        lo, hi = (float(x) for x in args.band.split("-"))
        pool = []
        for (i, j), (jac, s) in pairs.items():
            if not (lo <= jac < hi) or not keep(i, j):
                continue
            di, dj = c.docs[i], c.docs[j]
            if di["label"] is None or dj["label"] is None:
                # unlabelled TipDM rows: allowed with --allow-unlabelled (same platform)
                if not (args.allow_unlabelled and di["source"].startswith("tipdm2020/")
                        and dj["source"].startswith("tipdm2020/")):
                    continue
            elif di["label"] != dj["label"]:
                continue
            pool.append((i, j, "shared_rare=%d" % s, s))
        pool.sort(key=lambda t: (-t[3], t[0], t[1]))
        top = pool[: max(args.n * 20, 200)]
        rng.shuffle(top)
        emit([(i, j, e) for i, j, e, _ in cap_per_doc(top, args.per_doc)[: args.n]])
        return


if __name__ == "__main__":
    main()
