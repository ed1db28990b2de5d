//! `promote`: stores a model in a registry directory and makes it current (the server loads
//! `serve --model DIR/current`), unless it is worse than the current one.

use crate::history_source::ModelOnHistory;
use crate::reload::{notify, ReloadTarget};
use anyhow::{bail, Result};
use clap::Args;
use pr_registry::Registry;
use std::path::PathBuf;

#[derive(Args)]
pub struct PromoteArgs {
    /// Registry directory (created if missing); serve its `current` link.
    #[arg(long)]
    registry: PathBuf,
    /// The model to promote and the history to compare it with the current one on.
    #[command(flatten)]
    candidate: ModelOnHistory,
    /// Promote even when the model is worse than the current one on the history.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    reload: ReloadTarget,
}

/// Stores the model as a new version and makes it current, unless the promotion gate
/// ([`pr_model::judge`]) finds it worse than the current one on the given history and
/// `--force` is not given.
pub fn promote(args: PromoteArgs) -> Result<()> {
    let (model, history) = (&args.candidate.model, &args.candidate.history);
    let registry = Registry::open(&args.registry)?;
    history.report()?;
    let new_engine = args.candidate.engine(model)?;
    let mut action = "promote";
    match registry.current()? {
        // The first version: the history is still read, so that a bad one is refused.
        None => drop(pr_router::evaluate(
            &[&new_engine],
            history.labelled_rows()?,
            true,
        )?),
        Some(current) => {
            let current_engine = args.candidate.engine(&current.model)?;
            let contest =
                pr_router::contest(&new_engine, &current_engine, history.labelled_rows()?, true)?;
            let (new, old, c) = (
                &contest.new,
                &contest.current,
                &contest.judgement.comparison,
            );
            println!(
                "on {} rows: new accuracy {:.4} macro-F1 {:.4}; current (version {}) accuracy {:.4} macro-F1 {:.4}; McNemar p = {:.4}",
                new.top1_right.len(),
                new.metrics.accuracy,
                new.metrics.macro_f1,
                current.number,
                old.metrics.accuracy,
                old.metrics.macro_f1,
                c.p_value
            );
            if contest.judgement.worse && !args.force {
                bail!(
                    "not promoted: {} is worse than the current version {} on {} ({} rows right only for the current model, {} only for the new one); pass --force to promote it anyway",
                    model.display(),
                    current.number,
                    history.describe(),
                    c.baseline_only_right,
                    c.new_only_right
                );
            }
            if contest.judgement.worse {
                action = "forced-promote";
            }
        }
    }
    let version = registry.add(model)?;
    let switch = registry.switch(&version, action)?;
    println!(
        "{action}: version {} is current ({})",
        version.number,
        registry.current_link().display()
    );
    if let Some(from) = switch.from {
        println!(
            "previous version {from}: `petition-router rollback --registry {}` returns to it",
            args.registry.display()
        );
    }
    notify(args.reload)
}
