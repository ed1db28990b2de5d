//! The `export-history` command: confirmed outcomes from the feedback store as a labelled
//! history file that `train` and `eval` read.

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use pr_feedback::HistoryRow;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct ExportArgs {
    /// Feedback store, as given to `serve --feedback-store` (sqlite:PATH or postgres://…).
    #[arg(long)]
    store: pr_feedback::StoreUrl,
    /// File to write: one row per petition with an outcome (id, title, text, label,
    /// model_version, suggested, top1_right, returned, region: the region hint it was routed
    /// with, which train and eval read back as the hint).
    #[arg(long)]
    out: PathBuf,
    /// jsonl, or csv (UTF-8 with a byte-order mark, so that Excel shows the Chinese text);
    /// by default csv when --out ends in .csv, else jsonl.
    #[arg(long, value_enum)]
    format: Option<Format>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Jsonl,
    Csv,
}

pub fn export_history(args: ExportArgs) -> Result<()> {
    let store = pr_feedback::Store::open(&args.store)?;
    let rows = store.history()?;
    let format = args.format.unwrap_or_else(|| format_of(&args.out));
    let file = std::fs::File::create(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let mut out = std::io::BufWriter::new(file);
    match format {
        Format::Jsonl => write_jsonl(&rows, &mut out),
        Format::Csv => write_csv(&rows, &mut out),
    }
    .and_then(|()| Ok(out.flush()?))
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

fn format_of(path: &Path) -> Format {
    match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("csv") => Format::Csv,
        _ => Format::Jsonl,
    }
}

fn write_jsonl(rows: &[HistoryRow], out: &mut impl Write) -> Result<()> {
    for row in rows {
        serde_json::to_writer(&mut *out, row)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

fn write_csv(rows: &[HistoryRow], out: &mut impl Write) -> Result<()> {
    out.write_all("\u{feff}".as_bytes())?;
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record([
        "id",
        "title",
        "text",
        "label",
        "model_version",
        "suggested",
        "top1_right",
        "returned",
        "region",
    ])?;
    for r in rows {
        csv.write_record([
            r.id.as_str(),
            &r.title,
            &r.text,
            &r.label,
            &r.model_version,
            // Department codes hold no spaces.
            &r.suggested.join(" "),
            if r.top1_right { "true" } else { "false" },
            if r.returned { "true" } else { "false" },
            &r.region,
        ])?;
    }
    csv.flush()?;
    Ok(())
}
