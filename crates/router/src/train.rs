//! The training pipeline: features, k-fold held-out predictions, calibration and fusion
//! fitted on them, then the final fit on all rows.

mod demand_head;

use crate::engine::{candidates, petition_text, Masses};
use crate::fusion::{self, Candidate};
use crate::place::{Locator, PlaceContext};
use crate::targets::Targets;
use crate::units::{UnitParser, UnitSpace};
use demand_head::{KindsSeen, RowKind};
use linfa::dataset::DatasetBase;
use linfa::traits::Fit;
use ndarray::Array1;
use pr_analysis::{DemandRules, DemandType};
use pr_catalogue::{Catalogue, KeywordScores};
use pr_locality::{Code, Gazetteer};
use pr_model::{
    ranking, softmax, stratified_folds, Calibration, CrossValidation, Head, Heads, HistoryInfo,
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
    /// What kind of petition the history filed it as (咨询问题, 投诉 …; the history's kind
    /// column), which the demand type learns from.
    pub kind: Option<String>,
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
    /// Kinds of the history's kind column that name no demand type, with their row counts;
    /// those rows teach the demand head nothing.
    pub unknown_kinds: BTreeMap<String, usize>,
    /// The demand types the model learned from the kind column; empty without a demand head.
    pub demand_types: Vec<String>,
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
    progress(TrainStage::Features);
    let locator = training_locator(catalogue, options)?;
    let analyser = RowAnalyser {
        extractor: &extractor,
        catalogue,
        locator: &locator,
        demand_rules: &DemandRules::default(),
        max_chars: options.max_chars,
    };
    let mut history = analyser.read(rows)?;
    let n_rows = history.docs.len();
    let history_fingerprint = format!("{:08x}", history.fingerprint.finalize());
    let parser = unit_parser(&locator, catalogue);
    let labels = HistoryLabels::merged(history.labels_seen, &parser)?;
    // Every fit ignores the buckets seen in fewer than min_df rows of its own; drop those that
    // no fit can keep before any starts, to shrink the rows the folds share.
    history.docs.prune(params.min_df());
    let (targets, units) = routing_units(&labels, &parser, &locator, catalogue);
    let lines_of_rows = lines_of_rows(&units, &labels);
    let set = TrainingSet {
        docs: &history.docs,
        truth: &labels.of_rows,
        lines: lines_of_rows.as_deref(),
        params: &params,
        labels: &labels.names,
        keywords: &history.keywords,
        places: &history.places,
        targets: &targets,
        units: &units,
    };
    let mut fitted = set.fit_in_parallel(options, progress).finish(&units)?;
    let demand = demand_head::fit(&history.docs, &history.kinds, &params, options)?;
    let demand_types = demand
        .as_ref()
        .map_or(Vec::new(), |d| d.head.labels.clone());
    let demand_head = match demand {
        Some(d) => {
            fitted.classifier = fitted.classifier.join(&d.classifier)?;
            if let Some(cv) = fitted.cross_validation.as_mut() {
                cv.demand_type = d.check;
            }
            Some(d.head)
        }
        None => None,
    };
    let info = HistoryInfo {
        file: options.history_file.clone(),
        rows: n_rows,
        fingerprint: history_fingerprint,
        label_counts: labels.counts.clone(),
    };
    let card = model_card(
        options,
        &params,
        catalogue,
        info,
        fitted.cross_validation,
        started,
    );
    let heads = Heads {
        line: fitted.line_head,
        demand: demand_head,
    };
    let classifier = pruned(fitted.classifier, &params, labels.names.len(), &heads)?;
    let model = Model::with_heads(
        labels.names,
        heads,
        options.features.clone(),
        user_words,
        classifier,
        fitted.calibration,
        card,
    )?;
    Ok((
        model,
        TrainReport {
            unknown_labels: targets.unknown_labels().to_vec(),
            label_counts: labels.counts,
            merged_labels: labels.merged,
            unknown_kinds: history.kinds.unknown,
            demand_types,
        },
    ))
}

/// `classifier` (heads joined) with the labels' weights, and the line head's, kept sparse
/// where the parameters prune that many columns. A line head is never wider than the labels
/// (each line has a unit), so it is pruned only with them, and the sparse groups stay first.
fn pruned(
    classifier: LinearClassifier,
    params: &pr_model::ValidTrainParams,
    labels: usize,
    heads: &Heads,
) -> Result<LinearClassifier, TrainError> {
    let Some(k) = params.label_pairs_for(labels) else {
        return Ok(classifier);
    };
    let mut groups = vec![labels];
    let lines = heads.line.as_ref().map_or(0, |h| h.labels.len());
    if params.label_pairs_for(lines).is_some() {
        groups.push(lines);
    }
    Ok(classifier.prune_columns(&groups, k)?)
}

/// The place matcher training locates rows with: within the catalogue's declared
/// jurisdiction, which wins over the one the caller inferred.
fn training_locator(catalogue: &Catalogue, options: &TrainOptions) -> Result<Locator, TrainError> {
    let settings = catalogue.settings();
    Ok(Locator::new(
        Gazetteer::shipped(),
        settings.jurisdiction.or(options.jurisdiction),
        settings.place_aliases.clone(),
    )?)
}

/// A parser of the names of units of the locator's jurisdiction.
fn unit_parser<'a>(locator: &'a Locator, catalogue: &'a Catalogue) -> UnitParser<'a> {
    UnitParser::new(
        locator.gazetteer(),
        catalogue,
        locator.jurisdiction(),
        locator.aliases(),
    )
}

/// The routing targets of the labels, and the labels as units; a label that is a target of
/// its own inherits the duty keywords of its line's department.
fn routing_units(
    labels: &HistoryLabels,
    parser: &UnitParser,
    locator: &Locator,
    catalogue: &Catalogue,
) -> (Targets, UnitSpace) {
    let mut targets = Targets::new(&labels.names, catalogue);
    let units = UnitSpace::new(&labels.names, parser, |p| locator.district_of(p));
    targets.inherit_duties(|label| units.line_department(label, catalogue));
    (targets, units)
}

/// What training keeps of every row read: never the texts, only what the fits need.
struct History {
    /// Each row's sparse features.
    docs: SparseDocs,
    /// Each row's non-zero keyword scores.
    keywords: Vec<RowKeywords>,
    /// Each row's place.
    places: Vec<PlaceContext>,
    /// Each row's label.
    labels_seen: LabelsSeen,
    /// Each row's kind, when the history has a kind column.
    kinds: KindsSeen,
    /// A checksum of every row's fields, for the model card.
    fingerprint: crc32fast::Hasher,
}

/// One row as training keeps it: its features, keyword scores, place and kind.
type AnalysedRow = (
    pr_text::DocFeatures,
    RowKeywords,
    PlaceContext,
    Option<RowKind>,
);

/// Turns rows into what training keeps of them, analysing their text as routing does.
struct RowAnalyser<'a> {
    /// Segments and hashes the text.
    extractor: &'a FeatureExtractor,
    /// Scores the text's duty keywords.
    catalogue: &'a Catalogue,
    /// Finds the row's place.
    locator: &'a Locator,
    /// Types the rows with a kind by their cue words, to measure the demand head against.
    demand_rules: &'a DemandRules,
    /// Characters analysed per row.
    max_chars: usize,
}

impl RowAnalyser<'_> {
    /// Reads and analyses every row, in parallel, a chunk at a time: only the sparse rows and
    /// each row's non-zero keyword scores are kept, never the texts, nor all rows' feature
    /// spans and scorer buffers at once. Stops at the first row that cannot be read.
    fn read(&self, rows: impl TrainingRows) -> Result<History, TrainError> {
        let mut history = History {
            docs: SparseDocs::new(self.extractor.dimension()),
            keywords: Vec::new(),
            places: Vec::new(),
            labels_seen: LabelsSeen::default(),
            kinds: KindsSeen::default(),
            fingerprint: crc32fast::Hasher::new(),
        };
        let mut rows = rows.map(|r| r.map_err(|e| TrainError::Input(e.into())));
        loop {
            let chunk: Vec<LabelledPetition> =
                rows.by_ref().take(4_096).collect::<Result<_, _>>()?;
            if chunk.is_empty() {
                break;
            }
            history.note_labels(&chunk);
            for (doc, kw, place, kind) in self.analyse_chunk(&chunk) {
                history.docs.push(&doc);
                history.keywords.push(kw);
                history.places.push(place);
                history.kinds.rows.push(kind);
            }
        }
        Ok(history)
    }

    /// Every row of `chunk` analysed, in order, in parallel (with buffers per thread).
    fn analyse_chunk(&self, chunk: &[LabelledPetition]) -> Vec<AnalysedRow> {
        chunk
            .par_iter()
            .map_init(
                || {
                    (
                        String::new(),
                        pr_text::Scratch::default(),
                        KeywordScores::default(),
                    )
                },
                |(text, scratch, kw), r| self.analyse(r, text, scratch, kw),
            )
            .collect()
    }

    /// One row's features, positive keyword scores, place and kind; `text`, `scratch` and
    /// `kw` are reused buffers.
    fn analyse(
        &self,
        r: &LabelledPetition,
        text: &mut String,
        scratch: &mut pr_text::Scratch,
        kw: &mut KeywordScores,
    ) -> AnalysedRow {
        normalise_into(&petition_text(&r.title, &r.text), self.max_chars, text);
        let mut doc = pr_text::DocFeatures::default();
        self.extractor.extract_into(text, scratch, &mut doc);
        self.catalogue.score(text, kw);
        let scored = kw
            .touched
            .iter()
            .map(|&d| (d, kw.scores[d as usize]))
            .filter(|&(_, s)| s > 0.0)
            .collect();
        let (_, place) = self.locator.locate(text, &r.region, &mut Vec::new());
        let kind = r
            .kind
            .as_deref()
            .and_then(DemandType::from_history_kind)
            .map(|history| RowKind {
                history,
                rules: self.demand_rules.demand_type(text),
            });
        (doc, RowKeywords(scored), place, kind)
    }
}

impl History {
    /// Notes the labels of `chunk`'s rows and adds their fields to the fingerprint.
    fn note_labels(&mut self, chunk: &[LabelledPetition]) {
        for r in chunk {
            self.labels_seen.add(&r.label);
            for part in [&r.title, &r.text, &r.label, &r.region] {
                self.fingerprint.update(part.as_bytes());
                self.fingerprint.update(&[0]);
            }
            // Only a history with kinds hashes them: the others keep their fingerprints.
            if let Some(kind) = &r.kind {
                self.fingerprint.update(kind.as_bytes());
                self.fingerprint.update(&[0]);
                if DemandType::from_history_kind(kind).is_none() {
                    *self.kinds.unknown.entry(kind.clone()).or_default() += 1;
                }
            }
        }
    }
}

/// The history's labels once the names of one unit are merged.
struct HistoryLabels {
    /// The labels in sorted order: the model's labels.
    names: Vec<String>,
    /// Each row's index into `names`.
    of_rows: Vec<usize>,
    /// Rows per label.
    counts: BTreeMap<String, usize>,
    /// Each merged name with the name it became.
    merged: Vec<(String, String)>,
}

impl HistoryLabels {
    /// Sorts the labels seen and merges those that name one unit; fails with fewer than two.
    fn merged(seen: LabelsSeen, parser: &UnitParser) -> Result<HistoryLabels, TrainError> {
        let (names, of_rows, counts) = seen.sorted();
        let (names, of_rows, counts, merged) = merge_units(names, of_rows, counts, parser);
        if names.len() < 2 {
            return Err(TrainError::TooFewLabels(names.len()));
        }
        Ok(HistoryLabels {
            names,
            of_rows,
            counts,
            merged,
        })
    }
}

/// Each row's line of duty, for a line-of-duty head: when the labels are units at several
/// places, each line's rows at every place pooled into one column. `None` without one.
fn lines_of_rows(units: &UnitSpace, labels: &HistoryLabels) -> Option<Vec<usize>> {
    (units.has_local_units() && units.lines() < labels.names.len())
        .then(|| labels.of_rows.iter().map(|&l| units.line_id(l)).collect())
}

/// Everything the fits read: the rows' features and labels, and what routing knows of the
/// labels.
struct TrainingSet<'a> {
    /// Each row's features.
    docs: &'a SparseDocs,
    /// Each row's label.
    truth: &'a [usize],
    /// Each row's line of duty, when the model gets a line head.
    lines: Option<&'a [usize]>,
    /// The solver's parameters.
    params: &'a pr_model::ValidTrainParams,
    /// The model's labels.
    labels: &'a [String],
    /// Each row's keyword scores.
    keywords: &'a [RowKeywords],
    /// Each row's place.
    places: &'a [PlaceContext],
    /// The routing targets of the labels.
    targets: &'a Targets,
    /// The labels as units.
    units: &'a UnitSpace,
}

/// The outcomes of the fits that run at once, each kept until all are done.
struct Fits {
    /// The final fit of the labels on all rows.
    classifier: Result<LinearClassifier, ModelError>,
    /// The final fit of the line head on all rows, when there is one.
    line_classifier: Result<Option<LinearClassifier>, ModelError>,
    /// Cross-validation: calibration, report and the line head's temperature; `None` without
    /// folds.
    cross_validated: Result<Option<(Calibration, CrossValidation, Option<f32>)>, TrainError>,
}

/// The fitted parts of a model.
struct Fitted {
    /// The labels' classifier, joined with the line head's when there is one.
    classifier: LinearClassifier,
    /// The line head's labels and temperature, when there is one.
    line_head: Option<Head>,
    /// The temperature and fusion layer; plain softmax without cross-validation.
    calibration: Calibration,
    /// The held-out report, when cross-validated.
    cross_validation: Option<CrossValidation>,
}

impl TrainingSet<'_> {
    /// Runs the final fits and the cross-validation fits at once: they do not depend on each
    /// other, so two cores stay busy while one fit's slowest labels finish.
    fn fit_in_parallel(
        &self,
        options: &TrainOptions,
        progress: &(dyn Fn(TrainStage) + Sync),
    ) -> Fits {
        let fit_all = |targets: &[usize]| {
            let all = DatasetBase::new(self.docs.clone(), Array1::from(targets.to_vec()));
            self.params.fit(&all)
        };
        let ((classifier, line_classifier), cross_validated) = rayon::join(
            || {
                progress(TrainStage::FinalFit);
                rayon::join(
                    || fit_all(self.truth),
                    || self.lines.map(fit_all).transpose(),
                )
            },
            || match options.folds {
                0 | 1 => Ok(None),
                k => cross_validate(self, k, options.held_out_split, progress).map(Some),
            },
        );
        Fits {
            classifier,
            line_classifier,
            cross_validated,
        }
    }
}

impl Fits {
    /// The model's fitted parts, or the first error of the final fit, the cross-validation,
    /// the line head's fit and joining the two.
    fn finish(self, units: &UnitSpace) -> Result<Fitted, TrainError> {
        let classifier: LinearClassifier = self.classifier?;
        let (calibration, cross_validation, line_temperature) = match self.cross_validated? {
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
        let (classifier, line_head) = match self.line_classifier? {
            Some(lines) => (
                classifier.join(&lines)?,
                Some(Head {
                    labels: units.line_names().to_vec(),
                    temperature: line_temperature.unwrap_or(1.0),
                }),
            ),
            None => (classifier, None),
        };
        Ok(Fitted {
            classifier,
            line_head,
            calibration,
            cross_validation,
        })
    }
}

/// The model card: when, from what and how the model was made, and how it did held out.
fn model_card(
    options: &TrainOptions,
    params: &pr_model::ValidTrainParams,
    catalogue: &Catalogue,
    history: HistoryInfo,
    cross_validation: Option<CrossValidation>,
    started: Instant,
) -> ModelCard {
    ModelCard {
        created_at: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        tool_version: options.tool_version.clone(),
        history,
        params: params.clone(),
        catalogue_version: catalogue.version().to_string(),
        cross_validation,
        train_seconds: started.elapsed().as_secs_f64(),
    }
}

/// k-fold cross-validation (or a held-out split: the first fold only): the calibration and
/// fusion fitted on the held-out predictions, and the metrics of the model alone and fused
/// with the keywords on the held-out rows.
fn cross_validate(
    set: &TrainingSet,
    k: usize,
    held_out_split: bool,
    progress: &(dyn Fn(TrainStage) + Sync),
) -> Result<(Calibration, CrossValidation, Option<f32>), TrainError> {
    let (docs, params, units) = (set.docs, set.params, set.units);
    let folds = stratified_folds(set.truth, k, params.seed());
    let fitted = if held_out_split { 1 } else { k };
    // Each fold's labels are pruned as the final model's will be, so that the report measures
    // the model that is shipped.
    let pairs = params.label_pairs_for(set.labels.len());
    let (held, scores) = held_out_scores(docs, set.truth, &folds, fitted, params, pairs, progress)?;
    // The line head's held-out scores, on the same folds (they come back in the same order).
    let line_scores = match set.lines {
        Some(lines) => {
            let pairs = params.label_pairs_for(units.line_names().len());
            Some(held_out_scores(docs, lines, &folds, fitted, params, pairs, progress)?.1)
        }
        None => None,
    };
    let truth: Vec<usize> = held.iter().map(|&i| set.truth[i]).collect();
    let keywords: Vec<&RowKeywords> = held.iter().map(|&i| &set.keywords[i]).collect();
    let places: Vec<PlaceContext> = held.iter().map(|&i| set.places[i]).collect();
    let line_truth: Vec<usize> = set
        .lines
        .map(|lines| held.iter().map(|&i| lines[i]).collect())
        .unwrap_or_default();
    progress(TrainStage::Calibration);
    let sample = calibration_sample(truth.len());
    let temperature = fit_temperature(&scores, &truth, &sample);
    let model_ranked: Vec<Vec<usize>> = scores.iter().map(|s| ranking(s)).collect();
    let (line_temperature, line_probabilities) = calibrate_lines(line_scores, &line_truth, &sample);
    let held_out = HeldOut {
        scores: &scores,
        keywords: &keywords,
        places: &places,
        lines: line_probabilities.as_deref(),
    };
    let (fusion, fused) = fit_fusion(&held_out, temperature, set.targets, units, &truth, &sample)?;
    let fused_ranked: Vec<Vec<usize>> = fused
        .iter()
        .map(|r| r.iter().map(|&(l, _)| l).collect())
        .collect();
    let cv = CrossValidation {
        folds: k,
        held_out_split,
        model_in_hinted_district: metrics_in_hinted_district(set, &scores, &places, &truth),
        model: Metrics::compute(set.labels, &truth, &model_ranked),
        fused: Metrics::compute(set.labels, &truth, &fused_ranked),
        calibration_error: expected_calibration_error(&fused, &truth),
        // Filled in by the demand head's own folds.
        demand_type: None,
    };
    let calibration = Calibration {
        temperature,
        fusion: Some(fusion),
    };
    Ok((calibration, cv, line_temperature))
}

/// The line head's temperature, fitted on its held-out scores of the `sample` rows, and its
/// held-out probabilities at that temperature; both `None` without a line head.
fn calibrate_lines(
    line_scores: Option<Vec<Vec<f32>>>,
    line_truth: &[usize],
    sample: &[usize],
) -> (Option<f32>, Option<Vec<Vec<f32>>>) {
    let line_temperature = line_scores
        .as_ref()
        .map(|ls| fit_temperature(ls, line_truth, sample));
    let line_probabilities: Option<Vec<Vec<f32>>> = line_scores.map(|ls| {
        let t = line_temperature.unwrap_or(1.0);
        ls.into_iter()
            .map(|mut p| {
                softmax(&mut p, t);
                p
            })
            .collect()
    });
    (line_temperature, line_probabilities)
}

/// The model's metrics on the held-out rows with the labels of other districts than the
/// region hint's struck out, when some rows have a hint and the labels are local units.
fn metrics_in_hinted_district(
    set: &TrainingSet,
    scores: &[Vec<f32>],
    places: &[PlaceContext],
    truth: &[usize],
) -> Option<Metrics> {
    let units = set.units;
    let in_hinted_district =
        places.iter().any(|p| p.hint_district.is_some()) && units.has_local_units();
    in_hinted_district.then(|| {
        let ranked: Vec<Vec<usize>> = scores
            .iter()
            .zip(places)
            .map(|(s, place)| {
                let mut r = ranking(s);
                r.retain(|&l| match (place.hint_district, units.district(l)) {
                    (Some(hint), Some(d)) => d == hint,
                    _ => true,
                });
                r
            })
            .collect();
        Metrics::compute(set.labels, truth, &ranked)
    })
}

/// The rows of the first `fitted` folds, ascending, each scored by a model that did
/// not see it, pruned to `pairs` weights per feature when given. The folds are fitted in
/// parallel.
#[allow(clippy::type_complexity)]
fn held_out_scores(
    docs: &SparseDocs,
    truth: &[usize],
    folds: &[usize],
    fitted: usize,
    params: &pr_model::ValidTrainParams,
    pairs: Option<usize>,
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
            let model = match pairs {
                Some(k) => model.prune_columns(&[model.n_labels()], k)?,
                None => model,
            };
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
