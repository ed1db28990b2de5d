//! The `export-history` command: confirmed outcomes from the feedback store as a labelled
//! history file that `train` and `eval` read.

use anyhow::{Context, Result};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

#[derive(Args)]
pub struct ExportArgs {
    /// Feedback store, as given to `serve --feedback-store` (sqlite:PATH or postgres://…).
    #[arg(long)]
    store: String,
    /// JSONL file to write (id, title, text, label, model_version, top1_right, returned).
    #[arg(long)]
    out: PathBuf,
}

pub fn export_history(args: ExportArgs) -> Result<()> {
    let store = pr_feedback::Store::open(&args.store)?;
    let rows = store.history()?;
    let file = std::fs::File::create(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let mut out = std::io::BufWriter::new(file);
    for row in &rows {
        serde_json::to_writer(&mut out, row)?;
        out.write_all(b"\n")?;
    }
    out.flush()
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    let right = rows.iter().filter(|r| r.top1_right).count();
    let returned = rows.iter().filter(|r| r.returned).count();
    eprintln!(
        "{} petitions with outcomes written to {}; the first suggestion was right for {right}, {returned} were sent back (退单)",
        rows.len(),
        args.out.display()
    );
    Ok(())
}
