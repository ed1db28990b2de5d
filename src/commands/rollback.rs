//! `rollback`: makes the registry's previous version current again.

use crate::reload::{notify, ReloadTarget};
use anyhow::{bail, Result};
use clap::Args;
use pr_registry::{Registry, ROLLBACK};
use std::path::PathBuf;

#[derive(Args)]
pub struct RollbackArgs {
    /// Registry directory.
    #[arg(long)]
    registry: PathBuf,
    #[command(flatten)]
    reload: ReloadTarget,
}

/// Makes the version that served before the current one current again.
pub fn rollback(args: RollbackArgs) -> Result<()> {
    let registry = Registry::open(&args.registry)?;
    let Some(current) = registry.current()? else {
        bail!(
            "{}: nothing is current yet: promote a model first",
            args.registry.display()
        );
    };
    let Some(previous) = registry.previous()? else {
        bail!(
            "{}: version {} was the first one promoted: there is nothing to roll back to",
            args.registry.display(),
            current.number
        );
    };
    registry.switch(&previous, ROLLBACK)?;
    println!(
        "rolled back: version {} is current again (was {})",
        previous.number, current.number
    );
    notify(args.reload)
}
