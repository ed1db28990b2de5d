//! `catalogue from-history`: proposes a city's catalogue from a history labelled with unit
//! names, for an admin to review. Every label is split into a place and a line of duty
//! ([`UnitParser`]); labels with the same place and line are one unit (瓦房店市 /
//! 瓦房店市人民政府), named after the label with most rows, the others its aliases. Labels
//! that cannot be placed, or whose line is no department, are listed, never guessed.

use crate::history_source::HistoryArgs;
use crate::model_files;
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use pr_catalogue::{Catalogue, CatalogueSource, Settings, SETTINGS_FILE};
use pr_locality::{Code, Gazetteer};
use pr_router::proposal::{comment, propose, render, rows, Proposal, ProposedUnit, UNPLACED_FILE};
use pr_router::UnitParser;
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct CatalogueArgs {
    #[command(subcommand)]
    command: CatalogueCommand,
}

#[derive(Subcommand)]
enum CatalogueCommand {
    /// Propose a catalogue for a city from a history labelled with unit names: the base
    /// catalogue's department files, and a catalogue.toml with the jurisdiction and one
    /// `[[units]]` entry per district / county or town unit; labels it cannot place go to
    /// unplaced.txt.
    FromHistory(FromHistoryArgs),
}

#[derive(Args)]
struct FromHistoryArgs {
    #[command(flatten)]
    history: HistoryArgs,
    /// The city the units serve: a name of the gazetteer (大连市) or a 12-digit code
    /// [default: the base catalogue's, else the city where most labels' districts and towns lie].
    #[arg(long)]
    jurisdiction: Option<String>,
    /// Base catalogue: its departments are the lines of duty [default: as for route].
    #[arg(long)]
    catalogue: Option<PathBuf>,
    /// Directory to write the proposed catalogue to (new or empty).
    #[arg(long)]
    out: PathBuf,
    /// Write into a non-empty DIR, replacing its *.toml files and unplaced.txt.
    #[arg(long)]
    force: bool,
}

pub fn catalogue(args: CatalogueArgs) -> Result<()> {
    match args.command {
        CatalogueCommand::FromHistory(a) => from_history(a),
    }
}

fn from_history(args: FromHistoryArgs) -> Result<()> {
    let base_source = model_files::catalogue(args.catalogue.clone());
    let base_dir = match &base_source {
        CatalogueSource::Dir(dir) => Some(dir.as_path()),
        CatalogueSource::BuiltIn { .. } => None,
    };
    check_out_dir(&args.out, base_dir, args.force)?;
    let base = Catalogue::load(&base_source)?;
    let gazetteer = Gazetteer::shipped();
    // A jurisdiction given is checked before the history is read.
    let given = match &args.jurisdiction {
        Some(name) => Some(resolve_jurisdiction(gazetteer, name)?),
        None => None,
    };
    let summary = args.history.report()?;
    let labels = trimmed_labels(&summary.labels);
    let settings = base.settings();
    let (jurisdiction, how) = choose_jurisdiction(gazetteer, given, settings, &labels)?;
    let jurisdiction_name = gazetteer.path_name(jurisdiction);
    eprintln!("jurisdiction: {jurisdiction_name} ({how})");
    if !settings.units.is_empty() {
        eprintln!(
            "note: the {} [[units]] of the base catalogue are not carried over: the proposal lists the history's units",
            settings.units.len()
        );
    }

    let parser = UnitParser::new(
        gazetteer,
        &base,
        Some(jurisdiction),
        &settings.place_aliases,
    );
    let proposal = propose(&base, gazetteer, &parser, jurisdiction, &labels);

    let history_name = args.history.card_name();
    let text = render(
        &base,
        gazetteer,
        jurisdiction,
        &proposal,
        &format!(
            "{history_name} ({} rows, {} labels)",
            summary.rows,
            labels.len()
        ),
    );
    write_out(&args.out, &base, &text, &proposal)?;
    let written = Catalogue::load_dir(&args.out).with_context(|| {
        format!(
            "the proposed catalogue in {} does not load: correct it by hand (and report the labels involved)",
            args.out.display()
        )
    })?;
    report_proposal(&args.out, &proposal, &written, &jurisdiction_name);
    Ok(())
}

/// Rows per label as the parser sees them: trimmed, so that " 教育局" and "教育局" are one
/// name.
fn trimmed_labels(labels: &[(String, usize)]) -> BTreeMap<String, usize> {
    let mut trimmed: BTreeMap<String, usize> = BTreeMap::new();
    for (label, rows) in labels {
        *trimmed.entry(label.trim().to_string()).or_default() += rows;
    }
    trimmed
}

/// The jurisdiction to propose units for, and how it was chosen: the one given, else the
/// base catalogue's, else the city most labels' districts and towns lie in.
fn choose_jurisdiction(
    gazetteer: &Gazetteer,
    given: Option<Code>,
    settings: &Settings,
    labels: &BTreeMap<String, usize>,
) -> Result<(Code, &'static str)> {
    Ok(match (given, settings.jurisdiction) {
        (Some(j), _) => (j, "given with --jurisdiction"),
        (None, Some(j)) => (j, "declared by the base catalogue"),
        (None, None) => match pr_router::infer_jurisdiction(
            gazetteer,
            labels.keys().map(String::as_str),
            &settings.place_aliases,
        ) {
            Some(j) => (
                j,
                "inferred: the city where most labels' districts and towns lie; give --jurisdiction to choose another",
            ),
            None => bail!(
                "cannot infer the jurisdiction: too few labels name a district or town of one city; give --jurisdiction (e.g. 大连市)"
            ),
        },
    })
}

/// Tells on stderr what the proposal written to `out` holds, and the first labels it could
/// not place.
fn report_proposal(out: &Path, proposal: &Proposal, written: &Catalogue, jurisdiction_name: &str) {
    let aliases: usize = proposal.units.iter().map(|u| u.names.len() - 1).sum();
    let places: HashSet<Code> = proposal.units.iter().map(|u| u.place).collect();
    eprintln!(
        "proposed {} units with {aliases} aliases at {} places of {jurisdiction_name} ({}): {} with {} department files (catalogue {})",
        proposal.units.len(),
        places.len(),
        rows(proposal.units.iter().map(ProposedUnit::rows).sum()),
        out.join(SETTINGS_FILE).display(),
        written.departments().len(),
        written.version(),
    );
    let city_labels: usize = proposal.departments.values().map(Vec::len).sum();
    eprintln!(
        "{city_labels} city-level labels name {} departments of the catalogue (listed as comments)",
        proposal.departments.len()
    );
    if proposal.unplaced.is_empty() {
        eprintln!("every label was placed");
    } else {
        eprintln!(
            "{} labels ({}) were not placed and are listed in {}; add their units by hand, or department files for them:",
            proposal.unplaced.len(),
            rows(proposal.unplaced.iter().map(|(_, n, _)| n).sum()),
            out.join(UNPLACED_FILE).display()
        );
        for (label, n, reason) in proposal.unplaced.iter().take(10) {
            eprintln!("  {label} ({}): {reason}", rows(*n));
        }
        if proposal.unplaced.len() > 10 {
            eprintln!("  … and {} more", proposal.unplaced.len() - 10);
        }
    }
}

/// Refuses a non-empty `out` without `force`, and the base catalogue's directory (when it
/// is read from one) in any case.
fn check_out_dir(out: &Path, base: Option<&Path>, force: bool) -> Result<()> {
    if let (Ok(a), Some(Ok(b))) = (out.canonicalize(), base.map(Path::canonicalize)) {
        if a == b {
            bail!(
                "--out {} is the base catalogue: write the proposal to another directory",
                out.display()
            );
        }
    }
    if out.is_file() {
        bail!("--out {} is a file: give a directory", out.display());
    }
    let non_empty = match std::fs::read_dir(out) {
        Ok(mut entries) => entries.next().is_some(),
        Err(_) => false,
    };
    if non_empty && !force {
        bail!(
            "--out {} is not empty: give a new or empty directory, or --force to replace its catalogue files",
            out.display()
        );
    }
    Ok(())
}

/// The one division `name` (or a 12-digit code) stands for.
fn resolve_jurisdiction(gazetteer: &Gazetteer, name: &str) -> Result<Code> {
    let name = name.trim();
    gazetteer.find_one(name, None).or_else(|candidates| match candidates.len() {
        0 => bail!(
            "--jurisdiction '{name}' is not a place of the gazetteer: give the city's official name (such as 大连市) or its 12-digit code"
        ),
        n => bail!(
            "--jurisdiction '{name}' names {n} places ({}): give its 12-digit code",
            gazetteer.list_places(&candidates)
        ),
    })
}

/// Writes the department files, catalogue.toml and unplaced.txt into `out`.
fn write_out(out: &Path, base: &Catalogue, settings: &str, proposal: &Proposal) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    // --force: the old catalogue files would join the new ones.
    for entry in std::fs::read_dir(out).with_context(|| format!("cannot read {}", out.display()))? {
        let path = entry?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "toml") {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    for d in base.departments() {
        let name = d
            .source
            .file_name()
            .with_context(|| format!("{} has no file name", d.source.display()))?;
        let to = out.join(name);
        std::fs::copy(&d.source, &to)
            .with_context(|| format!("cannot copy {} to {}", d.source.display(), to.display()))?;
    }
    let path = out.join(SETTINGS_FILE);
    std::fs::write(&path, settings).with_context(|| format!("cannot write {}", path.display()))?;
    let mut unplaced = String::new();
    for (label, rows, reason) in &proposal.unplaced {
        let _ = writeln!(unplaced, "{}\t{rows}\t{reason}", comment(label));
    }
    let path = out.join(UNPLACED_FILE);
    std::fs::write(&path, unplaced).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
