//! The model as shipped: labels, feature configuration, jieba user words, classifier weights,
//! calibration and model card, in one file.

use crate::classifier::LinearClassifier;
use crate::metrics::Metrics;
use crate::params::ValidTrainParams;
use crate::{DataError, ModelError};
use pr_text::{DocFeatures, FeatureConfig, FeatureExtractor, FeatureKind, Scratch};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Turns raw label scores into probabilities, and the weights of the fusion layer fitted on
/// held-out folds (interpreted by the router).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calibration {
    /// Softmax temperature: `p = softmax(temperature · scores)`.
    pub temperature: f32,
    /// Fusion layer: logistic-regression weights over the router's per-candidate features.
    pub fusion: Option<FusionWeights>,
}

/// A small dense logistic layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FusionWeights {
    /// Names of the inputs, in order; a router that computes other inputs must refuse them.
    pub inputs: Vec<String>,
    /// One weight per input, same order: each candidate scores `sigmoid(weights · x +
    /// intercept)`, and the candidates' scores are scaled to sum to one.
    pub weights: Vec<f64>,
    /// The logistic layer's bias.
    pub intercept: f64,
}

/// What the history held.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryInfo {
    /// File name of the history (no directories: they may reveal people's names).
    pub file: String,
    /// Rows trained on (bad rows skipped before training are not counted).
    pub rows: usize,
    /// CRC-32 of the texts and labels used, to tell whether two models saw the same data.
    pub fingerprint: String,
    /// Rows per label, after the names of one unit were merged into one label.
    pub label_counts: BTreeMap<String, usize>,
}

/// Cross-validated quality, measured before the final fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrossValidation {
    /// Number of folds `k` the rows were split into.
    pub folds: usize,
    /// Only one fold (1/`folds` of the rows, stratified) was held out, fitted around and
    /// scored: a held-out split rather than k-fold cross-validation.
    #[serde(default)]
    pub held_out_split: bool,
    /// The linear model alone.
    pub model: Metrics,
    /// The linear model alone, restricted to the units of each row's hinted district and the
    /// city's own (the flat baseline of routing with a region hint); only for histories with
    /// district units and a region column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_in_hinted_district: Option<Metrics>,
    /// Model and keyword scores fused, as `route` answers.
    pub fused: Metrics,
    /// Mean |confidence − accuracy| over ten confidence bins (expected calibration error).
    pub calibration_error: f64,
    /// The demand type head against the cue words on the same held-out rows; only for
    /// histories with a kind column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demand_type: Option<DemandTypeCheck>,
}

/// How well the demand type is told on held-out rows of a history's kind column: by the
/// model's demand head and by the cue words alone, on the same rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemandTypeCheck {
    /// Held-out rows with a kind the head learned.
    pub rows: usize,
    /// Share of them the head types as the history did.
    pub model_accuracy: f64,
    /// Share of them the cue words type as the history did.
    pub rules_accuracy: f64,
}

impl CrossValidation {
    /// How the metrics were obtained, for people: "5-fold cross-validation" or
    /// "held-out split (1/10 of the rows)".
    pub fn method(&self) -> String {
        if self.held_out_split {
            format!("held-out split (1/{} of the rows)", self.folds)
        } else {
            format!("{}-fold cross-validation", self.folds)
        }
    }
}

/// The model card: where the model came from and how good it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelCard {
    /// UTC time of training, RFC 3339.
    pub created_at: String,
    /// petition-router version that trained it.
    pub tool_version: String,
    /// The history it was trained on.
    pub history: HistoryInfo,
    /// The training parameters used.
    pub params: ValidTrainParams,
    /// Version of the keyword lists it was trained with (their fusion was fitted with them).
    pub catalogue_version: String,
    /// Quality measured on held-out rows before the final fit; `None` when trained with
    /// fewer than two folds (then no calibration or fusion was fitted either).
    pub cross_validation: Option<CrossValidation>,
    /// Wall-clock training time, seconds.
    pub train_seconds: f64,
}

/// A loaded or freshly trained model.
#[derive(Debug)]
pub struct Model {
    labels: Vec<String>,
    heads: Heads,
    user_words: Vec<String>,
    extractor: FeatureExtractor,
    classifier: LinearClassifier,
    calibration: Calibration,
    card: ModelCard,
    version: String,
}

/// Further columns in the classifier after the labels', with a softmax of their own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Head {
    /// What each column stands for.
    pub labels: Vec<String>,
    /// Softmax temperature of those columns, fitted on held-out folds like the labels'.
    pub temperature: f32,
}

/// The heads a model may have; the classifier's columns are the labels', then the line
/// head's, then the demand head's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Heads {
    /// One column per line of duty (谁主管谁负责), trained on the rows of all of a line's
    /// units at every place pooled, so that a district bureau seen a few times borrows the
    /// evidence of its line elsewhere.
    pub line: Option<Head>,
    /// One column per demand type (`consultation`, `complaint` …) that a history's kind
    /// column names, trained on the rows that have one.
    pub demand: Option<Head>,
}

impl Heads {
    /// Columns of the line head, then of the demand head.
    fn widths(&self) -> (usize, usize) {
        let width = |h: &Option<Head>| h.as_ref().map_or(0, |h| h.labels.len());
        (width(&self.line), width(&self.demand))
    }
}

/// A model term that pushed the decision towards a label.
#[derive(Debug, Clone, PartialEq)]
pub struct TermWeight {
    /// The petition's text covered by the feature (a word, word pair or run of at least two
    /// characters), from the normalised text.
    pub term: String,
    /// Contribution to the label's score (value × weight).
    pub weight: f32,
    /// Byte offsets of the term in the normalised text.
    pub span: (u32, u32),
}

impl Model {
    /// Assembles a model from its parts; builds the segmenter with `user_words`.
    pub fn new(
        labels: Vec<String>,
        features: FeatureConfig,
        user_words: Vec<String>,
        classifier: LinearClassifier,
        calibration: Calibration,
        card: ModelCard,
    ) -> Result<Model, ModelError> {
        Self::with_heads(
            labels,
            Heads::default(),
            features,
            user_words,
            classifier,
            calibration,
            card,
        )
    }

    /// [`Model::new`] for a classifier whose columns are the labels followed by the heads'.
    pub fn with_heads(
        labels: Vec<String>,
        heads: Heads,
        features: FeatureConfig,
        user_words: Vec<String>,
        classifier: LinearClassifier,
        calibration: Calibration,
        card: ModelCard,
    ) -> Result<Model, ModelError> {
        let (lines, demand) = heads.widths();
        if labels.len() + lines + demand != classifier.n_labels() {
            return Err(DataError::LabelCount {
                labels: labels.len(),
                heads: lines + demand,
                columns: classifier.n_labels(),
            }
            .into());
        }
        for (head, h) in [("line", &heads.line), ("demand", &heads.demand)] {
            if let Some(h) = h
                .as_ref()
                .filter(|h| !(h.temperature.is_finite() && h.temperature > 0.0))
            {
                return Err(DataError::HeadTemperature {
                    head,
                    temperature: h.temperature,
                }
                .into());
            }
        }
        let extractor = FeatureExtractor::new(features, user_words.iter().map(String::as_str))
            .map_err(DataError::from)?;
        if extractor.dimension() != classifier.dimension() {
            return Err(DataError::HashSpace {
                classifier: classifier.dimension(),
                features: extractor.dimension(),
            }
            .into());
        }
        if !(calibration.temperature.is_finite() && calibration.temperature > 0.0) {
            return Err(DataError::CalibrationTemperature(calibration.temperature).into());
        }
        Ok(Model {
            labels,
            heads,
            user_words,
            extractor,
            classifier,
            calibration,
            card,
            version: String::new(),
        })
    }

    pub(crate) fn set_version(&mut self, version: String) {
        self.version = version;
    }

    /// Label names, indexed like scores.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The line-of-duty columns, if the model has them.
    pub fn line_head(&self) -> Option<&Head> {
        self.heads.line.as_ref()
    }

    /// The demand type columns, if the model has them.
    pub fn demand_head(&self) -> Option<&Head> {
        self.heads.demand.as_ref()
    }

    /// The heads.
    pub fn heads(&self) -> &Heads {
        &self.heads
    }

    /// Where the demand head's columns are among the scores.
    pub fn demand_columns(&self) -> std::ops::Range<usize> {
        let (lines, demand) = self.heads.widths();
        let start = self.labels.len() + lines;
        start..start + demand
    }

    /// Words added to jieba's dictionary at training time.
    pub fn user_words(&self) -> &[String] {
        &self.user_words
    }

    /// The feature extractor (segmenter included).
    pub fn extractor(&self) -> &FeatureExtractor {
        &self.extractor
    }

    /// The linear classifier.
    pub fn classifier(&self) -> &LinearClassifier {
        &self.classifier
    }

    /// Calibration and fusion weights.
    pub fn calibration(&self) -> &Calibration {
        &self.calibration
    }

    /// The model card.
    pub fn card(&self) -> &ModelCard {
        &self.card
    }

    /// Checksum-derived version of the saved file (`unsaved` before the first save).
    pub fn version(&self) -> &str {
        if self.version.is_empty() {
            "unsaved"
        } else {
            &self.version
        }
    }

    /// Features of normalised `text`.
    pub fn analyse_into(&self, text: &str, scratch: &mut Scratch, out: &mut DocFeatures) {
        self.extractor.extract_into(text, scratch, out);
    }

    /// Raw label scores of a document, into `out.scores`; `out` also keeps what
    /// [`Model::top_terms`] needs to explain them without looking the features up again.
    pub fn score(&self, doc: &DocFeatures, out: &mut DocScores) {
        let c = &self.classifier;
        let weights = pr_text::term_weights();
        let known = &mut out.known;
        known.clear();
        c.lookup_rows(doc.features.iter().map(|f| f.bucket), |i, row| {
            known.features.push(i as u32);
            known.rows.push((row, weights[usize::from(doc.counts[i])]));
        });
        out.scale = c.sum_rows(known.rows.iter().copied(), &mut out.scores);
    }

    /// Calibrated probabilities from raw scores, in place.
    pub fn probabilities(&self, scores: &mut [f32]) {
        let (labels, heads) = scores.split_at_mut(self.labels.len().min(scores.len()));
        softmax(labels, self.calibration.temperature);
        let (lines, demand) = self.heads.widths();
        let (line_scores, demand_scores) = heads.split_at_mut(lines.min(heads.len()));
        if let Some(h) = &self.heads.line {
            softmax(line_scores, h.temperature);
        }
        if let Some(h) = &self.heads.demand {
            let n = demand.min(demand_scores.len());
            softmax(&mut demand_scores[..n], h.temperature);
        }
    }

    /// The `n` features of `doc` that pushed column `label` (a label's or a head's) up the most, as text of `text`
    /// (the normalised text `doc` was extracted from), given `scored` by [`Model::score`].
    /// Words are preferred over character runs of the same text; a term appears once.
    pub fn top_terms(
        &self,
        doc: &DocFeatures,
        scored: &DocScores,
        text: &str,
        label: usize,
        n: usize,
    ) -> Vec<TermWeight> {
        if label >= self.classifier.n_labels() || n == 0 {
            return Vec::new();
        }
        // Only the strongest few are needed, with room for terms skipped below: keep them in
        // a short descending list while scanning instead of collecting every feature (a
        // petition has hundreds). Few features beat the list's weakest, so inserts are rare.
        let keep = 4 * n;
        let mut contributions: Vec<(f32, &pr_text::Feature)> = Vec::with_capacity(keep + 1);
        // What a feature must beat to enter: zero until the list is full, then its weakest.
        // One test that soon almost always fails keeps the loop free of mispredicted branches.
        let mut floor = 0.0;
        let known = &scored.known;
        let column = self.classifier.column(label);
        for (&feature, &(row, value)) in known.features.iter().zip(&known.rows) {
            let (idf, weight) = column.weight(row);
            let c = weight * value * idf * scored.scale;
            if c <= floor {
                continue;
            }
            let at = contributions.partition_point(|&(d, _)| d >= c);
            contributions.insert(at, (c, &doc.features[feature as usize]));
            if contributions.len() > keep {
                contributions.pop();
            }
            if contributions.len() == keep {
                floor = contributions[keep - 1].0;
            }
        }
        let mut out: Vec<TermWeight> = Vec::with_capacity(n);
        for (c, f) in contributions {
            let Some(term) = text.get(f.span.0 as usize..f.span.1 as usize) else {
                continue;
            };
            // Single characters say little to a clerk.
            if f.kind == FeatureKind::Chars && term.chars().count() < 2 {
                continue;
            }
            if out.iter().any(|t| t.term == term) {
                continue;
            }
            out.push(TermWeight {
                term: term.to_string(),
                weight: c,
                span: f.span,
            });
            if out.len() == n {
                break;
            }
        }
        out
    }
}

/// Label scores of one document and how they were reached; reused between documents.
#[derive(Debug, Default, Clone)]
pub struct DocScores {
    /// Raw score per label (probabilities after [`Model::probabilities`]).
    pub scores: Vec<f32>,
    /// The features of the document that the model knows.
    known: Known,
    /// Factor that scaled the document to unit length.
    scale: f32,
}

/// The features of a document that the model knows, in feature order, as parallel columns.
#[derive(Debug, Default, Clone)]
struct Known {
    /// Index into the document's features.
    features: Vec<u32>,
    /// Weight row and term weight (before idf and scaling) of each.
    rows: Vec<(u32, f32)>,
}

impl Known {
    fn clear(&mut self) {
        self.features.clear();
        self.rows.clear();
    }
}

/// `softmax(t · x)` in place, numerically stable.
pub fn softmax(x: &mut [f32], temperature: f32) {
    let max = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0f32;
    for v in x.iter_mut() {
        *v = ((*v - max) * temperature).exp();
        sum += *v;
    }
    if sum > 0.0 {
        x.iter_mut().for_each(|v| *v /= sum);
    }
}
