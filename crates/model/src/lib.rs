//! The sparse linear classifier behind petition routing: hashed features in, one score per
//! label out. Training implements linfa's `Fit` over [`SparseDocs`], prediction linfa's
//! `PredictInplace`, so linfa datasets and metrics work with it; the solver is our own because
//! linfa's logistic regression is dense-only (see `solver.rs`).

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
    InvalidParams(String),
    #[error("invalid training data: {0}")]
    InvalidData(String),
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
