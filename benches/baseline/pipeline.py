"""What the baseline scripts share: the data, jieba with the duty keywords, and the features of
petition-router's default model (jieba words plus character 1-2-grams, sub-linear tf-idf,
min_df 2) as scikit-learn vectorizers."""

import json
import pathlib
import tomllib

import jieba
import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"


def texts(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def history(path):
    """A labelled history as the texts analysed (title and text together, as `train` does)
    and a numpy array of labels."""
    rows = texts(path)
    docs = [f"{r.get('title') or ''}\n{r['text']}".strip() for r in rows]
    return docs, np.array([r["label"] for r in rows])


def words(text):
    return [w for w in jieba.lcut(text, HMM=False) if any(c.isalnum() for c in w)]


def load_keywords():
    """Adds the duty-list keywords to jieba's dictionary, as petition-router does."""
    jieba.setLogLevel(60)
    for toml in sorted((ROOT / "keyword-lists").glob("*.toml")):
        with open(toml, "rb") as f:
            for keyword in tomllib.load(f).get("keywords", {}):
                if len(keyword) > 1:
                    jieba.add_word(keyword)


class Features:
    """Word n-grams (1..word_ngrams) and character n-grams (char_range), tf-idf, stacked."""

    def __init__(self, word_ngrams=1, char_range=(1, 2)):
        self.word = TfidfVectorizer(tokenizer=words, token_pattern=None, lowercase=False,
                                    ngram_range=(1, word_ngrams), sublinear_tf=True, min_df=2)
        self.char = TfidfVectorizer(analyzer="char", ngram_range=char_range,
                                    sublinear_tf=True, min_df=2)

    def fit_transform(self, docs):
        return hstack([self.word.fit_transform(docs), self.char.fit_transform(docs)]).tocsr()

    def transform(self, docs):
        return hstack([self.word.transform(docs), self.char.transform(docs)]).tocsr()
