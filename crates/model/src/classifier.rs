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
    /// Kept buckets, sorted; row `j` of `rows` belongs to `buckets[j]`.
    buckets: Vec<u32>,
    /// Row-major `buckets.len() × (1 + n_labels)`: each row is the bucket's idf followed by
    /// its weight per label, so that scoring a feature touches one cache line, not two.
    rows: Vec<f32>,
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
        let rows = (0..buckets.len())
            .flat_map(|r| {
                std::iter::once(idf[r])
                    .chain(weights[r * n_labels..(r + 1) * n_labels].iter().copied())
            })
            .collect();
        Ok(LinearClassifier {
            dimension,
            n_labels,
            buckets,
            rows,
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
    pub fn idf(&self) -> impl Iterator<Item = f32> + '_ {
        self.rows.iter().step_by(self.stride()).copied()
    }

    /// All weights, row-major by bucket.
    pub fn weights(&self) -> impl Iterator<Item = f32> + '_ {
        self.rows
            .chunks_exact(self.stride())
            .flat_map(|row| row[1..].iter().copied())
    }

    fn stride(&self) -> usize {
        1 + self.n_labels
    }

    /// Per-label bias.
    pub fn bias(&self) -> &[f32] {
        &self.bias
    }

    /// The row of `bucket`, if the model knows the bucket.
    #[inline]
    fn row_of(&self, bucket: u32) -> Option<u32> {
        self.index
            .get(bucket as usize)
            .copied()
            .filter(|&r| r != u32::MAX)
    }

    /// The idf and the weight per label of a row found by [`Self::lookup_rows`].
    #[inline]
    pub fn row(&self, row: u32) -> (f32, &[f32]) {
        let start = row as usize * self.stride();
        let packed = &self.rows[start..start + self.stride()];
        (packed[0], &packed[1..])
    }

    /// Writes the row of each bucket into `rows` (`None` for buckets the model does not know).
    /// Looking all rows up before summing lets the independent cache misses overlap.
    pub fn lookup_rows(&self, buckets: impl Iterator<Item = u32>, rows: &mut Vec<Option<u32>>) {
        rows.clear();
        rows.extend(buckets.map(|b| self.row_of(b)));
    }

    /// Writes the score of every label for term frequencies `x` into `out`.
    pub fn scores_into(&self, x: impl Iterator<Item = (u32, f32)>, out: &mut Vec<f32>) {
        self.sum_rows(x.filter_map(|(b, v)| Some((self.row_of(b)?, v))), out);
    }

    /// Writes the label scores of `(row, term frequency)` pairs into `out` and returns the
    /// factor that scaled the idf-weighted values to unit length (0 for no known feature).
    pub fn sum_rows(&self, x: impl Iterator<Item = (u32, f32)>, out: &mut Vec<f32>) -> f32 {
        out.clear();
        out.resize(self.n_labels, 0.0);
        let mut sq = 0f32;
        for (row, value) in x {
            let (idf, weights) = self.row(row);
            let v = value * idf;
            sq += v * v;
            for (o, w) in out.iter_mut().zip(weights) {
                *o += w * v;
            }
        }
        // Scaling after the sum equals scaling each value first: one pass instead of two.
        let scale = if sq > 0.0 { sq.sqrt().recip() } else { 0.0 };
        for (o, b) in out.iter_mut().zip(&self.bias) {
            *o = *o * scale + b;
        }
        scale
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
