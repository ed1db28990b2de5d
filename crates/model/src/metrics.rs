//! Classification metrics: accuracy, macro-F1 and top-k, with per-label detail.

use linfa::prelude::ToConfusionMatrix;
use ndarray::Array1;
use serde::{Deserialize, Serialize};

/// Precision, recall and F1 of one label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelMetrics {
    /// The label's name.
    pub label: String,
    /// Of the documents whose best prediction is this label, the share truly labelled so
    /// (0 when it was never predicted).
    pub precision: f64,
    /// Of the documents truly labelled so, the share whose best prediction is this label
    /// (0 without such documents).
    pub recall: f64,
    /// Harmonic mean of precision and recall (0 when both are 0).
    pub f1: f64,
    /// Documents with this true label.
    pub support: usize,
}

/// Metrics of ranked predictions against true labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Documents evaluated.
    pub n: usize,
    /// Share of documents whose best prediction is the true label.
    pub accuracy: f64,
    /// Mean F1 over labels that occur in the truth or the predictions.
    pub macro_f1: f64,
    /// Share of documents whose true label is among the three best.
    pub top3_accuracy: f64,
    /// One entry per label that occurs in the truth or the best predictions, in label order.
    pub per_label: Vec<LabelMetrics>,
    /// The most frequent mistakes: true label predicted as another, most frequent first.
    #[serde(default)]
    pub confused: Vec<Confusion>,
}

/// How often one label was predicted for another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    /// The true label.
    pub truth: String,
    /// The label predicted best instead.
    pub predicted: String,
    /// Documents with this mistake.
    pub count: usize,
}

/// Confused pairs reported.
const CONFUSED_PAIRS: usize = 10;

impl Metrics {
    /// The metrics as a plain-text table, each line prefixed by `indent`: one summary line,
    /// one line per label, then the most confused pairs.
    pub fn table(&self, indent: &str) -> String {
        let m = self;
        let mut t = format!(
            "{indent}rows {}  accuracy {:.4}  macro-F1 {:.4}  top-3 {:.4}\n{indent}{:<24} {:>9} {:>7} {:>7} {:>8}\n",
            m.n, m.accuracy, m.macro_f1, m.top3_accuracy, "label", "precision", "recall", "F1", "support"
        );
        for l in &m.per_label {
            t += &format!(
                "{indent}{:<24} {:>9.4} {:>7.4} {:>7.4} {:>8}\n",
                l.label, l.precision, l.recall, l.f1, l.support
            );
        }
        if !m.confused.is_empty() {
            t += &format!("{indent}most confused (true → predicted: rows):\n");
            for c in &m.confused {
                t += &format!("{indent}  {} → {}: {}\n", c.truth, c.predicted, c.count);
            }
        }
        t
    }

    /// Computes metrics from label indices: `truth[i]` and the ranking `ranked[i]` (best
    /// first) of document `i`; `labels` names the indices.
    pub fn compute(labels: &[String], truth: &[usize], ranked: &[Vec<usize>]) -> Metrics {
        let n = truth.len();
        let top1: Vec<usize> = ranked
            .iter()
            .map(|r| r.first().copied().unwrap_or(usize::MAX))
            .collect();
        let hits_at = |k: usize| {
            truth
                .iter()
                .zip(ranked)
                .filter(|(t, r)| r.iter().take(k).any(|p| p == *t))
                .count()
        };
        let mut tp = vec![0usize; labels.len()];
        let mut predicted = vec![0usize; labels.len()];
        let mut support = vec![0usize; labels.len()];
        let mut mistakes: std::collections::HashMap<(usize, usize), usize> = Default::default();
        for (&t, &p) in truth.iter().zip(&top1) {
            support[t] += 1;
            if let Some(c) = predicted.get_mut(p) {
                *c += 1;
            }
            if t == p {
                tp[t] += 1;
            } else if p < labels.len() {
                *mistakes.entry((t, p)).or_insert(0) += 1;
            }
        }
        let mut confused: Vec<Confusion> = mistakes
            .into_iter()
            .map(|((t, p), count)| Confusion {
                truth: labels[t].clone(),
                predicted: labels[p].clone(),
                count,
            })
            .collect();
        confused.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| (&a.truth, &a.predicted).cmp(&(&b.truth, &b.predicted)))
        });
        confused.truncate(CONFUSED_PAIRS);
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let per_label: Vec<LabelMetrics> = (0..labels.len())
            .filter(|&k| support[k] + predicted[k] > 0)
            .map(|k| {
                let precision = ratio(tp[k], predicted[k]);
                let recall = ratio(tp[k], support[k]);
                let f1 = if precision + recall > 0.0 {
                    2.0 * precision * recall / (precision + recall)
                } else {
                    0.0
                };
                LabelMetrics {
                    label: labels[k].clone(),
                    precision,
                    recall,
                    f1,
                    support: support[k],
                }
            })
            .collect();
        let macro_f1 = if per_label.is_empty() {
            0.0
        } else {
            per_label.iter().map(|m| m.f1).sum::<f64>() / per_label.len() as f64
        };
        Metrics {
            n,
            accuracy: ratio(hits_at(1), n),
            macro_f1,
            top3_accuracy: ratio(hits_at(3), n),
            per_label,
            confused,
        }
    }

    /// Accuracy as linfa's confusion matrix computes it; a cross-check that our label indices
    /// and linfa's agree.
    pub fn linfa_accuracy(truth: &[usize], top1: &[usize]) -> Option<f32> {
        let p = Array1::from(top1.to_vec());
        let t = Array1::from(truth.to_vec());
        p.confusion_matrix(&t).ok().map(|cm| cm.accuracy())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_hand_computed_values() {
        let labels: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let truth = [0, 0, 1, 2];
        let ranked = vec![vec![0, 1, 2], vec![1, 0, 2], vec![1, 2, 0], vec![0, 1, 2]];
        let m = Metrics::compute(&labels, &truth, &ranked);
        assert_eq!(m.n, 4);
        assert_eq!(m.accuracy, 0.5);
        // a: p=1/2 r=1/2 f1=.5; b: p=1/2 r=1 f1=2/3; c: p=0 r=0 f1=0.
        assert!((m.macro_f1 - (0.5 + 2.0 / 3.0) / 3.0).abs() < 1e-12);
        assert_eq!(m.top3_accuracy, 1.0);
        // a→b once, b→… never, c→a once: ties sorted by label.
        let pairs: Vec<(&str, &str, usize)> = m
            .confused
            .iter()
            .map(|c| (c.truth.as_str(), c.predicted.as_str(), c.count))
            .collect();
        assert_eq!(pairs, [("a", "b", 1), ("c", "a", 1)]);
        assert_eq!(Metrics::linfa_accuracy(&truth, &[0, 1, 1, 0]), Some(0.5));
    }
}
