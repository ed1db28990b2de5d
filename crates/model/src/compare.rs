//! Is a new model better than the current one on the same rows? McNemar's test on the rows
//! where exactly one of them is right, with the exact binomial distribution (valid for any
//! number of such rows, where the chi-square form needs many); the F1 change of each label;
//! and the rule `eval --baseline` reports and `promote` enforces.

use crate::Metrics;
use serde::Serialize;

/// Significance level of the promotion gate.
pub const GATE_ALPHA: f64 = 0.05;

/// A new model judged against the current one on the same rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Judgement {
    /// McNemar's test on the rows where exactly one model is right.
    pub comparison: Comparison,
    /// F1 change by label (new − current), largest change first.
    pub per_label_f1_delta: Vec<LabelDelta>,
    /// The new model must not replace the current one: it gets fewer rows right, or
    /// McNemar finds it significantly worse.
    pub worse: bool,
}

/// Judges `new` against `current`: their metrics and per-row correctness on the same rows,
/// in the same order.
pub fn judge(
    new: &Metrics,
    new_right: &[bool],
    current: &Metrics,
    current_right: &[bool],
) -> Judgement {
    let comparison = mcnemar(new_right, current_right, GATE_ALPHA);
    let worse = new.accuracy < current.accuracy || comparison.verdict == Verdict::Worse;
    Judgement {
        per_label_f1_delta: label_f1_deltas(new, current),
        comparison,
        worse,
    }
}

/// F1 change of one label between two evaluations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelDelta {
    /// The label's name.
    pub label: String,
    /// Its F1 under the new model (0 when absent there).
    pub new: f64,
    /// Its F1 under the baseline (0 when absent there).
    pub baseline: f64,
    /// `new − baseline`.
    pub delta: f64,
}

/// Per-label F1 changes, largest change first; a label missing on one side counts as 0.
pub fn label_f1_deltas(new: &Metrics, baseline: &Metrics) -> Vec<LabelDelta> {
    let f1 = |m: &Metrics, label: &str| {
        m.per_label
            .iter()
            .find(|l| l.label == label)
            .map_or(0.0, |l| l.f1)
    };
    let mut labels: Vec<&str> = new
        .per_label
        .iter()
        .chain(&baseline.per_label)
        .map(|l| l.label.as_str())
        .collect();
    labels.sort_unstable();
    labels.dedup();
    let mut deltas: Vec<LabelDelta> = labels
        .into_iter()
        .map(|label| {
            let (n, b) = (f1(new, label), f1(baseline, label));
            LabelDelta {
                label: label.to_string(),
                new: n,
                baseline: b,
                delta: n - b,
            }
        })
        .collect();
    deltas.sort_by(|a, b| b.delta.abs().total_cmp(&a.delta.abs()));
    deltas
}

/// The outcome of comparing two models row by row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// Rows the new model gets right and the baseline wrong.
    pub new_only_right: usize,
    /// Rows the baseline gets right and the new model wrong.
    pub baseline_only_right: usize,
    /// Two-sided p-value of "both are equally good".
    pub p_value: f64,
    /// Significance level the verdict uses.
    pub alpha: f64,
    /// Better, worse, or no significant difference at `alpha`.
    pub verdict: Verdict,
}

/// What the comparison says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Significantly more rows right.
    Better,
    /// Significantly fewer rows right.
    Worse,
    /// The difference could be chance.
    NoSignificantDifference,
}

/// Compares per-row correctness of a new model and a baseline (same rows, same order).
pub fn mcnemar(new_right: &[bool], baseline_right: &[bool], alpha: f64) -> Comparison {
    let (mut b, mut c) = (0usize, 0usize);
    for (&n, &o) in new_right.iter().zip(baseline_right) {
        match (n, o) {
            (true, false) => b += 1,
            (false, true) => c += 1,
            _ => {}
        }
    }
    let p_value = binomial_two_sided(b, c);
    let verdict = if p_value >= alpha {
        Verdict::NoSignificantDifference
    } else if b > c {
        Verdict::Better
    } else {
        Verdict::Worse
    };
    Comparison {
        new_only_right: b,
        baseline_only_right: c,
        p_value,
        alpha,
        verdict,
    }
}

/// P(X ≤ min(b, c)) · 2 for X ~ Binomial(b + c, ½), capped at 1; summed in log space so that
/// large counts neither overflow nor underflow.
fn binomial_two_sided(b: usize, c: usize) -> f64 {
    let n = b + c;
    if n == 0 {
        return 1.0;
    }
    let k_max = b.min(c);
    let ln_half_n = n as f64 * 0.5f64.ln();
    // ln C(n, k), built up from k = 0.
    let mut ln_choose = 0.0f64;
    let mut terms = Vec::with_capacity(k_max + 1);
    for k in 0..=k_max {
        if k > 0 {
            ln_choose += ((n - k + 1) as f64).ln() - (k as f64).ln();
        }
        terms.push(ln_choose + ln_half_n);
    }
    let max = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let tail = max.exp() * terms.iter().map(|t| (t - max).exp()).sum::<f64>();
    (2.0 * tail).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_p_values_match_the_binomial_by_hand() {
        // b = 0, c = 5: 2 · 0.5^5.
        assert!((binomial_two_sided(0, 5) - 0.0625).abs() < 1e-12);
        // b = 2, c = 8: 2 · (1 + 10 + 45) / 1024.
        assert!((binomial_two_sided(2, 8) - 112.0 / 1024.0).abs() < 1e-12);
        assert_eq!(binomial_two_sided(5, 5), 1.0);
        assert_eq!(binomial_two_sided(0, 0), 1.0);
        // Large counts stay finite and tiny.
        let p = binomial_two_sided(40_000, 41_500);
        assert!(p > 0.0 && p < 1e-6, "{p}");
    }

    #[test]
    fn verdict_needs_significance_and_a_direction() {
        let new = [true; 30];
        let mut old = [true; 30];
        old[..12].iter_mut().for_each(|o| *o = false);
        let better = mcnemar(&new, &old, 0.05);
        assert_eq!((better.new_only_right, better.baseline_only_right), (12, 0));
        assert_eq!(better.verdict, Verdict::Better);
        assert_eq!(mcnemar(&old, &new, 0.05).verdict, Verdict::Worse);
        // 3 against 0 could be chance (p = 0.25).
        let few = mcnemar(&new[..3], &old[..3], 0.05);
        assert_eq!(few.verdict, Verdict::NoSignificantDifference);
        let tie = mcnemar(&[true, false], &[false, true], 0.05);
        assert_eq!(tie.verdict, Verdict::NoSignificantDifference);
    }

    /// Metrics with the given accuracy and one F1 per label.
    fn metrics(accuracy: f64, f1: &[(&str, f64)]) -> Metrics {
        Metrics {
            n: 30,
            accuracy,
            macro_f1: 0.0,
            top3_accuracy: 0.0,
            per_label: f1
                .iter()
                .map(|&(label, f1)| crate::LabelMetrics {
                    label: label.to_string(),
                    precision: f1,
                    recall: f1,
                    f1,
                    support: 10,
                })
                .collect(),
            confused: Vec::new(),
        }
    }

    #[test]
    fn a_model_with_fewer_rows_right_is_worse_even_when_not_significantly() {
        let (new, current) = ([true, true, false], [true, true, true]);
        let j = judge(&metrics(2.0 / 3.0, &[]), &new, &metrics(1.0, &[]), &current);
        assert_eq!(j.comparison.verdict, Verdict::NoSignificantDifference);
        assert!(j.worse);
        let same = judge(&metrics(1.0, &[]), &current, &metrics(1.0, &[]), &current);
        assert!(!same.worse);
    }

    #[test]
    fn a_significantly_better_model_passes_the_gate() {
        let new = [true; 30];
        let mut current = [true; 30];
        current[..12].iter_mut().for_each(|o| *o = false);
        let j = judge(&metrics(1.0, &[]), &new, &metrics(0.6, &[]), &current);
        assert_eq!(j.comparison.verdict, Verdict::Better);
        assert!(!j.worse);
    }

    #[test]
    fn label_deltas_cover_both_sides_largest_change_first() {
        let new = metrics(0.9, &[("城建", 0.9), ("教育", 0.5)]);
        let current = metrics(0.8, &[("城建", 0.8), ("环保", 0.7)]);
        let deltas = label_f1_deltas(&new, &current);
        let got: Vec<(&str, f64)> = deltas.iter().map(|d| (d.label.as_str(), d.delta)).collect();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].0, "环保");
        assert!((got[0].1 + 0.7).abs() < 1e-12);
        assert_eq!(got[1].0, "教育");
        assert!((got[2].1 - 0.1).abs() < 1e-12);
    }
}
