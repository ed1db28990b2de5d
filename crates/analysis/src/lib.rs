//! Understands a petition beyond its department (the analysis stage of `route`): the key
//! facts, the text with personal data masked, the core demand and its type, the channel the
//! law assigns the matter to (依法分类处理) and risk flags (风险预警).
//!
//! Channels and risks come from admin-edited lists (`channel-lists/`, `risk-lists/`); facts
//! from [`pr_facts`]. Every item carries its evidence: the words and their character offsets
//! in the analysed text. One pass of one automaton finds every phrase.

#![warn(missing_docs)]

mod channel;
mod demand;
mod evaluate;
mod lists;
mod mask;
mod matcher;
mod risk;

pub use channel::{Channel, ChannelInfo, ChannelKind};
pub use demand::{Demand, DemandType, LearnedType, TypeSource, MAX_DEMAND_CHARS};
pub use evaluate::{score, AnalysisLabels, AnalysisScores, Counts, LabelledFact};
pub use lists::{ListError, ListSource, Severity};
pub use pr_facts::{Fact, Facts};
pub use risk::{Risk, RiskKind, RiskKindInfo};

use channel::ChannelList;
use lists::ListFile;
use matcher::{Found, Matcher, MatcherBuilder, Owner, Role};
use risk::RiskList;
use serde::Serialize;

/// Words of the analysed text and where they are (character offsets, end exclusive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The words as they appear in the analysed text.
    pub text: String,
    /// Character offset of the first.
    pub start: usize,
    /// Character offset just past the last.
    pub end: usize,
}

impl Evidence {
    /// The characters `start..end` of `chars` (the analysed text's) as evidence.
    pub fn of(chars: &[char], start: usize, end: usize) -> Evidence {
        Evidence {
            text: chars[start..end].iter().collect(),
            start,
            end,
        }
    }
}

/// The key facts: those [`pr_facts`] finds, and the places the locality stage found.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct KeyFacts {
    /// Phones, ID numbers, bank cards, plates, amounts, head counts, dates, durations and
    /// organisations.
    #[serde(flatten)]
    pub found: Facts,
    /// Places named in the text; `normalised` is the division code. Filled by the engine.
    pub places: Vec<Fact>,
}

/// What the analysis found in one petition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    /// The key facts.
    pub facts: KeyFacts,
    /// The analysed text with phones, ID numbers, bank cards, plates, personal names and
    /// other long numbers replaced by placeholders (【手机号】, 【身份证号】 …).
    pub masked_text: String,
    /// The core demand and the petition's type.
    pub demand: Demand,
    /// Where the matter is handled under the law.
    pub channel: Channel,
    /// Risk flags, in [`RiskKind::ALL`] order.
    pub risks: Vec<Risk>,
}

impl Analysis {
    /// Whether a risk flag is severe enough that a clerk must look before dispatch.
    pub fn has_high_risk(&self) -> bool {
        self.risks.iter().any(|r| r.severity == Severity::High)
    }
}

/// Where the channel and risk lists live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListSources {
    /// `channel-lists/`.
    pub channels: ListSource,
    /// `risk-lists/`.
    pub risks: ListSource,
}

/// The analysis stage: the lists, and one automaton over all their phrases.
#[derive(Debug)]
pub struct Analyser {
    channels: Vec<ListFile<ChannelList>>,
    risks: Vec<ListFile<RiskList>>,
    matcher: Matcher,
    version: String,
}

impl Analyser {
    /// Loads and checks the channel and risk lists; a broken file is refused with its path.
    pub fn load(sources: &ListSources) -> Result<Analyser, ListError> {
        let (channels, risks) = (&sources.channels, &sources.risks);
        let channel_dir = channels.to_string();
        let (channels, channel_fingerprint) = lists::load::<ChannelList>(channels)?;
        let (risks, risk_fingerprint) = lists::load::<RiskList>(risks)?;
        if !channels
            .iter()
            .any(|c| c.list.kind == ChannelKind::Petition)
        {
            return Err(ListError::Invalid {
                path: channel_dir.into(),
                reason: "no file declares kind = \"petition\", the channel of every matter no other channel claims".into(),
            });
        }
        let mut builder = MatcherBuilder::default();
        for (i, c) in channels.iter().enumerate() {
            builder.add_list(Owner::Channel(i), &c.list.cues, &c.list.not);
        }
        for (i, r) in risks.iter().enumerate() {
            builder.add_list(Owner::Risk(i), &r.list.cues, &r.list.not);
        }
        Ok(Analyser {
            matcher: builder.build(&demand::cue_roles()),
            version: format!("{channel_fingerprint:08x}-{risk_fingerprint:08x}"),
            channels,
            risks,
        })
    }

    /// A checksum of the list files' names and texts: channels, then risks.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The channels the lists declare.
    pub fn channels(&self) -> Vec<ChannelInfo> {
        let info = |c: &ListFile<ChannelList>| ChannelInfo {
            kind: c.list.kind,
            name: c.list.name.clone(),
            basis: c.list.basis.clone(),
        };
        self.channels.iter().map(info).collect()
    }

    /// The risk kinds the lists declare.
    pub fn risk_kinds(&self) -> Vec<RiskKindInfo> {
        let info = |r: &ListFile<RiskList>| RiskKindInfo {
            kind: r.list.kind,
            name: r.list.name.clone(),
            severity: r.list.severity,
        };
        self.risks.iter().map(info).collect()
    }

    /// Analyses `text`, the petition as the engine analyses it (normalised title, newline,
    /// content). `facts.places` is left empty for the engine to fill.
    pub fn analyse(&self, text: &str) -> Analysis {
        let chars = chars_of(text);
        let found = self.find(text);
        let facts = pr_facts::extract_chars(&chars);
        Analysis {
            masked_text: mask::masked(text, &chars, &facts, &found),
            demand: demand::demand(&chars, &found),
            channel: self.channel(&chars, &found),
            risks: self.risks(&chars, &found),
            facts: KeyFacts {
                found: facts,
                places: Vec::new(),
            },
        }
    }

    /// `text` with personal data masked, as [`Analysis::masked_text`]; for texts kept
    /// without being analysed (the feedback store keeps whole petitions).
    pub fn mask(&self, text: &str) -> String {
        let chars = chars_of(text);
        mask::masked(
            text,
            &chars,
            &pr_facts::extract_chars(&chars),
            &self.find(text),
        )
    }

    fn find(&self, text: &str) -> Found {
        self.matcher.find(text)
    }

    /// The cues of `owner` that count, with the group each belongs to.
    fn counted<'f>(
        &self,
        found: &'f Found,
        owner: Owner,
        groups: &'f [lists::CueGroup],
    ) -> Vec<(&'f matcher::Hit, usize)> {
        found
            .with_role(move |r| match *r {
                Role::Cue { owner: o, group } if o == owner => Some(group),
                _ => None,
            })
            .filter(|&(hit, group)| found.counts(hit, owner, group, &groups[group]))
            .collect()
    }

    fn risks(&self, chars: &[char], found: &Found) -> Vec<Risk> {
        let mut risks: Vec<Risk> = Vec::new();
        for (i, file) in self.risks.iter().enumerate() {
            let list = &file.list;
            let cues = self.counted(found, Owner::Risk(i), &list.cues);
            let Some(severity) = cues
                .iter()
                .map(|&(_, g)| list.cues[g].severity.unwrap_or(list.severity))
                .max()
            else {
                continue;
            };
            risks.push(Risk {
                kind: list.kind,
                name: list.name.clone(),
                severity,
                evidence: evidence(chars, cues.iter().map(|c| c.0)),
            });
        }
        risks.sort_by_key(|r| RiskKind::ALL.iter().position(|&k| k == r.kind));
        risks
    }

    fn channel(&self, chars: &[char], found: &Found) -> Channel {
        let mut best: Option<(f32, usize, Vec<&matcher::Hit>)> = None;
        for (i, file) in self.channels.iter().enumerate() {
            let list = &file.list;
            if list.kind == ChannelKind::Petition {
                continue;
            }
            let cues = self.counted(found, Owner::Channel(i), &list.cues);
            // Each phrase counts once, however often it is repeated.
            let mut seen: Vec<(u32, usize)> = Vec::new();
            let mut score = 0.0;
            for &(hit, group) in &cues {
                if !seen.contains(&(hit.pattern, group)) {
                    seen.push((hit.pattern, group));
                    score += list.cues[group].weight;
                }
            }
            if score > 0.0 && score >= list.threshold && best.as_ref().is_none_or(|b| score > b.0) {
                best = Some((score, i, cues.into_iter().map(|c| c.0).collect()));
            }
        }
        let (list, hits) = match best {
            Some((_, i, hits)) => (&self.channels[i].list, hits),
            None => (&self.petition().list, Vec::new()),
        };
        Channel {
            kind: list.kind,
            name: list.name.clone(),
            basis: list.basis.clone(),
            evidence: evidence(chars, hits.into_iter()),
        }
    }

    fn petition(&self) -> &ListFile<ChannelList> {
        let mut all = self.channels.iter();
        all.find(|c| c.list.kind == ChannelKind::Petition)
            .expect("checked at load")
    }
}

/// The demand type from the cue words alone, as the analysis gives it where no model learned
/// the type: training measures it against a history's kinds, beside the model's.
#[derive(Debug)]
pub struct DemandRules {
    matcher: Matcher,
}

impl Default for DemandRules {
    fn default() -> DemandRules {
        DemandRules {
            matcher: MatcherBuilder::default().build(&demand::cue_roles()),
        }
    }
}

impl DemandRules {
    /// The type of `text` (normalised, as the engine analyses it) by its cue words.
    pub fn demand_type(&self, text: &str) -> DemandType {
        demand::demand_type(&chars_of(text), &self.matcher.find(text)).0
    }
}

/// The characters of `text`, allocated once. Counted first (std counts UTF-8 characters a
/// word at a time) so that the decoding loop writes into place without a capacity check per
/// character, which `extend` over `Chars` cannot avoid: half the cost at median length.
fn chars_of(text: &str) -> Vec<char> {
    let mut chars = vec!['\0'; text.chars().count()];
    for (slot, c) in chars.iter_mut().zip(text.chars()) {
        *slot = c;
    }
    chars
}

/// Evidence for hits, in text order, each span once.
fn evidence<'h>(chars: &[char], hits: impl Iterator<Item = &'h matcher::Hit>) -> Vec<Evidence> {
    let mut spans: Vec<(usize, usize)> = hits.map(|h| (h.start, h.end)).collect();
    spans.sort_unstable();
    spans.dedup();
    spans
        .into_iter()
        .map(|(a, b)| Evidence::of(chars, a, b))
        .collect()
}

#[cfg(test)]
mod tests;
