//! `eval`: a model's metrics on labelled history, alone or against a baseline model on the
//! same rows (the promotion gate's judgement).

use crate::history_source::ModelOnHistory;
use anyhow::Result;
use clap::Args;
use pr_model::Verdict;
use pr_router::{Contest, Engine, Evaluation};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct EvalArgs {
    #[command(flatten)]
    target: ModelOnHistory,
    /// Compare with this model (e.g. the one serving now) on the same rows: both tables,
    /// F1 change per label and McNemar's test of whether the difference is chance.
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// Print one JSON object (n, accuracy, macro_f1, top3_accuracy, per_label, confused,
    /// locality_accuracy, locality_n; with --baseline: model, baseline, comparison,
    /// per_label_f1_delta).
    #[arg(long)]
    json: bool,
    /// Ignore the history's region column: route on the text alone.
    #[arg(long)]
    no_region_hint: bool,
}

pub fn eval(args: EvalArgs) -> Result<()> {
    let (model, history) = (&args.target.model, &args.target.history);
    history.report()?;
    let engine = args.target.engine(model)?;
    let rows = history.labelled_rows()?;
    let use_region = !args.no_region_hint;
    let Some(baseline_path) = &args.baseline else {
        let evaluation = pr_router::evaluate(&[&engine], rows, use_region)?
            .pop()
            .expect("one evaluation per engine");
        return print_evaluation(&args, &engine, &evaluation);
    };
    let baseline = args.target.engine(baseline_path)?;
    let contest = pr_router::contest(&engine, &baseline, rows, use_region)?;
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "model": contest.new.metrics,
                "baseline": contest.current.metrics,
                "comparison": contest.judgement.comparison,
                "per_label_f1_delta": contest.judgement.per_label_f1_delta,
            })
        );
        return Ok(());
    }
    print_contest(&contest, (model, &engine), (baseline_path, &baseline));
    Ok(())
}

fn print_evaluation(args: &EvalArgs, engine: &Engine, evaluation: &Evaluation) -> Result<()> {
    if args.json {
        let mut json = serde_json::to_value(&evaluation.metrics)?;
        json["locality_accuracy"] = evaluation.locality.accuracy().into();
        json["locality_n"] = evaluation.locality.n.into();
        println!("{json}");
        return Ok(());
    }
    println!(
        "model {} (version {}) on {}",
        args.target.model.display(),
        engine.model().version(),
        args.target.history.describe()
    );
    print!("{}", evaluation.metrics.table(""));
    if let Some(a) = evaluation.locality.accuracy() {
        println!(
            "locality: the petition's district is the true unit's in {a:.4} of the {} rows handled by a district or town unit",
            evaluation.locality.n
        );
    }
    Ok(())
}

fn print_contest(contest: &Contest, new: (&Path, &Engine), baseline: (&Path, &Engine)) {
    for (name, (path, engine), e) in [
        ("new", new, &contest.new),
        ("baseline", baseline, &contest.current),
    ] {
        println!(
            "{name}: {} (version {})",
            path.display(),
            engine.model().version()
        );
        print!("{}", e.metrics.table("  "));
    }
    let judgement = &contest.judgement;
    println!("F1 change by label (new − baseline), largest first:");
    for d in judgement.per_label_f1_delta.iter().take(15) {
        println!(
            "  {:<24} {:+.4}  ({:.4} → {:.4})",
            d.label, d.delta, d.baseline, d.new
        );
    }
    let c = &judgement.comparison;
    println!(
        "McNemar on {} rows: new right where baseline wrong {}, baseline right where new wrong {}, p = {:.4}",
        contest.new.top1_right.len(),
        c.new_only_right,
        c.baseline_only_right,
        c.p_value
    );
    println!(
        "verdict: {}",
        match c.verdict {
            Verdict::Better => "the new model is significantly better",
            Verdict::Worse => "the new model is significantly WORSE",
            Verdict::NoSignificantDifference => "no significant difference (p ≥ 0.05)",
        }
    );
}
