"""The baseline's quality under the protocol `petition-router train` reports: stratified 5-fold
cross-validation of a labelled history, each petition's title and text analysed together.
Prints one JSON object with n, accuracy, macro_f1 and top3_accuracy. Run through quality.sh.

    quality.py tipdm2020/train.jsonl [--word-ngrams 2] [--char-ngrams 1-3]
"""

import argparse
import json

import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from pipeline import DATA, Features, history, load_keywords


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("history", help="labelled JSONL, relative to ../shared/data")
    parser.add_argument("--word-ngrams", type=int, default=1)
    parser.add_argument("--char-ngrams", default="1-2")
    args = parser.parse_args()
    load_keywords()
    docs, labels = history(DATA / args.history)
    low, high = (int(n) for n in args.char_ngrams.split("-"))
    predicted = np.empty(len(docs), dtype=object)
    top3 = 0
    # Labels with fewer rows than folds make scikit-learn warn; they are kept, as in train.
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=42)
    for train, test in folds.split(docs, labels):
        features = Features(args.word_ngrams, (low, high))
        x = features.fit_transform([docs[i] for i in train])
        model = LinearSVC(C=1.0).fit(x, labels[train])
        scores = model.decision_function(features.transform([docs[i] for i in test]))
        predicted[test] = model.classes_[scores.argmax(axis=1)]
        best3 = model.classes_[np.argsort(-scores, axis=1)[:, :3]]
        top3 += sum(label in best for label, best in zip(labels[test], best3))
    print(json.dumps({
        "history": args.history,
        "features": f"words 1-{args.word_ngrams}, chars {args.char_ngrams}",
        "n": len(docs),
        "accuracy": round(accuracy_score(labels, predicted), 4),
        "macro_f1": round(f1_score(labels, predicted, average="macro"), 4),
        "top3_accuracy": round(top3 / len(docs), 4),
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
