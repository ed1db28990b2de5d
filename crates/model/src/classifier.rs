//! The trained linear scorer: one weight row per kept hash bucket.

use crate::sparse::SparseDocs;
use crate::{DataError, ModelError};
use linfa::traits::PredictInplace;
use ndarray::Array1;
use pr_text::prefetch;

/// Linear scores `x · W + b` over hashed features, for `n_labels` labels, where `x` is the
/// document's sub-linear term frequencies weighted by idf and scaled to unit length over the
/// features the model knows (exactly as in training).
#[derive(Debug, Clone, PartialEq)]
pub struct LinearClassifier {
    dimension: usize,
    n_labels: usize,
    /// Kept buckets, sorted; row `j` of `rows` belongs to `buckets[j]`.
    buckets: Vec<u32>,
    /// Row-major `buckets.len() × stride`: each row is the bucket's idf followed by its weight
    /// per label and zeros up to whole lanes, so that scoring a feature touches one cache line
    /// (7 labels: exactly 8 floats) and sums run in fixed-width chunks that vectorise.
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
        let bad = |e: DataError| Err(ModelError::InvalidData(e));
        if idf.len() != buckets.len() {
            return bad(DataError::IdfCount {
                idf: idf.len(),
                buckets: buckets.len(),
            });
        }
        if bias.len() != n_labels || weights.len() != buckets.len() * n_labels {
            return bad(DataError::WeightCount {
                buckets: buckets.len(),
                labels: n_labels,
                weights: weights.len(),
                biases: bias.len(),
            });
        }
        if !buckets.windows(2).all(|w| w[0] < w[1]) {
            return bad(DataError::BucketOrder);
        }
        if buckets.last().is_some_and(|&b| b as usize >= dimension) {
            return bad(DataError::BucketOutside(dimension));
        }
        if !weights
            .iter()
            .chain(&bias)
            .chain(&idf)
            .all(|w| w.is_finite())
        {
            return bad(DataError::NotFinite);
        }
        let mut index = vec![u32::MAX; dimension];
        for (row, &b) in buckets.iter().enumerate() {
            index[b as usize] = row as u32;
        }
        let stride = stride(n_labels);
        let mut rows = vec![0.0; buckets.len() * stride];
        for (r, row) in rows.chunks_exact_mut(stride).enumerate() {
            row[0] = idf[r];
            row[1..=n_labels].copy_from_slice(&weights[r * n_labels..(r + 1) * n_labels]);
        }
        Ok(LinearClassifier {
            dimension,
            n_labels,
            buckets,
            rows,
            bias,
            index,
        })
    }

    /// The columns of `self` followed by those of `other`, a classifier fitted for other
    /// targets on the same rows or on a part of them: every bucket either knows, with zero
    /// weights where one lacks it. A bucket both know keeps `self`'s idf; `other`'s weights
    /// are rescaled so that weight × idf, what a score adds up, stays the same (fitted on the
    /// same rows, both agree on the idf and nothing changes).
    pub fn join(&self, other: &LinearClassifier) -> Result<LinearClassifier, ModelError> {
        if self.dimension != other.dimension {
            return Err(DataError::JoinHashSpaces(self.dimension, other.dimension).into());
        }
        let n = self.n_labels + other.n_labels;
        let (mut buckets, mut idf, mut weights) = (Vec::new(), Vec::new(), Vec::new());
        let (mut i, mut j) = (0, 0);
        while i < self.buckets.len() || j < other.buckets.len() {
            let a = self.buckets.get(i).copied().unwrap_or(u32::MAX);
            let b = other.buckets.get(j).copied().unwrap_or(u32::MAX);
            let bucket = a.min(b);
            let mine = (a == bucket).then(|| self.row(i as u32));
            let theirs = (b == bucket).then(|| other.row(j as u32));
            buckets.push(bucket);
            idf.push(mine.or(theirs).map_or(0.0, |(f, _)| f));
            match mine {
                Some((_, w)) => weights.extend_from_slice(w),
                None => weights.extend(std::iter::repeat_n(0.0, self.n_labels)),
            }
            match theirs {
                Some((their_idf, w)) => {
                    let rescale = match mine {
                        Some((my_idf, _)) if my_idf > 0.0 => their_idf / my_idf,
                        _ => 1.0,
                    };
                    weights.extend(w.iter().map(|&x| x * rescale));
                }
                None => weights.extend(std::iter::repeat_n(0.0, other.n_labels)),
            }
            i += usize::from(mine.is_some());
            j += usize::from(theirs.is_some());
        }
        let bias = self.bias.iter().chain(&other.bias).copied().collect();
        LinearClassifier::new(self.dimension, n, buckets, idf, weights, bias)
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
            .flat_map(|row| row[1..=self.n_labels].iter().copied())
    }

    fn stride(&self) -> usize {
        stride(self.n_labels)
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
        (packed[0], &packed[1..=self.n_labels])
    }

    /// The idf of a row and its weight for one label.
    #[inline]
    pub fn weight(&self, row: u32, label: usize) -> (f32, f32) {
        let start = row as usize * self.stride();
        (self.rows[start], self.rows[start + 1 + label])
    }

    /// Calls `found(i, row)` for the `i`-th of `buckets` that the model knows, in order.
    /// Looking all rows up before summing lets the independent cache misses overlap.
    pub fn lookup_rows<I>(&self, buckets: I, mut found: impl FnMut(usize, u32))
    where
        I: Iterator<Item = u32> + Clone,
    {
        let mut ahead = buckets.clone().skip(PREFETCH_AHEAD);
        for (i, b) in buckets.enumerate() {
            if let Some(slot) = ahead.next().and_then(|a| self.index.get(a as usize)) {
                prefetch(slot);
            }
            if let Some(row) = self.row_of(b) {
                found(i, row);
            }
        }
    }

    /// Writes the score of every label for term frequencies `x` into `out`.
    pub fn scores_into<I>(&self, x: I, out: &mut Vec<f32>)
    where
        I: Iterator<Item = (u32, f32)> + Clone,
    {
        self.sum_rows(x.filter_map(|(b, v)| Some((self.row_of(b)?, v))), out);
    }

    /// Writes the label scores of `(row, term frequency)` pairs into `out` and returns the
    /// factor that scaled the idf-weighted values to unit length (0 for no known feature).
    /// `x` is walked twice (a clone runs ahead to prefetch), so it should be cheap to advance.
    pub fn sum_rows<I>(&self, x: I, out: &mut Vec<f32>) -> f32
    where
        I: Iterator<Item = (u32, f32)> + Clone,
    {
        // Whole rows are summed, idf lane included, then the label lanes are moved to the front.
        let stride = self.stride();
        out.clear();
        out.resize(stride, 0.0);
        let sq = if stride == LANES {
            // Up to 7 labels (a category model): the sums stay in registers, not in `out`.
            let mut sums = [[0f32; LANES]];
            let sq = self.accumulate(x, &mut sums);
            out.copy_from_slice(&sums[0]);
            sq
        } else {
            self.accumulate(x, out.as_chunks_mut::<LANES>().0)
        };
        out.copy_within(1..=self.n_labels, 0);
        out.truncate(self.n_labels);
        // Scaling after the sum equals scaling each value first: one pass instead of two.
        let scale = if sq > 0.0 { sq.sqrt().recip() } else { 0.0 };
        for (o, b) in out.iter_mut().zip(&self.bias) {
            *o = *o * scale + b;
        }
        scale
    }

    /// Adds each row of `x`, times its value times its idf, to `sums` (one chunk per lane
    /// group of a row); returns the squared length of the idf-weighted values.
    #[inline(always)]
    fn accumulate<I>(&self, x: I, sums: &mut [[f32; LANES]]) -> f32
    where
        I: Iterator<Item = (u32, f32)> + Clone,
    {
        let stride = self.stride();
        let mut sq = 0f32;
        let mut ahead = x.clone().skip(PREFETCH_AHEAD);
        for (row, value) in x {
            if let Some(slot) = ahead
                .next()
                .and_then(|(a, _)| self.rows.get(a as usize * stride))
            {
                prefetch(slot);
            }
            let start = row as usize * stride;
            let packed = &self.rows[start..start + stride];
            let v = value * packed[0];
            sq += v * v;
            for (o, w) in sums.iter_mut().zip(packed.as_chunks::<LANES>().0) {
                for lane in 0..LANES {
                    o[lane] += w[lane] * v;
                }
            }
        }
        sq
    }
}

/// How many features ahead the weights are requested from memory. The rows of a petition's
/// features lie far apart in a table of megabytes, so nearly every one misses the cache;
/// requesting them ahead lets many misses overlap (route() −13 %, criterion).
const PREFETCH_AHEAD: usize = 16;

/// Floats per chunk of a weight row.
const LANES: usize = 8;

/// Floats per weight row: idf and one weight per label, rounded up to whole lanes.
fn stride(n_labels: usize) -> usize {
    (1 + n_labels).next_multiple_of(LANES)
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
            self.scores_into(x.row(i), &mut scores);
            *out = argmax(&scores);
        }
    }

    fn default_target(&self, x: &SparseDocs) -> Array1<usize> {
        Array1::zeros(x.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scores by the formula, written out plainly.
    fn expected(idf: &[f32], weights: &[f32], bias: &[f32], x: &[(usize, f32)]) -> Vec<f32> {
        let n = bias.len();
        let norm = x
            .iter()
            .map(|&(r, v)| (v * idf[r]).powi(2))
            .sum::<f32>()
            .sqrt();
        (0..n)
            .map(|l| {
                x.iter()
                    .map(|&(r, v)| v * idf[r] / norm * weights[r * n + l])
                    .sum::<f32>()
                    + bias[l]
            })
            .collect()
    }

    #[test]
    fn scores_match_the_formula_for_any_label_count() {
        // 7 labels fill one lane exactly; 2 and 9 leave padding in the last lane.
        for n in [2usize, 7, 9] {
            let buckets = vec![3u32, 10, 42];
            let idf = vec![1.0, 1.5, 2.0];
            let weights: Vec<f32> = (0..3 * n).map(|i| (i as f32 * 0.37).sin()).collect();
            let bias: Vec<f32> = (0..n).map(|l| l as f32 * 0.01).collect();
            let c =
                LinearClassifier::new(64, n, buckets, idf.clone(), weights.clone(), bias.clone())
                    .unwrap();
            let mut out = Vec::new();
            // Bucket 5 is unknown to the model and must be ignored.
            c.scores_into([(3, 1.0), (5, 4.0), (42, 2.0)].into_iter(), &mut out);
            let want = expected(&idf, &weights, &bias, &[(0, 1.0), (2, 2.0)]);
            assert_eq!(out.len(), n);
            for (o, w) in out.iter().zip(&want) {
                assert!((o - w).abs() < 1e-5, "{n} labels: {out:?} vs {want:?}");
            }
            assert_eq!(c.weights().collect::<Vec<_>>(), weights);
            assert_eq!(c.idf().collect::<Vec<_>>(), idf);
        }
    }

    #[test]
    fn a_joined_classifier_scores_both_column_sets_as_they_scored_alone() {
        let idf = vec![1.0, 1.5, 2.0];
        let labels = LinearClassifier::new(
            64,
            2,
            vec![3, 10, 42],
            idf.clone(),
            vec![0.5; 6],
            vec![0.1, 0.2],
        )
        .unwrap();
        let lines = LinearClassifier::new(
            64,
            3,
            vec![3, 10, 42],
            idf,
            (0..9).map(|i| i as f32 / 10.0).collect(),
            vec![0.0, 0.3, -0.3],
        )
        .unwrap();
        let joined = labels.join(&lines).unwrap();
        assert_eq!(joined.n_labels(), 5);
        let x = [(3u32, 1.0f32), (42, 2.0)];
        let (mut a, mut b, mut both) = (Vec::new(), Vec::new(), Vec::new());
        labels.scores_into(x.into_iter(), &mut a);
        lines.scores_into(x.into_iter(), &mut b);
        joined.scores_into(x.into_iter(), &mut both);
        a.extend(b);
        for (j, s) in both.iter().zip(&a) {
            assert!((j - s).abs() < 1e-6, "{both:?} vs {a:?}");
        }
        // A bucket only one side knows gets zeros on the other.
        let other = LinearClassifier::new(64, 1, vec![5], vec![1.0], vec![2.0], vec![0.0]).unwrap();
        let j = labels.join(&other).unwrap();
        assert_eq!(j.buckets(), [3, 5, 10, 42]);
        assert_eq!(j.row(1).1, [0.0, 0.0, 2.0]);
    }

    #[test]
    fn a_head_fitted_on_part_of_the_rows_keeps_what_each_term_adds() {
        // The labels' idf of bucket 10 is 1.5; the head, fitted on fewer rows, saw it as 3.0.
        let labels =
            LinearClassifier::new(64, 1, vec![3, 10], vec![1.0, 1.5], vec![0.5; 2], vec![0.0])
                .unwrap();
        let head = LinearClassifier::new(64, 1, vec![10], vec![3.0], vec![0.4], vec![0.1]).unwrap();
        let joined = labels.join(&head).unwrap();
        assert_eq!(joined.row(1), (1.5, &[0.5, 0.8][..]), "0.4 × 3.0 / 1.5");
        let mut scores = Vec::new();
        // Rows 0 and 1: buckets 3 and 10.
        let scale = joined.sum_rows([(0u32, 1.0f32), (1, 2.0)].into_iter(), &mut scores);
        let expected = 2.0 * 3.0 * 0.4 * scale + 0.1;
        assert!((scores[1] - expected).abs() < 1e-6, "{scores:?}");
    }
}
