//! `catalogue.toml`: what a catalogue says about itself rather than about one department —
//! its jurisdiction (the city whose places its units serve) and the place names people use
//! that the national gazetteer does not hold (功能区 such as 金普新区, old names, 简称).

use crate::load::Source;
use crate::CatalogueError;
use pr_locality::{Aliases, Code, Gazetteer};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use toml::Spanned;

/// The file name of a catalogue's own settings; every other `*.toml` is a department.
pub const SETTINGS_FILE: &str = "catalogue.toml";

/// A catalogue's jurisdiction and place aliases.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The city (or county, or province) the catalogue serves.
    pub jurisdiction: Option<Code>,
    /// Place names the catalogue declares, each standing for a division of the gazetteer.
    pub place_aliases: Aliases,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    jurisdiction: Option<Spanned<String>>,
    #[serde(default)]
    places: BTreeMap<String, Spanned<String>>,
}

/// Reads `catalogue.toml` of `dir`, if there is one; every name must be a known place.
pub(crate) fn load(
    dir: &Path,
    gazetteer: &Gazetteer,
) -> Result<(Settings, Vec<u8>), CatalogueError> {
    let path = dir.join(SETTINGS_FILE);
    if !path.is_file() {
        return Ok((Settings::default(), Vec::new()));
    }
    let text = std::fs::read_to_string(&path).map_err(|error| CatalogueError::ReadFile {
        path: path.clone(),
        error,
    })?;
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
    Ok((
        Settings {
            jurisdiction,
            place_aliases,
        },
        text.into_bytes(),
    ))
}

/// The one division a name (or 12-digit code) stands for, inside `scope` when given.
fn place(
    src: &Source,
    gazetteer: &Gazetteer,
    name: &Spanned<String>,
    scope: Option<Code>,
    field: &str,
) -> Result<Code, CatalogueError> {
    let at = name.span().start;
    let text = name.get_ref().trim();
    if let Ok(code) = text.parse::<Code>() {
        if gazetteer.get(code).is_some() {
            return Ok(code);
        }
    }
    let mut candidates = gazetteer.lookup(text);
    if let Some(scope) = scope {
        candidates.retain(|&c| gazetteer.is_within(c, scope));
    }
    let within = scope
        .and_then(|s| gazetteer.get(s))
        .map(|d| format!(" in {}", d.name))
        .unwrap_or_default();
    match candidates.as_slice() {
        [one] => Ok(*one),
        [] => Err(src.error(
            at,
            format!("{field}: '{text}' is not a place of the gazetteer{within}: use an official name such as 甘井子区, or its 12-digit code"),
        )),
        many => Err(src.error(
            at,
            format!(
                "{field}: '{text}' names {} places{within} ({}): give its 12-digit code",
                many.len(),
                many.iter()
                    .take(5)
                    .map(|&c| {
                        let n = gazetteer.names(c);
                        let path: String = [n.province, n.city, n.county, n.town]
                            .into_iter()
                            .flatten()
                            .collect();
                        format!("{c} {path}")
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}
