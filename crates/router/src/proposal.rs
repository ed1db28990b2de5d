//! A catalogue proposed from a history labelled with unit names (`catalogue from-history`),
//! for an admin to review. Every label is split into a place and a line of duty
//! ([`UnitParser`]); labels with the same place and line are one unit (瓦房店市 /
//! 瓦房店市人民政府), named after the label with most rows, the others its aliases. Labels
//! that cannot be placed, or whose line is no department, are listed, never guessed.

use crate::units::{UnitKey, UnitParser, GOVERNMENT};
use pr_catalogue::{Catalogue, LabelTarget};
use pr_locality::{Code, Gazetteer};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

/// The file of a proposed catalogue that lists the labels it could not place: label, rows,
/// reason, tab-separated.
pub const UNPLACED_FILE: &str = "unplaced.txt";

/// A local unit: its place and line, its names with their rows, most rows first.
pub struct ProposedUnit {
    /// Its place and line of duty (a department code or [`GOVERNMENT`]).
    pub key: UnitKey,
    /// Its district or town: `key.place`, always present for a local unit.
    pub place: Code,
    /// Each label naming it, with its rows in the history, most rows first; the first is the
    /// unit's name, the others its aliases.
    pub names: Vec<(String, usize)>,
}

impl ProposedUnit {
    /// Rows of the history under any of its names.
    pub fn rows(&self) -> usize {
        self.names.iter().map(|(_, n)| n).sum()
    }
}

/// What the labels of a history make.
#[derive(Default)]
pub struct Proposal {
    /// Local units, by place then name.
    pub units: Vec<ProposedUnit>,
    /// City-level labels per department index: the labels and their rows.
    pub departments: BTreeMap<usize, Vec<(String, usize)>>,
    /// Labels not placed: label, rows, reason; most rows first.
    pub unplaced: Vec<(String, usize, String)>,
}

/// Groups the labels into local units, city-level department labels and unplaced ones.
pub fn propose(
    catalogue: &Catalogue,
    gazetteer: &Gazetteer,
    parser: &UnitParser,
    jurisdiction: Code,
    labels: &BTreeMap<String, usize>,
) -> Proposal {
    let placer = LabelPlacer::new(catalogue, gazetteer, parser, jurisdiction);
    let mut proposal = Proposal::default();
    let mut units: HashMap<UnitKey, Vec<(String, usize)>> = HashMap::new();
    for (label, &rows) in labels {
        match placer.place(label) {
            Placement::Unit(key) => units.entry(key).or_default().push((label.clone(), rows)),
            Placement::Department(index) => proposal
                .departments
                .entry(index)
                .or_default()
                .push((label.clone(), rows)),
            Placement::Unplaced(reason) => proposal.unplaced.push((label.clone(), rows, reason)),
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

/// Where one label goes in a [`Proposal`].
enum Placement {
    /// A local unit with this place and line.
    Unit(UnitKey),
    /// The city-level department with this index.
    Department(usize),
    /// Not placed, for this reason.
    Unplaced(String),
}

/// What placing a label needs, computed once for all labels.
struct LabelPlacer<'a> {
    catalogue: &'a Catalogue,
    gazetteer: &'a Gazetteer,
    parser: &'a UnitParser<'a>,
    jurisdiction: Code,
    jurisdiction_name: String,
    /// Department index per code.
    department_of: HashMap<&'a str, usize>,
    /// Names a unit may not take (catalogue.toml refuses them).
    department_names: HashSet<&'a str>,
}

impl<'a> LabelPlacer<'a> {
    /// Indexes the catalogue's departments for placing labels inside `jurisdiction`.
    fn new(
        catalogue: &'a Catalogue,
        gazetteer: &'a Gazetteer,
        parser: &'a UnitParser<'a>,
        jurisdiction: Code,
    ) -> Self {
        let departments = catalogue.departments();
        let department_of: HashMap<&str, usize> = departments
            .iter()
            .enumerate()
            .map(|(i, d)| (d.code.as_str(), i))
            .collect();
        let department_names: HashSet<&str> = departments
            .iter()
            .flat_map(|d| [&d.code, &d.name].into_iter().chain(&d.aliases))
            .map(String::as_str)
            .collect();
        LabelPlacer {
            catalogue,
            gazetteer,
            parser,
            jurisdiction,
            jurisdiction_name: gazetteer.path_name(jurisdiction),
            department_of,
            department_names,
        }
    }

    /// Splits a label into place and line and decides where it goes, or why nowhere.
    fn place(&self, label: &str) -> Placement {
        let (gazetteer, jurisdiction) = (self.gazetteer, self.jurisdiction);
        let jurisdiction_name = &self.jurisdiction_name;
        let aliases = &self.catalogue.settings().place_aliases;
        let unit = self.parser.parse(label);
        let split = gazetteer.split_unit_name(label, Some(jurisdiction), aliases);
        let line = unit.key.line.as_str();
        let is_department = self.department_of.contains_key(line);
        // A place named first that neither lies in the jurisdiction nor holds it.
        if let Some(p) = split.place.or(unit.key.place) {
            if !p.is_within(jurisdiction) && !jurisdiction.is_within(p) {
                return Placement::Unplaced(format!(
                    "{} lies outside the jurisdiction {jurisdiction_name}",
                    gazetteer.path_name(p)
                ));
            }
        }
        let reason = match unit.key.place {
            Some(place) if is_department || line == GOVERNMENT => {
                if !self.department_names.contains(label) {
                    return Placement::Unit(unit.key.clone());
                }
                format!(
                    "is also a name of a department of the catalogue, so it cannot name the unit ({} · {line})",
                    gazetteer.path_name(place)
                )
            }
            Some(place) => format!(
                "placed at {}, but '{line}' is the name or alias of no department of the catalogue",
                gazetteer.path_name(place)
            ),
            None if is_department => return Placement::Department(self.department_of[line]),
            None if line == GOVERNMENT => format!(
                "a government, but of no district or town of {jurisdiction_name}: the city's own government is no unit of a district or town"
            ),
            None if !split.ambiguous.is_empty() => format!(
                "its place could be any of {}: name the district in the label, or declare the unit by hand",
                split
                    .ambiguous
                    .iter()
                    .take(5)
                    .map(|&c| gazetteer.path_name(c))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None if matches!(self.catalogue.resolve_label(label), LabelTarget::Category(_)) => {
                "a category (事项分类) of the catalogue, not a unit".to_string()
            }
            None => format!(
                "names no district or town of {jurisdiction_name} and no department of the catalogue"
            ),
        };
        Placement::Unplaced(reason)
    }
}

/// The catalogue.toml of a proposal.
pub fn render(
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
            gazetteer.path_name(unit.place),
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
            format!("  # {}", gazetteer.path_name(code)),
        )
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
pub fn rows(n: usize) -> String {
    match n {
        1 => "1 row".to_string(),
        n => format!("{n} rows"),
    }
}

/// Text safe inside a one-line TOML comment.
pub fn comment(text: &str) -> String {
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
