//! The routing engine: normalise → segment → keyword scores + linear model → fusion →
//! ranked departments with evidence. Also the training pipeline that produces its model.

mod engine;
mod fusion;
mod targets;
mod train;

pub use engine::{
    petition_text, Engine, EngineError, EngineOptions, KeywordEvidence, ModelTerm, Petition,
    RouteError, Routing, Suggestion,
};
pub use targets::{Target, Targets};
pub use train::{
    evaluate, expected_calibration_error, train, train_with_progress, EvalError, Evaluation,
    LabelledPetition, TrainError, TrainOptions, TrainReport, TrainStage, TrainingRows,
};
