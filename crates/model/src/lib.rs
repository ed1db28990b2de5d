//! The sparse linear classifier behind petition routing: hashed features in, one score per
//! label out. Training implements linfa's `Fit` over [`SparseDocs`], prediction linfa's
//! `PredictInplace`, so linfa datasets and metrics work with it; the solver is our own because
//! linfa's logistic regression is dense-only (see `solver.rs`).

#![warn(missing_docs)]

mod card;
mod classifier;
mod compare;
mod folds;
mod format;
mod metrics;
mod model;
mod params;
mod solver;
mod source;
mod sparse;

pub use classifier::{Column, LinearClassifier, SparseColumns};
pub use compare::{
    judge, label_f1_deltas, mcnemar, Comparison, Judgement, LabelDelta, Verdict, GATE_ALPHA,
};
pub use folds::stratified_folds;
pub use format::FORMAT_VERSION;
pub use linfa::ParamGuard;
pub use metrics::{Confusion, LabelMetrics, Metrics};
pub use model::{
    softmax, Calibration, CrossValidation, DemandTypeCheck, DocScores, FusionWeights, Head, Heads,
    HistoryInfo, Model, ModelCard, TermWeight,
};
pub use params::{ClassWeight, TrainParams, ValidTrainParams};
pub use source::ModelSource;
pub use sparse::SparseDocs;

use std::path::PathBuf;

/// Why training, loading or saving a model failed.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A training parameter is out of range.
    #[error("invalid training parameters: {0}")]
    InvalidParams(#[from] ParamError),
    /// The training data, or the parts a model is assembled or loaded from, do not fit
    /// together.
    #[error("invalid training data: {0}")]
    InvalidData(#[from] DataError),
    /// The model could not be written as JSON (its header).
    #[error("cannot serialise the model: {0}")]
    Serialise(#[from] serde_json::Error),
    /// A model file that cannot be used: not a regular file, truncated, foreign (magic),
    /// another format version, an unreadable header, a checksum mismatch, or parts that do
    /// not fit together.
    #[error("model file {path} refused: {reason}")]
    Corrupt {
        /// The model file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Reading or writing a model file (or its card) failed.
    #[error("cannot access model file {path}: {error}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        error: std::io::Error,
    },
    /// An error raised by linfa itself: its `Fit` trait needs the error type to hold one.
    #[error(transparent)]
    Linfa(#[from] linfa::Error),
}

/// A training parameter out of range (checked by [`TrainParams`]' `ParamGuard`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParamError {
    /// The SVM's `c` (inverse regularisation) is not a positive finite number; holds it.
    #[error("c is {0}, must be a positive number")]
    C(f32),
    /// `max_epochs` is 0: the solver would not run.
    #[error("max_epochs must be at least 1")]
    MaxEpochs,
    /// The stopping tolerance is not a positive finite number; holds it.
    #[error("tolerance is {0}, must be positive")]
    Tolerance(f32),
    /// `min_df` is 0: every feature occurs in at least one document.
    #[error("min_df must be at least 1")]
    MinDf,
}

/// Parts of a model, or training data, that do not fit together.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum DataError {
    /// The classifier's columns are not one per label plus one per line of the line head.
    #[error(
        "{labels} label names and {heads} head column names for a classifier of {columns} columns"
    )]
    LabelCount {
        /// Label names given.
        labels: usize,
        /// Column names of the line and demand heads (0 without them).
        heads: usize,
        /// Columns of the classifier.
        columns: usize,
    },
    /// A head's softmax temperature is not a positive finite number.
    #[error("{head} head temperature {temperature} must be positive")]
    HeadTemperature {
        /// Which head: `line` or `demand`.
        head: &'static str,
        /// The temperature given.
        temperature: f32,
    },
    /// The labels' softmax temperature is not a positive finite number; holds it.
    #[error("calibration temperature {0} must be positive")]
    CalibrationTemperature(f32),
    /// The feature configuration is out of range.
    #[error("{0}")]
    Features(#[from] pr_text::FeatureConfigError),
    /// The classifier was built for another number of hash buckets than the features give.
    #[error("classifier hash space {classifier} does not match feature configuration {features}")]
    HashSpace {
        /// The classifier's hash space (buckets).
        classifier: usize,
        /// `2^hash_bits` of the feature configuration.
        features: usize,
    },
    /// Not one idf value per kept bucket.
    #[error("{idf} idf values for {buckets} buckets")]
    IdfCount {
        /// idf values given.
        idf: usize,
        /// Kept buckets.
        buckets: usize,
    },
    /// Not one weight per kept bucket and label, or not one bias per label.
    #[error(
        "weights do not fit: {buckets} buckets x {labels} labels needs {} weights and {labels} biases, got {weights} and {biases}",
        buckets * labels
    )]
    WeightCount {
        /// Kept buckets.
        buckets: usize,
        /// Classifier columns.
        labels: usize,
        /// Weights given.
        weights: usize,
        /// Biases given.
        biases: usize,
    },
    /// The kept buckets are not sorted without repeats, as lookups need.
    #[error("feature buckets are not strictly increasing")]
    BucketOrder,
    /// A kept bucket is not below the hash space; holds the hash space.
    #[error("a feature bucket lies outside the hash space of {0}")]
    BucketOutside(usize),
    /// A weight, bias or idf value is NaN or infinite.
    #[error("weights contain NaN or infinity")]
    NotFinite,
    /// The sparse columns do not fit the rows: not `per_row` pairs per row, a pair outside the
    /// sparse columns, or a weight that is NaN or infinite.
    #[error(
        "sparse columns do not fit: {rows} rows x {per_row} pairs per row over {columns} columns, got {pairs} pairs (or a pair outside them, or not finite)"
    )]
    SparseColumns {
        /// Kept buckets.
        rows: usize,
        /// Pairs per row declared.
        per_row: usize,
        /// Pairs given.
        pairs: usize,
        /// Sparse columns declared.
        columns: usize,
    },
    /// Pruning asked of a classifier that is already pruned, for more columns than it has,
    /// or keeping no pair per row.
    #[error("cannot prune {columns} of {labels} columns to {per_row} pairs per row (only a dense classifier, at least one pair)")]
    Prune {
        /// Columns to make sparse.
        columns: usize,
        /// Pairs to keep per row.
        per_row: usize,
        /// Columns of the classifier.
        labels: usize,
    },
    /// Joining a pruned classifier: heads are joined first, then the labels pruned.
    #[error("cannot join a classifier with sparse columns: join first, then prune")]
    JoinSparse,
    /// The label and line-head classifiers to join were fitted over different hash spaces.
    #[error("cannot join classifiers over hash spaces {0} and {1}")]
    JoinHashSpaces(usize, usize),
    /// Training data with a different number of documents and labels.
    #[error("{documents} documents but {labels} labels")]
    RowCount {
        /// Documents given.
        documents: usize,
        /// Labels given.
        labels: usize,
    },
    /// Every training document has the same label: there is nothing to tell apart.
    #[error("training needs at least two different labels")]
    OneLabel,
}

/// Index of the largest score.
pub fn argmax(scores: &[f32]) -> usize {
    classifier::argmax(scores)
}

/// Label indices ordered by descending score.
pub fn ranking(scores: &[f32]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    order
}
