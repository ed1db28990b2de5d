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
mod sparse;

pub use classifier::LinearClassifier;
pub use compare::{
    judge, label_f1_deltas, mcnemar, Comparison, Judgement, LabelDelta, Verdict, GATE_ALPHA,
};
pub use folds::stratified_folds;
pub use format::FORMAT_VERSION;
pub use linfa::ParamGuard;
pub use metrics::{Confusion, LabelMetrics, Metrics};
pub use model::{
    softmax, Calibration, CrossValidation, DocScores, FusionWeights, HistoryInfo, LineHead, Model,
    ModelCard, TermWeight,
};
pub use params::{ClassWeight, TrainParams, ValidTrainParams};
pub use sparse::SparseDocs;

use std::path::PathBuf;

/// Why training, loading or saving a model failed.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("invalid training parameters: {0}")]
    InvalidParams(#[from] ParamError),
    #[error("invalid training data: {0}")]
    InvalidData(#[from] DataError),
    /// The model could not be written as JSON (its header).
    #[error("cannot serialise the model: {0}")]
    Serialise(#[from] serde_json::Error),
    #[error("model file {path} refused: {reason}")]
    Corrupt { path: PathBuf, reason: String },
    #[error("cannot access model file {path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(transparent)]
    Linfa(#[from] linfa::Error),
}

/// A training parameter out of range (checked by [`TrainParams`]' `ParamGuard`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParamError {
    #[error("c is {0}, must be a positive number")]
    C(f32),
    #[error("max_epochs must be at least 1")]
    MaxEpochs,
    #[error("tolerance is {0}, must be positive")]
    Tolerance(f32),
    #[error("min_df must be at least 1")]
    MinDf,
}

/// Parts of a model, or training data, that do not fit together.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum DataError {
    #[error("{labels} label names and {lines} line names for a classifier of {columns} columns")]
    LabelCount {
        labels: usize,
        lines: usize,
        columns: usize,
    },
    #[error("line head temperature {0} must be positive")]
    LineHeadTemperature(f32),
    #[error("calibration temperature {0} must be positive")]
    CalibrationTemperature(f32),
    #[error("{0}")]
    Features(#[from] pr_text::FeatureConfigError),
    #[error("classifier hash space {classifier} does not match feature configuration {features}")]
    HashSpace { classifier: usize, features: usize },
    #[error("{idf} idf values for {buckets} buckets")]
    IdfCount { idf: usize, buckets: usize },
    #[error(
        "weights do not fit: {buckets} buckets x {labels} labels needs {} weights and {labels} biases, got {weights} and {biases}",
        buckets * labels
    )]
    WeightCount {
        buckets: usize,
        labels: usize,
        weights: usize,
        biases: usize,
    },
    #[error("feature buckets are not strictly increasing")]
    BucketOrder,
    #[error("a feature bucket lies outside the hash space of {0}")]
    BucketOutside(usize),
    #[error("weights contain NaN or infinity")]
    NotFinite,
    #[error("cannot join classifiers over hash spaces {0} and {1}")]
    JoinHashSpaces(usize, usize),
    #[error("{documents} documents but {labels} labels")]
    RowCount { documents: usize, labels: usize },
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
