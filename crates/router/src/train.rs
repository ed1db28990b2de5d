//! The training pipeline: features, k-fold held-out predictions, calibration and fusion
//! fitted on them, then the final fit on all rows.

use crate::engine::{candidates, petition_text, Engine, Petition};
use crate::fusion::{self, Candidate};
use crate::targets::Targets;
use linfa::dataset::DatasetBase;
use linfa::traits::Fit;
use ndarray::Array1;
use pr_catalogue::{Catalogue, KeywordScores};
use pr_model::{
    ranking, softmax, stratified_folds, Calibration, CrossValidation, HistoryInfo,
    LinearClassifier, Metrics, Model, ModelCard, ModelError, ParamGuard, SparseDocs, TrainParams,
};
use pr_text::{normalise_into, FeatureConfig, FeatureExtractor};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::time::Instant;

/// One row of labelled history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledPetition {
    pub title: String,
    pub text: String,
    pub label: String,
}

/// How to train.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    pub params: TrainParams,
    pub features: FeatureConfig,
    /// Cross-validation folds for the report and for fitting calibration and fusion;
    /// below 2 skips both (the model then uses plain softmax probabilities).
    pub folds: usize,
    /// Characters analysed per petition, as in routing.
    pub max_chars: usize,
    /// Name of the history file, for the model card.
    pub history_file: String,
    /// Version string of the tool, for the model card.
    pub tool_version: String,
}

/// What training found besides the model.
#[derive(Debug, Clone)]
pub struct TrainReport {
    /// Labels no department of the catalogue knows; each is routed to as a target of its own.
    pub unknown_labels: Vec<String>,
    pub label_counts: BTreeMap<String, usize>,
}

/// Why training failed.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("{0}")]
    Model(#[from] ModelError),
    #[error("cannot train: {0}")]
    Data(String),
}

/// A stage of training, reported as it starts (for a progress bar).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrainStage {
    /// Segmenting and hashing every row.
    Features,
    /// Fitting cross-validation fold `fold` (0-based) of `folds`.
    Fold { fold: usize, folds: usize },
    /// Calibration and the fusion layer, on the held-out predictions.
    Calibration,
    /// The final fit on all rows.
    FinalFit,
}

/// Trains a model on `rows` with the keywords of `catalogue` in the segmenter's dictionary.
/// The rows are consumed: each chunk's text is dropped once its features are made.
pub fn train(
    rows: Vec<LabelledPetition>,
    catalogue: &Catalogue,
    options: &TrainOptions,
) -> Result<(Model, TrainReport), TrainError> {
    train_with_progress(rows, catalogue, options, &|_| {})
}

/// [`train`], calling `progress` as each stage starts.
pub fn train_with_progress(
    rows: Vec<LabelledPetition>,
    catalogue: &Catalogue,
    options: &TrainOptions,
    progress: &(dyn Fn(TrainStage) + Sync),
) -> Result<(Model, TrainReport), TrainError> {
    let started = Instant::now();
    let params = options.params.clone().check()?;
    let mut label_counts: BTreeMap<String, usize> = BTreeMap::new();
    for r in &rows {
        *label_counts.entry(r.label.clone()).or_default() += 1;
    }
    if label_counts.len() < 2 {
        return Err(TrainError::Data(format!(
            "the history has {} distinct label(s); routing needs at least two",
            label_counts.len()
        )));
    }
    let labels: Vec<String> = label_counts.keys().cloned().collect();
    let label_index: BTreeMap<&str, usize> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i))
        .collect();
    let targets_of_rows: Vec<usize> = rows.iter().map(|r| label_index[r.label.as_str()]).collect();

    let user_words: Vec<String> = catalogue.keywords().map(str::to_string).collect();
    let extractor = FeatureExtractor::new(
        options.features.clone(),
        user_words.iter().map(String::as_str),
    )
    .map_err(|e| TrainError::Data(e.to_string()))?;

    // Features and keyword scores of every row, in parallel, a chunk at a time: only the
    // sparse rows and each row's non-zero keyword scores are kept, never all rows' feature
    // spans and scorer buffers at once.
    progress(TrainStage::Features);
    let mut docs = SparseDocs::new(extractor.dimension());
    let (n_rows, history_fingerprint) = (rows.len(), fingerprint(&rows));
    let mut keywords: Vec<RowKeywords> = Vec::with_capacity(n_rows);
    let mut rows = rows.into_iter();
    loop {
        let chunk: Vec<LabelledPetition> = rows.by_ref().take(4_096).collect();
        if chunk.is_empty() {
            break;
        }
        let analysed: Vec<(pr_text::DocFeatures, RowKeywords)> = chunk
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
                    (doc, RowKeywords(scored))
                },
            )
            .collect();
        for (doc, kw) in analysed {
            docs.push(&doc);
            keywords.push(kw);
        }
    }
    // Every fit ignores the buckets seen in fewer than min_df rows of its own; drop those that
    // no fit can keep before any starts, to shrink the rows the folds share.
    docs.prune(params.min_df);
    let targets = Targets::new(&labels, catalogue);

    let mut calibration = Calibration {
        temperature: 1.0,
        fusion: None,
    };
    let mut cross_validation = None;
    if options.folds >= 2 {
        let folds = stratified_folds(&targets_of_rows, options.folds, params.seed);
        let scores = held_out_scores(
            &docs,
            &targets_of_rows,
            &folds,
            options.folds,
            &params,
            progress,
        )?;
        progress(TrainStage::Calibration);
        calibration.temperature = fit_temperature(&scores, &targets_of_rows);
        let model_ranked: Vec<Vec<usize>> = scores.iter().map(|s| ranking(s)).collect();
        let (fusion, fused) = fit_fusion(
            &scores,
            calibration.temperature,
            &keywords,
            &targets,
            &targets_of_rows,
        )?;
        calibration.fusion = Some(fusion);
        let fused_ranked: Vec<Vec<usize>> = fused
            .iter()
            .map(|r| r.iter().map(|&(l, _)| l).collect())
            .collect();
        cross_validation = Some(CrossValidation {
            folds: options.folds,
            model: Metrics::compute(&labels, &targets_of_rows, &model_ranked),
            fused: Metrics::compute(&labels, &targets_of_rows, &fused_ranked),
            calibration_error: expected_calibration_error(&fused, &targets_of_rows),
        });
    }

    progress(TrainStage::FinalFit);
    let dataset = DatasetBase::new(docs, Array1::from(targets_of_rows.clone()));
    let classifier: LinearClassifier = params.fit(&dataset)?;
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
    let model = Model::new(
        labels,
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
        },
    ))
}

/// Scores of every row by a model that did not see it.
fn held_out_scores(
    docs: &SparseDocs,
    truth: &[usize],
    folds: &[usize],
    k: usize,
    params: &pr_model::ValidTrainParams,
    progress: &(dyn Fn(TrainStage) + Sync),
) -> Result<Vec<Vec<f32>>, TrainError> {
    let n_labels = truth.iter().max().map_or(0, |m| m + 1);
    let mut scores = vec![Vec::new(); truth.len()];
    for f in 0..k {
        progress(TrainStage::Fold { fold: f, folds: k });
        let (train_rows, test_rows): (Vec<usize>, Vec<usize>) =
            (0..truth.len()).partition(|&i| folds[i] != f);
        let train = DatasetBase::new(
            docs.select(&train_rows),
            Array1::from(train_rows.iter().map(|&i| truth[i]).collect::<Vec<_>>()),
        );
        let model: LinearClassifier = params.fit(&train)?;
        let test = docs.select(&test_rows);
        for (j, &i) in test_rows.iter().enumerate() {
            let mut s = Vec::new();
            model.scores_into(test.row(j), &mut s);
            // Labels above the fold's largest training label have no classifier in this fold:
            // they get a score no real label reaches.
            s.resize(n_labels, -1e3);
            scores[i] = s;
        }
    }
    Ok(scores)
}

/// Softmax temperature minimising the held-out negative log-likelihood (golden-section
/// search over log temperature).
fn fit_temperature(scores: &[Vec<f32>], truth: &[usize]) -> f32 {
    let nll = |log_t: f64| -> f64 {
        let t = log_t.exp() as f32;
        scores
            .iter()
            .zip(truth)
            .map(|(s, &y)| {
                let mut p = s.clone();
                softmax(&mut p, t);
                -f64::from(p[y].max(1e-12)).ln()
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

/// Fits the fusion layer on held-out candidates; returns it with the fused ranking of every
/// row (label, confidence), best first.
#[allow(clippy::type_complexity)]
fn fit_fusion(
    scores: &[Vec<f32>],
    temperature: f32,
    keywords: &[RowKeywords],
    targets: &Targets,
    truth: &[usize],
) -> Result<(pr_model::FusionWeights, Vec<Vec<(usize, f32)>>), TrainError> {
    let mut all: Vec<(Vec<Candidate>, f32)> = Vec::with_capacity(scores.len());
    let mut rows = Vec::new();
    let mut correct = Vec::new();
    for ((s, kw), &y) in scores.iter().zip(keywords).zip(truth) {
        let mut p = s.clone();
        softmax(&mut p, temperature);
        let mut cands = Vec::new();
        candidates(&p, |t| kw.score(t), targets, &mut cands);
        let max_keyword = kw.max();
        for (i, c) in cands.iter().enumerate() {
            rows.push(fusion::features(c, max_keyword, i == 0));
            correct.push(c.label == y);
        }
        all.push((cands, max_keyword));
    }
    let weights = fusion::fit(&rows, &correct).map_err(TrainError::Data)?;
    let mut conf = Vec::new();
    let fused = all
        .iter()
        .map(|(cands, max_keyword)| {
            fusion::confidences(Some(&weights), cands, *max_keyword, &mut conf);
            let mut r: Vec<(usize, f32)> = cands
                .iter()
                .map(|c| c.label)
                .zip(conf.iter().copied())
                .collect();
            r.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            r
        })
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

/// CRC-32 of texts and labels, in order.
fn fingerprint(rows: &[LabelledPetition]) -> String {
    let mut h = crc32fast::Hasher::new();
    for r in rows {
        for part in [&r.title, &r.text, &r.label] {
            h.update(part.as_bytes());
            h.update(&[0]);
        }
    }
    format!("{:08x}", h.finalize())
}

/// Metrics of an engine on labelled rows, and which rows its best suggestion got right (to
/// compare two models row by row).
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub metrics: Metrics,
    pub top1_right: Vec<bool>,
}

/// Evaluates `engine` on labelled rows: metrics in the model's label space. Labels the model
/// does not know count as errors.
pub fn evaluate(
    engine: &Engine,
    rows: &[LabelledPetition],
) -> Result<Evaluation, crate::RouteError> {
    let mut labels: Vec<String> = engine.model().labels().to_vec();
    let mut truth = Vec::with_capacity(rows.len());
    for r in rows {
        let t = match labels.iter().position(|l| *l == r.label) {
            Some(t) => t,
            None => {
                labels.push(r.label.clone());
                labels.len() - 1
            }
        };
        truth.push(t);
    }
    let ranked: Vec<Vec<usize>> = rows
        .par_iter()
        .map(|r| {
            engine
                .rank_labels(Petition {
                    title: &r.title,
                    content: &r.text,
                })
                .map(|ranked| ranked.into_iter().map(|(l, _)| l).collect())
        })
        .collect::<Result<_, _>>()?;
    let top1_right = truth
        .iter()
        .zip(&ranked)
        .map(|(t, r)| r.first() == Some(t))
        .collect();
    Ok(Evaluation {
        metrics: Metrics::compute(&labels, &truth, &ranked),
        top1_right,
    })
}
