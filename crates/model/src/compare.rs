//! Is a new model better than the current one on the same rows? McNemar's test on the rows
//! where exactly one of them is right, with the exact binomial distribution (valid for any
//! number of such rows, where the chi-square form needs many).

use serde::Serialize;

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
}
