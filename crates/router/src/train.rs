//! The training pipeline: features, k-fold held-out predictions, calibration and fusion
//! fitted on them, then the final fit on all rows.

use crate::engine::{candidates, petition_text, Masses};
use crate::fusion::{self, Candidate};
use crate::place::{Locator, PlaceContext};
use crate::targets::Targets;
use crate::units::{UnitParser, UnitSpace};
use linfa::dataset::DatasetBase;
use linfa::traits::Fit;
use ndarray::Array1;
use pr_catalogue::{Catalogue, KeywordScores};
use pr_locality::{Code, Gazetteer};
use pr_model::{
    ranking, softmax, stratified_folds, Calibration, CrossValidation, HistoryInfo, LineHead,
    LinearClassifier, Metrics, Model, ModelCard, ModelError, ParamGuard, SparseDocs, TrainParams,
};
use pr_text::{normalise_into, FeatureConfig, FeatureExtractor};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::time::Instant;

/// One row of labelled history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledPetition {
    /// The petition's title, or `""`.
    pub title: String,
    /// The petition's text.
    pub text: String,
    /// The unit or category that handled it: what the model learns to predict.
    pub label: String,
    /// The intake desk's district or town (the history's region column), or `""`.
    pub region: String,
}

/// How to train.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// Solver parameters (checked before training starts).
    pub params: TrainParams,
    /// How text becomes features; stored in the model so that routing does the same.
    pub features: FeatureConfig,
    /// Cross-validation folds for the report and for fitting calibration and fusion;
    /// below 2 skips both (the model then uses plain softmax probabilities).
    pub folds: usize,
    /// Hold out, fit around and score only the first fold (1/`folds` of the rows): a held-out
    /// split, `folds` times less fitting than cross-validation, for large histories.
    pub held_out_split: bool,
    /// Characters analysed per petition, as in routing.
    pub max_chars: usize,
    /// Name of the history file, for the model card.
    pub history_file: String,
    /// Version string of the tool, for the model card.
    pub tool_version: String,
    /// The city whose places the history's units and petitions name (see
    /// [`crate::infer_jurisdiction`]); `None` looks for places nationwide.
    pub jurisdiction: Option<Code>,
}

/// What training found besides the model.
#[derive(Debug, Clone)]
pub struct TrainReport {
    /// Labels no department of the catalogue knows; each is routed to as a target of its own.
    pub unknown_labels: Vec<String>,
    /// Rows per unit, under the unit's name in the model.
    pub label_counts: BTreeMap<String, usize>,
    /// Labels that name the same unit as another (one body under several names), with the
    /// name the model uses for it (the one with most rows).
    pub merged_labels: Vec<(String, String)>,
}

/// Why training failed.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// The parameters are out of range, or fitting or assembling the model failed.
    #[error("{0}")]
    Model(#[from] ModelError),
    /// The feature configuration is out of range.
    #[error("cannot train: {0}")]
    Features(#[from] pr_text::FeatureConfigError),
    /// The place matcher for the jurisdiction and the catalogue's place names cannot be built.
    #[error("cannot train: {0}")]
    Jurisdiction(#[from] pr_locality::GazetteerError),
    /// Fewer than two labels once the names of one unit are merged; holds how many.
    #[error("cannot train: the history has {0} distinct label(s); routing needs at least two")]
    TooFewLabels(usize),
    /// The fusion layer cannot be fitted on the held-out predictions (e.g. they are all
    /// right or all wrong).
    #[error("cannot train: {0}")]
    Fusion(#[from] fusion::FusionError),
    /// Reading the rows failed.
    #[error("{0}")]
    Input(Box<dyn std::error::Error + Send + Sync>),
}

/// Rows to train on, read as training goes, so that a history larger than memory can be
/// trained on: only each row's features are kept. Reading stops at the first error.
pub trait TrainingRows: Iterator<Item = Result<LabelledPetition, Self::Error>> {
    /// The reader's error, boxed into [`TrainError::Input`] or [`crate::EvalError::Input`].
    type Error: Into<Box<dyn std::error::Error + Send + Sync>>;
}

impl<I, E> TrainingRows for I
where
    I: Iterator<Item = Result<LabelledPetition, E>>,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Error = E;
}

/// A stage of training, reported as it starts (for a progress bar).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrainStage {
    /// Segmenting and hashing every row.
    Features,
    /// Fitting cross-validation fold `fold` (0-based) of `folds`.
    Fold {
        /// The fold being fitted, from 0.
        fold: usize,
        /// Folds fitted in all (1 for a held-out split).
        folds: usize,
    },
    /// Calibration and the fusion layer, on the held-out predictions.
    Calibration,
    /// The final fit on all rows.
    FinalFit,
}

/// Trains a model on `rows` with the keywords of `catalogue` in the segmenter's dictionary.
/// The rows are read a chunk at a time; each chunk's text is dropped once its features are
/// made.
pub fn train(
    rows: impl TrainingRows,
    catalogue: &Catalogue,
    options: &TrainOptions,
) -> Result<(Model, TrainReport), TrainError> {
    train_with_progress(rows, catalogue, options, &|_| {})
}

/// [`train`], calling `progress` as each stage starts.
pub fn train_with_progress(
    rows: impl TrainingRows,
    catalogue: &Catalogue,
    options: &TrainOptions,
    progress: &(dyn Fn(TrainStage) + Sync),
) -> Result<(Model, TrainReport), TrainError> {
    let started = Instant::now();
    let params = options.params.clone().check()?;
    let user_words: Vec<String> = catalogue.keywords().map(str::to_string).collect();
    let extractor = FeatureExtractor::new(
        options.features.clone(),
        user_words.iter().map(String::as_str),
    )?;

    // Features and keyword scores of every row, in parallel, a chunk at a time: only the
    // sparse rows and each row's non-zero keyword scores are kept, never the texts, nor all
    // rows' feature spans and scorer buffers at once.
    progress(TrainStage::Features);
    let mut docs = SparseDocs::new(extractor.dimension());
    let mut keywords: Vec<RowKeywords> = Vec::new();
    // The catalogue's declared jurisdiction wins over the one the caller inferred.
    let settings = catalogue.settings();
    let locator = Locator::new(
        Gazetteer::shipped(),
        settings.jurisdiction.or(options.jurisdiction),
        settings.place_aliases.clone(),
    )?;
    let mut places: Vec<PlaceContext> = Vec::new();
    let mut labels_seen = LabelsSeen::default();
    let mut fingerprint = crc32fast::Hasher::new();
    let mut rows = rows.map(|r| r.map_err(|e| TrainError::Input(e.into())));
    loop {
        let chunk: Vec<LabelledPetition> = rows.by_ref().take(4_096).collect::<Result<_, _>>()?;
        if chunk.is_empty() {
            break;
        }
        for r in &chunk {
            labels_seen.add(&r.label);
            for part in [&r.title, &r.text, &r.label, &r.region] {
                fingerprint.update(part.as_bytes());
                fingerprint.update(&[0]);
            }
        }
        let analysed: Vec<(pr_text::DocFeatures, RowKeywords, PlaceContext)> = chunk
            .par_iter()
            .map_init(
                || {
                    (
                        String::new(),
                        pr_text::Scratch::default(),
                        KeywordScores::default(),
                    )
                },
                |(text, scratch, kw), r| {
                    normalise_into(&petition_text(&r.title, &r.text), options.max_chars, text);
                    let mut doc = pr_text::DocFeatures::default();
                    extractor.extract_into(text, scratch, &mut doc);
                    catalogue.score(text, kw);
                    let scored = kw
                        .touched
                        .iter()
                        .map(|&d| (d, kw.scores[d as usize]))
                        .filter(|&(_, s)| s > 0.0)
                        .collect();
                    let (_, place) = locator.locate(text, &r.region, &mut Vec::new());
                    (doc, RowKeywords(scored), place)
                },
            )
            .collect();
        for (doc, kw, place) in analysed {
            docs.push(&doc);
            keywords.push(kw);
            places.push(place);
        }
    }
    let n_rows = docs.len();
    let history_fingerprint = format!("{:08x}", fingerprint.finalize());
    let (labels, targets_of_rows, label_counts) = labels_seen.sorted();
    let parser = UnitParser::new(
        locator.gazetteer(),
        catalogue,
        locator.jurisdiction(),
        locator.aliases(),
    );
    let (labels, targets_of_rows, label_counts, merged_labels) =
        merge_units(labels, targets_of_rows, label_counts, &parser);
    if labels.len() < 2 {
        return Err(TrainError::TooFewLabels(labels.len()));
    }
    // Every fit ignores the buckets seen in fewer than min_df rows of its own; drop those that
    // no fit can keep before any starts, to shrink the rows the folds share.
    docs.prune(params.min_df());
    let mut targets = Targets::new(&labels, catalogue);
    let units = UnitSpace::new(&labels, &parser, |p| locator.district_of(p));
    targets.inherit_duties(|label| units.line_department(label, catalogue));

    // A line-of-duty head when the labels are units at several places: each line's rows at
    // every place pooled into one column.
    let lines_of_rows: Option<Vec<usize>> = (units.has_local_units()
        && units.lines() < labels.len())
    .then(|| targets_of_rows.iter().map(|&l| units.line_id(l)).collect());
    // The final fits and the cross-validation fits do not depend on each other, so they all
    // run at once: two cores stay busy while one fit's slowest labels finish.
    let fit_all = |targets: &[usize]| {
        let all = DatasetBase::new(docs.clone(), Array1::from(targets.to_vec()));
        params.fit(&all)
    };
    let ((classifier, line_classifier), cross_validated) = rayon::join(
        || {
            progress(TrainStage::FinalFit);
            rayon::join(
                || fit_all(&targets_of_rows),
                || lines_of_rows.as_deref().map(fit_all).transpose(),
            )
        },
        || match options.folds {
            0 | 1 => Ok(None),
            k => cross_validate(
                &docs,
                &targets_of_rows,
                lines_of_rows.as_deref(),
                k,
                options.held_out_split,
                &params,
                &labels,
                &keywords,
                &places,
                &targets,
                &units,
                progress,
            )
            .map(Some),
        },
    );
    let classifier: LinearClassifier = classifier?;
    let (calibration, cross_validation, line_temperature) = match cross_validated? {
        Some((calibration, cv, line_temperature)) => (calibration, Some(cv), line_temperature),
        None => (
            Calibration {
                temperature: 1.0,
                fusion: None,
            },
            None,
            None,
        ),
    };
    let (classifier, line_head) = match line_classifier? {
        Some(lines) => (
            classifier.join(&lines)?,
            Some(LineHead {
                labels: units.line_names().to_vec(),
                temperature: line_temperature.unwrap_or(1.0),
            }),
        ),
        None => (classifier, None),
    };
    let card = ModelCard {
        created_at: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        tool_version: options.tool_version.clone(),
        history: HistoryInfo {
            file: options.history_file.clone(),
            rows: n_rows,
            fingerprint: history_fingerprint,
            label_counts: label_counts.clone(),
        },
        params: params.clone(),
        catalogue_version: catalogue.version().to_string(),
        cross_validation,
        train_seconds: started.elapsed().as_secs_f64(),
    };
    let model = Model::with_line_head(
        labels,
        line_head,
        options.features.clone(),
        user_words,
        classifier,
        calibration,
        card,
    )?;
    Ok((
        model,
        TrainReport {
            unknown_labels: targets.unknown_labels().to_vec(),
            label_counts,
            merged_labels,
        },
    ))
}

/// k-fold cross-validation (or a held-out split: the first fold only): the calibration and
/// fusion fitted on the held-out predictions, and the metrics of the model alone and fused
/// with the keywords on the held-out rows.
#[allow(clippy::too_many_arguments)]
fn cross_validate(
    docs: &SparseDocs,
    truth: &[usize],
    lines: Option<&[usize]>,
    k: usize,
    held_out_split: bool,
    params: &pr_model::ValidTrainParams,
    labels: &[String],
    keywords: &[RowKeywords],
    places: &[PlaceContext],
    targets: &Targets,
    units: &UnitSpace,
    progress: &(dyn Fn(TrainStage) + Sync),
) -> Result<(Calibration, CrossValidation, Option<f32>), TrainError> {
    let folds = stratified_folds(truth, k, params.seed());
    let fitted = if held_out_split { 1 } else { k };
    let (held, scores) = held_out_scores(docs, truth, &folds, fitted, params, progress)?;
    // The line head's held-out scores, on the same folds (they come back in the same order).
    let line_scores = match lines {
        Some(lines) => Some(held_out_scores(docs, lines, &folds, fitted, params, progress)?.1),
        None => None,
    };
    let truth: Vec<usize> = held.iter().map(|&i| truth[i]).collect();
    let keywords: Vec<&RowKeywords> = held.iter().map(|&i| &keywords[i]).collect();
    let places: Vec<PlaceContext> = held.iter().map(|&i| places[i]).collect();
    let line_truth: Vec<usize> = lines
        .map(|lines| held.iter().map(|&i| lines[i]).collect())
        .unwrap_or_default();
    progress(TrainStage::Calibration);
    let sample = calibration_sample(truth.len());
    let temperature = fit_temperature(&scores, &truth, &sample);
    let model_ranked: Vec<Vec<usize>> = scores.iter().map(|s| ranking(s)).collect();
    let line_temperature = line_scores
        .as_ref()
        .map(|ls| fit_temperature(ls, &line_truth, &sample));
    let line_probabilities: Option<Vec<Vec<f32>>> = line_scores.map(|ls| {
        let t = line_temperature.unwrap_or(1.0);
        ls.into_iter()
            .map(|mut p| {
                softmax(&mut p, t);
                p
            })
            .collect()
    });
    let held_out = HeldOut {
        scores: &scores,
        keywords: &keywords,
        places: &places,
        lines: line_probabilities.as_deref(),
    };
    let (fusion, fused) = fit_fusion(&held_out, temperature, targets, units, &truth, &sample)?;
    let fused_ranked: Vec<Vec<usize>> = fused
        .iter()
        .map(|r| r.iter().map(|&(l, _)| l).collect())
        .collect();
    let in_hinted_district =
        places.iter().any(|p| p.hint_district.is_some()) && units.has_local_units();
    let model_in_hinted_district = in_hinted_district.then(|| {
        let ranked: Vec<Vec<usize>> = scores
            .iter()
            .zip(&places)
            .map(|(s, place)| {
                let mut r = ranking(s);
                r.retain(|&l| match (place.hint_district, units.district(l)) {
                    (Some(hint), Some(d)) => d == hint,
                    _ => true,
                });
                r
            })
            .collect();
        Metrics::compute(labels, &truth, &ranked)
    });
    let cv = CrossValidation {
        folds: k,
        held_out_split,
        model_in_hinted_district,
        model: Metrics::compute(labels, &truth, &model_ranked),
        fused: Metrics::compute(labels, &truth, &fused_ranked),
        calibration_error: expected_calibration_error(&fused, &truth),
    };
    let calibration = Calibration {
        temperature,
        fusion: Some(fusion),
    };
    Ok((calibration, cv, line_temperature))
}

/// The rows of the first `fitted` folds, ascending, each scored by a model that did
/// not see it. The folds are fitted in parallel.
#[allow(clippy::type_complexity)]
fn held_out_scores(
    docs: &SparseDocs,
    truth: &[usize],
    folds: &[usize],
    fitted: usize,
    params: &pr_model::ValidTrainParams,
    progress: &(dyn Fn(TrainStage) + Sync),
) -> Result<(Vec<usize>, Vec<Vec<f32>>), TrainError> {
    let n_labels = truth.iter().max().map_or(0, |m| m + 1);
    let per_fold: Vec<(Vec<usize>, Vec<Vec<f32>>)> = (0..fitted)
        .into_par_iter()
        .map(|f| {
            progress(TrainStage::Fold {
                fold: f,
                folds: fitted,
            });
            let (train_rows, test_rows): (Vec<usize>, Vec<usize>) =
                (0..truth.len()).partition(|&i| folds[i] != f);
            let train = DatasetBase::new(
                docs.select(&train_rows),
                Array1::from(train_rows.iter().map(|&i| truth[i]).collect::<Vec<_>>()),
            );
            let model: LinearClassifier = params.fit(&train)?;
            let test = docs.select(&test_rows);
            let scores = (0..test_rows.len())
                .map(|j| {
                    let mut s = Vec::new();
                    model.scores_into(test.row(j), &mut s);
                    // Labels above the fold's largest training label have no classifier in
                    // this fold: they get a score no real label reaches.
                    s.resize(n_labels, -1e3);
                    s
                })
                .collect();
            Ok((test_rows, scores))
        })
        .collect::<Result<_, TrainError>>()?;
    let mut held: Vec<(usize, Vec<f32>)> = per_fold
        .into_iter()
        .flat_map(|(rows, scores)| rows.into_iter().zip(scores))
        .collect();
    held.sort_unstable_by_key(|&(i, _)| i);
    Ok(held.into_iter().unzip())
}

/// At most this many held-out rows fit the calibration: the temperature and the fusion layer
/// are five numbers in all, which more rows do not change, and linfa's dense logistic
/// regression took minutes on the ~7·10^6 candidates of 10^6 rows.
const CALIBRATION_ROWS: usize = 100_000;

/// The rows calibration is fitted on: all of them, or [`CALIBRATION_ROWS`] spread evenly over
/// the history (which is often in date order).
fn calibration_sample(n: usize) -> Vec<usize> {
    if n <= CALIBRATION_ROWS {
        (0..n).collect()
    } else {
        (0..CALIBRATION_ROWS)
            .map(|i| i * n / CALIBRATION_ROWS)
            .collect()
    }
}

/// Softmax temperature minimising the held-out negative log-likelihood of the `sample` rows
/// (golden-section search over log temperature).
fn fit_temperature(scores: &[Vec<f32>], truth: &[usize], sample: &[usize]) -> f32 {
    let nll = |log_t: f64| -> f64 {
        let t = log_t.exp() as f32;
        let mut p = Vec::new();
        sample
            .iter()
            .map(|&i| {
                p.clear();
                p.extend_from_slice(&scores[i]);
                softmax(&mut p, t);
                -f64::from(p[truth[i]].max(1e-12)).ln()
            })
            .sum()
    };
    let (mut a, mut b) = (-3.0f64, 5.0f64);
    let g = (5f64.sqrt() - 1.0) / 2.0;
    for _ in 0..40 {
        let c = b - g * (b - a);
        let d = a + g * (b - a);
        if nll(c) < nll(d) {
            b = d;
        } else {
            a = c;
        }
    }
    ((a + b) / 2.0).exp() as f32
}

/// The positive keyword scores of one training row, by department (usually a handful).
struct RowKeywords(Vec<(u32, f32)>);

impl RowKeywords {
    fn score(&self, target: usize) -> f32 {
        self.0
            .iter()
            .find(|(d, _)| *d as usize == target)
            .map_or(0.0, |(_, s)| *s)
    }

    fn max(&self) -> f32 {
        self.0.iter().map(|(_, s)| *s).fold(0.0, f32::max)
    }
}

/// What cross-validation knows of each held-out row.
struct HeldOut<'a> {
    /// Raw label scores from a model that did not see the row.
    scores: &'a [Vec<f32>],
    keywords: &'a [&'a RowKeywords],
    places: &'a [PlaceContext],
    /// The line head's probabilities, by line number, when the model has one.
    lines: Option<&'a [Vec<f32>]>,
}

/// Fits the fusion layer on the held-out candidates of the `sample` rows; returns it with the
/// fused ranking of every row (label, confidence), best first.
#[allow(clippy::type_complexity)]
fn fit_fusion(
    held: &HeldOut,
    temperature: f32,
    targets: &Targets,
    units: &UnitSpace,
    truth: &[usize],
    sample: &[usize],
) -> Result<(pr_model::FusionWeights, Vec<Vec<(usize, f32)>>), TrainError> {
    // Row i's candidates and its largest keyword score.
    let candidates_of =
        |i: usize, p: &mut Vec<f32>, masses: &mut Masses, cands: &mut Vec<Candidate>| -> f32 {
            p.clear();
            p.extend_from_slice(&held.scores[i]);
            softmax(p, temperature);
            let keywords = held.keywords[i];
            candidates(
                p,
                |t| keywords.score(t),
                targets,
                units,
                &held.places[i],
                held.lines.map(|l| l[i].as_slice()),
                masses,
                cands,
            );
            keywords.max()
        };
    let (mut p, mut masses, mut cands) = (Vec::new(), Masses::default(), Vec::new());
    let (mut rows, mut correct) = (Vec::new(), Vec::new());
    for &i in sample {
        let max_keyword = candidates_of(i, &mut p, &mut masses, &mut cands);
        for (rank, c) in cands.iter().enumerate() {
            rows.push(fusion::features(c, max_keyword, rank == 0));
            correct.push(c.label == truth[i]);
        }
    }
    let weights = fusion::fit(&rows, &correct)?;
    let fused = (0..held.scores.len())
        .into_par_iter()
        .map_init(
            || (Vec::new(), Masses::default(), Vec::new(), Vec::new()),
            |(p, masses, cands, conf), i| {
                let max_keyword = candidates_of(i, p, masses, cands);
                fusion::confidences(Some(&weights), cands, max_keyword, conf);
                let mut r: Vec<(usize, f32)> = cands
                    .iter()
                    .map(|c| c.label)
                    .zip(conf.iter().copied())
                    .collect();
                r.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                r
            },
        )
        .collect();
    Ok((weights, fused))
}

/// Expected calibration error of the top-1 confidence over ten equal-width bins.
pub fn expected_calibration_error(ranked: &[Vec<(usize, f32)>], truth: &[usize]) -> f64 {
    let mut bins = [(0usize, 0f64, 0usize); 10];
    for (r, &y) in ranked.iter().zip(truth) {
        let Some(&(label, conf)) = r.first() else {
            continue;
        };
        let bin = ((conf * 10.0) as usize).min(9);
        bins[bin].0 += 1;
        bins[bin].1 += f64::from(conf);
        bins[bin].2 += usize::from(label == y);
    }
    let n = ranked.len().max(1) as f64;
    bins.iter()
        .filter(|b| b.0 > 0)
        .map(|&(_, conf_sum, right)| (conf_sum - right as f64).abs() / n)
        .sum()
}

/// Labels, rows' label indices and counts after merging labels that name one unit (瓦房店市 /
/// 瓦房店市人民政府, 环保局 / 环境保护局): each unit keeps the name with most rows (then the
/// first in sorted order). Also returns each merged name with the name it became.
#[allow(clippy::type_complexity)]
fn merge_units(
    labels: Vec<String>,
    of_rows: Vec<usize>,
    counts: BTreeMap<String, usize>,
    parser: &UnitParser,
) -> (
    Vec<String>,
    Vec<usize>,
    BTreeMap<String, usize>,
    Vec<(String, String)>,
) {
    let keys: Vec<_> = labels.iter().map(|l| parser.parse(l).key).collect();
    // The chosen name of each unit, by key.
    let mut chosen: std::collections::HashMap<&crate::UnitKey, usize> =
        std::collections::HashMap::new();
    for (i, key) in keys.iter().enumerate() {
        let best = chosen.entry(key).or_insert(i);
        if counts[&labels[i]] > counts[&labels[*best]] {
            *best = i;
        }
    }
    if chosen.len() == labels.len() {
        return (labels, of_rows, counts, Vec::new());
    }
    let mut names: Vec<String> = chosen.values().map(|&i| labels[i].clone()).collect();
    names.sort();
    let index: std::collections::HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let new_of_label: Vec<usize> = keys
        .iter()
        .map(|k| index[labels[chosen[k]].as_str()])
        .collect();
    let mut merged: Vec<(String, String)> = labels
        .iter()
        .zip(&new_of_label)
        .filter(|(l, &n)| **l != names[n])
        .map(|(l, &n)| (l.clone(), names[n].clone()))
        .collect();
    merged.sort();
    let mut new_counts: BTreeMap<String, usize> = BTreeMap::new();
    for (l, &n) in labels.iter().zip(&new_of_label) {
        *new_counts.entry(names[n].clone()).or_default() += counts[l];
    }
    let of_rows = of_rows.into_iter().map(|r| new_of_label[r]).collect();
    (names, of_rows, new_counts, merged)
}

/// The labels of rows as they are read, numbered by first appearance until all are known.
#[derive(Default)]
struct LabelsSeen {
    ids: std::collections::HashMap<String, usize>,
    names: Vec<String>,
    of_rows: Vec<usize>,
}

impl LabelsSeen {
    fn add(&mut self, label: &str) {
        let id = match self.ids.get(label) {
            Some(&id) => id,
            None => {
                self.names.push(label.to_string());
                self.ids.insert(label.to_string(), self.names.len() - 1);
                self.names.len() - 1
            }
        };
        self.of_rows.push(id);
    }

    /// The labels in sorted order (a model's label order), each row's index into them, and the
    /// rows per label.
    fn sorted(self) -> (Vec<String>, Vec<usize>, BTreeMap<String, usize>) {
        let mut order: Vec<usize> = (0..self.names.len()).collect();
        order.sort_by(|&a, &b| self.names[a].cmp(&self.names[b]));
        let mut rank = vec![0; order.len()];
        order.iter().enumerate().for_each(|(r, &id)| rank[id] = r);
        let of_rows: Vec<usize> = self.of_rows.iter().map(|&id| rank[id]).collect();
        let mut counts = vec![0; order.len()];
        of_rows.iter().for_each(|&r| counts[r] += 1);
        let mut names = self.names;
        let labels: Vec<String> = order
            .iter()
            .map(|&id| std::mem::take(&mut names[id]))
            .collect();
        let label_counts = labels.iter().cloned().zip(counts).collect();
        (labels, of_rows, label_counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_numbered_in_sorted_order_whatever_order_rows_come_in() {
        let mut seen = LabelsSeen::default();
        ["城管", "住建", "教育", "住建"]
            .into_iter()
            .for_each(|l| seen.add(l));
        let (labels, of_rows, counts) = seen.sorted();
        let mut sorted = labels.clone();
        sorted.sort();
        assert_eq!(labels, sorted);
        let name = |i: usize| labels[of_rows[i]].as_str();
        assert_eq!(
            (name(0), name(1), name(2), name(3)),
            ("城管", "住建", "教育", "住建")
        );
        assert_eq!(counts["住建"], 2);
        assert_eq!(counts.values().sum::<usize>(), 4);
    }

    #[test]
    fn calibration_uses_every_row_of_a_small_history_and_a_spread_of_a_large_one() {
        assert_eq!(calibration_sample(3), [0, 1, 2]);
        let n = 3 * CALIBRATION_ROWS + 1;
        let sample = calibration_sample(n);
        assert_eq!(sample.len(), CALIBRATION_ROWS);
        assert!(sample.windows(2).all(|w| w[1] - w[0] == 3));
        assert!(*sample.last().unwrap() >= n - 4);
    }
}
