//! Judging engines on labelled history: metrics in each model's unit space, which rows each
//! got right, and a new engine against the current one (the promotion gate).

use crate::engine::{Engine, Petition};
use crate::train::{LabelledPetition, TrainingRows};
use pr_locality::Code;
use pr_model::{Judgement, Metrics};
use rayon::prelude::*;

/// Metrics of an engine on labelled rows, and which rows its best suggestion got right (to
/// compare two models row by row).
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// Accuracy, macro-F1, top-3 and per-label figures, in the model's unit space.
    pub metrics: Metrics,
    /// Per row, in row order: whether the best suggestion was the true unit (McNemar's test
    /// compares two models on these).
    pub top1_right: Vec<bool>,
    /// For the rows whose true unit is a district or town unit: how often the petition's
    /// locality lay in that unit's district.
    pub locality: LocalityAccuracy,
}

/// How often the locality found the true unit's district.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct LocalityAccuracy {
    /// Rows whose true unit is a district or town unit.
    pub n: usize,
    /// Rows whose locality lies in that unit's district.
    pub right: usize,
}

impl LocalityAccuracy {
    /// `right / n`, or `None` without such rows.
    pub fn accuracy(&self) -> Option<f64> {
        (self.n > 0).then(|| self.right as f64 / self.n as f64)
    }
}

/// Why an evaluation failed.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A row could not be routed (no text).
    #[error("{0}")]
    Route(#[from] crate::RouteError),
    /// Reading the rows failed.
    #[error("{0}")]
    Input(Box<dyn std::error::Error + Send + Sync>),
}

/// Evaluates each of `engines` on the same labelled rows, read a chunk at a time so that a
/// history larger than memory can be evaluated (and two models compared row by row in one
/// pass). Metrics are in each model's unit space: a label counts as the model's unit when it
/// names the same unit (one body under several names); labels of units a model does not know
/// count as errors. With `use_region`, the rows' region column is the region hint.
pub fn evaluate(
    engines: &[&Engine],
    rows: impl TrainingRows,
    use_region: bool,
) -> Result<Vec<Evaluation>, EvalError> {
    let mut tallies: Vec<Tally> = engines.iter().map(|e| Tally::new(e)).collect();
    let mut rows = rows.map(|r| r.map_err(|e| EvalError::Input(e.into())));
    loop {
        let chunk: Vec<LabelledPetition> = rows.by_ref().take(4_096).collect::<Result<_, _>>()?;
        if chunk.is_empty() {
            break;
        }
        for (engine, tally) in engines.iter().zip(&mut tallies) {
            let ranked: Vec<(Vec<usize>, Option<Code>)> = chunk
                .par_iter()
                .map(|r| {
                    engine
                        .rank_labels(Petition {
                            title: &r.title,
                            content: &r.text,
                            region: if use_region { &r.region } else { "" },
                            analyse: false,
                            repeat_of: None,
                        })
                        .map(|r| (r.labels.into_iter().map(|(l, _)| l).collect(), r.district))
                })
                .collect::<Result<_, _>>()?;
            for (r, (ranked, district)) in chunk.iter().zip(ranked) {
                tally.add(engine, &r.label, ranked, district);
            }
        }
    }
    Ok(tallies.into_iter().map(Tally::finish).collect())
}

/// A new engine against the current one on the same rows: both evaluations and the judgement
/// (McNemar, F1 change by label, whether the new one is worse). `eval --baseline` reports it;
/// `promote` refuses a worse model.
#[derive(Debug, Clone)]
pub struct Contest {
    /// The candidate model's evaluation.
    pub new: Evaluation,
    /// The serving (baseline) model's evaluation on the same rows.
    pub current: Evaluation,
    /// The comparison: McNemar's test, F1 change by label, and the verdict.
    pub judgement: Judgement,
}

/// Evaluates `new` and `current` on the same rows in one pass and judges them.
pub fn contest(
    new: &Engine,
    current: &Engine,
    rows: impl TrainingRows,
    use_region: bool,
) -> Result<Contest, EvalError> {
    let [new_eval, current_eval]: [Evaluation; 2] = evaluate(&[new, current], rows, use_region)?
        .try_into()
        .expect("one evaluation per engine");
    let judgement = pr_model::judge(
        &new_eval.metrics,
        &new_eval.top1_right,
        &current_eval.metrics,
        &current_eval.top1_right,
    );
    Ok(Contest {
        new: new_eval,
        current: current_eval,
        judgement,
    })
}

/// One engine's rankings of the rows evaluated so far, with the true labels.
struct Tally {
    /// The model's labels, then the labels of units it does not know, as met.
    labels: Vec<String>,
    index: std::collections::HashMap<String, usize>,
    truth: Vec<usize>,
    ranked: Vec<Vec<usize>>,
    locality: LocalityAccuracy,
}

impl Tally {
    fn new(engine: &Engine) -> Tally {
        let labels = engine.label_names();
        let index = labels.iter().cloned().zip(0..).collect();
        Tally {
            labels,
            index,
            truth: Vec::new(),
            ranked: Vec::new(),
            locality: LocalityAccuracy::default(),
        }
    }

    fn add(&mut self, engine: &Engine, label: &str, ranked: Vec<usize>, found: Option<Code>) {
        let t = match self.index.get(label) {
            Some(&t) => t,
            None => {
                let t = engine.label_of_unit(label).unwrap_or(self.labels.len());
                if t == self.labels.len() {
                    self.labels.push(label.to_string());
                }
                self.index.insert(label.to_string(), t);
                t
            }
        };
        if let Some(district) = engine.district_of_unit(label) {
            self.locality.n += 1;
            self.locality.right += usize::from(found == Some(district));
        }
        self.truth.push(t);
        self.ranked.push(ranked);
    }

    fn finish(self) -> Evaluation {
        let top1_right = self
            .truth
            .iter()
            .zip(&self.ranked)
            .map(|(t, r)| r.first() == Some(t))
            .collect();
        Evaluation {
            metrics: Metrics::compute(&self.labels, &self.truth, &self.ranked),
            top1_right,
            locality: self.locality,
        }
    }
}
