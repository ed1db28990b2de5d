//! The trained linear scorer: one weight row per kept hash bucket.

use crate::sparse::SparseDocs;
use crate::ModelError;
use linfa::traits::PredictInplace;
use ndarray::Array1;

/// Linear scores `x · W + b` over hashed features, for `n_labels` labels, where `x` is the
/// document's sub-linear term frequencies weighted by idf and scaled to unit length over the
/// features the model knows (exactly as in training).
#[derive(Debug, Clone, PartialEq)]
pub struct LinearClassifier {
    dimension: usize,
    n_labels: usize,
    /// Kept buckets, sorted; row `j` of `weights` belongs to `buckets[j]`.
    buckets: Vec<u32>,
    /// Inverse document frequency per row.
    idf: Vec<f32>,
    /// Row-major `buckets.len() × n_labels`.
    weights: Vec<f32>,
    bias: Vec<f32>,
    /// Bucket → row, `u32::MAX` when the bucket has no weights. Derived, not stored.
    index: Vec<u32>,
}

impl LinearClassifier {
    /// Assembles a classifier, checking that the parts fit together.
    pub fn new(
        dimension: usize,
        n_labels: usize,
        buckets: Vec<u32>,
        idf: Vec<f32>,
        weights: Vec<f32>,
        bias: Vec<f32>,
    ) -> Result<Self, ModelError> {
        let bad = |m: String| Err(ModelError::InvalidData(m));
        if idf.len() != buckets.len() {
            return bad(format!(
                "{} idf values for {} buckets",
                idf.len(),
                buckets.len()
            ));
        }
        if bias.len() != n_labels || weights.len() != buckets.len() * n_labels {
            return bad(format!(
                "weights do not fit: {} buckets x {} labels needs {} weights and {} biases, got {} and {}",
                buckets.len(),
                n_labels,
                buckets.len() * n_labels,
                n_labels,
                weights.len(),
                bias.len()
            ));
        }
        if !buckets.windows(2).all(|w| w[0] < w[1]) {
            return bad("feature buckets are not strictly increasing".into());
        }
        if buckets.last().is_some_and(|&b| b as usize >= dimension) {
            return bad(format!(
                "a feature bucket lies outside the hash space of {dimension}"
            ));
        }
        if !weights
            .iter()
            .chain(&bias)
            .chain(&idf)
            .all(|w| w.is_finite())
        {
            return bad("weights contain NaN or infinity".into());
        }
        let mut index = vec![u32::MAX; dimension];
        for (row, &b) in buckets.iter().enumerate() {
            index[b as usize] = row as u32;
        }
        Ok(LinearClassifier {
            dimension,
            n_labels,
            buckets,
            idf,
            weights,
            bias,
            index,
        })
    }

    /// Number of labels.
    pub fn n_labels(&self) -> usize {
        self.n_labels
    }

    /// Hash space size.
    pub fn dimension(&self) -> usize {
        self.dimension
    }

    /// Kept buckets, sorted.
    pub fn buckets(&self) -> &[u32] {
        &self.buckets
    }

    /// Inverse document frequency per kept bucket.
    pub fn idf(&self) -> &[f32] {
        &self.idf
    }

    /// All weights, row-major by bucket.
    pub fn weights(&self) -> &[f32] {
        &self.weights
    }

    /// Per-label bias.
    pub fn bias(&self) -> &[f32] {
        &self.bias
    }

    /// The idf and the weights for every label of `bucket`, if the model knows the bucket.
    #[inline]
    pub fn row(&self, bucket: u32) -> Option<(f32, &[f32])> {
        let r = *self.index.get(bucket as usize)? as usize;
        let idf = *self.idf.get(r)?;
        let start = r * self.n_labels;
        Some((idf, self.weights.get(start..start + self.n_labels)?))
    }

    /// Length of the idf-weighted vector of `x` over the known features; divide by it to get
    /// the values the weights apply to.
    pub fn norm(&self, x: impl Iterator<Item = (u32, f32)>) -> f32 {
        x.filter_map(|(b, v)| self.row(b).map(|(idf, _)| (v * idf) * (v * idf)))
            .sum::<f32>()
            .sqrt()
    }

    /// Writes the score of every label for term frequencies `x` into `out`.
    pub fn scores_into(&self, x: impl Iterator<Item = (u32, f32)>, out: &mut Vec<f32>) {
        out.clear();
        out.resize(self.n_labels, 0.0);
        let mut sq = 0f32;
        for (bucket, value) in x {
            if let Some((idf, row)) = self.row(bucket) {
                let v = value * idf;
                sq += v * v;
                for (o, w) in out.iter_mut().zip(row) {
                    *o += w * v;
                }
            }
        }
        // Scaling after the sum equals scaling each value first: one pass instead of two.
        let scale = if sq > 0.0 { sq.sqrt().recip() } else { 0.0 };
        for (o, b) in out.iter_mut().zip(&self.bias) {
            *o = *o * scale + b;
        }
    }
}

/// Index of the largest score (first on ties).
pub(crate) fn argmax(scores: &[f32]) -> usize {
    scores
        .iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |best, (i, &s)| {
            if s > best.1 {
                (i, s)
            } else {
                best
            }
        })
        .0
}

impl PredictInplace<SparseDocs, Array1<usize>> for LinearClassifier {
    fn predict_inplace(&self, x: &SparseDocs, y: &mut Array1<usize>) {
        let mut scores = Vec::with_capacity(self.n_labels);
        for (i, out) in y.iter_mut().enumerate().take(x.len()) {
            let (idx, val) = x.row(i);
            self.scores_into(idx.iter().copied().zip(val.iter().copied()), &mut scores);
            *out = argmax(&scores);
        }
    }

    fn default_target(&self, x: &SparseDocs) -> Array1<usize> {
        Array1::zeros(x.len())
    }
}
