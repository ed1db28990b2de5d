//! The routing engine: normalise → segment → keyword scores + linear model → fusion →
//! ranked departments with evidence. Also the training pipeline that produces its model.

#![warn(missing_docs)]

mod engine;
mod evaluate;
mod fusion;
mod load;
mod place;
pub mod proposal;
mod targets;
mod train;
mod units;

pub use engine::{
    petition_text, Engine, EngineError, EngineOptions, HandlingRole, KeywordEvidence, Level,
    Locality, LocalitySource, ModelTerm, Petition, Place, PlaceEvidence, RankedLabels, RepeatOf,
    RouteError, Routing, Suggestion, UnitRule,
};
pub use evaluate::{contest, evaluate, Contest, EvalError, Evaluation, LocalityAccuracy};
pub use load::{EngineLoadError, EngineSources};
pub use targets::{Target, Targets};
pub use train::{
    expected_calibration_error, train, train_with_progress, LabelledPetition, TrainError,
    TrainOptions, TrainReport, TrainStage, TrainingRows,
};
pub use units::{infer_jurisdiction, Unit, UnitKey, UnitParser, GOVERNMENT};

#[cfg(test)]
mod tests;
