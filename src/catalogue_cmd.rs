//! `catalogue from-history`: proposes a city's catalogue from a history labelled with unit
//! names, for an admin to review. Every label is split into a place and a line of duty
//! ([`UnitParser`]); labels with the same place and line are one unit (瓦房店市 /
//! 瓦房店市人民政府), named after the label with most rows, the others its aliases. Labels
//! that cannot be placed, or whose line is no department, are listed, never guessed.

use crate::commands::{report_history, HistoryArgs};
use crate::paths;
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use pr_catalogue::{Catalogue, LabelTarget, SETTINGS_FILE};
use pr_locality::{Code, Gazetteer};
use pr_router::{UnitKey, UnitParser, GOVERNMENT};
use std::collections::{BTreeMap, HashMap, HashSet};
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
    /// [[units]] entry per district / county or town unit; labels it cannot place go to
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

/// The file of labels that were not placed: label, rows, reason, tab-separated.
const UNPLACED_FILE: &str = "unplaced.txt";

pub fn catalogue(args: CatalogueArgs) -> Result<()> {
    match args.command {
        CatalogueCommand::FromHistory(a) => from_history(a),
    }
}

/// A local unit: its place and line, its names with their rows, most rows first.
struct ProposedUnit {
    key: UnitKey,
    place: Code,
    names: Vec<(String, usize)>,
}

impl ProposedUnit {
    fn rows(&self) -> usize {
        self.names.iter().map(|(_, n)| n).sum()
    }
}

/// What the labels of a history make.
#[derive(Default)]
struct Proposal {
    /// Local units, by place then name.
    units: Vec<ProposedUnit>,
    /// City-level labels per department index: the labels and their rows.
    departments: BTreeMap<usize, Vec<(String, usize)>>,
    /// Labels not placed: label, rows, reason; most rows first.
    unplaced: Vec<(String, usize, String)>,
}

fn from_history(args: FromHistoryArgs) -> Result<()> {
    let base_dir = paths::catalogue(args.catalogue.clone());
    check_out_dir(&args.out, &base_dir, args.force)?;
    let base = Catalogue::load_dir(&base_dir)?;
    let gazetteer = Gazetteer::shipped();
    // A jurisdiction given is checked before the history is read.
    let given = match &args.jurisdiction {
        Some(name) => Some(resolve_jurisdiction(gazetteer, name)?),
        None => None,
    };
    let summary = report_history(&args.history)?;
    // Labels as the parser sees them: trimmed, so that " 教育局" and "教育局" are one name.
    let mut labels: BTreeMap<String, usize> = BTreeMap::new();
    for (label, rows) in &summary.labels {
        *labels.entry(label.trim().to_string()).or_default() += rows;
    }
    let settings = base.settings();
    let (jurisdiction, how) = match (given, settings.jurisdiction) {
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
    };
    let jurisdiction_name = path_name(gazetteer, jurisdiction);
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

    let history_name = match &args.history.history {
        // The file name only: directories may name people.
        Some(path) => path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        None => args.history.source(),
    };
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

    let aliases: usize = proposal.units.iter().map(|u| u.names.len() - 1).sum();
    let places: HashSet<Code> = proposal.units.iter().map(|u| u.place).collect();
    eprintln!(
        "proposed {} units with {aliases} aliases at {} places of {jurisdiction_name} ({}): {} with {} department files (catalogue {})",
        proposal.units.len(),
        places.len(),
        rows(proposal.units.iter().map(ProposedUnit::rows).sum()),
        args.out.join(SETTINGS_FILE).display(),
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
            args.out.join(UNPLACED_FILE).display()
        );
        for (label, n, reason) in proposal.unplaced.iter().take(10) {
            eprintln!("  {label} ({}): {reason}", rows(*n));
        }
        if proposal.unplaced.len() > 10 {
            eprintln!("  … and {} more", proposal.unplaced.len() - 10);
        }
    }
    Ok(())
}

/// Refuses a non-empty `out` without `force`, and the base catalogue itself in any case.
fn check_out_dir(out: &Path, base: &Path, force: bool) -> Result<()> {
    if let (Ok(a), Ok(b)) = (out.canonicalize(), base.canonicalize()) {
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
    if let Ok(code) = name.parse::<Code>() {
        if gazetteer.get(code).is_some() {
            return Ok(code);
        }
    }
    match gazetteer.lookup(name).as_slice() {
        [one] => Ok(*one),
        [] => bail!(
            "--jurisdiction '{name}' is not a place of the gazetteer: give the city's official name (such as 大连市) or its 12-digit code"
        ),
        many => bail!(
            "--jurisdiction '{name}' names {} places ({}): give its 12-digit code",
            many.len(),
            many.iter()
                .take(5)
                .map(|&c| format!("{c} {}", path_name(gazetteer, c)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Groups the labels into local units, city-level department labels and unplaced ones.
fn propose(
    catalogue: &Catalogue,
    gazetteer: &Gazetteer,
    parser: &UnitParser,
    jurisdiction: Code,
    labels: &BTreeMap<String, usize>,
) -> Proposal {
    let departments = catalogue.departments();
    let department_of: HashMap<&str, usize> = departments
        .iter()
        .enumerate()
        .map(|(i, d)| (d.code.as_str(), i))
        .collect();
    // Names a unit may not take (catalogue.toml refuses them).
    let department_names: HashSet<&str> = departments
        .iter()
        .flat_map(|d| [&d.code, &d.name].into_iter().chain(&d.aliases))
        .map(String::as_str)
        .collect();
    let aliases = &catalogue.settings().place_aliases;
    let jurisdiction_name = path_name(gazetteer, jurisdiction);
    let mut proposal = Proposal::default();
    let mut units: HashMap<UnitKey, Vec<(String, usize)>> = HashMap::new();
    for (label, &rows) in labels {
        let unit = parser.parse(label);
        let split = gazetteer.split_unit_name(label, Some(jurisdiction), aliases);
        let line = unit.key.line.as_str();
        let is_department = department_of.contains_key(line);
        let mut unplaced = |reason: String| proposal.unplaced.push((label.clone(), rows, reason));
        // A place named first that neither lies in the jurisdiction nor holds it.
        if let Some(p) = split.place.or(unit.key.place) {
            if !p.is_within(jurisdiction) && !jurisdiction.is_within(p) {
                unplaced(format!(
                    "{} lies outside the jurisdiction {jurisdiction_name}",
                    path_name(gazetteer, p)
                ));
                continue;
            }
        }
        match unit.key.place {
            Some(place) if is_department || line == GOVERNMENT => {
                if department_names.contains(label.as_str()) {
                    unplaced(format!(
                        "is also a name of a department of the catalogue, so it cannot name the unit ({} · {line})",
                        path_name(gazetteer, place)
                    ));
                } else {
                    units
                        .entry(unit.key.clone())
                        .or_default()
                        .push((label.clone(), rows));
                }
            }
            Some(place) => unplaced(format!(
                "placed at {}, but '{line}' is the name or alias of no department of the catalogue",
                path_name(gazetteer, place)
            )),
            None if is_department => proposal
                .departments
                .entry(department_of[line])
                .or_default()
                .push((label.clone(), rows)),
            None if line == GOVERNMENT => unplaced(format!(
                "a government, but of no district or town of {jurisdiction_name}: the city's own government is no unit of a district or town"
            )),
            None if !split.ambiguous.is_empty() => unplaced(format!(
                "its place could be any of {}: name the district in the label, or declare the unit by hand",
                split
                    .ambiguous
                    .iter()
                    .take(5)
                    .map(|&c| path_name(gazetteer, c))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            None if matches!(catalogue.resolve_label(label), LabelTarget::Category(_)) => {
                unplaced("a category (事项分类) of the catalogue, not a unit".to_string())
            }
            None => unplaced(format!(
                "names no district or town of {jurisdiction_name} and no department of the catalogue"
            )),
        }
    }
    let by_rows = |a: &(String, usize), b: &(String, usize)| b.1.cmp(&a.1).then(a.0.cmp(&b.0));
    proposal.units = units
        .into_iter()
        .map(|(key, mut names)| {
            names.sort_by(by_rows);
            ProposedUnit {
                place: key.place.expect("local units have a place"),
                key,
                names,
            }
        })
        .collect();
    proposal
        .units
        .sort_by(|a, b| a.place.cmp(&b.place).then(a.names[0].0.cmp(&b.names[0].0)));
    for labels in proposal.departments.values_mut() {
        labels.sort_by(by_rows);
    }
    proposal
        .unplaced
        .sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    proposal
}

/// The catalogue.toml of a proposal.
fn render(
    catalogue: &Catalogue,
    gazetteer: &Gazetteer,
    jurisdiction: Code,
    proposal: &Proposal,
    history: &str,
) -> String {
    let departments = catalogue.departments();
    let mut s = format!(
        "# Proposed by `petition-router catalogue from-history` from {}, for review before use.\n\
         # Each [[units]] entry is a district / county or town unit: its place and its line of duty\n\
         # (a department code of this catalogue, whose keywords it inherits, or \"{GOVERNMENT}\"); its\n\
         # name is the history's label with most rows, its aliases the other labels of the same unit.\n\
         # Labels that could not be placed are listed in {UNPLACED_FILE}.\n\n",
        comment(history)
    );
    let (value, note) = place_value(gazetteer, jurisdiction, None);
    let _ = writeln!(s, "jurisdiction = {value}{note}");
    let places = &catalogue.settings().places;
    if !places.is_empty() {
        s += "\n[places]\n";
        for (alias, target) in places {
            let (value, note) = place_value(gazetteer, *target, Some(jurisdiction));
            let _ = writeln!(s, "{} = {value}{note}", toml_string(alias));
        }
    }
    if !proposal.departments.is_empty() {
        s += "\n# City-level labels: the catalogue's own departments (no unit needed).\n";
        for (&d, labels) in &proposal.departments {
            let _ = writeln!(
                s,
                "#   {} ({}) ← {}",
                departments[d].code,
                comment(&departments[d].name),
                comment(&with_rows(labels))
            );
        }
    }
    for unit in &proposal.units {
        let line = &unit.key.line;
        let line_name = departments
            .iter()
            .find(|d| d.code == *line)
            .map_or("the place's government".to_string(), |d| d.name.clone());
        let (place, note) = place_value(gazetteer, unit.place, Some(jurisdiction));
        let _ = write!(
            s,
            "\n# {} · {} · {}: {}\n[[units]]\nname = {}\nplace = {place}{note}\nline = {}\n",
            path_name(gazetteer, unit.place),
            comment(&line_name),
            rows(unit.rows()),
            comment(&with_rows(&unit.names)),
            toml_string(&unit.names[0].0),
            toml_string(line),
        );
        if unit.names.len() > 1 {
            let aliases: Vec<String> = unit.names[1..]
                .iter()
                .map(|(n, _)| toml_string(n))
                .collect();
            let _ = writeln!(s, "aliases = [{}]", aliases.join(", "));
        }
    }
    s
}

/// A place as catalogue.toml takes it: its full name when that names it alone (within
/// `scope`), else its 12-digit code with the name as a comment.
fn place_value(gazetteer: &Gazetteer, code: Code, scope: Option<Code>) -> (String, String) {
    let Some(division) = gazetteer.get(code) else {
        return (toml_string(&code.to_string()), String::new());
    };
    let mut candidates = gazetteer.lookup(&division.name);
    if let Some(scope) = scope {
        candidates.retain(|c| c.is_within(scope));
    }
    if candidates == [code] {
        (toml_string(&division.name), String::new())
    } else {
        (
            toml_string(&code.to_string()),
            format!("  # {}", path_name(gazetteer, code)),
        )
    }
}

/// The names of a place below its province (大连市甘井子区红旗街道), for people.
fn path_name(gazetteer: &Gazetteer, code: Code) -> String {
    let n = gazetteer.names(code);
    let path: String = [n.city, n.county, n.town].into_iter().flatten().collect();
    match (path.is_empty(), n.province) {
        (true, Some(province)) => province.to_string(),
        (true, None) => code.to_string(),
        (false, _) => path,
    }
}

/// `name (rows), name (rows)`.
fn with_rows(names: &[(String, usize)]) -> String {
    names
        .iter()
        .map(|(n, rows)| format!("{n} ({rows})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `1 row`, `2 rows`.
fn rows(n: usize) -> String {
    match n {
        1 => "1 row".to_string(),
        n => format!("{n} rows"),
    }
}

/// Text safe inside a one-line TOML comment.
fn comment(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 2);
    s.push('"');
    for c in text.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\t' => s.push_str("\\t"),
            '\r' => s.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(s, "\\u{:04X}", c as u32);
            }
            c => s.push(c),
        }
    }
    s.push('"');
    s
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
