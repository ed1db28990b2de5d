//! The petition's place (属地): from the intake desk's region hint, from the places the text
//! names, or failing both from what the model learnt of the history's districts.

use crate::engine::{Locality, LocalitySource, Place, PlaceEvidence};
use pr_locality::{Aliases, Code, Gazetteer, Level as PlaceLevel, PlaceMatcher};

/// Where a petition is, as routing uses it: the district (区 / 县 / 县级市) and the town (乡镇 /
/// 街道), each from the hint or the text, for the candidates' place features.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlaceContext {
    pub hint_district: Option<Code>,
    pub text_district: Option<Code>,
    /// The town named by the hint or, inside the hint's district, by the text.
    pub town: Option<Code>,
    /// The code of the locality's place, whatever its level and source.
    pub locality: Option<Code>,
}

impl PlaceContext {
    /// The district routing goes by: the hint's, else the text's.
    pub fn district(&self) -> Option<Code> {
        self.hint_district.or(self.text_district)
    }
}

/// Finds places in petitions within one jurisdiction.
pub struct Locator {
    gazetteer: &'static Gazetteer,
    jurisdiction: Option<Code>,
    aliases: Aliases,
    matcher: PlaceMatcher<'static>,
}

impl std::fmt::Debug for Locator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Locator")
            .field("jurisdiction", &self.jurisdiction)
            .field("aliases", &self.aliases.len())
            .field("patterns", &self.matcher.pattern_count())
            .finish()
    }
}

/// A region hint as the gazetteer understands it.
enum Hint {
    None,
    Known(Code),
    Unknown,
    Ambiguous(Vec<Code>),
}

impl Locator {
    pub fn new(
        gazetteer: &'static Gazetteer,
        jurisdiction: Option<Code>,
        aliases: Aliases,
    ) -> Result<Locator, pr_locality::GazetteerError> {
        let matcher = gazetteer.routing_matcher(jurisdiction, &aliases)?;
        Ok(Locator {
            gazetteer,
            jurisdiction,
            aliases,
            matcher,
        })
    }

    pub fn gazetteer(&self) -> &'static Gazetteer {
        self.gazetteer
    }

    pub fn jurisdiction(&self) -> Option<Code> {
        self.jurisdiction
    }

    pub fn aliases(&self) -> &Aliases {
        &self.aliases
    }

    /// The district (county-level division) of a place, if it is at or below that level.
    pub fn district_of(&self, code: Code) -> Option<Code> {
        self.gazetteer.ancestor_at(code, PlaceLevel::County)
    }

    fn town_of(&self, code: Code) -> Option<Code> {
        (code.level() == PlaceLevel::Town).then_some(code)
    }

    fn read_hint(&self, region: &str) -> Hint {
        let region = region.trim();
        if region.is_empty() {
            return Hint::None;
        }
        let split = self
            .gazetteer
            .split_unit_name(region, self.jurisdiction, &self.aliases);
        if let (Some(place), "") = (split.place, split.rest.trim()) {
            return Hint::Known(place);
        }
        let mut candidates: Vec<Code> = self.gazetteer.lookup(region);
        if let Some(j) = self.jurisdiction {
            if candidates.iter().any(|&c| self.gazetteer.is_within(c, j)) {
                candidates.retain(|&c| self.gazetteer.is_within(c, j));
            }
        }
        match candidates.len() {
            0 => Hint::Unknown,
            1 => Hint::Known(candidates[0]),
            _ => Hint::Ambiguous(candidates),
        }
    }

    /// The locality of normalised `text` with the intake desk's `region` (or `""`), and
    /// warnings for a hint that names no place or several.
    pub fn locate(
        &self,
        text: &str,
        region: &str,
        warnings: &mut Vec<String>,
    ) -> (Locality, PlaceContext) {
        let mentions = self.matcher.find(text);
        let found = self.gazetteer.resolve(&mentions, self.jurisdiction);
        let evidence_spans: Vec<(usize, usize)> = if found.evidence.is_empty() {
            mentions.iter().map(|m| (m.start, m.end)).collect()
        } else {
            found.evidence.clone()
        };
        let mut locality = Locality {
            evidence: self.evidence(text, &mentions, &evidence_spans),
            ..Locality::default()
        };
        let mut context = PlaceContext {
            text_district: found.place.and_then(|p| self.district_of(p)),
            town: found.place.and_then(|p| self.town_of(p)),
            ..PlaceContext::default()
        };
        match self.read_hint(region) {
            Hint::Known(hint) => {
                context.hint_district = self.district_of(hint);
                // The text may go deeper inside the hinted place (a street of the district).
                let deeper = found
                    .place
                    .filter(|&p| p != hint && self.gazetteer.is_within(p, hint));
                let place = deeper.unwrap_or(hint);
                context.town = self.town_of(place);
                context.locality = Some(place);
                locality.place = self.place(place);
                locality.source = LocalitySource::Hint;
                return (locality, context);
            }
            Hint::Unknown => warnings.push(format!(
                "region hint '{}' names no known place{}: routed on the text alone",
                region.trim(),
                self.within()
            )),
            Hint::Ambiguous(candidates) => {
                warnings.push(format!(
                    "region hint '{}' names {} places{}: give the district or city too; routed on the text alone",
                    region.trim(),
                    candidates.len(),
                    self.within()
                ));
                locality.candidates = candidates.iter().map(|&c| self.place(c)).collect();
            }
            Hint::None => {}
        }
        if let Some(place) = found.place {
            context.locality = Some(place);
            locality.place = self.place(place);
            locality.source = LocalitySource::Text;
        }
        if !found.ambiguous.is_empty() && locality.candidates.is_empty() {
            locality.candidates = found.ambiguous.iter().map(|&c| self.place(c)).collect();
        }
        (locality, context)
    }

    /// Sets the locality from the model's district when neither the hint nor the text named
    /// a district (the text may name only the city, 大连, or a place outside it that it lies
    /// in, 辽宁): the district must lie within what the text named.
    pub fn set_from_model(
        &self,
        locality: &mut Locality,
        context: &mut PlaceContext,
        district: Code,
    ) {
        let open = match locality.source {
            LocalitySource::None => true,
            LocalitySource::Text => {
                locality.place.district.is_empty()
                    && context
                        .locality
                        .is_some_and(|n| self.gazetteer.is_within(district, n))
            }
            LocalitySource::Hint | LocalitySource::Model => false,
        };
        if open {
            context.locality = Some(district);
            locality.place = self.place(district);
            locality.source = LocalitySource::Model;
        }
    }

    fn within(&self) -> String {
        self.jurisdiction
            .and_then(|j| self.gazetteer.get(j))
            .map(|d| format!(" in {}", d.name))
            .unwrap_or_default()
    }

    /// A division's names from the province down.
    pub fn place(&self, code: Code) -> Place {
        let names = self.gazetteer.names(code);
        Place {
            province: names.province.unwrap_or_default().to_string(),
            city: names.city.unwrap_or_default().to_string(),
            district: names.county.unwrap_or_default().to_string(),
            town: names.town.unwrap_or_default().to_string(),
            code: code.to_string(),
        }
    }

    fn evidence(
        &self,
        text: &str,
        mentions: &[pr_locality::Mention],
        spans: &[(usize, usize)],
    ) -> Vec<PlaceEvidence> {
        mentions
            .iter()
            .filter(|m| spans.contains(&(m.start, m.end)))
            .filter_map(|m| {
                let start = text.get(..m.start)?.chars().count();
                let words = text.get(m.start..m.end)?;
                Some(PlaceEvidence {
                    text: words.to_string(),
                    start,
                    end: start + words.chars().count(),
                    code: m
                        .candidates
                        .first()
                        .map(|c| c.to_string())
                        .unwrap_or_default(),
                })
            })
            .collect()
    }
}
