//! Fusion of model probabilities and keyword scores into one calibrated confidence per label.
//!
//! Each of a petition's best model labels is a candidate described by a few numbers (model
//! probability, keyword evidence for the label's departments, ...). A logistic layer, fitted
//! with linfa on held-out folds, turns them into the probability that the candidate is right;
//! the candidates' probabilities are then normalised. Dense and tiny: exactly what
//! linfa-logistic is made for.

use linfa::prelude::*;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2};
use pr_model::FusionWeights;

/// Names of the candidate features, in order. Stored with the weights so that a model fitted
/// with other features is refused instead of misread.
pub const INPUTS: [&str; N_INPUTS] = [
    "log_probability",
    "keyword_log",
    "keyword_share",
    "model_top",
    "line_log_probability",
    "level_log_probability",
    "hint_district_agrees",
    "text_district_agrees",
    "town_agrees",
    "place_conflicts",
];

/// Number of candidate features.
pub const N_INPUTS: usize = 10;

/// How many of the model's best labels become candidates.
pub const CANDIDATES: usize = 8;

/// The evidence of one candidate label.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Candidate {
    pub label: usize,
    pub probability: f32,
    /// Best keyword score among the label's departments.
    pub keyword: f32,
    /// Model probability of the label's line of duty, summed over its units at every place.
    pub line_probability: f32,
    /// Model probability of the label's place: of the units of its district, or of the
    /// city-level units for a city-level label.
    pub level_probability: f32,
    /// How the label's place fits the petition's.
    pub place: PlaceFit,
    /// Why the label is a candidate.
    pub reason: Reason,
}

/// How a candidate unit's place fits the petition's place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PlaceFit {
    /// A district or town unit in the district of the region hint.
    pub hint_district: bool,
    /// A district or town unit in the district the text names.
    pub text_district: bool,
    /// A town unit of the town the petition names.
    pub town: bool,
    /// A district or town unit elsewhere than the petition's district.
    pub conflict: bool,
}

/// Why a label became a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reason {
    /// Among the model's best labels.
    #[default]
    Model,
    /// The unit of a likely line of duty at the petition's place.
    LocalUnit,
    /// The government of the petition's place.
    PlaceGovernment,
}

/// Features of a candidate; `max_keyword` is the best keyword score of the whole petition.
pub fn features(c: &Candidate, max_keyword: f32, is_top: bool) -> [f64; N_INPUTS] {
    let flag = |b: bool| f64::from(u8::from(b));
    [
        f64::from(c.probability.max(1e-6)).ln(),
        f64::from(c.keyword).ln_1p(),
        f64::from(c.keyword / (max_keyword + 1.0)),
        flag(is_top),
        f64::from(c.line_probability.max(1e-6)).ln(),
        f64::from(c.level_probability.max(1e-6)).ln(),
        flag(c.place.hint_district),
        flag(c.place.text_district),
        flag(c.place.town),
        flag(c.place.conflict),
    ]
}

/// Fused confidences of `candidates` (sorted by model probability, best first), normalised to
/// sum to one. Without a fusion layer the model probabilities are used as they are.
pub fn confidences(
    fusion: Option<&FusionWeights>,
    candidates: &[Candidate],
    max_keyword: f32,
    out: &mut Vec<f32>,
) {
    out.clear();
    match fusion {
        None => out.extend(candidates.iter().map(|c| c.probability)),
        Some(f) => out.extend(candidates.iter().enumerate().map(|(i, c)| {
            let x = features(c, max_keyword, i == 0);
            let z: f64 = f.intercept + x.iter().zip(&f.weights).map(|(a, b)| a * b).sum::<f64>();
            (1.0 / (1.0 + (-z).exp())) as f32
        })),
    }
    let sum: f32 = out.iter().sum();
    if sum > 0.0 {
        out.iter_mut().for_each(|v| *v /= sum);
    }
}

/// Why the fusion layer could not be fitted.
#[derive(Debug, thiserror::Error)]
pub enum FusionError {
    #[error("held-out candidates are all right or all wrong: nothing to calibrate")]
    OneClass,
    #[error("fusion layer did not fit: {0}")]
    Fit(#[from] linfa_logistic::error::Error),
}

/// Fits the fusion layer on candidate rows: `rows[i]` with `correct[i]` telling whether the
/// candidate was the true label.
pub fn fit(rows: &[[f64; N_INPUTS]], correct: &[bool]) -> Result<FusionWeights, FusionError> {
    if !correct.iter().any(|&c| c) || correct.iter().all(|&c| c) {
        return Err(FusionError::OneClass);
    }
    let x = Array2::from_shape_fn((rows.len(), INPUTS.len()), |(i, j)| rows[i][j]);
    let y = Array1::from(correct.to_vec());
    let fitted = LogisticRegression::default()
        .alpha(1e-3)
        .max_iterations(200)
        .fit(&Dataset::new(x, y))?;
    // linfa models P(larger class); candidates are mostly wrong, so flip signs when the
    // "positive" class it chose is `false`.
    let sign = if fitted.labels().pos.class { 1.0 } else { -1.0 };
    Ok(FusionWeights {
        inputs: INPUTS.iter().map(|s| s.to_string()).collect(),
        weights: fitted.params().iter().map(|w| sign * w).collect(),
        intercept: sign * fitted.intercept(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_that_keywords_help() {
        // Synthetic: the right candidate has higher probability or keyword evidence.
        let mut rows = Vec::new();
        let mut correct = Vec::new();
        for i in 0..200 {
            let kw = (i % 5) as f32;
            let right = Candidate {
                label: 0,
                probability: 0.5,
                keyword: kw,
                ..Candidate::default()
            };
            let wrong = Candidate {
                label: 1,
                probability: 0.5,
                ..Candidate::default()
            };
            rows.push(features(&right, kw, true));
            correct.push(kw > 0.0 || i % 2 == 0);
            rows.push(features(&wrong, kw, false));
            correct.push(kw == 0.0 && i % 2 == 1);
        }
        let w = fit(&rows, &correct).unwrap();
        assert!(w.weights[1] > 0.0, "{w:?}");
        let mut out = Vec::new();
        let cands = [
            Candidate {
                label: 0,
                probability: 0.5,
                ..Candidate::default()
            },
            Candidate {
                label: 1,
                probability: 0.5,
                keyword: 4.0,
                ..Candidate::default()
            },
        ];
        confidences(Some(&w), &cands, 4.0, &mut out);
        assert!(out[1] > out[0], "{out:?}");
        assert!((out.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }

    #[test]
    fn refuses_degenerate_data() {
        assert!(fit(&[[0.0; N_INPUTS]; 3], &[false; 3]).is_err());
    }
}
