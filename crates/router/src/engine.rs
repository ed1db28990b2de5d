//! `route()`: one petition in, ranked departments with evidence out.

use crate::fusion::{self, Candidate, CANDIDATES};
use crate::targets::Targets;
use pr_catalogue::{Catalogue, KeywordScores};
use pr_model::{DocScores, Model, TermWeight};
use pr_text::{normalise_into, DocFeatures, Scratch};
use serde::Serialize;
use std::cell::RefCell;

/// Within a category handled by several departments, each department's share of the
/// category's confidence is proportional to its keyword score plus a prior, so that a
/// department without keyword evidence keeps a little. Departments that list the category
/// first (their central duty) get the full prior, the others half: without any keyword the
/// lead department comes first instead of a tie.
const SHARE_PRIOR: f32 = 0.25;

/// Tunables of the engine.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineOptions {
    /// Characters analysed at most; the rest of a longer petition is ignored (and reported).
    pub max_chars: usize,
    /// `needs_review` when the best confidence is below this.
    pub review_below: f32,
    /// `needs_review` when the best two confidences are closer than this.
    pub review_margin: f32,
    /// Model terms reported per suggestion.
    pub terms_per_suggestion: usize,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            max_chars: 8_000,
            review_below: 0.5,
            review_margin: 0.15,
            terms_per_suggestion: 5,
        }
    }
}

/// A petition to route.
#[derive(Debug, Clone, Copy, Default)]
pub struct Petition<'a> {
    pub title: &'a str,
    pub content: &'a str,
}

/// A matched duty keyword.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeywordEvidence {
    pub keyword: String,
    pub weight: f32,
}

/// One suggested department.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub code: String,
    pub name: String,
    /// Calibrated confidence in `0..=1`; suggestions' confidences sum to at most one.
    pub confidence: f32,
    /// The model label through which this department was reached.
    pub label: String,
    /// Duty keywords of this department found in the petition, strongest first.
    pub keywords: Vec<KeywordEvidence>,
    /// Petition terms that pushed the model towards `label`.
    pub terms: Vec<ModelTerm>,
}

/// A petition term with its contribution to the model score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelTerm {
    pub term: String,
    pub weight: f32,
}

/// The answer for one petition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Routing {
    pub suggestions: Vec<Suggestion>,
    /// The best model label (a category such as 城乡建设, or a department label).
    pub category: String,
    /// Low confidence, or the best two too close: a clerk should look.
    pub needs_review: bool,
    /// Characters analysed (after normalisation).
    pub analysed_chars: usize,
    /// True when the petition was longer than the analysed maximum.
    pub truncated: bool,
    pub model_version: String,
    pub catalogue_version: String,
}

/// Why a petition cannot be routed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    #[error("the petition has no text: title and content are empty or whitespace only")]
    EmptyText,
}

/// Why an engine cannot be assembled from a model and a catalogue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error("the model's fusion layer expects inputs {found:?}, this build computes {expected:?}: retrain the model")]
    FusionInputs {
        found: Vec<String>,
        expected: Vec<String>,
    },
}

/// The model, the catalogue and the mapping between them.
#[derive(Debug)]
pub struct Engine {
    model: Model,
    catalogue: Catalogue,
    targets: Targets,
    options: EngineOptions,
}

/// Per-thread buffers: routing allocates little once a thread is warm.
#[derive(Default)]
struct Buffers {
    text: String,
    scratch: Scratch,
    doc: DocFeatures,
    scored: DocScores,
    keywords: KeywordScores,
    candidates: Vec<Candidate>,
    confidences: Vec<f32>,
    shares: TargetShares,
}

/// Confidence gathered per routing target, indexed by target so that a catalogue of thousands
/// of departments costs no search; `touched` lists the targets that got any, in order.
#[derive(Default)]
struct TargetShares {
    by_target: Vec<Share>,
    touched: Vec<usize>,
}

#[derive(Default, Clone, Copy)]
struct Share {
    seen: bool,
    confidence: f32,
    /// The label that brought the largest part, and that part.
    label: usize,
    largest: f32,
}

impl TargetShares {
    fn clear(&mut self, targets: usize) {
        for &t in &self.touched {
            self.by_target[t] = Share::default();
        }
        self.touched.clear();
        self.by_target.resize(targets, Share::default());
    }

    fn add(&mut self, target: usize, label: usize, share: f32) {
        let s = &mut self.by_target[target];
        if !s.seen {
            self.touched.push(target);
            *s = Share {
                seen: true,
                confidence: 0.0,
                label,
                largest: share,
            };
        }
        s.confidence += share;
        if share > s.largest {
            (s.label, s.largest) = (label, share);
        }
    }
}

thread_local! {
    static BUFFERS: RefCell<Buffers> = RefCell::new(Buffers::default());
}

/// The text analysed for a petition: title and content, the same at training and routing.
/// Most petitions have no title: their content is analysed as it is, without a copy.
pub fn petition_text<'a>(title: &str, content: &'a str) -> std::borrow::Cow<'a, str> {
    if title.trim().is_empty() {
        content.into()
    } else {
        format!("{title}\n{content}").into()
    }
}

impl Engine {
    /// Assembles an engine; labels the catalogue does not know become targets of their own.
    pub fn new(
        model: Model,
        catalogue: Catalogue,
        options: EngineOptions,
    ) -> Result<Engine, EngineError> {
        if let Some(f) = &model.calibration().fusion {
            if f.inputs != fusion::INPUTS || f.weights.len() != fusion::INPUTS.len() {
                return Err(EngineError::FusionInputs {
                    found: f.inputs.clone(),
                    expected: fusion::INPUTS.iter().map(|s| s.to_string()).collect(),
                });
            }
        }
        let targets = Targets::new(model.labels(), &catalogue);
        Ok(Engine {
            model,
            catalogue,
            targets,
            options,
        })
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The catalogue.
    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    /// The routing targets.
    pub fn targets(&self) -> &Targets {
        &self.targets
    }

    /// Model labels ranked by fused confidence, best first (for evaluation).
    pub fn rank_labels(&self, petition: Petition) -> Result<Vec<(usize, f32)>, RouteError> {
        BUFFERS.with(|b| {
            let b = &mut *b.borrow_mut();
            self.analyse(petition, b)?;
            let mut ranked: Vec<(usize, f32)> = b
                .candidates
                .iter()
                .zip(&b.confidences)
                .map(|(c, &p)| (c.label, p))
                .collect();
            ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            Ok(ranked)
        })
    }

    /// Routes one petition: the `top_k` best departments with evidence.
    pub fn route(&self, petition: Petition, top_k: usize) -> Result<Routing, RouteError> {
        BUFFERS.with(|b| {
            let b = &mut *b.borrow_mut();
            let normalised = self.analyse(petition, b)?;
            Ok(self.rank_targets(b, normalised, top_k.max(1)))
        })
    }

    /// Normalises, extracts features, scores model and keywords, and fuses them into
    /// `b.candidates` / `b.confidences`.
    fn analyse(
        &self,
        petition: Petition,
        b: &mut Buffers,
    ) -> Result<pr_text::Normalised, RouteError> {
        let raw = petition_text(petition.title, petition.content);
        let normalised = normalise_into(&raw, self.options.max_chars, &mut b.text);
        if b.text.is_empty() {
            return Err(RouteError::EmptyText);
        }
        self.model.analyse_into(&b.text, &mut b.scratch, &mut b.doc);
        self.model.score(&b.doc, &mut b.scored);
        self.model.probabilities(&mut b.scored.scores);
        self.catalogue.score(&b.text, &mut b.keywords);
        let keywords = &b.keywords.scores;
        candidates(
            &b.scored.scores,
            |t| keywords.get(t).copied().unwrap_or(0.0),
            &self.targets,
            &mut b.candidates,
        );
        let max_keyword = b.keywords.scores.iter().copied().fold(0.0, f32::max);
        fusion::confidences(
            self.model.calibration().fusion.as_ref(),
            &b.candidates,
            max_keyword,
            &mut b.confidences,
        );
        Ok(normalised)
    }

    fn rank_targets(
        &self,
        b: &mut Buffers,
        normalised: pr_text::Normalised,
        top_k: usize,
    ) -> Routing {
        let shares = &mut b.shares;
        shares.clear(self.targets.all().len());
        let labels = self.model.labels();
        for (c, &conf) in b.candidates.iter().zip(&b.confidences) {
            let targets = self.targets.of_label(c.label);
            let weight = |t: usize| {
                let keyword = b.keywords.scores.get(t).copied().unwrap_or(0.0);
                let lead = self.targets.is_lead(t, c.label);
                keyword + if lead { SHARE_PRIOR } else { SHARE_PRIOR / 2.0 }
            };
            let total: f32 = targets.iter().map(|&t| weight(t)).sum();
            for &t in targets {
                shares.add(t, c.label, conf * weight(t) / total);
            }
        }
        // (target, confidence, label that brought the most of it), best first.
        let mut per_target: Vec<(usize, f32, usize)> = shares
            .touched
            .iter()
            .map(|&t| {
                let s = shares.by_target[t];
                (t, s.confidence, s.label)
            })
            .collect();
        per_target.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let best = per_target.first().map_or(0.0, |e| e.1);
        let second = per_target.get(1).map_or(0.0, |e| e.1);
        // Suggestions reached through the same label share its model terms.
        let mut terms_of: Vec<(usize, Vec<ModelTerm>)> = Vec::new();
        let suggestions = per_target
            .iter()
            .take(top_k)
            .map(|&(t, confidence, label)| {
                let target = &self.targets.all()[t];
                let keywords = target
                    .department
                    .map(|d| {
                        b.keywords
                            .evidence(d)
                            .into_iter()
                            .map(|h| KeywordEvidence {
                                keyword: self.catalogue.keyword(h.keyword).to_string(),
                                weight: h.weight,
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let terms = match terms_of.iter().find(|(l, _)| *l == label) {
                    Some((_, t)) => t.clone(),
                    None => {
                        let t: Vec<ModelTerm> = self
                            .model
                            .top_terms(
                                &b.doc,
                                &b.scored,
                                &b.text,
                                label,
                                self.options.terms_per_suggestion,
                            )
                            .into_iter()
                            .map(|TermWeight { term, weight }| ModelTerm { term, weight })
                            .collect();
                        terms_of.push((label, t.clone()));
                        t
                    }
                };
                Suggestion {
                    code: target.code.clone(),
                    name: target.name.clone(),
                    confidence,
                    label: labels[label].clone(),
                    keywords,
                    terms,
                }
            })
            .collect();
        let category = b
            .candidates
            .iter()
            .zip(&b.confidences)
            .max_by(|x, y| x.1.total_cmp(y.1))
            .map(|(c, _)| labels[c.label].clone())
            .unwrap_or_default();
        Routing {
            suggestions,
            category,
            needs_review: best < self.options.review_below
                || best - second < self.options.review_margin,
            analysed_chars: normalised.chars,
            truncated: normalised.truncated,
            model_version: self.model.version().to_string(),
            catalogue_version: self.catalogue.version().to_string(),
        }
    }
}

/// The model's best labels with their keyword evidence, best first.
/// `keyword(t)` is the keyword score of target `t`.
pub(crate) fn candidates(
    probabilities: &[f32],
    keyword: impl Fn(usize) -> f32,
    targets: &Targets,
    out: &mut Vec<Candidate>,
) {
    out.clear();
    out.extend(
        probabilities
            .iter()
            .enumerate()
            .map(|(label, &p)| Candidate {
                label,
                probability: p,
                keyword: 0.0,
            }),
    );
    let keep = CANDIDATES.min(out.len());
    if keep < out.len() {
        out.select_nth_unstable_by(keep - 1, |a, b| b.probability.total_cmp(&a.probability));
        out.truncate(keep);
    }
    out.sort_by(|a, b| {
        b.probability
            .total_cmp(&a.probability)
            .then(a.label.cmp(&b.label))
    });
    for c in out.iter_mut() {
        c.keyword = targets
            .of_label(c.label)
            .iter()
            .map(|&t| keyword(t))
            .fold(0.0, f32::max);
    }
}
