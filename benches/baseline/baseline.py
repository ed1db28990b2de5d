"""The stack a bureau would build instead: Python jieba + scikit-learn.

Same data and features as petition-router's default model (jieba words with the duty-list
keywords in its dictionary, plus character 1-2-grams; sub-linear tf-idf; min_df 2; a linear
SVM trained on tipdm2020/train.jsonl), and timed the same way as benches/per_document.rs:
one document at a time, median per length group, then the whole unlabelled corpus.
Prints one JSON object. Run through compare.sh, which installs the packages.
"""

import json
import pathlib
import statistics
import sys
import time
import tomllib

import jieba
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "tipdm2020"
LENGTHS = [("short_100", 100), ("median_230", 230), ("average_410", 410), ("long_1000", 1000)]
REPEATS = 20


def texts(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def words(text):
    return [w for w in jieba.lcut(text, HMM=False) if any(c.isalnum() for c in w)]


def main():
    jieba.setLogLevel(60)
    for toml in sorted((ROOT / "keyword-lists").glob("*.toml")):
        with open(toml, "rb") as f:
            for keyword in tomllib.load(f).get("keywords", {}):
                if len(keyword) > 1:
                    jieba.add_word(keyword)
    train = texts(DATA / "train.jsonl")
    word_vec = TfidfVectorizer(tokenizer=words, token_pattern=None, lowercase=False,
                               sublinear_tf=True, min_df=2)
    char_vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    train_texts = [r["text"] for r in train]
    x = hstack([word_vec.fit_transform(train_texts), char_vec.fit_transform(train_texts)]).tocsr()
    model = LinearSVC(C=1.0).fit(x, [r["label"] for r in train])

    def route(text):
        features = hstack([word_vec.transform([text]), char_vec.transform([text])]).tocsr()
        return model.decision_function(features)

    corpus = [r["text"] for r in texts(DATA / "unlabelled.jsonl")]
    out = {"side": "python jieba + scikit-learn", "source": "tipdm2020"}
    for name, length in LENGTHS:
        group = sorted(corpus, key=lambda t: abs(len(t) - length))[:50]
        for t in group:
            route(t)
        micros = []
        for _ in range(REPEATS):
            for t in group:
                start = time.perf_counter()
                route(t)
                micros.append((time.perf_counter() - start) * 1e6)
        out[f"{name}_p50_us"] = statistics.median(micros)
    for t in corpus[:200]:
        route(t)
    start = time.perf_counter()
    for t in corpus:
        route(t)
    out["corpus_docs"] = len(corpus)
    out["corpus_docs_per_s"] = len(corpus) / (time.perf_counter() - start)
    print(json.dumps(out))


if __name__ == "__main__":
    sys.exit(main())
