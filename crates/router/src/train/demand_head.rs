//! The demand head: the demand type learned where a history's kind column labels it
//! (咨询问题 / 反映问题 …). The cue words type petitions everywhere else, and training
//! measures both on the same held-out rows.
//!
//! The head is fitted on the rows that have a kind only, then joined to the labels'
//! classifier, whose idf it then scores with (see [`LinearClassifier::join`]); the length
//! normalisation follows that idf too, which moves the head's scores by one factor per
//! petition. Where most rows have a kind, as in the histories seen, the two idfs agree.

use super::{fit_temperature, held_out_scores, TrainError, TrainOptions};
use linfa::dataset::DatasetBase;
use linfa::traits::Fit;
use ndarray::Array1;
use pr_analysis::DemandType;
use pr_model::{argmax, stratified_folds, DemandTypeCheck, Head, LinearClassifier, SparseDocs};
use std::collections::BTreeMap;

/// A type needs this many rows to be learned: fewer say nothing a clerk could trust.
const MIN_ROWS_PER_TYPE: usize = 10;

/// What the history's kind column says of one row, and what the cue words say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RowKind {
    /// The type the history's kind names.
    pub history: DemandType,
    /// The type the cue words give.
    pub rules: DemandType,
}

/// The kinds of the rows read so far.
#[derive(Debug, Default)]
pub(super) struct KindsSeen {
    /// Per row, its kind when it names a type.
    pub rows: Vec<Option<RowKind>>,
    /// Kinds that name no type, with their row counts: reported, not learned.
    pub unknown: BTreeMap<String, usize>,
}

/// A fitted demand head.
pub(super) struct DemandHead {
    /// Its columns, to join after the labels' (and the line head's).
    pub classifier: LinearClassifier,
    /// The types of its columns and their temperature.
    pub head: Head,
    /// The head against the cue words on held-out rows; `None` without folds.
    pub check: Option<DemandTypeCheck>,
}

/// Fits the demand head when at least two types have [`MIN_ROWS_PER_TYPE`] rows, and checks
/// it on the folds the options ask for (fewer than 2 skip the check and the temperature).
pub(super) fn fit(
    docs: &SparseDocs,
    kinds: &KindsSeen,
    params: &pr_model::ValidTrainParams,
    options: &TrainOptions,
) -> Result<Option<DemandHead>, TrainError> {
    let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
    let type_index = |t: DemandType| DemandType::ALL.iter().position(|&a| a == t);
    for k in kinds.rows.iter().flatten() {
        *counts
            .entry(type_index(k.history).expect("in ALL"))
            .or_default() += 1;
    }
    let learned: Vec<DemandType> = counts
        .iter()
        .filter(|&(_, &n)| n >= MIN_ROWS_PER_TYPE)
        .map(|(&t, _)| DemandType::ALL[t])
        .collect();
    if learned.len() < 2 {
        return Ok(None);
    }
    let column = |t: DemandType| learned.iter().position(|&l| l == t);
    let (rows, truth): (Vec<usize>, Vec<usize>) = kinds
        .rows
        .iter()
        .enumerate()
        .filter_map(|(i, k)| Some((i, column(k.as_ref()?.history)?)))
        .unzip();
    let docs = docs.select(&rows);
    let classifier: LinearClassifier =
        params.fit(&DatasetBase::new(docs.clone(), Array1::from(truth.clone())))?;
    let (temperature, check) = if options.folds >= 2 {
        let split = stratified_folds(&truth, options.folds, params.seed());
        let fitted = if options.held_out_split {
            1
        } else {
            options.folds
        };
        let (held, scores) = held_out_scores(&docs, &truth, &split, fitted, params, None, &|_| {})?;
        let held_truth: Vec<usize> = held.iter().map(|&i| truth[i]).collect();
        let all: Vec<usize> = (0..held.len()).collect();
        let temperature = fit_temperature(&scores, &held_truth, &all);
        let right = |ok: &dyn Fn(usize) -> bool| {
            (0..held.len()).filter(|&j| ok(j)).count() as f64 / held.len() as f64
        };
        // The cue words' types the history has no column for count as complaints: the type
        // such a history files 举报 and 求助 under (反映问题).
        let rules = |j: usize| {
            let t = kinds.rows[rows[held[j]]].expect("a kind").rules;
            column(t).or(column(DemandType::Complaint))
        };
        let check = DemandTypeCheck {
            rows: held.len(),
            model_accuracy: right(&|j| argmax(&scores[j]) == held_truth[j]),
            rules_accuracy: right(&|j| rules(j) == Some(held_truth[j])),
        };
        (temperature, Some(check))
    } else {
        (1.0, None)
    };
    Ok(Some(DemandHead {
        classifier,
        head: Head {
            labels: learned.iter().map(|t| t.as_str().to_string()).collect(),
            temperature,
        },
        check,
    }))
}
