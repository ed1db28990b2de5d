//! Risk flags (风险预警): self-harm, violence, collective action, escalation, vulnerable people,
//! safety hazards, repeat petitions and threats of exposure, from `risk-lists/`.

use crate::lists::{list_fields, CueGroup, List, Severity};
use crate::Evidence;
use serde::{Deserialize, Serialize};

/// What a risk flag warns of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskKind {
    /// Threats of suicide or self-harm.
    SelfHarm,
    /// Threats or acts of violence against others.
    Violence,
    /// Collective action: 集体上访, 聚集, many petitioners together.
    Collective,
    /// Going over the heads of the local authorities: 越级, 进京, 到省里.
    Escalation,
    /// Elderly, disabled, ill people or minors at risk.
    Vulnerable,
    /// A present danger: gas leak, collapse, fire, flooding.
    SafetyHazard,
    /// Reported many times without result.
    Repeat,
    /// Threats of exposure in the media or online.
    Media,
}

impl RiskKind {
    /// Every kind, in the order answers list them.
    pub const ALL: [RiskKind; 8] = [
        RiskKind::SelfHarm,
        RiskKind::Violence,
        RiskKind::Collective,
        RiskKind::Escalation,
        RiskKind::Vulnerable,
        RiskKind::SafetyHazard,
        RiskKind::Repeat,
        RiskKind::Media,
    ];

    /// The name used in files, answers and metrics (`self_harm`).
    pub fn as_str(self) -> &'static str {
        match self {
            RiskKind::SelfHarm => "self_harm",
            RiskKind::Violence => "violence",
            RiskKind::Collective => "collective",
            RiskKind::Escalation => "escalation",
            RiskKind::Vulnerable => "vulnerable",
            RiskKind::SafetyHazard => "safety_hazard",
            RiskKind::Repeat => "repeat",
            RiskKind::Media => "media",
        }
    }
}

/// One file of `risk-lists/`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RiskList {
    pub kind: RiskKind,
    pub name: String,
    pub severity: Severity,
    #[serde(default)]
    pub not: Vec<String>,
    #[serde(default)]
    pub cues: Vec<CueGroup>,
}

impl List for RiskList {
    list_fields!();
    fn check(&self) -> Result<(), String> {
        match self.name.trim().is_empty() {
            true => Err("`name` is blank".into()),
            false => Ok(()),
        }
    }
}

/// A risk the petition shows, with the words that show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Risk {
    /// What it warns of.
    pub kind: RiskKind,
    /// Its name for clerks, from the list file.
    pub name: String,
    /// The highest severity among its cues.
    pub severity: Severity,
    /// The cues found, in text order.
    pub evidence: Vec<Evidence>,
}

/// A kind and its name, as `ListDepartments` lists them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskKindInfo {
    /// The kind.
    pub kind: RiskKind,
    /// Its name for clerks.
    pub name: String,
    /// Its severity unless a cue group says otherwise.
    pub severity: Severity,
}
