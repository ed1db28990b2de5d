//! How the analysis fares against hand labels: precision and recall per risk kind, per
//! channel and per fact kind, and the demand type's accuracy.

use crate::{Analysis, ChannelKind, DemandType, Fact, RiskKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The labels of one petition (a line of `tests/analysis-labels/labels.jsonl`); offsets are
/// characters of the petition's text.
#[derive(Debug, Clone, Deserialize)]
pub struct AnalysisLabels {
    /// The data file the petition comes from, relative to the data directory.
    pub source: String,
    /// The petition's id in that file.
    pub id: String,
    /// The risk kinds present.
    pub risks: Vec<RiskKind>,
    /// The channel it belongs to.
    pub channel: ChannelKind,
    /// Its demand type.
    pub demand_type: DemandType,
    /// Every fact of the labelled kinds.
    #[serde(default)]
    pub facts: Vec<LabelledFact>,
}

/// A fact a labeller marked.
#[derive(Debug, Clone, Deserialize)]
pub struct LabelledFact {
    /// Its kind (`phone`, `amount` …).
    pub kind: String,
    /// Character offset of its first character.
    pub start: usize,
    /// Character offset just past it.
    pub end: usize,
}

/// True and false positives and false negatives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Found and labelled.
    pub true_positives: usize,
    /// Found, not labelled.
    pub false_positives: usize,
    /// Labelled, not found.
    pub false_negatives: usize,
}

impl Counts {
    /// Of what was found, the share labelled; `None` when nothing was found.
    pub fn precision(&self) -> Option<f64> {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }

    /// Of what was labelled, the share found; `None` when nothing was labelled.
    pub fn recall(&self) -> Option<f64> {
        ratio(
            self.true_positives,
            self.true_positives + self.false_negatives,
        )
    }

    fn add(&mut self, other: Counts) {
        self.true_positives += other.true_positives;
        self.false_positives += other.false_positives;
        self.false_negatives += other.false_negatives;
    }
}

fn ratio(a: usize, b: usize) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

impl Serialize for Counts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Counts", 5)?;
        st.serialize_field("precision", &self.precision())?;
        st.serialize_field("recall", &self.recall())?;
        st.serialize_field("true_positives", &self.true_positives)?;
        st.serialize_field("false_positives", &self.false_positives)?;
        st.serialize_field("false_negatives", &self.false_negatives)?;
        st.end()
    }
}

/// The scores over a labelled set.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AnalysisScores {
    /// Petitions scored.
    pub n: usize,
    /// Risk flags over all kinds.
    pub risks: Counts,
    /// Risk flags by kind.
    pub risks_by_kind: BTreeMap<&'static str, Counts>,
    /// The share of petitions whose channel is the labelled one.
    pub channel_accuracy: f64,
    /// Channels by kind (a petition counts for the channel found and the one labelled).
    pub channels: BTreeMap<&'static str, Counts>,
    /// The share of petitions whose demand type is the labelled one.
    pub demand_type_accuracy: f64,
    /// Facts over all kinds; a fact found counts when it overlaps a labelled one of its kind.
    pub facts: Counts,
    /// Facts by kind.
    pub facts_by_kind: BTreeMap<&'static str, Counts>,
}

/// The fact kinds labelled, with the analysis lists they are compared with.
const FACT_KINDS: [&str; 9] = [
    "phone",
    "id_number",
    "bank_card",
    "plate",
    "amount",
    "head_count",
    "date",
    "duration",
    "organisation",
];

fn facts_of<'a>(a: &'a Analysis, kind: &str) -> &'a [Fact] {
    let f = &a.facts.found;
    match kind {
        "phone" => &f.phones,
        "id_number" => &f.id_numbers,
        "bank_card" => &f.bank_cards,
        "plate" => &f.plates,
        "amount" => &f.amounts,
        "head_count" => &f.head_counts,
        "date" => &f.dates,
        "duration" => &f.durations,
        _ => &f.organisations,
    }
}

/// Scores analyses against their labels.
pub fn score<'l>(
    pairs: impl IntoIterator<Item = (Analysis, &'l AnalysisLabels)>,
) -> AnalysisScores {
    let mut s = AnalysisScores::default();
    let (mut channel_right, mut type_right) = (0usize, 0usize);
    for (analysis, labels) in pairs {
        s.n += 1;
        for kind in RiskKind::ALL {
            let found = analysis.risks.iter().any(|r| r.kind == kind);
            let c = confusion(found, labels.risks.contains(&kind));
            s.risks.add(c);
            s.risks_by_kind.entry(kind.as_str()).or_default().add(c);
        }
        let found = analysis.channel.kind;
        channel_right += usize::from(found == labels.channel);
        for kind in ChannelKind::ALL {
            let c = confusion(found == kind, labels.channel == kind);
            s.channels.entry(kind.as_str()).or_default().add(c);
        }
        type_right += usize::from(analysis.demand.kind == labels.demand_type);
        for kind in FACT_KINDS {
            let gold: Vec<(usize, usize)> = labels
                .facts
                .iter()
                .filter(|f| f.kind == kind)
                .map(|f| (f.start, f.end))
                .collect();
            let c = span_counts(facts_of(&analysis, kind), &gold);
            s.facts.add(c);
            s.facts_by_kind.entry(kind).or_default().add(c);
        }
    }
    if s.n > 0 {
        s.channel_accuracy = channel_right as f64 / s.n as f64;
        s.demand_type_accuracy = type_right as f64 / s.n as f64;
    }
    s
}

fn confusion(found: bool, labelled: bool) -> Counts {
    Counts {
        true_positives: usize::from(found && labelled),
        false_positives: usize::from(found && !labelled),
        false_negatives: usize::from(!found && labelled),
    }
}

/// Facts found against labelled spans: each labelled span matches at most one overlapping
/// fact.
fn span_counts(found: &[Fact], gold: &[(usize, usize)]) -> Counts {
    let mut used = vec![false; gold.len()];
    let mut c = Counts::default();
    for f in found {
        let hit = gold
            .iter()
            .enumerate()
            .find(|(i, g)| !used[*i] && f.start < g.1 && g.0 < f.end);
        match hit {
            Some((i, _)) => {
                used[i] = true;
                c.true_positives += 1;
            }
            None => c.false_positives += 1,
        }
    }
    c.false_negatives = used.iter().filter(|u| !**u).count();
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(start: usize, end: usize) -> Fact {
        Fact {
            text: String::new(),
            start,
            end,
            normalised: String::new(),
            value: None,
            approximate: false,
        }
    }

    #[test]
    fn overlapping_spans_match_once_and_the_rest_are_errors() {
        let c = span_counts(&[fact(0, 5), fact(3, 6), fact(20, 22)], &[(1, 4), (30, 31)]);
        assert_eq!(
            (c.true_positives, c.false_positives, c.false_negatives),
            (1, 2, 1)
        );
        assert_eq!(c.precision(), Some(1.0 / 3.0));
        assert_eq!(c.recall(), Some(0.5));
        assert_eq!(Counts::default().precision(), None);
    }
}
