//! `eval-analysis`: the analysis stage against hand labels (`tests/analysis-labels/`):
//! precision and recall per risk kind, per channel and per fact kind, and the demand type's
//! accuracy. The labels hold ids only; the texts are read from the data directory.

use crate::{model_files, shared_data};
use anyhow::Result;
use clap::Args;
use pr_analysis::{Analyser, AnalysisLabels, AnalysisScores, Counts};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct EvalAnalysisArgs {
    /// Labels, one JSON object per line: source, id, risks, channel, demand_type, facts.
    #[arg(long)]
    labels: PathBuf,
    /// The directory the labels' `source` files are relative to.
    #[arg(long, default_value = "../shared/data")]
    data: PathBuf,
    /// Channel-list directory [default: $PETITION_ROUTER_CHANNEL_LISTS, else channel-lists/].
    #[arg(long)]
    channel_lists: Option<PathBuf>,
    /// Risk-list directory [default: $PETITION_ROUTER_RISK_LISTS, else risk-lists/].
    #[arg(long)]
    risk_lists: Option<PathBuf>,
    /// Which half of the labels: `tune` (the lists are tuned on it), `check` (kept for
    /// checking them), or `all`. A label's half is the parity of the CRC-32 of `source/id`.
    #[arg(long, value_enum, default_value = "all")]
    part: Part,
    /// Print one JSON object (n, risks, risks_by_kind, channel_accuracy, channels,
    /// demand_type_accuracy, facts, facts_by_kind; each count with precision and recall).
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Part {
    Tune,
    Check,
    All,
}

impl Part {
    fn holds(self, label: &AnalysisLabels) -> bool {
        let odd = crc32fast::hash(format!("{}/{}", label.source, label.id).as_bytes()) % 2 == 1;
        match self {
            Part::Tune => !odd,
            Part::Check => odd,
            Part::All => true,
        }
    }
}

pub fn eval_analysis(args: EvalAnalysisArgs) -> Result<()> {
    let mut labels: Vec<AnalysisLabels> = shared_data::label_lines(&args.labels, "label")?;
    labels.retain(|l| args.part.holds(l));
    let texts = shared_data::texts(
        &args.data,
        labels.iter().map(|l| (l.source.as_str(), l.id.as_str())),
    )?;
    for l in &mut labels {
        let chars: Vec<char> = texts[&(l.source.clone(), l.id.clone())]
            .text
            .chars()
            .collect();
        l.facts
            .retain(|f| !redacted(chars.get(f.start..f.end).unwrap_or_default()));
    }
    let analyser = Analyser::load(&model_files::lists(
        args.channel_lists.clone(),
        args.risk_lists.clone(),
    ))?;
    let mut normalised = String::new();
    let pairs = labels.iter().map(|l| {
        // As route() analyses it; the labels' offsets are characters of the raw text, which
        // normalisation keeps for these collapsed-whitespace files.
        pr_text::normalise_into(
            &texts[&(l.source.clone(), l.id.clone())].text,
            usize::MAX,
            &mut normalised,
        );
        (analyser.analyse(&normalised), l)
    });
    let scores = pr_analysis::score(pairs);
    if args.json {
        println!("{}", serde_json::to_string(&scores)?);
    } else {
        print_scores(&args.labels, &scores);
    }
    Ok(())
}

/// Numbers the data's publisher replaced by zeros or stars (0000-00000000) name no phone
/// or card: the extractor rightly skips them, so they are not counted against it.
fn redacted(span: &[char]) -> bool {
    span.iter().any(|c| matches!(c, '0' | '*'))
        && span
            .iter()
            .all(|c| matches!(c, '0' | '*' | '-' | ' ' | '(' | ')'))
}

fn print_scores(labels: &Path, s: &AnalysisScores) {
    let pct = |v: Option<f64>| v.map_or("   -  ".to_string(), |v| format!("{v:.3}"));
    let row = |name: &str, c: &Counts| {
        println!(
            "  {name:<32} precision {}  recall {}  (found {}, labelled {})",
            pct(c.precision()),
            pct(c.recall()),
            c.true_positives + c.false_positives,
            c.true_positives + c.false_negatives
        )
    };
    println!(
        "analysis on {} labelled petitions ({})",
        s.n,
        labels.display()
    );
    println!("risk flags:");
    row("all kinds", &s.risks);
    s.risks_by_kind.iter().for_each(|(k, c)| row(k, c));
    println!("channel: accuracy {:.3}", s.channel_accuracy);
    s.channels.iter().for_each(|(k, c)| row(k, c));
    println!("demand type: accuracy {:.3}", s.demand_type_accuracy);
    println!("facts (a fact found counts when it overlaps a labelled one of its kind):");
    row("all kinds", &s.facts);
    s.facts_by_kind.iter().for_each(|(k, c)| row(k, c));
}
