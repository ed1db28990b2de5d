//! `eval-repeats`: repeat detection against hand-labelled pairs (`tests/repeat-pairs/`): the
//! MinHash estimate and the exact shingle similarity it estimates, side by side on the same
//! pairs, precision and recall at every threshold. The pairs hold ids only; the texts are read
//! from the data directory.

use crate::shared_data::{self, Petition};
use anyhow::{bail, Result};
use clap::Args;
use pr_similar::{exact_similarity, Signature, ValidParams};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct EvalRepeatsArgs {
    /// Pairs, one JSON object per line: a, b (`source/id`, source without .jsonl), label
    /// (repeat | different), kind.
    #[arg(long)]
    pairs: PathBuf,
    /// The directory the pairs' sources are relative to.
    #[arg(long, default_value = "../shared/data")]
    data: PathBuf,
    /// The similarity from which a pair counts as a repeat, for the recall by kind.
    #[arg(long, default_value_t = 0.5)]
    threshold: f32,
    /// Print one JSON object (pairs, thresholds with both methods' precision and recall,
    /// recall_by_kind at --threshold).
    #[arg(long)]
    json: bool,
}

#[derive(Deserialize)]
struct Pair {
    a: String,
    b: String,
    label: Label,
    kind: String,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum Label {
    Repeat,
    Different,
}

/// One pair's label and its two similarities.
struct Scored {
    repeat: bool,
    kind: String,
    minhash: f32,
    exact: f32,
}

#[derive(Serialize)]
struct Counts {
    precision: Option<f64>,
    recall: f64,
}

#[derive(Serialize)]
struct AtThreshold {
    threshold: f32,
    minhash: Counts,
    exact: Counts,
}

#[derive(Serialize)]
struct Report {
    pairs: usize,
    repeats: usize,
    thresholds: Vec<AtThreshold>,
    /// Share of each kind's pairs at or above --threshold (MinHash).
    share_at_threshold_by_kind: BTreeMap<String, f64>,
}

pub fn eval_repeats(args: EvalRepeatsArgs) -> Result<()> {
    let pairs: Vec<Pair> = shared_data::label_lines(&args.pairs, "pair")?;
    let ids: Vec<(String, String)> = pairs
        .iter()
        .flat_map(|p| [&p.a, &p.b])
        .map(|name| source_and_id(name))
        .collect::<Result<_>>()?;
    let texts = shared_data::texts(
        &args.data,
        ids.iter().map(|(s, i)| (s.as_str(), i.as_str())),
    )?;
    let params = ValidParams::default();
    // As route() reads a petition: title and text, normalised.
    let text_of = |name: &str| -> Result<String> {
        let key = source_and_id(name)?;
        let Petition { title, text } = &texts[&key];
        Ok(pr_text::normalise(&pr_router::petition_text(title, text)))
    };
    let mut scored = Vec::with_capacity(pairs.len());
    for p in &pairs {
        let (a, b) = (text_of(&p.a)?, text_of(&p.b)?);
        scored.push(Scored {
            repeat: p.label == Label::Repeat,
            kind: p.kind.clone(),
            minhash: Signature::new(&a, &params).similarity(&Signature::new(&b, &params)),
            exact: exact_similarity(&a, &b, &params),
        });
    }
    let report = report(&scored, args.threshold);
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print_report(&args.pairs, &report, args.threshold);
    }
    Ok(())
}

fn report(scored: &[Scored], threshold: f32) -> Report {
    let repeats = scored.iter().filter(|s| s.repeat).count();
    let counts = |at: f32, similarity: fn(&Scored) -> f32| {
        let found: Vec<&Scored> = scored.iter().filter(|s| similarity(s) >= at).collect();
        let right = found.iter().filter(|s| s.repeat).count();
        Counts {
            precision: (!found.is_empty()).then(|| right as f64 / found.len() as f64),
            recall: right as f64 / repeats.max(1) as f64,
        }
    };
    let thresholds = (1..=18)
        .map(|i| i as f32 * 0.05)
        .map(|t| AtThreshold {
            threshold: t,
            minhash: counts(t, |s| s.minhash),
            exact: counts(t, |s| s.exact),
        })
        .collect();
    let mut by_kind: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for s in scored {
        let k = by_kind.entry(s.kind.clone()).or_default();
        k.0 += usize::from(s.minhash >= threshold);
        k.1 += 1;
    }
    Report {
        pairs: scored.len(),
        repeats,
        thresholds,
        share_at_threshold_by_kind: by_kind
            .into_iter()
            .map(|(k, (at, n))| (k, at as f64 / n as f64))
            .collect(),
    }
}

fn print_report(path: &Path, r: &Report, threshold: f32) {
    println!(
        "repeat detection on {} labelled pairs ({} repeats) of {}",
        r.pairs,
        r.repeats,
        path.display()
    );
    println!("similarity of character 3-grams of title and text; a pair at or above the threshold counts as a repeat");
    println!("threshold   MinHash precision  recall   exact precision  recall");
    let pct = |v: Option<f64>| v.map_or("  -  ".to_string(), |v| format!("{v:.3}"));
    for t in &r.thresholds {
        println!(
            "  {:.2}      {}          {:.3}    {}            {:.3}",
            t.threshold,
            pct(t.minhash.precision),
            t.minhash.recall,
            pct(t.exact.precision),
            t.exact.recall
        );
    }
    println!("share of each kind's pairs at or above {threshold:.2} (MinHash):");
    for (kind, share) in &r.share_at_threshold_by_kind {
        println!("  {kind:<16} {share:.3}");
    }
}

/// `dalian/train/G2017-1` → (`dalian/train.jsonl`, `G2017-1`).
fn source_and_id(name: &str) -> Result<(String, String)> {
    match name.rsplit_once('/') {
        Some((source, id)) if !source.is_empty() && !id.is_empty() => {
            Ok((format!("{source}.jsonl"), id.to_string()))
        }
        _ => bail!("'{name}' is not source/id"),
    }
}
