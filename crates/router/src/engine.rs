//! `route()`: one petition in, ranked departments with evidence out.

use crate::fusion::{self, Candidate, PlaceFit, Reason, CANDIDATES};
use crate::place::{Locator, PlaceContext};
use crate::targets::Targets;
use crate::units::{infer_jurisdiction, UnitParser, UnitSpace};
use pr_analysis::{Analyser, Analysis, DemandType, Evidence, Fact, LearnedType};
use pr_catalogue::{Catalogue, KeywordScores};
use pr_locality::{Code, Gazetteer};
use pr_model::{argmax, DocScores, Model, TermWeight};
use pr_text::{normalise_into, DocFeatures, Scratch};
use serde::Serialize;
use std::cell::RefCell;

/// Within a category handled by several departments, each department's share of the
/// category's confidence is proportional to its keyword score plus a prior, so that a
/// department without keyword evidence keeps a little. Departments that list the category
/// first (their central duty) get the full prior, the others half: without any keyword the
/// lead department comes first instead of a tie.
const SHARE_PRIOR: f32 = 0.25;

/// Model terms given as the evidence of a learned demand type.
const TYPE_TERMS: usize = 3;

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

impl EngineOptions {
    /// Whether a clerk should look before dispatch: the best confidence is low, or the best
    /// two are close.
    pub fn needs_review(&self, best: f32, second: f32) -> bool {
        best < self.review_below || best - second < self.review_margin
    }
}

/// A petition to route.
#[derive(Debug, Clone, Copy, Default)]
pub struct Petition<'a> {
    /// The petition's title (标题 / 留言主题), or `""`; routed together with the content.
    pub title: &'a str,
    /// The petition's text (内容 / 诉求内容); the petition is refused when title and content
    /// are both blank.
    pub content: &'a str,
    /// The place the intake desk knows the petition comes from (district, county or town),
    /// or `""`. It decides the locality for its level (属地管理); the text's places stay
    /// evidence.
    pub region: &'a str,
    /// Whether to analyse the petition too (facts, masked text, demand, channel, risks),
    /// when the engine has an analyser.
    pub analyse: bool,
    /// The earlier petition this one repeats and the unit that finally handled it, when the
    /// caller keeps a repeat window (重复件).
    pub repeat_of: Option<RepeatOf<'a>>,
}

/// An earlier petition about the same matter, and the unit that finally handled it.
/// Repeats stay with the unit that has the matter: it is suggested first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RepeatOf<'a> {
    /// The earlier petition's request id, the evidence returned with the suggestion.
    pub request_id: &'a str,
    /// The unit that finally handled it: a department's code, name or alias, or a unit of
    /// the model's labels.
    pub unit: &'a str,
}

/// A matched duty keyword.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeywordEvidence {
    /// The keyword in normalised form, as listed in the department's file.
    pub keyword: String,
    /// Its weight in that file; negative for a negative keyword (one pointing elsewhere).
    pub weight: f32,
}

/// One suggested department.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    /// The department's code; for a unit the catalogue does not list (a label of the history,
    /// or a unit declared in `catalogue.toml`), the unit's name.
    pub code: String,
    /// The department's official name; the unit's name for a unit outside the catalogue.
    pub name: String,
    /// Calibrated confidence in `0..=1`; suggestions' confidences sum to at most one.
    pub confidence: f32,
    /// The model label through which this department was reached.
    pub label: String,
    /// Duty keywords of this department found in the petition, strongest first.
    pub keywords: Vec<KeywordEvidence>,
    /// Petition terms that pushed the model towards `label`.
    pub terms: Vec<ModelTerm>,
    /// Administrative level of the unit: city, district (区 / 县 / 县级市) or town (乡镇 /
    /// 街道).
    pub level: Level,
    /// The unit's place: its division's full name and 12-digit code; empty for a city-level
    /// unit of a catalogue without a jurisdiction.
    pub place: String,
    /// The 12-digit statistical code of [`Suggestion::place`]; empty when `place` is.
    pub place_code: String,
    /// Which rule chose this unit (see [`UnitRule`]).
    pub rule: UnitRule,
    /// Its part: sole handler, lead or co-handler of a joint matter, or an alternative.
    pub role: HandlingRole,
    /// With [`UnitRule::Repeat`]: the request id of the earlier petition this unit finally
    /// handled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat_of: Option<String>,
}

/// The part a suggested unit plays (谁主管谁负责; joint matters name a lead and co-handlers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HandlingRole {
    /// The best suggestion, handling the petition alone.
    Sole,
    /// The best suggestion of a joint matter: it leads (主办).
    Lead,
    /// A unit of another line of duty that handles its part of a joint matter (协办).
    CoHandler,
    /// Another candidate for the whole petition, should the first be wrong.
    #[default]
    Alternative,
}

/// Administrative level of a handling unit (分级负责).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// A department of the city (or of the catalogue's jurisdiction).
    #[default]
    City,
    /// A district, county or county-level city, or one of its departments.
    District,
    /// A town, township or street office (乡镇 / 街道).
    Town,
}

/// Why a unit was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitRule {
    /// The model and keywords named this unit directly.
    #[default]
    Direct,
    /// The catalogue's unit for the petition's place and the line of duty.
    LocalUnit,
    /// No unit of the line at the place: the place's government (district or town).
    PlaceGovernment,
    /// No unit at the place: the line's city-level department.
    CityDepartment,
    /// The unit that finally handled the earlier petition this one repeats; its confidence
    /// stays the model's (0 when the model did not rank it).
    Repeat,
}

/// Where the petition's place came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LocalitySource {
    /// No place found.
    #[default]
    None,
    /// The intake desk's region hint.
    Hint,
    /// Places named in the title or text.
    Text,
    /// What the history taught (road, compound and village names → district).
    Model,
}

/// A place named in the petition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlaceEvidence {
    /// The words as they appear in the analysed text.
    pub text: String,
    /// Character offsets in the analysed text (normalised title, newline, content).
    pub start: usize,
    /// Character offset just past the words (exclusive).
    pub end: usize,
    /// The division they name (12 digits).
    pub code: String,
}

/// A division, by code and full names from the province down.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Place {
    /// Province-level division (省, 自治区, or a municipality such as 北京市); empty when
    /// no place is known.
    pub province: String,
    /// Prefecture-level division (地级市, 地区, 自治州, 盟); empty when not determined.
    pub city: String,
    /// District, county or county-level city.
    pub district: String,
    /// Town, township or street.
    pub town: String,
    /// 12-digit statistical code of the deepest division named.
    pub code: String,
}

/// The petition's place (属地) and how it was found.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Locality {
    /// The deepest place determined; all empty when none.
    #[serde(flatten)]
    pub place: Place,
    /// Where `place` came from: the region hint, the text, the model, or nowhere.
    pub source: LocalitySource,
    /// The places named in the text that support it (or that the text names besides a hint).
    pub evidence: Vec<PlaceEvidence>,
    /// When a place named in the text is ambiguous (城关镇 exists 88 times): its candidates,
    /// and `place` stays at the deepest level that is certain.
    pub candidates: Vec<Place>,
}

/// A petition term with its contribution to the model score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelTerm {
    /// The petition's words behind one feature (a word, word pair or run of at least two
    /// characters), as they appear in the normalised text.
    pub term: String,
    /// The feature's contribution to the label's score before calibration (value × idf ×
    /// weight, on the unit-length document); larger pushes harder.
    pub weight: f32,
}

/// The answer for one petition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Routing {
    /// The units suggested, best first, at most the `top_k` asked for.
    pub suggestions: Vec<Suggestion>,
    /// The best model label (a category such as 城乡建设, or a department label).
    pub category: String,
    /// Low confidence, or the best two too close: a clerk should look.
    pub needs_review: bool,
    /// Characters analysed (after normalisation).
    pub analysed_chars: usize,
    /// True when the petition was longer than the analysed maximum.
    pub truncated: bool,
    /// The serving model's version (a checksum of its file), for tracing an answer back.
    pub model_version: String,
    /// The keyword lists' version (a checksum of their files).
    pub catalogue_version: String,
    /// The petition's place and how it was found.
    pub locality: Locality,
    /// Things the caller should know that did not stop routing (e.g. a region hint that
    /// names no known place).
    pub warnings: Vec<String>,
    /// Facts, masked text, demand, channel and risks; `None` when not asked for or the
    /// engine has no analyser.
    pub analysis: Option<Analysis>,
}

/// Model labels ranked by fused confidence, and the district the petition was placed in.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedLabels {
    /// (label, confidence), best first.
    pub labels: Vec<(usize, f32)>,
    /// The district (county-level division) of the petition's locality, if any.
    pub district: Option<Code>,
}

/// Why a petition cannot be routed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    /// Title and content normalise to nothing: there is nothing to route on, and a guess
    /// would look like an answer.
    #[error("the petition has no text: title and content are empty or whitespace only")]
    EmptyText,
}

/// Why an engine cannot be assembled from a model and a catalogue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// The model's fusion layer was fitted on other inputs than this build computes: the
    /// model was trained by another version.
    #[error("the model's fusion layer expects inputs {found:?}, this build computes {expected:?}: retrain the model")]
    FusionInputs {
        /// The fusion inputs the model file names.
        found: Vec<String>,
        /// The fusion inputs this build computes.
        expected: Vec<String>,
    },
    /// The gazetteer's place matcher for the jurisdiction and the catalogue's place names
    /// cannot be built; holds the gazetteer's error.
    #[error("the place matcher cannot be built: {0}")]
    Places(String),
    /// The model's line head and its labels disagree: the file was not written by this
    /// version's `train`.
    #[error("the model's line head names a line of duty that none of its labels has: the file was not made by this version's train; retrain the model")]
    LineHead,
    /// The model's demand head names a type this version does not know; holds it.
    #[error("the model's demand head names the type '{0}', which this version does not know; retrain the model")]
    DemandHead(String),
}

/// The model, the catalogue and the mapping between them.
#[derive(Debug)]
pub struct Engine {
    model: Model,
    catalogue: Catalogue,
    targets: Targets,
    /// The model's labels as units (place × line of duty).
    units: UnitSpace,
    /// Places in petitions and region hints, within the jurisdiction.
    locator: Locator,
    /// The line number of each of the model's line-head columns (empty without a head).
    head_lines: Vec<usize>,
    /// The type of each of the model's demand-head columns (empty without a head).
    demand_types: Vec<DemandType>,
    options: EngineOptions,
    analyser: Option<Analyser>,
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
    masses: Masses,
    /// The line head's probabilities by line number.
    lines: Vec<f32>,
    locality: Locality,
    place: PlaceContext,
    warnings: Vec<String>,
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

/// The analysis with the places the locality stage found in the text as its place facts.
fn with_places(mut analysis: Analysis, locality: &Locality) -> Analysis {
    analysis.facts.places = locality
        .evidence
        .iter()
        .map(|p| Fact {
            text: p.text.clone(),
            start: p.start,
            end: p.end,
            normalised: p.code.clone(),
            value: None,
            approximate: false,
        })
        .collect();
    analysis
}

/// The locator for a model's labels and a catalogue: within the catalogue's jurisdiction, or
/// the one the labels' places lie in.
fn locator_for(
    labels: &[String],
    catalogue: &Catalogue,
) -> Result<Locator, pr_locality::GazetteerError> {
    let gazetteer = Gazetteer::shipped();
    let settings = catalogue.settings();
    let aliases = settings.place_aliases.clone();
    let jurisdiction = settings
        .jurisdiction
        .or_else(|| infer_jurisdiction(gazetteer, labels.iter().map(String::as_str), &aliases));
    Locator::new(gazetteer, jurisdiction, aliases)
}

fn unit_space(labels: &[String], catalogue: &Catalogue, locator: &Locator) -> UnitSpace {
    let parser = UnitParser::new(
        locator.gazetteer(),
        catalogue,
        locator.jurisdiction(),
        locator.aliases(),
    );
    UnitSpace::with_declared(
        labels,
        &parser,
        |p| locator.district_of(p),
        catalogue.units(),
    )
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
        let mut targets = Targets::new(model.labels(), &catalogue);
        let locator = locator_for(model.labels(), &catalogue)
            .map_err(|e| EngineError::Places(e.to_string()))?;
        let units = unit_space(model.labels(), &catalogue, &locator);
        targets.add_virtual(units.virtual_names());
        let head_lines = match model.line_head() {
            None => Vec::new(),
            Some(head) => head
                .labels
                .iter()
                .map(|l| units.line_number(l))
                .collect::<Option<Vec<usize>>>()
                .ok_or(EngineError::LineHead)?,
        };
        let demand_types = match model.demand_head() {
            None => Vec::new(),
            Some(head) => head
                .labels
                .iter()
                .map(|l| DemandType::from_history_kind(l).ok_or(EngineError::DemandHead(l.clone())))
                .collect::<Result<_, _>>()?,
        };
        targets.inherit_duties(|label| units.line_department(label, &catalogue));
        Ok(Engine {
            model,
            catalogue,
            targets,
            units,
            locator,
            head_lines,
            demand_types,
            options,
            analyser: None,
        })
    }

    /// The engine with an analysis stage: [`Petition::analyse`] then adds
    /// [`Routing::analysis`], and a high-severity risk sets `needs_review`.
    pub fn with_analyser(mut self, analyser: Analyser) -> Engine {
        self.analyser = Some(analyser);
        self
    }

    /// The analysis stage, if the engine has one.
    pub fn analyser(&self) -> Option<&Analyser> {
        self.analyser.as_ref()
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

    /// The tunables it routes with.
    pub fn options(&self) -> &EngineOptions {
        &self.options
    }

    /// The jurisdiction: declared by the catalogue, or where the model's units lie.
    pub fn jurisdiction(&self) -> Option<Code> {
        self.locator.jurisdiction()
    }

    /// The model label of the unit a name stands for (one body under several names is one
    /// unit), if the model knows that unit.
    pub fn label_of_unit(&self, name: &str) -> Option<usize> {
        let labels = self.model.labels();
        if let Some(i) = labels.iter().position(|l| l == name) {
            return Some(i);
        }
        self.units.label_of(&self.unit_parser().parse(name).key)
    }

    /// The name of a label: the model's, or a declared unit's for a virtual label.
    pub fn label_name(&self, label: usize) -> &str {
        match self.model.labels().get(label) {
            Some(name) => name,
            None => self.units.virtual_name(label).unwrap_or_default(),
        }
    }

    /// Every label's name: the model's labels, then the declared units it has none for.
    pub fn label_names(&self) -> Vec<String> {
        let mut names = self.model.labels().to_vec();
        names.extend_from_slice(self.units.virtual_names());
        names
    }

    /// The district of the unit a name stands for, if it is a district or town unit.
    pub fn district_of_unit(&self, name: &str) -> Option<Code> {
        let place = self.unit_parser().parse(name).key.place?;
        self.locator.district_of(place)
    }

    fn unit_parser(&self) -> UnitParser<'_> {
        UnitParser::new(
            self.locator.gazetteer(),
            &self.catalogue,
            self.locator.jurisdiction(),
            self.locator.aliases(),
        )
    }

    /// Model labels ranked by fused confidence, best first, and the district of the
    /// petition's locality (for evaluation).
    pub fn rank_labels(&self, petition: Petition) -> Result<RankedLabels, RouteError> {
        BUFFERS.with(|b| {
            let b = &mut *b.borrow_mut();
            self.analyse(petition, b)?;
            let district = b.place.locality.and_then(|c| self.locator.district_of(c));
            let mut ranked: Vec<(usize, f32)> = b
                .candidates
                .iter()
                .zip(&b.confidences)
                .map(|(c, &p)| (c.label, p))
                .collect();
            ranked.sort_by(best_first);
            Ok(RankedLabels {
                labels: ranked,
                district,
            })
        })
    }

    /// The petition's locality as [`Engine::route`] gives it, when the region hint or a
    /// district the text names decides it (or the catalogue has no local units); `None` when
    /// only routing can tell, from what the model learned of places. A cheap pass for callers
    /// that need the place of many petitions and the rest of the routing of a few.
    pub fn locate(&self, petition: Petition) -> Result<Option<Locality>, RouteError> {
        BUFFERS.with(|b| {
            let b = &mut *b.borrow_mut();
            let raw = petition_text(petition.title, petition.content);
            normalise_into(&raw, self.options.max_chars, &mut b.text);
            if b.text.is_empty() {
                return Err(RouteError::EmptyText);
            }
            b.warnings.clear();
            let (locality, _) = self
                .locator
                .locate(&b.text, petition.region, &mut b.warnings);
            // The model sets the place only where these leave it open (`set_from_model`).
            let decided = !self.units.has_local_units()
                || match locality.source {
                    LocalitySource::Hint => true,
                    LocalitySource::Text => !locality.place.district.is_empty(),
                    LocalitySource::None | LocalitySource::Model => false,
                };
            Ok(decided.then_some(locality))
        })
    }

    /// Routes one petition: the `top_k` best departments with evidence.
    pub fn route(&self, petition: Petition, top_k: usize) -> Result<Routing, RouteError> {
        BUFFERS.with(|b| {
            let b = &mut *b.borrow_mut();
            let normalised = self.analyse(petition, b)?;
            let mut routing = self.rank_targets(b, normalised, top_k.max(1), petition.repeat_of);
            if let Some(analyser) = self.analyser.as_ref().filter(|_| petition.analyse) {
                let mut analysis = with_places(analyser.analyse(&b.text), &routing.locality);
                if let Some(learned) = self.learned_type(b) {
                    analysis.demand.learn(learned);
                }
                routing.needs_review |= analysis.has_high_risk();
                routing.analysis = Some(analysis);
            }
            Ok(routing)
        })
    }

    /// The demand type the model's demand head gives the petition in `b`, with its terms
    /// that weigh most for it; `None` without a head.
    fn learned_type(&self, b: &Buffers) -> Option<LearnedType> {
        let columns = self.model.demand_columns();
        let probabilities = b.scored.scores.get(columns.clone())?;
        if probabilities.is_empty() {
            return None;
        }
        let best = argmax(probabilities);
        let terms =
            self.model
                .top_terms(&b.doc, &b.scored, &b.text, columns.start + best, TYPE_TERMS);
        let char_at = |byte: u32| b.text[..byte as usize].chars().count();
        let evidence = terms
            .into_iter()
            .map(|t| Evidence {
                start: char_at(t.span.0),
                end: char_at(t.span.1),
                text: t.term,
            })
            .collect();
        Some(LearnedType {
            kind: self.demand_types[best],
            probability: probabilities[best],
            learned: self.demand_types.clone(),
            evidence,
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
        let (probabilities, head) = b.scored.scores.split_at(self.model.labels().len());
        let line_probabilities = (!self.head_lines.is_empty()).then(|| {
            b.lines.clear();
            b.lines.resize(self.units.lines(), 0.0);
            for (&line, &p) in self.head_lines.iter().zip(head) {
                b.lines[line] = p;
            }
            b.lines.as_slice()
        });
        self.catalogue.score(&b.text, &mut b.keywords);
        b.warnings.clear();
        (b.locality, b.place) = self
            .locator
            .locate(&b.text, petition.region, &mut b.warnings);
        let keywords = &b.keywords.scores;
        candidates(
            probabilities,
            |d| keywords.get(d).copied().unwrap_or(0.0),
            &self.targets,
            &self.units,
            &b.place,
            line_probabilities,
            &mut b.masses,
            &mut b.candidates,
        );
        if self.units.has_local_units() {
            if let Some(d) = b.masses.best_district(&self.units) {
                self.locator
                    .set_from_model(&mut b.locality, &mut b.place, d);
            }
        }
        let max_keyword = b.keywords.scores.iter().copied().fold(0.0, f32::max);
        fusion::confidences(
            self.model.calibration().fusion.as_ref(),
            &b.candidates,
            max_keyword,
            &mut b.confidences,
        );
        Ok(normalised)
    }

    /// Marks the best suggestion as the sole handler, or, when the petition is a joint matter
    /// (the first suggestion of another line of duty is also likely and both lines' duty
    /// keywords fire strongly), as the lead unit (主办) and that one as co-handler (协办).
    fn assign_roles(
        &self,
        suggestions: &mut [Suggestion],
        per_target: &[(usize, f32, usize)],
        keyword_scores: &[f32],
    ) {
        let line = |&(t, _, label): &(usize, f32, usize)| match self.targets.duties(t) {
            Some(d) => d,
            None => self.catalogue.departments().len() + self.units.line_id(label),
        };
        let strong = |&(t, _, _): &(usize, f32, usize)| {
            let score = self.targets.duties(t).and_then(|d| keyword_scores.get(d));
            score.copied().unwrap_or(0.0) >= JOINT_KEYWORD_SCORE
        };
        let Some(first) = per_target.first() else {
            return;
        };
        suggestions[0].role = HandlingRole::Sole;
        let co = per_target
            .iter()
            .take(suggestions.len())
            .position(|s| line(s) != line(first))
            .filter(|&i| per_target[i].1 >= JOINT_CONFIDENCE && strong(&per_target[i]));
        if let (Some(i), true) = (co, strong(first)) {
            suggestions[0].role = HandlingRole::Lead;
            suggestions[i].role = HandlingRole::CoHandler;
        }
    }

    /// Which rule put `label` among the candidates.
    fn rule(&self, candidates: &[Candidate], place: &PlaceContext, label: usize) -> UnitRule {
        let reason = candidates
            .iter()
            .find(|c| c.label == label)
            .map(|c| c.reason);
        match reason.unwrap_or_default() {
            Reason::LocalUnit => UnitRule::LocalUnit,
            Reason::PlaceGovernment => UnitRule::PlaceGovernment,
            Reason::Model => {
                let unit = self.units.unit(label);
                let no_unit_here = place.district().is_some_and(|d| {
                    self.units.has_local_units()
                        && unit.level == Level::City
                        && self
                            .units
                            .label_at(Some(d), self.units.line_id(label))
                            .is_none()
                });
                if no_unit_here {
                    UnitRule::CityDepartment
                } else {
                    UnitRule::Direct
                }
            }
        }
    }

    /// Spreads the candidates' confidences over their routing targets, ranks the targets and
    /// turns the `top_k` best into suggestions with evidence.
    fn rank_targets(
        &self,
        b: &mut Buffers,
        normalised: pr_text::Normalised,
        top_k: usize,
        repeat_of: Option<RepeatOf>,
    ) -> Routing {
        self.share_among_targets(
            &b.candidates,
            &b.confidences,
            &b.keywords.scores,
            &mut b.shares,
        );
        let b = &*b;
        let mut per_target = ranked_targets(&b.shares);
        let best = per_target.first().map_or(0.0, |e| e.1);
        let second = per_target.get(1).map_or(0.0, |e| e.1);
        let repeat_of = repeat_of.filter(|r| self.first_the_unit(&mut per_target, r.unit));
        // Suggestions reached through the same label share its model terms.
        let mut terms_of: Vec<(usize, Vec<ModelTerm>)> = Vec::new();
        let mut suggestions: Vec<Suggestion> = per_target
            .iter()
            .take(top_k)
            .map(|&target| self.suggestion(b, &mut terms_of, target))
            .collect();
        let category = self.category(&b.candidates, &b.confidences);
        self.assign_roles(&mut suggestions, &per_target, &b.keywords.scores);
        if let (Some(repeat), Some(first)) = (repeat_of, suggestions.first_mut()) {
            first.rule = UnitRule::Repeat;
            first.repeat_of = Some(repeat.request_id.to_string());
        }
        Routing {
            suggestions,
            category,
            needs_review: self.options.needs_review(best, second),
            analysed_chars: normalised.chars,
            truncated: normalised.truncated,
            model_version: self.model.version().to_string(),
            catalogue_version: self.catalogue.version().to_string(),
            locality: b.locality.clone(),
            warnings: b.warnings.clone(),
            analysis: None,
        }
    }

    /// Moves `unit` to the front of `per_target` (ranked or not: with the model's share, or
    /// none), and says whether it is a routing target at all.
    fn first_the_unit(&self, per_target: &mut Vec<(usize, f32, usize)>, unit: &str) -> bool {
        let Some(t) = self.targets.find(&self.catalogue, unit) else {
            return false;
        };
        if let Some(at) = per_target.iter().position(|e| e.0 == t) {
            per_target[..=at].rotate_right(1);
            return true;
        }
        match self.targets.label_of(t) {
            Some(label) => {
                per_target.insert(0, (t, 0.0, label));
                true
            }
            None => false,
        }
    }

    /// Gives each candidate's routing targets their share of its confidence: in proportion to
    /// their keyword scores plus [`SHARE_PRIOR`] (half of it when not the label's lead).
    fn share_among_targets(
        &self,
        candidates: &[Candidate],
        confidences: &[f32],
        keyword_scores: &[f32],
        shares: &mut TargetShares,
    ) {
        shares.clear(self.targets.all().len());
        for (c, &conf) in candidates.iter().zip(confidences) {
            let targets = self.targets.of_label(c.label);
            let weight = |t: usize| {
                let duties = self.targets.duties(t);
                let keyword = duties.and_then(|d| keyword_scores.get(d));
                let keyword = keyword.copied().unwrap_or(0.0);
                let lead = self.targets.is_lead(t, c.label);
                keyword + if lead { SHARE_PRIOR } else { SHARE_PRIOR / 2.0 }
            };
            let total: f32 = targets.iter().map(|&t| weight(t)).sum();
            for &t in targets {
                shares.add(t, c.label, conf * weight(t) / total);
            }
        }
    }

    /// The suggestion for target `t`, reached through `label` with `confidence`; `terms_of`
    /// caches the model terms of the labels already seen.
    fn suggestion(
        &self,
        b: &Buffers,
        terms_of: &mut Vec<(usize, Vec<ModelTerm>)>,
        (t, confidence, label): (usize, f32, usize),
    ) -> Suggestion {
        let target = &self.targets.all()[t];
        let keywords = self.keyword_evidence(&b.keywords, t);
        let terms = self.model_terms(b, terms_of, label);
        let unit = self.units.unit(label);
        let place = unit.key.place.map(|p| self.locator.place(p));
        Suggestion {
            code: target.code.clone(),
            name: target.name.clone(),
            confidence,
            label: self.label_name(label).to_string(),
            keywords,
            terms,
            level: unit.level,
            place: place
                .as_ref()
                .map(|p| [&p.district, &p.town].map(String::as_str).concat())
                .unwrap_or_default(),
            place_code: place.map(|p| p.code).unwrap_or_default(),
            rule: self.rule(&b.candidates, &b.place, label),
            role: HandlingRole::Alternative,
            repeat_of: None,
        }
    }

    /// The duty keywords of target `t`'s department found in the petition, strongest first.
    fn keyword_evidence(&self, keywords: &KeywordScores, t: usize) -> Vec<KeywordEvidence> {
        self.targets
            .duties(t)
            .map(|d| {
                keywords
                    .evidence(d)
                    .into_iter()
                    .map(|h| KeywordEvidence {
                        keyword: self.catalogue.keyword(h.keyword).to_string(),
                        weight: h.weight,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The petition terms that pushed the model towards `label`: from `terms_of` when an
    /// earlier suggestion was reached through it, else from the model (and then cached).
    fn model_terms(
        &self,
        b: &Buffers,
        terms_of: &mut Vec<(usize, Vec<ModelTerm>)>,
        label: usize,
    ) -> Vec<ModelTerm> {
        if let Some((_, t)) = terms_of.iter().find(|(l, _)| *l == label) {
            return t.clone();
        }
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
            .map(|TermWeight { term, weight, .. }| ModelTerm { term, weight })
            .collect();
        terms_of.push((label, t.clone()));
        t
    }

    /// The name of the best label by the same rule as `rank_labels`, so that route and eval
    /// agree on ties; `""` without candidates.
    fn category(&self, candidates: &[Candidate], confidences: &[f32]) -> String {
        candidates
            .iter()
            .zip(confidences)
            .map(|(c, &p)| (c.label, p))
            .min_by(best_first)
            .map(|(label, _)| self.label_name(label).to_string())
            .unwrap_or_default()
    }
}

/// (target, confidence, label that brought the most of it) of every target with a share,
/// best first.
fn ranked_targets(shares: &TargetShares) -> Vec<(usize, f32, usize)> {
    let mut per_target: Vec<(usize, f32, usize)> = shares
        .touched
        .iter()
        .map(|&t| {
            let s = shares.by_target[t];
            (t, s.confidence, s.label)
        })
        .collect();
    per_target.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    per_target
}

/// Orders `(label, confidence)` pairs best first: higher confidence, then (on a tie) the
/// lower label number. Evaluation and the routed category both use it.
fn best_first(a: &(usize, f32), b: &(usize, f32)) -> std::cmp::Ordering {
    b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
}

/// Per-petition sums of the model's probabilities by line of duty and by district.
#[derive(Debug, Default)]
pub(crate) struct Masses {
    /// Per line number.
    line: Vec<f32>,
    /// Per district number; the last is the city level.
    level: Vec<f32>,
    /// Per line number: the part of `line` on district and town units, which a declared unit
    /// the model has no label for takes over at the petition's place.
    local_line: Vec<f32>,
    lines_seen: Vec<usize>,
}

impl Masses {
    /// Sums the model's probabilities by line of duty (or takes the line head's), by district
    /// and by line on local units, reusing the buffers.
    fn gather(
        &mut self,
        probabilities: &[f32],
        units: &UnitSpace,
        line_probabilities: Option<&[f32]>,
    ) {
        self.line.clear();
        self.line.resize(units.lines(), 0.0);
        self.level.clear();
        self.level.resize(units.districts() + 1, 0.0);
        self.local_line.clear();
        self.local_line.resize(units.lines(), 0.0);
        for (label, &p) in probabilities.iter().enumerate() {
            self.line[units.line_id(label)] += p;
            self.level[units.district_id(label)] += p;
            if units.district(label).is_some() {
                self.local_line[units.line_id(label)] += p;
            }
        }
        // The line head, trained on the lines' rows pooled, knows them better than the sum
        // of their units' probabilities.
        if let Some(lines) = line_probabilities {
            for (mass, &p) in self.line.iter_mut().zip(lines) {
                *mass = p;
            }
        }
    }

    /// The district with the largest share of the model's probability, if any.
    fn best_district(&self, units: &UnitSpace) -> Option<Code> {
        let districts = &self.level[..units.districts().min(self.level.len())];
        let best = districts
            .iter()
            .enumerate()
            // The first of equal shares, as everywhere else.
            .reduce(|best, d| if d.1 > best.1 { d } else { best })?;
        units.district_code(best.0)
    }
}

/// A line of duty "fires strongly" when its department's keyword score reaches this: one
/// core duty keyword (weight 4-5) or several lesser ones.
const JOINT_KEYWORD_SCORE: f32 = 4.0;

/// The co-handler of a joint matter needs at least this confidence: the model, trained on
/// one unit per petition, gives the second part of a joint matter little, but not nothing.
const JOINT_CONFIDENCE: f32 = 0.02;

/// How many of the model's best lines of duty are looked up at the petition's place.
const LOCAL_LINES: usize = 4;

/// The model's best labels with their keyword evidence, best first, then the units of their
/// lines of duty at the petition's place (and that place's government) when the model's best
/// do not include them. `keyword(d)` is the keyword score of department `d`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn candidates(
    probabilities: &[f32],
    keyword: impl Fn(usize) -> f32,
    targets: &Targets,
    units: &UnitSpace,
    place: &PlaceContext,
    line_probabilities: Option<&[f32]>,
    masses: &mut Masses,
    out: &mut Vec<Candidate>,
) {
    model_candidates(probabilities, units, place, out);
    if units.has_local_units() {
        masses.gather(probabilities, units, line_probabilities);
        if let Some(district) = place.district() {
            add_local_units(probabilities, units, place, district, masses, out);
        }
    }
    for c in out.iter_mut() {
        add_evidence(c, &keyword, targets, units, place, masses);
    }
}

/// Fills `out` with the model's [`CANDIDATES`] likeliest labels, best first (then by label):
/// of those the region hint allows, or of all labels when it allows none.
fn model_candidates(
    probabilities: &[f32],
    units: &UnitSpace,
    place: &PlaceContext,
    out: &mut Vec<Candidate>,
) {
    out.clear();
    // The region hint wins for its level (属地管理): units of other districts are no
    // candidates, the city's own units stay.
    let allowed = |label: usize| match (place.hint_district, units.district(label)) {
        (Some(hint), Some(d)) => d == hint,
        _ => true,
    };
    keep_best(
        probabilities
            .iter()
            .enumerate()
            .filter(|&(label, _)| allowed(label)),
        out,
    );
    if out.is_empty() {
        keep_best(probabilities.iter().enumerate(), out);
    }
}

/// Keeps in `out` the [`CANDIDATES`] likeliest of `labels` (given in label order), best first
/// and then by label, in one pass: a label is placed only when it beats the weakest kept,
/// which few of a city's hundreds of units do.
fn keep_best<'a>(labels: impl Iterator<Item = (usize, &'a f32)>, out: &mut Vec<Candidate>) {
    for (label, &probability) in labels {
        if out.len() == CANDIDATES && probability <= out[CANDIDATES - 1].probability {
            continue;
        }
        // After every kept label as likely: on a tie the lower label stays first.
        let at = out.partition_point(|c| c.probability >= probability);
        out.insert(
            at,
            Candidate {
                label,
                probability,
                ..Candidate::default()
            },
        );
        out.truncate(CANDIDATES);
    }
}

/// Fills in candidate `c`'s evidence: its best keyword score, the probabilities of its line
/// and level, and how its place fits the petition's.
fn add_evidence(
    c: &mut Candidate,
    keyword: &impl Fn(usize) -> f32,
    targets: &Targets,
    units: &UnitSpace,
    place: &PlaceContext,
    masses: &Masses,
) {
    c.keyword = targets
        .of_label(c.label)
        .iter()
        .filter_map(|&t| targets.duties(t))
        .map(keyword)
        .fold(0.0, f32::max);
    if !units.has_local_units() {
        (c.line_probability, c.level_probability) = (c.probability, 1.0);
        return;
    }
    c.line_probability = masses.line[units.line_id(c.label)];
    c.level_probability = masses.level[units.district_id(c.label)];
    if let Some(d) = units.district(c.label) {
        c.place = PlaceFit {
            hint_district: place.hint_district == Some(d),
            text_district: place.text_district == Some(d),
            town: place.town.is_some() && units.unit(c.label).key.place == place.town,
            conflict: place.district().is_some_and(|p| p != d),
        };
    }
}

/// Adds the units of the likeliest lines of duty at the petition's town and district, and the
/// governments of those places.
fn add_local_units(
    probabilities: &[f32],
    units: &UnitSpace,
    place: &PlaceContext,
    district: Code,
    masses: &mut Masses,
    out: &mut Vec<Candidate>,
) {
    // The likeliest lines of duty over all places (a hint has already struck other
    // districts' units from the candidates, not their lines).
    let lines = &mut masses.lines_seen;
    lines.clear();
    for (line, &mass) in masses.line.iter().enumerate() {
        let at = lines.partition_point(|&l| masses.line[l] >= mass);
        if at < LOCAL_LINES {
            lines.insert(at, line);
            lines.truncate(LOCAL_LINES);
        }
    }
    let government = units.government_line();
    lines.extend(government.filter(|g| !lines.contains(g)));
    for &line in lines.iter() {
        for at in [place.town, Some(district)].into_iter().flatten() {
            let Some(label) = units.label_at(Some(at), line) else {
                continue;
            };
            if out.iter().any(|c| c.label == label) {
                continue;
            }
            // A declared unit without a label of the model takes the line's local share.
            let probability = match probabilities.get(label) {
                Some(&p) => p,
                None => masses.local_line[line],
            };
            out.push(Candidate {
                label,
                probability,
                reason: if Some(line) == government {
                    Reason::PlaceGovernment
                } else {
                    Reason::LocalUnit
                },
                ..Candidate::default()
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{best_first, EngineOptions, TargetShares};

    #[test]
    fn review_is_asked_for_a_weak_or_a_close_call() {
        let options = EngineOptions::default();
        assert!(options.needs_review(0.45, 0.10), "best below 0.5");
        assert!(options.needs_review(0.60, 0.50), "best two 0.10 apart");
        assert!(!options.needs_review(0.70, 0.20));
        // On the thresholds themselves no review is asked.
        assert!(!options.needs_review(0.50, 0.35));
    }

    #[test]
    fn a_target_reached_through_several_labels_sums_their_shares() {
        let mut shares = TargetShares::default();
        shares.clear(3);
        shares.add(1, 7, 0.2);
        shares.add(1, 4, 0.3);
        shares.add(1, 9, 0.3);
        shares.add(2, 4, 0.1);
        let s = shares.by_target[1];
        assert!((s.confidence - 0.8).abs() < 1e-6);
        // The label that brought the largest part; the first of equal parts.
        assert_eq!((s.label, s.largest), (4, 0.3));
        assert_eq!(shares.touched, [1, 2]);
        shares.clear(3);
        assert!(shares.touched.is_empty());
        assert!(!shares.by_target[1].seen && shares.by_target[1].confidence == 0.0);
    }

    #[test]
    fn equal_confidences_rank_the_lower_label_first_whatever_the_order() {
        let mut pairs = vec![(3, 0.25), (1, 0.5), (2, 0.5), (0, 0.25)];
        pairs.sort_by(best_first);
        assert_eq!(pairs, [(1, 0.5), (2, 0.5), (0, 0.25), (3, 0.25)]);
        let best = [(2, 0.5), (1, 0.5)].into_iter().min_by(best_first);
        assert_eq!(best, Some((1, 0.5)));
    }
}
