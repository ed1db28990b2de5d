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
    /// per dense column and zeros up to whole lanes, so that scoring a feature touches one
    /// cache line (7 labels: exactly 8 floats) and sums run in fixed-width chunks that
    /// vectorise.
    rows: Vec<f32>,
    /// The first columns as a few (column, weight) pairs per row, when pruned; the dense
    /// columns of `rows` follow them.
    sparse: Option<SparseColumns>,
    bias: Vec<f32>,
    /// Bucket → row, `u32::MAX` when the bucket has no weights. Derived, not stored.
    index: Vec<u32>,
}

/// The first columns of a classifier kept sparse, in groups (each one softmax: the labels,
/// the line head): each row's weights in a group centred on their median, and only the
/// `per_row` largest deviations kept.
///
/// Why: dense rows make memory and scoring grow with the label count (1,000 units: ≈620 MB
/// and every feature summed into 1,000 lanes), while a feature speaks for only a few units.
/// Centring loses nothing: a constant per feature shifts every column of a group alike,
/// which the group's softmax cannot see. Dropping the small deviations kept the quality on
/// dalian (BENCHMARKS.md, "Many units").
#[derive(Debug, Clone, PartialEq)]
pub struct SparseColumns {
    /// Columns per group, the groups one after the other from column 0.
    groups: Vec<usize>,
    /// Their sum.
    columns: usize,
    per_row: usize,
    /// `per_row` pairs per row and group, by column; groups with fewer deviations are padded
    /// with `(0, 0.0)`. A fixed count needs no offsets, and 8 pairs fill one cache line.
    pairs: Vec<(u32, f32)>,
}

impl SparseColumns {
    /// Sparse columns in `groups` from their pairs, `per_row` for each group of each row in
    /// order.
    pub fn new(groups: Vec<usize>, per_row: usize, pairs: Vec<(u32, f32)>) -> Self {
        SparseColumns {
            // Saturating: absurd groups are then refused by the checks on assembly.
            columns: groups
                .iter()
                .fold(0, |sum: usize, &g| sum.saturating_add(g)),
            groups,
            per_row,
            pairs,
        }
    }

    /// How many of the classifier's columns are sparse (the first ones).
    pub fn columns(&self) -> usize {
        self.columns
    }

    /// Columns per group.
    pub fn groups(&self) -> &[usize] {
        &self.groups
    }

    /// Pairs per row and group.
    pub fn per_row(&self) -> usize {
        self.per_row
    }

    /// Every row's pairs, row after row.
    pub fn pairs(&self) -> &[(u32, f32)] {
        &self.pairs
    }

    /// Pairs of one row, all groups.
    fn row_len(&self) -> usize {
        self.per_row * self.groups.len()
    }

    #[inline]
    fn of_row(&self, row: u32) -> &[(u32, f32)] {
        let start = row as usize * self.row_len();
        &self.pairs[start..start + self.row_len()]
    }
}

/// The pruned form of one row's weights for a group that starts at column `first`: centred
/// on their median, the `per_row` largest deviations (the lower column first on ties), by
/// column, padded.
fn prune_row(weights: &[f32], first: usize, per_row: usize, out: &mut Vec<(u32, f32)>) {
    let mut sorted = weights.to_vec();
    sorted.sort_unstable_by(f32::total_cmp);
    let median = sorted[(sorted.len() - 1) / 2];
    let mut deviations: Vec<(u32, f32)> = weights
        .iter()
        .enumerate()
        .map(|(c, &w)| ((first + c) as u32, w - median))
        .filter(|&(_, d)| d != 0.0)
        .collect();
    deviations.sort_unstable_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
    deviations.truncate(per_row);
    deviations.sort_unstable_by_key(|&(c, _)| c);
    deviations.resize(per_row, (0, 0.0));
    out.extend_from_slice(&deviations);
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
        Self::with_sparse(dimension, n_labels, buckets, idf, weights, None, bias)
    }

    /// [`LinearClassifier::new`] for a classifier whose first columns are `sparse`; `weights`
    /// then holds only the other (dense) columns.
    pub fn with_sparse(
        dimension: usize,
        n_labels: usize,
        buckets: Vec<u32>,
        idf: Vec<f32>,
        weights: Vec<f32>,
        sparse: Option<SparseColumns>,
        bias: Vec<f32>,
    ) -> Result<Self, ModelError> {
        let bad = |e: DataError| Err(ModelError::InvalidData(e));
        if idf.len() != buckets.len() {
            return bad(DataError::IdfCount {
                idf: idf.len(),
                buckets: buckets.len(),
            });
        }
        let sparse_columns = sparse.as_ref().map_or(0, |s| s.columns);
        let dense = n_labels.saturating_sub(sparse_columns);
        if bias.len() != n_labels
            || sparse_columns > n_labels
            || weights.len() != buckets.len() * dense
        {
            return bad(DataError::WeightCount {
                buckets: buckets.len(),
                labels: dense,
                weights: weights.len(),
                biases: bias.len(),
            });
        }
        if let Some(s) = &sparse {
            let fits = s
                .per_row
                .checked_mul(s.groups.len())
                .and_then(|len| buckets.len().checked_mul(len))
                == Some(s.pairs.len());
            let inside = s
                .pairs
                .iter()
                .all(|&(c, w)| (c as usize) < s.columns && w.is_finite());
            let groups = !s.groups.is_empty() && s.groups.iter().all(|&g| g > 0);
            if !(fits && inside && groups && s.per_row > 0) {
                return bad(DataError::SparseColumns {
                    rows: buckets.len(),
                    per_row: s.per_row,
                    pairs: s.pairs.len(),
                    columns: s.columns,
                });
            }
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
        let stride = stride(dense);
        let mut rows = vec![0.0; buckets.len() * stride];
        for (r, row) in rows.chunks_exact_mut(stride).enumerate() {
            row[0] = idf[r];
            row[1..=dense].copy_from_slice(&weights[r * dense..(r + 1) * dense]);
        }
        Ok(LinearClassifier {
            dimension,
            n_labels,
            buckets,
            rows,
            sparse,
            bias,
            index,
        })
    }

    /// This dense classifier with its first columns made sparse, in `groups` of columns that
    /// each share one softmax (the labels, the line head), keeping `per_row` deviations per
    /// row and group ([`SparseColumns`]).
    pub fn prune_columns(&self, groups: &[usize], per_row: usize) -> Result<Self, ModelError> {
        let columns: usize = groups.iter().sum();
        let empty_group = groups.is_empty() || groups.contains(&0);
        if self.sparse.is_some() || columns > self.n_labels || per_row == 0 || empty_group {
            return Err(DataError::Prune {
                columns,
                per_row,
                labels: self.n_labels,
            }
            .into());
        }
        let mut pairs = Vec::with_capacity(self.buckets.len() * per_row * groups.len());
        let mut dense = Vec::with_capacity(self.buckets.len() * (self.n_labels - columns));
        for r in 0..self.buckets.len() as u32 {
            let (_, weights) = self.row(r);
            let mut first = 0;
            for &g in groups {
                prune_row(&weights[first..first + g], first, per_row, &mut pairs);
                first += g;
            }
            dense.extend_from_slice(&weights[columns..]);
        }
        Self::with_sparse(
            self.dimension,
            self.n_labels,
            self.buckets.clone(),
            self.idf().collect(),
            dense,
            Some(SparseColumns::new(groups.to_vec(), per_row, pairs)),
            self.bias.clone(),
        )
    }

    /// The sparse columns, when some are.
    pub fn sparse_columns(&self) -> Option<&SparseColumns> {
        self.sparse.as_ref()
    }

    /// Columns kept dense: all but the sparse ones.
    pub fn dense_columns(&self) -> usize {
        self.n_labels - self.sparse.as_ref().map_or(0, |s| s.columns)
    }

    /// The columns of `self` followed by those of `other`, a classifier fitted for other
    /// targets on the same rows or on a part of them: every bucket either knows, with zero
    /// weights where one lacks it. A bucket both know keeps `self`'s idf; `other`'s weights
    /// are rescaled so that weight × idf, what a score adds up, stays the same (fitted on the
    /// same rows, both agree on the idf and nothing changes).
    /// Both must be dense: prune after joining.
    pub fn join(&self, other: &LinearClassifier) -> Result<LinearClassifier, ModelError> {
        if self.sparse.is_some() || other.sparse.is_some() {
            return Err(DataError::JoinSparse.into());
        }
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

    /// The dense columns' weights, row-major by bucket.
    pub fn dense_weights(&self) -> impl Iterator<Item = f32> + '_ {
        let dense = self.dense_columns();
        self.rows
            .chunks_exact(self.stride())
            .flat_map(move |row| row[1..=dense].iter().copied())
    }

    fn stride(&self) -> usize {
        stride(self.dense_columns())
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

    /// The idf and the weight per dense column of a row found by [`Self::lookup_rows`].
    #[inline]
    pub fn row(&self, row: u32) -> (f32, &[f32]) {
        let start = row as usize * self.stride();
        let packed = &self.rows[start..start + self.stride()];
        (packed[0], &packed[1..=self.dense_columns()])
    }

    /// Reads column `label`'s weights row by row (for a sparse column: each row's deviation
    /// from its centre, 0 where it was not kept).
    pub fn column(&self, label: usize) -> Column<'_> {
        let (stride, sparse_columns) = (self.stride(), self.n_labels - self.dense_columns());
        let kind = match &self.sparse {
            Some(s) if label < sparse_columns => {
                let group = s
                    .groups
                    .iter()
                    .scan(0, |end, &g| {
                        *end += g;
                        Some(*end)
                    })
                    .position(|end| label < end)
                    .unwrap_or(0);
                ColumnKind::Sparse {
                    pairs: &s.pairs,
                    row_len: s.row_len(),
                    offset: group * s.per_row,
                    per_row: s.per_row,
                    column: label as u32,
                }
            }
            _ => ColumnKind::Dense(1 + label - sparse_columns),
        };
        Column {
            rows: &self.rows,
            stride,
            kind,
        }
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
        // Whole dense rows are summed, idf lane included, after the sparse columns' sums; then
        // the dense columns are moved up to follow the sparse ones.
        let stride = self.stride();
        let columns = self.sparse.as_ref().map_or(0, |s| s.columns);
        out.clear();
        out.resize(columns + stride, 0.0);
        let (sparse, dense) = out.split_at_mut(columns);
        let sq = match &self.sparse {
            Some(s) => self.accumulate::<I, true>(x, dense.as_chunks_mut::<LANES>().0, s, sparse),
            None if stride == LANES => {
                // Up to 7 labels (a category model): the sums stay in registers, not in `out`.
                let mut sums = [[0f32; LANES]];
                let sq = self.accumulate::<I, false>(x, &mut sums, &NO_SPARSE, sparse);
                dense.copy_from_slice(&sums[0]);
                sq
            }
            None => {
                self.accumulate::<I, false>(x, dense.as_chunks_mut::<LANES>().0, &NO_SPARSE, sparse)
            }
        };
        out.copy_within(columns + 1..=self.n_labels, columns);
        out.truncate(self.n_labels);
        // Scaling after the sum equals scaling each value first: one pass instead of two.
        let scale = if sq > 0.0 { sq.sqrt().recip() } else { 0.0 };
        for (o, b) in out.iter_mut().zip(&self.bias) {
            *o = *o * scale + b;
        }
        scale
    }

    /// Adds each dense row of `x`, times its value times its idf, to `sums` (one chunk per
    /// lane group of a row), and with `SPARSE` its pairs of `sparse` to `sparse_sums`; returns
    /// the squared length of the idf-weighted values.
    #[inline(always)]
    fn accumulate<I, const SPARSE: bool>(
        &self,
        x: I,
        sums: &mut [[f32; LANES]],
        sparse: &SparseColumns,
        sparse_sums: &mut [f32],
    ) -> f32
    where
        I: Iterator<Item = (u32, f32)> + Clone,
    {
        let stride = self.stride();
        let has_dense = self.dense_columns() > 0;
        let mut sq = 0f32;
        let mut ahead = x.clone().skip(PREFETCH_AHEAD);
        for (row, value) in x {
            if let Some((a, _)) = ahead.next() {
                if let Some(slot) = self.rows.get(a as usize * stride) {
                    prefetch(slot);
                }
                if SPARSE {
                    // A row's pairs span a cache line per group: ask for the first and last.
                    let start = a as usize * sparse.row_len();
                    let last = start + sparse.row_len() - 1;
                    for pair in [start, last]
                        .into_iter()
                        .filter_map(|p| sparse.pairs.get(p))
                    {
                        prefetch(pair);
                    }
                }
            }
            let start = row as usize * stride;
            let packed = &self.rows[start..start + stride];
            let v = value * packed[0];
            sq += v * v;
            // A pruned model without heads has only the idf in its dense rows.
            if !SPARSE || has_dense {
                for (o, w) in sums.iter_mut().zip(packed.as_chunks::<LANES>().0) {
                    for lane in 0..LANES {
                        o[lane] += w[lane] * v;
                    }
                }
            }
            if SPARSE {
                for &(c, w) in sparse.of_row(row) {
                    sparse_sums[c as usize] += w * v;
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

/// One column of a classifier, read row by row ([`LinearClassifier::column`]).
pub struct Column<'a> {
    rows: &'a [f32],
    stride: usize,
    kind: ColumnKind<'a>,
}

enum ColumnKind<'a> {
    /// The lane of the column in a dense row.
    Dense(usize),
    /// Where a row's pairs for the column's group are.
    Sparse {
        pairs: &'a [(u32, f32)],
        row_len: usize,
        offset: usize,
        per_row: usize,
        column: u32,
    },
}

impl Column<'_> {
    /// The idf of `row` and its weight in this column.
    #[inline]
    pub fn weight(&self, row: u32) -> (f32, f32) {
        let start = row as usize * self.stride;
        let idf = self.rows[start];
        match self.kind {
            ColumnKind::Dense(lane) => (idf, self.rows[start + lane]),
            ColumnKind::Sparse {
                pairs,
                row_len,
                offset,
                per_row,
                column,
            } => {
                let first = row as usize * row_len + offset;
                // A column is kept at most once per row and padding comes after it, so the
                // first match is the only one: a scan without branches finds it.
                let mut weight = 0.0;
                for &(c, w) in pairs[first..first + per_row].iter().rev() {
                    if c == column {
                        weight = w;
                    }
                }
                (idf, weight)
            }
        }
    }
}

/// What dense classifiers pass for the sparse columns they do not have.
const NO_SPARSE: SparseColumns = SparseColumns {
    groups: Vec::new(),
    columns: 0,
    per_row: 0,
    pairs: Vec::new(),
};

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
            assert_eq!(c.dense_weights().collect::<Vec<_>>(), weights);
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

    fn softmax(x: &[f32]) -> Vec<f32> {
        let mut v = x.to_vec();
        crate::softmax(&mut v, 1.0);
        v
    }

    /// 5 buckets, 6 label columns and 2 head columns, with varied weights.
    fn labels_and_head() -> LinearClassifier {
        let weights: Vec<f32> = (0..5 * 8).map(|i| (i as f32 * 0.71).sin()).collect();
        let bias: Vec<f32> = (0..8).map(|l| l as f32 * 0.05).collect();
        LinearClassifier::new(
            64,
            8,
            vec![1, 2, 3, 4, 5],
            vec![1.0, 2.0, 0.5, 1.5, 1.0],
            weights,
            bias,
        )
        .unwrap()
    }

    #[test]
    fn pruning_that_keeps_every_deviation_keeps_the_probabilities() {
        let dense = labels_and_head();
        let pruned = dense.prune_columns(&[6], 6).unwrap();
        assert_eq!(pruned.dense_columns(), 2);
        let x = [(1u32, 1.0f32), (3, 2.0), (5, 0.5), (9, 3.0)];
        let (mut a, mut b) = (Vec::new(), Vec::new());
        dense.scores_into(x.into_iter(), &mut a);
        pruned.scores_into(x.into_iter(), &mut b);
        assert_eq!(b.len(), 8);
        // The label block shifts by one constant per document, which softmax cannot see …
        for (p, q) in softmax(&a[..6]).iter().zip(softmax(&b[..6])) {
            assert!((p - q).abs() < 1e-6, "{a:?} vs {b:?}");
        }
        assert!(
            a[..6]
                .iter()
                .zip(&b[..6])
                .any(|(p, q)| (p - q).abs() > 1e-3),
            "centred"
        );
        // … and the dense head keeps its scores exactly.
        assert_eq!(a[6..], b[6..]);
        // Weights read back as deviations from the row's median (of 6: the 3rd smallest).
        let (idf, row) = dense.row(2);
        let mut sorted = row[..6].to_vec();
        sorted.sort_by(f32::total_cmp);
        let (pruned_idf, w) = pruned.column(4).weight(2);
        assert_eq!((pruned_idf, w), (idf, row[4] - sorted[2]));
        assert_eq!(pruned.column(7).weight(2), (idf, row[7]));
    }

    #[test]
    fn pruning_keeps_the_largest_deviations_of_each_row() {
        // One row: the median is 0.1; the deviations 0.9, -0.6 and 0.3 are the largest.
        let c = LinearClassifier::new(
            8,
            5,
            vec![0],
            vec![1.0],
            vec![0.1, 1.0, -0.5, 0.1, 0.4],
            vec![0.0; 5],
        )
        .unwrap();
        let pruned = c.prune_columns(&[5], 3).unwrap();
        let pairs = pruned.sparse_columns().unwrap().pairs();
        assert_eq!(pairs.len(), 3);
        let columns: Vec<u32> = pairs.iter().map(|p| p.0).collect();
        assert_eq!(columns, [1, 2, 4]);
        assert!((pruned.column(1).weight(0).1 - 0.9).abs() < 1e-6);
        assert_eq!(pruned.column(0).weight(0).1, 0.0, "not kept");
        // A row with fewer deviations than pairs is padded; padding adds nothing.
        let padded = c.prune_columns(&[5], 8).unwrap();
        assert_eq!(padded.sparse_columns().unwrap().pairs().len(), 8);
        assert_eq!(padded.column(0).weight(0).1, 0.0);
        let mut scores = Vec::new();
        padded.scores_into([(0u32, 1.0f32)].into_iter(), &mut scores);
        assert!(
            (scores[1] - 0.9).abs() < 1e-6 && scores[0] == 0.0,
            "{scores:?}"
        );
    }

    #[test]
    fn pruned_classifiers_refuse_what_they_cannot_do() {
        let pruned = labels_and_head().prune_columns(&[6], 2).unwrap();
        let e = pruned.prune_columns(&[6], 2).unwrap_err();
        assert!(e.to_string().contains("cannot prune"), "{e}");
        assert!(labels_and_head().prune_columns(&[9], 2).is_err());
        assert!(labels_and_head().prune_columns(&[6], 0).is_err());
        let e = pruned.join(&labels_and_head()).unwrap_err();
        assert!(e.to_string().contains("join first, then prune"), "{e}");
        // A classifier of one row and two sparse columns, assembled from `sparse`.
        let assemble = |sparse| {
            LinearClassifier::with_sparse(
                8,
                2,
                vec![0],
                vec![1.0],
                vec![],
                Some(sparse),
                vec![0.0; 2],
            )
        };
        // Pairs outside the sparse columns are refused when assembled.
        let e = assemble(SparseColumns::new(vec![2], 1, vec![(5, 1.0)])).unwrap_err();
        assert!(e.to_string().contains("sparse columns do not fit"), "{e}");
        // Shapes whose sizes overflow are refused, not a panic.
        let huge = SparseColumns::new(vec![usize::MAX, 2], usize::MAX, vec![]);
        assert!(assemble(huge).is_err());
    }
}
