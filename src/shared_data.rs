//! Petitions of ../shared/data named by hand-label files (`source`, `id`): the labels keep
//! ids only, and the texts are read where the data lives.

use anyhow::{bail, Context, Result};
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::path::Path;

/// A petition's title and text, by (source, id); `source` is a JSONL file relative to `data`.
pub type Texts = HashMap<(String, String), Petition>;

/// A petition as the data file holds it.
pub struct Petition {
    /// The title, or `""`.
    pub title: String,
    /// The text.
    pub text: String,
}

/// The petitions `wanted` names; an id missing from its file is an error.
pub fn texts<'a>(
    data: &Path,
    wanted: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Texts> {
    let mut by_source: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (source, id) in wanted {
        by_source.entry(source).or_default().push(id);
    }
    let mut texts = HashMap::new();
    for (source, ids) in by_source {
        let path = data.join(source);
        let file = std::fs::File::open(&path).with_context(|| {
            format!(
                "cannot read {} (give the data directory with --data)",
                path.display()
            )
        })?;
        for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line.with_context(|| format!("cannot read {}", path.display()))?;
            let row: serde_json::Value = serde_json::from_str(&line)
                .with_context(|| format!("{}:{}: not JSON", path.display(), i + 1))?;
            let id = match &row["id"] {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if ids.contains(&id.as_str()) {
                let field = |name: &str| row[name].as_str().unwrap_or_default().to_string();
                let petition = Petition {
                    title: field("title"),
                    text: field("text"),
                };
                texts.insert((source.to_string(), id), petition);
            }
        }
        if let Some(missing) = ids
            .iter()
            .find(|id| !texts.contains_key(&(source.to_string(), id.to_string())))
        {
            bail!("{}: no petition with id {missing}", path.display());
        }
    }
    Ok(texts)
}

/// The lines of a hand-label file, one JSON object each (blank lines skipped); `what` names a
/// line in errors ("a pair line"). An empty file is an error.
pub fn label_lines<T: DeserializeOwned>(path: &Path, what: &str) -> Result<Vec<T>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut lines = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("cannot read {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed = serde_json::from_str(&line)
            .with_context(|| format!("{}:{}: not a {what} line", path.display(), i + 1))?;
        lines.push(parsed);
    }
    if lines.is_empty() {
        bail!("{} holds no {what}s", path.display());
    }
    Ok(lines)
}
