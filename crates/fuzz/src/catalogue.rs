//! The keyword-list loader: a directory of department files and `catalogue.toml` is a
//! catalogue or a refusal naming the file, never a panic. A catalogue that loads must also
//! assemble into an engine with a model, or be refused, and then route.

use crate::corpus::{workspace, Data};
use crate::input::{self, join};
use crate::scratch;
use pr_catalogue::{Catalogue, SETTINGS_FILE};
use pr_model::Model;
use std::path::Path;
use std::sync::OnceLock;

/// A `catalogue.toml` of a jurisdiction, place aliases and local units of shipped lines.
const SETTINGS: &str = r#"jurisdiction = "大连市"

[places]
"金普新区" = "金州区"

[[units]]
name = "甘井子区城建局"
place = "甘井子区"
line = "housing_construction"
aliases = ["甘井子区住建局"]

[[units]]
name = "沙河口区政府"
place = "沙河口区"
line = "government"
"#;

/// Parts: `catalogue.toml` (none when empty), then department files, each named after the
/// `code` it declares so that the loader gets past the name check.
pub fn run(data: &[u8]) {
    let dir = scratch::dir("catalogue");
    let parts = input::parts(data);
    if let Some((settings, departments)) = parts.split_first() {
        if !settings.is_empty() {
            scratch::write(&dir.join(SETTINGS_FILE), settings);
        }
        for (i, file) in departments.iter().enumerate() {
            let name = declared_code(file).unwrap_or_else(|| format!("d{i}"));
            scratch::write(&dir.join(format!("{name}.toml")), file);
        }
    }
    match Catalogue::load_dir(&dir) {
        Ok(catalogue) => {
            let mut scores = pr_catalogue::KeywordScores::default();
            catalogue.score("小区物业费上涨，业委会不管", &mut scores);
            crate::route::check_assembled(small_model(), catalogue);
        }
        Err(e) => {
            let message = e.to_string();
            assert!(
                message.contains(dir.to_str().unwrap_or_default()),
                "refusal without the path: {message}"
            );
        }
    }
}

/// The value of the first `code = "…"` line, if it makes a plain file name.
fn declared_code(file: &[u8]) -> Option<String> {
    let text = input::text(file);
    let line = text.lines().find(|l| l.trim_start().starts_with("code"))?;
    let code = line.split('"').nth(1)?;
    let plain = !code.is_empty()
        && code.len() <= 64
        && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && code != "catalogue";
    plain.then(|| code.to_string())
}

/// A model of the shipped labels with few rows: cheap to load for every catalogue.
fn small_model() -> Model {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    let bytes = BYTES.get_or_init(|| {
        let shipped =
            std::fs::read(workspace().join("models/default.model")).expect("shipped model");
        let (header, payload) = crate::model::cut(&shipped, 64, 64).expect("shipped model layout");
        crate::model::assemble(&header, &payload)
    });
    Model::from_bytes(bytes, Path::new("small.model")).expect("small model")
}

/// The shipped department files, a few at a time, with and without `catalogue.toml`.
pub fn seeds(_: &Data, n: usize) -> Vec<Vec<u8>> {
    let lists = workspace().join("keyword-lists");
    let Ok(entries) = std::fs::read_dir(&lists) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    let texts: Vec<Vec<u8>> = files.iter().filter_map(|p| std::fs::read(p).ok()).collect();
    let mut seeds = Vec::new();
    for group in texts.chunks(3) {
        let mut with = vec![SETTINGS.as_bytes().to_vec()];
        with.extend(group.iter().cloned());
        seeds.push(join(&with));
        let mut without = vec![Vec::new()];
        without.extend(group.iter().cloned());
        seeds.push(join(&without));
    }
    // The lines the units name, with the settings.
    let housing = lists.join("housing_construction.toml");
    if let Ok(text) = std::fs::read(housing) {
        seeds.insert(0, join(&[SETTINGS.as_bytes(), &text]));
    }
    seeds.truncate(n);
    seeds
}
