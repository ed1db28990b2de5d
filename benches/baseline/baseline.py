"""The stack a bureau would build instead: Python jieba + scikit-learn.

Same data and features as petition-router's default model (jieba words with the duty-list
keywords in its dictionary, plus character 1-2-grams; sub-linear tf-idf; min_df 2; a linear
SVM trained on tipdm2020/train.jsonl), and timed the same way as benches/per_document.rs:
one document at a time, median per length group, then the whole unlabelled corpus.
Prints one JSON object. Run through compare.sh, which installs the packages.
"""

import json
import statistics
import sys
import time

from sklearn.svm import LinearSVC

from pipeline import DATA, Features, load_keywords, texts

LENGTHS = [("short_100", 100), ("median_230", 230), ("average_410", 410), ("long_1000", 1000)]
REPEATS = 20


def main():
    load_keywords()
    train = texts(DATA / "tipdm2020" / "train.jsonl")
    features = Features()
    x = features.fit_transform([r["text"] for r in train])
    model = LinearSVC(C=1.0).fit(x, [r["label"] for r in train])

    def route(text):
        return model.decision_function(features.transform([text]))

    corpus = [r["text"] for r in texts(DATA / "tipdm2020" / "unlabelled.jsonl")]
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
