"""How far a history's labels agree with themselves: under the stratified 5-fold split of
quality.py, each held-out petition's nearest training petition (cosine similarity of the
baseline's tf-idf features) and whether the two carry the same label, by similarity. Where
near-identical texts carry different labels, no text classifier can be right on both: this
bounds the accuracy any model can reach. Prints one JSON object. Run through label_agreement.sh.

    label_agreement.py dalian/train.jsonl
"""

import argparse
import json

import numpy as np
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import normalize

from pipeline import DATA, Features, history, load_keywords

THRESHOLDS = (0.5, 0.7, 0.9, 0.95, 0.99)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("history", help="labelled JSONL, relative to ../shared/data")
    args = parser.parse_args()
    load_keywords()
    docs, labels = history(DATA / args.history)
    similarity = np.empty(len(docs))
    agrees = np.empty(len(docs), dtype=bool)
    unseen = 0
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=42)
    for train, test in folds.split(docs, labels):
        features = Features()
        x_train = normalize(features.fit_transform([docs[i] for i in train]))
        x_test = normalize(features.transform([docs[i] for i in test]))
        s = (x_test @ x_train.T).toarray()
        nearest = s.argmax(axis=1)
        similarity[test] = s.max(axis=1)
        agrees[test] = labels[train][nearest] == labels[test]
        unseen += np.isin(labels[test], labels[train], invert=True).sum()
    by_similarity = []
    for t in THRESHOLDS:
        near = similarity > t
        by_similarity.append({
            "similarity_over": t,
            "petitions": int(near.sum()),
            "same_label": round(float(agrees[near].mean()), 3) if near.any() else None,
        })
    print(json.dumps({
        "history": args.history,
        "n": len(docs),
        "label_unseen_in_training_fold": round(unseen / len(docs), 4),
        "nearest_neighbour": by_similarity,
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
