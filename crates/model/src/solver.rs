//! One-vs-rest L2-regularised L2-loss linear SVM, solved by dual coordinate descent
//! (Hsieh et al., 2008, the algorithm of liblinear's default solver) on sparse rows.
//!
//! Why not linfa-logistic: it is dense-only (an n × d `Array2`), and petition histories have
//! 10^4..10^6 documents over ~10^6 hashed features — a dense matrix would need terabytes.
//! Here each class touches only the non-zero entries, and classes train in parallel.

use crate::classifier::LinearClassifier;
use crate::params::{ClassWeight, ValidTrainParams};
use crate::sparse::SparseDocs;
use crate::ModelError;
use linfa::dataset::DatasetBase;
use linfa::traits::Fit;
use ndarray::Array1;
use rayon::prelude::*;

/// Training rows re-indexed onto the kept features only (compact columns).
struct Compact {
    indptr: Vec<usize>,
    cols: Vec<u32>,
    vals: Vec<f32>,
    sq_norms: Vec<f32>,
    n_cols: usize,
}

impl Compact {
    /// Keeps the buckets seen in at least `min_df` rows and weighs them by smoothed inverse
    /// document frequency, `ln((1 + n) / (1 + df)) + 1`; each row is then scaled to unit
    /// length. Returns the kept buckets, sorted (column `j` is `buckets[j]`), and their idf.
    fn build(docs: &SparseDocs, min_df: u32) -> (Compact, Vec<u32>, Vec<f32>) {
        let mut df = vec![0u32; docs.dimension()];
        for i in 0..docs.len() {
            for &b in docs.row(i).0 {
                df[b as usize] += 1;
            }
        }
        let mut column = vec![u32::MAX; docs.dimension()];
        let mut buckets = Vec::new();
        let mut idf = Vec::new();
        let n_docs = docs.len() as f32;
        for (b, &n) in df.iter().enumerate() {
            if n >= min_df {
                column[b] = buckets.len() as u32;
                buckets.push(b as u32);
                idf.push(((1.0 + n_docs) / (1.0 + n as f32)).ln() + 1.0);
            }
        }
        let mut c = Compact {
            indptr: Vec::with_capacity(docs.len() + 1),
            cols: Vec::with_capacity(docs.nnz()),
            vals: Vec::with_capacity(docs.nnz()),
            sq_norms: Vec::with_capacity(docs.len()),
            n_cols: buckets.len(),
        };
        c.indptr.push(0);
        for i in 0..docs.len() {
            let (idx, val) = docs.row(i);
            let start = c.cols.len();
            let mut sq = 0f32;
            for (&b, &v) in idx.iter().zip(val) {
                let col = column[b as usize];
                if col != u32::MAX {
                    let x = v * idf[col as usize];
                    c.cols.push(col);
                    c.vals.push(x);
                    sq += x * x;
                }
            }
            if sq > 0.0 {
                let inv = sq.sqrt().recip();
                c.vals[start..].iter_mut().for_each(|v| *v *= inv);
                sq = 1.0;
            }
            c.sq_norms.push(sq);
            c.indptr.push(c.cols.len());
        }
        (c, buckets, idf)
    }

    fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let (a, b) = (self.indptr[i], self.indptr[i + 1]);
        (&self.cols[a..b], &self.vals[a..b])
    }
}

/// SplitMix64: a tiny, fixed generator so that the visiting order (and so the model) does not
/// change when a dependency's RNG does.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn shuffle(&mut self, v: &mut [u32]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// Trains the binary problem "class k against the rest"; returns weights per compact column
/// and the bias.
fn train_one(
    data: &Compact,
    positive: &[bool],
    cost: &[f32],
    params: &ValidTrainParams,
    seed: u64,
) -> (Vec<f32>, f32) {
    let n = positive.len();
    let mut w = vec![0f32; data.n_cols];
    let mut bias = 0f32;
    let mut alpha = vec![0f32; n];
    // L2 loss: the dual gains a diagonal 1 / (2 C_i); the bias is a constant feature of 1.
    let diag: Vec<f32> = cost.iter().map(|&c| 0.5 / c).collect();
    let mut order: Vec<u32> = (0..n as u32).collect();
    let mut rng = SplitMix(seed);
    // Shrinking (as in liblinear): a document whose alpha is zero and whose gradient exceeds
    // the largest projected gradient of the previous pass is unlikely to move, so it leaves
    // the active set until the active problem has converged; then all are checked again.
    let mut active = n;
    let mut pg_max_old = f32::INFINITY;
    let mut epoch = 0;
    while epoch < params.max_epochs {
        rng.shuffle(&mut order[..active]);
        let (mut pg_max, mut pg_min) = (f32::NEG_INFINITY, f32::INFINITY);
        let mut s = 0;
        while s < active {
            let i = order[s] as usize;
            let y = if positive[i] { 1f32 } else { -1f32 };
            let (cols, vals) = data.row(i);
            let dot: f32 = cols
                .iter()
                .zip(vals)
                .map(|(&c, &v)| w[c as usize] * v)
                .sum::<f32>()
                + bias;
            let g = y * dot - 1.0 + diag[i] * alpha[i];
            let pg = if alpha[i] == 0.0 {
                if g > pg_max_old {
                    active -= 1;
                    order.swap(s, active);
                    continue;
                }
                g.min(0.0)
            } else {
                g
            };
            pg_max = pg_max.max(pg);
            pg_min = pg_min.min(pg);
            if pg.abs() > 1e-12 {
                let old = alpha[i];
                alpha[i] = (old - g / (data.sq_norms[i] + 1.0 + diag[i])).max(0.0);
                let step = (alpha[i] - old) * y;
                for (&c, &v) in cols.iter().zip(vals) {
                    w[c as usize] += step * v;
                }
                bias += step;
            }
            s += 1;
        }
        epoch += 1;
        if pg_max - pg_min <= params.tolerance {
            if active == n {
                break;
            }
            active = n;
            pg_max_old = f32::INFINITY;
            continue;
        }
        pg_max_old = if pg_max <= 0.0 { f32::INFINITY } else { pg_max };
    }
    (w, bias)
}

impl Fit<SparseDocs, Array1<usize>, ModelError> for ValidTrainParams {
    type Object = LinearClassifier;

    /// Fits one binary SVM per label (targets are label indices `0..n_labels`).
    fn fit(
        &self,
        dataset: &DatasetBase<SparseDocs, Array1<usize>>,
    ) -> Result<LinearClassifier, ModelError> {
        let docs = &dataset.records;
        let targets = &dataset.targets;
        if docs.len() != targets.len() {
            return Err(ModelError::InvalidData(format!(
                "{} documents but {} labels",
                docs.len(),
                targets.len()
            )));
        }
        let n_labels = targets.iter().max().map_or(0, |m| m + 1);
        if n_labels < 2 {
            return Err(ModelError::InvalidData(
                "training needs at least two different labels".into(),
            ));
        }
        let (data, buckets, idf) = Compact::build(docs, self.min_df);
        let mut counts = vec![0usize; n_labels];
        targets.iter().for_each(|&t| counts[t] += 1);
        // Per-document cost C_i: with balancing, each label's documents together weigh
        // n / n_labels (sklearn's "balanced"), in every one-vs-rest problem.
        let n = docs.len() as f32;
        let cost: Vec<f32> = targets
            .iter()
            .map(|&t| match self.class_weight {
                ClassWeight::Uniform => self.c,
                ClassWeight::Balanced => self.c * n / (n_labels as f32 * counts[t] as f32),
                ClassWeight::SqrtBalanced => {
                    self.c * (n / (n_labels as f32 * counts[t] as f32)).sqrt()
                }
            })
            .collect();

        let per_label: Vec<(Vec<f32>, f32)> = (0..n_labels)
            .into_par_iter()
            .map(|k| {
                let positive: Vec<bool> = targets.iter().map(|&t| t == k).collect();
                train_one(
                    &data,
                    &positive,
                    &cost,
                    self,
                    self.seed ^ (k as u64).wrapping_mul(0x9e37),
                )
            })
            .collect();

        // Row-major: the weights of one feature for all labels sit together, so that scoring a
        // document reads one contiguous row per feature.
        let mut weights = vec![0f32; data.n_cols * n_labels];
        let mut bias = Vec::with_capacity(n_labels);
        for (k, (w, b)) in per_label.into_iter().enumerate() {
            for (j, &v) in w.iter().enumerate() {
                weights[j * n_labels + k] = v;
            }
            bias.push(b);
        }
        LinearClassifier::new(docs.dimension(), n_labels, buckets, idf, weights, bias)
    }
}
