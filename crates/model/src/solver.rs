//! One-vs-rest L2-regularised L2-loss linear SVM, solved by dual coordinate descent
//! (Hsieh et al., 2008, the algorithm of liblinear's default solver) on sparse rows.
//!
//! Why not linfa-logistic: it is dense-only (an n × d `Array2`), and petition histories have
//! 10^4..10^6 documents over ~10^6 hashed features — a dense matrix would need terabytes.
//! Here each class touches only the non-zero entries, and classes train in parallel.

use crate::classifier::LinearClassifier;
use crate::params::{ClassWeight, ValidTrainParams};
use crate::sparse::SparseDocs;
use crate::{DataError, ModelError};
use linfa::dataset::DatasetBase;
use linfa::traits::Fit;
use ndarray::Array1;
use rayon::prelude::*;

/// What one fit needs besides the rows: which columns it keeps, their idf, and each row's
/// scale to unit length. The rows themselves are decoded as they are visited, never copied:
/// a fold of a history of 10^6 petitions would otherwise need gigabytes more.
struct FitData<'a> {
    docs: &'a SparseDocs,
    /// Smoothed inverse document frequency of each column, `ln((1 + n) / (1 + df)) + 1`; zero
    /// for the columns seen in fewer than `min_df` of this fit's rows, which it ignores.
    idf: Vec<f32>,
    /// Per row: the factor that scales its idf-weighted values to unit length; zero for a row
    /// with no kept column.
    scale: Vec<f32>,
    /// [`pr_text::term_weight`] of every count.
    term_weights: &'static [f32; 256],
}

impl<'a> FitData<'a> {
    fn build(docs: &'a SparseDocs, min_df: u32) -> FitData<'a> {
        let mut df = vec![0u32; docs.columns()];
        for i in 0..docs.len() {
            docs.entries(i).for_each(|(c, _)| df[c as usize] += 1);
        }
        let n_docs = docs.len() as f32;
        let idf = df
            .iter()
            .map(|&n| match n >= min_df {
                true => ((1.0 + n_docs) / (1.0 + n as f32)).ln() + 1.0,
                false => 0.0,
            })
            .collect();
        let mut data = FitData {
            docs,
            idf,
            scale: Vec::new(),
            term_weights: pr_text::term_weights(),
        };
        data.scale = (0..docs.len())
            .map(|i| {
                let sq: f32 = data.row(i).map(|(c, tf)| (tf * data.idf[c]).powi(2)).sum();
                if sq > 0.0 {
                    sq.sqrt().recip()
                } else {
                    0.0
                }
            })
            .collect();
        data
    }

    /// `(column, term weight)` of row `i`, before idf and scaling.
    #[inline]
    fn row(&self, i: usize) -> impl Iterator<Item = (usize, f32)> + '_ {
        self.docs
            .entries(i)
            .map(|(c, n)| (c as usize, self.term_weights[usize::from(n)]))
    }

    /// Squared length of row `i` as the solver sees it.
    fn sq_norm(&self, i: usize) -> f32 {
        if self.scale[i] > 0.0 {
            1.0
        } else {
            0.0
        }
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
    data: &FitData,
    positive: &[bool],
    cost: &[f32],
    params: &ValidTrainParams,
    seed: u64,
) -> (Vec<f32>, f32) {
    let n = positive.len();
    // Per column: its weight times its idf, then its idf squared. The solver's value of a column
    // is `tf · idf · scale`; keeping `w · idf` beside `idf²` lets it work from the stored term
    // weights alone, with one cache line per column and no separate idf lookup. A column this
    // fit ignores has idf 0 and so never moves.
    let mut w: Vec<[f32; 2]> = data.idf.iter().map(|&f| [0.0, f * f]).collect();
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
    while epoch < params.max_epochs() {
        rng.shuffle(&mut order[..active]);
        let (mut pg_max, mut pg_min) = (f32::NEG_INFINITY, f32::INFINITY);
        let mut s = 0;
        while s < active {
            let i = order[s] as usize;
            let y = if positive[i] { 1f32 } else { -1f32 };
            // Rows are decoded again for the update rather than buffered: decoding is cheaper
            // than storing and reloading what it yields.
            let scale = data.scale[i];
            let dot = scale * data.row(i).map(|(c, tf)| w[c][0] * tf).sum::<f32>() + bias;
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
                alpha[i] = (old - g / (data.sq_norm(i) + 1.0 + diag[i])).max(0.0);
                let step = (alpha[i] - old) * y;
                for (c, tf) in data.row(i) {
                    let [wi, idf2] = &mut w[c];
                    *wi += step * scale * tf * *idf2;
                }
                bias += step;
            }
            s += 1;
        }
        epoch += 1;
        if pg_max - pg_min <= params.tolerance() {
            if active == n {
                break;
            }
            active = n;
            pg_max_old = f32::INFINITY;
            continue;
        }
        pg_max_old = if pg_max <= 0.0 { f32::INFINITY } else { pg_max };
    }
    let w = w
        .iter()
        .zip(&data.idf)
        .map(|(&[wi, _], &idf)| if idf > 0.0 { wi / idf } else { 0.0 })
        .collect();
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
            return Err(DataError::RowCount {
                documents: docs.len(),
                labels: targets.len(),
            }
            .into());
        }
        let n_labels = targets.iter().max().map_or(0, |m| m + 1);
        if n_labels < 2 {
            return Err(DataError::OneLabel.into());
        }
        let data = FitData::build(docs, self.min_df());
        let mut counts = vec![0usize; n_labels];
        targets.iter().for_each(|&t| counts[t] += 1);
        // Per-document cost C_i: with balancing, each label's documents together weigh
        // n / n_labels (sklearn's "balanced"), in every one-vs-rest problem.
        let n = docs.len() as f32;
        let cost: Vec<f32> = targets
            .iter()
            .map(|&t| match self.class_weight() {
                ClassWeight::Uniform => self.c(),
                ClassWeight::Balanced => self.c() * n / (n_labels as f32 * counts[t] as f32),
                ClassWeight::SqrtBalanced => {
                    self.c() * (n / (n_labels as f32 * counts[t] as f32)).sqrt()
                }
            })
            .collect();

        // The columns this fit uses; each label's weights are cut down to them as soon as it is
        // trained, so that many labels do not hold a whole column space each.
        let kept: Vec<usize> = (0..data.idf.len())
            .filter(|&c| data.idf[c] != 0.0)
            .collect();
        let per_label: Vec<(Vec<f32>, f32)> = (0..n_labels)
            .into_par_iter()
            .map(|k| {
                let positive: Vec<bool> = targets.iter().map(|&t| t == k).collect();
                let (w, bias) = train_one(
                    &data,
                    &positive,
                    &cost,
                    self,
                    self.seed() ^ (k as u64).wrapping_mul(0x9e37),
                );
                (kept.iter().map(|&c| w[c]).collect(), bias)
            })
            .collect();

        // The model keeps the columns this fit used. Row-major: the weights of one feature for
        // all labels sit together, so that scoring a document reads one contiguous row per
        // feature.
        let buckets = kept.iter().map(|&c| docs.bucket(c as u32)).collect();
        let idf = kept.iter().map(|&c| data.idf[c]).collect();
        let mut weights = vec![0f32; kept.len() * n_labels];
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
