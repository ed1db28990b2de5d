//! `catalogue.toml`: what a catalogue says about itself rather than about one department —
//! its jurisdiction (the city whose places its units serve), the place names people use
//! that the national gazetteer does not hold (功能区 such as 金普新区, old names, 简称), and its
//! local units (甘井子区城建局: a district or town plus a line of duty).

use crate::load::{CatalogueFiles, Department, Source};
use crate::CatalogueError;
use pr_locality::{Aliases, Code, Gazetteer, Level};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use toml::Spanned;

/// The line of duty of a place's own government (区政府, 街道办事处, 镇政府, 管委会), as a
/// unit's `line`; every other line is a department code.
pub const GOVERNMENT_LINE: &str = "government";

/// The file name of a catalogue's own settings; every other `*.toml` is a department.
pub const SETTINGS_FILE: &str = "catalogue.toml";

/// A catalogue's jurisdiction and place aliases.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The city (or county, or province) the catalogue serves.
    pub jurisdiction: Option<Code>,
    /// Place names the catalogue declares, each standing for a division of the gazetteer.
    pub place_aliases: Aliases,
    /// The `[places]` entries as declared (alias, the division it stands for), in name
    /// order: for tools that write a catalogue.toml of their own.
    pub places: Vec<(String, Code)>,
    /// Local units (`[[units]]`): district / county and town bodies, each a place inside
    /// the jurisdiction and a line of duty, in file order.
    pub units: Vec<DeclaredUnit>,
}

/// A unit of a district / county or a town that a catalogue declares (`[[units]]`): a place
/// and a line of duty. It has no keywords of its own: it inherits its line's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredUnit {
    /// The unit's name as the petition system shows it (甘井子区城建局).
    pub name: String,
    /// Its district / county or town, inside the jurisdiction.
    pub place: Code,
    /// A department code of the catalogue (`housing_construction`), or [`GOVERNMENT_LINE`]
    /// for the place's own government.
    pub line: String,
    /// Other names of the same body (甘井子区住建局).
    pub aliases: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    jurisdiction: Option<Spanned<String>>,
    #[serde(default)]
    places: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    units: Vec<Spanned<RawUnit>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUnit {
    name: Spanned<String>,
    place: Spanned<String>,
    line: Spanned<String>,
    #[serde(default)]
    aliases: Vec<Spanned<String>>,
}

/// Parses `catalogue.toml` of `files`, if there is one; every name must be a known place,
/// and every unit's line one of `departments` (already loaded) or the government. Also
/// returns the file's bytes, for the catalogue's fingerprint.
pub(crate) fn load(
    files: &CatalogueFiles,
    gazetteer: &Gazetteer,
    departments: &[Department],
) -> Result<(Settings, Vec<u8>), CatalogueError> {
    let Some(text) = files.settings.clone() else {
        return Ok((Settings::default(), Vec::new()));
    };
    let path = files.dir.join(SETTINGS_FILE);
    let src = Source {
        path: &path,
        text: &text,
    };
    let raw: RawSettings = toml::from_str(&text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        src.error(offset, e.message().trim().to_string())
    })?;
    let jurisdiction = match &raw.jurisdiction {
        None => None,
        Some(name) => Some(place(&src, gazetteer, name, None, "jurisdiction")?),
    };
    let mut pairs = Vec::with_capacity(raw.places.len());
    for (alias, target) in &raw.places {
        let code = place(&src, gazetteer, target, jurisdiction, "[places]")?;
        pairs.push((alias.clone(), code));
    }
    let place_aliases = Aliases::new(gazetteer, &pairs).map_err(|e| {
        src.error(
            raw.places.values().next().map_or(0, |v| v.span().start),
            e.to_string(),
        )
    })?;
    let units = units(
        &src,
        gazetteer,
        &raw.units,
        jurisdiction,
        &place_aliases,
        departments,
    )?;
    Ok((
        Settings {
            jurisdiction,
            place_aliases,
            places: pairs,
            units,
        },
        text.into_bytes(),
    ))
}

/// Checks the `[[units]]`: each place a district / county or town inside the jurisdiction,
/// each line a department code or the government, each name and alias used once and by no
/// department, one unit per place and line.
fn units(
    src: &Source,
    gazetteer: &Gazetteer,
    raw: &[Spanned<RawUnit>],
    jurisdiction: Option<Code>,
    place_aliases: &Aliases,
    departments: &[Department],
) -> Result<Vec<DeclaredUnit>, CatalogueError> {
    let Some(first) = raw.first() else {
        return Ok(Vec::new());
    };
    let Some(scope) = jurisdiction else {
        return Err(src.error(
            first.span().start,
            "[[units]] needs the catalogue's jurisdiction: add jurisdiction = \"…\" (the city, e.g. 大连市) at the top of catalogue.toml",
        ));
    };
    let scope_name = gazetteer
        .get(scope)
        .map_or(String::new(), |d| d.name.clone());
    let department_names = department_names(departments);
    // Line of the unit that first used each name, and of each (place, line).
    let mut names_used: HashMap<String, usize> = HashMap::new();
    let mut keys_used: HashMap<(Code, String), (usize, String)> = HashMap::new();
    let mut out = Vec::with_capacity(raw.len());
    for unit in raw {
        let unit = unit.get_ref();
        let place = unit_place_in_scope(src, gazetteer, unit, scope, &scope_name, place_aliases)?;
        let line = unit_line(src, unit, departments, &department_names)?;
        let name = unit_name(src, &unit.name, &department_names, &mut names_used)?;
        let mut aliases = Vec::with_capacity(unit.aliases.len());
        for alias in &unit.aliases {
            aliases.push(unit_name(src, alias, &department_names, &mut names_used)?);
        }
        let here = src.line(unit.name.span().start);
        if let Some((line_no, other)) =
            keys_used.insert((place, line.to_string()), (here, name.clone()))
        {
            return Err(src.error(
                unit.name.span().start,
                format!(
                    "unit '{name}' has the same place and line as '{other}' at line {line_no}: one body has one [[units]] entry, its other names go in aliases"
                ),
            ));
        }
        out.push(DeclaredUnit {
            name,
            place,
            line: line.to_string(),
            aliases,
        });
    }
    Ok(out)
}

/// Department code per code, name and alias, for names a unit must not take.
fn department_names(departments: &[Department]) -> HashMap<&str, &str> {
    let mut department_names: HashMap<&str, &str> = HashMap::new();
    for d in departments {
        for n in [&d.code, &d.name].into_iter().chain(&d.aliases) {
            department_names.insert(n, &d.code);
        }
    }
    department_names
}

/// A unit's place, which must be a district / county or a town inside the jurisdiction
/// `scope` (named `scope_name` in errors).
fn unit_place_in_scope(
    src: &Source,
    gazetteer: &Gazetteer,
    unit: &RawUnit,
    scope: Code,
    scope_name: &str,
    place_aliases: &Aliases,
) -> Result<Code, CatalogueError> {
    let place = unit_place(src, gazetteer, &unit.place, scope, place_aliases)?;
    let at = unit.place.span().start;
    if !place.is_within(scope) {
        return Err(src.error(
            at,
            format!(
                "[[units]] place: '{}' ({place}) lies outside the jurisdiction {scope_name}",
                unit.place.get_ref().trim()
            ),
        ));
    }
    let level = gazetteer.get(place).map_or(place.level(), |d| d.level);
    if !matches!(level, Level::County | Level::Town) {
        return Err(src.error(
            at,
            format!(
                "[[units]] place: '{}' is a {level}-level division: a unit's place is a district / county or a town / street (the jurisdiction's own departments are the department files)",
                unit.place.get_ref().trim()
            ),
        ));
    }
    Ok(place)
}

/// A unit's line of duty, trimmed: a department code of the catalogue or the government
/// (an error hints at the code when the line is a department's name or alias).
fn unit_line<'u>(
    src: &Source,
    unit: &'u RawUnit,
    departments: &[Department],
    department_names: &HashMap<&str, &str>,
) -> Result<&'u str, CatalogueError> {
    let line = unit.line.get_ref().trim();
    if line != GOVERNMENT_LINE && !departments.iter().any(|d| d.code == line) {
        let hint = match department_names.get(line) {
            Some(code) => format!(": did you mean '{code}'?"),
            None => String::new(),
        };
        return Err(src.error(
            unit.line.span().start,
            format!(
                "[[units]] line: '{line}' is neither a department code of this catalogue nor '{GOVERNMENT_LINE}'{hint}"
            ),
        ));
    }
    Ok(line)
}

/// A unit's place: a `[places]` alias, else a gazetteer name or code inside the jurisdiction.
fn unit_place(
    src: &Source,
    gazetteer: &Gazetteer,
    name: &Spanned<String>,
    scope: Code,
    place_aliases: &Aliases,
) -> Result<Code, CatalogueError> {
    if let Some(&[one]) = place_aliases.get(name.get_ref().trim()) {
        return Ok(one);
    }
    place(src, gazetteer, name, Some(scope), "[[units]] place")
}

/// A unit name or alias, checked against the departments' names and the names used so far.
fn unit_name(
    src: &Source,
    name: &Spanned<String>,
    department_names: &HashMap<&str, &str>,
    used: &mut HashMap<String, usize>,
) -> Result<String, CatalogueError> {
    let at = name.span().start;
    let text = name.get_ref().trim();
    if text.is_empty() {
        return Err(src.error(at, "a unit name or alias is empty"));
    }
    // As labels resolve: with or without the 市 prefix that exports often drop.
    let prefixed = format!("市{text}");
    let department = [Some(text), Some(prefixed.as_str()), text.strip_prefix('市')]
        .into_iter()
        .flatten()
        .find_map(|n| department_names.get(n));
    if let Some(code) = department {
        return Err(src.error(
            at,
            format!("unit name '{text}' is already a name of department '{code}': a local unit's name starts with its place (甘井子区城建局)"),
        ));
    }
    if let Some(line) = used.get(text) {
        return Err(src.error(
            at,
            format!(
                "unit name '{text}' is already used at line {line}: each name stands for one unit"
            ),
        ));
    }
    used.insert(text.to_string(), src.line(at));
    Ok(text.to_string())
}

/// The one division a name (or 12-digit code) stands for, inside `scope` when given.
fn place(
    src: &Source,
    gazetteer: &Gazetteer,
    name: &Spanned<String>,
    scope: Option<Code>,
    field: &str,
) -> Result<Code, CatalogueError> {
    let text = name.get_ref().trim();
    let within = scope
        .and_then(|s| gazetteer.get(s))
        .map(|d| format!(" in {}", d.name))
        .unwrap_or_default();
    gazetteer.find_one(text, scope).map_err(|candidates| {
        let message = match candidates.len() {
            0 => format!("{field}: '{text}' is not a place of the gazetteer{within}: use an official name such as 甘井子区, or its 12-digit code"),
            n => format!(
                "{field}: '{text}' names {n} places{within} ({}): give its 12-digit code",
                gazetteer.list_places(&candidates)
            ),
        };
        src.error(name.span().start, message)
    })
}
