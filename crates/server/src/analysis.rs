//! The analysis stage's answer on the wire.

use crate::pb;
use pr_analysis::{
    Analyser, Analysis, ChannelKind, DemandType, Evidence, Fact, RiskKind, Severity, TypeSource,
};

/// `Analysis` as its protobuf message.
pub fn analysis(a: Analysis) -> pb::Analysis {
    let facts = |list: Vec<Fact>| list.into_iter().map(fact).collect();
    let f = a.facts.found;
    pb::Analysis {
        facts: Some(pb::Facts {
            phones: facts(f.phones),
            id_numbers: facts(f.id_numbers),
            bank_cards: facts(f.bank_cards),
            plates: facts(f.plates),
            amounts: facts(f.amounts),
            head_counts: facts(f.head_counts),
            dates: facts(f.dates),
            durations: facts(f.durations),
            organisations: facts(f.organisations),
            places: facts(a.facts.places),
        }),
        masked_text: a.masked_text,
        demand: Some(pb::Demand {
            span: Some(span(a.demand.evidence)),
            cue: a.demand.cue,
            r#type: demand_type(a.demand.kind) as i32,
            type_evidence: spans(a.demand.type_evidence),
            type_source: match a.demand.type_source {
                TypeSource::Rules => pb::DemandTypeSource::Rules,
                TypeSource::Model => pb::DemandTypeSource::Model,
            } as i32,
            type_probability: a.demand.type_probability,
        }),
        channel: Some(pb::LegalChannel {
            kind: channel_kind(a.channel.kind) as i32,
            name: a.channel.name,
            basis: a.channel.basis,
            evidence: spans(a.channel.evidence),
        }),
        risks: a
            .risks
            .into_iter()
            .map(|r| pb::Risk {
                kind: risk_kind(r.kind) as i32,
                name: r.name,
                severity: severity(r.severity) as i32,
                evidence: spans(r.evidence),
            })
            .collect(),
    }
}

/// The channels and risk kinds the analyser's lists declare, for ListDepartments.
pub fn kinds(analyser: &Analyser) -> (Vec<pb::LegalChannel>, Vec<pb::RiskKindInfo>) {
    let channels = analyser.channels().into_iter().map(|c| pb::LegalChannel {
        kind: channel_kind(c.kind) as i32,
        name: c.name,
        basis: c.basis,
        evidence: Vec::new(),
    });
    let risks = analyser.risk_kinds().into_iter().map(|r| pb::RiskKindInfo {
        kind: risk_kind(r.kind) as i32,
        name: r.name,
        severity: severity(r.severity) as i32,
    });
    (channels.collect(), risks.collect())
}

fn offset(o: usize) -> u32 {
    u32::try_from(o).unwrap_or(u32::MAX)
}

fn span(e: Evidence) -> pb::Span {
    pb::Span {
        text: e.text,
        start: offset(e.start),
        end: offset(e.end),
    }
}

fn spans(list: Vec<Evidence>) -> Vec<pb::Span> {
    list.into_iter().map(span).collect()
}

fn fact(f: Fact) -> pb::Fact {
    pb::Fact {
        span: Some(pb::Span {
            text: f.text,
            start: offset(f.start),
            end: offset(f.end),
        }),
        normalised: f.normalised,
        value: f.value,
        approximate: f.approximate,
    }
}

fn demand_type(t: DemandType) -> pb::DemandType {
    match t {
        DemandType::Complaint => pb::DemandType::Complaint,
        DemandType::Help => pb::DemandType::Help,
        DemandType::Consultation => pb::DemandType::Consultation,
        DemandType::Suggestion => pb::DemandType::Suggestion,
        DemandType::Report => pb::DemandType::Report,
        DemandType::Praise => pb::DemandType::Praise,
    }
}

fn channel_kind(k: ChannelKind) -> pb::LegalChannelKind {
    match k {
        ChannelKind::Petition => pb::LegalChannelKind::Petition,
        ChannelKind::Mediation => pb::LegalChannelKind::Mediation,
        ChannelKind::Litigation => pb::LegalChannelKind::Litigation,
        ChannelKind::Enforcement => pb::LegalChannelKind::Enforcement,
        ChannelKind::Arbitration => pb::LegalChannelKind::Arbitration,
        ChannelKind::AdministrativeReconsideration => {
            pb::LegalChannelKind::AdministrativeReconsideration
        }
        ChannelKind::DisciplineInspection => pb::LegalChannelKind::DisciplineInspection,
        ChannelKind::Legislature => pb::LegalChannelKind::Legislature,
    }
}

fn risk_kind(k: RiskKind) -> pb::RiskKind {
    match k {
        RiskKind::SelfHarm => pb::RiskKind::SelfHarm,
        RiskKind::Violence => pb::RiskKind::Violence,
        RiskKind::Collective => pb::RiskKind::Collective,
        RiskKind::Escalation => pb::RiskKind::Escalation,
        RiskKind::Vulnerable => pb::RiskKind::Vulnerable,
        RiskKind::SafetyHazard => pb::RiskKind::SafetyHazard,
        RiskKind::Repeat => pb::RiskKind::Repeat,
        RiskKind::Media => pb::RiskKind::Media,
    }
}

fn severity(s: Severity) -> pb::Severity {
    match s {
        Severity::Low => pb::Severity::Low,
        Severity::Medium => pb::Severity::Medium,
        Severity::High => pb::Severity::High,
    }
}
