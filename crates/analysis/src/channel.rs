//! 依法分类处理: whether a matter stays a petition or belongs to mediation, the courts,
//! arbitration, administrative reconsideration, discipline inspection or the legislature,
//! from `channel-lists/`.

use crate::lists::{list_fields, CueGroup, List};
use crate::Evidence;
use serde::{Deserialize, Serialize};

/// Where a matter is handled under the law.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// Stays a 信访 matter.
    Petition,
    /// A dispute between private parties that suits 人民调解 or 行政调解 (访调对接).
    Mediation,
    /// Belongs to the courts.
    Litigation,
    /// A judgment or award not carried out: 申请强制执行.
    Enforcement,
    /// Labour or commercial arbitration.
    Arbitration,
    /// Contests an administrative decision: 行政复议 (or 行政诉讼).
    AdministrativeReconsideration,
    /// Accusations against officials: 纪检监察.
    DisciplineInspection,
    /// 人大 / 政协 matters.
    Legislature,
}

impl ChannelKind {
    /// Every kind.
    pub const ALL: [ChannelKind; 8] = [
        ChannelKind::Petition,
        ChannelKind::Mediation,
        ChannelKind::Litigation,
        ChannelKind::Enforcement,
        ChannelKind::Arbitration,
        ChannelKind::AdministrativeReconsideration,
        ChannelKind::DisciplineInspection,
        ChannelKind::Legislature,
    ];

    /// The name used in files and answers (`administrative_reconsideration`).
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Petition => "petition",
            ChannelKind::Mediation => "mediation",
            ChannelKind::Litigation => "litigation",
            ChannelKind::Enforcement => "enforcement",
            ChannelKind::Arbitration => "arbitration",
            ChannelKind::AdministrativeReconsideration => "administrative_reconsideration",
            ChannelKind::DisciplineInspection => "discipline_inspection",
            ChannelKind::Legislature => "legislature",
        }
    }
}

/// One file of `channel-lists/`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChannelList {
    pub kind: ChannelKind,
    pub name: String,
    pub basis: String,
    pub threshold: f32,
    #[serde(default)]
    pub not: Vec<String>,
    #[serde(default)]
    pub cues: Vec<CueGroup>,
}

impl List for ChannelList {
    list_fields!();
    fn check(&self) -> Result<(), String> {
        if self.name.trim().is_empty() || self.basis.trim().is_empty() {
            return Err("`name` and `basis` must not be blank".into());
        }
        if !(self.threshold >= 0.0 && self.threshold <= 100.0) {
            return Err(format!("threshold {} is not in 0..=100", self.threshold));
        }
        if self.kind != ChannelKind::Petition && self.cues.is_empty() {
            return Err("a channel other than petition needs [[cues]]".into());
        }
        Ok(())
    }
}

/// The channel chosen for a petition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Channel {
    /// Where it is handled.
    pub kind: ChannelKind,
    /// The channel's name for clerks.
    pub name: String,
    /// The rule that steers it there, from the list file.
    pub basis: String,
    /// The cues found for it, in text order; empty for a plain petition.
    pub evidence: Vec<Evidence>,
}

/// A channel and its name, as `ListDepartments` lists them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelInfo {
    /// The kind.
    pub kind: ChannelKind,
    /// Its name for clerks.
    pub name: String,
    /// The rule that steers a matter there.
    pub basis: String,
}
